package workload

import (
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// TestShape checks the workload is what it claims: every point in the
// area, records valid, and clustered (a 15 km circle around a query point
// holds far more records than the uniform share would put there).
func TestShape(t *testing.T) {
	w := New(1)
	sts := w.Stations(20000, 2)
	for _, st := range sts {
		if errs := st.Validate(); errs != nil {
			t.Fatalf("record %s is invalid: %v", st.ID, errs)
		}
		p := st.Location
		if p[0] < LonMin || p[0] > LonMax || p[1] < LatMin || p[1] > LatMax {
			t.Fatalf("record %s at %v is outside the area", st.ID, p)
		}
	}
	// Mean count of records within 15 km of the query points, against the
	// count a uniform spread of the same records would give.
	qs := w.Points(200, 3)
	total := 0
	for _, q := range qs {
		for _, st := range sts {
			if geo.Distance(q, st.Location) <= 15000 {
				total++
			}
		}
	}
	mean := float64(total) / float64(len(qs))
	area := geo.Area(orb.Bound{Min: orb.Point{LonMin, LatMin}, Max: orb.Point{LonMax, LatMax}}.ToPolygon())
	uniformMean := float64(len(sts)) * (3.14159 * 15000 * 15000) / area
	if mean < 8*uniformMean {
		t.Errorf("a 15 km circle holds %.1f records on average, a uniform spread %.1f; want clustered (8× or more; about 15× by design)", mean, uniformMean)
	}
	// The same seed gives the same records.
	again := New(1).Stations(10, 2)
	for i := range again {
		if again[i].Location != sts[i].Location || again[i].ID != sts[i].ID {
			t.Fatalf("record %d differs between two draws of one seed", i)
		}
	}
}
