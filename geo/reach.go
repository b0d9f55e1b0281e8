package geo

import (
	"fmt"
	"slices"
)

// DefaultCircuity is the usual ratio of road distance to straight-line
// distance. Dividing a travel distance by it turns "how far can I go in
// n minutes" into a straight-line radius.
const DefaultCircuity = 1.3

// modes lists the travel modes that have a default speed, in a stable order
// (for docs and error messages).
var modes = []string{"walk", "cycle", "drive", "truck"}

// Modes returns the travel modes that have a default speed, in a stable
// order, a copy each call.
func Modes() []string { return slices.Clone(modes) }

// modeSpeeds are the default speeds of Modes in km/h.
var modeSpeeds = map[string]float64{
	"walk":  5,
	"cycle": 15,
	"drive": 40,
	"truck": 50,
}

// ModeSpeed returns the default speed of mode in km/h and whether mode is known.
func ModeSpeed(mode string) (float64, bool) {
	v, ok := modeSpeeds[mode]
	return v, ok
}

// Reach is a service circle's radius and how it was derived. Until road
// travel times exist, reach is a straight line:
//
//	radius_m = speed_kmh × 1000 × minutes / 60 / circuity
//
// A Reach with Minutes == 0 was given as a radius directly (RadiusM) and
// carries no mode, speed or circuity.
type Reach struct {
	Mode     string  // travel mode ("walk", "cycle", "drive", "truck"), or "" when SpeedKmh was given without one
	Minutes  float64 // travel time in minutes; 0 when the radius was given directly
	SpeedKmh float64 // travel speed in km/h
	Circuity float64 // road distance / straight-line distance, >= 1
	RadiusM  float64 // the radius in meters: given, or derived by NewReach
}

// NewReach derives a Reach from a travel time in minutes. mode picks the
// default speed; speedKmh > 0 overrides it (then mode may be ""), and
// circuity > 0 overrides DefaultCircuity. An unknown mode without a speed
// is an error. Range checks (how many minutes are sensible) are the
// caller's; NewReach only refuses what makes no sense at all.
func NewReach(mode string, minutes, speedKmh, circuity float64) (Reach, error) {
	r := Reach{Mode: mode, Minutes: minutes, SpeedKmh: speedKmh, Circuity: circuity}
	if mode != "" {
		v, ok := ModeSpeed(mode)
		if !ok {
			return Reach{}, fmt.Errorf("unknown mode %q (allowed: walk, cycle, drive, truck)", mode)
		}
		if r.SpeedKmh <= 0 {
			r.SpeedKmh = v
		}
	}
	if r.SpeedKmh <= 0 {
		return Reach{}, fmt.Errorf("no speed: give a mode (walk, cycle, drive, truck) or a speed in km/h")
	}
	if !(minutes > 0) {
		return Reach{}, fmt.Errorf("minutes must be > 0, got %v", minutes)
	}
	if r.Circuity <= 0 {
		r.Circuity = DefaultCircuity
	}
	r.RadiusM = r.Radius()
	return r, nil
}

// RadiusReach is a Reach given directly as a radius in meters.
func RadiusReach(meters float64) Reach { return Reach{RadiusM: meters} }

// Radius is the straight-line radius in meters: derived from minutes,
// speed and circuity when Minutes > 0, else RadiusM.
func (r Reach) Radius() float64 {
	if r.Minutes <= 0 {
		return r.RadiusM
	}
	c := r.Circuity
	if c <= 0 {
		c = DefaultCircuity
	}
	return r.SpeedKmh * 1000 * r.Minutes / 60 / c
}

// Derivation says in words how the radius was found, for responses that
// must say which radius they used, e.g.
// "radius_m = 5 km/h × 1000 × 15 min / 60 / 1.3 circuity = 961.5 (walk)".
func (r Reach) Derivation() string {
	if r.Minutes <= 0 {
		return "radius_m = " + Num(r.RadiusM) + " (given)"
	}
	s := fmt.Sprintf("radius_m = %s km/h × 1000 × %s min / 60 / %s circuity = %s",
		Num(r.SpeedKmh), Num(r.Minutes), Num(r.Circuity), Num(Round1(r.Radius())))
	if r.Mode != "" {
		s += " (" + r.Mode + ")"
	}
	return s
}
