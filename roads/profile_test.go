package roads

import (
	"math"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	for _, m := range Modes() {
		if got, err := ParseMode(string(m)); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	_, err := ParseMode("boat")
	if err == nil || !strings.Contains(err.Error(), "walk, cycle, drive, truck") {
		t.Errorf("ParseMode(boat) error %v should list the modes", err)
	}
}

func TestParseMaxSpeed(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"50", 50, true}, {" 90 ", 90, true}, {"50 km/h", 50, true}, {"50km/h", 50, true}, {"70 kmh", 70, true},
		{"30 mph", 30 * 1.609344, true}, {"30mph", 30 * 1.609344, true}, {"12.5", 12.5, true},
		{"none", 0, false}, {"signals", 0, false}, {"RU:urban", 0, false}, {"50;30", 0, false},
		{"", 0, false}, {"0", 0, false}, {"-20", 0, false}, {"NaN", 0, false}, {"Inf", 0, false}, {"1e9", 0, false},
		{"walk", 0, false}, {"10 knots", 0, false},
	} {
		got, ok := ParseMaxSpeed(c.in)
		if ok != c.ok || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ParseMaxSpeed(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseWeightHeight(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{{"7.5", 7.5, true}, {"7.5 t", 7.5, true}, {"3.5t", 3.5, true}, {"none", 0, false}, {"", 0, false}, {"-1", 0, false}, {"NaN", 0, false}} {
		got, ok := ParseWeight(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseWeight(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{{"3.5", 3.5, true}, {"3.5 m", 3.5, true}, {"4m", 4, true}, {"12'6\"", 12*0.3048 + 6*0.0254, true}, {"13'", 13 * 0.3048, true},
		{"default", 0, false}, {"none", 0, false}, {"", 0, false}, {"0", 0, false}, {"5'13\"", 0, false}, {"NaN", 0, false}} {
		got, ok := ParseHeight(c.in)
		if ok != c.ok || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ParseHeight(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestDefaultSpeeds pins the README's drive table.
func TestDefaultSpeeds(t *testing.T) {
	want := map[string]float64{
		"motorway": 100, "motorway_link": 60, "trunk": 80, "trunk_link": 50,
		"primary": 65, "primary_link": 40, "secondary": 55, "secondary_link": 40,
		"tertiary": 40, "tertiary_link": 30, "unclassified": 30, "residential": 25,
		"living_street": 10, "service": 15, "road": 30, "track": 15,
	}
	if len(DriveSpeeds) != len(want) {
		t.Fatalf("DriveSpeeds has %d classes, want %d", len(DriveSpeeds), len(want))
	}
	for c, v := range want {
		for _, m := range []Mode{Drive, Truck} {
			p := DefaultProfile(m)
			w := Way{Class: c}
			exp := v
			if m == Truck {
				exp = math.Min(v, 80)
			}
			if got := p.Kmh(&w); got != exp {
				t.Errorf("%s on %s: %v km/h, want %v", m, c, got, exp)
			}
		}
	}
}

type dirs struct{ f, b bool }

func TestProfileRules(t *testing.T) {
	both, fwd, back, none := dirs{true, true}, dirs{true, false}, dirs{false, true}, dirs{false, false}
	heavy := DefaultProfile(Truck)
	heavy.WeightT, heavy.HeightM = 20, 4
	cases := []struct {
		name string
		prof Profile
		way  Way
		want dirs
		kmh  float64
	}{
		{"drive residential", DefaultProfile(Drive), Way{Class: "residential"}, both, 25},
		{"drive maxspeed replaces class", DefaultProfile(Drive), Way{Class: "residential", MaxSpeed: "50"}, both, 50},
		{"drive maxspeed mph", DefaultProfile(Drive), Way{Class: "primary", MaxSpeed: "40 mph"}, both, 40 * 1.609344},
		{"drive maxspeed none keeps class", DefaultProfile(Drive), Way{Class: "primary", MaxSpeed: "none"}, both, 65},
		{"drive oneway yes", DefaultProfile(Drive), Way{Class: "primary", Oneway: "yes"}, fwd, 65},
		{"drive oneway true", DefaultProfile(Drive), Way{Class: "primary", Oneway: "true"}, fwd, 65},
		{"drive oneway 1", DefaultProfile(Drive), Way{Class: "primary", Oneway: "1"}, fwd, 65},
		{"drive oneway -1", DefaultProfile(Drive), Way{Class: "primary", Oneway: "-1"}, back, 65},
		{"drive oneway no", DefaultProfile(Drive), Way{Class: "primary", Oneway: "no"}, both, 65},
		{"drive roundabout", DefaultProfile(Drive), Way{Class: "primary", Junction: "roundabout"}, fwd, 65},
		{"drive roundabout oneway no", DefaultProfile(Drive), Way{Class: "primary", Junction: "roundabout", Oneway: "no"}, both, 65},
		{"drive access no", DefaultProfile(Drive), Way{Class: "service", Access: "no"}, none, 15},
		{"drive access private", DefaultProfile(Drive), Way{Class: "service", Access: "private"}, none, 15},
		{"drive motor_vehicle no", DefaultProfile(Drive), Way{Class: "tertiary", MotorVehicle: "no"}, none, 40},
		{"drive motor_vehicle yes beats access no", DefaultProfile(Drive), Way{Class: "tertiary", Access: "no", MotorVehicle: "yes"}, both, 40},
		{"drive footway", DefaultProfile(Drive), Way{Class: "footway"}, none, 0},
		{"drive cycleway", DefaultProfile(Drive), Way{Class: "cycleway"}, none, 0},
		{"drive unknown class", DefaultProfile(Drive), Way{Class: "proposed"}, none, 0},
		{"truck capped", DefaultProfile(Truck), Way{Class: "motorway"}, both, 80},
		{"truck maxspeed capped", DefaultProfile(Truck), Way{Class: "motorway", MaxSpeed: "120"}, both, 80},
		{"truck maxspeed below cap", DefaultProfile(Truck), Way{Class: "motorway", MaxSpeed: "70"}, both, 70},
		{"truck hgv no", DefaultProfile(Truck), Way{Class: "primary", HGV: "no"}, none, 65},
		{"truck hgv yes beats motor_vehicle no", DefaultProfile(Truck), Way{Class: "primary", MotorVehicle: "no", HGV: "yes"}, both, 65},
		{"truck motor_vehicle no", DefaultProfile(Truck), Way{Class: "primary", MotorVehicle: "no"}, none, 65},
		{"truck access private", DefaultProfile(Truck), Way{Class: "primary", Access: "private"}, none, 65},
		{"truck heavier than maxweight", heavy, Way{Class: "primary", MaxWeight: "7.5"}, none, 65},
		{"truck lighter than maxweight", heavy, Way{Class: "primary", MaxWeight: "30 t"}, both, 65},
		{"truck taller than maxheight", heavy, Way{Class: "primary", MaxHeight: "3.8"}, none, 65},
		{"truck lower than maxheight", heavy, Way{Class: "primary", MaxHeight: "4.2 m"}, both, 65},
		{"truck maxheight in feet", heavy, Way{Class: "primary", MaxHeight: "12'6\""}, none, 65},
		{"truck without a weight ignores maxweight", DefaultProfile(Truck), Way{Class: "primary", MaxWeight: "3.5"}, both, 65},
		{"truck unreadable maxweight", heavy, Way{Class: "primary", MaxWeight: "unsigned"}, both, 65},
		{"truck oneway", DefaultProfile(Truck), Way{Class: "primary", Oneway: "yes"}, fwd, 65},
		{"drive ignores hgv no", DefaultProfile(Drive), Way{Class: "primary", HGV: "no"}, both, 65},
		{"walk residential", DefaultProfile(Walk), Way{Class: "residential", MaxSpeed: "50"}, both, 5},
		{"walk ignores oneway", DefaultProfile(Walk), Way{Class: "residential", Oneway: "yes"}, both, 5},
		{"walk footway", DefaultProfile(Walk), Way{Class: "footway"}, both, 5},
		{"walk steps", DefaultProfile(Walk), Way{Class: "steps"}, both, 5},
		{"walk motorway", DefaultProfile(Walk), Way{Class: "motorway"}, none, 5},
		{"walk motorway_link", DefaultProfile(Walk), Way{Class: "motorway_link"}, none, 5},
		{"walk trunk", DefaultProfile(Walk), Way{Class: "trunk"}, both, 5},
		{"walk foot no", DefaultProfile(Walk), Way{Class: "residential", Foot: "no"}, none, 5},
		{"walk foot yes beats access no", DefaultProfile(Walk), Way{Class: "track", Access: "no", Foot: "yes"}, both, 5},
		{"walk access private", DefaultProfile(Walk), Way{Class: "service", Access: "private"}, none, 5},
		{"walk ignores motor_vehicle no", DefaultProfile(Walk), Way{Class: "track", MotorVehicle: "no"}, both, 5},
		{"cycle residential", DefaultProfile(Cycle), Way{Class: "residential"}, both, 15},
		{"cycle oneway", DefaultProfile(Cycle), Way{Class: "residential", Oneway: "yes"}, fwd, 15},
		{"cycle cycleway", DefaultProfile(Cycle), Way{Class: "cycleway"}, both, 15},
		{"cycle motorway", DefaultProfile(Cycle), Way{Class: "motorway"}, none, 15},
		{"cycle footway", DefaultProfile(Cycle), Way{Class: "footway"}, none, 15},
		{"cycle footway bicycle yes", DefaultProfile(Cycle), Way{Class: "footway", Bicycle: "yes"}, both, 15},
		{"cycle bicycle no", DefaultProfile(Cycle), Way{Class: "primary", Bicycle: "no"}, none, 15},
		{"cycle bicycle yes beats access no", DefaultProfile(Cycle), Way{Class: "track", Access: "no", Bicycle: "yes"}, both, 15},
		{"cycle path", DefaultProfile(Cycle), Way{Class: "path"}, both, 15},
	}
	for _, c := range cases {
		f, b := c.prof.Allows(&c.way)
		if (dirs{f, b}) != c.want {
			t.Errorf("%s: Allows = %v, %v; want %v, %v", c.name, f, b, c.want.f, c.want.b)
		}
		if got := c.prof.Kmh(&c.way); math.Abs(got-c.kmh) > 1e-12 {
			t.Errorf("%s: Kmh = %v, want %v", c.name, got, c.kmh)
		}
	}
}

func TestProfileValidate(t *testing.T) {
	for _, m := range Modes() {
		if err := DefaultProfile(m).Validate(); err != nil {
			t.Errorf("default %s: %v", m, err)
		}
	}
	bad := []func(*Profile){
		func(p *Profile) { p.Mode = "boat" },
		func(p *Profile) { p.Speeds = nil },
		func(p *Profile) { p.Speeds["primary"] = math.NaN() },
		func(p *Profile) { p.Speeds["primary"] = -1 },
		func(p *Profile) { p.MaxKmh = math.Inf(1) },
		func(p *Profile) { p.WeightT = -1 },
		func(p *Profile) { p.HeightM = math.NaN() },
		func(p *Profile) { p.OffRoadKmh = 0 },
		func(p *Profile) { p.MaxSnapM = 0 },
		func(p *Profile) { p.MaxSnapM = 1e9 },
		func(p *Profile) { p.FlatKmh = -5 },
	}
	for i, f := range bad {
		p := DefaultProfile(Drive)
		f(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("bad profile %d passed Validate: %+v", i, p)
		}
	}
	if err := (Profile{}).Validate(); err == nil {
		t.Error("the zero Profile passed Validate")
	}
}
