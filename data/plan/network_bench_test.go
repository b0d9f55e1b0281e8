package plan

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
)

// BenchmarkNearestByTime is the nearest 5 records by drive time from
// random points in Andorra, among 200 records, with the records' snaps
// cached as a server keeps them.
func BenchmarkNearestByTime(b *testing.B) {
	n := andorra(b)
	rng := rand.New(rand.NewPCG(1, 2))
	snap := catalog.NewSnapshot(andorraStations(b, rng, 200), 1)
	p := &Planner{Roads: n, Snaps: NewSnapCache()} // as a server runs it
	pts := make([]orb.Point, 64)
	for i := range pts {
		pts[i] = orb.Point{1.48 + rng.Float64()*0.2, 42.47 + rng.Float64()*0.1}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = p.ByTime(ctx, snap, &TimedRequest{From: pts[i%len(pts)], K: 5, Travel: Travel{Mode: "drive"}})
	}
}

// BenchmarkGapsByTime is the coverage of Andorra by 15 minutes of
// driving from 30 records at once, on a 250 m grid, cold and cached.
func BenchmarkGapsByTime(b *testing.B) {
	n := andorra(b)
	rng := rand.New(rand.NewPCG(5, 6))
	snap := catalog.NewSnapshot(andorraStations(b, rng, 30), 1)
	minutes, cell := 15.0, 250.0
	req := &GapsRequest{Area: []byte(`{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`),
		CellM: &cell, Search: Search{Minutes: &minutes, Mode: "drive", By: "time"}}
	ctx := context.Background()
	// cold: nothing kept between requests; cached: the road demand,
	// junctions and snaps kept, as a server keeps them.
	for _, bc := range []struct {
		name  string
		snaps *SnapCache
	}{{"cold", nil}, {"cached", NewSnapCache()}} {
		b.Run(bc.name, func(b *testing.B) {
			p := &Planner{Roads: n, Snaps: bc.snaps}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Gaps(ctx, snap, req, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSuggestByTime is 5 sites for Andorra by 15 minutes of driving
// from 30 records (20 open, 10 planned), candidates drawn automatically
// (the network's junctions and a grid), on a 250 m grid: the three
// scenarios on the roads and a search per chosen site.
func BenchmarkSuggestByTime(b *testing.B) {
	n := andorra(b)
	rng := rand.New(rand.NewPCG(5, 6))
	sts := andorraStations(b, rng, 30)
	for _, st := range sts[20:] {
		st.Status = data.StatusPlanned
	}
	snap := catalog.NewSnapshot(sts, 1)
	minutes, cell, sites := 15.0, 250.0, 5
	req := &SuggestRequest{GapsRequest: GapsRequest{Area: []byte(`{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`),
		CellM: &cell, Search: Search{Minutes: &minutes, Mode: "drive", By: "time"}}, N: &sites}
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		snaps *SnapCache
	}{{"cold", nil}, {"cached", NewSnapCache()}} {
		b.Run(bc.name, func(b *testing.B) {
			p := &Planner{Roads: n, Snaps: bc.snaps}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Suggest(ctx, snap, req, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
