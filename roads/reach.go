package roads

import (
	"context"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// Reach is what a point reaches on the roads within a time.
type Reach struct {
	// Area is the reached road network buffered by ReachBufferM (see
	// reachArea for why a buffer), AreaKm2 its area (geo.Area).
	Area    orb.MultiPolygon
	AreaKm2 float64
	// RoadLengthM is the length of the reached roads, each stretch counted
	// once however many ways it is reached.
	RoadLengthM float64
	From        Snap
	// Roads are the reached roads: whole edges and the partly reached
	// stretches of the last ones.
	Roads orb.MultiLineString
	// Tree is the search behind it, for times to other points.
	Tree *Tree `json:"-"`
}

// Reach searches the network from one point for seconds (the off-road
// part included) and returns the reached roads and their area.
func (n *Network) Reach(ctx context.Context, from orb.Point, seconds float64, prof *Profile) (*Reach, error) {
	return n.reach(ctx, from, seconds, prof, true)
}

// ReachArea is Reach without the reached roads (Roads is nil): the area
// alone, its positions in a buffer kept for the next call rather than in
// lines handed to the caller.
func (n *Network) ReachArea(ctx context.Context, from orb.Point, seconds float64, prof *Profile) (*Reach, error) {
	return n.reach(ctx, from, seconds, prof, false)
}

// reachScratch is the reached stretches and their positions of one
// area-only reach, pooled: they are dropped once the area is traced.
type reachScratch struct {
	buf    []interval
	merged [][2]float64
	parts  []stretch
	pts    orb.LineString
	lines  orb.MultiLineString
}

// stretch is the part [lo, hi] metres of edge e.
type stretch struct {
	e      uint32
	lo, hi float64
}

var reachPool = sync.Pool{New: func() any { return new(reachScratch) }}

func (n *Network) reach(ctx context.Context, from orb.Point, seconds float64, prof *Profile, withRoads bool) (*Reach, error) {
	if err := checkPoint(from); err != nil {
		return nil, err
	}
	t, err := n.Search(ctx, []orb.Point{from}, seconds, prof)
	if err != nil {
		return nil, err
	}
	r := &Reach{From: t.Sources[0], Tree: t}
	sc := reachPool.Get().(*reachScratch)
	defer reachPool.Put(sc)
	// The reached stretches first, then every part's positions in one
	// array sized for them, cut into lines.
	sc.parts = sc.parts[:0]
	size := 0
	t.reachedEdges(func(e uint32) bool {
		sc.buf = t.edgeParts(e, sc.buf)
		sc.merged = mergeIntervals(sc.buf, sc.merged[:0])
		for _, iv := range sc.merged {
			if iv[1] <= iv[0] {
				continue
			}
			r.RoadLengthM += iv[1] - iv[0]
			sc.parts = append(sc.parts, stretch{e, iv[0], iv[1]})
			size += int(n.geom[e+1]-n.geom[e]) + 2
		}
		return true
	})
	var pts orb.LineString
	var lines orb.MultiLineString
	if withRoads {
		pts = make(orb.LineString, 0, size)
		lines = make(orb.MultiLineString, len(sc.parts), len(sc.parts)+1)
	} else {
		pts = slices.Grow(sc.pts[:0], size)
		lines = slices.Grow(sc.lines[:0], len(sc.parts)+1)[:len(sc.parts)]
	}
	for i, p := range sc.parts {
		start := len(pts)
		pts = n.appendSubLine(pts, p.e, p.lo, p.hi)
		lines[i] = pts[start:len(pts):len(pts)]
	}
	if !withRoads {
		sc.pts = pts
		defer func() { clear(lines); sc.lines = lines[:0] }()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if withRoads {
		r.Roads = slices.Clip(lines)
	}
	if r.From.OffRoadM > 0 && offRoadS(&r.From, prof) <= seconds {
		// The walk from the point to the road is reached too (appended
		// beyond Roads' length, which hides it).
		lines = append(lines, orb.LineString{r.From.Query, r.From.Point})
	}
	area, err := bufferArea(ctx, lines, ReachBufferM)
	if err != nil {
		return nil, err
	}
	r.Area = area
	r.AreaKm2 = geo.Area(area) / 1e6
	return r, nil
}

// mergeIntervals is the union of the parts' stretches as sorted,
// disjoint [lo, hi] pairs.
func mergeIntervals(parts []interval, out [][2]float64) [][2]float64 {
	if len(parts) == 1 { // most edges: reached from one end, or within one
		p := parts[0]
		return append(out, [2]float64{math.Min(p.x0, p.x1), math.Max(p.x0, p.x1)})
	}
	for _, p := range parts {
		lo, hi := math.Min(p.x0, p.x1), math.Max(p.x0, p.x1)
		out = append(out, [2]float64{lo, hi})
	}
	slices.SortFunc(out, func(a, b [2]float64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	k := 0
	for i := range out {
		if k > 0 && out[i][0] <= out[k-1][1] {
			out[k-1][1] = math.Max(out[k-1][1], out[i][1])
			continue
		}
		out[k] = out[i]
		k++
	}
	return out[:k]
}
