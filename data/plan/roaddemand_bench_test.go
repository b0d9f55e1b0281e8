package plan

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/roads"
)

// BenchmarkRoadDemand is the road-length demand of the whole Andorra
// network for driving (summed on the lattice: more than 2,000 pieces).
func BenchmarkRoadDemand(b *testing.B) {
	n := andorra(b)
	prof := roads.DefaultProfile(roads.Drive)
	bd := n.Bound()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := roadDemand(ctx, n, bd, &prof, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSuggestRoadDemand is a suggestion of 5 sites over Andorra for
// 10 minutes of driving on a 500 m grid, with the default demand (the
// roads, at RoadPeoplePerKm) and the junctions among the candidates.
func BenchmarkSuggestRoadDemand(b *testing.B) {
	n := andorra(b)
	rng := rand.New(rand.NewPCG(5, 6))
	snap := catalog.NewSnapshot(andorraStations(b, rng, 10), 1)
	p := &Planner{Roads: n}
	minutes, cell, k := 10.0, 500.0, 5
	for _, by := range []string{"distance", "time"} {
		b.Run(by, func(b *testing.B) {
			req := &SuggestRequest{GapsRequest: GapsRequest{Area: []byte(`{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`),
				CellM: &cell, Search: Search{Minutes: &minutes, Mode: "drive", By: by}}, N: &k}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Suggest(ctx, snap, req, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCandidateByTime is what choosing sites by travel time would
// cost per candidate: one search on the roads from one junction of
// Andorra, bounded by 10 minutes of driving, its cells covered on a 500 m
// grid and the road-length demand it reaches timed.
func BenchmarkCandidateByTime(b *testing.B) {
	n := andorra(b)
	p := &Planner{Roads: n}
	area := orb.MultiPolygon{n.Bound().ToPolygon()}
	c := &coverage{area: area, reach: geo.Reach{Mode: "drive"}}
	cands := p.junctionCandidates(context.Background(), c)
	prof := capped(roads.DefaultProfile(roads.Drive))
	demand, err := roadDemand(context.Background(), n, n.Bound(), &prof, 1)
	if err != nil {
		b.Fatal(err)
	}
	g, err := geo.NewGrid(context.Background(), area, 500)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	covered := make([]bool, len(demand))
	snaps := NewSnapCache().snapper(n, &prof) // as a server keeps them
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gg := g.Clone()
		clear(covered)
		tree, err := coverByTime(ctx, n, gg, []orb.Point{cands[i%len(cands)].Point}, 600, &prof)
		if err != nil {
			b.Fatal(err)
		}
		if tree != nil {
			if err := demandByTime(ctx, tree, demand, covered, snaps); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// latticeNetwork is a generated network: size × size junctions about
// 200 m apart near 43°N, each row and column one way of the class given.
func latticeNetwork(b *testing.B, size int) *roads.Network {
	b.Helper()
	const step = 0.0025 // degrees, about 200–280 m
	var ways []roads.Way
	id := int64(1)
	node := func(r, c int) int64 { return int64(r*size + c + 1) }
	for r := 0; r < size; r++ {
		w := roads.Way{ID: id, Class: "residential"}
		h := roads.Way{ID: id + 1, Class: "tertiary"}
		id += 2
		for c := 0; c < size; c++ {
			w.Nodes = append(w.Nodes, node(r, c))
			w.Geometry = append(w.Geometry, orb.Point{100 + float64(c)*step, 43 + float64(r)*step})
			h.Nodes = append(h.Nodes, node(c, r))
			h.Geometry = append(h.Geometry, orb.Point{100 + float64(r)*step, 43 + float64(c)*step})
		}
		ways = append(ways, w, h)
	}
	n, err := roads.Build(ways)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkRoadDemandLarge is road-length demand and the junction
// candidates over the whole of a generated network of about 500,000
// edges (some 110,000 km of road: the pieces are summed on the lattice).
func BenchmarkRoadDemandLarge(b *testing.B) {
	n := latticeNetwork(b, 500)
	prof := roads.DefaultProfile(roads.Drive)
	bd := n.Bound()
	c := &coverage{area: orb.MultiPolygon{bd.ToPolygon()}, reach: geo.Reach{Mode: "drive"}}
	p := &Planner{Roads: n}
	ctx := context.Background()
	b.Logf("%+v", n.Stats())
	b.Run("demand", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := roadDemand(ctx, n, bd, &prof, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("junctions", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p.junctionCandidates(ctx, c)
		}
	})
}
