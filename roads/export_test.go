package roads

import (
	"context"

	"github.com/paulmach/orb"
)

// Internals for the black-box tests (roads_test), which can import the
// PBF reader and PostGIS helpers that this package's own tests cannot.

// TestEdge is one edge with its costs under a profile, -1 where the
// direction is not allowed (pgRouting's convention).
type TestEdge struct {
	ID                int
	From, To          uint32
	Cost, ReverseCost float64
	LengthM           float64
	Geometry          orb.LineString
	Tags              Way // the way's tags (no id, geometry or nodes)
}

func (n *Network) TestEdges(prof *Profile) []TestEdge {
	tab := n.table(prof)
	out := make([]TestEdge, len(n.from))
	for e := range n.from {
		te := TestEdge{ID: e, From: n.from[e], To: n.to[e], Cost: -1, ReverseCost: -1, LengthM: n.length[e],
			Geometry: n.edgePts(uint32(e)), Tags: n.attrs[n.attr[e]]}
		if c, ok := n.halfCost(tab, uint32(e)<<1); ok {
			te.Cost = c
		}
		if c, ok := n.halfCost(tab, uint32(e)<<1|1); ok {
			te.ReverseCost = c
		}
		out[e] = te
	}
	return out
}

func (n *Network) NodeCount() int               { return len(n.nodePt) }
func (n *Network) NodePoint(i uint32) orb.Point { return n.nodePt[i] }

// NodeTimes is the bounded Dijkstra from junction src: the time to every
// junction settled within maxS.
func (n *Network) NodeTimes(ctx context.Context, src uint32, maxS float64, prof *Profile) (map[uint32]float64, error) {
	tab := n.table(prof)
	sc := n.getScratch()
	defer n.putScratch(sc)
	sc.relax(src, 0, 0, noPred, 0)
	if err := n.dijkstra(ctx, sc, tab, maxS); err != nil {
		return nil, err
	}
	out := make(map[uint32]float64, len(sc.settled))
	for _, v := range sc.settled {
		out[v] = sc.time[v]
	}
	return out, nil
}

// InMain reports whether junction i is in the largest strongly connected
// component for prof, where snapping prefers to join.
func (n *Network) InMain(i uint32, prof *Profile) bool { return n.mainNodes(n.table(prof))[i] }

// RouteBy is Route by one search: "dijkstra", "astar", "landmarks" (where
// prepared) or "ch" (where prepared).
func (n *Network) RouteBy(ctx context.Context, pts []orb.Point, prof *Profile, algo string) (*Route, error) {
	a := map[string]algorithm{"dijkstra": algoDijkstra, "astar": algoAStar, "landmarks": algoALT, "ch": algoCH}[algo]
	return n.route(ctx, pts, prof, a)
}

// PrepareHierarchy builds prof's hierarchy alone (no landmarks), for the
// preparation benchmarks; it is not kept.
func (n *Network) PrepareHierarchy(ctx context.Context, prof *Profile) (shortcuts, bytes int64, err error) {
	c, err := n.buildContraction(ctx, n.table(prof))
	if err != nil {
		return 0, 0, err
	}
	return c.shortcuts, c.bytes(), nil
}

// BufferArea is bufferArea by ReachBufferM, for the area benchmark.
func BufferArea(ctx context.Context, lines orb.MultiLineString) (orb.MultiPolygon, error) {
	return bufferArea(ctx, lines, ReachBufferM)
}
