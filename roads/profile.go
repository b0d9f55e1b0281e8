package roads

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Mode is a way of travelling: walk, cycle, drive or truck.
type Mode string

// The travel modes.
const (
	Walk  Mode = "walk"
	Cycle Mode = "cycle"
	Drive Mode = "drive"
	Truck Mode = "truck"
)

// modes lists the modes in a stable order, for messages and docs.
var modes = []Mode{Walk, Cycle, Drive, Truck}

// Modes returns the travel modes in a stable order, a copy each call.
func Modes() []Mode { return slices.Clone(modes) }

// ParseMode reads a mode name; the error lists the modes.
func ParseMode(s string) (Mode, error) {
	m := Mode(s)
	if slices.Contains(modes, m) {
		return m, nil
	}
	return "", fmt.Errorf("roads: unknown mode %q (modes: walk, cycle, drive, truck)", s)
}

// DriveSpeeds is the default drive (and truck) speed of each highway
// class in km/h, as the README's table gives it. A class missing here is
// not driven on (footway, path, cycleway, steps, pedestrian …).
var DriveSpeeds = map[string]float64{
	"motorway": 100, "motorway_link": 60,
	"trunk": 80, "trunk_link": 50,
	"primary": 65, "primary_link": 40,
	"secondary": 55, "secondary_link": 40,
	"tertiary": 40, "tertiary_link": 30,
	"unclassified": 30, "residential": 25,
	"living_street": 10, "service": 15,
	"road": 30, "track": 15,
}

// Defaults of the profiles, in one place.
const (
	WalkKmh       = 5  // walking speed, on every way that allows walking
	CycleKmh      = 15 // cycling speed, on every way that allows cycling
	TruckMaxKmh   = 80 // the truck's cap on any road's speed
	OffRoadKmh    = 5  // the part from the point to the road is walked
	DefaultSnapM  = 1000
	maxProfileKmh = 1000 // sanity bound on any speed given
)

// nonMotorClasses are the highway classes of ways built for people on foot
// or on bicycles; with the classes of DriveSpeeds they are every class
// some mode can use.
var nonMotorClasses = map[string]bool{
	"footway": true, "path": true, "pedestrian": true, "steps": true,
	"cycleway": true, "bridleway": true, "corridor": true,
}

// footOnlyClasses are ways a bicycle uses only when bicycle=yes|designated|permissive says so.
var footOnlyClasses = map[string]bool{
	"footway": true, "pedestrian": true, "steps": true, "bridleway": true, "corridor": true,
}

// Profile is how one mode travels. The zero value is not usable; start
// from DefaultProfile and override fields.
type Profile struct {
	Mode Mode
	// Speeds maps a highway class to km/h (drive and truck; DriveSpeeds by
	// default). A class absent from it is not used by the profile.
	Speeds map[string]float64
	// MaxKmh caps every speed (truck: 80); 0 means no cap.
	MaxKmh float64
	// FlatKmh, when > 0, is the one speed on every allowed way (walk 5,
	// cycle 15); Speeds and maxspeed are then not read.
	FlatKmh float64
	// WeightT and HeightM are the vehicle's (truck), checked against a
	// way's maxweight (tonnes) and maxheight (metres); 0 checks nothing.
	WeightT, HeightM float64
	// OffRoadKmh is the speed over the part from a point to the road.
	OffRoadKmh float64
	// MaxSnapM: a point farther than this from a usable road is refused.
	MaxSnapM float64
}

// DefaultProfile is the deployment's default for mode m (an unknown mode
// gives a profile that fails Validate).
func DefaultProfile(m Mode) Profile {
	p := Profile{Mode: m, OffRoadKmh: OffRoadKmh, MaxSnapM: DefaultSnapM}
	switch m {
	case Walk:
		p.FlatKmh = WalkKmh
	case Cycle:
		p.FlatKmh = CycleKmh
	case Drive:
		p.Speeds = maps.Clone(DriveSpeeds)
	case Truck:
		p.Speeds = maps.Clone(DriveSpeeds)
		p.MaxKmh = TruckMaxKmh
	}
	return p
}

func validSpeed(v float64) bool { return v > 0 && v <= maxProfileKmh }

// Validate says what is wrong with a profile, if anything.
func (p Profile) Validate() error {
	var errs []error
	if _, err := ParseMode(string(p.Mode)); err != nil {
		errs = append(errs, err)
	}
	if p.FlatKmh != 0 && !validSpeed(p.FlatKmh) {
		errs = append(errs, fmt.Errorf("speed must be a number in (0, %d] km/h, got %v", maxProfileKmh, p.FlatKmh))
	}
	if p.FlatKmh == 0 {
		if len(p.Speeds) == 0 {
			errs = append(errs, errors.New("a profile needs a flat speed or a speed table"))
		}
		for _, c := range slices.Sorted(maps.Keys(p.Speeds)) {
			if !validSpeed(p.Speeds[c]) {
				errs = append(errs, fmt.Errorf("speed of %s must be a number in (0, %d] km/h, got %v", c, maxProfileKmh, p.Speeds[c]))
			}
		}
	}
	if p.MaxKmh != 0 && !validSpeed(p.MaxKmh) {
		errs = append(errs, fmt.Errorf("max speed must be 0 (none) or a number in (0, %d] km/h, got %v", maxProfileKmh, p.MaxKmh))
	}
	if !(p.WeightT >= 0 && p.WeightT <= 1000) {
		errs = append(errs, fmt.Errorf("weight_t must be a number in [0, 1000] tonnes, got %v", p.WeightT))
	}
	if !(p.HeightM >= 0 && p.HeightM <= 100) {
		errs = append(errs, fmt.Errorf("height_m must be a number in [0, 100] metres, got %v", p.HeightM))
	}
	if !validSpeed(p.OffRoadKmh) {
		errs = append(errs, fmt.Errorf("off-road speed must be a number in (0, %d] km/h, got %v", maxProfileKmh, p.OffRoadKmh))
	}
	if !(p.MaxSnapM > 0 && p.MaxSnapM <= MaxSnapLimitM) {
		errs = append(errs, fmt.Errorf("snap distance must be a number in (0, %d] metres, got %v", MaxSnapLimitM, p.MaxSnapM))
	}
	if len(errs) > 0 {
		return fmt.Errorf("roads: invalid %s profile: %w", p.Mode, errors.Join(errs...))
	}
	return nil
}

// MaxSnapLimitM is the largest snap distance a profile may ask for: the
// nearest-road search is bounded by it.
const MaxSnapLimitM = 50_000

// motorway classes are closed to walking and cycling.
func isMotorway(class string) bool { return class == "motorway" || class == "motorway_link" }

// accessNo reports whether an access-type value forbids the way.
func accessNo(v string) bool { return v == "no" || v == "private" }

// accessYes reports whether an access-type value explicitly allows it.
func accessYes(v string) bool {
	switch v {
	case "yes", "designated", "permissive", "destination", "customers", "delivery", "official":
		return true
	}
	return false
}

// allowed decides access with OSM's rule that the most specific tag set
// wins: the first of tags (most specific first) that says yes or no
// decides; none set means allowed.
func allowed(tags ...string) bool {
	for _, v := range tags {
		if accessNo(v) {
			return false
		}
		if accessYes(v) {
			return true
		}
	}
	return true
}

// Allows says in which directions of its geometry the profile may travel
// way w:
//
//   - drive and truck need a class in Speeds; access=no|private and
//     motor_vehicle=no exclude the way (motor_vehicle, more specific, wins
//     over access; for trucks hgv wins over both, and hgv=no excludes);
//     a truck heavier than maxweight or taller than maxheight is refused;
//   - walk and cycle use every class some mode uses except motorways;
//     foot (walk) or bicycle (cycle) wins over access; a bicycle uses
//     footways, pedestrian streets, steps and bridleways only when
//     bicycle=yes|designated|permissive;
//   - oneway=yes|true|1 allows only forward, oneway=-1 only backward, and
//     junction=roundabout means forward unless oneway=no; walking ignores
//     oneway (people walk both ways down a one-way street).
func (p Profile) Allows(w *Way) (forward, backward bool) {
	if !p.usable(w) {
		return false, false
	}
	if p.Mode == Walk {
		return true, true
	}
	switch w.Oneway {
	case "yes", "true", "1":
		return true, false
	case "-1", "reverse":
		return false, true
	case "no", "false", "0":
		return true, true
	}
	if w.Junction == "roundabout" {
		return true, false
	}
	return true, true
}

// usable is Allows without the direction.
func (p Profile) usable(w *Way) bool {
	switch p.Mode {
	case Walk, Cycle:
		if isMotorway(w.Class) {
			return false
		}
		if _, ok := DriveSpeeds[w.Class]; !ok && !nonMotorClasses[w.Class] {
			return false
		}
		if p.Mode == Walk {
			return allowed(w.Foot, w.Access)
		}
		if footOnlyClasses[w.Class] {
			return w.Bicycle == "yes" || w.Bicycle == "designated" || w.Bicycle == "permissive"
		}
		return allowed(w.Bicycle, w.Access)
	case Drive, Truck:
		if p.FlatKmh == 0 && !validSpeed(p.Speeds[w.Class]) {
			return false
		}
		if p.FlatKmh > 0 {
			if _, ok := DriveSpeeds[w.Class]; !ok {
				return false
			}
		}
		if p.Mode == Drive {
			return allowed(w.MotorVehicle, w.Access)
		}
		if !allowed(w.HGV, w.MotorVehicle, w.Access) {
			return false
		}
		if p.WeightT > 0 {
			if lim, ok := ParseWeight(w.MaxWeight); ok && p.WeightT > lim {
				return false
			}
		}
		if p.HeightM > 0 {
			if lim, ok := ParseHeight(w.MaxHeight); ok && p.HeightM > lim {
				return false
			}
		}
		return true
	}
	return false
}

// Kmh is the profile's speed on way w in km/h: FlatKmh when set, else a
// numeric maxspeed (km/h, or "N mph") or the class's speed, capped at
// MaxKmh. It is 0 when the profile cannot use the class.
func (p Profile) Kmh(w *Way) float64 {
	v := p.FlatKmh
	if v == 0 {
		v = p.Speeds[w.Class]
		if !validSpeed(v) {
			return 0
		}
		if s, ok := ParseMaxSpeed(w.MaxSpeed); ok {
			v = s
		}
	}
	if p.MaxKmh > 0 && v > p.MaxKmh {
		v = p.MaxKmh
	}
	return v
}

// mphKmh is one mile an hour in km/h.
const mphKmh = 1.609344

// ParseMaxSpeed reads an OSM maxspeed: "50", "50 km/h", "30 mph". Other
// values ("none", "signals", "RU:urban", "50;30") are not numbers and give
// false, so the class speed applies.
func ParseMaxSpeed(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	unit := 1.0
	for _, suf := range []struct {
		s string
		f float64
	}{{"mph", mphKmh}, {"km/h", 1}, {"kmh", 1}, {"kph", 1}} {
		if strings.HasSuffix(s, suf.s) {
			s, unit = strings.TrimSpace(strings.TrimSuffix(s, suf.s)), suf.f
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || v*unit > maxProfileKmh {
		return 0, false
	}
	return v * unit, true
}

// ParseWeight reads an OSM maxweight in tonnes: "7.5", "7.5 t", "12 st"
// is not understood (false, so the way is not restricted).
func ParseWeight(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, "t"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// ParseHeight reads an OSM maxheight in metres: "3.5", "3.5 m", or feet
// and inches "12'6\"". "default", "none" and the like give false.
func ParseHeight(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if ft, rest, ok := strings.Cut(s, "'"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(ft), 64)
		if err != nil || f < 0 {
			return 0, false
		}
		in := 0.0
		rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "\""))
		if rest != "" {
			if in, err = strconv.ParseFloat(rest, 64); err != nil || in < 0 || in >= 12 {
				return 0, false
			}
		}
		v := f*0.3048 + in*0.0254
		return v, v > 0 && v < 1000
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, "m"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || v >= 1000 {
		return 0, false
	}
	return v, true
}

// UsableBySome reports whether some default profile can use way w: the
// reader keeps only such ways.
func UsableBySome(w *Way) bool {
	for _, m := range modes {
		p := DefaultProfile(m)
		if f, b := p.Allows(w); f || b {
			return true
		}
	}
	return false
}
