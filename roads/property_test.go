package roads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// testSeed is the seed of the random tests: SEED from the environment, or
// a fresh one, printed so that a failure can be replayed.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	if s := os.Getenv("SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SEED=%q: %v", s, err)
		}
		return v
	}
	v := rand.Uint64()
	t.Logf("SEED=%d", v)
	return v
}

// randomWays lays ways along a jittered g×g lattice about 100 m apart:
// random walks of 1–6 steps, so that ways cross, share ends, run into
// themselves and repeat nodes, with random classes, oneway, roundabout,
// access and maxspeed tags.
func randomWays(rng *rand.Rand, g, count int) []Way {
	pos := make([]orb.Point, g*g)
	for i := range pos {
		r, c := i/g, i%g
		pos[i] = orb.Point{10 + float64(c)*0.0013 + rng.Float64()*0.0004, 45 + float64(r)*0.0009 + rng.Float64()*0.0003}
	}
	classes := []string{"motorway", "primary", "secondary", "residential", "service", "track", "footway", "cycleway", "living_street", "trunk_link"}
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	ways := make([]Way, 0, count)
	used := map[[2]int]bool{}
	for k := range count {
		at := rng.IntN(g * g)
		w := Way{ID: int64(k + 1), Class: classes[rng.IntN(len(classes))]}
		w.Oneway = pick("", "", "", "yes", "-1", "no", "true", "1")
		if rng.IntN(10) == 0 {
			w.Junction = "roundabout"
		}
		w.Access = pick("", "", "", "", "", "", "no", "private", "yes")
		w.MotorVehicle = pick("", "", "", "", "", "no", "yes")
		w.Foot = pick("", "", "", "", "no", "yes")
		w.Bicycle = pick("", "", "", "", "no", "yes")
		w.HGV = pick("", "", "", "", "no")
		w.MaxSpeed = pick("", "", "", "30", "50", "20 mph", "none")
		w.MaxWeight = pick("", "", "", "", "7.5")
		w.MaxHeight = pick("", "", "", "", "3.2")
		steps := 1 + rng.IntN(6)
		add := func(i int) {
			w.Nodes = append(w.Nodes, int64(i+1))
			w.Geometry = append(w.Geometry, pos[i])
		}
		add(at)
		for range steps {
			prev := at
			r, c := at/g, at%g
			switch rng.IntN(4) {
			case 0:
				c = min(g-1, c+1)
			case 1:
				c = max(0, c-1)
			case 2:
				r = min(g-1, r+1)
			default:
				r = max(0, r-1)
			}
			at = r*g + c
			// No two segments on one lattice pair: a point would be equally
			// near both, and which one it snaps to would decide its time.
			pair := [2]int{min(prev, at), max(prev, at)}
			if prev != at && used[pair] {
				break
			}
			used[pair] = true
			add(at) // may repeat the last node at the lattice's edge: Build drops it
		}
		if len(w.Nodes) >= 2 {
			ways = append(ways, w)
		}
	}
	return ways
}

// oracle is a plain Dijkstra on the ways as given: every vertex a node,
// every segment an edge, no collapsing, no index.
type oracle struct {
	pos  map[int64]orb.Point
	adj  map[int64][]oArc
	segs []oSeg
	prof *Profile
	next int64 // ids for split points, negative
	nseg int
}

type oArc struct {
	to   int64
	cost float64 // seconds
	m    float64
	seg  int // one id for both directions of one segment
}

type oSeg struct {
	a, b   int64
	pa, pb orb.Point
	f, bk  bool
	sPerM  float64
	wayIdx int
	id     int  // the seg of its arcs
	main   bool // both ends in the largest strongly connected component
}

func newOracle(ways []Way, prof *Profile) *oracle {
	o := &oracle{pos: map[int64]orb.Point{}, adj: map[int64][]oArc{}, prof: prof, next: -1}
	for wi := range ways {
		w := &ways[wi]
		f, b := prof.Allows(w)
		v := prof.Kmh(w)
		if !(v > 0) || (!f && !b) {
			continue
		}
		s := 3.6 / v
		for j := 1; j < len(w.Nodes); j++ {
			a, bb := w.Nodes[j-1], w.Nodes[j]
			if a == bb {
				continue
			}
			o.pos[a], o.pos[bb] = w.Geometry[j-1], w.Geometry[j]
			seg := oSeg{a, bb, w.Geometry[j-1], w.Geometry[j], f, b, s, wi, 0, false}
			seg.id = o.link(a, bb, seg.pa, seg.pb, f, b, s)
			o.segs = append(o.segs, seg)
		}
	}
	o.markMain()
	return o
}

// markMain finds the largest strongly connected component by brute
// force (mutual reachability, by a search from every node), measured by
// the length of the segments inside it, and marks its segments.
func (o *oracle) markMain() {
	reach := map[int64]map[int64]bool{}
	for u := range o.adj {
		seen := map[int64]bool{u: true}
		stack := []int64{u}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, a := range o.adj[v] {
				if !seen[a.to] {
					seen[a.to] = true
					stack = append(stack, a.to)
				}
			}
		}
		reach[u] = seen
	}
	same := func(a, b int64) bool { return reach[a][b] && reach[b][a] }
	var best []int // segment indices
	bestLen := -1.0
	done := make([]bool, len(o.segs))
	for i, s := range o.segs {
		if done[i] || !same(s.a, s.b) {
			continue
		}
		var members []int
		var l float64
		for j, t := range o.segs {
			if same(s.a, t.a) && same(s.a, t.b) {
				members = append(members, j)
				done[j] = true
				l += geo.Distance(t.pa, t.pb)
			}
		}
		if l > bestLen {
			best, bestLen = members, l
		}
	}
	for _, j := range best {
		o.segs[j].main = true
	}
}

func (o *oracle) link(a, b int64, pa, pb orb.Point, f, bk bool, s float64) int {
	l := geo.Distance(pa, pb)
	o.nseg++
	if f {
		o.adj[a] = append(o.adj[a], oArc{b, l * s, l, o.nseg})
	}
	if bk {
		o.adj[b] = append(o.adj[b], oArc{a, l * s, l, o.nseg})
	}
	return o.nseg
}

// unlink removes the arcs of segment id at nodes a and b.
func (o *oracle) unlink(a, b int64, id int) {
	for _, x := range []int64{a, b} {
		arcs := o.adj[x][:0]
		for _, arc := range o.adj[x] {
			if arc.seg != id {
				arcs = append(arcs, arc)
			}
		}
		o.adj[x] = arcs
	}
}

// snap is the brute-force nearest point on an allowed segment, as a node
// of the oracle: the segment's end when the point is one, or a new node
// splitting the segment.
func (o *oracle) snap(p orb.Point) (node int64, off float64, ok bool) {
	kx := metresPerDeg * math.Cos(p[1]*math.Pi/180)
	// The nearest segment in the main component unless one outside it is
	// more than mainSlackM nearer.
	best, bi, bt := math.Inf(1), -1, 0.0
	other, oi, ot := math.Inf(1), -1, 0.0
	for i, s := range o.segs {
		d, t := segDist(p, s.pa, s.pb, kx, metresPerDeg)
		if s.main && d < best {
			best, bi, bt = d, i, t
		}
		if !s.main && d < other {
			other, oi, ot = d, i, t
		}
	}
	if bi < 0 || best > o.prof.MaxSnapM*1.01+1 || best > other+mainSlackM {
		best, bi, bt = other, oi, ot
	}
	if bi < 0 || best > o.prof.MaxSnapM*1.01+1 {
		return 0, 0, false
	}
	s := o.segs[bi]
	q := orb.Point{s.pa[0] + (s.pb[0]-s.pa[0])*bt, s.pa[1] + (s.pb[1]-s.pa[1])*bt}
	switch bt {
	case 0:
		q = s.pa
	case 1:
		q = s.pb
	}
	if geo.Distance(p, q) > o.prof.MaxSnapM {
		return 0, 0, false
	}
	switch bt {
	case 0:
		return s.a, geo.Distance(p, s.pa), true
	case 1:
		return s.b, geo.Distance(p, s.pb), true
	}
	id := o.next
	o.next--
	o.pos[id] = q
	o.unlink(s.a, s.b, s.id)
	first, second := s, s
	first.b, first.pb = id, q
	second.a, second.pa = id, q
	first.id = o.link(s.a, id, s.pa, q, s.f, s.bk, s.sPerM)
	second.id = o.link(id, s.b, q, s.pb, s.f, s.bk, s.sPerM)
	// Later snaps split the pieces, so that points on one segment connect.
	s = first
	o.segs[bi] = s
	o.segs = append(o.segs, second)
	return id, geo.Distance(p, q), true
}

// dijkstra is the textbook algorithm with a linear scan for the minimum.
func (o *oracle) dijkstra(src map[int64]float64) map[int64]float64 {
	dist := map[int64]float64{}
	for k, v := range src {
		dist[k] = v
	}
	done := map[int64]bool{}
	for {
		u, du := int64(0), math.Inf(1)
		for k, v := range dist {
			if !done[k] && v < du {
				u, du = k, v
			}
		}
		if math.IsInf(du, 1) {
			return dist
		}
		done[u] = true
		for _, a := range o.adj[u] {
			if d, ok := dist[a.to]; !ok || du+a.cost < d {
				dist[a.to] = du + a.cost
			}
		}
	}
}

func randomPoint(rng *rand.Rand, g int) orb.Point {
	return orb.Point{10 - 0.0005 + rng.Float64()*(float64(g)*0.0013+0.001), 45 - 0.0005 + rng.Float64()*(float64(g)*0.0009+0.001)}
}

func randomProfile(rng *rand.Rand) Profile {
	p := DefaultProfile(modes[rng.IntN(len(modes))])
	if p.Mode == Truck && rng.IntN(2) == 0 {
		p.WeightT, p.HeightM = 12, 3.5
	}
	p.MaxSnapM = 300
	return p
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestRouteAgainstDijkstra compares routes, trees and reached lengths
// with the plain Dijkstra on random networks, every mode.
func TestRouteAgainstDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 1))
	ctx := context.Background()
	for round := range 40 {
		g := 6 + rng.IntN(10)
		ways := randomWays(rng, g, 5+rng.IntN(4*g))
		n, err := Build(ways)
		if err != nil {
			t.Fatal(err)
		}
		prof := randomProfile(rng)
		prepared := rng.IntN(2) == 0 // half the rounds route with landmarks
		if prepared {
			if _, err := n.Prepare(ctx, &prof); err != nil {
				t.Fatal(err)
			}
		}
		for q := range 8 {
			a, b := randomPoint(rng, g), randomPoint(rng, g)
			name := fmt.Sprintf("round %d query %d %s (landmarks %v) %v→%v", round, q, prof.Mode, prepared, a, b)
			o := newOracle(ways, &prof)
			sa, offA, okA := o.snap(a)
			sb, offB, okB := o.snap(b)
			// Snapping: the same distance as the brute force.
			snapA, errA := n.Snap(a, &prof)
			if okA != (errA == nil) {
				t.Fatalf("%s: Snap error %v, brute force found a road: %v", name, errA, okA)
			}
			if !okA || !okB {
				if errA != nil && !errors.Is(errA, ErrNoRoad) {
					t.Fatalf("%s: Snap error %v is not ErrNoRoad", name, errA)
				}
				continue
			}
			if !near(snapA.OffRoadM, offA) && math.Abs(snapA.OffRoadM-offA) > 1e-6 {
				t.Fatalf("%s: snapped %v m off the road, brute force %v", name, snapA.OffRoadM, offA)
			}
			off := 3.6 / prof.OffRoadKmh
			dist := o.dijkstra(map[int64]float64{sa: offA * off})
			want, reachable := dist[sb]
			want += offB * off
			r, err := n.Route(ctx, []orb.Point{a, b}, &prof)
			if !reachable {
				if !errors.Is(err, ErrNoRoute) {
					t.Fatalf("%s: oracle finds no route, Route gives %v, %v", name, r, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: oracle %v s, Route error %v", name, want, err)
			}
			if !near(r.DurationS, want) {
				t.Fatalf("%s: Route %v s, oracle %v s", name, r.DurationS, want)
			}
			checkLine(t, name, r, &prof)
			// The tree from a, bounded just above and just below the time.
			for _, bound := range []float64{want * 1.001, want * 0.999} {
				if bound <= 0 || bound > MaxSearchSeconds {
					continue
				}
				tr, err := n.Search(ctx, []orb.Point{a}, bound, &prof)
				if err != nil {
					t.Fatal(err)
				}
				s, _, ok := tr.TimeTo(b)
				if ok != (want <= bound) || (ok && !near(s, want)) {
					t.Fatalf("%s: tree bounded at %v: %v, %v; oracle %v", name, bound, s, ok, want)
				}
			}
		}
	}
}

// checkLine checks that a route's line has its duration: every segment of
// it is covered at a speed the profile allows somewhere, so its length at
// the fastest speed can take no longer than the duration.
func checkLine(t *testing.T, name string, r *Route, prof *Profile) {
	t.Helper()
	if len(r.Line) < 2 || r.Line[0] != r.From.Query || r.Line[len(r.Line)-1] != r.To.Query {
		t.Fatalf("%s: line %v does not run from the query to the query", name, r.Line)
	}
	var l float64
	for i := 1; i < len(r.Line); i++ {
		l += geo.Distance(r.Line[i-1], r.Line[i])
	}
	if !near(l, r.DistanceM) && math.Abs(l-r.DistanceM) > 0.01 {
		t.Fatalf("%s: line is %v m long, DistanceM %v", name, l, r.DistanceM)
	}
}

// TestMultiSourceAgainstDijkstra checks TimeTo from many sources at once.
func TestMultiSourceAgainstDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 2))
	ctx := context.Background()
	for round := range 30 {
		g := 6 + rng.IntN(8)
		ways := randomWays(rng, g, 5+rng.IntN(4*g))
		n, err := Build(ways)
		if err != nil {
			t.Fatal(err)
		}
		prof := randomProfile(rng)
		o := newOracle(ways, &prof)
		off := 3.6 / prof.OffRoadKmh
		var srcPts []orb.Point
		seeds := map[int64]float64{}
		for range 1 + rng.IntN(5) {
			p := randomPoint(rng, g)
			if id, d, ok := o.snap(p); ok {
				srcPts = append(srcPts, p)
				if v, ok := seeds[id]; !ok || d*off < v {
					seeds[id] = d * off
				}
			}
		}
		if len(srcPts) == 0 {
			continue
		}
		bound := 30 + rng.Float64()*600
		tr, err := n.Search(ctx, srcPts, bound, &prof)
		if err != nil {
			t.Fatal(err)
		}
		for q := range 10 {
			p := randomPoint(rng, g)
			id, d, ok := o.snap(p)
			if !ok {
				continue
			}
			dist := o.dijkstra(seeds)
			want, reach := dist[id]
			want += d * off
			reach = reach && want <= bound
			s, _, got := tr.TimeTo(p)
			if got != reach || (got && !near(s, want)) {
				t.Fatalf("round %d query %d %s: TimeTo %v, %v; oracle %v, %v (bound %v)", round, q, prof.Mode, s, got, want, reach, bound)
			}
		}
	}
}

// TestReachLengthAgainstDijkstra checks the reached road length, partial
// last edges included, against the oracle's per-segment reach.
func TestReachLengthAgainstDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 3))
	ctx := context.Background()
	for round := range 40 {
		g := 6 + rng.IntN(8)
		ways := randomWays(rng, g, 5+rng.IntN(4*g))
		n, err := Build(ways)
		if err != nil {
			t.Fatal(err)
		}
		prof := randomProfile(rng)
		o := newOracle(ways, &prof)
		p := randomPoint(rng, g)
		id, d, ok := o.snap(p)
		if !ok {
			continue
		}
		off := 3.6 / prof.OffRoadKmh
		bound := d*off + 10 + rng.Float64()*300
		dist := o.dijkstra(map[int64]float64{id: d * off})
		// Every oracle arc, once per undirected segment: reached stretches
		// from each end.
		seen := map[int]bool{}
		var want float64
		for u, arcs := range o.adj {
			for _, a := range arcs {
				if seen[a.seg] {
					continue
				}
				seen[a.seg] = true
				var ivs []interval
				seg := a.seg
				reachFrom := func(x, y int64, x0, dir float64) {
					dx, ok := dist[x]
					if !ok || dx > bound {
						return
					}
					for _, b := range o.adj[x] {
						if b.to == y && b.seg == seg {
							ext := math.Min(b.m, (bound-dx)/(b.cost/b.m))
							if b.m == 0 {
								ext = 0
							}
							ivs = append(ivs, interval{x0, x0 + dir*ext, 0, 0})
						}
					}
				}
				reachFrom(u, a.to, 0, 1)
				reachFrom(a.to, u, a.m, -1)
				for _, iv := range mergeIntervals(ivs, nil) {
					want += iv[1] - iv[0]
				}
			}
		}
		r, err := n.Reach(ctx, p, bound, &prof)
		if err != nil {
			t.Fatal(err)
		}
		// The area alone, from the network's positions directly, is the
		// same area.
		ra, err := n.ReachArea(ctx, p, bound, &prof)
		if err != nil {
			t.Fatal(err)
		}
		if ra.Roads != nil || ra.AreaKm2 != r.AreaKm2 || ra.RoadLengthM != r.RoadLengthM || !orb.Equal(ra.Area, r.Area) {
			t.Fatalf("round %d: ReachArea %v km² in %d polygons, Reach %v km² in %d", round, ra.AreaKm2, len(ra.Area), r.AreaKm2, len(r.Area))
		}
		if math.Abs(r.RoadLengthM-want) > 1e-6*math.Max(1, want)+1e-3 {
			t.Fatalf("round %d %s bound %v: reached %v m of road, oracle %v", round, prof.Mode, bound, r.RoadLengthM, want)
		}
		var parts float64
		for _, ls := range r.Roads {
			for i := 1; i < len(ls); i++ {
				parts += geo.Distance(ls[i-1], ls[i])
			}
		}
		if math.Abs(parts-want) > 1e-4*math.Max(1, want)+0.01 {
			t.Fatalf("round %d: the reached lines are %v m, oracle %v", round, parts, want)
		}
		if want > 0 && (r.AreaKm2 <= 0 || len(r.Area) == 0) {
			t.Fatalf("round %d: %v m of road reached but area %v km²", round, want, r.AreaKm2)
		}
	}
}

// TestNearestAgainstTree checks Nearest against the times a bounded tree
// gives every target, sorted: the same k targets (ties aside) with the
// same times.
func TestNearestAgainstTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 4))
	ctx := context.Background()
	for round := range 60 {
		g := 6 + rng.IntN(10)
		ways := randomWays(rng, g, 5+rng.IntN(4*g))
		n, err := Build(ways)
		if err != nil {
			t.Fatal(err)
		}
		prof := randomProfile(rng)
		from := randomPoint(rng, g)
		targets := make([]orb.Point, rng.IntN(30))
		for i := range targets {
			targets[i] = randomPoint(rng, g)
		}
		k := 1 + rng.IntN(5)
		bound := 30 + rng.Float64()*900
		got, err := n.Nearest(ctx, from, targets, k, bound, &prof)
		tr, terr := n.Search(ctx, []orb.Point{from}, bound, &prof)
		if terr != nil {
			if err == nil {
				t.Fatalf("round %d: Search fails (%v) but Nearest does not", round, terr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		type hit struct {
			i int
			s float64
		}
		var want []hit
		for i, p := range targets {
			if s, _, ok := tr.TimeTo(p); ok {
				want = append(want, hit{i, s})
			}
		}
		slices.SortFunc(want, func(a, b hit) int { return cmpF(a.s, b.s) })
		if len(want) > k {
			want = want[:k]
		}
		if len(got) != len(want) {
			t.Fatalf("round %d %s k=%d: %d hits, tree says %d (%v vs %v)", round, prof.Mode, k, len(got), len(want), got, want)
		}
		for j := range got {
			if !near(got[j].Seconds, want[j].s) {
				t.Fatalf("round %d %s: hit %d at %v s, tree's %d-th at %v s", round, prof.Mode, got[j].Index, got[j].Seconds, j, want[j].s)
			}
			if s, m, _ := tr.TimeTo(targets[got[j].Index]); !near(s, got[j].Seconds) || !near(m, got[j].RoadMeters) {
				t.Fatalf("round %d: hit %d: %v s %v m, tree %v s %v m", round, got[j].Index, got[j].Seconds, got[j].RoadMeters, s, m)
			}
		}
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
