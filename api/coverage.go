package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
)

// Limits of the planner endpoints. Anything beyond them is a 400 problem
// naming the limit.
const (
	// MaxAreaVertices bounds the positions of an area polygon (all rings).
	MaxAreaVertices = geo.MaxAreaVertices
	// MaxCellM bounds cell_m in meters.
	MaxCellM = 100_000
	// DefaultSuggest and MaxSuggest bound n, the sites /v1/coverage/suggest proposes.
	DefaultSuggest = 5
	MaxSuggest     = 50
	// MaxCandidates bounds the candidate sites given to /v1/coverage/suggest.
	MaxCandidates = 10_000
	// MaxGapFeatures caps the gap polygons of one answer: the largest are
	// returned, gaps_total says how many there are.
	MaxGapFeatures = 5_000
	// MaxSuggestWork bounds the cell visits of the first round of greedy
	// suggestion for /v1/coverage/suggest (see geo.MaxSuggestWork).
	MaxSuggestWork = geo.MaxSuggestWork
)

// CoverageTimeout bounds the work of one planner request:
// /v1/coverage/gaps, /v1/coverage/suggest (from the area's validation on)
// and /v1/route/stations. The work limits of geo (MaxGridCells,
// MaxGridCrossings, MaxSuggestWork, MaxRouteWork, ...) bound the work of
// any request to about a second each on an idle server, but many of
// them at once, on a loaded server, could each run far longer and hold a
// core while later requests queue; past this time an answer is worth less
// than the capacity it takes, so the work stops and the client gets a 503
// saying how to ask for less. It is below the server's 30 s write timeout
// so that the answer still reaches the client.
const CoverageTimeout = 10 * time.Second

// coverageTimeout is the CoverageTimeout in force; tests shorten it.
var coverageTimeout = CoverageTimeout

// coverageRetryAfter is the Retry-After of a coverage 503, in seconds: a
// loaded server may have room again by then.
const coverageRetryAfter = "10"

// coverageStopped turns the error of a grid step into the answer. When the
// step stopped because its context ended (the CoverageTimeout passed, or
// the request was canceled) it is a 503 problem saying what to do, with
// Retry-After; a work limit (*geo.WorkLimitError) is a 400 problem saying
// what to ask for instead; any other error is returned as it is.
func coverageStopped(c *fiber.Ctx, err error, cellM float64) error {
	return plannerStopped(c, err, fmt.Sprintf(
		"the coverage analysis took longer than the limit of %v and was stopped; the grid at cell_m=%s is too fine for this area on this server now: "+
			"use a larger cell_m (the cost grows with 1/cell_m²) or a smaller area (for suggestions also a smaller n or fewer candidates), or retry later",
		coverageTimeout, num(cellM)))
}

// plannerStopped is coverageStopped for any planner step: late is the
// detail of the 503 when the deadline passed.
func plannerStopped(c *fiber.Ctx, err error, late string) error {
	var wl *geo.WorkLimitError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		c.Set(fiber.HeaderRetryAfter, coverageRetryAfter)
		return &Error{Status: fiber.StatusServiceUnavailable, Detail: late}
	case errors.Is(err, context.Canceled):
		c.Set(fiber.HeaderRetryAfter, coverageRetryAfter)
		return &Error{Status: fiber.StatusServiceUnavailable, Detail: "the request was canceled before the analysis finished (the client went away or the server is stopping); retry later"}
	case errors.As(err, &wl):
		param := "cell_m"
		if wl.CellM == 0 {
			param = "area"
		}
		return badField(param, "%v", wl)
	}
	return err
}

// planRoutes registers the planner endpoints.
func (s *Server) planRoutes() {
	v1 := s.app.Group("/v1")
	body := acceptBody(bodyOptions...)
	v1.Post("/coverage/gaps", body, s.coverageGaps)
	v1.Post("/coverage/suggest", body, s.coverageSuggest)
	v1.Post("/route/stations", body, s.routeStations)
	v1.Post("/route/plan", body, s.routeStations)
}

// stringList is a JSON string or array of strings ("kind": "port" or
// "kind": ["port", "rest_stop"]).
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("must be a string or an array of strings")
	}
	*l = many
	return nil
}

// searchBody holds the fields every planner body shares: record filters,
// the name language and the service circle.
type searchBody struct {
	Kind     stringList `json:"kind"`
	Amenity  stringList `json:"amenity"`
	OpenNow  *bool      `json:"open_now"`
	OpenAt   string     `json:"open_at"`
	Lang     string     `json:"lang"`
	RadiusM  *float64   `json:"radius_m"`
	Minutes  *float64   `json:"minutes"`
	Mode     string     `json:"mode"`
	SpeedKmh *float64   `json:"speed_kmh"`
	Circuity *float64   `json:"circuity"`
}

// asQuery turns the body's filter and circle fields into query values, so
// that bodies and query strings share one set of checks and messages.
func (b *searchBody) asQuery(withReach bool) query {
	v := url.Values{}
	set := func(name string, f *float64) {
		if f != nil {
			v.Set(name, strconv.FormatFloat(*f, 'g', -1, 64))
		}
	}
	for _, k := range b.Kind {
		v.Add("kind", k)
	}
	for _, a := range b.Amenity {
		v.Add("amenity", a)
	}
	if b.OpenNow != nil {
		v.Set("open_now", strconv.FormatBool(*b.OpenNow))
	}
	if b.OpenAt != "" {
		v.Set("open_at", b.OpenAt)
	}
	if b.Lang != "" {
		v.Set("lang", b.Lang)
	}
	if withReach {
		set("radius_m", b.RadiusM)
		set("minutes", b.Minutes)
		if b.Mode != "" {
			v.Set("mode", b.Mode)
		}
		set("speed_kmh", b.SpeedKmh)
		set("circuity", b.Circuity)
	}
	return query{vals: v}
}

// decodeBody reads c's JSON body into v: one JSON object, no unknown
// fields, every field of the right type. Every failure is a 400 problem
// that says what to send instead.
func decodeBody(c *fiber.Ctx, v any, example string) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return &Error{Status: fiber.StatusBadRequest, Detail: "the request body is empty; send a JSON object such as " + example}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: fiber.StatusBadRequest, Detail: bodyErrorDetail(err, v)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Status: fiber.StatusBadRequest, Detail: "the request body must hold one JSON object and nothing after it"}
	}
	return nil
}

// bodyErrorDetail explains a JSON decoding error in the caller's terms.
func bodyErrorDetail(err error, v any) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("the request body is not valid JSON (at byte %d: %v)", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "the request body must be a JSON object"
		}
		if strings.HasPrefix(typ.Field, "route.") || typ.Field == "route" {
			return fmt.Sprintf("route must be a GeoJSON LineString (or a Feature of one) with coordinates [[lon, lat], ...]; %s got a JSON %s where %s belongs", typ.Field, typ.Value, jsonKind(typ.Type))
		}
		field := typ.Field
		if i := strings.LastIndex(field, "."); i >= 0 {
			field = field[i+1:] // embedded structs name themselves in the path
		}
		return fmt.Sprintf("field %s must be %s, got a JSON %s", quote(field), jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the request body is cut short: it is not complete JSON"
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		return fmt.Sprintf("unknown field %s (allowed here: %s)", strings.TrimPrefix(msg, "json: unknown field "), strings.Join(jsonFields(reflect.TypeOf(v)), ", "))
	}
	if strings.Contains(msg, "json: cannot unmarshal") || strings.Contains(msg, "json: ") {
		return "the request body does not have the expected shape: " + strings.TrimPrefix(msg, "json: ")
	}
	// Errors from a field's own UnmarshalJSON (stringList).
	return "a field has the wrong type: " + msg
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	}
	return "a JSON " + t.Kind().String()
}

// jsonFields lists the JSON names of a struct's fields, embedded ones included.
func jsonFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// geoType reads the "type" member of a GeoJSON object.
func geoType(raw json.RawMessage) (string, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Type == "" {
		return "", errors.New("is not a GeoJSON object (want an object with a \"type\" member)")
	}
	return head.Type, nil
}

// parseGeometry reads raw as a GeoJSON geometry, a Feature holding one, or
// a FeatureCollection of exactly one Feature. A malformed body never
// panics its way to a 500: orb's decoder is guarded.
func parseGeometry(raw json.RawMessage) (g orb.Geometry, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, errors.New("is not valid GeoJSON")
		}
	}()
	t, err := geoType(raw)
	if err != nil {
		return nil, err
	}
	switch t {
	case "Feature":
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, fmt.Errorf("is not a valid GeoJSON Feature: %v", err)
		}
		if f.Geometry == nil {
			return nil, errors.New("is a Feature with no geometry")
		}
		return f.Geometry, nil
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			return nil, fmt.Errorf("is not a valid GeoJSON FeatureCollection: %v", err)
		}
		if len(fc.Features) != 1 || fc.Features[0].Geometry == nil {
			return nil, fmt.Errorf("is a FeatureCollection of %d features; send one geometry, or one Feature", len(fc.Features))
		}
		return fc.Features[0].Geometry, nil
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		gj, err := geojson.UnmarshalGeometry(raw)
		if err != nil {
			return nil, fmt.Errorf("is not a valid GeoJSON %s: %v", t, err)
		}
		if gj.Coordinates == nil && gj.Geometries == nil {
			return nil, fmt.Errorf("is a %s without coordinates", t)
		}
		return gj.Geometry(), nil
	}
	return nil, fmt.Errorf("has unknown GeoJSON type %s", quote(t))
}

// parseArea reads and validates an area polygon: a Polygon or
// MultiPolygon (or a Feature of one), within MaxAreaVertices, spanning at
// most 180° of longitude (so not across the antimeridian either), valid by
// geo.ValidateArea.
func parseArea(ctx context.Context, c *fiber.Ctx, raw json.RawMessage) (orb.MultiPolygon, error) {
	g, err := parseGeometry(raw)
	if err != nil {
		return nil, badField("area", "area %v", err)
	}
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, badField("area", "area must be a GeoJSON Polygon or MultiPolygon (or a Feature of one), got a %s", g.GeoJSONType())
	}
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	if n > MaxAreaVertices {
		return nil, badField("area", "area has %d positions; the limit is %d: simplify the polygon", n, MaxAreaVertices)
	}
	// The span is checked first: it is cheap, and it is the reason to give
	// for the whole-world rectangle.
	if b := mp.Bound(); b.Max[0]-b.Min[0] > 180 {
		return nil, badField("area", "area spans %.1f° of longitude (from %v to %v); areas must span at most 180° of longitude: split a wider area into parts, and an area across the ±180° meridian at that meridian, as RFC 7946 §3.1.9 asks",
			b.Max[0]-b.Min[0], b.Min[0], b.Max[0])
	}
	if err := geo.ValidateAreaContext(ctx, mp); err != nil {
		return nil, areaInvalid(c, err)
	}
	return mp, nil
}

// areaInvalid is the answer to an area that failed validation: a 400
// naming the defect or the work limit, or a 503 when the deadline passed
// while checking it.
func areaInvalid(c *fiber.Ctx, err error) error {
	var pe *geo.PolygonError
	if errors.As(err, &pe) {
		return badField("area", "%v", pe)
	}
	return plannerStopped(c, err, fmt.Sprintf("checking the area took longer than the limit of %v and was stopped: simplify the polygon (fewer positions and holes) or send a smaller area, or retry later", coverageTimeout))
}

// badField is a 400 problem about one body field.
func badField(field, format string, args ...any) *Error {
	return &Error{Status: fiber.StatusBadRequest, Param: field, Detail: fmt.Sprintf(format, args...)}
}

// regionJSON names the bundled region a request used.
type regionJSON struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// areaOf resolves a body's area or region.
func (s *Server) areaOf(ctx context.Context, c *fiber.Ctx, area json.RawMessage, region string) (orb.MultiPolygon, *regionJSON, error) {
	hasArea := len(area) > 0 && string(bytes.TrimSpace(area)) != "null"
	switch {
	case hasArea && region != "":
		return nil, nil, badField("region", "give area or region, not both")
	case hasArea:
		mp, err := parseArea(ctx, c, area)
		return mp, nil, err
	case region != "":
		if s.cfg.Layers == nil {
			return nil, nil, badField("region", "this server has no bundled regions; send an area polygon instead")
		}
		mp, info, ok := s.cfg.Layers.Region(region)
		if !ok {
			var names []string
			for _, r := range s.cfg.Layers.Regions() {
				names = append(names, fmt.Sprintf("%s / %s / %s", r.NameEN, r.NameZH, r.Code))
			}
			return nil, nil, badField("region", "unknown region %s (known: %s)", quote(region), strings.Join(names, "; "))
		}
		return mp, &regionJSON{Code: info.Code, NameZH: info.NameZH, NameEN: info.NameEN}, nil
	}
	return nil, nil, badField("area", `give an area (a GeoJSON Polygon or MultiPolygon, or a Feature of one) or a region (e.g. "Inner Mongolia", "内蒙古自治区" or "150000")`)
}

// stationsNear returns the positions of the records passing f that can
// cover some of b: those inside b widened by radius meters.
func stationsNear(snap *catalog.Snapshot, b orb.Bound, radius float64, f data.Filter) []orb.Point {
	dLat := radius / geo.EarthRadius * 180 / math.Pi
	maxLat := math.Min(89.9, math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))+dLat)
	dLon := dLat / math.Cos(maxLat*math.Pi/180)
	wb := orb.Bound{
		Min: orb.Point{math.Max(-180, b.Min[0]-dLon), math.Max(-90, b.Min[1]-dLat)},
		Max: orb.Point{math.Min(180, b.Max[0]+dLon), math.Min(90, b.Max[1]+dLat)},
	}
	if maxLat >= 89.9 || dLon >= 180 {
		wb.Min[0], wb.Max[0] = -180, 180
	}
	page, _ := snap.InBound(wb, f, 0, -1)
	pts := make([]orb.Point, len(page))
	for i, st := range page {
		pts[i] = st.Location
	}
	return pts
}

// polygonGeometry is a GeoJSON Polygon, coordinates rounded to 7 decimals.
type polygonGeometry struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

func newPolygon(p orb.Polygon) polygonGeometry {
	out := polygonGeometry{Type: "Polygon", Coordinates: make([][][2]float64, len(p))}
	for i, r := range p {
		ring := make([][2]float64, len(r))
		for j, pt := range r {
			ring[j] = lonLat(pt)
		}
		out.Coordinates[i] = ring
	}
	return out
}

// lineGeometry is a GeoJSON LineString, coordinates rounded to 7 decimals.
type lineGeometry struct {
	Type        string       `json:"type"`
	Coordinates [][2]float64 `json:"coordinates"`
}

func newLine(ls orb.LineString) lineGeometry {
	out := lineGeometry{Type: "LineString", Coordinates: make([][2]float64, len(ls))}
	for i, p := range ls {
		out.Coordinates[i] = lonLat(p)
	}
	return out
}

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// coverageSummary is the summary every coverage answer carries as foreign
// members of its FeatureCollection.
type coverageSummary struct {
	AreaKm2         float64     `json:"area_km2"`
	CoveredKm2      float64     `json:"covered_km2"`
	CoveredPct      float64     `json:"covered_pct"`
	UncoveredKm2    float64     `json:"uncovered_km2"`
	CellM           float64     `json:"cell_m"`
	CellMAuto       bool        `json:"cell_m_auto"`
	RadiusM         float64     `json:"radius_m"`
	Reach           reachJSON   `json:"reach"`
	StationsCounted int         `json:"stations_counted"`
	Region          *regionJSON `json:"region,omitempty"`
	Grid            gridJSON    `json:"grid"`
	Filter          filterJSON  `json:"filter"`
	Query           crsJSON     `json:"query"`
}

// gridJSON describes the grid so that a reader can judge the resolution.
type gridJSON struct {
	Rows        int     `json:"rows"`
	Cols        int     `json:"cols"`
	CellsInside int     `json:"cells_inside"`
	DLonDeg     float64 `json:"dlon_deg"`
	DLatDeg     float64 `json:"dlat_deg"`
	Method      string  `json:"method"`
}

const gridMethod = "cells of cell_m north-south on a lon/lat lattice (square at the area's middle latitude), cell areas exact on the sphere; " +
	"a cell is in the area when its centre is, covered when its centre is within radius_m (great-circle) of a record passing the filter; " +
	"area_km2 is the polygon's spherical area, covered_km2 = area_km2 × covered_pct"

func newCoverageSummary(g *geo.Grid, sum geo.CoverageSummary, auto bool, r geo.Reach, counted int, region *regionJSON, f filterJSON, cv coords) coverageSummary {
	return coverageSummary{
		AreaKm2:         roundTo(sum.AreaM2/1e6, 3),
		CoveredKm2:      roundTo(sum.CoveredM2/1e6, 3),
		CoveredPct:      roundTo(sum.CoveredPct, 3),
		UncoveredKm2:    roundTo(sum.UncoveredM2/1e6, 3),
		CellM:           g.CellM,
		CellMAuto:       auto,
		RadiusM:         round1(r.Radius()),
		Reach:           newReachJSON(r),
		StationsCounted: counted,
		Region:          region,
		Grid: gridJSON{Rows: g.Rows, Cols: g.Cols, CellsInside: sum.CellsInside,
			DLonDeg: roundTo(g.DLon, 9), DLatDeg: roundTo(g.DLat, 9), Method: gridMethod},
		Filter: f,
		Query:  cv.echo(),
	}
}

// coverageBody is the body of POST /v1/coverage/gaps.
type coverageBody struct {
	Area   json.RawMessage `json:"area"`
	Region string          `json:"region"`
	CellM  *float64        `json:"cell_m"`
	searchBody
}

const gapsExample = `{"region": "Inner Mongolia", "minutes": 15, "mode": "walk"}`

// coverageRequest is a parsed coverage body.
type coverageRequest struct {
	area   orb.MultiPolygon
	region *regionJSON
	reach  geo.Reach
	filter data.Filter
	lang   string
	cellM  float64 // 0: automatic
	cv     coords  // the CRS of the area, the candidates and the answer
}

func (s *Server) parseCoverage(ctx context.Context, c *fiber.Ctx, b *coverageBody) (coverageRequest, error) {
	var req coverageRequest
	cv, err := s.bodyCoords(c)
	if err != nil {
		return req, err
	}
	req.cv = cv
	area, region, err := s.areaOf(ctx, c, b.Area, b.Region)
	if err != nil {
		return req, err
	}
	if region == nil && !cv.wgs84() {
		// A bundled region is WGS 84 already; an area given in the
		// request's CRS is converted, and checked again as converted.
		area = cv.inGeom(area).(orb.MultiPolygon)
		if err := geo.ValidateAreaContext(ctx, area); err != nil {
			if ctx.Err() != nil {
				return req, areaInvalid(c, err)
			}
			return req, badField("area", "as converted from %s to WGS 84: %v", cv.crs, err)
		}
	}
	q := b.asQuery(true)
	if req.reach, err = q.reach(); err != nil {
		return req, err
	}
	if req.filter, req.lang, err = s.searchFilter(q); err != nil {
		return req, err
	}
	if b.CellM != nil {
		if !(*b.CellM >= geo.MinCellMeters && *b.CellM <= MaxCellM) {
			return req, badField("cell_m", "cell_m must be from %d to %d meters, got %s (leave it out to choose automatically)", geo.MinCellMeters, MaxCellM, num(*b.CellM))
		}
		req.cellM = *b.CellM
	}
	req.area, req.region = area, region
	return req, nil
}

// grid builds the grid of a request; a work-limit error becomes a 400 that
// names the limit and the smallest cell_m that fits, and a context that
// ended a 503 (coverageStopped).
func (req *coverageRequest) grid(ctx context.Context, c *fiber.Ctx) (*geo.Grid, bool, error) {
	cell, auto := req.cellM, false
	if cell == 0 {
		cell, auto = geo.AutoCell(req.area, req.reach.Radius()), true
	}
	g, err := geo.NewGrid(ctx, req.area, cell)
	if err != nil {
		return nil, false, coverageStopped(c, err, cell)
	}
	return g, auto, nil
}

// coverageGaps answers POST /v1/coverage/gaps: the parts of an area not
// within the service circle of any record passing the filters, largest
// first, as Polygon features, with the summary as foreign members.
func (s *Server) coverageGaps(c *fiber.Ctx) error {
	var body coverageBody
	if err := decodeBody(c, &body, gapsExample); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), coverageTimeout)
	defer cancel()
	req, err := s.parseCoverage(ctx, c, &body)
	if err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	g, auto, err := req.grid(ctx, c)
	if err != nil {
		return err
	}
	pts := stationsNear(snap, req.area.Bound(), req.reach.Radius(), req.filter)
	if err := g.Cover(ctx, pts, req.reach.Radius()); err != nil {
		return coverageStopped(c, err, g.CellM)
	}
	sum := g.Summary()
	gaps, err := g.Gaps(ctx)
	if err != nil {
		return coverageStopped(c, err, g.CellM)
	}
	feats := make([]feature, 0, min(len(gaps), MaxGapFeatures))
	for i, gp := range gaps {
		if i == MaxGapFeatures {
			break
		}
		feats = append(feats, feature{Type: "Feature", ID: "gap-" + strconv.Itoa(i+1), Geometry: newPolygon(req.cv.outGeom(gp.Polygon).(orb.Polygon)),
			Properties: map[string]any{"rank": i + 1, "uncovered_km2": roundTo(gp.AreaM2/1e6, 3), "cells": gp.Cells}})
	}
	return send(c, mediaGeoJSON, cacheData, struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
		coverageSummary
		GapsTotal      int `json:"gaps_total"`
		NumberReturned int `json:"numberReturned"`
	}{"FeatureCollection", feats, newCoverageSummary(g, sum, auto, req.reach, len(pts), req.region, newFilterJSON(req.filter, req.lang), req.cv), len(gaps), len(feats)})
}

// suggestBody is the body of POST /v1/coverage/suggest.
type suggestBody struct {
	coverageBody
	N          *int            `json:"n"`
	Candidates json.RawMessage `json:"candidates"`
}

// candidate is one allowed site.
type candidate struct {
	id string
	p  orb.Point
}

// parseCandidates reads a FeatureCollection of Point features (or a
// MultiPoint) of allowed sites.
func parseCandidates(raw json.RawMessage) ([]candidate, error) {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	t, err := geoType(raw)
	if err != nil {
		return nil, badField("candidates", "candidates %v", err)
	}
	var out []candidate
	add := func(id string, g orb.Geometry, i int) error {
		p, ok := g.(orb.Point)
		if !ok {
			return badField("candidates", "candidate %d must be a Point, got %v", i, geomType(g))
		}
		if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
			return badField("candidates", "candidate %d [%v, %v] is out of range (longitude in [-180, 180], latitude in [-90, 90])", i, p[0], p[1])
		}
		out = append(out, candidate{id, p})
		return nil
	}
	switch t {
	case "FeatureCollection":
		fc, err := unmarshalFC(raw)
		if err != nil {
			return nil, badField("candidates", "candidates is not a valid GeoJSON FeatureCollection: %v", err)
		}
		if len(fc.Features) > MaxCandidates {
			return nil, badField("candidates", "%d candidates; the limit is %d", len(fc.Features), MaxCandidates)
		}
		for i, f := range fc.Features {
			id := fmt.Sprint(i)
			if f.ID != nil {
				id = fmt.Sprint(f.ID)
			}
			if err := add(id, f.Geometry, i); err != nil {
				return nil, err
			}
		}
	case "MultiPoint":
		g, err := parseGeometry(raw)
		if err != nil {
			return nil, badField("candidates", "candidates %v", err)
		}
		mp, _ := g.(orb.MultiPoint)
		if len(mp) > MaxCandidates {
			return nil, badField("candidates", "%d candidates; the limit is %d", len(mp), MaxCandidates)
		}
		for i, p := range mp {
			if err := add(fmt.Sprint(i), p, i); err != nil {
				return nil, err
			}
		}
	default:
		return nil, badField("candidates", "candidates must be a GeoJSON FeatureCollection of Point features (or a MultiPoint), got a %s", t)
	}
	if len(out) == 0 {
		return nil, badField("candidates", "candidates is empty; leave it out to let the server draw candidates from the uncovered cells")
	}
	return out, nil
}

func unmarshalFC(raw json.RawMessage) (fc *geojson.FeatureCollection, err error) {
	defer func() {
		if r := recover(); r != nil {
			fc, err = nil, errors.New("malformed")
		}
	}()
	return geojson.UnmarshalFeatureCollection(raw)
}

func geomType(g orb.Geometry) string {
	if g == nil {
		return "no geometry"
	}
	return "a " + g.GeoJSONType()
}

// coverageSuggest answers POST /v1/coverage/suggest: up to n new sites
// that would cover the most uncovered area, as Point features in the order
// chosen, each with the area it newly covers; the summary before and after.
func (s *Server) coverageSuggest(c *fiber.Ctx) error {
	var body suggestBody
	if err := decodeBody(c, &body, `{"region": "Inner Mongolia", "minutes": 60, "mode": "truck", "n": 5}`); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), coverageTimeout)
	defer cancel()
	req, err := s.parseCoverage(ctx, c, &body.coverageBody)
	if err != nil {
		return err
	}
	n := DefaultSuggest
	if body.N != nil {
		if *body.N < 1 || *body.N > MaxSuggest {
			return badField("n", "n must be from 1 to %d, got %d", MaxSuggest, *body.N)
		}
		n = *body.N
	}
	cands, err := parseCandidates(body.Candidates)
	if err != nil {
		return err
	}
	for i := range cands {
		cands[i].p = req.cv.in(cands[i].p)
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	// Greedy suggestion measures every candidate's circle: bound the work
	// (geo.SuggestWork) by coarsening an automatic grid, or by refusing a
	// cell_m that would exceed it.
	radius := req.reach.Radius()
	var cpts []orb.Point
	if len(cands) > 0 {
		cpts = make([]orb.Point, len(cands))
		for i, cd := range cands {
			cpts[i] = cd.p
		}
	}
	b := req.area.Bound()
	if req.cellM == 0 {
		if minCell := geo.MinSuggestCell(b, radius, cpts); geo.AutoCell(req.area, radius) < minCell {
			req.cellM = math.Min(MaxCellM, minCell)
		}
	}
	if req.cellM != 0 {
		if err := geo.CheckSuggestWork(b, req.cellM, radius, cpts); err != nil {
			// The cell size to give must fit the grid's own limits too.
			var wl *geo.WorkLimitError
			if errors.As(err, &wl) && wl.MinCellM > 0 {
				wl.MinCellM = math.Max(wl.MinCellM, geo.MinCellForArea(req.area))
			}
			return coverageStopped(c, err, req.cellM)
		}
	}
	g, auto, err := req.grid(ctx, c)
	if err != nil {
		return err
	}
	auto = auto || body.CellM == nil
	pts := stationsNear(snap, req.area.Bound(), radius, req.filter)
	if err := g.Cover(ctx, pts, radius); err != nil {
		return coverageStopped(c, err, g.CellM)
	}
	before := g.Summary()
	sites, err := g.Suggest(ctx, n, radius, cpts)
	if err != nil {
		return coverageStopped(c, err, g.CellM)
	}
	after := g.Summary()
	feats := make([]feature, 0, len(sites))
	grid := before.GridAreaM2
	cum := before.CoveredPct * grid / 100
	for i, st := range sites {
		cum += st.NewlyCoveredM2
		props := map[string]any{
			"rank":              i + 1,
			"newly_covered_km2": roundTo(st.NewlyCoveredM2/1e6, 3),
			"covered_pct_after": roundTo(100*cum/math.Max(grid, 1), 3),
		}
		if st.Candidate >= 0 {
			props["candidate"] = cands[st.Candidate].id
		}
		feats = append(feats, feature{Type: "Feature", ID: "site-" + strconv.Itoa(i+1), Geometry: newPoint(req.cv.out(st.Point)), Properties: props})
	}
	source := "uncovered cell centres on a coarser lattice"
	if len(cands) > 0 {
		source = "the given candidates"
	}
	return send(c, mediaGeoJSON, cacheData, struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
		coverageSummary
		CoveredPctAfter   float64 `json:"covered_pct_after"`
		CoveredKm2After   float64 `json:"covered_km2_after"`
		CandidatesFrom    string  `json:"candidates_from"`
		NumberReturned    int     `json:"numberReturned"`
		SuggestionsMethod string  `json:"method"`
	}{"FeatureCollection", feats, newCoverageSummary(g, before, auto, req.reach, len(pts), req.region, newFilterJSON(req.filter, req.lang), req.cv),
		roundTo(after.CoveredPct, 3), roundTo(after.CoveredM2/1e6, 3), source, len(feats),
		"greedy maximal coverage: each site covers the most area still uncovered (within 1 - 1/e of the best choice of n sites)"})
}

// Interface guard: stringList decodes itself.
var _ json.Unmarshaler = (*stringList)(nil)
