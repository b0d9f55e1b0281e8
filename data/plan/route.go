package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
)

// Limits and defaults of a route request.
const (
	// DefaultCorridorM and MaxCorridorM bound corridor_m, meters either side of the route.
	DefaultCorridorM = 2_000
	MaxCorridorM     = 50_000
	// DefaultMaxGapKm is the gap length reported when neither max_gap_km
	// nor max_gap_minutes is given; MaxGapKm bounds max_gap_km.
	DefaultMaxGapKm = 50
	MaxGapKm        = 20_000
	// DefaultRouteSpeedKmh is the planning speed: the truck mode's default.
	DefaultRouteSpeedKmh = 50
	// DefaultMaxDriveMinutes is China's limit on continuous driving for
	// commercial drivers: at most 4 hours, then a rest of at least 20 minutes.
	DefaultMaxDriveMinutes = 240
	MinRestMinutes         = 20
	// MaxDriveMinutes bounds max_drive_minutes and max_gap_minutes.
	MaxDriveMinutes = 1440
	// MaxRouteLookups bounds the records looked up in the corridor's boxes
	// (geo.Route.CorridorBounds), counted once per box they are found in:
	// the memory of one request's candidates. A route that does not fold
	// back on itself finds each record near it in one box, or two where
	// boxes overlap; one folded into its own corridor finds every record
	// in every box.
	MaxRouteLookups = 200_000
)

// RouteRequest asks for the records along a route, its long gaps and a
// rest plan: the body of POST /v1/route/stations, and what `yizhan route`
// fills from its flags.
type RouteRequest struct {
	Route           *Line      `json:"route"`
	CorridorM       *float64   `json:"corridor_m"`
	MaxGapKm        *float64   `json:"max_gap_km"`
	MaxGapMinutes   *float64   `json:"max_gap_minutes"`
	SpeedKmh        *float64   `json:"speed_kmh"`
	MaxDriveMinutes *float64   `json:"max_drive_minutes"`
	PreferAmenities StringList `json:"prefer_amenities"`
	BodyFilter
	RoadTrip // or from, to and via instead of route (network.go)
}

// RouteExample is a RouteRequest as JSON, for messages.
const RouteExample = `{"route": {"type": "LineString", "coordinates": [[111.67, 40.81], [111.98, 43.65]]}, "corridor_m": 5000}`

// Line is a route as sent: a LineString, a Feature holding one, or a
// FeatureCollection of one such Feature. It is decoded in the same pass
// as the body, straight into numbers: a 20,000-position route costs one
// scan of its JSON, not three.
type Line struct {
	Type        string    `json:"type"`
	Coordinates Positions `json:"coordinates"`
	Geometry    *Line     `json:"geometry"`
	Features    []Line    `json:"features"`
	Properties  any       `json:"properties"`
	ID          any       `json:"id"`
	BBox        any       `json:"bbox"`
}

// NewLine is the Line of ls.
func NewLine(ls orb.LineString) *Line {
	l := &Line{Type: "LineString", Coordinates: make(Positions, len(ls))}
	for i, p := range ls {
		l.Coordinates[i] = []float64{p[0], p[1]}
	}
	return l
}

// Positions is a GeoJSON coordinates array decoded as encoding/json
// decodes a [][]float64, only faster: a hand-written scanner reads the
// common shape (an array of arrays of numbers) without reflection, and
// anything else (null, strings, deeper nesting, a number out of float64
// range) goes to encoding/json, so that its errors and results are the
// same. The body around it has been checked as valid JSON.
type Positions [][]float64

// UnmarshalJSON reads an array of positions.
func (ps *Positions) UnmarshalJSON(raw []byte) error {
	if out, ok := scanPositions(raw); ok {
		*ps = out
		return nil
	}
	var out [][]float64
	err := json.Unmarshal(raw, &out)
	*ps = out
	return err
}

// scanPositions reads raw, valid JSON, as [[number, ...], ...]; ok is
// false for anything else.
func scanPositions(raw []byte) (out [][]float64, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	// Positions usually hold 2 numbers: carve them from one backing
	// array, sized by a cheap count of the inner arrays.
	n := bytes.Count(raw, []byte{'['}) - 1
	out = make([][]float64, 0, n)
	nums := make([]float64, 0, 2*n)
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return out, skipSpace(raw, i+1) == len(raw)
	}
	for {
		if i >= len(raw) || raw[i] != '[' {
			return nil, false
		}
		start := len(nums)
		i = skipSpace(raw, i+1)
		if i < len(raw) && raw[i] == ']' {
			i++
		} else {
			for {
				j := i
				for j < len(raw) && (raw[j] == '-' || raw[j] == '+' || raw[j] == '.' || raw[j] == 'e' || raw[j] == 'E' || raw[j] >= '0' && raw[j] <= '9') {
					j++
				}
				if j == i {
					return nil, false
				}
				f, err := strconv.ParseFloat(string(raw[i:j]), 64)
				if err != nil {
					return nil, false
				}
				nums = append(nums, f)
				i = skipSpace(raw, j)
				if i >= len(raw) {
					return nil, false
				}
				if raw[i] == ']' {
					i++
					break
				}
				if raw[i] != ',' {
					return nil, false
				}
				i = skipSpace(raw, i+1)
			}
		}
		out = append(out, nums[start:len(nums):len(nums)])
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return nil, false
		}
		if raw[i] == ']' {
			return out, skipSpace(raw, i+1) == len(raw)
		}
		if raw[i] != ',' {
			return nil, false
		}
		i = skipSpace(raw, i+1)
	}
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// parseRoute checks the route and prepares it; positions are read in cv.
func parseRoute(l *Line, cv Coords) (*geo.Route, error) {
	if l == nil {
		return nil, bad("route", "route is required: a GeoJSON LineString (or a Feature of one), e.g. %s", RouteExample)
	}
	switch l.Type {
	case "FeatureCollection":
		if len(l.Features) != 1 {
			return nil, bad("route", "route is a FeatureCollection of %d features; send one LineString, or one Feature", len(l.Features))
		}
		l = &l.Features[0]
		if l.Type != "Feature" {
			return nil, bad("route", "route's FeatureCollection must hold a Feature, got %s", geo.Quote(l.Type))
		}
		fallthrough
	case "Feature":
		if l.Geometry == nil {
			return nil, bad("route", "route is a Feature with no geometry")
		}
		l = l.Geometry
	}
	switch l.Type {
	case "LineString":
	case "":
		return nil, bad("route", "route is not a GeoJSON object (want an object with a \"type\" member), e.g. %s", RouteExample)
	case "Point", "MultiPoint", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection", "Feature", "FeatureCollection":
		return nil, bad("route", "route must be a GeoJSON LineString (or a Feature of one), got a %s; join a MultiLineString into one line in travel order", l.Type)
	default:
		return nil, bad("route", "route has unknown GeoJSON type %s", geo.Quote(l.Type))
	}
	if len(l.Coordinates) > geo.MaxRouteVertices {
		return nil, bad("route", "route has %d positions; the limit is %d", len(l.Coordinates), geo.MaxRouteVertices)
	}
	ls := make(orb.LineString, len(l.Coordinates))
	for i, c := range l.Coordinates {
		if len(c) < 2 || len(c) > 3 {
			return nil, bad("route", "route position %d has %d numbers; want [lon, lat] (or [lon, lat, elevation])", i, len(c))
		}
		ls[i] = orb.Point{c[0], c[1]}
		if cv != nil {
			ls[i] = cv.ToWGS84(ls[i])
		}
	}
	r, err := geo.NewRoute(ls)
	if err != nil {
		return nil, &Error{Field: "route", Detail: err.Error(), Err: err}
	}
	return r, nil
}

// Along is the answer to a RouteRequest.
type Along struct {
	Route     *geo.Route
	CorridorM float64
	SpeedKmh  float64
	MaxGapM   float64
	MaxGapHow string // how MaxGapM was derived
	Filter    data.Filter
	Lang      string
	Prefer    data.AmenitySet
	Stations  []*data.Station // the candidates in the corridor; Hits index it
	Hits      []geo.RouteHit  // ordered by distance along the route
	Gaps      []geo.RouteGap
	Rest      RestPlan
	Trip      *Trip // the route found from from and to, or nil for a drawn one
}

// Station is the record of hit i.
func (a *Along) Station(i int) *data.Station { return a.Stations[a.Hits[i].Index] }

// RestPlan is the rest plan of a route as answered.
type RestPlan struct {
	MaxDriveMinutes float64       `json:"max_drive_minutes"`
	MinRestMinutes  int           `json:"min_rest_minutes"`
	SpeedKmh        float64       `json:"speed_kmh"`
	MaxLegKm        float64       `json:"max_leg_km"`
	PreferAmenities []string      `json:"prefer_amenities"`
	Feasible        bool          `json:"feasible"`
	Stops           []RestStop    `json:"stops"`
	FinalLegKm      float64       `json:"final_leg_km"`
	Problems        []RestProblem `json:"problems"`
	Detail          string        `json:"detail"`
	Method          string        `json:"method"`

	stopOf map[int]int // hit index -> stop number
}

// StopAt is the number (from 1) of the stop at hit i, or 0.
func (rp *RestPlan) StopAt(i int) int { return rp.stopOf[i] }

// RestStop is one stop of a rest plan.
type RestStop struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	AlongM       float64  `json:"along_m"`
	LegKm        float64  `json:"leg_km"`
	DriveMinutes float64  `json:"drive_minutes"`
	Preferred    bool     `json:"preferred"`
	Amenities    []string `json:"amenities"`
}

// RestProblem is a stretch no rest plan can cover.
type RestProblem struct {
	FromAlongM float64 `json:"from_along_m"`
	ToAlongM   float64 `json:"to_along_m"`
	LengthKm   float64 `json:"length_km"`
	Detail     string  `json:"detail"`
}

// Route answers req over snap: the records within corridor_m of the
// route, ordered by distance along it, the stretches longer than the
// allowed gap with none, and a rest plan for a driver. cv is the CRS of
// the route's positions (nil: WGS 84).
func (p *Planner) Route(ctx context.Context, snap *catalog.Snapshot, req *RouteRequest, cv Coords) (*Along, error) {
	// The same deadline as coverage work: a route folded on itself can
	// make every record test every segment.
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	r, trip, err := p.routeLine(ctx, req, cv) // network.go
	if err != nil {
		return nil, err
	}
	a := &Along{Route: r, Trip: trip}
	if a.CorridorM, err = Range("corridor_m", req.CorridorM, DefaultCorridorM, 0, MaxCorridorM, false, " meters"); err != nil {
		return nil, err
	}
	if a.SpeedKmh, err = Range("speed_kmh", req.SpeedKmh, DefaultRouteSpeedKmh, 0, MaxSpeedKmh, false, " km/h"); err != nil {
		return nil, err
	}
	speed := a.SpeedKmh
	switch {
	case req.MaxGapKm != nil && req.MaxGapMinutes != nil:
		return nil, bad("max_gap_minutes", "give max_gap_km, or max_gap_minutes with speed_kmh; not both")
	case req.MaxGapMinutes != nil:
		m, err := Range("max_gap_minutes", req.MaxGapMinutes, 0, 0, MaxDriveMinutes, false, " minutes")
		if err != nil {
			return nil, err
		}
		a.MaxGapM = speed * 1000 * m / 60
		a.MaxGapHow = fmt.Sprintf("max_gap_m = %s km/h × 1000 × %s min / 60 = %s", geo.Num(speed), geo.Num(m), geo.Num(geo.Round1(a.MaxGapM)))
	default:
		km, err := Range("max_gap_km", req.MaxGapKm, DefaultMaxGapKm, 0, MaxGapKm, false, " km")
		if err != nil {
			return nil, err
		}
		a.MaxGapM = km * 1000
		a.MaxGapHow = fmt.Sprintf("max_gap_m = %s km × 1000", geo.Num(km))
		if req.MaxGapKm == nil {
			a.MaxGapHow += " (default)"
		}
	}
	driveMin, err := Range("max_drive_minutes", req.MaxDriveMinutes, DefaultMaxDriveMinutes, 0, MaxDriveMinutes, false, " minutes")
	if err != nil {
		return nil, err
	}
	if a.Prefer, err = data.NewAmenitySet(List(req.PreferAmenities)); err != nil {
		return nil, bad("prefer_amenities", "%v", err)
	}
	if a.Filter, a.Lang, err = req.filter().Parse(p.now()); err != nil {
		return nil, err
	}
	if err := a.find(ctx, snap, p.timeout()); err != nil {
		return nil, err
	}
	alongs := make([]float64, len(a.Hits))
	for i, h := range a.Hits {
		alongs[i] = h.AlongM
	}
	a.Gaps = r.Gaps(alongs, a.MaxGapM)
	if a.Trip != nil && a.Trip.Method == MethodNetwork {
		a.Rest = a.restPlanByTime(driveMin)
	} else {
		a.Rest = a.restPlan(driveMin)
	}
	return a, nil
}

// routeStopped turns the error of a route step into the answer.
func routeStopped(err error, timeout time.Duration) error {
	return stopped(err, "route", fmt.Sprintf(
		"finding the records along the route took longer than the limit of %v and was stopped: "+
			"simplify the route (fewer positions, above all where it doubles back on itself), use a narrower corridor_m or fewer records (filter by kind or amenity), or retry later",
		timeout))
}

// find sets the candidates in the corridor and the hits along the route.
// Candidates are the records in the corridor's boxes, once each, at most
// MaxRouteLookups in all: each box is asked for no more than are left,
// so an over-full box costs its count, not its records.
func (a *Along) find(ctx context.Context, snap *catalog.Snapshot, timeout time.Duration) error {
	seen := map[string]bool{}
	lookups := 0
	for _, bb := range a.Route.CorridorBounds(a.CorridorM, 0) {
		if err := ctx.Err(); err != nil {
			return routeStopped(err, timeout)
		}
		left := MaxRouteLookups - lookups
		page, total := snap.InBound(bb, a.Filter, 0, left+1)
		if lookups += total; total > left {
			return bad("route", "the corridor of this route holds more than %d records (counted once per stretch of route they lie near): "+
				"use a narrower corridor_m, a shorter route, or fewer records (filter by kind or amenity)", MaxRouteLookups)
		}
		for _, st := range page {
			if !seen[st.ID] {
				seen[st.ID] = true
				a.Stations = append(a.Stations, st)
			}
		}
	}
	pts := make([]orb.Point, len(a.Stations))
	for i, st := range a.Stations {
		pts[i] = st.Location
	}
	hits, err := a.Route.NearContext(ctx, pts, a.CorridorM)
	if err != nil {
		return routeStopped(err, timeout)
	}
	a.Hits = hits
	return nil
}

// restPlan plans the rests over the hits: legs of at most driveMin minutes.
func (a *Along) restPlan(driveMin float64) RestPlan {
	speed, length := a.SpeedKmh, a.Route.Length()
	cands := make([]geo.RestCandidate, len(a.Hits))
	for i, h := range a.Hits {
		cands[i] = geo.RestCandidate{AlongM: h.AlongM, Preferred: a.Prefer != 0 && a.Stations[h.Index].Amenities.Has(a.Prefer)}
	}
	maxLeg := speed * 1000 * driveMin / 60
	plan := geo.PlanRest(length, cands, maxLeg)
	rp := RestPlan{
		MaxDriveMinutes: driveMin, MinRestMinutes: MinRestMinutes, SpeedKmh: speed,
		MaxLegKm: geo.Round(maxLeg/1000, 3), PreferAmenities: a.Prefer.Names(), Feasible: plan.Feasible,
		Stops: []RestStop{}, Problems: []RestProblem{}, FinalLegKm: geo.Round(plan.FinalLegM/1000, 3),
		Method: "greedy: from the start and from each stop, drive to the farthest record within max_leg_km that has every prefer_amenities, else to the farthest record of any kind",
		stopOf: map[int]int{},
	}
	for i, ps := range plan.Stops {
		st := a.Station(ps.Index)
		rp.stopOf[ps.Index] = i + 1
		rp.Stops = append(rp.Stops, RestStop{ID: st.ID, Name: st.Names.In(a.Lang), AlongM: geo.Round1(ps.AlongM),
			LegKm: geo.Round(ps.LegM/1000, 3), DriveMinutes: geo.Round1(ps.LegM / 1000 / speed * 60),
			Preferred: ps.Preferred, Amenities: st.Amenities.Names()})
	}
	for _, p := range plan.Problems {
		end := fmt.Sprintf("the next stop at along %s km", geo.Num(geo.Round(p.ToM/1000, 1)))
		if p.ToM >= length {
			end = fmt.Sprintf("the end of the route at along %s km", geo.Num(geo.Round(p.ToM/1000, 1)))
		}
		start := fmt.Sprintf("along %s km", geo.Num(geo.Round(p.FromM/1000, 1)))
		if p.FromM == 0 {
			start = "the start of the route"
		}
		rp.Problems = append(rp.Problems, RestProblem{
			FromAlongM: geo.Round1(p.FromM), ToAlongM: geo.Round1(p.ToM), LengthKm: geo.Round((p.ToM-p.FromM)/1000, 3),
			Detail: fmt.Sprintf("no plan keeps every leg within %s min: a stretch of %s km with no stop exceeds the %s km reachable in %s min at %s km/h, between %s and %s",
				geo.Num(driveMin), geo.Num(geo.Round((p.ToM-p.FromM)/1000, 1)), geo.Num(geo.Round(maxLeg/1000, 1)), geo.Num(driveMin), geo.Num(speed), start, end),
		})
	}
	switch {
	case !plan.Feasible:
		rp.Detail = fmt.Sprintf("no plan possible: %d stretch(es) longer than %s km have no stop within the corridor; see problems", len(plan.Problems), geo.Num(geo.Round(maxLeg/1000, 1)))
	case len(plan.Stops) == 0:
		rp.Detail = fmt.Sprintf("no stop needed: the route is %s km, within the %s km of one %s-minute stretch", geo.Num(geo.Round(length/1000, 1)), geo.Num(geo.Round(maxLeg/1000, 1)), geo.Num(driveMin))
	default:
		rp.Detail = fmt.Sprintf("%d stop(s), each followed by at least %d minutes of rest", len(plan.Stops), MinRestMinutes)
	}
	return rp
}
