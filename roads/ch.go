package roads

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Contraction hierarchies make long routes on large networks take
// milliseconds (Geisberger, Sanders, Schultes and Delling 2008). Once per
// profile (Prepare), the junctions are put in an order of importance and
// removed one by one, least important first; where removing junction v
// would lengthen the fastest way between two of its remaining neighbours
// u and w, a shortcut u→w of the time u→v→w is added, remembering v. A
// route then needs only two small Dijkstra searches, each going up the
// order (from the source, and backwards from the target), meeting at the
// most important junction of the fastest route. The shortcuts on the way
// are unpacked into the half-edges they stand for, and the route's time
// is summed along those half-edges, as every other search sums it.
//
// Only the profile prepared has a hierarchy: a route with speeds or
// limits of its own searches with A* (and landmarks where prepared) on
// the plain graph, and finds the same route.

// Limits of the preparation, in one place.
const (
	// witnessSettle bounds the junctions one witness search settles when
	// a junction is removed (and simSettle when its removal is only
	// estimated). A search cut short may miss a way around v and add a
	// shortcut that is not needed: more shortcuts, never a wrong route.
	witnessSettle = 400
	simSettle     = 60
	// maxCHNodes: the shortcut flag shares a uint32 with the junction.
	maxCHNodes = 1 << 31
	chShortcut = 1 << 31
)

// contraction is one profile's hierarchy: for each junction v, the arcs
// up the order leaving it (up[upFirst[v]:upFirst[v+1]]) and the arcs down
// the order entering it, stored at v with the higher junction they come
// from (dn…). An arc's node has chShortcut set when the arc is a shortcut;
// its via is then the junction it bypasses, else the half-edge it is.
type contraction struct {
	upFirst, dnFirst []uint32
	upNode, dnNode   []uint32 // the arc's other end | chShortcut
	upW, dnW         []float64
	upVia, dnVia     []uint32
	shortcuts        int64
}

// bytes is the memory of the hierarchy.
func (c *contraction) bytes() int64 {
	return int64(len(c.upFirst)+len(c.dnFirst))*4 + int64(len(c.upNode)+len(c.dnNode))*16
}

// arcs is the number of arcs of the hierarchy, original and shortcut.
func (c *contraction) arcs() int64 { return int64(len(c.upNode) + len(c.dnNode)) }

// dynArc is an arc of the graph while junctions are removed.
type dynArc struct {
	node uint32 // the other end
	via  uint32 // half-edge, or for a shortcut the junction bypassed
	w    float64
	sc   bool
}

// chBuilder is the state of one preparation.
type chBuilder struct {
	out, in [][]dynArc
	deleted []int32 // neighbours removed so far, a term of the priority
	done    []bool
	dirty   []bool // a neighbour was removed since the priority was computed
	ws      *witnessState
}

// witnessState is one witness search's labels, valid where stamp == gen.
type witnessState struct {
	stamp []uint32
	gen   uint32
	dist  []float64
	heap  nodeHeap
	// target marks the junctions a witness search looks for (target ==
	// gen); the search stops once it has settled them all.
	target []uint32
}

func newWitnessState(n int) *witnessState {
	return &witnessState{stamp: make([]uint32, n), dist: make([]float64, n), target: make([]uint32, n)}
}

// buildContraction prepares tab's hierarchy on n. It checks ctx every
// few hundred junctions, so a newer network cancels it quickly.
func (n *Network) buildContraction(ctx context.Context, tab *costTable) (*contraction, error) {
	N := len(n.nodePt)
	if N >= maxCHNodes {
		return nil, fmt.Errorf("roads: %d junctions, more than a hierarchy takes", N)
	}
	b := &chBuilder{out: make([][]dynArc, N), in: make([][]dynArc, N), deleted: make([]int32, N),
		done: make([]bool, N), dirty: make([]bool, N), ws: newWitnessState(N)}
	for u := range N {
		lo, hi := n.first[u], n.first[u+1]
		for k, h := range n.adj[lo:hi] {
			c, ok := n.halfCost(tab, h)
			v := n.adjTo[lo+uint32(k)]
			if !ok || v == uint32(u) {
				continue // a loop is never on a fastest way
			}
			b.addArc(uint32(u), v, c, h, false)
		}
	}
	// Initial priorities, then removal in order with lazy updates: a
	// junction's priority is recomputed when it comes up if a neighbour
	// was removed since (nothing else changes it), and it goes back if it
	// is no longer the smallest.
	// The first priorities only read the graph: they are computed on
	// every core, each with a witness state of its own.
	prio := make([]float64, N)
	workers := min(runtime.GOMAXPROCS(0), max(1, N/20_000))
	var wg sync.WaitGroup
	var stopped atomic.Bool
	for k := range workers {
		wg.Go(func() {
			ws := b.ws
			if k > 0 {
				ws = newWitnessState(N)
			}
			for v := k; v < N; v += workers {
				if v%1024 < workers && ctx.Err() != nil {
					stopped.Store(true)
					return
				}
				prio[v] = b.priority(ws, uint32(v))
			}
		})
	}
	wg.Wait()
	if stopped.Load() {
		return nil, fmt.Errorf("roads: hierarchy stopped: %w", ctx.Err())
	}
	q := make(nodeHeap, 0, N)
	for v := range N {
		q.push(heapItem{prio[v], uint32(v)})
	}
	c := &contraction{}
	up := make([][]dynArc, N)
	dn := make([][]dynArc, N)
	next := uint32(0)
	for len(q) > 0 {
		it := q.pop()
		v := it.node
		if b.done[v] || it.key != prio[v] {
			continue
		}
		if b.dirty[v] {
			b.dirty[v] = false
			if p := b.priority(b.ws, v); len(q) > 0 && p > q[0].key {
				prio[v] = p
				q.push(heapItem{p, v})
				continue
			}
		}
		if next%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: hierarchy stopped: %w", err)
			}
		}
		up[v], dn[v] = b.out[v], b.in[v]
		b.contract(v)
		next++
		// Only the count of removed neighbours is updated here; their
		// priorities are recomputed when they come up (lazy updates):
		// updating every neighbour's at once costs four times the
		// preparation on a lattice for routes no faster.
		for _, a := range up[v] {
			b.deleted[a.node]++
			b.dirty[a.node] = true
		}
		for _, a := range dn[v] {
			b.deleted[a.node]++
			b.dirty[a.node] = true
		}
	}
	c.upFirst, c.upNode, c.upW, c.upVia = flatten(up)
	c.dnFirst, c.dnNode, c.dnW, c.dnVia = flatten(dn)
	for _, l := range [2][]uint32{c.upNode, c.dnNode} {
		for _, x := range l {
			if x&chShortcut != 0 {
				c.shortcuts++
			}
		}
	}
	return c, nil
}

// flatten lays per-junction arc lists out in CSR form.
func flatten(lists [][]dynArc) (first, node []uint32, w []float64, via []uint32) {
	first = make([]uint32, len(lists)+1)
	total := 0
	for i, l := range lists {
		total += len(l)
		first[i+1] = uint32(total)
	}
	node, w, via = make([]uint32, 0, total), make([]float64, 0, total), make([]uint32, 0, total)
	for _, l := range lists {
		for _, a := range l {
			x := a.node
			if a.sc {
				x |= chShortcut
			}
			node, w, via = append(node, x), append(w, a.w), append(via, a.via)
		}
	}
	return first, node, w, via
}

// addArc adds u→v of time c, or lowers the time of the arc u→v there is:
// between two junctions there is only ever the fastest arc.
func (b *chBuilder) addArc(u, v uint32, c float64, via uint32, sc bool) {
	for i := range b.out[u] {
		a := &b.out[u][i]
		if a.node != v {
			continue
		}
		if c >= a.w {
			return
		}
		*a = dynArc{v, via, c, sc}
		for j := range b.in[v] {
			if b.in[v][j].node == u {
				b.in[v][j] = dynArc{u, via, c, sc}
			}
		}
		return
	}
	b.out[u] = append(b.out[u], dynArc{v, via, c, sc})
	b.in[v] = append(b.in[v], dynArc{u, via, c, sc})
}

// witness runs a Dijkstra from src in the remaining graph, around skip,
// up to time limit, settle junctions settled, or the targets (the
// junctions marked with the current generation, targets of them) all
// settled. The labels it leaves are times of real ways (settled or not),
// so any of them is a witness.
func (b *chBuilder) witness(ws *witnessState, src, skip uint32, limit float64, settle, targets int) {
	ws.heap = ws.heap[:0]
	ws.stamp[src], ws.dist[src] = ws.gen, 0
	ws.heap.push(heapItem{0, src})
	settled := 0
	for len(ws.heap) > 0 {
		it := ws.heap.pop()
		u := it.node
		if it.key > ws.dist[u] {
			continue
		}
		if it.key > limit || settled >= settle {
			return
		}
		settled++
		if ws.target[u] == ws.gen {
			ws.target[u] = 0 // settled once
			if targets--; targets == 0 {
				return
			}
		}
		for _, a := range b.out[u] {
			x := a.node
			if x == skip {
				continue
			}
			d := it.key + a.w
			if d > limit {
				continue
			}
			if ws.stamp[x] != ws.gen || d < ws.dist[x] {
				ws.stamp[x], ws.dist[x] = ws.gen, d
				ws.heap.push(heapItem{d, x})
			}
		}
	}
}

// nextGen starts a new generation of witness labels and targets.
func (ws *witnessState) nextGen() {
	ws.gen++
	if ws.gen == 0 {
		clear(ws.stamp)
		clear(ws.target)
		ws.gen = 1
	}
}

// shortcuts calls fn with each shortcut that removing v needs: each pair
// of remaining neighbours u→v→w with no witness as fast.
func (b *chBuilder) shortcuts(ws *witnessState, v uint32, settle int, fn func(u, w uint32, c float64)) {
	outs := b.out[v]
	for _, ia := range b.in[v] {
		u := ia.node
		limit := math.Inf(-1)
		for _, oa := range outs {
			if oa.node != u {
				limit = math.Max(limit, ia.w+oa.w)
			}
		}
		if math.IsInf(limit, -1) {
			continue
		}
		ws.nextGen()
		targets := 0
		for _, oa := range outs {
			if oa.node != u && ws.target[oa.node] != ws.gen {
				ws.target[oa.node] = ws.gen
				targets++
			}
		}
		b.witness(ws, u, v, limit, settle, targets)
		for _, oa := range outs {
			w := oa.node
			if w == u {
				continue
			}
			c := ia.w + oa.w
			if ws.stamp[w] == ws.gen && ws.dist[w] <= c {
				continue
			}
			fn(u, w, c)
		}
	}
}

// priority is three times v's edge difference (shortcuts its removal
// adds less the arcs it removes) plus its neighbours removed so far,
// which spreads the removals over the network. On the generated lattice
// the weight 3 gives a quarter fewer shortcuts than 1, and a third less
// preparation time.
func (b *chBuilder) priority(ws *witnessState, v uint32) float64 {
	k := 0
	b.shortcuts(ws, v, simSettle, func(uint32, uint32, float64) { k++ })
	return 3*float64(k-len(b.in[v])-len(b.out[v])) + float64(b.deleted[v])
}

// contract removes v: its arcs leave the remaining graph (the caller has
// kept them as v's arcs of the hierarchy) and the shortcuts it needs are
// added.
func (b *chBuilder) contract(v uint32) {
	type sc struct {
		u, w uint32
		c    float64
	}
	var add []sc
	b.shortcuts(b.ws, v, witnessSettle, func(u, w uint32, c float64) { add = append(add, sc{u, w, c}) })
	for _, a := range b.out[v] {
		b.in[a.node] = dropArc(b.in[a.node], v)
	}
	for _, a := range b.in[v] {
		b.out[a.node] = dropArc(b.out[a.node], v)
	}
	b.out[v], b.in[v] = nil, nil
	b.done[v] = true
	for _, s := range add {
		b.addArc(s.u, s.w, s.c, v, true)
	}
}

// dropArc removes the arc to or from v from list, in place.
func dropArc(list []dynArc, v uint32) []dynArc {
	for i := 0; i < len(list); i++ {
		if list[i].node == v {
			list[i] = list[len(list)-1]
			list = list[:len(list)-1]
			i--
		}
	}
	return list
}
