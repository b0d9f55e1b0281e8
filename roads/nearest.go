package roads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// MaxNearestK bounds how many targets one Nearest search returns.
const MaxNearestK = 1000

// Hit is one target reached by Nearest.
type Hit struct {
	Index      int     // into the targets given
	Seconds    float64 // travel time from the source, both off-road parts included
	RoadMeters float64 // metres on the roads
	Snap       Snap    // where the target joins the network
}

// Nearest finds the k targets fastest to reach from one point, nearest
// first, within maxSeconds: one Dijkstra from the point that stops as
// soon as no unseen target can beat the k-th found (the smallest time
// still to settle is no less than it). The caller passes only the targets
// that qualify (a filter of kind, amenity, opening hours), so "the 3
// nearest open driver homes by drive time" finds 3 whenever 3 can be
// reached, however many others are nearer. Targets farther than
// prof.MaxSnapM from a usable road are left out; fewer than k hits
// means no more could be reached within maxSeconds.
func (n *Network) Nearest(ctx context.Context, from orb.Point, targets []orb.Point, k int, maxSeconds float64, prof *Profile) ([]Hit, error) {
	if err := prof.Validate(); err != nil {
		return nil, err
	}
	if k < 1 || k > MaxNearestK {
		return nil, fmt.Errorf("roads: k must be 1 to %d, got %d", MaxNearestK, k)
	}
	if len(targets) > MaxSources {
		return nil, fmt.Errorf("roads: %d targets, more than the %d one search takes", len(targets), MaxSources)
	}
	if !(maxSeconds > 0 && maxSeconds <= MaxSearchSeconds) {
		return nil, fmt.Errorf("roads: a search's time must be in (0, %d] seconds, got %v", MaxSearchSeconds, maxSeconds)
	}
	if err := checkPoint(from); err != nil {
		return nil, err
	}
	tab := n.table(prof)
	src, err := n.snap(from, prof, tab)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(targets))
	byEdge := map[uint32][]int32{} // hits on each edge
	for i, p := range targets {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: search stopped: %w", err)
			}
		}
		if checkPoint(p) != nil {
			continue
		}
		s, err := n.snap(p, prof, tab)
		if err != nil {
			if errors.Is(err, ErrNoRoad) {
				continue
			}
			return nil, err
		}
		byEdge[uint32(s.Edge)] = append(byEdge[uint32(s.Edge)], int32(len(hits)))
		hits = append(hits, Hit{Index: i, Seconds: math.Inf(1), Snap: s})
	}
	// The k best times so far, ascending (indices into hits).
	var top []int32
	kth := func() float64 {
		if len(top) < k {
			return math.Inf(1)
		}
		return hits[top[k-1]].Seconds
	}
	offer := func(h int32, t, m float64) {
		x := &hits[h]
		t += offRoadS(&x.Snap, prof)
		if !(t < x.Seconds) || t > maxSeconds {
			return
		}
		x.Seconds, x.RoadMeters = t, m
		if i := slices.Index(top, h); i >= 0 {
			top = slices.Delete(top, i, i+1)
		}
		at, _ := slices.BinarySearchFunc(top, t, func(j int32, t float64) int {
			if hits[j].Seconds < t {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, at, h)
		if len(top) > k {
			top = top[:k]
		}
	}
	t0 := offRoadS(&src, prof)
	// Targets on the source's own edge, reached along it.
	se := uint32(src.Edge)
	sa := n.attr[se]
	for _, h := range byEdge[se] {
		d := hits[h].Snap.AlongM - src.AlongM
		dir := 0
		if d < 0 {
			d, dir = -d, 1
		}
		if tab.ok[sa][dir] || d == 0 {
			offer(h, t0+d*tab.sPerM[sa][dir], d)
		}
	}
	sc := n.getScratch()
	defer n.putScratch(sc)
	if t0 <= maxSeconds {
		for _, x := range n.exits(&src, tab, t0) {
			if x.t <= maxSeconds {
				sc.relax(x.node, x.t, x.m, noPred, x.t)
			}
		}
	}
	pops := 0
	for len(sc.heap) > 0 {
		it := sc.heap.pop()
		u := it.node
		if sc.done[u] || it.key > sc.time[u] {
			continue
		}
		if it.key > maxSeconds || it.key >= kth() {
			break
		}
		sc.done[u] = true
		if pops++; pops%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: search stopped: %w", err)
			}
		}
		tu, mu := sc.time[u], sc.metres[u]
		lo, hi := n.first[u], n.first[u+1]
		for k, h := range n.adj[lo:hi] {
			e := h >> 1
			// Targets on this edge, reached from u into it.
			if on := byEdge[e]; len(on) > 0 {
				a := n.attr[e]
				for _, j := range on {
					x := hits[j].Snap.AlongM
					if h&1 == 0 && (tab.ok[a][0] || x == 0) {
						offer(j, tu+x*tab.sPerM[a][0], mu+x)
					}
					if h&1 == 1 && (tab.ok[a][1] || x == n.length[e]) {
						d := n.length[e] - x
						offer(j, tu+d*tab.sPerM[a][1], mu+d)
					}
				}
			}
			c, ok := n.halfCost(tab, h)
			if !ok {
				continue
			}
			t := tu + c
			if t > maxSeconds {
				continue
			}
			sc.relax(n.adjTo[lo+uint32(k)], t, mu+n.length[e], h, t)
		}
	}
	out := make([]Hit, 0, len(top))
	for _, h := range top {
		out = append(out, hits[h])
	}
	return out, nil
}
