package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data/catalog"
	"yizhan/data/plan"
	"yizhan/geo"
	"yizhan/roads"
)

// Limits of travel on roads, defined in data/plan.
const (
	MaxVia           = plan.MaxVia
	MaxWeightT       = plan.MaxWeightT
	MaxHeightM       = plan.MaxHeightM
	MaxSnapM         = plan.MaxSnapM
	DefaultRouteMode = plan.DefaultRouteMode
)

// travelParams are the query parameters of a travel profile (plan.Travel).
var travelParams = []string{"mode", "speed_kmh", "max_kmh", "weight_t", "height_m", "max_snap_m", "circuity", "speeds"}

// roadParams are the travel parameters only a search by travel time uses.
var roadParams = []string{"max_kmh", "weight_t", "height_m", "max_snap_m", "speeds"}

// onlyByTime refuses any of names in a search by distance.
func (q query) onlyByTime(names ...string) error {
	for _, n := range names {
		if q.has(n) {
			return badParam(n, "%s applies to a search by travel time; add by=time (or leave %s out)", n, n)
		}
	}
	return nil
}

// network is the road network loaded now, or nil.
func (s *Server) network() *roads.Network {
	if s.cfg.Roads == nil {
		return nil
	}
	return s.cfg.Roads()
}

// travel parses the travel profile's query parameters (plan.Travel).
func (q query) travel() (plan.Travel, error) {
	var t plan.Travel
	var err error
	if t.Mode, err = q.one("mode"); err != nil {
		return t, err
	}
	for _, v := range []struct {
		name string
		to   **float64
	}{{"speed_kmh", &t.SpeedKmh}, {"max_kmh", &t.MaxKmh}, {"weight_t", &t.WeightT}, {"height_m", &t.HeightM}, {"max_snap_m", &t.MaxSnapM}, {"circuity", &t.Circuity}} {
		if *v.to, err = q.optFloat(v.name); err != nil {
			return t, err
		}
	}
	t.Speeds, err = plan.ParseSpeeds(q.values("speeds"))
	return t, err
}

// position parses a "lon,lat" parameter in cv's CRS.
func (q query) position(name string, cv coords) (orb.Point, error) {
	s, err := q.one(name)
	if err != nil {
		return orb.Point{}, err
	}
	if s == "" {
		return orb.Point{}, badParam(name, "%s is required: lon,lat in degrees, e.g. %s=1.5218,42.5063", name, name)
	}
	p, err := plan.ParsePosition(name, s)
	return cv.in(p), err
}

// reach answers GET /v1/reach: the area reachable from (lon, lat) within
// minutes by mode. On a road network it is the area around the reached
// roads, with its area, the reached road length and the snap distance;
// with roads=true the answer is a FeatureCollection of that area and the
// reached roads. Without one it is the straight-line service circle.
// Either way "method" says which.
func (s *Server) reach(c *fiber.Ctx) error {
	q, err := parseQuery(c, append([]string{"lon", "lat", "minutes", "roads", crsParam}, travelParams...)...)
	if err != nil {
		return err
	}
	p, err := q.point()
	if err != nil {
		return err
	}
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	req := plan.ReachRequest{From: cv.in(p)}
	if req.Minutes, err = q.optFloat("minutes"); err != nil {
		return err
	}
	if req.Travel, err = q.travel(); err != nil {
		return err
	}
	switch v, err := q.one("roads"); {
	case err != nil:
		return err
	case v == "true" || v == "1":
		req.Roads = true
	case v != "" && v != "false" && v != "0":
		return badParam("roads", "roads must be true or false, got %s", quote(v))
	}
	res, err := s.planner().Reach(c.UserContext(), &req)
	if err != nil {
		return err
	}
	f := reachFeature(res, cv).withMembers(queryMember{cv.echoPoint(p)})
	if !req.Roads || res.Method != plan.MethodNetwork {
		return send(c, mediaGeoJSON, cacheData, f)
	}
	f.members = nil
	roadsF := newFeature("roads", geojson.NewGeometry(orb.Round(cv.outGeom(res.Roads), 1e7)),
		map[string]any{"role": "roads", "road_length_m": round1(res.RoadLengthM)})
	return send(c, mediaGeoJSON, cacheData, collection{features: []feature{f, roadsF}, members: struct {
		Method string `json:"method"`
		Query  any    `json:"query"`
	}{res.Method, cv.echoPoint(p)}})
}

// reachFeature renders the reach area of res in cv's CRS.
func reachFeature(res *plan.Reached, cv coords) feature {
	if res.Method == plan.MethodStraightLine {
		circle := circleFeature(res.From, res.Circle, "", cv)
		area := geo.Area(geo.Circle(res.From, res.Circle.Radius(), circleSegments))
		return circle.with(stringProp("method", res.Method), floatProp("area_km2", geo.Round(area/1e6, 3)))
	}
	var g orb.Geometry = res.Area
	if len(res.Area) == 1 {
		g = res.Area[0]
	}
	return newFeature("reach", geojson.NewGeometry(orb.Round(cv.outGeom(g), 1e7)), map[string]any{
		"method":        res.Method,
		"role":          "reach",
		"center":        lonLat(cv.out(res.From)),
		"mode":          res.Mode,
		"minutes":       res.Minutes,
		"area_km2":      geo.Round(res.AreaKm2, 3),
		"road_length_m": round1(res.RoadLengthM),
		"snap_m":        round1(res.SnapM),
		"derivation":    "the roads reachable within minutes by the " + res.Mode + " profile from the nearest usable road (the off-road part at walking speed included), and the area around them",
	})
}

// route answers GET /v1/route: a LineString Feature from from to to
// (through each via, in order) with duration_s and distance_m: along the
// roads where a network is loaded, else the straight line, as "method"
// says.
func (s *Server) route(c *fiber.Ctx) error {
	q, err := parseQuery(c, append([]string{"from", "to", "via", crsParam}, travelParams...)...)
	if err != nil {
		return err
	}
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	var req plan.TripRequest
	if req.From, err = q.position("from", cv); err != nil {
		return err
	}
	if req.To, err = q.position("to", cv); err != nil {
		return err
	}
	vias := q.values("via")
	if len(vias) > MaxVia {
		return badParam("via", "%d via points; the limit is %d", len(vias), MaxVia)
	}
	for _, v := range vias {
		p, err := plan.ParsePosition("via", v)
		if err != nil {
			return err
		}
		req.Via = append(req.Via, cv.in(p))
	}
	if req.Travel, err = q.travel(); err != nil {
		return err
	}
	res, err := s.planner().Trip(c.UserContext(), &req)
	if err != nil {
		return err
	}
	return send(c, mediaGeoJSON, cacheData, tripFeature(res, cv).withMembers(queryMember{cv.echo()}))
}

// tripFeature renders a route in cv's CRS.
func tripFeature(res *plan.Trip, cv coords) feature {
	props := map[string]any{
		"method":       res.Method,
		"mode":         res.Mode,
		"distance_m":   round1(res.DistanceM),
		"distance_km":  geo.Round(res.DistanceM/1000, 3),
		"duration_s":   round1(res.DurationS),
		"duration_min": geo.Round(res.DurationS/60, 1),
		"derivation":   res.Derivation,
		"from":         lonLat(cv.out(res.Points[0])),
		"to":           lonLat(cv.out(res.Points[len(res.Points)-1])),
	}
	if len(res.Points) > 2 {
		via := make([][2]float64, 0, len(res.Points)-2)
		for _, p := range res.Points[1 : len(res.Points)-1] {
			via = append(via, lonLat(cv.out(p)))
		}
		props["via"] = via
	}
	if res.Method == plan.MethodNetwork {
		props["from_snap_m"], props["to_snap_m"] = round1(res.FromSnapM), round1(res.ToSnapM)
	} else {
		props["speed_kmh"], props["circuity"] = res.SpeedKmh, res.Circuity
	}
	return newFeature("route", newLine(cv.outGeom(res.Line).(orb.LineString)), props)
}

// orderByTime reads by, the order of a station search: "distance" (the
// default, great-circle) or "time" (travel time; on the roads where a
// network is loaded).
func orderByTime(c *fiber.Ctx) (bool, error) {
	by := ""
	var err error
	// VisitAll, not PeekMulti, which allocates on every search.
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if err != nil || string(k) != "by" {
			return
		}
		switch {
		case len(v) == 0:
		case string(v) != "distance" && string(v) != "time":
			err = badParam("by", "by must be distance or time, got %s", quote(string(v)))
		case by != "" && by != string(v):
			err = badParam("by", "by is given twice with different values (%s, %s); give it once", by, string(v))
		case string(v) == "time":
			by = "time"
		default:
			by = "distance"
		}
	})
	return by == "time", err
}

// timedEcho is the query of a search by travel time, as understood.
type timedEcho struct {
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	K        int     `json:"k,omitempty"`
	By       string  `json:"by"`
	Mode     string  `json:"mode"`
	Minutes  float64 `json:"minutes,omitempty"` // the time searched; absent when unbounded
	SpeedKmh float64 `json:"speed_kmh,omitempty"`
	Circuity float64 `json:"circuity,omitempty"`
	How      string  `json:"derivation"`
	Limit    int     `json:"limit,omitempty"`
	filterJSON
	pointCRS
}

// timedFeatures renders records found by travel time: each with
// distance_m and bearing_deg, duration_s, and on the roads road_distance_m.
func timedFeatures(rs []plan.Timed, lang string) []feature {
	plain := make([]catalog.Result, len(rs))
	for i, r := range rs {
		plain[i] = r.Result
	}
	fs := resultFeatures(plain, lang)
	for i, r := range rs {
		if r.ByNetwork {
			fs[i] = fs[i].with(floatProp("duration_s", round1(r.DurationS)), floatProp("road_distance_m", round1(r.RoadMeters)))
		} else {
			fs[i] = fs[i].with(floatProp("duration_s", round1(r.DurationS)))
		}
	}
	return fs
}

// timedHow says how the times of res were found.
func timedHow(res *plan.TimedAnswer) string {
	if res.Method == plan.MethodNetwork {
		return "duration_s is the fastest travel time on the road network by the " + res.Mode +
			" profile, the off-road parts at both ends included; road_distance_m the length of its road part"
	}
	return "no road network is loaded: duration_s = distance_m × " + geo.Num(res.Circuity) + " circuity / (" +
		geo.Num(res.SpeedKmh) + " km/h / 3.6) (" + res.Mode + "), the straight-line estimate"
}

// searchByTime is the shared part of nearest and within by travel time.
func (s *Server) searchByTime(c *fiber.Ctx, k int, extra ...string) error {
	allowed := append(params(append([]string{"lon", "lat", "by", "minutes", crsParam}, extra...)...), travelParams...)
	q, err := parseQuery(c, allowed...)
	if err != nil {
		return err
	}
	p, err := q.point()
	if err != nil {
		return err
	}
	req := plan.TimedRequest{}
	limit := 0
	if k > 0 {
		if req.K, err = q.intIn("k", DefaultK, 1, MaxK); err != nil {
			return err
		}
	} else if limit, err = q.intIn("limit", MaxWithin, 1, MaxWithin); err != nil {
		return err
	}
	if req.Minutes, err = q.optFloat("minutes"); err != nil {
		return err
	}
	if req.Travel, err = q.travel(); err != nil {
		return err
	}
	f, lang, err := s.searchFilter(q)
	if err != nil {
		return err
	}
	req.Filter = f
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	req.From = cv.in(p)
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	res, err := s.planner().ByTime(c.UserContext(), snap, &req)
	if err != nil {
		return err
	}
	rs := res.Results
	var matched *int
	if k == 0 {
		n := len(rs)
		matched = &n
		if len(rs) > limit {
			rs = rs[:limit]
		}
	}
	e := timedEcho{Lon: p[0], Lat: p[1], K: req.K, By: "time", Mode: res.Mode, Minutes: res.Minutes,
		SpeedKmh: res.SpeedKmh, Circuity: res.Circuity, How: timedHow(res), Limit: limit,
		filterJSON: newFilterJSON(f, lang), pointCRS: cv.echoPoint(p)}
	return sendCollection(c, mediaGeoJSON, cacheData, &featureCollection{
		Type:           "FeatureCollection",
		Features:       cv.outFeatures(timedFeatures(rs, lang)),
		NumberMatched:  matched,
		NumberReturned: len(rs),
		Method:         res.Method,
		Query:          e,
	}, nil)
}

// nearestByTime answers GET /v1/stations/nearest?by=time: the k records
// passing the filters fastest to reach, searched up to minutes (default
// plan.MaxMinutes).
func (s *Server) nearestByTime(c *fiber.Ctx) error { return s.searchByTime(c, DefaultK, "k") }

// withinByTime answers GET /v1/stations/within?by=time: every record
// passing the filters reachable within minutes, fastest first.
func (s *Server) withinByTime(c *fiber.Ctx) error { return s.searchByTime(c, 0, "limit") }

// tripJSON is the route a route body asked to be found (from, to, via),
// as the route answer's "trip" member gives it.
type tripJSON struct {
	Method     string       `json:"method"`
	Mode       string       `json:"mode"`
	From       [2]float64   `json:"from"`
	To         [2]float64   `json:"to"`
	Via        [][2]float64 `json:"via,omitempty"`
	DistanceM  float64      `json:"distance_m"`
	DurationS  float64      `json:"duration_s"`
	FromSnapM  *float64     `json:"from_snap_m,omitempty"`
	ToSnapM    *float64     `json:"to_snap_m,omitempty"`
	Derivation string       `json:"derivation"`
}

// newTripJSON renders t in cv's CRS; nil for a drawn route.
func newTripJSON(t *plan.Trip, cv coords) *tripJSON {
	if t == nil {
		return nil
	}
	out := &tripJSON{Method: t.Method, Mode: t.Mode, From: lonLat(cv.out(t.Points[0])), To: lonLat(cv.out(t.Points[len(t.Points)-1])),
		DistanceM: round1(t.DistanceM), DurationS: round1(t.DurationS), Derivation: t.Derivation}
	for _, p := range t.Points[1 : len(t.Points)-1] {
		out.Via = append(out.Via, lonLat(cv.out(p)))
	}
	if t.Method == plan.MethodNetwork {
		from, to := round1(t.FromSnapM), round1(t.ToSnapM)
		out.FromSnapM, out.ToSnapM = &from, &to
	}
	return out
}
