package bundled

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

func TestBundledRoutes(t *testing.T) {
	rs, err := Routes()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 4 {
		t.Fatalf("%d bundled routes; want at least 4", len(rs))
	}
	for _, r := range rs {
		t.Run(r.ID, func(t *testing.T) {
			if !strings.Contains(r.Note, "NOT a surveyed road") {
				t.Errorf("note %q does not say the route is not a surveyed road", r.Note)
			}
			if len(r.Waypoints) != len(r.Line) {
				t.Fatalf("%d waypoints for %d positions", len(r.Waypoints), len(r.Line))
			}
			var km float64
			for i, w := range r.Waypoints {
				if w.Point != r.Line[i] || w.Source == "" || w.NameEN == "" || w.NameZH == "" {
					t.Errorf("waypoint %d = %+v; want the line's position, names and a source", i, w)
				}
				// Inside or within 50 km of Inner Mongolia's box.
				if !(orb.Bound{Min: orb.Point{97, 37}, Max: orb.Point{127, 54}}).Contains(w.Point) {
					t.Errorf("waypoint %d %v is outside Inner Mongolia", i, w.Point)
				}
				if i > 0 {
					km += geo.Distance(r.Line[i-1], r.Line[i]) / 1000
				}
			}
			if math.Abs(km-r.LengthKm) > 0.1 {
				t.Errorf("length_km %v; the positions measure %.1f km", r.LengthKm, km)
			}
			if _, err := geo.NewRoute(r.Line); err != nil {
				t.Errorf("NewRoute: %v", err)
			}
		})
	}
	if _, ok := FindRoute("hohhot-erenhot"); !ok {
		t.Error("FindRoute(hohhot-erenhot) not found")
	}
}
