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
	From, To             Snap
	Via                  []Snap
}

// Seeds and targets are marked in pred by which way they leave or enter
// their snap's edge.
const (
	seedFwd  = math.MaxUint32     // left the source snap along its edge's geometry
	seedBack = math.MaxUint32 - 1 // against it
)

// Route finds the fastest route from pts[0] through pts[1:len-1] to the
// last point, each leg by A* with the great-circle distance at the
// profile's fastest speed as the bound (admissible and consistent, so the
// result is exact). Points are snapped with prof; a point with no road
// within prof.MaxSnapM is ErrNoRoad, unconnected points ErrNoRoute.
func (n *Network) Route(ctx context.Context, pts []orb.Point, prof *Profile) (*Route, error) {
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
		leg, err := n.leg(ctx, &snaps[i-1], &snaps[i], prof, tab)
		if err != nil {
			return nil, err
		}
		r.DurationS += leg.DurationS
		r.DistanceM += leg.DistanceM
		if len(r.Line) > 0 {
			leg.Line = leg.Line[1:] // the via point ends one leg and starts the next
		}
		r.Line = append(r.Line, leg.Line...)
	}
	return r, nil
}

// leg is the fastest route between two snaps.
func (n *Network) leg(ctx context.Context, s, d *Snap, prof *Profile, tab *costTable) (*Route, error) {
	t0, t1 := offRoadS(s, prof), offRoadS(d, prof)
	best := math.Inf(1)
	bestNode, bestVia := uint32(0), -1 // -1: along the shared edge directly
	direct := false
	de := uint32(d.Edge)
	da := n.attr[de]
	if s.Edge == d.Edge {
		delta := d.AlongM - s.AlongM
		dir := 0
		if delta < 0 {
			delta, dir = -delta, 1
		}
		if tab.ok[da][dir] || delta == 0 {
			best, direct = delta*tab.sPerM[da][dir], true
		}
	}
	// The target's entries: from its edge's from-node along the geometry,
	// or from its to-node against it.
	type entry struct {
		node uint32
		t, m float64
		dir  int
	}
	var entries [2]entry
	ne := 0
	if tab.ok[da][0] || d.AlongM == 0 {
		entries[ne] = entry{n.from[de], d.AlongM * tab.sPerM[da][0], d.AlongM, 0}
		ne++
	}
	if tab.ok[da][1] || d.AlongM == n.length[de] {
		x := n.length[de] - d.AlongM
		entries[ne] = entry{n.to[de], x * tab.sPerM[da][1], x, 1}
		ne++
	}
	sc := n.getScratch()
	defer n.putScratch(sc)
	if sc.h == nil {
		sc.h = make([]float64, len(n.nodePt))
	}
	if tab.maxKmh > 0 && ne > 0 {
		secPerM := 3.6 / tab.maxKmh
		var alt altTarget
		if l := tab.lm.Load(); l != nil {
			var es [2]uint32
			var cs [2]float64
			for k := range ne {
				es[k], cs[k] = entries[k].node, entries[k].t
			}
			alt = newALTTarget(l, es[:ne], cs[:ne])
		}
		h := func(v uint32) float64 {
			g := geo.Distance(n.nodePt[v], d.Point) * secPerM
			if alt.valid {
				return math.Max(g, alt.bound(v))
			}
			return g
		}
		for _, x := range n.exits(s, tab, 0) {
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
			for k := range ne {
				if entries[k].node == u && tu+entries[k].t < best {
					best, bestNode, bestVia, direct = tu+entries[k].t, u, k, false
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
					if sc.done[v] || t >= sc.time[v] {
						continue
					}
					hv = sc.h[v]
				} else {
					hv = h(v)
					sc.h[v] = hv
				}
				sc.relax(v, t, mu+n.length[hh>>1], hh, t+hv)
			}
		}
	}
	if math.IsInf(best, 1) {
		return nil, fmt.Errorf("%w for %s from %v to %v: the roads there are not connected", ErrNoRoute, prof.Mode, s.Query, d.Query)
	}
	leg := &Route{From: *s, To: *d, DurationS: t0 + best + t1}
	line := orb.LineString{s.Query}
	add := func(ls orb.LineString) {
		for _, p := range ls {
			if p != line[len(line)-1] {
				line = append(line, p)
			}
		}
	}
	var road float64
	if direct {
		add(n.subLine(de, s.AlongM, d.AlongM))
		road = math.Abs(d.AlongM - s.AlongM)
	} else {
		// Half-edges back from the target's entry node to the seed.
		var path []uint32
		v := bestNode
		for {
			h := sc.pred[v]
			if h == seedFwd || h == seedBack {
				se := uint32(s.Edge)
				if h == seedFwd {
					add(n.subLine(se, s.AlongM, n.length[se]))
				} else {
					add(n.subLine(se, s.AlongM, 0))
				}
				break
			}
			path = append(path, h)
			if h&1 == 0 {
				v = n.from[h>>1]
			} else {
				v = n.to[h>>1]
			}
		}
		for i := len(path) - 1; i >= 0; i-- {
			h := path[i]
			e := h >> 1
			if h&1 == 0 {
				add(n.edgePts(e))
			} else {
				g := n.edgePts(e)
				for j := len(g) - 1; j >= 0; j-- {
					add(g[j : j+1])
				}
			}
		}
		en := entries[bestVia]
		if en.dir == 0 {
			add(n.subLine(de, 0, d.AlongM))
		} else {
			add(n.subLine(de, n.length[de], d.AlongM))
		}
		road = sc.metres[bestNode] + en.m
	}
	add(orb.LineString{d.Point, d.Query})
	if len(line) == 1 {
		line = append(line, line[0])
	}
	leg.Line = line
	leg.DistanceM = s.OffRoadM + road + d.OffRoadM
	return leg, nil
}
