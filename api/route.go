package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/geo"
)

// Limits and defaults of POST /v1/route/stations.
const (
	// DefaultCorridorM and MaxCorridorM bound corridor_m, meters either side of the route.
	DefaultCorridorM = 2_000
	MaxCorridorM     = 50_000
	// DefaultMaxGapKm is the gap length reported when neither max_gap_km
	// nor max_gap_minutes is given.
	DefaultMaxGapKm = 50
	// DefaultRouteSpeedKmh is the planning speed: the truck mode's default.
	DefaultRouteSpeedKmh = 50
	// DefaultMaxDriveMinutes is China's limit on continuous driving for
	// commercial drivers: at most 4 hours, then a rest of at least 20 minutes.
	DefaultMaxDriveMinutes = 240
	MinRestMinutes         = 20
	// MaxDriveMinutes bounds max_drive_minutes and max_gap_minutes.
	MaxDriveMinutes = 1440
)

// routeBody is the body of POST /v1/route/stations (and /v1/route/plan).
type routeBody struct {
	Route           *lineJSON  `json:"route"`
	CorridorM       *float64   `json:"corridor_m"`
	MaxGapKm        *float64   `json:"max_gap_km"`
	MaxGapMinutes   *float64   `json:"max_gap_minutes"`
	SpeedKmh        *float64   `json:"speed_kmh"`
	MaxDriveMinutes *float64   `json:"max_drive_minutes"`
	PreferAmenities stringList `json:"prefer_amenities"`
	Kind            stringList `json:"kind"`
	Amenity         stringList `json:"amenity"`
	OpenNow         *bool      `json:"open_now"`
	OpenAt          string     `json:"open_at"`
	Lang            string     `json:"lang"`
}

const routeExample = `{"route": {"type": "LineString", "coordinates": [[111.67, 40.81], [111.98, 43.65]]}, "corridor_m": 5000}`

// floatField checks an optional body number against (lo, hi].
func floatField(name string, v *float64, def, lo, hi float64, unit string) (float64, error) {
	if v == nil {
		return def, nil
	}
	if !(*v > lo && *v <= hi) {
		return 0, badField(name, "%s must be > %s and <= %s%s, got %s", name, num(lo), num(hi), unit, num(*v))
	}
	return *v, nil
}

// lineJSON is a route as sent: a LineString, a Feature holding one, or a
// FeatureCollection of one such Feature. It is decoded in the same pass
// as the body, straight into numbers: a 20,000-position route costs one
// scan of its JSON, not three.
type lineJSON struct {
	Type        string     `json:"type"`
	Coordinates positions  `json:"coordinates"`
	Geometry    *lineJSON  `json:"geometry"`
	Features    []lineJSON `json:"features"`
	Properties  any        `json:"properties"`
	ID          any        `json:"id"`
	BBox        any        `json:"bbox"`
}

// positions is a GeoJSON coordinates array decoded as encoding/json
// decodes a [][]float64, only faster: a hand-written scanner reads the
// common shape (an array of arrays of numbers) without reflection, and
// anything else (null, strings, deeper nesting, a number out of float64
// range) goes to encoding/json, so that its errors and results are the
// same as before. The body around it has been checked as valid JSON.
type positions [][]float64

func (ps *positions) UnmarshalJSON(raw []byte) error {
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

// parseRoute checks the route and prepares it.
func parseRoute(l *lineJSON, cv coords) (*geo.Route, error) {
	if l == nil {
		return nil, badField("route", "route is required: a GeoJSON LineString (or a Feature of one), e.g. %s", routeExample)
	}
	switch l.Type {
	case "FeatureCollection":
		if len(l.Features) != 1 {
			return nil, badField("route", "route is a FeatureCollection of %d features; send one LineString, or one Feature", len(l.Features))
		}
		l = &l.Features[0]
		if l.Type != "Feature" {
			return nil, badField("route", "route's FeatureCollection must hold a Feature, got %s", quote(l.Type))
		}
		fallthrough
	case "Feature":
		if l.Geometry == nil {
			return nil, badField("route", "route is a Feature with no geometry")
		}
		l = l.Geometry
	}
	switch l.Type {
	case "LineString":
	case "":
		return nil, badField("route", "route is not a GeoJSON object (want an object with a \"type\" member), e.g. %s", routeExample)
	case "Point", "MultiPoint", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection", "Feature", "FeatureCollection":
		return nil, badField("route", "route must be a GeoJSON LineString (or a Feature of one), got a %s; join a MultiLineString into one line in travel order", l.Type)
	default:
		return nil, badField("route", "route has unknown GeoJSON type %s", quote(l.Type))
	}
	if len(l.Coordinates) > geo.MaxRouteVertices {
		return nil, badField("route", "route has %d positions; the limit is %d", len(l.Coordinates), geo.MaxRouteVertices)
	}
	ls := make(orb.LineString, len(l.Coordinates))
	for i, c := range l.Coordinates {
		if len(c) < 2 || len(c) > 3 {
			return nil, badField("route", "route position %d has %d numbers; want [lon, lat] (or [lon, lat, elevation])", i, len(c))
		}
		ls[i] = cv.in(orb.Point{c[0], c[1]})
	}
	r, err := geo.NewRoute(ls)
	if err != nil {
		return nil, badField("route", "%v", err)
	}
	return r, nil
}

// routeStop is one stop of the rest plan as rendered.
type routeStop struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	AlongM       float64  `json:"along_m"`
	LegKm        float64  `json:"leg_km"`
	DriveMinutes float64  `json:"drive_minutes"`
	Preferred    bool     `json:"preferred"`
	Amenities    []string `json:"amenities"`
}

type restProblem struct {
	FromAlongM float64 `json:"from_along_m"`
	ToAlongM   float64 `json:"to_along_m"`
	LengthKm   float64 `json:"length_km"`
	Detail     string  `json:"detail"`
}

type restPlanJSON struct {
	MaxDriveMinutes float64       `json:"max_drive_minutes"`
	MinRestMinutes  int           `json:"min_rest_minutes"`
	SpeedKmh        float64       `json:"speed_kmh"`
	MaxLegKm        float64       `json:"max_leg_km"`
	PreferAmenities []string      `json:"prefer_amenities"`
	Feasible        bool          `json:"feasible"`
	Stops           []routeStop   `json:"stops"`
	FinalLegKm      float64       `json:"final_leg_km"`
	Problems        []restProblem `json:"problems"`
	Detail          string        `json:"detail"`
	Method          string        `json:"method"`
}

// routeStations answers POST /v1/route/stations: the records within
// corridor_m of the route, ordered by distance along it, the stretches
// longer than the allowed gap with none, and a rest plan for a driver.
func (s *Server) routeStations(c *fiber.Ctx) error {
	cv, err := s.bodyCoords(c)
	if err != nil {
		return err
	}
	var b routeBody
	if err := decodeBody(c, &b, routeExample); err != nil {
		return err
	}
	r, err := parseRoute(b.Route, cv)
	if err != nil {
		return err
	}
	corridor, err := floatField("corridor_m", b.CorridorM, DefaultCorridorM, 0, MaxCorridorM, " meters")
	if err != nil {
		return err
	}
	speed, err := floatField("speed_kmh", b.SpeedKmh, DefaultRouteSpeedKmh, 0, MaxSpeedKmh, " km/h")
	if err != nil {
		return err
	}
	var maxGapM float64
	gapHow := ""
	switch {
	case b.MaxGapKm != nil && b.MaxGapMinutes != nil:
		return badField("max_gap_minutes", "give max_gap_km, or max_gap_minutes with speed_kmh; not both")
	case b.MaxGapMinutes != nil:
		m, err := floatField("max_gap_minutes", b.MaxGapMinutes, 0, 0, MaxDriveMinutes, " minutes")
		if err != nil {
			return err
		}
		maxGapM = speed * 1000 * m / 60
		gapHow = fmt.Sprintf("max_gap_m = %s km/h × 1000 × %s min / 60 = %s", num(speed), num(m), num(round1(maxGapM)))
	default:
		km, err := floatField("max_gap_km", b.MaxGapKm, DefaultMaxGapKm, 0, 20_000, " km")
		if err != nil {
			return err
		}
		maxGapM = km * 1000
		gapHow = fmt.Sprintf("max_gap_m = %s km × 1000", num(km))
		if b.MaxGapKm == nil {
			gapHow += " (default)"
		}
	}
	driveMin, err := floatField("max_drive_minutes", b.MaxDriveMinutes, DefaultMaxDriveMinutes, 0, MaxDriveMinutes, " minutes")
	if err != nil {
		return err
	}
	prefer, err := data.NewAmenitySet(b.PreferAmenities)
	if err != nil {
		return badField("prefer_amenities", "%v", err)
	}
	sb := searchBody{Kind: b.Kind, Amenity: b.Amenity, OpenNow: b.OpenNow, OpenAt: b.OpenAt, Lang: b.Lang}
	f, lang, err := s.searchFilter(sb.asQuery(false))
	if err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}

	// Candidates: the records in the corridor's boxes, once each.
	seen := map[string]bool{}
	var sts []*data.Station
	for _, bb := range r.CorridorBounds(corridor, 0) {
		page, _ := snap.InBound(bb, f, 0, -1)
		for _, st := range page {
			if !seen[st.ID] {
				seen[st.ID] = true
				sts = append(sts, st)
			}
		}
	}
	pts := make([]orb.Point, len(sts))
	for i, st := range sts {
		pts[i] = st.Location
	}
	hits := r.Near(pts, corridor)

	// Rest plan over the records found.
	cands := make([]geo.RestCandidate, len(hits))
	alongs := make([]float64, len(hits))
	for i, h := range hits {
		alongs[i] = h.AlongM
		cands[i] = geo.RestCandidate{AlongM: h.AlongM, Preferred: prefer != 0 && sts[h.Index].Amenities.Has(prefer)}
	}
	maxLeg := speed * 1000 * driveMin / 60
	plan := geo.PlanRest(r.Length(), cands, maxLeg)
	stopNo := map[int]int{} // hit index -> stop number
	rp := restPlanJSON{
		MaxDriveMinutes: driveMin, MinRestMinutes: MinRestMinutes, SpeedKmh: speed,
		MaxLegKm: roundTo(maxLeg/1000, 3), PreferAmenities: prefer.Names(), Feasible: plan.Feasible,
		Stops: []routeStop{}, Problems: []restProblem{}, FinalLegKm: roundTo(plan.FinalLegM/1000, 3),
		Method: "greedy: from the start and from each stop, drive to the farthest record within max_leg_km that has every prefer_amenities, else to the farthest record of any kind",
	}
	for i, ps := range plan.Stops {
		st := sts[hits[ps.Index].Index]
		stopNo[ps.Index] = i + 1
		rp.Stops = append(rp.Stops, routeStop{ID: st.ID, Name: st.Names.In(lang), AlongM: round1(ps.AlongM),
			LegKm: roundTo(ps.LegM/1000, 3), DriveMinutes: round1(ps.LegM / 1000 / speed * 60),
			Preferred: ps.Preferred, Amenities: st.Amenities.Names()})
	}
	for _, p := range plan.Problems {
		end := fmt.Sprintf("the next stop at along %s km", num(roundTo(p.ToM/1000, 1)))
		if p.ToM >= r.Length() {
			end = fmt.Sprintf("the end of the route at along %s km", num(roundTo(p.ToM/1000, 1)))
		}
		start := fmt.Sprintf("along %s km", num(roundTo(p.FromM/1000, 1)))
		if p.FromM == 0 {
			start = "the start of the route"
		}
		rp.Problems = append(rp.Problems, restProblem{
			FromAlongM: round1(p.FromM), ToAlongM: round1(p.ToM), LengthKm: roundTo((p.ToM-p.FromM)/1000, 3),
			Detail: fmt.Sprintf("no plan keeps every leg within %s min: a stretch of %s km with no stop exceeds the %s km reachable in %s min at %s km/h, between %s and %s",
				num(driveMin), num(roundTo((p.ToM-p.FromM)/1000, 1)), num(roundTo(maxLeg/1000, 1)), num(driveMin), num(speed), start, end),
		})
	}
	switch {
	case !plan.Feasible:
		rp.Detail = fmt.Sprintf("no plan possible: %d stretch(es) longer than %s km have no stop within the corridor; see problems", len(plan.Problems), num(roundTo(maxLeg/1000, 1)))
	case len(plan.Stops) == 0:
		rp.Detail = fmt.Sprintf("no stop needed: the route is %s km, within the %s km of one %s-minute stretch", num(roundTo(r.Length()/1000, 1)), num(roundTo(maxLeg/1000, 1)), num(driveMin))
	default:
		rp.Detail = fmt.Sprintf("%d stop(s), each followed by at least %d minutes of rest", len(plan.Stops), MinRestMinutes)
	}

	// Features: the route, the records along it, the gaps.
	feats := make([]feature, 0, 1+len(hits))
	feats = append(feats, feature{Type: "Feature", ID: "route", Geometry: newLine(cv.outGeom(r.Line()).(orb.LineString)),
		Properties: map[string]any{"role": "route", "length_m": round1(r.Length()), "length_km": roundTo(r.Length()/1000, 3)}})
	props := make([]extraProp, 0, 5*len(hits)) // one allocation for every station's extra props
	for i, h := range hits {
		n := len(props)
		props = append(props, floatProp("along_m", round1(h.AlongM)), floatProp("offset_m", round1(h.OffsetM)),
			stringProp("role", "station"), stringProp("side", h.Side))
		if no, ok := stopNo[i]; ok {
			props = append(props, intProp("rest_stop", no))
		}
		feats = append(feats, withProps(recordFeature(sts[h.Index], lang), props[n:len(props):len(props)]))
	}
	cv.outFeatures(feats)
	gaps := r.Gaps(alongs, maxGapM)
	longest := 0.0
	for i, g := range gaps {
		longest = math.Max(longest, g.LengthM())
		feats = append(feats, feature{Type: "Feature", ID: "gap-" + strconv.Itoa(i+1), Geometry: newLine(cv.outGeom(g.Line).(orb.LineString)),
			Properties: map[string]any{"role": "gap", "from_along_m": round1(g.FromM), "to_along_m": round1(g.ToM),
				"length_m": round1(g.LengthM()), "length_km": roundTo(g.LengthM()/1000, 3)}})
	}
	return send(c, mediaGeoJSON, cacheData, &routeCollection{Type: "FeatureCollection", Features: feats, routeSummary: routeSummary{
		RouteLengthKm: roundTo(r.Length()/1000, 3), CorridorM: corridor, StationsCount: len(hits), MaxGapM: round1(maxGapM),
		MaxGapHow: gapHow, GapsCount: len(gaps), LongestGapKm: roundTo(longest/1000, 3), RestPlan: rp, Filter: newFilterJSON(f, lang),
		Method:         "route segments are great-circle arcs; along_m is the distance along the route to the nearest point, offset_m the great-circle distance to it, side left or right of the direction of travel",
		NumberReturned: len(feats),
		Query:          cv.echo(),
	}})
}

// routeCollection is the answer of POST /v1/route/stations: a
// FeatureCollection whose station features are lazy (see feature), with
// the summary as foreign members after the features.
type routeCollection struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
	routeSummary
}

// routeSummary is the foreign members of a routeCollection, in the order
// they are written.
type routeSummary struct {
	RouteLengthKm  float64      `json:"route_length_km"`
	CorridorM      float64      `json:"corridor_m"`
	StationsCount  int          `json:"stations_count"`
	MaxGapM        float64      `json:"max_gap_m"`
	MaxGapHow      string       `json:"max_gap_derivation"`
	GapsCount      int          `json:"gaps_count"`
	LongestGapKm   float64      `json:"longest_gap_km"`
	RestPlan       restPlanJSON `json:"rest_plan"`
	Filter         filterJSON   `json:"filter"`
	Method         string       `json:"method"`
	NumberReturned int          `json:"numberReturned"`
	Query          crsJSON      `json:"query"`
}

// appendJSON appends rc as json.Marshal would if its features were eager:
// the features by appendFeature, the summary by encoding/json, spliced
// into the one object.
func (rc *routeCollection) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, rc.Type)
	b = append(b, `,"features":`...)
	if rc.Features == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range rc.Features {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendFeature(b, &rc.Features[i]); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	// The summary is an object of at least one member: drop its "{" and
	// keep its "}" as ours.
	n := len(b)
	b, err := appendMarshal(append(b, ','), &rc.routeSummary)
	if err != nil {
		return b, err
	}
	return append(b[:n+1], b[n+2:]...), nil
}
