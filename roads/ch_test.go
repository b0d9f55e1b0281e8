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
