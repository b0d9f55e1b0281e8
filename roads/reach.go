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
}

// stretch is the part [lo, hi] metres of edge e.
type stretch struct {
	e      uint32
	lo, hi float64
}

// stretchLines are reached stretches as the lines of an area, and the
// walk to the road if any, last.
type stretchLines struct {
	n     *Network
	parts []stretch
	walk  orb.LineString
	buf   *orb.LineString
}

func (s *stretchLines) Len() int {
	if s.walk != nil {
		return len(s.parts) + 1
	}
	return len(s.parts)
}

func (s *stretchLines) Line(i int) orb.LineString {
	if i == len(s.parts) {
		return s.walk
	}
	p, n := s.parts[i], s.n
	st, t := n.geom[p.e], n.geom[p.e+1]
	if p.lo <= 0 && p.hi >= n.cum[t-1] && t-st >= 2 {
		return n.pts[st:t:t]
	}
	*s.buf = n.appendSubLine((*s.buf)[:0], p.e, p.lo, p.hi)
	return *s.buf
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
	var walk orb.LineString
	if r.From.OffRoadM > 0 && offRoadS(&r.From, prof) <= seconds {
		// The walk from the point to the road is reached too.
		walk = orb.LineString{r.From.Query, r.From.Point}
	}
	var lines lineSet
	if withRoads {
		pts := make(orb.LineString, 0, size)
		r.Roads = make(orb.MultiLineString, len(sc.parts))
		for i, p := range sc.parts {
			start := len(pts)
			pts = n.appendSubLine(pts, p.e, p.lo, p.hi)
			r.Roads[i] = pts[start:len(pts):len(pts)]
		}
		ml := multiLines(r.Roads)
		if walk != nil {
			ml = append(slices.Clip(ml), walk)
		}
		lines = ml
	} else {
		// Straight from the network's positions: a whole edge's are
		// its own, a part's cut into a scratch line.
		lines = &stretchLines{n: n, parts: sc.parts, walk: walk, buf: &sc.pts}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	area, err := bufferLines(ctx, lines, ReachBufferM)
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
	switch len(parts) { // most edges: reached from one end or both
	case 1:
		p := parts[0]
		return append(out, [2]float64{math.Min(p.x0, p.x1), math.Max(p.x0, p.x1)})
	case 2:
		p, q := parts[0], parts[1]
		a := [2]float64{math.Min(p.x0, p.x1), math.Max(p.x0, p.x1)}
		b := [2]float64{math.Min(q.x0, q.x1), math.Max(q.x0, q.x1)}
		if b[0] < a[0] {
			a, b = b, a
		}
		if b[0] <= a[1] {
			return append(out, [2]float64{a[0], math.Max(a[1], b[1])})
		}
		return append(out, a, b)
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
