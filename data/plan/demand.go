package plan

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/geo"
)

// Limits of a request's demand.
const (
	// MaxDemandPoints bounds the demand points of a request, given as
	// GeoJSON or CSV.
	MaxDemandPoints = 100_000
	// MaxDemandWeight bounds one point's weight.
	MaxDemandWeight = 1e9
)

// The ways a request's demand is given, as answers name them in
// demand_from.
const (
	DemandDefault = "default" // the bundled places and ports (bundled.DefaultDemand), and road length on a network (roaddemand.go)
	DemandGiven   = "geojson" // "demand": a FeatureCollection of Points
	DemandCSV     = "csv"     // "demand_csv"
	DemandNone    = "none"    // "demand": "none": area only
)

// DemandExample is a demand member as JSON, for messages.
const DemandExample = `{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [111.98, 43.65]}, "properties": {"weight": 1500, "name": "Erenhot"}}]}`

// Demand is the weighted demand of a request: points with weights in the
// demand's own unit, and a name for each where one was given.
type Demand struct {
	From   string // DemandDefault, DemandGiven, DemandCSV or DemandNone
	Unit   string // the unit of the weights: bundled.DemandUnit for the default, else "weight"
	Points []geo.DemandPoint
	Names  []data.Names // per point; empty names where none was given
	// RoadPoints counts the points of road-length demand (roaddemand.go),
	// the last ones of Points: the default's roads, or all of "roads".
	RoadPoints int
}

// parseDemand reads the demand of req in cv (nil: WGS 84): demand
// (a FeatureCollection of Points with a numeric "weight", or "none",
// "default" or "roads"), or demand_csv; neither gives the default (the
// bundled places and ports, and where a network is loaded the road length
// of c's area in people at RoadPeoplePerKm).
func (p *Planner) parseDemand(ctx context.Context, req *GapsRequest, cv Coords, c *coverage) (*Demand, error) {
	hasGeo := given(req.Demand)
	if hasGeo && req.DemandCSV != "" {
		return nil, bad("demand", "give demand or demand_csv, not both")
	}
	if req.DemandCSV != "" {
		return parseDemandCSV(req.DemandCSV, cv)
	}
	if hasGeo {
		var word string
		if json.Unmarshal(req.Demand, &word) == nil {
			switch strings.ToLower(strings.TrimSpace(word)) {
			case DemandNone:
				return &Demand{From: DemandNone}, nil
			case DemandDefault:
				return p.defaultDemand(ctx, c)
			case DemandRoads:
				if p.Roads == nil {
					return nil, bad("demand", `"demand": "roads" counts the length of the loaded road network, and this server has none; give demand points, "default" or "none"`)
				}
				d := &Demand{From: DemandRoads, Unit: RoadDemandUnit}
				return d, p.addRoadDemand(ctx, c, d, 1)
			}
			return nil, bad("demand", `demand must be a GeoJSON FeatureCollection of Points with a numeric "weight" property, "none" (area only), "default" (the bundled places and ports, and the road length where a road network is loaded) or "roads" (the road length alone, in km), got %s`, geo.Quote(word))
		}
		return parseDemandGeoJSON(req.Demand, cv)
	}
	return p.defaultDemand(ctx, c)
}

// defaultDemand is the bundled demand, and the road length of c's area
// where a network is loaded (people at RoadPeoplePerKm); none on a server
// with neither.
func (p *Planner) defaultDemand(ctx context.Context, c *coverage) (*Demand, error) {
	if p.Layers == nil {
		if p.Roads == nil {
			return &Demand{From: DemandNone}, nil
		}
		d := &Demand{From: DemandDefault, Unit: bundled.DemandUnit}
		return d, p.addRoadDemand(ctx, c, d, RoadPeoplePerKm)
	}
	pts, err := p.Layers.DefaultDemand()
	if err != nil {
		return nil, fmt.Errorf("default demand: %w", err)
	}
	d := &Demand{From: DemandDefault, Unit: bundled.DemandUnit, Points: make([]geo.DemandPoint, len(pts)), Names: make([]data.Names, len(pts))}
	for i, pt := range pts {
		d.Points[i] = geo.DemandPoint{Point: pt.Point, Weight: pt.Weight}
		d.Names[i] = pt.Name
	}
	return d, p.addRoadDemand(ctx, c, d, RoadPeoplePerKm)
}

// demandPoint checks one point of given demand (i counts from 0).
func demandPoint(i int, p orb.Point, w float64, cv Coords) (geo.DemandPoint, error) {
	if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
		return geo.DemandPoint{}, bad("demand", "demand point %d [%v, %v] is out of range (longitude in [-180, 180], latitude in [-90, 90])", i, p[0], p[1])
	}
	if !(w >= 0 && w <= MaxDemandWeight) {
		return geo.DemandPoint{}, bad("demand", "demand point %d has weight %s; a weight must be a number from 0 to %s", i, geo.Num(w), geo.Num(MaxDemandWeight))
	}
	if cv != nil {
		p = cv.ToWGS84(p)
	}
	return geo.DemandPoint{Point: p, Weight: w}, nil
}

// parseDemandGeoJSON reads a FeatureCollection of Point features, each
// with a numeric "weight" property (absent: 1) and an optional "name".
func parseDemandGeoJSON(raw json.RawMessage, cv Coords) (*Demand, error) {
	t, err := geoType(raw)
	if err != nil {
		return nil, bad("demand", "demand %v; send for example %s", err, DemandExample)
	}
	if t != "FeatureCollection" {
		return nil, bad("demand", "demand must be a GeoJSON FeatureCollection of Point features, got a %s", t)
	}
	fc, err := unmarshalFC(raw)
	if err != nil {
		return nil, bad("demand", "demand is not a valid GeoJSON FeatureCollection: %v", err)
	}
	if len(fc.Features) > MaxDemandPoints {
		return nil, bad("demand", "%d demand points; the limit is %d: aggregate nearby points", len(fc.Features), MaxDemandPoints)
	}
	if len(fc.Features) == 0 {
		return nil, bad("demand", `demand has no features; send "demand": "none" for area only`)
	}
	d := &Demand{From: DemandGiven, Unit: "weight", Points: make([]geo.DemandPoint, 0, len(fc.Features)), Names: make([]data.Names, 0, len(fc.Features))}
	for i, f := range fc.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			return nil, bad("demand", "demand feature %d must be a Point, got %v", i, geomType(f.Geometry))
		}
		w := 1.0
		if v, ok := f.Properties["weight"]; ok {
			n, ok := v.(float64)
			if !ok {
				return nil, bad("demand", `demand feature %d: "weight" must be a number, got %v`, i, jsonTypeName(v))
			}
			w = n
		}
		dp, err := demandPoint(i, p, w, cv)
		if err != nil {
			return nil, err
		}
		name, _ := f.Properties["name"].(string)
		d.Points = append(d.Points, dp)
		d.Names = append(d.Names, data.Names{ZH: geo.Clip(name, 200)})
	}
	return d, nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// parseDemandCSV reads CSV (RFC 4180, a UTF-8 byte-order mark allowed)
// with a header naming lon, lat and weight columns (any order, any case;
// weight optional, default 1; a name column optional); other columns are
// ignored.
func parseDemandCSV(s string, cv Coords) (*Demand, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, bad("demand_csv", "demand_csv has no header row (want lon,lat,weight): %v", err)
	}
	col := map[string]int{"lon": -1, "lat": -1, "weight": -1, "name": -1}
	for i, h := range head {
		k := strings.ToLower(strings.TrimSpace(h))
		switch k {
		case "lng", "longitude", "x":
			k = "lon"
		case "latitude", "y":
			k = "lat"
		}
		if c, ok := col[k]; ok && c < 0 {
			col[k] = i
		}
	}
	if col["lon"] < 0 || col["lat"] < 0 {
		return nil, bad("demand_csv", "demand_csv's header %s must name a lon and a lat column (and a weight column, else every weight is 1)", geo.Quote(strings.Join(head, ",")))
	}
	d := &Demand{From: DemandCSV, Unit: "weight"}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("demand_csv", "demand_csv: %v", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(d.Points) == MaxDemandPoints {
			return nil, bad("demand", "more than %d demand points; the limit is %d: aggregate nearby points", MaxDemandPoints, MaxDemandPoints)
		}
		num := func(name string, def float64) (float64, error) {
			c := col[name]
			if c < 0 {
				return def, nil
			}
			if c >= len(rec) {
				return 0, bad("demand_csv", "demand_csv line %d has no %s value", line, name)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[c]), 64)
			if err != nil || math.IsInf(v, 0) {
				return 0, bad("demand_csv", "demand_csv line %d: %s %s is not a number", line, name, geo.Quote(geo.Clip(rec[c], 40)))
			}
			return v, nil
		}
		lon, err := num("lon", 0)
		if err != nil {
			return nil, err
		}
		lat, err := num("lat", 0)
		if err != nil {
			return nil, err
		}
		w, err := num("weight", 1)
		if err != nil {
			return nil, err
		}
		dp, err := demandPoint(line-2, orb.Point{lon, lat}, w, cv)
		if err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				pe.Field, pe.Detail = "demand_csv", fmt.Sprintf("demand_csv line %d: %s", line, pe.Detail)
			}
			return nil, err
		}
		var name string
		if c := col["name"]; c >= 0 && c < len(rec) {
			name = geo.Clip(strings.TrimSpace(rec[c]), 200)
		}
		d.Points = append(d.Points, dp)
		d.Names = append(d.Names, data.Names{ZH: name})
	}
	if len(d.Points) == 0 {
		return nil, bad("demand_csv", `demand_csv has a header but no rows; send "demand": "none" for area only`)
	}
	return d, nil
}

// inside keeps the demand inside g's area (the cell of a point is inside).
func (d *Demand) inside(g *geo.Grid) *Demand {
	out := &Demand{From: d.From, Unit: d.Unit}
	road := len(d.Points) - d.RoadPoints
	for i, p := range d.Points {
		if g.Inside(p.Point) {
			out.Points = append(out.Points, p)
			out.Names = append(out.Names, d.Names[i])
			if i >= road {
				out.RoadPoints++
			}
		}
	}
	return out
}
