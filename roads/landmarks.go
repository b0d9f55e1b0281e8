package roads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"yizhan/geo"
)

// Landmarks make long routes fast (ALT: A*, landmarks, triangle
// inequality; Goldberg and Harrelson 2005). For a few landmark junctions
// L on the edge of the network, the travel times from L to every junction
// and from every junction to L are computed once per profile (Prepare).
// Then for any v and target t, d(v, t) ≥ d(L, t) − d(L, v) and
// d(v, t) ≥ d(v, L) − d(t, L): a lower bound far tighter than the
// great-circle time when roads wind or the fast ones are few, which is
// what makes A* on a large network settle a narrow band instead of half of
// it. The bounds are consistent, so A* stays exact.
const numLandmarks = 8

// landmarks are one profile's landmark times, as float32 rounded down
// (so a bound built from them never exceeds the truth): for node v,
// from[v*K+k] is the time from landmark k to v, to[v*K+k] from v to it,
// +Inf where there is no path.
type landmarks struct {
	nodes    []uint32
	from, to []float32
}

// Bytes is the memory of the landmark tables.
func (l *landmarks) bytes() int64 { return int64(len(l.from)+len(l.to)) * 4 }

// Prepare makes routes with prof fast: first the landmark times (8
// landmarks: 16 Dijkstra searches over the whole network, run in
// parallel; a few seconds for a million junctions), then a contraction
// hierarchy (ch.go), each used by Route from the moment it is ready.
// Routes with a profile that was not prepared use the great-circle bound
// alone and give the same answers, more slowly on large networks.
// Preparing a profile twice does the work once. It returns the memory
// the landmark tables and the hierarchy take.
func (n *Network) Prepare(ctx context.Context, prof *Profile) (int64, error) {
	if err := prof.Validate(); err != nil {
		return 0, err
	}
	tab := n.table(prof)
	l, err := n.prepareLandmarks(ctx, tab)
	if err != nil {
		return 0, err
	}
	c, err := n.prepareHierarchy(ctx, tab)
	if err != nil {
		return l, err
	}
	return l + c, nil
}

// prepareLandmarks sets tab's landmarks unless it has them, returning
// their memory.
func (n *Network) prepareLandmarks(ctx context.Context, tab *costTable) (int64, error) {
	if l := tab.lm.Load(); l != nil {
		return l.bytes(), nil
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("roads: landmarks not started: %w", err)
	}
	l, err := n.buildLandmarks(ctx, tab)
	if err != nil {
		return 0, err
	}
	if !tab.lm.CompareAndSwap(nil, l) {
		l = tab.lm.Load()
	}
	return l.bytes(), nil
}

// prepareHierarchy sets tab's contraction hierarchy unless it has one,
// returning its memory.
func (n *Network) prepareHierarchy(ctx context.Context, tab *costTable) (int64, error) {
	if c := tab.ch.Load(); c != nil {
		return c.bytes(), nil
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("roads: hierarchy not started: %w", err)
	}
	c, err := n.buildContraction(ctx, tab)
	if err != nil {
		return 0, err
	}
	if !tab.ch.CompareAndSwap(nil, c) {
		c = tab.ch.Load()
	}
	return c.bytes(), nil
}

// Prepared says whether prof has landmarks on n (Prepare has finished them
// for it or for a profile of the same speeds and limits).
func (n *Network) Prepared(prof Profile) bool {
	t, ok := n.tables.Load(profileKey(&prof))
	return ok && t.(*costTable).lm.Load() != nil
}

// Contracted says whether prof has a contraction hierarchy on n.
func (n *Network) Contracted(prof Profile) bool {
	t, ok := n.tables.Load(profileKey(&prof))
	return ok && t.(*costTable).ch.Load() != nil
}

// PrepareDefaults prepares the default profile (DefaultProfile) of each
// of modes, the profiles a server's requests use unless they override a
// speed or a limit: first every mode's landmarks (seconds even on large
// networks), then every mode's hierarchy (longer), so that all modes'
// long routes are fast early. Readers are never blocked: each profile's
// routes use what it has from the moment it is ready. It returns the
// memory of the tables and hierarchies.
func (n *Network) PrepareDefaults(ctx context.Context, modes ...Mode) (int64, error) {
	var total int64
	for _, step := range []struct {
		what string
		fn   func(context.Context, *costTable) (int64, error)
	}{{"landmarks", n.prepareLandmarks}, {"hierarchy", n.prepareHierarchy}} {
		for _, m := range modes {
			p := DefaultProfile(m)
			if err := p.Validate(); err != nil {
				return total, err
			}
			b, err := step.fn(ctx, n.table(&p))
			if err != nil {
				return total, fmt.Errorf("roads: prepare %s %s: %w", m, step.what, err)
			}
			total += b
		}
	}
	return total, nil
}

// buildLandmarks picks landmarks far apart on the main component (each
// the junction farthest, by great circle, from those already picked,
// starting from the one farthest from the network's centre) and runs the
// searches.
func (n *Network) buildLandmarks(ctx context.Context, tab *costTable) (*landmarks, error) {
	main := n.mainNodes(tab)
	N := len(n.nodePt)
	var cand []uint32
	step := max(1, N/200_000) // a sample is enough to find far-apart junctions
	for v := 0; v < N; v += step {
		if main[v] {
			cand = append(cand, uint32(v))
		}
	}
	if len(cand) == 0 {
		return nil, fmt.Errorf("roads: no junction to put a landmark on")
	}
	K := numLandmarks
	// near: great-circle distance to the nearest landmark picked so far
	// (to the centre before the first).
	near := make([]float64, len(cand))
	c := n.bound.Center()
	for i, v := range cand {
		near[i] = geo.Distance(n.nodePt[v], c)
	}
	l := &landmarks{from: make([]float32, N*K), to: make([]float32, N*K)}
	for k := 0; k < K; k++ {
		best := 0
		for i := range cand {
			if near[i] > near[best] {
				best = i
			}
		}
		lm := cand[best]
		l.nodes = append(l.nodes, lm)
		for i, v := range cand {
			d := geo.Distance(n.nodePt[v], n.nodePt[lm])
			if k == 0 || d < near[i] {
				near[i] = d
			}
		}
	}
	// The 2K searches are independent: run them on the cores there are.
	inf := float32(math.Inf(1))
	jobs := make(chan int, 2*K)
	for j := range 2 * K {
		jobs <- j
	}
	close(jobs)
	var wg sync.WaitGroup
	errs := make([]error, 2*K)
	for range min(runtime.GOMAXPROCS(0), 2*K) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				k, out := j/2, l.from
				if j%2 == 1 {
					out = l.to
				}
				// One column of its own, copied in at the end, so that the
				// searches do not share cache lines.
				col := make([]float32, N)
				for v := range col {
					col[v] = inf // no path: no bound from this landmark
				}
				errs[j] = n.allTimes(ctx, tab, l.nodes[k], j%2 == 1, func(v uint32, t float64) {
					col[v] = roundDown32(t)
				})
				for v, x := range col {
					out[v*K+k] = x
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// roundDown32 is the largest float32 not above t.
func roundDown32(t float64) float32 {
	f := float32(t)
	if float64(f) > t {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// allTimes is a Dijkstra over the whole network from src, along the
// edges (or against them when reverse, giving the times to src), calling
// fn with each settled junction's time.
func (n *Network) allTimes(ctx context.Context, tab *costTable, src uint32, reverse bool, fn func(uint32, float64)) error {
	sc := n.getScratch()
	defer n.putScratch(sc)
	sc.relax(src, 0, 0, noPred, 0)
	pops := 0
	for len(sc.heap) > 0 {
		it := sc.heap.pop()
		u := it.node
		if sc.done[u] {
			continue
		}
		sc.done[u] = true
		if pops++; pops%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("roads: landmarks stopped: %w", err)
			}
		}
		tu := sc.time[u]
		fn(u, tu)
		lo, hi := n.first[u], n.first[u+1]
		for k, h := range n.adj[lo:hi] {
			if reverse {
				h ^= 1
			}
			c, ok := n.halfCost(tab, h)
			if !ok {
				continue
			}
			v := n.adjTo[lo+uint32(k)]
			if sc.seen(v) && (sc.done[v] || tu+c >= sc.time[v]) {
				continue
			}
			sc.relax(v, tu+c, 0, h, tu+c)
		}
	}
	return nil
}

// altBound is a lower bound of the time from v to a target reached
// through entry nodes es at costs cs (at most two), from the landmarks.
type altTarget struct {
	l     *landmarks
	n     int
	cost  [2]float64
	from  [2][]float32 // landmark rows of each entry
	to    [2][]float32
	valid bool
}

func newALTTarget(l *landmarks, entries []uint32, costs []float64) altTarget {
	t := altTarget{l: l, n: len(entries), valid: l != nil}
	if l == nil {
		return t
	}
	K := numLandmarks
	for i, e := range entries {
		t.cost[i] = costs[i]
		t.from[i] = l.from[int(e)*K : int(e)*K+K]
		t.to[i] = l.to[int(e)*K : int(e)*K+K]
	}
	return t
}

// bound is max over landmarks of the triangle bounds to the nearest
// entry, each term with the node's time taken one float32 step up, so the
// float32 rounding can only lower it.
func (t *altTarget) bound(v uint32) float64 {
	K := numLandmarks
	vf := t.l.from[int(v)*K : int(v)*K+K]
	vt := t.l.to[int(v)*K : int(v)*K+K]
	best := math.Inf(1)
	for i := 0; i < t.n; i++ {
		lb := 0.0
		for k := 0; k < K; k++ {
			// d(v, e) >= d(L, e) - d(L, v)
			if a, b := t.from[i][k], vf[k]; !math.IsInf(float64(a), 1) && !math.IsInf(float64(b), 1) {
				if x := float64(a) - float64(math.Nextafter32(b, float32(math.Inf(1)))); x > lb {
					lb = x
				}
			}
			// d(v, e) >= d(v, L) - d(e, L)
			if a, b := vt[k], t.to[i][k]; !math.IsInf(float64(a), 1) && !math.IsInf(float64(b), 1) {
				if x := float64(a) - float64(math.Nextafter32(b, float32(math.Inf(1)))); x > lb {
					lb = x
				}
			}
		}
		best = math.Min(best, lb+t.cost[i])
	}
	return best
}
