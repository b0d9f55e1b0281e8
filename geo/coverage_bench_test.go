package geo

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// bundledStationPoints reads the positions of the bundled records straight
// from the data set file (geo may not import data).
func bundledStationPoints(tb testing.TB) []orb.Point {
	tb.Helper()
	b, err := os.ReadFile("../data/bundled/stations.geojson")
	if err != nil {
		tb.Skipf("bundled stations not available: %v", err)
	}
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		tb.Fatal(err)
	}
	pts := make([]orb.Point, 0, len(fc.Features))
	for _, f := range fc.Features {
		if p, ok := f.Geometry.(orb.Point); ok {
			pts = append(pts, p)
		}
	}
	return pts
}

// randomInside draws n points uniformly (in lon/lat) inside area.
func randomInside(rng *rand.Rand, area orb.MultiPolygon, n int) []orb.Point {
	b := area.Bound()
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if areaContains(area, p) {
			pts = append(pts, p)
		}
	}
	return pts
}

// BenchmarkCoverageInnerMongolia is the whole province at 1 km cells:
// grid, cover, summary and traced gaps, under a cancelable context (as the
// server runs it) so that the cost of the per-row checks is measured.
func BenchmarkCoverageInnerMongolia(b *testing.B) {
	im := loadInnerMongolia(b)
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name     string
		stations []orb.Point
		radius   float64
	}{
		{"bundled/walk15", bundledStationPoints(b), 961.5},
		{"bundled/truck60", bundledStationPoints(b), 38461.5},
		{"10k/walk15", randomInside(rng, im, 10000), 961.5},
		{"10k/drive15", randomInside(rng, im, 10000), 7692.3},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			var gaps []Gap
			var s CoverageSummary
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for i := 0; i < b.N; i++ {
				var err error
				_, s, gaps, err = CoverageContext(ctx, im, tc.stations, tc.radius, 1000)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(s.CoveredPct, "covered_pct")
			b.ReportMetric(float64(len(gaps)), "gaps")
		})
	}
}
