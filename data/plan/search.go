package plan

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"yizhan/data"
	"yizhan/geo"
)

// Limits of the service circle and of the filters every search shares.
const (
	// MinRadiusM and MaxRadiusM bound a service circle's radius in meters,
	// given or derived; below a meter a circle polygon degenerates to a point.
	MinRadiusM = 1
	MaxRadiusM = 500_000
	// DefaultMinutes and DefaultMode are the service circle used when
	// neither radius_m nor minutes is given: the unions' 15-minute circle, on foot.
	DefaultMinutes = 15
	DefaultMode    = "walk"
	// MaxMinutes bounds minutes (travel time); MaxSpeedKmh bounds
	// speed_kmh; circuity must lie in [MinCircuity, MaxCircuity].
	MaxMinutes  = 600
	MaxSpeedKmh = 200
	MinCircuity = 1
	MaxCircuity = 3
	// DefaultLang is the language of names when lang is not given.
	DefaultLang = "zh"
)

// StringList is a JSON string or array of strings ("kind": "port" or
// "kind": ["port", "rest_stop"]).
type StringList []string

// UnmarshalJSON reads a string or an array of strings.
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("must be a string or an array of strings")
	}
	*l = many
	return nil
}

// Filter is the record filter of a request as given: kinds (any of),
// amenities (all of), open now or at a time, and the language of names.
// Empty fields mean no filter (and DefaultLang).
type Filter struct {
	Kind    []string
	Amenity []string
	OpenNow string // "true"/"1" or "false"/"0" (any case); "" when not given
	OpenAt  string // RFC 3339
	Status  []string
	Lang    string
}

// Parse checks f and returns the filter and the language; now is the
// instant open_now means.
func (f Filter) Parse(now time.Time) (data.Filter, string, error) {
	var out data.Filter
	for _, s := range List(f.Kind) {
		k, err := data.ParseKind(s)
		if err != nil {
			return out, "", bad("kind", "%v", err)
		}
		out.Kinds = append(out.Kinds, k)
	}
	set, err := data.NewAmenitySet(List(f.Amenity))
	if err != nil {
		return out, "", bad("amenity", "%v", err)
	}
	out.Amenities = set
	for _, s := range List(f.Status) {
		st, err := data.ParseStatus(s)
		if err != nil {
			return out, "", bad("status", "%v", err)
		}
		out.Statuses = append(out.Statuses, st)
	}
	if f.OpenNow != "" && f.OpenAt != "" {
		return out, "", bad("open_at", "give open_now or open_at, not both")
	}
	switch strings.ToLower(f.OpenNow) {
	case "", "false", "0":
	case "true", "1":
		out.OpenAt = now
	default:
		return out, "", bad("open_now", "open_now must be true or false, got %s", geo.Quote(f.OpenNow))
	}
	if f.OpenAt != "" {
		// An unencoded "+" in a query string arrives as a space; nothing
		// else can be meant by "08:30:00 08:00".
		t, err := time.Parse(time.RFC3339, strings.Replace(f.OpenAt, " ", "+", 1))
		if err != nil {
			return out, "", bad("open_at", "open_at must be an RFC 3339 time such as 2024-05-01T08:30:00%%2B08:00 (%%2B is an encoded +) or 2024-05-01T00:30:00Z, got %s", geo.Quote(f.OpenAt))
		}
		out.OpenAt = t
	}
	lang := f.Lang
	if lang == "" {
		lang = DefaultLang
	} else if !data.IsLanguage(lang) {
		return out, "", bad("lang", "unknown lang %s (allowed: %s)", geo.Quote(lang), strings.Join(data.Languages(), ", "))
	}
	return out, lang, nil
}

// Reach is a service circle as given: RadiusM directly, or Minutes with
// Mode, SpeedKmh and Circuity. Nil fields are absent.
type Reach struct {
	RadiusM  *float64
	Minutes  *float64
	Mode     string
	SpeedKmh *float64
	Circuity *float64
}

// Parse checks r and derives the circle (README "Inside the service
// circle"): radius_m = speed_kmh × 1000 × minutes / 60 / circuity. Neither
// radius nor minutes gives DefaultMinutes by DefaultMode.
func (r Reach) Parse() (geo.Reach, error) {
	if r.RadiusM != nil {
		for _, o := range []struct {
			name  string
			given bool
		}{{"minutes", r.Minutes != nil}, {"mode", r.Mode != ""}, {"speed_kmh", r.SpeedKmh != nil}, {"circuity", r.Circuity != nil}} {
			if o.given {
				return geo.Reach{}, bad(o.name, "give radius_m, or minutes with mode, speed_kmh and circuity; not both (%s was given with radius_m)", o.name)
			}
		}
		m, err := Range("radius_m", r.RadiusM, 0, MinRadiusM, MaxRadiusM, true, " meters")
		if err != nil {
			return geo.Reach{}, err
		}
		return geo.RadiusReach(m), nil
	}
	minutes, err := Range("minutes", r.Minutes, DefaultMinutes, 0, MaxMinutes, false, " minutes")
	if err != nil {
		return geo.Reach{}, err
	}
	speed, err := Range("speed_kmh", r.SpeedKmh, 0, 0, MaxSpeedKmh, false, " km/h")
	if err != nil {
		return geo.Reach{}, err
	}
	circuity, err := Range("circuity", r.Circuity, geo.DefaultCircuity, MinCircuity, MaxCircuity, true, "")
	if err != nil {
		return geo.Reach{}, err
	}
	mode := r.Mode
	if mode == "" && speed == 0 {
		mode = DefaultMode
	}
	if mode != "" {
		if _, ok := geo.ModeSpeed(mode); !ok {
			return geo.Reach{}, bad("mode", "unknown mode %s (allowed: %s; or give speed_kmh)", geo.Quote(mode), strings.Join(geo.Modes(), ", "))
		}
	}
	g, err := geo.NewReach(mode, minutes, speed, circuity)
	if err != nil {
		return geo.Reach{}, bad("minutes", "%v", err)
	}
	if g.RadiusM < MinRadiusM {
		return geo.Reach{}, bad("minutes", "the derived radius %s m is below the minimum %d m; raise minutes or speed_kmh (%s)", geo.Num(geo.Round1(g.RadiusM)), MinRadiusM, g.Derivation())
	}
	if g.RadiusM > MaxRadiusM {
		return geo.Reach{}, bad("minutes", "the derived radius %s m is above the maximum %d m; lower minutes or speed_kmh (%s)", geo.Num(geo.Round1(g.RadiusM)), MaxRadiusM, g.Derivation())
	}
	return g, nil
}

// Range checks the optional number v of field name against (lo, hi], or
// [lo, hi] when loIncl; def when v is nil. unit follows the bound in the
// message (" meters").
func Range(name string, v *float64, def, lo, hi float64, loIncl bool, unit string) (float64, error) {
	if v == nil {
		return def, nil
	}
	if *v < lo || (!loIncl && *v == lo) || *v > hi || *v != *v {
		op := ">"
		if loIncl {
			op = ">="
		}
		return 0, bad(name, "%s must be %s %s and <= %s%s, got %s", name, op, geo.Num(lo), geo.Num(hi), unit, geo.Num(*v))
	}
	return *v, nil
}

// List returns every comma-separated item of values, trimmed, empty
// items dropped, duplicates removed: "kind=port,rest_stop" and
// "kind": ["port", "rest_stop"] name the same kinds.
func List(values []string) []string {
	var out []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item != "" && !slices.Contains(out, item) {
				out = append(out, item)
			}
		}
	}
	return out
}

// BodyFilter holds the record filters and the name language of a planner
// body, as every planner body (Search, RouteRequest) has them.
type BodyFilter struct {
	Kind    StringList `json:"kind"`
	Amenity StringList `json:"amenity"`
	OpenNow *bool      `json:"open_now"`
	OpenAt  string     `json:"open_at"`
	Status  StringList `json:"status"`
	Lang    string     `json:"lang"`
}

// filter is the body's filter as given.
func (b *BodyFilter) filter() Filter {
	f := Filter{Kind: b.Kind, Amenity: b.Amenity, Status: b.Status, OpenAt: b.OpenAt, Lang: b.Lang}
	if b.OpenNow != nil {
		f.OpenNow = "false"
		if *b.OpenNow {
			f.OpenNow = "true"
		}
	}
	return f
}

// Search holds the members every coverage body shares: record filters,
// the name language and the service circle.
type Search struct {
	BodyFilter
	RadiusM  *float64 `json:"radius_m"`
	Minutes  *float64 `json:"minutes"`
	Mode     string   `json:"mode"`
	SpeedKmh *float64 `json:"speed_kmh"`
	Circuity *float64 `json:"circuity"`
	By       string   `json:"by"` // "distance" (default) or "time": on the roads where a network is loaded (network.go)
}

// reach is the body's service circle as given.
func (s *Search) reach() Reach {
	return Reach{RadiusM: s.RadiusM, Minutes: s.Minutes, Mode: s.Mode, SpeedKmh: s.SpeedKmh, Circuity: s.Circuity}
}

// Interface guard: StringList decodes itself.
var _ json.Unmarshaler = (*StringList)(nil)
