package roads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Limits of one search, in one place.
const (
	MaxSources       = 100_000 // sources of one multi-source search
	MaxRoutePoints   = 27      // from, up to 25 via points, to
	MaxSearchSeconds = 48 * 3600
	checkEvery       = 1024 // heap pops between looks at the context
)

// ErrNoRoute is returned when the points are not connected for the profile.
var ErrNoRoute = errors.New("roads: no route")

// scratch is the per-search state sized for one network: labels that are
// valid only where stamp equals the current generation, so a search never
// clears arrays as long as the network.
type scratch struct {
	gen     uint32
	stamp   []uint32
	time    []float64 // seconds to the node
	metres  []float64 // road metres on the best path
	pred    []uint32  // half-edge into the node, noPred at a seed
	done    []bool
	h       []float64 // A*'s bound at the node, set with its first label
	heap    nodeHeap
	settled []uint32 // nodes settled by this search, in order
}

const noPred = math.MaxUint32

func (n *Network) getScratch() *scratch {
	var s *scratch
	select {
	case s = <-n.scratches:
	default:
	}
	if s != nil {
		s.gen++
		if s.gen == 0 { // wrapped: stamps of old generations could match
			clear(s.stamp)
			s.gen = 1
		}
		s.heap, s.settled = s.heap[:0], s.settled[:0]
		return s
	}
	k := len(n.nodePt)
	return &scratch{gen: 1, stamp: make([]uint32, k), time: make([]float64, k), metres: make([]float64, k),
		pred: make([]uint32, k), done: make([]bool, k)}
}

func (n *Network) putScratch(s *scratch) {
	select {
	case n.scratches <- s:
	default: // enough idle ones kept; let this one go
	}
}

func (s *scratch) seen(v uint32) bool { return s.stamp[v] == s.gen }

// relax offers time t (and metres m, via half-edge h) to node v.
func (s *scratch) relax(v uint32, t, m float64, h uint32, key float64) {
	if s.stamp[v] != s.gen {
		s.stamp[v] = s.gen
		s.done[v] = false
	} else if t >= s.time[v] {
		return
	}
	s.time[v], s.metres[v], s.pred[v] = t, m, h
	s.heap.push(heapItem{key, v})
}

type heapItem struct {
	key  float64
	node uint32
}

// nodeHeap is a binary min-heap on key with lazy deletion.
type nodeHeap []heapItem

func (h *nodeHeap) push(it heapItem) {
	*h = append(*h, it)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].key <= it.key {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = it
}

func (h *nodeHeap) pop() heapItem {
	a := *h
	top := a[0]
	last := a[len(a)-1]
	a = a[:len(a)-1]
	*h = a
	if len(a) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(a) {
			break
		}
		if c+1 < len(a) && a[c+1].key < a[c].key {
			c++
		}
		if a[c].key >= last.key {
			break
		}
		a[i] = a[c]
		i = c
	}
	a[i] = last
	return top
}

// offRoadS is the time over a snap's off-road part.
func offRoadS(s *Snap, prof *Profile) float64 { return s.OffRoadM * 3.6 / prof.OffRoadKmh }

// seed is a node a search starts from, with its time and road metres.
type seed struct {
	node uint32
	t, m float64
	back bool // leaves the snap against its edge's geometry
}

// exits are the nodes a snap reaches along its edge: the from-node against
// the geometry (when allowed) and the to-node along it, each with the time
// and metres from the snap, t0 and m0 added.
func (n *Network) exits(s *Snap, tab *costTable, t0 float64) []seed {
	e := uint32(s.Edge)
	a := n.attr[e]
	out := make([]seed, 0, 2)
	// A snap at an end of its edge is at that junction, whichever way the
	// edge may be travelled.
	if tab.ok[a][1] || s.AlongM == 0 {
		out = append(out, seed{n.from[e], t0 + s.AlongM*tab.sPerM[a][1], s.AlongM, true})
	}
	if tab.ok[a][0] || s.AlongM == n.length[e] {
		d := n.length[e] - s.AlongM
		out = append(out, seed{n.to[e], t0 + d*tab.sPerM[a][0], d, false})
	}
	return out
}

// dijkstra settles every node within maxS of the seeds already pushed
// into sc, checking ctx every checkEvery pops.
func (n *Network) dijkstra(ctx context.Context, sc *scratch, tab *costTable, maxS float64) error {
	pops := 0
	for len(sc.heap) > 0 {
		it := sc.heap.pop()
		u := it.node
		if sc.done[u] || it.key > sc.time[u] {
			continue
		}
		if it.key > maxS {
			break
		}
		sc.done[u] = true
		sc.settled = append(sc.settled, u)
		if pops++; pops%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("roads: search stopped: %w", err)
			}
		}
		tu, mu := sc.time[u], sc.metres[u]
		lo, hi := n.first[u], n.first[u+1]
		for k, h := range n.adj[lo:hi] {
			c, ok := n.halfCost(tab, h)
			if !ok {
				continue
			}
			t := tu + c
			if t > maxS {
				continue
			}
			sc.relax(n.adjTo[lo+uint32(k)], t, mu+n.length[h>>1], h, t)
		}
	}
	return nil
}

// Tree is the result of a bounded search from one or many sources: the
// travel time (and road metres) from the nearest source to every node
// within the bound, and the sources' own edges. It is immutable and
// holds no scratch of the network.
type Tree struct {
	n       *Network
	prof    Profile
	tab     *costTable
	maxS    float64
	Sources []Snap // the snapped sources, in the order given
	srcT    []float64
	// label of each reached node
	at      map[uint32]int32 // node → label index, or
	dense   []int32          // the same as an array, -1 where unreached
	nodes   []uint32
	time    []float64
	metres  []float64
	onEdge  map[uint32][]int32 // sources on each edge
	skipped []error            // sources that could not be snapped, by index (nil when snapped)
}

// Search runs one bounded Dijkstra from all sources at once: every point
// of the network gets the time from its nearest source (off-road part
// included). Sources farther than prof.MaxSnapM from a usable road are
// skipped (SkippedSources says which and why); when none can be snapped
// the error is the first one's. maxSeconds must be in (0, MaxSearchSeconds].
func (n *Network) Search(ctx context.Context, sources []orb.Point, maxSeconds float64, prof *Profile) (*Tree, error) {
	if err := prof.Validate(); err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, errors.New("roads: a search needs at least one source")
	}
	if len(sources) > MaxSources {
		return nil, fmt.Errorf("roads: %d sources, more than the %d one search takes", len(sources), MaxSources)
	}
	if !(maxSeconds > 0 && maxSeconds <= MaxSearchSeconds) {
		return nil, fmt.Errorf("roads: a search's time must be in (0, %d] seconds, got %v", MaxSearchSeconds, maxSeconds)
	}
	tab := n.table(prof)
	t := &Tree{n: n, prof: *prof, tab: tab, maxS: maxSeconds, onEdge: map[uint32][]int32{}}
	t.Sources = make([]Snap, len(sources))
	t.srcT = make([]float64, len(sources))
	t.skipped = make([]error, len(sources))
	sc := n.getScratch()
	defer n.putScratch(sc)
	snapped := 0
	var firstErr error
	for i, p := range sources {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: search stopped: %w", err)
			}
		}
		err := checkPoint(p)
		var s Snap
		if err == nil {
			s, err = n.snap(p, prof, tab)
		}
		if err != nil {
			t.skipped[i] = err
			t.srcT[i] = math.Inf(1)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		snapped++
		t.Sources[i] = s
		t0 := offRoadS(&s, prof)
		t.srcT[i] = t0
		t.onEdge[uint32(s.Edge)] = append(t.onEdge[uint32(s.Edge)], int32(i))
		if t0 > maxSeconds {
			continue
		}
		for _, x := range n.exits(&s, tab, t0) {
			if x.t <= maxSeconds {
				sc.relax(x.node, x.t, x.m, noPred, x.t)
			}
		}
	}
	if snapped == 0 {
		return nil, firstErr
	}
	if err := n.dijkstra(ctx, sc, tab, maxSeconds); err != nil {
		return nil, err
	}
	t.collect(sc)
	return t, nil
}

// collect copies the settled labels out of the scratch. The index from
// node to label is a dense array when the tree holds at least one node
// in eight (4 bytes a node, no hashing), else a map.
func (t *Tree) collect(sc *scratch) {
	k := len(sc.settled)
	N := len(t.n.nodePt)
	t.nodes = append([]uint32(nil), sc.settled...)
	t.time = make([]float64, k)
	t.metres = make([]float64, k)
	if k*8 >= N {
		t.dense = make([]int32, N)
		for i := range t.dense {
			t.dense[i] = -1
		}
	} else {
		t.at = make(map[uint32]int32, k)
	}
	for i, v := range sc.settled {
		if t.dense != nil {
			t.dense[v] = int32(i)
		} else {
			t.at[v] = int32(i)
		}
		t.time[i], t.metres[i] = sc.time[v], sc.metres[v]
	}
}

// index is node v's label index, ok when reached.
func (t *Tree) index(v uint32) (int32, bool) {
	if t.dense != nil {
		i := t.dense[v]
		return i, i >= 0
	}
	i, ok := t.at[v]
	return i, ok
}

// SkippedSources gives, for each source by index, why it is not in the
// search (nil for the sources that are).
func (t *Tree) SkippedSources() []error { return t.skipped }

// MaxSeconds is the search's bound.
func (t *Tree) MaxSeconds() float64 { return t.maxS }

// nodeLabel is the time and metres at node v, ok when reached.
func (t *Tree) nodeLabel(v uint32) (float64, float64, bool) {
	i, ok := t.index(v)
	if !ok {
		return 0, 0, false
	}
	return t.time[i], t.metres[i], true
}

// along is the best time and metres to position x (metres along edge e)
// from the tree's reached nodes and from sources on the same edge.
func (t *Tree) along(e uint32, x float64) (float64, float64) {
	n, tab := t.n, t.tab
	a := n.attr[e]
	best, bestM := math.Inf(1), 0.0
	if tab.ok[a][0] || x == 0 {
		if tu, mu, ok := t.nodeLabel(n.from[e]); ok {
			if v := tu + x*tab.sPerM[a][0]; v < best {
				best, bestM = v, mu+x
			}
		}
	}
	if tab.ok[a][1] || x == n.length[e] {
		if tv, mv, ok := t.nodeLabel(n.to[e]); ok {
			d := n.length[e] - x
			if v := tv + d*tab.sPerM[a][1]; v < best {
				best, bestM = v, mv+d
			}
		}
	}
	for _, i := range t.onEdge[e] {
		s := &t.Sources[i]
		d := x - s.AlongM
		dir := 0
		if d < 0 {
			d, dir = -d, 1
		}
		if !tab.ok[a][dir] && d != 0 {
			continue
		}
		if v := t.srcT[i] + d*tab.sPerM[a][dir]; v < best {
			best, bestM = v, d
		}
	}
	return best, bestM
}

// TimeTo is the travel time from the nearest source to p (snapped with
// the tree's profile, its off-road part included) and the road metres on
// the way; ok is false when p is not reached within the bound or cannot
// be snapped.
func (t *Tree) TimeTo(p orb.Point) (seconds, roadMeters float64, ok bool) {
	s, err := t.n.Snap(p, &t.prof)
	if err != nil {
		return 0, 0, false
	}
	return t.TimeToSnap(&s)
}

// TimeToSnap is TimeTo for a point already snapped with the tree's profile.
func (t *Tree) TimeToSnap(s *Snap) (seconds, roadMeters float64, ok bool) {
	v, m := t.along(uint32(s.Edge), s.AlongM)
	v += offRoadS(s, &t.prof)
	if !(v <= t.maxS) {
		return 0, 0, false
	}
	return v, m, true
}

// interval is a reached stretch [x0, x1] of an edge (metres along it)
// with the times at its ends.
type interval struct {
	x0, x1, t0, t1 float64
}

// edgeParts are the stretches of edge e reached within the bound: from
// each reached end travelling into the edge and from each source on it.
func (t *Tree) edgeParts(e uint32, buf []interval) []interval {
	n, tab := t.n, t.tab
	a := n.attr[e]
	L := n.length[e]
	T := t.maxS
	out := buf[:0]
	if tab.ok[a][0] {
		if tu, _, ok := t.nodeLabel(n.from[e]); ok {
			s := tab.sPerM[a][0]
			x := L
			if tu+L*s > T {
				x = (T - tu) / s
			}
			out = append(out, interval{0, x, tu, tu + x*s})
		}
	}
	if tab.ok[a][1] {
		if tv, _, ok := t.nodeLabel(n.to[e]); ok {
			s := tab.sPerM[a][1]
			x := L
			if tv+L*s > T {
				x = (T - tv) / s
			}
			out = append(out, interval{L, L - x, tv, tv + x*s})
		}
	}
	for _, i := range t.onEdge[e] {
		src := &t.Sources[i]
		t0 := t.srcT[i]
		if t0 > T {
			continue
		}
		if tab.ok[a][0] {
			s := tab.sPerM[a][0]
			x := math.Min(L, src.AlongM+(T-t0)/s)
			out = append(out, interval{src.AlongM, x, t0, t0 + (x-src.AlongM)*s})
		}
		if tab.ok[a][1] {
			s := tab.sPerM[a][1]
			x := math.Max(0, src.AlongM-(T-t0)/s)
			out = append(out, interval{src.AlongM, x, t0, t0 + (src.AlongM-x)*s})
		}
	}
	return out
}

// reachedEdges calls fn for every edge that a reached node touches or a
// source lies on, once each.
func (t *Tree) reachedEdges(fn func(e uint32) bool) {
	n := t.n
	for _, v := range t.nodes {
		lo, hi := n.first[v], n.first[v+1]
		for k, h := range n.adj[lo:hi] {
			// An edge with its from-node reached is visited from there
			// (a loop included); else from its to-node.
			if h&1 == 1 {
				if _, ok := t.index(n.adjTo[lo+uint32(k)]); ok {
					continue
				}
			}
			if !fn(h >> 1) {
				return
			}
		}
	}
	for e := range t.onEdge {
		if _, ok := t.index(n.from[e]); ok {
			continue
		}
		if _, ok := t.index(n.to[e]); ok {
			continue
		}
		if !fn(e) {
			return
		}
	}
}

// Reached calls fn with every reached road part, oriented in the
// direction of travel, with the times at its start and end; fn returns
// false to stop. Where an edge is reached from both ends (or from a
// source on it) its parts may overlap; each carries the times of its own
// direction, so the smaller of overlapping times is the travel time.
func (t *Tree) Reached(fn func(part orb.LineString, fromS, toS float64) bool) {
	var buf []interval
	t.reachedEdges(func(e uint32) bool {
		buf = t.edgeParts(e, buf)
		for _, iv := range buf {
			if iv.x0 == iv.x1 {
				continue
			}
			if !fn(t.n.subLine(e, iv.x0, iv.x1), iv.t0, iv.t1) {
				return false
			}
		}
		return true
	})
}

// subLine is the part of edge e's geometry from x0 to x1 metres along
// it, in that order (x1 < x0 gives it reversed).
func (n *Network) subLine(e uint32, x0, x1 float64) orb.LineString {
	return n.appendSubLine(nil, e, x0, x1)
}

// appendSubLine appends subLine(e, x0, x1) to dst, so that many parts can
// share one allocation.
func (n *Network) appendSubLine(dst orb.LineString, e uint32, x0, x1 float64) orb.LineString {
	rev := x1 < x0
	if rev {
		x0, x1 = x1, x0
	}
	s, t := n.geom[e], n.geom[e+1]
	g, cum := n.pts[s:t], n.cum[s:t]
	start := len(dst)
	out := dst
	if x0 <= 0 && x1 >= cum[len(cum)-1] {
		out = append(out, g...)
	} else {
		// First segment ending after x0, last starting before x1.
		i := sort.SearchFloat64s(cum, x0) // cum[i] >= x0
		i = max(1, i)
		j := sort.SearchFloat64s(cum, x1)
		j = min(len(cum)-1, max(j, i))
		out = append(out, lerp(g[i-1], g[i], cum[i-1], cum[i]-cum[i-1], x0))
		for k := i; k < j; k++ {
			if g[k] != out[len(out)-1] {
				out = append(out, g[k])
			}
		}
		if p := lerp(g[j-1], g[j], cum[j-1], cum[j]-cum[j-1], x1); p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	if len(out)-start == 1 {
		out = append(out, out[start])
	}
	if rev {
		for i, j := start, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// lerp is the point x metres along the network from a segment ab that
// starts at metre at and is l long.
func lerp(a, b orb.Point, at, l, x float64) orb.Point {
	if l <= 0 {
		return a
	}
	f := math.Max(0, math.Min(1, (x-at)/l))
	return orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
}
