package plan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/roads"
)

// The methods an answer names in its "method" member: travel on the
// loaded road network, or the straight line (great-circle distance, with
// circuity for times) where no network is loaded.
const (
	MethodNetwork      = "network"
	MethodStraightLine = "straight_line"
)

// Limits and defaults of travel on roads.
const (
	// DefaultRouteMode is the mode of a route when none is given: a
	// route is mostly asked for a vehicle.
	DefaultRouteMode = "drive"
	// MaxVia bounds the via points of one route (the engine's limit).
	MaxVia = roads.MaxRoutePoints - 2
	// MaxWeightT and MaxHeightM bound a truck's weight_t (tonnes) and
	// height_m (meters): beyond any road vehicle.
	MaxWeightT = 200
	MaxHeightM = 10
	// MaxSnapM bounds max_snap_m, the farthest a point may lie from a
	// usable road, in meters.
	MaxSnapM = roads.MaxSnapLimitM
	// MaxRoadKmh is the highest speed any road of a network is assumed to
	// allow, in km/h. Searches by travel time look for records within the
	// straight-line distance this speed covers in the time: a record
	// reachable in t seconds lies within t × MaxRoadKmh / 3.6 meters, as
	// the profile of every such search is capped to it (a maxspeed tag
	// above it included).
	MaxRoadKmh = MaxSpeedKmh
	// FirstSearchMinutes is the time limit the first round of a nearest
	// by travel time search uses; each further round doubles it, up to
	// MaxMinutes.
	FirstSearchMinutes = 15
)

// Travel is how a request travels, as given: the mode and the overrides
// of the mode's profile (roads.DefaultProfile) and of its straight-line
// fallback. Nil fields are absent. A field that only roads use (weight_t,
// height_m, max_kmh, speeds, max_snap_m) is checked where no network is
// loaded too, so that a request valid on one server is valid on every
// server; one that only the straight line uses (circuity) likewise.
type Travel struct {
	Mode     string             `json:"mode"`
	SpeedKmh *float64           `json:"speed_kmh"` // one speed on every allowed way (and of the straight line)
	MaxKmh   *float64           `json:"max_kmh"`   // a cap on every way's speed
	WeightT  *float64           `json:"weight_t"`  // truck: the vehicle's weight, against maxweight
	HeightM  *float64           `json:"height_m"`  // truck: the vehicle's height, against maxheight
	MaxSnapM *float64           `json:"max_snap_m"`
	Circuity *float64           `json:"circuity"` // the straight line only
	Speeds   map[string]float64 `json:"speeds"`   // highway class → km/h
}

// travel is a checked Travel: the profile for roads and the speed and
// circuity of the straight line.
type travel struct {
	mode     string
	profile  roads.Profile
	speedKmh float64 // the straight line's speed
	circuity float64
}

// parse checks t; defMode is the mode when none is given.
func (t *Travel) parse(defMode string) (travel, error) {
	var out travel
	mode := t.Mode
	if mode == "" {
		mode = defMode
	}
	m, err := roads.ParseMode(mode)
	if err != nil {
		return out, bad("mode", "%v", err)
	}
	out.mode = string(m)
	prof := roads.DefaultProfile(m)
	if out.speedKmh, err = Range("speed_kmh", t.SpeedKmh, 0, 0, MaxSpeedKmh, false, " km/h"); err != nil {
		return out, err
	}
	if out.speedKmh > 0 {
		prof.FlatKmh = out.speedKmh
	} else {
		out.speedKmh, _ = geo.ModeSpeed(out.mode)
	}
	if out.circuity, err = Range("circuity", t.Circuity, geo.DefaultCircuity, MinCircuity, MaxCircuity, true, ""); err != nil {
		return out, err
	}
	if t.MaxKmh != nil {
		if prof.MaxKmh, err = Range("max_kmh", t.MaxKmh, 0, 0, MaxSpeedKmh, false, " km/h"); err != nil {
			return out, err
		}
	}
	for _, v := range []struct {
		name string
		val  *float64
		to   *float64
		max  float64
		unit string
	}{{"weight_t", t.WeightT, &prof.WeightT, MaxWeightT, " tonnes"}, {"height_m", t.HeightM, &prof.HeightM, MaxHeightM, " meters"}} {
		if v.val == nil {
			continue
		}
		if m != "truck" {
			return out, bad(v.name, "%s applies to mode=truck only (the mode is %s)", v.name, m)
		}
		if *v.to, err = Range(v.name, v.val, 0, 0, v.max, false, v.unit); err != nil {
			return out, err
		}
	}
	if t.MaxSnapM != nil {
		if prof.MaxSnapM, err = Range("max_snap_m", t.MaxSnapM, 0, 0, MaxSnapM, false, " meters"); err != nil {
			return out, err
		}
	}
	if len(t.Speeds) > 0 {
		switch {
		case t.SpeedKmh != nil:
			return out, bad("speeds", "give speed_kmh (one speed on every road) or speeds (the speed of each highway class), not both")
		case prof.FlatKmh > 0:
			return out, bad("speeds", "speeds sets the speed of highway classes, which mode=%s does not use (it travels at one speed; give speed_kmh)", m)
		}
		base := roads.DriveSpeeds
		speeds := make(map[string]float64, len(prof.Speeds)+len(t.Speeds))
		for k, v := range prof.Speeds {
			speeds[k] = v
		}
		for _, class := range slices.Sorted(maps.Keys(t.Speeds)) {
			v := t.Speeds[class]
			if _, ok := base[class]; !ok {
				return out, bad("speeds", "unknown highway class %s in speeds (known: %s)", geo.Quote(class), strings.Join(slices.Sorted(maps.Keys(base)), ", "))
			}
			if !(v > 0 && v <= MaxSpeedKmh) {
				return out, bad("speeds", "the speed of %s must be > 0 and <= %d km/h, got %s", class, MaxSpeedKmh, geo.Num(v))
			}
			speeds[class] = v
		}
		prof.Speeds = speeds
	}
	if err := prof.Validate(); err != nil {
		return out, bad("mode", "%v", err)
	}
	out.profile = prof
	return out, nil
}

// fastestKmh is the fastest any part of a trip by p can go, in km/h: the
// one speed of a flat profile (walk, cycle), else the cap (capped sets
// one), and the off-road speed if faster.
func fastestKmh(p *roads.Profile) float64 {
	v := p.MaxKmh
	if p.FlatKmh > 0 && (v == 0 || p.FlatKmh < v) {
		v = p.FlatKmh
	}
	if v == 0 {
		v = MaxRoadKmh
	}
	return math.Max(v, p.OffRoadKmh)
}

// capped is p capped at MaxRoadKmh: the profile of a search that looks
// for records within the distance MaxRoadKmh covers in its time. Routes
// and reach areas use the profile as it is, so that a route with a
// deployment's default profile finds what the server prepared for it.
func capped(p roads.Profile) roads.Profile {
	if p.MaxKmh == 0 || p.MaxKmh > MaxRoadKmh {
		p.MaxKmh = MaxRoadKmh
	}
	return p
}

// ParseSpeeds reads a speeds query value, "primary:50,residential:20",
// into the map Travel.Speeds takes.
func ParseSpeeds(values []string) (map[string]float64, error) {
	items := List(values)
	if len(items) == 0 {
		return nil, nil
	}
	out := make(map[string]float64, len(items))
	for _, it := range items {
		class, v, ok := strings.Cut(it, ":")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || math.IsNaN(f) {
			return nil, bad("speeds", "speeds must be class:km/h pairs separated by commas, e.g. primary:50,residential:20; got %s", geo.Quote(it))
		}
		out[strings.TrimSpace(class)] = f
	}
	return out, nil
}

// ParsePosition reads "lon,lat" (WGS 84 degrees, or cv's CRS) as the
// query parameters from, to and via give a point; field names it in
// messages.
func ParsePosition(field, s string) (orb.Point, error) {
	lon, lat, ok := strings.Cut(s, ",")
	if !ok {
		return orb.Point{}, bad(field, "%s must be lon,lat in degrees, e.g. %s=1.5218,42.5063; got %s", field, field, geo.Quote(s))
	}
	var p orb.Point
	for i, v := range []string{lon, lat} {
		v = strings.TrimSpace(v)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !isPlainNumber(v) {
			return p, bad(field, "%s must be lon,lat in degrees, e.g. %s=1.5218,42.5063; got %s", field, field, geo.Quote(s))
		}
		p[i] = f
	}
	return p, checkPosition(field, p)
}

// isPlainNumber reports whether s is written as a plain decimal number:
// ParseFloat also reads "Inf", "NaN", hex floats and "1_0".
func isPlainNumber(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E') {
			return false
		}
	}
	return s != ""
}

// checkPosition refuses a point outside [-180, 180] × [-90, 90].
func checkPosition(field string, p orb.Point) error {
	if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
		return bad(field, "%s [%s, %s] is out of range (longitude in [-180, 180], latitude in [-90, 90])", field, geo.Num(p[0]), geo.Num(p[1]))
	}
	return nil
}

// bodyPosition checks one [lon, lat] position of a body.
func bodyPosition(field string, c []float64, cv Coords) (orb.Point, error) {
	if len(c) < 2 || len(c) > 3 {
		return orb.Point{}, bad(field, "%s must be a position [lon, lat], got %d numbers", field, len(c))
	}
	p := orb.Point{c[0], c[1]}
	if err := checkPosition(field, p); err != nil {
		return p, err
	}
	if cv != nil {
		p = cv.ToWGS84(p)
	}
	return p, nil
}

// Trip is a route between points: on the roads, or along the straight
// line (great-circle arcs) where no network is loaded.
type Trip struct {
	Method     string
	Mode       string
	Points     []orb.Point // from, via…, to as asked (WGS 84)
	Line       orb.LineString
	DistanceM  float64
	DurationS  float64
	Derivation string // how DistanceM and DurationS were found
	// FromSnapM and ToSnapM are the off-road distances of the ends to the
	// roads (network only).
	FromSnapM, ToSnapM float64
	SpeedKmh           float64 // the straight line's speed
	Circuity           float64 // the straight line's circuity
	// TimesS is the travel time from the start to each vertex of Line
	// (network only: each road at its own speed), as long as Line.
	TimesS []float64
}

// TripRequest is a route between points, as GET /v1/route gives it.
type TripRequest struct {
	From, To orb.Point
	Via      []orb.Point
	Travel
}

// Trip routes req on net, or along the straight line when net is nil.
func (p *Planner) Trip(ctx context.Context, req *TripRequest) (*Trip, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	if len(req.Via) > MaxVia {
		return nil, bad("via", "%d via points; the limit is %d", len(req.Via), MaxVia)
	}
	pts := append(append([]orb.Point{req.From}, req.Via...), req.To)
	for i, pt := range pts {
		if err := checkPosition(pointField(i, len(pts)), pt); err != nil {
			return nil, err
		}
	}
	tr, err := req.Travel.parse(DefaultRouteMode)
	if err != nil {
		return nil, err
	}
	return p.trip(ctx, pts, tr)
}

// pointField names point i of n in messages: from, via, to.
func pointField(i, n int) string {
	switch i {
	case 0:
		return "from"
	case n - 1:
		return "to"
	}
	return "via"
}

func (p *Planner) trip(ctx context.Context, pts []orb.Point, tr travel) (*Trip, error) {
	t := &Trip{Mode: tr.mode, Points: pts}
	if p.Roads == nil {
		t.Method, t.SpeedKmh, t.Circuity = MethodStraightLine, tr.speedKmh, tr.circuity
		t.Line = slices.Clone(orb.LineString(pts))
		for i := 1; i < len(pts); i++ {
			t.DistanceM += geo.Distance(pts[i-1], pts[i])
		}
		t.DurationS = t.DistanceM * tr.circuity / (tr.speedKmh / 3.6)
		t.Derivation = fmt.Sprintf("no road network is loaded: distance_m is the great-circle length through the points; duration_s = %s m × %s circuity / (%s km/h / 3.6) = %s (%s)",
			geo.Num(geo.Round1(t.DistanceM)), geo.Num(tr.circuity), geo.Num(tr.speedKmh), geo.Num(geo.Round1(t.DurationS)), tr.mode)
		return t, nil
	}
	r, err := p.Roads.Route(ctx, pts, &tr.profile)
	if err != nil {
		return nil, roadStopped(err, "from", p.timeout())
	}
	t.Method, t.Line, t.DistanceM, t.DurationS, t.TimesS = MethodNetwork, r.Line, r.DistanceM, r.DurationS, r.TimesS
	t.FromSnapM, t.ToSnapM = r.From.OffRoadM, r.To.OffRoadM
	t.Derivation = fmt.Sprintf("the fastest route on the road network by the %s profile; the parts from the points to the nearest usable roads are covered off-road and included", tr.mode)
	return t, nil
}

// roadStopped turns an error of the road engine into the answer: a point
// too far from any road is a refusal of field; a stopped search is
// Unavailable; any other refusal of the engine (no route between the
// points, a profile it cannot use) is a refusal of field too.
func roadStopped(err error, field string, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return stopped(err, field, fmt.Sprintf("the search on the road network took longer than the limit of %v and was stopped: ask for fewer minutes or a shorter route, or retry later", timeout))
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Field: field, Detail: err.Error(), Err: err}
}

// ReachRequest asks for the area reachable from a point within a time:
// GET /v1/reach.
type ReachRequest struct {
	From    orb.Point
	Minutes *float64
	Roads   bool // also return the reached roads (network only)
	Travel
}

// MaxReachPositions bounds the positions of a reach answer's area, and of
// its roads when asked for: about 40 MB of GeoJSON each.
const MaxReachPositions = 1_000_000

// positions counts the positions of mp.
func positions(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	return n
}

// Reached is the answer to a ReachRequest: on the network, the reached
// area and roads; without one, the straight-line service circle.
type Reached struct {
	Method      string
	Mode        string
	From        orb.Point
	Minutes     float64
	Area        orb.MultiPolygon // network only
	AreaKm2     float64
	RoadLengthM float64             // network only
	SnapM       float64             // network only: the off-road distance to the road
	Roads       orb.MultiLineString // network, when asked
	Circle      geo.Reach           // straight line only
}

// Reach answers req on the network, or with the straight-line circle
// where none is loaded.
func (p *Planner) Reach(ctx context.Context, req *ReachRequest) (*Reached, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	if err := checkPosition("from", req.From); err != nil {
		return nil, err
	}
	minutes, err := Range("minutes", req.Minutes, DefaultMinutes, 0, MaxMinutes, false, " minutes")
	if err != nil {
		return nil, err
	}
	tr, err := req.Travel.parse(DefaultMode)
	if err != nil {
		return nil, err
	}
	out := &Reached{Mode: tr.mode, From: req.From, Minutes: minutes}
	if p.Roads == nil {
		speed := tr.speedKmh
		circle, err := Reach{Minutes: &minutes, Mode: tr.mode, SpeedKmh: &speed, Circuity: &tr.circuity}.Parse()
		if err != nil {
			return nil, err
		}
		out.Method, out.Circle = MethodStraightLine, circle
		return out, nil
	}
	reach := p.Roads.ReachArea
	if req.Roads {
		reach = p.Roads.Reach
	}
	r, err := reach(ctx, req.From, minutes*60, &tr.profile)
	if err != nil {
		return nil, roadStopped(err, "lon", p.timeout())
	}
	out.Method, out.Area, out.AreaKm2, out.RoadLengthM, out.SnapM = MethodNetwork, r.Area, r.AreaKm2, r.RoadLengthM, r.From.OffRoadM
	if n := positions(r.Area); n > MaxReachPositions {
		return nil, bad("minutes", "the area reached in %s minutes has %d positions; an answer holds at most %d: ask for fewer minutes", geo.Num(minutes), n, MaxReachPositions)
	}
	if req.Roads {
		n := 0
		for _, l := range r.Roads {
			n += len(l)
		}
		if n > MaxReachPositions {
			return nil, bad("roads", "the roads reached in %s minutes have %d positions; an answer holds at most %d: ask for fewer minutes, or leave roads out", geo.Num(minutes), n, MaxReachPositions)
		}
		out.Roads = r.Roads
	}
	return out, nil
}

// Timed is a record found by travel time.
type Timed struct {
	catalog.Result
	DurationS  float64
	RoadMeters float64 // the road part of the trip; 0 on the straight line
	ByNetwork  bool
}

// TimedRequest asks for the records nearest by travel time from a point
// (K > 0), or every one reachable within Minutes (K == 0).
type TimedRequest struct {
	From    orb.Point
	K       int
	Minutes *float64 // within: the time; nearest: the most time to search (nil: MaxMinutes)
	Filter  data.Filter
	Travel
}

// TimedAnswer is the answer to a TimedRequest.
type TimedAnswer struct {
	Method   string
	Mode     string
	Minutes  float64 // the time searched
	Results  []Timed // by travel time, fastest first
	SpeedKmh float64 // straight line only
	Circuity float64 // straight line only
}

// ByTime answers req over snap: on the network, the records by travel
// time (the off-road parts at both ends included), the filter applied to
// every candidate, so that K are found whenever K can be reached within
// Minutes; without a network, by straight-line distance, with the time it
// takes at the mode's speed over circuity-lengthened roads.
//
// A record reachable in t seconds lies within t × v / 3.6 meters of the
// point, v the profile's fastest speed (fastestKmh): the records passing
// the filter within that distance are the candidates, and a search
// bounded by t gives their times. They are timed nearest first; once K
// are timed, a candidate so far that even v could not beat the K-th time
// ends the list. Nearest starts with FirstSearchMinutes and doubles the
// time until K are reached or Minutes is searched, so its work is at most
// twice that of a search bounded by the K-th record's time.
func (p *Planner) ByTime(ctx context.Context, snap *catalog.Snapshot, req *TimedRequest) (*TimedAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	if err := checkPosition("lon", req.From); err != nil {
		return nil, err
	}
	def := float64(MaxMinutes)
	if req.K == 0 {
		def = DefaultMinutes
	}
	minutes, err := Range("minutes", req.Minutes, def, 0, MaxMinutes, false, " minutes")
	if err != nil {
		return nil, err
	}
	tr, err := req.Travel.parse(DefaultMode)
	if err != nil {
		return nil, err
	}
	out := &TimedAnswer{Mode: tr.mode, Minutes: minutes}
	if p.Roads == nil {
		out.Method, out.SpeedKmh, out.Circuity = MethodStraightLine, tr.speedKmh, tr.circuity
		radius := tr.speedKmh * 1000 * minutes / 60 / tr.circuity
		var rs []catalog.Result
		if req.K > 0 {
			if req.Minutes == nil {
				radius, out.Minutes = 0, 0 // nearest by the straight line: as by distance, however far
			}
			rs = snap.Nearest(req.From, req.K, radius, req.Filter)
		} else {
			rs = snap.Within(req.From, radius, req.Filter)
		}
		out.Results = make([]Timed, len(rs))
		for i, r := range rs {
			out.Results[i] = Timed{Result: r, DurationS: r.Meters * tr.circuity / (tr.speedKmh / 3.6)}
		}
		return out, nil
	}
	out.Method = MethodNetwork
	prof := capped(tr.profile)
	limit := minutes
	if req.K > 0 {
		limit = math.Min(FirstSearchMinutes, minutes)
	}
	for {
		rs, err := p.timed(ctx, snap, req, &prof, limit*60)
		if err != nil {
			return nil, err
		}
		if req.K == 0 || len(rs) >= req.K || limit >= minutes {
			if req.K > 0 && len(rs) > req.K {
				rs = rs[:req.K]
			}
			out.Results = rs
			return out, nil
		}
		limit = math.Min(2*limit, minutes)
	}
}

// timed finds the records passing the filter reachable from req.From
// within seconds, fastest first.
func (p *Planner) timed(ctx context.Context, snap *catalog.Snapshot, req *TimedRequest, prof *roads.Profile, seconds float64) ([]Timed, error) {
	tree, err := p.Roads.Search(ctx, []orb.Point{req.From}, seconds, prof)
	if err != nil {
		return nil, roadStopped(err, "lon", p.timeout())
	}
	mps := fastestKmh(prof) / 3.6
	cands := snap.Within(req.From, seconds*mps, req.Filter) // nearest first
	near := nearNetwork(p.Roads, prof)
	snapOf := p.Snaps.snapper(p.Roads, prof)
	out := make([]Timed, 0, len(cands))
	var best []float64 // the K smallest times so far, ascending (nearest only)
	for i, c := range cands {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, roadStopped(err, "lon", p.timeout())
			}
		}
		if req.K > 0 && len(best) == req.K && c.Meters/mps > best[req.K-1] {
			break // this one and every farther one are slower than the K-th
		}
		if !near(c.Station.Location) {
			continue // farther than the snap distance from every road
		}
		sn, ok := snapOf(c.Station.Location)
		if !ok {
			continue
		}
		s, m, ok := tree.TimeToSnap(&sn)
		if !ok || s > seconds {
			continue
		}
		out = append(out, Timed{Result: c, DurationS: s, RoadMeters: m, ByNetwork: true})
		if req.K > 0 {
			j, _ := slices.BinarySearch(best, s)
			if best = slices.Insert(best, j, s); len(best) > req.K {
				best = best[:req.K]
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Timed) int {
		if a.DurationS != b.DurationS {
			return cmp.Compare(a.DurationS, b.DurationS)
		}
		return strings.Compare(a.Station.ID, b.Station.ID)
	})
	return out, nil
}

// RoadTrip is the part of a route body that asks for the route to be
// found instead of drawn: from, to and via positions ([lon, lat], in the
// body's CRS), and how to travel (mode, a truck's weight_t and
// height_m). On a road network the route follows the roads; without one
// it is the straight line through the points.
type RoadTrip struct {
	From    []float64   `json:"from"`
	To      []float64   `json:"to"`
	Via     [][]float64 `json:"via"`
	Mode    string      `json:"mode"`
	WeightT *float64    `json:"weight_t"`
	HeightM *float64    `json:"height_m"`
}

// given reports whether any member of t was given.
func (t *RoadTrip) given() bool {
	return t.From != nil || t.To != nil || t.Via != nil || t.Mode != "" || t.WeightT != nil || t.HeightM != nil
}

// routeLine is the route of req: drawn (route), or found from from, via
// and to, on the roads when a network is loaded.
func (p *Planner) routeLine(ctx context.Context, req *RouteRequest, cv Coords) (*geo.Route, *Trip, error) {
	t := &req.RoadTrip
	if !t.given() {
		r, err := parseRoute(req.Route, cv)
		return r, nil, err
	}
	if req.Route != nil {
		return nil, nil, bad("route", "give route (a drawn line) or from and to (a route to find), not both")
	}
	switch {
	case t.From == nil:
		return nil, nil, bad("from", "from is required with to: a position [lon, lat], e.g. \"from\": [1.5218, 42.5063]")
	case t.To == nil:
		return nil, nil, bad("to", "to is required with from: a position [lon, lat], e.g. \"to\": [1.7259, 42.5433]")
	case len(t.Via) > MaxVia:
		return nil, nil, bad("via", "%d via points; the limit is %d", len(t.Via), MaxVia)
	}
	pts := make([]orb.Point, 0, 2+len(t.Via))
	for i, c := range append(append([][]float64{t.From}, t.Via...), t.To) {
		pt, err := bodyPosition(pointField(i, 2+len(t.Via)), c, cv)
		if err != nil {
			return nil, nil, err
		}
		pts = append(pts, pt)
	}
	tr, err := (&Travel{Mode: t.Mode, WeightT: t.WeightT, HeightM: t.HeightM}).parse(DefaultRouteMode)
	if err != nil {
		return nil, nil, err
	}
	if req.SpeedKmh != nil {
		tr.speedKmh = *req.SpeedKmh // the straight line's speed is the planning speed
	}
	trip, err := p.trip(ctx, pts, tr)
	if err != nil {
		return nil, nil, err
	}
	line := trip.Line
	if len(line) > geo.MaxRouteVertices {
		return nil, nil, bad("from", "the route found has %d positions; the limit is %d: ask for a shorter route", len(line), geo.MaxRouteVertices)
	}
	r, err := geo.NewRoute(line)
	if err != nil {
		return nil, nil, &Error{Field: "from", Detail: "the route found: " + err.Error(), Err: err}
	}
	return r, trip, nil
}

// restPlanByTime plans the rests of a route found on the roads by driving
// time: a leg is at most driveMin minutes of the trip's own time, the
// time at each point along the route being the roads' (each at its speed
// for the profile, from Trip.TimesS), so a slow stretch uses up a leg in
// fewer kilometres than a motorway. The greedy choice is restPlan's, on
// the time axis instead of the distance axis. Without per-vertex times
// it falls back to the route's average speed.
func (a *Along) restPlanByTime(driveMin float64) RestPlan {
	length, total := a.Route.Length(), a.Trip.DurationS
	if !(length > 0 && total > 0) {
		return a.restPlan(driveMin)
	}
	speed := length / total * 3.6 // km/h, for the plan's speed_kmh
	clock := newRouteClock(a.Trip.Line, a.Trip.TimesS, length)
	if clock == nil {
		keep := a.SpeedKmh
		a.SpeedKmh = geo.Round1(speed)
		rp := a.restPlan(driveMin)
		a.SpeedKmh = keep
		rp.Method = "by driving time on the road network: the time to a point along the route in proportion to its distance along it (the route's average speed, " +
			geo.Num(geo.Round1(speed)) + " km/h); " + rp.Method
		return rp
	}
	maxLegS := driveMin * 60
	cands := make([]geo.RestCandidate, len(a.Hits))
	for i, h := range a.Hits {
		cands[i] = geo.RestCandidate{AlongM: clock.timeAt(h.AlongM), Preferred: a.Prefer != 0 && a.Stations[h.Index].Amenities.Has(a.Prefer)}
	}
	plan := geo.PlanRest(total, cands, maxLegS)
	rp := RestPlan{
		MaxDriveMinutes: driveMin, MinRestMinutes: MinRestMinutes, SpeedKmh: geo.Round1(speed),
		MaxLegKm: geo.Round(maxLegS*speed/3600, 3), PreferAmenities: a.Prefer.Names(), Feasible: plan.Feasible,
		Stops: []RestStop{}, Problems: []RestProblem{},
		Method: "by driving time on the road network: the time to each point along the route is the roads' own (each road at its speed for the profile, " +
			"speed_kmh and max_leg_km being the route's average); greedy: from the start and from each stop, drive to the farthest record within max_drive_minutes that has every prefer_amenities, else to the farthest record of any kind",
		stopOf: map[int]int{},
	}
	lastM := 0.0
	for i, ps := range plan.Stops {
		st := a.Station(ps.Index)
		along := a.Hits[ps.Index].AlongM
		rp.stopOf[ps.Index] = i + 1
		rp.Stops = append(rp.Stops, RestStop{ID: st.ID, Name: st.Names.In(a.Lang), AlongM: geo.Round1(along),
			LegKm: geo.Round((along-lastM)/1000, 3), DriveMinutes: geo.Round1(ps.LegM / 60),
			Preferred: ps.Preferred, Amenities: st.Amenities.Names()})
		lastM = along
	}
	rp.FinalLegKm = geo.Round((length-lastM)/1000, 3)
	for _, p := range plan.Problems {
		from, to := clock.alongAt(p.FromM), clock.alongAt(p.ToM)
		end := fmt.Sprintf("the next stop at along %s km", geo.Num(geo.Round(to/1000, 1)))
		if p.ToM >= total {
			end = fmt.Sprintf("the end of the route at along %s km", geo.Num(geo.Round(to/1000, 1)))
		}
		start := fmt.Sprintf("along %s km", geo.Num(geo.Round(from/1000, 1)))
		if p.FromM == 0 {
			start = "the start of the route"
		}
		rp.Problems = append(rp.Problems, RestProblem{
			FromAlongM: geo.Round1(from), ToAlongM: geo.Round1(to), LengthKm: geo.Round((to-from)/1000, 3),
			Detail: fmt.Sprintf("no plan keeps every leg within %s min: a stretch of %s km (%s min of driving) with no stop, between %s and %s",
				geo.Num(driveMin), geo.Num(geo.Round((to-from)/1000, 1)), geo.Num(geo.Round1((p.ToM-p.FromM)/60)), start, end),
		})
	}
	switch {
	case !plan.Feasible:
		rp.Detail = fmt.Sprintf("no plan possible: %d stretch(es) longer than %s min of driving have no stop within the corridor; see problems", len(plan.Problems), geo.Num(driveMin))
	case len(plan.Stops) == 0:
		rp.Detail = fmt.Sprintf("no stop needed: the route is %s min of driving, within one %s-minute stretch", geo.Num(geo.Round1(total/60)), geo.Num(driveMin))
	default:
		rp.Detail = fmt.Sprintf("%d stop(s), each followed by at least %d minutes of rest", len(plan.Stops), MinRestMinutes)
	}
	return rp
}

// routeClock maps metres along a route to the travel time there and
// back, from the time at each vertex, linear between vertices.
type routeClock struct {
	cum, times []float64 // metres and seconds at each vertex, both rising
}

// newRouteClock is the clock of line with the given vertex times, its
// metres scaled to the route's length (the route measures its own);
// nil when the times do not fit the line.
func newRouteClock(line orb.LineString, times []float64, length float64) *routeClock {
	if len(line) < 2 || len(times) != len(line) {
		return nil
	}
	c := &routeClock{cum: make([]float64, len(line)), times: make([]float64, len(line))}
	for i := range line {
		if i > 0 {
			c.cum[i] = c.cum[i-1] + geo.Distance(line[i-1], line[i])
			c.times[i] = math.Max(c.times[i-1], times[i])
		} else {
			c.times[0] = times[0]
		}
	}
	L := c.cum[len(c.cum)-1]
	if !(L > 0) {
		return nil
	}
	for i := range c.cum {
		c.cum[i] *= length / L
	}
	return c
}

// timeAt is the time at m metres along the route.
func (c *routeClock) timeAt(m float64) float64 { return interp(c.cum, c.times, m) }

// alongAt is the metres along the route at time s (the first such).
func (c *routeClock) alongAt(s float64) float64 { return interp(c.times, c.cum, s) }

// interp is y at x on the polyline (xs, ys), xs not falling; clamped at
// the ends, the first point where xs repeats.
func interp(xs, ys []float64, x float64) float64 {
	i, _ := slices.BinarySearch(xs, x) // xs[i] >= x
	switch {
	case i == 0:
		return ys[0]
	case i >= len(xs):
		return ys[len(ys)-1]
	}
	dx := xs[i] - xs[i-1]
	if dx <= 0 {
		return ys[i]
	}
	return ys[i-1] + (ys[i]-ys[i-1])*(x-xs[i-1])/dx
}

// MaxReachSamples bounds the points sampled along the reached roads of
// one coverage by travel time (each a cell to mark and a walk-off circle),
// and so its memory: about 48 MB.
const MaxReachSamples = 2_000_000

// timeTravel is the travel of a coverage body by time (by: "time"), or
// nil by distance (the default).
func (s *Search) timeTravel() (*travel, error) {
	switch s.By {
	case "", "distance":
		return nil, nil
	case "time":
	default:
		return nil, bad("by", "by must be distance or time, got %s", geo.Quote(s.By))
	}
	if s.RadiusM != nil {
		return nil, bad("radius_m", "by time counts travel minutes; give minutes (and mode), not radius_m")
	}
	tr, err := (&Travel{Mode: s.Mode, SpeedKmh: s.SpeedKmh, Circuity: s.Circuity}).parse(DefaultMode)
	if err != nil {
		return nil, err
	}
	return &tr, nil
}

// coverMethod is the method of coverage c on net.
func (c *coverage) coverMethod(net *roads.Network) string {
	if c.travel != nil && net != nil {
		return MethodNetwork
	}
	return MethodStraightLine
}

// by is the order of c: "time" or "distance".
func (c *coverage) by() string {
	if c.travel != nil {
		return "time"
	}
	return "distance"
}

// nearRadius is how far from the area a record may lie and still cover
// some of it: the circle's radius, or by time on roads the distance the
// fastest road covers in the time plus the snap distance.
func (c *coverage) nearRadius(net *roads.Network) float64 {
	if c.coverMethod(net) != MethodNetwork {
		return c.reach.Radius()
	}
	prof := capped(c.travel.profile)
	return c.reach.Minutes*60*fastestKmh(&prof)/3.6 + prof.MaxSnapM
}

// coverFrom covers g from the records at pts and marks covered[i] for
// every demand[i] they reach: within the service circle, or by time on
// the roads (coverByTime). By time, a demand point is covered when its
// own travel time from the nearest record (demandByTime: snapped to the
// nearest usable road, the off-road part included) is within the
// minutes, as nearest by=time measures it, not when its cell is covered.
func (p *Planner) coverFrom(ctx context.Context, g *geo.Grid, pts []orb.Point, c *coverage, demand []geo.DemandPoint, covered []bool) error {
	if c.coverMethod(p.Roads) != MethodNetwork {
		r := c.reach.Radius()
		if err := g.Cover(ctx, pts, r); err != nil {
			return err
		}
		return geo.CoverDemand(ctx, demand, covered, pts, r)
	}
	prof := capped(c.travel.profile)
	tree, err := coverByTime(ctx, p.Roads, g, pts, c.reach.Minutes*60, &prof)
	if err != nil || tree == nil {
		return err
	}
	return demandByTime(ctx, tree, demand, covered, p.Snaps.snapper(p.Roads, &prof))
}

// demandByTime marks covered[i] for every demand[i] that tree reaches
// within its bound; entries already true stay true. The points are
// snapped by snap (the planner's cache: the default demand is the same
// points request after request). ctx is checked every 256 points.
func demandByTime(ctx context.Context, tree *roads.Tree, demand []geo.DemandPoint, covered []bool, snap func(orb.Point) (roads.Snap, bool)) error {
	for i, d := range demand {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !covered[i] {
			s, ok := snap(d.Point)
			if !ok {
				continue
			}
			if _, _, ok := tree.TimeToSnap(&s); ok {
				covered[i] = true
			}
		}
	}
	return nil
}

// sitesOnRoads measures on the roads the sites a suggestion by time chose
// (pickByTime, roadsites.go): from the grid and the
// demand covered with the planned records, each site in the order chosen
// covers by its own search on the roads, and its gains become what that
// search newly covers. It returns the grid and demand covered with all
// of them. n searches from one point each, n <= MaxSuggest.
func (p *Planner) sitesOnRoads(ctx context.Context, a *analysis, c *coverage, sites []geo.Site, demand []geo.DemandPoint) (*geo.Grid, []bool, error) {
	g := a.planned.Clone()
	covered := slices.Clone(a.coveredPlanned)
	areaBefore := g.Summary().CoveredM2
	_, demandBefore := geo.DemandSum(demand, covered)
	for i := range sites {
		if err := p.coverFrom(ctx, g, []orb.Point{sites[i].Point}, c, demand, covered); err != nil {
			return nil, nil, err
		}
		areaAfter := g.Summary().CoveredM2
		_, demandAfter := geo.DemandSum(demand, covered)
		sites[i].NewlyCoveredM2, sites[i].DemandGain = areaAfter-areaBefore, demandAfter-demandBefore
		areaBefore, demandBefore = areaAfter, demandAfter
	}
	return g, covered, nil
}

// coverByTime covers g by travel time from pts on net: one search from
// every record at once, bounded by seconds; a cell is covered when a
// reached road passes through it, or when its centre lies within the
// walk-off distance of a reached road point, the distance covered at the
// profile's off-road speed in the time left there. The reached roads are
// sampled at most half a cell apart (at least 10 m) for the cells they
// pass through, where the walk-off does not reach deep enough to cover
// those itself; the walk-off is the union of discs along them, kept no
// more than half a cell short of the time and never beyond it
// (walkOff, walkoff.go).
func coverByTime(ctx context.Context, net *roads.Network, g *geo.Grid, pts []orb.Point, seconds float64, prof *roads.Profile) (*roads.Tree, error) {
	// Where the walk-off reaches deep (the cell's half-diagonal and the
	// walk-off's own shortfall, with room to spare), it covers the cells
	// the road passes through, and they need no samples.
	return coverByTimeDeep(ctx, net, g, pts, seconds, prof, 1.5*g.CellM+g.CellM/2)
}

// coverByTimeDeep is coverByTime sampling road cells only where the
// walk-off radius is below deep meters.
func coverByTimeDeep(ctx context.Context, net *roads.Network, g *geo.Grid, pts []orb.Point, seconds float64, prof *roads.Profile, deep float64) (*roads.Tree, error) {
	near := nearNetwork(net, prof)
	srcs := pts[:0:0]
	for _, pt := range pts {
		if near(pt) {
			srcs = append(srcs, pt)
		}
	}
	if len(srcs) == 0 {
		return nil, nil
	}
	if len(srcs) > roads.MaxSources {
		return nil, &geo.WorkLimitError{Work: int64(len(srcs)), Limit: roads.MaxSources, Unit: "records as sources of one search on the roads",
			Else: "filter the records by kind or amenity, or send a smaller area"}
	}
	tree, err := net.Search(ctx, srcs, seconds, prof)
	if errors.Is(err, roads.ErrNoRoad) {
		return nil, nil // no record near a usable road: nothing is covered
	}
	if err != nil {
		return nil, roadStopped(err, "minutes", Timeout)
	}
	step := math.Max(g.CellM/2, 10)
	walk := prof.OffRoadKmh / 3.6 // m/s
	// The samples' cells are covered a batch at a time.
	cells := make([]orb.Point, 0, 1024)
	wo := newWalkOff(g)
	var werr error
	n := 0
	add := func(pt orb.Point) bool {
		if n++; n > MaxReachSamples {
			werr = &geo.WorkLimitError{Work: int64(n), Limit: MaxReachSamples, Unit: "road samples", CellM: g.CellM,
				Else: "or fewer minutes, a smaller area or fewer records (filter by kind or amenity)"}
			return false
		}
		if n%4096 == 0 && ctx.Err() != nil {
			werr = ctx.Err()
			return false
		}
		if cells = append(cells, pt); len(cells) == cap(cells) {
			g.CoverCells(cells)
			cells = cells[:0]
		}
		return true
	}
	var lens []float64 // the segment lengths of one part, reused
	tree.Reached(func(part orb.LineString, fromS, toS float64) bool {
		lens = lens[:0]
		total := 0.0
		for i := 1; i < len(part); i++ {
			d := planarM(part[i-1], part[i], wo.kx)
			lens = append(lens, d)
			total += d
		}
		// The walk-off radius at the start and its change per meter
		// along the part.
		r0, dr := (seconds-fromS)*walk, 0.0
		if total > 0 {
			dr = -(toS - fromS) / total * walk
		} else {
			r0 = (seconds - toS) * walk
		}
		if len(part) == 0 || !add(part[0]) {
			return werr == nil
		}
		done := 0.0
		for i := 1; i < len(part); i++ {
			a, b := part[i-1], part[i]
			k := max(1, int(math.Ceil(lens[i-1]/step)))
			done += lens[i-1]
			if min(r0+dr*(done-lens[i-1]), r0+dr*done) >= deep {
				// The walk-off covers this stretch's cells: skip them,
				// counting them against the limit all the same.
				if n += k; n > MaxReachSamples {
					return add(b)
				}
				continue
			}
			for j := 1; j <= k; j++ {
				f := float64(j) / float64(k)
				if !add(orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}) {
					return false
				}
			}
		}
		wo.addPart(part, lens, total, fromS, toS, seconds, walk)
		return true
	})
	if werr != nil {
		return nil, werr
	}
	g.CoverCells(cells)
	if err := wo.cover(ctx); err != nil {
		return nil, err
	}
	return tree, nil
}

// nearNetwork reports whether a point lies within the snap distance of
// the network's box: a cheap test that leaves out records no road of the
// network can reach before they are snapped one by one.
func nearNetwork(net *roads.Network, prof *roads.Profile) func(orb.Point) bool {
	b := net.Bound()
	dLat := prof.MaxSnapM / geo.EarthRadius * 180 / math.Pi
	maxLat := math.Min(89, math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))+dLat)
	dLon := dLat / math.Cos(maxLat*math.Pi/180)
	return func(p orb.Point) bool {
		return p[1] >= b.Min[1]-dLat && p[1] <= b.Max[1]+dLat && p[0] >= b.Min[0]-dLon && p[0] <= b.Max[0]+dLon
	}
}
