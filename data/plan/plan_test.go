package plan

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/geo"
)

func f(v float64) *float64 { return &v }

// TestReachParse checks the service circle's defaults and refusals.
func TestReachParse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		r      Reach
		radius float64
		field  string // "" when accepted
		detail string
	}{
		{"default", Reach{}, 961.5, "", ""},
		{"radius", Reach{RadiusM: f(3000)}, 3000, "", ""},
		{"truck", Reach{Minutes: f(60), Mode: "truck"}, 38461.5, "", ""},
		{"radius and minutes", Reach{RadiusM: f(3000), Minutes: f(5)}, 0, "minutes", "not both"},
		{"radius too large", Reach{RadiusM: f(600_000)}, 0, "radius_m", "radius_m must be >= 1 and <= 500000 meters, got 600000"},
		{"no minutes", Reach{Minutes: f(0)}, 0, "minutes", "minutes must be > 0 and <= 600 minutes, got 0"},
		{"NaN circuity", Reach{Circuity: f(math.NaN())}, 0, "circuity", "circuity must be"},
		{"mode", Reach{Mode: "fly"}, 0, "mode", `unknown mode "fly"`},
		{"derived too large", Reach{Minutes: f(600), SpeedKmh: f(200)}, 0, "minutes", "above the maximum 500000 m"},
	} {
		g, err := tc.r.Parse()
		var pe *Error
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: Parse() = %v; want %v m", tc.name, err, tc.radius)
		case tc.field == "" && geo.Round1(g.Radius()) != tc.radius:
			t.Errorf("%s: Parse() radius = %v; want %v", tc.name, g.Radius(), tc.radius)
		case tc.field != "" && (!errors.As(err, &pe) || pe.Field != tc.field || !strings.Contains(pe.Detail, tc.detail)):
			t.Errorf("%s: Parse() = %#v; want a refusal of %s saying %q", tc.name, err, tc.field, tc.detail)
		}
	}
}

// TestStoppedWrapsTheContext checks that a canceled request is
// Unavailable and still says why, for callers that test errors.Is.
func TestStoppedWrapsTheContext(t *testing.T) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	snap := catalog.NewSnapshot(nil, 0)
	p := &Planner{Layers: layers}
	_, gerr := p.Gaps(ctx, snap, &GapsRequest{Region: "150000"}, nil)
	_, rerr := p.Route(ctx, snap, &RouteRequest{Route: &Line{Type: "LineString", Coordinates: Positions{{111, 40}, {112, 41}}}}, nil)
	for name, err := range map[string]error{"Gaps": gerr, "Route": rerr} {
		var pe *Error
		if !errors.As(err, &pe) || !pe.Unavailable || !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context = %#v; want an Unavailable *Error wrapping context.Canceled", name, err)
		}
	}
}

// TestRegionRefused checks the refusals of a region.
func TestRegionRefused(t *testing.T) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	snap := catalog.NewSnapshot(nil, 0)
	for _, tc := range []struct {
		p      *Planner
		req    GapsRequest
		field  string
		detail string
	}{
		{&Planner{Layers: layers}, GapsRequest{Region: "Atlantis"}, "region", `unknown region "Atlantis" (known: Inner Mongolia / 内蒙古自治区 / 150000; China / 中国 / CN)`},
		{&Planner{}, GapsRequest{Region: "150000"}, "region", "no bundled regions"},
		{&Planner{Layers: layers}, GapsRequest{}, "area", "give an area"},
		{&Planner{Layers: layers}, GapsRequest{Region: "150000", Area: []byte(`{"type":"Polygon"}`)}, "area", "area is not a valid GeoJSON Polygon"},
		{&Planner{Layers: layers}, GapsRequest{Region: "150000", CellM: f(5)}, "cell_m", "cell_m must be from"},
	} {
		_, err := tc.p.Gaps(context.Background(), snap, &tc.req, nil)
		var pe *Error
		if !errors.As(err, &pe) || pe.Field != tc.field || !strings.Contains(pe.Detail, tc.detail) || pe.Unavailable {
			t.Errorf("Gaps(%+v) = %v; want a refusal of %s saying %q", tc.req, err, tc.field, tc.detail)
		}
	}
}
