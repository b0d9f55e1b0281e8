package roads

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// gridWays is a generated road network for the scale benchmarks: a
// rows×cols lattice about 600 m apart (jittered) south-west of
// Inner Mongolia's Erenhot, cut into ways of 10 lattice steps along rows
// and columns. Every 100th line is a motorway, every 20th a primary road,
// the rest tertiary or residential; one way in 20 is one-way. Each
// lattice point where lines cross is a junction, so the graph has about
// 2·rows·cols edges.
func gridWays(rows, cols int, seed uint64) []Way {
	rng := rand.New(rand.NewPCG(seed, 7))
	const dLon, dLat = 0.0075, 0.0054 // ~600 m at 43.6° N
	pos := func(r, c int) orb.Point {
		return orb.Point{106 + float64(c)*dLon + (rng.Float64()-0.5)*dLon*0.3, 40 + float64(r)*dLat + (rng.Float64()-0.5)*dLat*0.3}
	}
	pts := make([]orb.Point, rows*cols)
	for r := range rows {
		for c := range cols {
			pts[r*cols+c] = pos(r, c)
		}
	}
	class := func(line int) string {
		switch {
		case line%100 == 0:
			return "motorway"
		case line%20 == 0:
			return "primary"
		case rng.IntN(3) == 0:
			return "tertiary"
		}
		return "residential"
	}
	var ways []Way
	id := int64(1)
	add := func(cls string, nodes []int) {
		w := Way{ID: id, Class: cls}
		id++
		if rng.IntN(20) == 0 && cls != "motorway" {
			w.Oneway = "yes"
		}
		for _, k := range nodes {
			w.Nodes = append(w.Nodes, int64(k+1))
			w.Geometry = append(w.Geometry, pts[k])
		}
		ways = append(ways, w)
	}
	for r := range rows {
		cls := class(r)
		for c0 := 0; c0 < cols-1; c0 += 10 {
			var nodes []int
			for c := c0; c <= min(cols-1, c0+10); c++ {
				nodes = append(nodes, r*cols+c)
			}
			add(cls, nodes)
		}
	}
	for c := range cols {
		cls := class(c)
		for r0 := 0; r0 < rows-1; r0 += 10 {
			var nodes []int
			for r := r0; r <= min(rows-1, r0+10); r++ {
				nodes = append(nodes, r*cols+c)
			}
			add(cls, nodes)
		}
	}
	return ways
}

// TestGraphBytesPerEdge holds the graph to 48 bytes a directed edge
// (geometry apart), on a generated network and the Andorra one.
func TestGraphBytesPerEdge(t *testing.T) {
	n, err := Build(gridWays(200, 200, 1))
	if err != nil {
		t.Fatal(err)
	}
	s := n.Stats()
	per := float64(s.GraphBytes) / float64(s.Edges)
	t.Logf("200×200 grid: %d nodes, %d directed edges, %.1f graph bytes per directed edge, %d geometry bytes", s.Nodes, s.Edges, per, s.GeometryBytes)
	if per > 48 {
		t.Fatalf("%.1f graph bytes per directed edge, more than 48", per)
	}
	if s.Edges != 2*2*200*199 {
		t.Fatalf("%d directed edges, want %d", s.Edges, 2*2*200*199)
	}
}

var big = sync.OnceValues(func() (*Network, error) { return Build(gridWays(1000, 1000, 1)) })

func bigNetwork(b *testing.B) *Network {
	n, err := big()
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkGrid2M is the scale target: a generated network of 2 million
// edges (4 million directed), a 15-minute drive reach and a 500 km truck
// route on it.
func BenchmarkGrid2M(b *testing.B) {
	n := bigNetwork(b)
	s := n.Stats()
	b.Logf("%d nodes, %d directed edges, graph %.1f MB (%.1f B/directed edge), geometry %.1f MB",
		s.Nodes, s.Edges, float64(s.GraphBytes)/1e6, float64(s.GraphBytes)/float64(s.Edges), float64(s.GeometryBytes)/1e6)
	ctx := context.Background()
	drive, truck := DefaultProfile(Drive), DefaultProfile(Truck)
	centre := n.nodePt[500*1000+500]
	// One search first, so that the scratch for a network this size (tens
	// of MB, allocated once and pooled) is not charged to the first loop.
	if _, err := n.Search(ctx, []orb.Point{centre}, 900, &drive); err != nil {
		b.Fatal(err)
	}
	b.Run("reach15min/search", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := n.Search(ctx, []orb.Point{centre}, 900, &drive); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reach15min/polygon", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := n.Reach(ctx, centre, 900, &drive); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Along the lattice (500 km east on a residential row, which the
	// route leaves for the motorways) and across its diagonal (where a
	// lattice's many near-equal staircase paths defeat any lower bound:
	// the hard case for A* and landmarks).
	routes := []struct {
		name     string
		from, to orb.Point
	}{
		{"truck500km_east", n.nodePt[550*1000+100], n.nodePt[550*1000+906]},
		{"truck500km_diagonal", n.nodePt[200*1000+200], n.nodePt[790*1000+790]},
	}
	start := time.Now()
	tab := n.table(&truck)
	lm, err := n.buildLandmarks(ctx, tab)
	if err != nil {
		b.Fatal(err)
	}
	tab.lm.Store(lm)
	lmTook := time.Since(start)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start = time.Now()
	c, err := n.buildContraction(ctx, tab)
	if err != nil {
		b.Fatal(err)
	}
	chTook := time.Since(start)
	runtime.ReadMemStats(&after)
	tab.ch.Store(c)
	b.Logf("truck landmarks: %v, %.1f MB (%.1f B/directed edge)", lmTook.Round(time.Millisecond), float64(lm.bytes())/1e6, float64(lm.bytes())/float64(s.Edges))
	b.Logf("truck hierarchy: %v (%.0f MB allocated while built), %.1f MB (%.1f B/directed edge): %d arcs of 16 B, %d of them shortcuts (%.2f per directed edge), and 8 B per junction",
		chTook.Round(time.Millisecond), float64(after.TotalAlloc-before.TotalAlloc)/1e6, float64(c.bytes())/1e6, float64(c.bytes())/float64(s.Edges),
		c.arcs(), c.shortcuts, float64(c.shortcuts)/float64(s.Edges))
	for _, rt := range routes {
		for _, a := range []struct {
			name string
			algo algorithm
		}{{"dijkstra", algoDijkstra}, {"astar", algoAStar}, {"landmarks", algoALT}, {"ch", algoCH}} {
			b.Run(rt.name+"/"+a.name, func(b *testing.B) {
				b.ReportAllocs()
				var r *Route
				for b.Loop() {
					var err error
					if r, err = n.route(ctx, []orb.Point{rt.from, rt.to}, &truck, a.algo); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(r.DistanceM/1000, "route_km")
				b.ReportMetric(r.DurationS, "route_s")
			})
		}
	}
}

func BenchmarkGrid2MBuild(b *testing.B) {
	ways := gridWays(1000, 1000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(ways); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEmptyAndBadInput: a network of no ways answers every search with an
// error, and hostile arguments are refused before any work.
func TestEmptyAndBadInput(t *testing.T) {
	ctx := context.Background()
	empty, err := Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultProfile(Drive)
	pt := orb.Point{111.9, 43.6}
	if _, err := empty.Snap(pt, &p); err == nil {
		t.Error("Snap on an empty network: no error")
	}
	if _, err := empty.Route(ctx, []orb.Point{pt, pt}, &p); err == nil {
		t.Error("Route on an empty network: no error")
	}
	if _, err := empty.Reach(ctx, pt, 900, &p); err == nil {
		t.Error("Reach on an empty network: no error")
	}
	if _, err := empty.Prepare(ctx, &p); err == nil {
		t.Error("Prepare on an empty network: no error")
	}
	n, err := Build(gridWays(20, 20, 3))
	if err != nil {
		t.Fatal(err)
	}
	c := n.nodePt[210]
	bad := DefaultProfile(Drive)
	bad.MaxSnapM = -1
	for name, err := range map[string]error{
		"NaN point":        func() error { _, err := n.Snap(orb.Point{math.NaN(), 40}, &p); return err }(),
		"lat 91":           func() error { _, err := n.Route(ctx, []orb.Point{c, {106, 91}}, &p); return err }(),
		"one point":        func() error { _, err := n.Route(ctx, []orb.Point{c}, &p); return err }(),
		"too many points":  func() error { _, err := n.Route(ctx, make([]orb.Point, MaxRoutePoints+1), &p); return err }(),
		"NaN seconds":      func() error { _, err := n.Reach(ctx, c, math.NaN(), &p); return err }(),
		"negative seconds": func() error { _, err := n.Search(ctx, []orb.Point{c}, -1, &p); return err }(),
		"huge seconds":     func() error { _, err := n.Search(ctx, []orb.Point{c}, 1e12, &p); return err }(),
		"no sources":       func() error { _, err := n.Search(ctx, nil, 60, &p); return err }(),
		"too many sources": func() error { _, err := n.Search(ctx, make([]orb.Point, MaxSources+1), 60, &p); return err }(),
		"bad profile":      func() error { _, err := n.Snap(c, &bad); return err }(),
		"cancelled": func() error {
			cx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := n.Search(cx, []orb.Point{c}, 48*3600, &p)
			return err
		}(),
		"snap far from road": func() error { _, err := n.Snap(orb.Point{0, 0}, &p); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkCHBuild is the preparation of the truck hierarchy on lattices
// of growing size.
func BenchmarkCHBuild(b *testing.B) {
	for _, k := range []int{100, 200, 400, 1000} {
		b.Run(fmt.Sprintf("%dx%d", k, k), func(b *testing.B) {
			n := bigNetwork(b)
			if k < 1000 {
				var err error
				if n, err = Build(gridWays(k, k, 1)); err != nil {
					b.Fatal(err)
				}
			}
			p := DefaultProfile(Truck)
			tab := n.table(&p)
			var c *contraction
			for b.Loop() {
				var err error
				if c, err = n.buildContraction(context.Background(), tab); err != nil {
					b.Fatal(err)
				}
			}
			edges := float64(2 * len(n.from))
			b.ReportMetric(float64(c.shortcuts)/edges, "shortcuts/edge")
			b.ReportMetric(float64(c.bytes())/edges, "B/edge")
		})
	}
}
