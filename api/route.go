package api

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"yizhan/data/plan"
	"yizhan/geo"
)

// Limits and defaults of POST /v1/route/stations, defined in data/plan.
const (
	DefaultCorridorM       = plan.DefaultCorridorM
	MaxCorridorM           = plan.MaxCorridorM
	DefaultMaxGapKm        = plan.DefaultMaxGapKm
	DefaultRouteSpeedKmh   = plan.DefaultRouteSpeedKmh
	DefaultMaxDriveMinutes = plan.DefaultMaxDriveMinutes
	MinRestMinutes         = plan.MinRestMinutes
	MaxDriveMinutes        = plan.MaxDriveMinutes
	MaxRouteLookups        = plan.MaxRouteLookups
)

// routeSummary is the foreign members of a route answer, in the order
// they are written.
type routeSummary struct {
	RouteLengthKm  float64       `json:"route_length_km"`
	CorridorM      float64       `json:"corridor_m"`
	StationsCount  int           `json:"stations_count"`
	MaxGapM        float64       `json:"max_gap_m"`
	MaxGapHow      string        `json:"max_gap_derivation"`
	GapsCount      int           `json:"gaps_count"`
	LongestGapKm   float64       `json:"longest_gap_km"`
	RestPlan       plan.RestPlan `json:"rest_plan"`
	Filter         filterJSON    `json:"filter"`
	Method         string        `json:"method"`
	AlongHow       string        `json:"along_derivation"`
	Trip           *tripJSON     `json:"trip,omitempty"`
	NumberReturned int           `json:"numberReturned"`
	Query          crsJSON       `json:"query"`
}

// routeAnswer renders res in the CRS of cv: the route, the records
// within corridor_m of it ordered by distance along it, the stretches
// longer than the allowed gap with none, then the summary with the rest
// plan.
func routeAnswer(res *plan.Along, cv coords) collection {
	r := res.Route
	feats := make([]feature, 0, 1+len(res.Hits)+len(res.Gaps))
	routeProps := map[string]any{"role": "route", "length_m": round1(r.Length()), "length_km": geo.Round(r.Length()/1000, 3)}
	method, trip := plan.MethodStraightLine, newTripJSON(res.Trip, cv)
	if trip != nil {
		method = trip.Method
		routeProps["duration_s"], routeProps["distance_m"], routeProps["method"] = trip.DurationS, trip.DistanceM, trip.Method
	}
	feats = append(feats, newFeature("route", newLine(cv.outGeom(r.Line()).(orb.LineString)), routeProps))
	props := make([]extraProp, 0, 5*len(res.Hits)) // one allocation for every station's props
	for i, h := range res.Hits {
		n := len(props)
		props = append(props, floatProp("along_m", round1(h.AlongM)), floatProp("offset_m", round1(h.OffsetM)),
			stringProp("role", "station"), stringProp("side", h.Side))
		if no := res.Rest.StopAt(i); no > 0 {
			props = append(props, intProp("rest_stop", no))
		}
		feats = append(feats, recordFeature(res.Station(i), res.Lang).with(props[n:len(props):len(props)]...))
	}
	cv.outFeatures(feats)
	longest := 0.0
	for i, g := range res.Gaps {
		longest = math.Max(longest, g.LengthM())
		feats = append(feats, newFeature("gap-"+strconv.Itoa(i+1), newLine(cv.outGeom(g.Line).(orb.LineString)),
			map[string]any{"role": "gap", "from_along_m": round1(g.FromM), "to_along_m": round1(g.ToM),
				"length_m": round1(g.LengthM()), "length_km": geo.Round(g.LengthM()/1000, 3)}))
	}
	return collection{features: feats, members: &routeSummary{
		RouteLengthKm: geo.Round(r.Length()/1000, 3), CorridorM: res.CorridorM, StationsCount: len(res.Hits), MaxGapM: round1(res.MaxGapM),
		MaxGapHow: res.MaxGapHow, GapsCount: len(res.Gaps), LongestGapKm: geo.Round(longest/1000, 3), RestPlan: res.Rest,
		Filter:         newFilterJSON(res.Filter, res.Lang),
		Method:         method,
		AlongHow:       "route segments are great-circle arcs; along_m is the distance along the route to the nearest point, offset_m the great-circle distance to it, side left or right of the direction of travel",
		Trip:           trip,
		NumberReturned: len(feats),
		Query:          cv.echo(),
	}}
}

// RouteGeoJSON is the answer POST /v1/route/stations gives for res, in
// WGS 84: what `yizhan route --out` writes, byte for byte.
func RouteGeoJSON(res *plan.Along) ([]byte, error) {
	return routeAnswer(res, coords{}).appendJSON(nil)
}
