package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/plan"
	"yizhan/geo"
)

// The planner's limits, defined in data/plan, as /openapi.json and the
// README name them.
const (
	MaxAreaVertices = geo.MaxAreaVertices
	MaxCellM        = plan.MaxCellM
	DefaultSuggest  = plan.DefaultSuggest
	MaxSuggest      = plan.MaxSuggest
	MaxCandidates   = plan.MaxCandidates
	MaxGapFeatures  = plan.MaxGapFeatures
	MaxSuggestWork  = geo.MaxSuggestWork
)

// CoverageTimeout bounds the work of one planner request (plan.Timeout):
// /v1/coverage/gaps, /v1/coverage/suggest (from the area's validation on)
// and /v1/route/stations; past it the client gets a 503 saying how to ask
// for less.
const CoverageTimeout = plan.Timeout

// coverageTimeout is the CoverageTimeout in force; tests shorten it.
var coverageTimeout = CoverageTimeout

// coverageRetryAfter is the Retry-After of a planner 503, in seconds: a
// loaded server may have room again by then.
const coverageRetryAfter = "10"

// planRoutes registers the planner endpoints: POST /v1/coverage/gaps
// (gapsAnswer), /v1/coverage/suggest (suggestAnswer), /v1/route/stations
// and its alias /v1/route/plan (routeAnswer), and /v1/coverage/report
// (RenderReport).
func (s *Server) planRoutes() {
	v1 := s.app.Group("/v1")
	body := acceptBody(bodyOptions...)
	v1.Post("/coverage/gaps", body, planHandler(s, plan.GapsExample, (*plan.Planner).Gaps, gapsAnswer))
	v1.Post("/coverage/suggest", body, planHandler(s, plan.SuggestExample, (*plan.Planner).Suggest, suggestAnswer))
	route := planHandler(s, plan.RouteExample, (*plan.Planner).Route, routeAnswer)
	v1.Post("/route/stations", body, route)
	v1.Post("/route/plan", body, route)
	s.reportRoute()
}

// planHandler is the one shape of a planner endpoint: crs from the query,
// the JSON body into a plan request (example shows one in the problem of
// an empty body), the planning pipeline run over the current snapshot,
// and its result rendered by answer in the request's CRS. Every refusal
// is a *plan.Error, rendered by handleError.
func planHandler[Req, Res any](s *Server, example string,
	run func(*plan.Planner, context.Context, *catalog.Snapshot, *Req, plan.Coords) (Res, error),
	answer func(Res, coords) collection) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cv, err := s.bodyCoords(c)
		if err != nil {
			return err
		}
		var req Req
		if err := decodeBody(c, &req, example); err != nil {
			return err
		}
		snap, err := s.snapshot(c)
		if err != nil {
			return err
		}
		res, err := run(s.planner(), c.UserContext(), snap, &req, planCoords(cv))
		if err != nil {
			return err
		}
		return send(c, mediaGeoJSON, cacheData, answer(res, cv))
	}
}

// planner is the planning pipeline over this server's regions and clock.
func (s *Server) planner() *plan.Planner {
	timeout := coverageTimeout
	if s.cfg.CoverageTimeout > 0 {
		timeout = s.cfg.CoverageTimeout
	}
	return &plan.Planner{Layers: s.cfg.Layers, Timeout: timeout, Now: s.now, Roads: s.network(), Snaps: s.snaps}
}

// planCoords is cv as the planner takes it: nil for WGS 84.
func planCoords(cv coords) plan.Coords {
	if cv.wgs84() {
		return nil
	}
	return cv
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

// regionJSON names the bundled region a request used.
type regionJSON struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
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
	// ClippedTo names the region the area was clipped to (area and
	// region both given), null when it was not.
	ClippedTo     *regionJSON    `json:"clipped_to"`
	Grid          gridJSON       `json:"grid"`
	Filter        filterJSON     `json:"filter"`
	By            string         `json:"by"`     // distance or time
	Method        string         `json:"method"` // plan.MethodNetwork or plan.MethodStraightLine
	Query         crsJSON        `json:"query"`
	Demand        demandJSON     `json:"demand"`
	DemandTotal   float64        `json:"demand_total"`
	DemandCovered float64        `json:"demand_covered"`
	DemandShare   float64        `json:"demand_share"` // 0–1
	Scenarios     []scenarioJSON `json:"scenarios"`
	// MethodText says in the request's language what "covered" means;
	// Formula is the same as a formula, for those who ask how.
	MethodText string `json:"method_text"`
	Formula    string `json:"formula"`
}

// demandJSON says what demand an answer counted.
type demandJSON struct {
	From   string `json:"from"` // default, geojson, csv or none
	Unit   string `json:"unit,omitempty"`
	Points int    `json:"points"` // inside the area
	Source string `json:"source,omitempty"`
}

// scenarioJSON is one scenario of a coverage answer.
type scenarioJSON struct {
	Name           string  `json:"name"` // today, with_planned, with_suggested
	Stations       int     `json:"stations"`
	AreaKm2Covered float64 `json:"area_km2_covered"`
	CoveredShare   float64 `json:"covered_share"` // 0–1 of the area
	DemandCovered  float64 `json:"demand_covered"`
	DemandShare    float64 `json:"demand_share"` // 0–1 of demand_total
	GapsClosed     int     `json:"gaps_closed"`  // of today's gaps, closed entirely
	AddsKm2        float64 `json:"adds_km2"`     // over the scenario before it
	AddsDemand     float64 `json:"adds_demand"`
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

const gridTimeMethod = "cells of cell_m north-south on a lon/lat lattice (square at the area's middle latitude), cell areas exact on the sphere; " +
	"a cell is in the area when its centre is, covered when a road reached within minutes from a record passing the filter (one search on the road network from every record at once) passes through it, " +
	"or when its centre lies within the distance walked off such a road in the time left there (short of it by at most half a cell, never beyond it); " +
	"a demand point is covered when its own travel time from the nearest such record (to the nearest usable road, then on it) is within minutes; " +
	"area_km2 is the polygon's spherical area, covered_km2 = area_km2 × covered_pct"

// newRegionJSON is info as answers name it; nil for none.
func newRegionJSON(info *bundled.RegionInfo) *regionJSON {
	if info == nil {
		return nil
	}
	return &regionJSON{Code: info.Code, NameZH: info.NameZH, NameEN: info.NameEN}
}

// share is part/whole, 0 when whole is 0, rounded to 6 decimals.
func share(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return geo.Round(part/whole, 6)
}

// demandSource says where demand d comes from.
func demandSource(d *plan.Demand) string {
	switch d.From {
	case plan.DemandDefault:
		if d.RoadPoints > 0 {
			return bundled.DemandSource + fmt.Sprintf("; plus road length, %d people a km: %s", plan.RoadPeoplePerKm, plan.RoadDemandSource)
		}
		return bundled.DemandSource
	case plan.DemandRoads:
		return plan.RoadDemandSource
	case plan.DemandGiven:
		return "the request's demand (GeoJSON points with weight)"
	case plan.DemandCSV:
		return "the request's demand_csv"
	}
	return "none: area only"
}

func newScenarios(c *plan.Coverage) []scenarioJSON {
	total := c.DemandTotal()
	out := make([]scenarioJSON, len(c.Scenarios))
	for i, sc := range c.Scenarios {
		out[i] = scenarioJSON{Name: sc.Name, Stations: sc.Stations,
			AreaKm2Covered: geo.Round(sc.Summary.CoveredM2/1e6, 3), CoveredShare: geo.Round(sc.Summary.CoveredPct/100, 6),
			DemandCovered: geo.Round(sc.DemandCovered, 3), DemandShare: share(sc.DemandCovered, total), GapsClosed: sc.GapsClosed}
		if i > 0 {
			prev := c.Scenarios[i-1]
			out[i].AddsKm2 = geo.Round((sc.Summary.CoveredM2-prev.Summary.CoveredM2)/1e6, 3)
			out[i].AddsDemand = geo.Round(sc.DemandCovered-prev.DemandCovered, 3)
		}
	}
	return out
}

func newCoverageSummary(c *plan.Coverage, cv coords) coverageSummary {
	g, sum := c.Grid, c.Summary
	total := c.DemandTotal()
	out := coverageSummary{
		Region:          newRegionJSON(c.Region),
		ClippedTo:       newRegionJSON(c.ClippedTo),
		Demand:          demandJSON{From: c.Demand.From, Unit: c.Demand.Unit, Points: len(c.Demand.Points), Source: demandSource(c.Demand)},
		DemandTotal:     geo.Round(total, 3),
		DemandCovered:   geo.Round(c.DemandCovered, 3),
		DemandShare:     share(c.DemandCovered, total),
		Scenarios:       newScenarios(c),
		MethodText:      coverageMethodText(c, c.Lang),
		Formula:         coverageFormula(c),
		AreaKm2:         geo.Round(sum.AreaM2/1e6, 3),
		CoveredKm2:      geo.Round(sum.CoveredM2/1e6, 3),
		CoveredPct:      geo.Round(sum.CoveredPct, 3),
		UncoveredKm2:    geo.Round(sum.UncoveredM2/1e6, 3),
		CellM:           g.CellM,
		CellMAuto:       c.Auto,
		RadiusM:         round1(c.Reach.Radius()),
		Reach:           newReachJSON(c.Reach),
		StationsCounted: c.Counted,
		Grid: gridJSON{Rows: g.Rows, Cols: g.Cols, CellsInside: sum.CellsInside,
			DLonDeg: geo.Round(g.DLon, 9), DLatDeg: geo.Round(g.DLat, 9), Method: gridMethod},
		Filter: newFilterJSON(c.Filter, c.Lang),
		By:     c.By,
		Method: c.Method,
		Query:  cv.echo(),
	}
	if c.Method == plan.MethodNetwork {
		out.Grid.Method = gridTimeMethod
	}
	return out
}

// gapsAnswer renders res in the CRS of cv.
func gapsAnswer(res *plan.Gaps, cv coords) collection {
	feats := make([]feature, 0, min(len(res.Gaps), MaxGapFeatures))
	for i, gp := range res.Gaps {
		if i == MaxGapFeatures {
			break
		}
		props := map[string]any{"rank": i + 1, "uncovered_km2": geo.Round(gp.AreaM2/1e6, 3), "cells": gp.Cells,
			"centroid": lonLat(cv.out(gp.Centroid)), "nearest_station": (*siteNear)(nil)}
		if n := res.Nearest[i]; n != nil {
			props["nearest_station"] = nearOf(n)
		}
		if res.ClosedBy[i] != "" {
			props["closed_by"] = res.ClosedBy[i]
		}
		feats = append(feats, newFeature("gap-"+strconv.Itoa(i+1), newPolygon(cv.outGeom(gp.Polygon).(orb.Polygon)), props))
	}
	return collection{features: feats, members: struct {
		coverageSummary
		GapsTotal      int `json:"gaps_total"`
		NumberReturned int `json:"numberReturned"`
	}{newCoverageSummary(&res.Coverage, cv), len(res.Gaps), len(feats)}}
}

// GapsGeoJSON is the answer POST /v1/coverage/gaps gives for res, in WGS
// 84: what `yizhan gaps --out` writes, byte for byte.
func GapsGeoJSON(res *plan.Gaps) ([]byte, error) {
	return gapsAnswer(res, coords{}).appendJSON(nil)
}

// siteNear is a suggested site's nearest record, as answers give it.
type siteNear struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"` // the straight line
	// By travel time on the roads (a request by time on a network): the
	// trip and its road part; absent where found by the straight line.
	DurationS     *float64 `json:"duration_s,omitempty"`
	RoadDistanceM *float64 `json:"road_distance_m,omitempty"`
}

// nearOf is the rendering of a card's nearest station.
func nearOf(n *plan.NearStation) *siteNear {
	sn := &siteNear{ID: n.ID, Name: n.Name, DistanceM: round1(n.DistanceM)}
	if n.ByTime {
		d, m := round1(n.DurationS), round1(n.RoadMeters)
		sn.DurationS, sn.RoadDistanceM = &d, &m
	}
	return sn
}

// placeNear is the populated place nearest a suggested site.
type placeNear struct {
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
}

// siteProps are the properties of suggested site i (from 0) of res.
func siteProps(res *plan.Suggestion, i int, cum float64) map[string]any {
	st := res.Sites[i]
	grid := res.Summary.GridAreaM2
	props := map[string]any{
		"rank":              i + 1,
		"newly_covered_km2": geo.Round(st.NewlyCoveredM2/1e6, 3),
		"covered_pct_after": geo.Round(100*cum/math.Max(grid, 1), 3),
		"demand_gain":       geo.Round(st.DemandGain, 3),
		"nearest_station":   (*siteNear)(nil),
		"near_place":        (*placeNear)(nil),
	}
	if st.Candidate >= 0 {
		cd := res.Candidates[st.Candidate]
		props["candidate"] = cd.ID
		props["candidate_from"] = cd.Source
		if cd.Name != "" {
			props["name"] = cd.Name
		}
	} else {
		props["candidate_from"] = plan.CandidatesGrid
	}
	if n := st.Nearest; n != nil {
		props["nearest_station"] = nearOf(n)
	}
	if n := st.NearPlace; n != nil {
		props["near_place"] = &placeNear{Name: n.Name, DistanceM: round1(n.DistanceM)}
	}
	return props
}

// suggestMethod says how the sites were chosen.
const suggestMethod = "greedy maximal covering (lazy evaluation): each site covers the most demand still uncovered, today's and the planned records staying where they are; " +
	"ties go to the most uncovered area (gains within 2% of a circle count as equal), then to the site farthest from every record and site chosen; " +
	"covered demand is submodular, so the choice covers at least 1 - 1/e (63%) of the best possible choice of n sites"

// suggestTimeMethod is how sites are chosen by time on the roads, after
// suggestMethod: a search on the roads from every candidate would be
// thousands of searches, so a shortlist is drawn by the circle and
// measured on the roads (plan.pickByTime).
var suggestTimeMethod = fmt.Sprintf("; by time on the road network, the straight-line circle of the same minutes (radius_m) draws a shortlist of %d sites per site wanted (at most %d), "+
	"each measured by one search on the roads; the greedy picks among them by the demand each newly reaches by travel time, "+
	"then the chosen sites are measured on the roads, each in the order chosen by its own search: newly_covered_km2, demand_gain and the with_suggested scenario are on the roads",
	plan.ShortlistPerSite, plan.MaxShortlist)

// suggestAnswer renders res in the CRS of cv.
func suggestAnswer(res *plan.Suggestion, cv coords) collection {
	feats := make([]feature, 0, len(res.Sites))
	// The sites are added to the planned records' coverage.
	cum := res.Scenarios[1].Summary.CoveredPct * res.Summary.GridAreaM2 / 100
	for i, st := range res.Sites {
		cum += st.NewlyCoveredM2
		feats = append(feats, newFeature("site-"+strconv.Itoa(i+1), newPoint(cv.out(st.Point)), siteProps(res, i, cum)))
	}
	return collection{features: feats, members: struct {
		coverageSummary
		CoveredPctAfter     float64  `json:"covered_pct_after"`
		CoveredKm2After     float64  `json:"covered_km2_after"`
		DemandCoveredBefore float64  `json:"demand_covered_before"`
		DemandCoveredAfter  float64  `json:"demand_covered_after"`
		CandidatesFrom      []string `json:"candidates_from"`
		NumberReturned      int      `json:"numberReturned"`
		SuggestionsMethod   string   `json:"suggest_method"` // how the sites were chosen; "method" is how travel was measured
	}{newCoverageSummary(&res.Coverage, cv),
		geo.Round(res.After.CoveredPct, 3), geo.Round(res.After.CoveredM2/1e6, 3),
		geo.Round(res.DemandCovered, 3), geo.Round(res.DemandAfter, 3), res.From, len(feats), sitesMethod(&res.Coverage)}}
}

// sitesMethod says how the sites of a suggestion over c were chosen.
func sitesMethod(c *plan.Coverage) string {
	if c.Method == plan.MethodNetwork {
		return suggestMethod + suggestTimeMethod
	}
	return suggestMethod
}

// SuggestGeoJSON is the answer POST /v1/coverage/suggest gives for res,
// in WGS 84: what `yizhan gaps --suggest N --suggest-out FILE` writes.
func SuggestGeoJSON(res *plan.Suggestion) ([]byte, error) {
	return suggestAnswer(res, coords{}).appendJSON(nil)
}
