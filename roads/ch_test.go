package roads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// relNear is agreement to 1e-9 relative (1e-9 s absolute near zero).
func relNear(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestCHAgainstDijkstra routes on random networks, every mode, one-way
// ways and via points, with the hierarchy prepared, and compares each
// route with a plain Dijkstra on the same network (no bound, no
// hierarchy) to 1e-9 relative, and each leg with the brute-force oracle
// to 1e-6. Each leg's path is checked to be a connected walk of allowed
// half-edges from the source's exit to the target's entry whose time is
// the leg's.
func TestCHAgainstDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 21))
	ctx := context.Background()
	routes, legs := 0, 0
	for round := range 150 {
		g := 6 + rng.IntN(10)
		ways := randomWays(rng, g, 2*g+rng.IntN(6*g))
		n, err := Build(ways)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range modes {
			prof := DefaultProfile(m)
			prof.MaxSnapM = 300
			if m == Truck && rng.IntN(2) == 0 {
				prof.WeightT, prof.HeightM = 12, 3.5
			}
			if _, err := n.Prepare(ctx, &prof); err != nil {
				t.Fatal(err)
			}
			tab := n.table(&prof)
			if tab.ch.Load() == nil {
				t.Fatal("no hierarchy after Prepare")
			}
			for q := range 6 {
				pts := make([]orb.Point, 2+rng.IntN(3))
				for i := range pts {
					pts[i] = randomPoint(rng, g)
				}
				name := fmt.Sprintf("round %d query %d %s %v", round, q, m, pts)
				r, err := n.route(ctx, pts, &prof, algoCH)
				want, werr := n.route(ctx, pts, &prof, algoDijkstra)
				if (err == nil) != (werr == nil) {
					t.Fatalf("%s: hierarchy %v, Dijkstra %v", name, err, werr)
				}
				if err != nil {
					if !errors.Is(err, ErrNoRoute) && !errors.Is(err, ErrNoRoad) {
						t.Fatalf("%s: %v", name, err)
					}
					continue
				}
				if !relNear(r.DurationS, want.DurationS) {
					t.Fatalf("%s: hierarchy %.12f s, Dijkstra %.12f s", name, r.DurationS, want.DurationS)
				}
				checkLine(t, name, r, &prof)
				checkTimes(t, name, r)
				routes++
				// Each leg: against the oracle, and its path.
				snaps := append(append([]Snap{r.From}, r.Via...), r.To)
				for i := 1; i < len(snaps); i++ {
					s, d := &snaps[i-1], &snaps[i]
					o := newOracle(ways, &prof)
					sa, offA, okA := o.snap(s.Query)
					sb, offB, okB := o.snap(d.Query)
					if !okA || !okB {
						t.Fatalf("%s leg %d: the oracle snaps nowhere", name, i)
					}
					off := 3.6 / prof.OffRoadKmh
					dist := o.dijkstra(map[int64]float64{sa: offA * off})
					leg, err := n.leg(ctx, s, d, &prof, tab, algoCH)
					if err != nil {
						t.Fatalf("%s leg %d: %v", name, i, err)
					}
					if ow, ok := dist[sb]; !ok || !near(leg.DurationS, ow+offB*off) {
						t.Fatalf("%s leg %d: hierarchy %v s, oracle %v (%v)", name, i, leg.DurationS, ow+offB*off, ok)
					}
					checkCHPath(t, name, n, tab, s, d, &prof, leg.DurationS)
					legs++
				}
			}
		}
	}
	t.Logf("%d routes, %d legs agree", routes, legs)
	if routes < 300 {
		t.Fatalf("only %d routes compared", routes)
	}
}

// checkTimes: one time per vertex, from 0, never falling, ending at the
// duration, and each segment no faster than the fastest speed there is.
func checkTimes(t *testing.T, name string, r *Route) {
	t.Helper()
	if len(r.TimesS) != len(r.Line) || r.TimesS[0] != 0 || r.TimesS[len(r.TimesS)-1] != r.DurationS {
		t.Fatalf("%s: %d times for %d vertices, first %v, last %v, duration %v", name, len(r.TimesS), len(r.Line), r.TimesS[0], r.TimesS[len(r.TimesS)-1], r.DurationS)
	}
	for i := 1; i < len(r.TimesS); i++ {
		dt := r.TimesS[i] - r.TimesS[i-1]
		if dt < -1e-9 {
			t.Fatalf("%s: time falls at vertex %d: %v after %v", name, i, r.TimesS[i], r.TimesS[i-1])
		}
		if l := geo.Distance(r.Line[i-1], r.Line[i]); l > 1e-3 && l/math.Max(dt, 1e-12)*3.6 > maxProfileKmh*1.001 {
			t.Fatalf("%s: segment %d is %v m in %v s", name, i, l, dt)
		}
	}
}

// checkCHPath checks the hierarchy's path of a leg: the half-edges follow
// one another from the exit it names to the entry it names, each allowed,
// and their time with the ends' is the leg's duration.
func checkCHPath(t *testing.T, name string, n *Network, tab *costTable, s, d *Snap, prof *Profile, duration float64) {
	t.Helper()
	c := tab.ch.Load()
	exits, ents := n.exits(s, tab, 0), n.entries(d, tab)
	p, err := n.chLeg(context.Background(), c, exits, ents, math.Inf(1))
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		return // only the shared edge connects them
	}
	var x seed
	found := false
	for _, e := range exits {
		if e.back == p.back {
			x, found = e, true
		}
	}
	if !found {
		t.Fatalf("%s: path leaves by an exit that is not one", name)
	}
	at := x.node
	tt := x.t
	for i, h := range p.halves {
		start := n.other(h ^ 1)
		if start != at {
			t.Fatalf("%s: half-edge %d starts at %d, the path is at %d", name, i, start, at)
		}
		cost, ok := n.halfCost(tab, h)
		if !ok {
			t.Fatalf("%s: half-edge %d (%d) is not allowed", name, i, h)
		}
		tt += cost
		at = n.other(h)
	}
	var e targetEntry
	found = false
	for _, en := range ents {
		if en.dir == p.entryDir {
			e, found = en, true
		}
	}
	if !found || e.node != at {
		t.Fatalf("%s: path ends at %d, its entry %+v (%v)", name, at, e, found)
	}
	// The path found with no shared-edge bound may be slower than the
	// leg (which may run along the shared edge), never faster.
	if total := offRoadS(s, prof) + tt + e.t + offRoadS(d, prof); total < duration*(1-1e-9)-1e-9 {
		t.Fatalf("%s: path takes %v s, faster than the leg's %v", name, total, duration)
	}
}

// TestCHOnGrid compares the hierarchy with plain Dijkstra between many
// random junctions of a generated lattice (motorways, one-way streets,
// many near-equal paths), for drive and truck.
func TestCHOnGrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 22))
	ctx := context.Background()
	n, err := Build(gridWays(60, 60, 5))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Mode{Drive, Truck, Walk} {
		prof := DefaultProfile(m)
		if _, err := n.Prepare(ctx, &prof); err != nil {
			t.Fatal(err)
		}
		c := n.table(&prof).ch.Load()
		t.Logf("%s: %d directed edges, %d hierarchy arcs, %d shortcuts (%.2f per directed edge), %d bytes",
			m, 2*len(n.from), c.arcs(), c.shortcuts, float64(c.shortcuts)/float64(2*len(n.from)), c.bytes())
		for range 150 {
			a, b := n.nodePt[rng.IntN(len(n.nodePt))], n.nodePt[rng.IntN(len(n.nodePt))]
			via := n.nodePt[rng.IntN(len(n.nodePt))]
			pts := []orb.Point{a, b}
			if rng.IntN(3) == 0 {
				pts = []orb.Point{a, via, b}
			}
			r, err := n.route(ctx, pts, &prof, algoCH)
			want, werr := n.route(ctx, pts, &prof, algoDijkstra)
			if (err == nil) != (werr == nil) {
				t.Fatalf("%s %v: hierarchy %v, Dijkstra %v", m, pts, err, werr)
			}
			if err != nil {
				continue
			}
			if !relNear(r.DurationS, want.DurationS) {
				t.Fatalf("%s %v: hierarchy %.12f s, Dijkstra %.12f s", m, pts, r.DurationS, want.DurationS)
			}
			checkTimes(t, string(m), r)
		}
	}
}

// TestCHCancelled: a cancelled context stops the preparation with an
// error and leaves no hierarchy.
func TestCHCancelled(t *testing.T) {
	n, err := Build(gridWays(30, 30, 2))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := DefaultProfile(Drive)
	if _, err := n.buildContraction(ctx, n.table(&p)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled preparation: %v", err)
	}
	if n.Contracted(p) {
		t.Fatal("a cancelled preparation left a hierarchy")
	}
}

// TestCHSameEdge: both points on one edge, as leg() handles it: along a
// two-way edge directly; on a one-way edge ahead of the source directly,
// behind it around the block; and at the two ends of one edge. Each by
// the hierarchy and by plain Dijkstra, the same time.
func TestCHSameEdge(t *testing.T) {
	ctx := context.Background()
	// A block of four streets, the south one one-way eastwards, about
	// 100 m a side, each a way of its own with a middle vertex.
	p := func(x, y float64) orb.Point { return orb.Point{10 + x*0.0013, 45 + y*0.0009} }
	ways := []Way{
		{ID: 1, Class: "residential", Oneway: "yes", Nodes: []int64{1, 5, 2}, Geometry: orb.LineString{p(0, 0), p(0.5, 0), p(1, 0)}},
		{ID: 2, Class: "residential", Nodes: []int64{2, 6, 3}, Geometry: orb.LineString{p(1, 0), p(1, 0.5), p(1, 1)}},
		{ID: 3, Class: "residential", Nodes: []int64{3, 7, 4}, Geometry: orb.LineString{p(1, 1), p(0.5, 1), p(0, 1)}},
		{ID: 4, Class: "residential", Nodes: []int64{4, 8, 1}, Geometry: orb.LineString{p(0, 1), p(0, 0.5), p(0, 0)}},
	}
	n, err := Build(ways)
	if err != nil {
		t.Fatal(err)
	}
	prof := DefaultProfile(Drive)
	if _, err := n.Prepare(ctx, &prof); err != nil {
		t.Fatal(err)
	}
	south := func(x float64) orb.Point { q := p(x, 0); q[1] -= 0.0001; return q } // 11 m south of the one-way
	west := func(y float64) orb.Point { q := p(0, y); q[0] -= 0.0001; return q }
	side := 0.0
	for _, w := range ways {
		for i := 1; i < len(w.Geometry); i++ {
			side += geo.Distance(w.Geometry[i-1], w.Geometry[i])
		}
	}
	side /= 4
	for _, c := range []struct {
		name     string
		from, to orb.Point
		around   bool // the road part goes around the block
	}{
		{"one-way, ahead", south(0.2), south(0.8), false},
		{"one-way, behind", south(0.8), south(0.2), true},
		{"two-way, either way", west(0.8), west(0.2), false},
		{"two-way, back", west(0.2), west(0.8), false},
		{"one-way, the same point", south(0.4), south(0.4), false},
	} {
		r, err := n.route(ctx, []orb.Point{c.from, c.to}, &prof, algoCH)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want, err := n.route(ctx, []orb.Point{c.from, c.to}, &prof, algoDijkstra)
		if err != nil {
			t.Fatal(err)
		}
		if !relNear(r.DurationS, want.DurationS) || r.From.Edge != r.To.Edge {
			t.Errorf("%s: hierarchy %v s, Dijkstra %v s (edges %d, %d)", c.name, r.DurationS, want.DurationS, r.From.Edge, r.To.Edge)
		}
		road := r.DistanceM - r.From.OffRoadM - r.To.OffRoadM
		if c.around != (road > 2*side) {
			t.Errorf("%s: %.0f m of road (a side is %.0f m); around the block: %v", c.name, road, side, c.around)
		}
		checkTimes(t, c.name, r)
	}
}
