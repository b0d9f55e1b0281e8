package bundled

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// TestBundledRoutesUseSourcedPoints checks that every waypoint of every
// example route is exactly a point of the shared source files, so that no
// route position is typed in by hand.
func TestBundledRoutesUseSourcedPoints(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "data")
	files := []string{
		"admin/inner_mongolia_league_seats.geojson",
		"places/inner_mongolia_places_geonames.geojson",
		"ports/inner_mongolia_ports.geojson",
	}
	sourced := map[orb.Point]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(shared, f))
		if err != nil {
			t.Skipf("SKIPPED: shared data not found beside the checkout (%v)", err)
		}
		var fc struct {
			Features []struct {
				Geometry struct {
					Coordinates [2]float64 `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, ft := range fc.Features {
			sourced[orb.Point(ft.Geometry.Coordinates)] = true
		}
	}
	routes, err := Routes()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		for i, p := range r.Line {
			if !sourced[p] {
				t.Errorf("route %s position %d %v is not a point of the shared source files", r.ID, i, p)
			}
		}
	}
}
