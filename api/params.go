package api

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/geo"
)

// Limits on query parameters. Anything outside them is a 400 problem that
// names the limit.
const (
	// DefaultK and MaxK bound k, the number of nearest records.
	DefaultK = 10
	MaxK     = 100
	// MaxDistanceM bounds max_distance_m in meters: a little more than
	// half the Earth's circumference, beyond any great-circle distance.
	MaxDistanceM = 20_100_000
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
	// DefaultLimit and MaxLimit bound limit on /v1/stations (a page).
	DefaultLimit = 100
	MaxLimit     = 10_000
	// MaxWithin caps the features of one /v1/stations/within answer; the
	// nearest MaxWithin are returned and numberMatched tells the full count.
	// limit may lower it.
	MaxWithin = 10_000
	// MaxOffset bounds offset on /v1/stations.
	MaxOffset = 100_000_000
	// DefaultLang is the language of names when lang is not given.
	DefaultLang = "zh"
)

// query holds a request's query parameters, checked against the names a
// route allows. Empty values count as absent, so that forms which send
// "kind=" for "no filter" work.
type query struct {
	vals url.Values
}

// parseQuery reads c's query string; a parameter not in allowed is a 400
// problem (a misspelt "radius" must not silently fall back to a default).
func parseQuery(c *fiber.Ctx, allowed ...string) (query, error) {
	q := query{vals: url.Values{}}
	var err error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if err != nil {
			return
		}
		key := string(k)
		if !slices.Contains(allowed, key) {
			err = badParam(key, "unknown parameter %s (allowed here: %s)", quote(key), strings.Join(allowed, ", "))
			return
		}
		if len(v) > 0 {
			q.vals[key] = append(q.vals[key], string(v))
		}
	})
	if err != nil {
		return query{}, err
	}
	return q, nil
}

// quote quotes a client-supplied value for an error detail, cut to a
// length that keeps problem bodies small.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

// has reports whether name was given with a non-empty value.
func (q query) has(name string) bool { return len(q.vals[name]) > 0 }

// one returns the single value of name ("" when absent). Repeating a
// single-valued parameter with different values is a 400 problem.
func (q query) one(name string) (string, error) {
	vs := q.vals[name]
	if len(vs) == 0 {
		return "", nil
	}
	for _, v := range vs[1:] {
		if v != vs[0] {
			return "", badParam(name, "%s is given %d times with different values (%s, %s); give it once", name, len(vs), quote(vs[0]), quote(v))
		}
	}
	return vs[0], nil
}

// list returns every comma-separated item of every value of name, trimmed,
// empty items dropped, duplicates removed.
func (q query) list(name string) []string {
	var out []string
	for _, v := range q.vals[name] {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item != "" && !slices.Contains(out, item) {
				out = append(out, item)
			}
		}
	}
	return out
}

// float parses name as a finite number; ok is false when it is absent.
func (q query) float(name string) (v float64, ok bool, err error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return 0, false, err
	}
	v, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if perr != nil && !isRangeErr(perr) {
		return 0, false, badParam(name, "%s must be a number, got %s", name, quote(s))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, badParam(name, "%s must be a finite number, got %s", name, quote(s))
	}
	if !isDecimal(strings.TrimSpace(s)) {
		return 0, false, badParam(name, "%s must be a plain decimal number, got %s", name, quote(s))
	}
	return v, true, nil
}

// pageURL is base with the request's query, limit and offset set: the
// next or previous page of a paged answer.
func (q query) pageURL(base string, limit, offset int) string {
	v := url.Values{}
	for k, vs := range q.vals {
		v[k] = vs
	}
	v.Set("limit", strconv.Itoa(limit))
	v.Set("offset", strconv.Itoa(offset))
	return base + "?" + v.Encode()
}

// isDecimal reports whether s is written as a plain decimal number
// (digits, sign, point, exponent): ParseFloat also reads "1_0", hex floats
// and "Inf", which no person means as a coordinate.
func isDecimal(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '.', r == '-', r == '+', r == 'e', r == 'E':
		default:
			return false
		}
	}
	return true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// floatIn parses name as a number in (lo, hi] (or [lo, hi] when loIncl);
// def is returned when it is absent.
func (q query) floatIn(name string, def, lo, hi float64, loIncl bool, unit string) (float64, error) {
	v, ok, err := q.float(name)
	if err != nil || !ok {
		return def, err
	}
	if v < lo || (!loIncl && v == lo) || v > hi {
		op := ">"
		if loIncl {
			op = ">="
		}
		return 0, badParam(name, "%s must be %s %s and <= %s%s, got %s", name, op, num(lo), num(hi), unit, num(v))
	}
	return v, nil
}

// intIn parses name as an integer in [lo, hi]; def when absent.
func (q query) intIn(name string, def, lo, hi int) (int, error) {
	s, err := q.one(name)
	if err != nil || s == "" {
		return def, err
	}
	v, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if perr != nil && !isRangeErr(perr) {
		return 0, badParam(name, "%s must be a whole number from %d to %d, got %s", name, lo, hi, quote(s))
	}
	if perr != nil || v < int64(lo) || v > int64(hi) {
		return 0, badParam(name, "%s must be from %d to %d, got %s", name, lo, hi, quote(s))
	}
	return int(v), nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// point parses the required lon and lat (WGS 84 degrees).
func (q query) point() (orb.Point, error) {
	var p orb.Point
	for i, c := range []struct {
		name string
		max  float64
	}{{"lon", 180}, {"lat", 90}} {
		v, ok, err := q.float(c.name)
		if err != nil {
			return p, err
		}
		if !ok {
			return p, badParam(c.name, "%s is required: WGS 84 degrees from %v to %v (lon=111.67&lat=40.81 is Hohhot)", c.name, -c.max, c.max)
		}
		if v < -c.max || v > c.max {
			return p, badParam(c.name, "%s must be from %v to %v degrees, got %s", c.name, -c.max, c.max, num(v))
		}
		p[i] = v
	}
	return p, nil
}

// lang parses lang, the language of names.
func (q query) lang() (string, error) {
	s, err := q.one("lang")
	if err != nil || s == "" {
		return DefaultLang, err
	}
	if !slices.Contains(data.Languages, s) {
		return "", badParam("lang", "unknown lang %s (allowed: %s)", quote(s), strings.Join(data.Languages, ", "))
	}
	return s, nil
}

// filter parses kind (any of), amenity (all of), open_now and open_at.
// now is the instant open_now=true means.
func (q query) filter(now time.Time) (data.Filter, error) {
	var f data.Filter
	for _, s := range q.list("kind") {
		k, err := data.ParseKind(s)
		if err != nil {
			return f, badParam("kind", "%v", err)
		}
		f.Kinds = append(f.Kinds, k)
	}
	set, err := data.NewAmenitySet(q.list("amenity"))
	if err != nil {
		return f, badParam("amenity", "%v", err)
	}
	f.Amenities = set
	openNow, err := q.one("open_now")
	if err != nil {
		return f, err
	}
	openAt, err := q.one("open_at")
	if err != nil {
		return f, err
	}
	if openNow != "" && openAt != "" {
		return f, badParam("open_at", "give open_now or open_at, not both")
	}
	switch strings.ToLower(openNow) {
	case "", "false", "0":
	case "true", "1":
		f.OpenAt = now
	default:
		return f, badParam("open_now", "open_now must be true or false, got %s", quote(openNow))
	}
	if openAt != "" {
		// An unencoded "+" in a query string arrives as a space; nothing
		// else can be meant by "08:30:00 08:00".
		t, err := time.Parse(time.RFC3339, strings.Replace(openAt, " ", "+", 1))
		if err != nil {
			return f, badParam("open_at", "open_at must be an RFC 3339 time such as 2024-05-01T08:30:00%%2B08:00 (%%2B is an encoded +) or 2024-05-01T00:30:00Z, got %s", quote(openAt))
		}
		f.OpenAt = t
	}
	return f, nil
}

// reach parses a service circle: radius_m directly, or minutes with mode,
// speed_kmh and circuity (DESIGN.md "The 15-minute service circle").
// Neither gives the default 15 minutes on foot.
func (q query) reach() (geo.Reach, error) {
	if q.has("radius_m") {
		for _, other := range []string{"minutes", "mode", "speed_kmh", "circuity"} {
			if q.has(other) {
				return geo.Reach{}, badParam(other, "give radius_m, or minutes with mode, speed_kmh and circuity; not both (%s was given with radius_m)", other)
			}
		}
		r, err := q.floatIn("radius_m", 0, MinRadiusM, MaxRadiusM, true, " meters")
		if err != nil {
			return geo.Reach{}, err
		}
		return geo.RadiusReach(r), nil
	}
	minutes, err := q.floatIn("minutes", DefaultMinutes, 0, MaxMinutes, false, " minutes")
	if err != nil {
		return geo.Reach{}, err
	}
	mode, err := q.one("mode")
	if err != nil {
		return geo.Reach{}, err
	}
	speed, err := q.floatIn("speed_kmh", 0, 0, MaxSpeedKmh, false, " km/h")
	if err != nil {
		return geo.Reach{}, err
	}
	circuity, err := q.floatIn("circuity", geo.DefaultCircuity, MinCircuity, MaxCircuity, true, "")
	if err != nil {
		return geo.Reach{}, err
	}
	if mode == "" && speed == 0 {
		mode = DefaultMode
	}
	if mode != "" {
		if _, ok := geo.ModeSpeed(mode); !ok {
			return geo.Reach{}, badParam("mode", "unknown mode %s (allowed: %s; or give speed_kmh)", quote(mode), strings.Join(geo.Modes, ", "))
		}
	}
	r, err := geo.NewReach(mode, minutes, speed, circuity)
	if err != nil {
		return geo.Reach{}, badParam("minutes", "%v", err)
	}
	if r.RadiusM < MinRadiusM {
		return geo.Reach{}, badParam("minutes", "the derived radius %s m is below the minimum %d m; raise minutes or speed_kmh (%s)", num(round1(r.RadiusM)), MinRadiusM, r.Derivation())
	}
	if r.RadiusM > MaxRadiusM {
		return geo.Reach{}, badParam("minutes", "the derived radius %s m is above the maximum %d m; lower minutes or speed_kmh (%s)", num(round1(r.RadiusM)), MaxRadiusM, r.Derivation())
	}
	return r, nil
}

// round1 rounds to one decimal (0.1 m, 0.1°).
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// round7 rounds degrees to 7 decimals (about 1 cm).
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
