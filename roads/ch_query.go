package roads

import (
	"context"
	"fmt"
)

// chScratch is the state of one hierarchy query, both directions (0:
// up from the source, 1: up backwards from the target), with labels
// valid where stamp equals gen, like scratch.
type chScratch struct {
	gen      uint32
	stamp    [2][]uint32
	dist     [2][]float64
	predNode [2][]uint32 // the junction before, or noPred at a seed or entry
	predArc  [2][]uint32 // the arc from it, or the seed's or entry's index
	heap     [2]nodeHeap
	stack    []chArc // unpack's
}

func (n *Network) getCHScratch() *chScratch {
	var s *chScratch
	select {
	case s = <-n.chScratches:
	default:
	}
	if s != nil {
		s.gen++
		if s.gen == 0 {
			clear(s.stamp[0])
			clear(s.stamp[1])
			s.gen = 1
		}
		s.heap[0], s.heap[1] = s.heap[0][:0], s.heap[1][:0]
		return s
	}
	k := len(n.nodePt)
	s = &chScratch{gen: 1}
	for d := range 2 {
		s.stamp[d], s.dist[d] = make([]uint32, k), make([]float64, k)
		s.predNode[d], s.predArc[d] = make([]uint32, k), make([]uint32, k)
	}
	return s
}

func (n *Network) putCHScratch(s *chScratch) {
	select {
	case n.chScratches <- s:
	default:
	}
}

// label offers time t at junction v in direction d, from junction pn by
// arc pa.
func (s *chScratch) label(d int, v uint32, t float64, pn, pa uint32) {
	if s.stamp[d][v] == s.gen && t >= s.dist[d][v] {
		return
	}
	s.stamp[d][v], s.dist[d][v], s.predNode[d][v], s.predArc[d][v] = s.gen, t, pn, pa
	s.heap[d].push(heapItem{t, v})
}

func (s *chScratch) seen(d int, v uint32) bool { return s.stamp[d][v] == s.gen }

// chEnd is a junction a hierarchy query starts from (the source's
// exits) or ends at (the target's entries), with the time to or from the
// snap.
type chEnd struct {
	node uint32
	t    float64
}

// query runs the bidirectional search up the hierarchy from the exits to
// the entries, best being the time of a way found before (the shared
// edge), +Inf if none. It returns the junction where the fastest way
// meets, its time, and ok false when no way through the network is
// faster than best. Stall-on-demand prunes a junction that a label from
// a higher one reaches faster, as it cannot be on the fastest way up: on
// a 300×300 lattice it halves the junctions a route settles (180 for
// 401).
func (c *contraction) query(ctx context.Context, sc *chScratch, exits, entries []chEnd, best float64) (uint32, float64, bool, error) {
	for k, x := range exits {
		sc.label(0, x.node, x.t, noPred, uint32(k))
	}
	for k, x := range entries {
		sc.label(1, x.node, x.t, noPred, uint32(k))
	}
	meet, found := uint32(0), false
	pops := 0
	for {
		// The direction whose next label is smaller; a direction is done
		// when its next label is no faster than the best way.
		d := -1
		for k := range 2 {
			if h := sc.heap[k]; len(h) > 0 && h[0].key < best && (d < 0 || h[0].key < sc.heap[d][0].key) {
				d = k
			}
		}
		if d < 0 {
			return meet, best, found, nil
		}
		it := sc.heap[d].pop()
		u := it.node
		du := it.key
		if du > sc.dist[d][u] {
			continue
		}
		if pops++; pops%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, 0, false, fmt.Errorf("roads: route stopped: %w", err)
			}
		}
		if sc.seen(1-d, u) {
			if t := du + sc.dist[1-d][u]; t < best {
				best, meet, found = t, u, true
			}
		}
		// Going up from the source the arcs are up[u], and the arcs that
		// could stall u come down into it (dn[u]); backwards, the other
		// way round.
		relax, relaxW := c.upNode[c.upFirst[u]:c.upFirst[u+1]], c.upW[c.upFirst[u]:c.upFirst[u+1]]
		stall, stallW := c.dnNode[c.dnFirst[u]:c.dnFirst[u+1]], c.dnW[c.dnFirst[u]:c.dnFirst[u+1]]
		base := c.upFirst[u]
		if d == 1 {
			relax, stall, relaxW, stallW = stall, relax, stallW, relaxW
			base = c.dnFirst[u]
		}
		stalled := false
		for k, x := range stall {
			x &^= chShortcut
			if sc.seen(d, x) && sc.dist[d][x]+stallW[k] < du {
				stalled = true
				break
			}
		}
		if stalled {
			continue
		}
		for k, x := range relax {
			x &^= chShortcut
			sc.label(d, x, du+relaxW[k], u, base+uint32(k))
		}
	}
}

// path is the half-edges of the way found, from the exit to the entry,
// and the indices of that exit and entry.
func (c *contraction) path(sc *chScratch, meet uint32) (halves []uint32, exit, entry int) {
	// Up from the source: the arcs back from meet, then unpacked in the
	// order travelled.
	type step struct{ from, arc uint32 }
	var up []step
	v := meet
	for sc.predNode[0][v] != noPred {
		up = append(up, step{sc.predNode[0][v], sc.predArc[0][v]})
		v = sc.predNode[0][v]
	}
	exit = int(sc.predArc[0][v])
	for i := len(up) - 1; i >= 0; i-- {
		a := up[i].arc
		halves = c.unpack(sc, halves, up[i].from, c.upNode[a], c.upVia[a])
	}
	// Down to the target: each arc comes from v into the lower junction
	// it is stored at.
	v = meet
	for sc.predNode[1][v] != noPred {
		a, next := sc.predArc[1][v], sc.predNode[1][v]
		halves = c.unpack(sc, halves, v, next|c.dnNode[a]&chShortcut, c.dnVia[a])
		v = next
	}
	entry = int(sc.predArc[1][v])
	return halves, exit, entry
}

// unpack appends the half-edges of the arc from u to the junction x
// (x carrying chShortcut when the arc is a shortcut bypassing via) in the
// order travelled.
func (c *contraction) unpack(sc *chScratch, dst []uint32, u, x, via uint32) []uint32 {
	stack := append(sc.stack[:0], chArc{u, x, via})
	defer func() { sc.stack = stack[:0] }()
	for len(stack) > 0 {
		a := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if a.to&chShortcut == 0 {
			dst = append(dst, a.via)
			continue
		}
		to, m := a.to&^chShortcut, a.via
		// m is below both ends: the arc from → m comes down into m, the
		// arc m → to goes up from it.
		second, first := c.findUp(m, to), c.findDn(m, a.from)
		stack = append(stack, second, first)
	}
	return dst
}

// chArc is an arc of the hierarchy being unpacked: to carries
// chShortcut when it is a shortcut bypassing via, else via is its
// half-edge.
type chArc struct{ from, to, via uint32 }

// findUp is the arc from m up to x, as unpack's arc.
func (c *contraction) findUp(m, x uint32) chArc {
	for a := c.upFirst[m]; a < c.upFirst[m+1]; a++ {
		if c.upNode[a]&^chShortcut == x {
			return chArc{m, c.upNode[a], c.upVia[a]}
		}
	}
	panic(fmt.Sprintf("roads: hierarchy has no arc %d → %d", m, x))
}

// findDn is the arc from x down to m.
func (c *contraction) findDn(m, x uint32) chArc {
	for a := c.dnFirst[m]; a < c.dnFirst[m+1]; a++ {
		if c.dnNode[a]&^chShortcut == x {
			to := m
			if c.dnNode[a]&chShortcut != 0 {
				to |= chShortcut
			}
			return chArc{x, to, c.dnVia[a]}
		}
	}
	panic(fmt.Sprintf("roads: hierarchy has no arc %d → %d", x, m))
}
