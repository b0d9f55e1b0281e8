package api

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// rings returns the outer rings of a Polygon or MultiPolygon geometry.
func rings(t *testing.T, g map[string]any) [][]orb.Point {
	t.Helper()
	var polys []any
	switch g["type"] {
	case "Polygon":
		polys = []any{g["coordinates"]}
	case "MultiPolygon":
		polys = g["coordinates"].([]any)
	default:
		t.Fatalf("geometry type = %v; want Polygon or MultiPolygon", g["type"])
	}
	var out [][]orb.Point
	for _, p := range polys {
		var ring []orb.Point
		for _, c := range p.([]any)[0].([]any) {
			c := c.([]any)
			ring = append(ring, orb.Point{c[0].(float64), c[1].(float64)})
		}
		if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
			t.Errorf("ring of %d points, first %v last %v; want a closed ring", len(ring), ring[0], ring[len(ring)-1])
		}
		out = append(out, ring)
	}
	return out
}

func TestCircle(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	tests := []struct {
		name   string
		target string
		center orb.Point
		radius float64
		props  map[string]any
	}{
		{"default 15 min walk", "/v1/circle?lon=111.6708&lat=40.8183", orb.Point{111.6708, 40.8183}, 961.5,
			map[string]any{"minutes": 15.0, "mode": "walk", "speed_kmh": 5.0, "circuity": 1.3}},
		{"drive", "/v1/circle?lon=111.6708&lat=40.8183&minutes=30&mode=drive", orb.Point{111.6708, 40.8183}, 15384.6,
			map[string]any{"minutes": 30.0, "mode": "drive", "speed_kmh": 40.0}},
		{"radius", "/v1/circle?lon=10&lat=-20&radius_m=2500", orb.Point{10, -20}, 2500,
			map[string]any{"derivation": "radius_m = 2500 (given)"}},
		{"station", "/v1/stations/mzl-driver/circle?minutes=15&mode=truck", orb.Point{117.3786, 49.5978}, 9615.4,
			map[string]any{"station_id": "mzl-driver", "mode": "truck"}},
		{"across the antimeridian", "/v1/circle?lon=179.99&lat=0&radius_m=50000", orb.Point{179.99, 0}, 50000, nil},
		{"around the north pole", "/v1/circle?lon=30&lat=89.9&radius_m=100000", orb.Point{30, 89.9}, 100000, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, s, tc.target)
			if r.status != 200 {
				t.Fatalf("GET %s = %d\n%s", tc.target, r.status, r.raw)
			}
			if r.body["type"] != "Feature" || r.header.Get("Content-Type") != "application/geo+json" {
				t.Errorf("GET %s = %v %s; want a geo+json Feature", tc.target, r.body["type"], r.header.Get("Content-Type"))
			}
			props := r.body["properties"].(map[string]any)
			if props["radius_m"] != tc.radius {
				t.Errorf("radius_m = %v; want %v", props["radius_m"], tc.radius)
			}
			if c := props["center"].([]any); c[0] != tc.center[0] || c[1] != tc.center[1] {
				t.Errorf("center = %v; want %v", c, tc.center)
			}
			if d, _ := props["derivation"].(string); !strings.HasPrefix(d, "radius_m = ") {
				t.Errorf("derivation = %q; want the formula", d)
			}
			for k, want := range tc.props {
				if props[k] != want {
					t.Errorf("%s = %v; want %v", k, props[k], want)
				}
			}
			g := r.body["geometry"].(map[string]any)
			if strings.Contains(tc.name, "antimeridian") && g["type"] != "MultiPolygon" {
				t.Errorf("geometry type = %v; want a MultiPolygon split at ±180°", g["type"])
			}
			for _, ring := range rings(t, g) {
				for _, p := range ring {
					if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
						t.Errorf("vertex %v outside WGS 84 range", p)
					}
					// Vertices lie on the circle, except the corners at
					// ±180° and ±90° that close a split or polar ring.
					if math.Abs(math.Abs(p[0])-180) < 1e-9 && math.Abs(math.Abs(p[1])-90) < 1e-9 {
						continue
					}
					if d := geo.Distance(tc.center, p); math.Abs(d-tc.radius) > tc.radius*0.001+0.1 {
						t.Errorf("vertex %v is %.1f m from the center; want %v", p, d, tc.radius)
					}
				}
			}
		})
	}
}
