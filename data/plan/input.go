package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/geo"
)

// Coords converts the positions of a request given in another CRS than
// WGS 84 (GCJ-02, BD-09) to WGS 84. A nil Coords means WGS 84.
type Coords interface {
	ToWGS84(orb.Point) orb.Point
	String() string // the CRS's name, for messages
}

// given reports whether raw holds a value: absent members and null do not.
func given(raw json.RawMessage) bool {
	return len(raw) > 0 && string(bytes.TrimSpace(raw)) != "null"
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

// ParseGeometry reads raw as a GeoJSON geometry, a Feature holding one, or
// a FeatureCollection of exactly one Feature. A malformed document never
// panics: orb's decoder is guarded. The error completes a sentence that
// starts with the input's name ("area is not valid GeoJSON").
func ParseGeometry(raw json.RawMessage) (g orb.Geometry, err error) {
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
	return nil, fmt.Errorf("has unknown GeoJSON type %s", geo.Quote(t))
}

// areaStopped is the answer to an area whose check did not finish: a
// refusal naming the defect or the work limit, or Unavailable when the
// deadline passed while checking it.
func areaStopped(err error, timeout time.Duration) error {
	return stopped(err, "area", fmt.Sprintf("checking the area took longer than the limit of %v and was stopped: simplify the polygon (fewer positions and holes) or send a smaller area, or retry later", timeout))
}

// parseArea reads and validates an area polygon: a Polygon or
// MultiPolygon (or a Feature of one), within geo.MaxAreaVertices, spanning
// at most 180° of longitude (so not across the antimeridian either), valid
// by geo.ValidateArea; given in cv, it is converted to WGS 84 and checked
// again as converted.
func parseArea(ctx context.Context, raw json.RawMessage, cv Coords, timeout time.Duration) (orb.MultiPolygon, error) {
	g, err := ParseGeometry(raw)
	if err != nil {
		return nil, bad("area", "area %v", err)
	}
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, bad("area", "area must be a GeoJSON Polygon or MultiPolygon (or a Feature of one), got a %s", g.GeoJSONType())
	}
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	if n > geo.MaxAreaVertices {
		return nil, bad("area", "area has %d positions; the limit is %d: simplify the polygon", n, geo.MaxAreaVertices)
	}
	// The span is checked first: it is cheap, and it is the reason to give
	// for the whole-world rectangle.
	if b := mp.Bound(); b.Max[0]-b.Min[0] > 180 {
		return nil, bad("area", "area spans %.1f° of longitude (from %v to %v); areas must span at most 180° of longitude: split a wider area into parts, and an area across the ±180° meridian at that meridian, as RFC 7946 §3.1.9 asks",
			b.Max[0]-b.Min[0], b.Min[0], b.Max[0])
	}
	if err := geo.ValidateAreaContext(ctx, mp); err != nil {
		return nil, areaStopped(err, timeout)
	}
	if cv == nil {
		return mp, nil
	}
	// Positions given in another CRS are checked as given (so that a
	// defect is named where the client drew it), then as converted.
	mp = geo.Geometry(mp, cv.ToWGS84).(orb.MultiPolygon)
	if err := geo.ValidateAreaContext(ctx, mp); err != nil {
		if ctx.Err() != nil {
			return nil, areaStopped(err, timeout)
		}
		return nil, &Error{Field: "area", Detail: fmt.Sprintf("as converted from %s to WGS 84: %v", cv, err), Err: err}
	}
	return mp, nil
}

// Candidate is one allowed site of a suggestion.
type Candidate struct {
	ID     string
	Point  orb.Point // WGS 84
	Source string    // CandidatesGiven, CandidatesPlaces, CandidatesDemand, ...
	Name   string    // the place's name, for automatic candidates
}

// parseCandidates reads a FeatureCollection of Point features (or a
// MultiPoint) of allowed sites, at most MaxCandidates; none when raw is absent.
func parseCandidates(raw json.RawMessage, cv Coords) ([]Candidate, error) {
	if !given(raw) {
		return nil, nil
	}
	t, err := geoType(raw)
	if err != nil {
		return nil, bad("candidates", "candidates %v", err)
	}
	var out []Candidate
	add := func(id string, g orb.Geometry, i int) error {
		p, ok := g.(orb.Point)
		if !ok {
			return bad("candidates", "candidate %d must be a Point, got %v", i, geomType(g))
		}
		if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
			return bad("candidates", "candidate %d [%v, %v] is out of range (longitude in [-180, 180], latitude in [-90, 90])", i, p[0], p[1])
		}
		if cv != nil {
			p = cv.ToWGS84(p)
		}
		out = append(out, Candidate{ID: id, Point: p, Source: CandidatesGiven})
		return nil
	}
	switch t {
	case "FeatureCollection":
		fc, err := unmarshalFC(raw)
		if err != nil {
			return nil, bad("candidates", "candidates is not a valid GeoJSON FeatureCollection: %v", err)
		}
		if len(fc.Features) > MaxCandidates {
			return nil, bad("candidates", "%d candidates; the limit is %d", len(fc.Features), MaxCandidates)
		}
		for i, f := range fc.Features {
			id := strconv.Itoa(i)
			if f.ID != nil {
				id = fmt.Sprint(f.ID)
			}
			if err := add(id, f.Geometry, i); err != nil {
				return nil, err
			}
		}
	case "MultiPoint":
		g, err := ParseGeometry(raw)
		if err != nil {
			return nil, bad("candidates", "candidates %v", err)
		}
		mp, _ := g.(orb.MultiPoint)
		if len(mp) > MaxCandidates {
			return nil, bad("candidates", "%d candidates; the limit is %d", len(mp), MaxCandidates)
		}
		for i, p := range mp {
			if err := add(strconv.Itoa(i), p, i); err != nil {
				return nil, err
			}
		}
	default:
		return nil, bad("candidates", "candidates must be a GeoJSON FeatureCollection of Point features (or a MultiPoint), got a %s", t)
	}
	if len(out) == 0 {
		return nil, bad("candidates", "candidates is empty; leave it out to let the server draw candidates from the uncovered cells")
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
