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
	"yizhan/data/plan"
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
	// The service circle's limits and defaults (data/plan).
	MinRadiusM     = plan.MinRadiusM
	MaxRadiusM     = plan.MaxRadiusM
	DefaultMinutes = plan.DefaultMinutes
	DefaultMode    = plan.DefaultMode
	MaxMinutes     = plan.MaxMinutes
	MaxSpeedKmh    = plan.MaxSpeedKmh
	MinCircuity    = plan.MinCircuity
	MaxCircuity    = plan.MaxCircuity
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
	DefaultLang = plan.DefaultLang
)

// query holds a request's query parameters, checked against the names a
// route allows. Empty values count as absent, so that forms which send
// "kind=" for "no filter" work. It costs two allocations whatever the
// number of parameters (the hot searches parse one on every request): the
// decoded names and values are substrings of one string, and pairs lists
// them in the order given.
type query struct {
	pairs []queryPair
}

// queryPair is one parameter with a non-empty value.
type queryPair struct{ name, value string }

// parseQuery reads c's query string; a parameter not in allowed is a 400
// problem (a misspelt "radius" must not silently fall back to a default).
func parseQuery(c *fiber.Ctx, allowed ...string) (query, error) {
	args := c.Context().QueryArgs()
	var (
		err   error
		size  int
		count int
	)
	args.VisitAll(func(k, v []byte) {
		if err != nil {
			return
		}
		if !slices.Contains(allowed, string(k)) {
			key := string(k)
			err = badParam(key, "unknown parameter %s (allowed here: %s)", quote(key), strings.Join(allowed, ", "))
			return
		}
		if len(v) > 0 {
			size += len(k) + len(v)
			count++
		}
	})
	if err != nil || count == 0 {
		return query{}, err
	}
	var buf strings.Builder
	buf.Grow(size)
	args.VisitAll(func(k, v []byte) {
		if len(v) > 0 {
			buf.Write(k)
			buf.Write(v)
		}
	})
	all := buf.String()
	q := query{pairs: make([]queryPair, 0, count)}
	at := 0
	args.VisitAll(func(k, v []byte) {
		if len(v) > 0 {
			name := all[at : at+len(k)]
			at += len(k)
			q.pairs = append(q.pairs, queryPair{name, all[at : at+len(v)]})
			at += len(v)
		}
	})
	return q, nil
}

// values returns every value of name, in the order given (nil when none).
func (q query) values(name string) []string {
	var vs []string
	for _, p := range q.pairs {
		if p.name == name {
			vs = append(vs, p.value)
		}
	}
	return vs
}

// get returns the first value of name ("" when absent), as url.Values.Get.
func (q query) get(name string) string {
	for _, p := range q.pairs {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

// urlValues returns the parameters as url.Values, a new map.
func (q query) urlValues() url.Values {
	v := url.Values{}
	for _, p := range q.pairs {
		v[p.name] = append(v[p.name], p.value)
	}
	return v
}

// encode is the query string of the parameters, sorted by name (url.Values.Encode).
func (q query) encode() string { return q.urlValues().Encode() }

// quote quotes a client-supplied value for an error detail (geo.Quote).
func quote(s string) string { return geo.Quote(s) }

// has reports whether name was given with a non-empty value.
func (q query) has(name string) bool {
	for _, p := range q.pairs {
		if p.name == name {
			return true
		}
	}
	return false
}

// one returns the single value of name ("" when absent). Repeating a
// single-valued parameter with different values is a 400 problem.
func (q query) one(name string) (string, error) {
	first, found := "", false
	for _, p := range q.pairs {
		switch {
		case p.name != name:
		case !found:
			first, found = p.value, true
		case p.value != first:
			vs := q.values(name)
			return "", badParam(name, "%s is given %d times with different values (%s, %s); give it once", name, len(vs), quote(first), quote(p.value))
		}
	}
	return first, nil
}

// list returns every comma-separated item of every value of name
// (plan.List): trimmed, empty items dropped, duplicates removed.
func (q query) list(name string) []string {
	if !q.has(name) {
		return nil
	}
	return plan.List(q.values(name))
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
// It writes what url.Values.Encode writes (names sorted, each name's
// values in the order given, both query-escaped) without building a map,
// as a count in a box answers with a next link on every request.
func (q query) pageURL(base string, limit, offset int) string {
	ps := make([]queryPair, 0, len(q.pairs)+2)
	for _, p := range q.pairs {
		if p.name != "limit" && p.name != "offset" {
			ps = append(ps, p)
		}
	}
	ps = append(ps, queryPair{"limit", strconv.Itoa(limit)}, queryPair{"offset", strconv.Itoa(offset)})
	slices.SortStableFunc(ps, func(a, b queryPair) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	n := len(base) + 1
	for _, p := range ps {
		n += len(p.name) + len(p.value) + 2
	}
	b.Grow(n + n/4) // room for a few escapes
	b.WriteString(base)
	for i, p := range ps {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	return b.String()
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

// optFloat parses name as a finite number; nil when it is absent.
func (q query) optFloat(name string) (*float64, error) {
	v, ok, err := q.float(name)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// floatIn parses name as a number in (lo, hi] (or [lo, hi] when loIncl);
// def is returned when it is absent.
func (q query) floatIn(name string, def, lo, hi float64, loIncl bool, unit string) (float64, error) {
	v, ok, err := q.float(name)
	if err != nil || !ok {
		return def, err
	}
	return plan.Range(name, &v, def, lo, hi, loIncl, unit)
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

func num(v float64) string { return geo.Num(v) }

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

// filter parses kind (any of), amenity (all of), status (any of), open_now, open_at and
// lang (plan.Filter). now is the instant open_now=true means.
func (q query) filter(now time.Time) (data.Filter, string, error) {
	openNow, err := q.one("open_now")
	if err != nil {
		return data.Filter{}, "", err
	}
	openAt, err := q.one("open_at")
	if err != nil {
		return data.Filter{}, "", err
	}
	lang, err := q.one("lang")
	if err != nil {
		return data.Filter{}, "", err
	}
	return plan.Filter{Kind: q.list("kind"), Amenity: q.list("amenity"), Status: q.list("status"), OpenNow: openNow, OpenAt: openAt, Lang: lang}.Parse(now)
}

// lang parses lang, the language of names, alone (plan.Filter).
func (q query) lang() (string, error) {
	s, err := q.one("lang")
	if err != nil {
		return "", err
	}
	_, lang, err := plan.Filter{Lang: s}.Parse(time.Time{})
	return lang, err
}

// reach parses a service circle (plan.Reach): radius_m directly, or
// minutes with mode, speed_kmh and circuity. Neither gives the default 15
// minutes on foot.
func (q query) reach() (geo.Reach, error) {
	var r plan.Reach
	var err error
	for _, v := range []struct {
		name string
		to   **float64
	}{{"radius_m", &r.RadiusM}, {"minutes", &r.Minutes}, {"speed_kmh", &r.SpeedKmh}, {"circuity", &r.Circuity}} {
		if *v.to, err = q.optFloat(v.name); err != nil {
			return geo.Reach{}, err
		}
	}
	if r.Mode, err = q.one("mode"); err != nil {
		return geo.Reach{}, err
	}
	return r.Parse()
}

// round1 rounds to one decimal (0.1 m, 0.1°).
func round1(v float64) float64 { return geo.Round1(v) }

// round7 rounds degrees to 7 decimals (about 1 cm).
func round7(v float64) float64 { return geo.Round(v, 7) }
