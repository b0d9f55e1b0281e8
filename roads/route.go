package roads

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// Route is the fastest way on the roads through the given points in order.
type Route struct {
	// Line runs from the first query point over its snap, along the roads,
	// through every via point's snap (and the via point itself) to the last
	// query point: the off-road parts are its first and last segments.
	Line orb.LineString
	// DurationS is the travel time, off-road parts included (at the
	// profile's OffRoadKmh); DistanceM the length of Line: road metres plus
	// the off-road metres.
	DurationS, DistanceM float64
	// TimesS is the travel time from the start to each vertex of Line,
	// as long as Line: along each road at that road's speed for the
	// profile, over the off-road parts at its OffRoadKmh. The last is
	// DurationS.
	TimesS   []float64
	From, To Snap
	Via      []Snap
}

// Seeds and targets are marked in pred by which way they leave or enter
// their snap's edge.
const (
	seedFwd  = math.MaxUint32     // left the source snap along its edge's geometry
	seedBack = math.MaxUint32 - 1 // against it
)

// algorithm is how a leg is searched. Every one finds a fastest route;
// they differ in speed only. The default takes the fastest the profile is
// prepared for; the others are for benchmarks and tests.
type algorithm int

const (
	algoAuto     algorithm = iota // hierarchy, else A* with landmarks, else A*
	algoDijkstra                  // no bound at all
	algoAStar                     // great-circle bound only
	algoALT                       // landmarks where prepared
	algoCH                        // the hierarchy, where prepared (else as algoAuto)
)

// Route finds the fastest route from pts[0] through pts[1:len-1] to the
// last point, each leg by the hierarchy where the profile is prepared
// (Prepare), else by A* with the great-circle distance at the profile's
// fastest speed as the bound, tightened by landmarks where prepared
// (admissible, so the result is exact either way). Points are snapped
// with prof; a point with no road within prof.MaxSnapM is ErrNoRoad,
// unconnected points ErrNoRoute.
func (n *Network) Route(ctx context.Context, pts []orb.Point, prof *Profile) (*Route, error) {
	return n.route(ctx, pts, prof, algoAuto)
}

func (n *Network) route(ctx context.Context, pts []orb.Point, prof *Profile, algo algorithm) (*Route, error) {
	if err := prof.Validate(); err != nil {
		return nil, err
	}
	if len(pts) < 2 || len(pts) > MaxRoutePoints {
		return nil, fmt.Errorf("roads: a route takes 2 to %d points (from, via…, to), got %d", MaxRoutePoints, len(pts))
	}
	tab := n.table(prof)
	snaps := make([]Snap, len(pts))
	for i, p := range pts {
		if err := checkPoint(p); err != nil {
			return nil, err
		}
		s, err := n.snap(p, prof, tab)
		if err != nil {
			return nil, fmt.Errorf("point %d of the route: %w", i+1, err)
		}
		snaps[i] = s
	}
	r := &Route{From: snaps[0], To: snaps[len(snaps)-1], Via: snaps[1 : len(snaps)-1]}
	for i := 1; i < len(snaps); i++ {
		leg, err := n.leg(ctx, &snaps[i-1], &snaps[i], prof, tab, algo)
		if err != nil {
			return nil, err
		}
		line, times := leg.Line, leg.TimesS
		if len(r.Line) > 0 {
			// The via point ends one leg and starts the next.
			line, times = line[1:], times[1:]
		}
		r.Line = append(r.Line, line...)
		for _, t := range times {
			r.TimesS = append(r.TimesS, r.DurationS+t)
		}
		r.DurationS += leg.DurationS
		r.DistanceM += leg.DistanceM
	}
	if k := len(r.TimesS); k > 0 {
		r.TimesS[k-1] = r.DurationS
	}
	return r, nil
}

// legPath is the way a search found between two snaps, which assemble
// turns into a Route: along the shared edge directly, or leaving the
// source's edge (against its geometry when back), the half-edges in
// order, and entering the target's edge at its from-node (entryDir 0)
// or its to-node (1).
type legPath struct {
	direct   bool
	back     bool
	halves   []uint32
	entryDir int
}

// targetEntry is a way into the target snap: from a junction at an end
// of its edge, with the time and metres from there.
type targetEntry struct {
	node uint32
	t, m float64
	dir  int
}

// entries are the target's entries: from its edge's from-node along the
// geometry, or from its to-node against it (either when the snap is at
// that end).
func (n *Network) entries(d *Snap, tab *costTable) []targetEntry {
	de := uint32(d.Edge)
	da := n.attr[de]
	out := make([]targetEntry, 0, 2)
	if tab.ok[da][0] || d.AlongM == 0 {
		out = append(out, targetEntry{n.from[de], d.AlongM * tab.sPerM[da][0], d.AlongM, 0})
	}
	if tab.ok[da][1] || d.AlongM == n.length[de] {
		x := n.length[de] - d.AlongM
		out = append(out, targetEntry{n.to[de], x * tab.sPerM[da][1], x, 1})
	}
	return out
}

// leg is the fastest route between two snaps.
func (n *Network) leg(ctx context.Context, s, d *Snap, prof *Profile, tab *costTable, algo algorithm) (*Route, error) {
	best := math.Inf(1)
	direct := false
	if s.Edge == d.Edge {
		da := n.attr[d.Edge]
		delta := d.AlongM - s.AlongM
		dir := 0
		if delta < 0 {
			delta, dir = -delta, 1
		}
		if tab.ok[da][dir] || delta == 0 {
			best, direct = delta*tab.sPerM[da][dir], true
		}
	}
	ents := n.entries(d, tab)
	exits := n.exits(s, tab, 0)
	var p *legPath
	var err error
	if c := tab.ch.Load(); c != nil && (algo == algoAuto || algo == algoCH) {
		p, err = n.chLeg(ctx, c, exits, ents, best)
	} else {
		p, err = n.astarLeg(ctx, s, d, tab, exits, ents, best, algo)
	}
	if err != nil {
		return nil, err
	}
	if p == nil && direct {
		p = &legPath{direct: true}
	}
	if p == nil {
		return nil, fmt.Errorf("%w for %s from %v to %v: the roads there are not connected", ErrNoRoute, prof.Mode, s.Query, d.Query)
	}
	return n.assemble(s, d, prof, tab, p), nil
}

// chLeg searches a leg on the hierarchy: nil when no way through the
// network is faster than best.
func (n *Network) chLeg(ctx context.Context, c *contraction, exits []seed, ents []targetEntry, best float64) (*legPath, error) {
	n.chLegs.Add(1)
	var xs, es [2]chEnd
	for k, x := range exits {
		xs[k] = chEnd{x.node, x.t}
	}
	for k, e := range ents {
		es[k] = chEnd{e.node, e.t}
	}
	sc := n.getCHScratch()
	defer n.putCHScratch(sc)
	meet, _, found, err := c.query(ctx, sc, xs[:len(exits)], es[:len(ents)], best)
	if err != nil || !found {
		return nil, err
	}
	halves, x, e := c.path(sc, meet)
	return &legPath{back: exits[x].back, halves: halves, entryDir: ents[e].dir}, nil
}

// astarLeg searches a leg by A* on the plain graph (algoDijkstra: with
// no bound): nil when no way through the network is faster than best.
func (n *Network) astarLeg(ctx context.Context, s, d *Snap, tab *costTable, exits []seed, ents []targetEntry, best float64, algo algorithm) (*legPath, error) {
	if !(tab.maxKmh > 0) || len(ents) == 0 {
		return nil, nil
	}
	bestNode, bestVia := uint32(0), -1
	sc := n.getScratch()
	defer n.putScratch(sc)
	if sc.h == nil {
		sc.h = make([]float64, len(n.nodePt))
	}
	secPerM := 3.6 / tab.maxKmh
	var alt altTarget
	if l := tab.lm.Load(); l != nil && algo != algoDijkstra && algo != algoAStar {
		var es [2]uint32
		var cs [2]float64
		for k, e := range ents {
			es[k], cs[k] = e.node, e.t
		}
		alt = newALTTarget(l, es[:len(ents)], cs[:len(ents)])
		n.landmarkLegs.Add(1)
	}
	h := func(v uint32) float64 {
		if algo == algoDijkstra {
			return 0
		}
		g := geo.Distance(n.nodePt[v], d.Point) * secPerM
		if alt.valid {
			return math.Max(g, alt.bound(v))
		}
		return g
	}
	for _, x := range exits {
		pred := uint32(seedFwd)
		if x.back {
			pred = seedBack
		}
		hv := h(x.node)
		sc.relax(x.node, x.t, x.m, pred, x.t+hv)
		sc.h[x.node] = hv
	}
	pops := 0
	for len(sc.heap) > 0 {
		it := sc.heap.pop()
		u := it.node
		if sc.done[u] {
			continue
		}
		if it.key >= best {
			break
		}
		sc.done[u] = true
		if pops++; pops%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: route stopped: %w", err)
			}
		}
		tu, mu := sc.time[u], sc.metres[u]
		for k, e := range ents {
			if e.node == u && tu+e.t < best {
				best, bestNode, bestVia = tu+e.t, u, k
			}
		}
		lo, hi := n.first[u], n.first[u+1]
		for k, hh := range n.adj[lo:hi] {
			c, ok := n.halfCost(tab, hh)
			if !ok {
				continue
			}
			v := n.adjTo[lo+uint32(k)]
			t := tu + c
			var hv float64
			if sc.seen(v) {
				if t >= sc.time[v] {
					continue
				}
				// A settled node reached faster is opened again: the
				// bound is admissible but, its landmark times rounded to
				// float32, consistent only to an ulp (about 1e-4 s on a
				// 4-hour walk), so A* may settle a node a hair too late.
				// Reopening keeps routes exact; it is rare and cheap.
				sc.done[v] = false
				hv = sc.h[v]
			} else {
				hv = h(v)
				sc.h[v] = hv
			}
			sc.relax(v, t, mu+n.length[hh>>1], hh, t+hv)
		}
	}
	if bestVia < 0 {
		return nil, nil
	}
	// Half-edges back from the target's entry node to the seed.
	p := &legPath{entryDir: ents[bestVia].dir}
	v := bestNode
	for {
		hh := sc.pred[v]
		if hh == seedFwd || hh == seedBack {
			p.back = hh == seedBack
			break
		}
		p.halves = append(p.halves, hh)
		v = n.other(hh ^ 1)
	}
	for i, j := 0, len(p.halves)-1; i < j; i, j = i+1, j-1 {
		p.halves[i], p.halves[j] = p.halves[j], p.halves[i]
	}
	return p, nil
}

// lineBuilder collects a route's vertices with the time at each,
// dropping a vertex equal to the one before (which keeps the later time).
type lineBuilder struct {
	line  orb.LineString
	times []float64
}

func (b *lineBuilder) point(p orb.Point, t float64) {
	if k := len(b.line); k > 0 && b.line[k-1] == p {
		b.times[k-1] = t
		return
	}
	b.line = append(b.line, p)
	b.times = append(b.times, t)
}

// piece adds ls travelled from time t0 to t1 at one speed: the time at
// each vertex in proportion to the length along ls up to it.
func (b *lineBuilder) piece(ls orb.LineString, t0, t1 float64) {
	var total float64
	for i := 1; i < len(ls); i++ {
		total += geo.Distance(ls[i-1], ls[i])
	}
	var at float64
	for i, p := range ls {
		if i > 0 {
			at += geo.Distance(ls[i-1], p)
		}
		t := t0
		switch {
		case i == len(ls)-1:
			t = t1
		case total > 0:
			t = t0 + (t1-t0)*at/total
		}
		b.point(p, t)
	}
}

// edge adds half-edge h travelled whole from time t0 to t1, the time at
// each vertex in proportion to the metres along the edge up to it (from
// the lengths Build measured).
func (b *lineBuilder) edge(n *Network, h uint32, t0, t1 float64) {
	e := h >> 1
	lo, hi := n.geom[e], n.geom[e+1]
	L := n.length[e]
	f := 0.0
	if L > 0 {
		f = (t1 - t0) / L
	}
	for k := range hi - lo {
		i := lo + k
		if h&1 == 1 {
			i = hi - 1 - k
		}
		var t float64
		switch {
		case k == hi-lo-1:
			t = t1
		case h&1 == 0:
			t = t0 + n.cum[i]*f
		default:
			t = t0 + (L-n.cum[i])*f
		}
		b.point(n.pts[i], t)
	}
}

// assemble is the Route of a leg from s to d along p: its line, the time
// at each vertex, its duration (the off-road parts at prof.OffRoadKmh and
// each road at its speed, summed in the order travelled, as the searches
// sum them) and its distance.
func (n *Network) assemble(s, d *Snap, prof *Profile, tab *costTable, p *legPath) *Route {
	t0, t1 := offRoadS(s, prof), offRoadS(d, prof)
	se, de := uint32(s.Edge), uint32(d.Edge)
	b := &lineBuilder{}
	b.point(s.Query, 0)
	var road, metres float64 // the time and metres on the roads so far
	if p.direct {
		x := math.Abs(d.AlongM - s.AlongM)
		dir := 0
		if d.AlongM < s.AlongM {
			dir = 1
		}
		road, metres = x*tab.sPerM[n.attr[de]][dir], x
		b.piece(n.subLine(de, s.AlongM, d.AlongM), t0, t0+road)
	} else {
		a := n.attr[se]
		if p.back {
			road, metres = s.AlongM*tab.sPerM[a][1], s.AlongM
			b.piece(n.subLine(se, s.AlongM, 0), t0, t0+road)
		} else {
			x := n.length[se] - s.AlongM
			road, metres = x*tab.sPerM[a][0], x
			b.piece(n.subLine(se, s.AlongM, n.length[se]), t0, t0+road)
		}
		for _, h := range p.halves {
			c, _ := n.halfCost(tab, h)
			e := h >> 1
			start := t0 + road
			road += c
			metres += n.length[e]
			b.edge(n, h, start, t0+road)
		}
		a = n.attr[de]
		start := t0 + road
		if p.entryDir == 0 {
			road += d.AlongM * tab.sPerM[a][0]
			metres += d.AlongM
			b.piece(n.subLine(de, 0, d.AlongM), start, t0+road)
		} else {
			x := n.length[de] - d.AlongM
			road += x * tab.sPerM[a][1]
			metres += x
			b.piece(n.subLine(de, n.length[de], d.AlongM), start, t0+road)
		}
	}
	total := t0 + road + t1
	b.point(d.Point, t0+road)
	b.point(d.Query, total)
	if len(b.line) == 1 {
		b.line = append(b.line, b.line[0])
		b.times = append(b.times, total)
	}
	b.times[len(b.times)-1] = total
	return &Route{From: *s, To: *d, Line: b.line, TimesS: b.times, DurationS: total,
		DistanceM: s.OffRoadM + metres + d.OffRoadM}
}
