package plan

import (
	"context"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/geo"
	"yizhan/roads"
)

// Road length as demand, and road junctions as candidate sites, where a
// road network is loaded.
//
// A station serves the people who live near it and the people who travel
// past it: the drivers, couriers and road workers the unions' stations are
// for. Where a network is loaded, every km of road the request's mode can
// use counts as demand: each stretch of road between junctions is cut
// into equal pieces of at most RoadDemandSpacingM, and each piece becomes
// a point at its middle weighing its length in km. Where the area holds
// more than MaxRoadDemandPoints pieces, they are summed on a square
// lattice, each lattice cell's pieces becoming one point at their
// weighted centre, weighing their sum (roadDemand). So the demand of the
// roads inside an area is the length of those roads, to within a piece
// where a road crosses the area's edge (a lattice cell where pieces are
// summed).
const (
	// DemandRoads is the demand that is the road length alone: "demand":
	// "roads", in RoadDemandUnit.
	DemandRoads = "roads"
	// RoadDemandUnit is the unit of road-length demand: km of road.
	RoadDemandUnit = "km of road"
	// RoadDemandSpacingM is the longest piece of road one point of
	// road-length demand stands for, in meters.
	RoadDemandSpacingM = 250
	// MaxRoadDemandPoints bounds the points road-length demand adds to a
	// request: beyond it pieces are summed on a lattice, so that a
	// suggestion's candidate–demand pairs (geo.MaxDemandPairs) stay within
	// bounds.
	MaxRoadDemandPoints = 2_000
	// RoadPeoplePerKm converts road length into the default demand's unit
	// (people): a km of road counts as 10 people. It is a planning
	// assumption, not a count: about the drivers stopping and the road and
	// roadside workers a km of the region's roads sees in a day, set so
	// that the roads of a province weigh a few tenths of its towns (a
	// region's 200,000 km of roads would weigh 2 million people beside its
	// towns' 11 million). Planners who want the roads alone ask for
	// "demand": "roads" (km); who want other weights give their own.
	RoadPeoplePerKm = 10
	// MaxJunctionCandidates bounds the road junctions a suggestion tries:
	// beyond it they are thinned on a square lattice, the busiest junction
	// (most roads meeting) of each lattice cell standing for it.
	MaxJunctionCandidates = 500
)

// RoadDemandSource says where road-length demand comes from, for answers
// and reports.
const RoadDemandSource = "the loaded road network: every road the mode can use, in pieces of at most 250 m (summed on a square lattice where an area holds more than 2,000), each weighing its length in km"

// roadProfile is the profile whose roads count for c: by time the
// request's own, else the default of its mode.
func (c *coverage) roadProfile() roads.Profile {
	if c.travel != nil {
		return c.travel.profile
	}
	mode := c.reach.Mode
	if mode == "" {
		mode = DefaultMode
	}
	m, err := roads.ParseMode(mode)
	if err != nil {
		m = roads.Drive
	}
	return roads.DefaultProfile(m)
}

// demandBound is the box road-length demand and junctions are looked for
// in: the area's, within the clip's when clipped.
func (c *coverage) demandBound() orb.Bound {
	b := c.area.Bound()
	if c.clip != nil {
		cb := c.clip.Bound()
		if !b.Intersects(cb) {
			return orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}} // contains nothing
		}
		b = orb.Bound{Min: orb.Point{math.Max(b.Min[0], cb.Min[0]), math.Max(b.Min[1], cb.Min[1])},
			Max: orb.Point{math.Min(b.Max[0], cb.Max[0]), math.Min(b.Max[1], cb.Max[1])}}
	}
	return b
}

// roadDemand is the road-length demand of net in b for prof: each
// stretch in pieces of at most RoadDemandSpacingM, a point at the middle
// of each (those in b) weighing its length in km times perKm; more than
// MaxRoadDemandPoints of them are summed on the finest square lattice
// tried (demandLattice) that leaves at most that many. The weights add up
// to the roads' length exactly either way. Memory is bounded by the
// points kept, whatever the network's size; ctx is checked every 4096
// stretches.
func roadDemand(ctx context.Context, net *roads.Network, b orb.Bound, prof *roads.Profile, perKm float64) ([]geo.DemandPoint, error) {
	var err error
	// pieces calls fn with the middle and length in km of every piece.
	pieces := func(fn func(p orb.Point, km float64) bool) {
		i := 0
		net.Edges(b, prof, func(line orb.LineString, l float64) bool {
			if i++; i%4096 == 0 {
				if err = ctx.Err(); err != nil {
					return false
				}
			}
			if !(l > 0) {
				return true
			}
			k := int(math.Ceil(l / RoadDemandSpacingM))
			piece := l / float64(k)
			// A piece outside b is outside the area.
			return middles(line, piece, k, func(p orb.Point) bool { return !b.Contains(p) || fn(p, piece/1000) })
		})
	}
	var out []geo.DemandPoint
	pieces(func(p orb.Point, km float64) bool {
		out = append(out, geo.DemandPoint{Point: p, Weight: km})
		return len(out) <= MaxRoadDemandPoints
	})
	if err != nil {
		return nil, err
	}
	if len(out) > MaxRoadDemandPoints {
		lat := demandLattice(b)
		out = nil
		for range 64 { // the first lattice fits, as every piece lies in b; coarser if not
			pts, ok := lat.sum(pieces)
			if err != nil {
				return nil, err
			}
			if ok {
				out = pts
				break
			}
			lat.cellM *= 2
		}
		for range 3 { // finer, by the share of the limit the points fill
			finer := lat
			finer.cellM *= math.Sqrt(float64(len(out))/MaxRoadDemandPoints) * 0.98
			pts, ok := finer.sum(pieces)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			out, lat = pts, finer
		}
	}
	for i := range out {
		out[i].Weight *= perKm
	}
	return out, nil
}

// lattice is a square lattice over a box, cellM meters a side (or less:
// its meters per degree of longitude are those of the box's latitude
// nearest the equator).
type lattice struct {
	b      orb.Bound
	kx, ky float64 // meters per degree
	cellM  float64
}

// demandLattice is the coarsest lattice road-length demand tries over b:
// it has at most MaxRoadDemandPoints cells.
func demandLattice(b orb.Bound) lattice { return newLattice(b, MaxRoadDemandPoints) }

// newLattice is the finest lattice over b, to 1%, with at most maxCells
// cells.
func newLattice(b orb.Bound, maxCells int) lattice {
	ky := geo.EarthRadius * math.Pi / 180
	lat := 0.0
	if b.Min[1] > 0 || b.Max[1] < 0 {
		lat = math.Min(math.Abs(b.Min[1]), math.Abs(b.Max[1]))
	}
	kx := ky * math.Cos(lat*math.Pi/180)
	w, h := math.Max(1, (b.Max[0]-b.Min[0])*kx), math.Max(1, (b.Max[1]-b.Min[1])*ky)
	cell := math.Sqrt(w * h / float64(maxCells))
	for math.Ceil(w/cell)*math.Ceil(h/cell) > float64(maxCells) {
		cell *= 1.01
	}
	return lattice{b: b, kx: kx, ky: ky, cellM: cell}
}

// key is the lattice cell of p.
func (l *lattice) key(p orb.Point) [2]int32 {
	return [2]int32{int32(math.Floor((p[0] - l.b.Min[0]) * l.kx / l.cellM)), int32(math.Floor((p[1] - l.b.Min[1]) * l.ky / l.cellM))}
}

// sum sums the pieces each run of pieces gives by lattice cell: a point
// per cell at its pieces' weighted centre (inside the cell), weighing
// their sum, ordered by cell; false when more than MaxRoadDemandPoints
// cells hold pieces.
func (l *lattice) sum(pieces func(func(orb.Point, float64) bool)) ([]geo.DemandPoint, bool) {
	type acc struct{ x, y, w float64 }
	cells := map[[2]int32]*acc{}
	ok := true
	pieces(func(p orb.Point, km float64) bool {
		k := l.key(p)
		a := cells[k]
		if a == nil {
			if len(cells) == MaxRoadDemandPoints {
				ok = false
				return false
			}
			a = &acc{}
			cells[k] = a
		}
		a.x, a.y, a.w = a.x+p[0]*km, a.y+p[1]*km, a.w+km
		return true
	})
	if !ok {
		return nil, false
	}
	keys := slices.SortedFunc(maps.Keys(cells), func(a, b [2]int32) int {
		if a[1] != b[1] {
			return int(a[1] - b[1])
		}
		return int(a[0] - b[0])
	})
	out := make([]geo.DemandPoint, len(keys))
	for i, k := range keys {
		a := cells[k]
		out[i] = geo.DemandPoint{Point: orb.Point{a.x / a.w, a.y / a.w}, Weight: a.w}
	}
	return out, true
}

// middles calls fn with the middles of the k pieces of length piece
// meters that line is cut into, in one walk along it (great-circle
// lengths of its segments, interpolated in degrees within one), until fn
// returns false; it returns false then.
func middles(line orb.LineString, piece float64, k int, fn func(orb.Point) bool) bool {
	j, done := 1, 0.0 // segment j is line[j-1]–line[j]; done is the length before it
	d := geo.Distance(line[0], line[1])
	for i := range k {
		at := piece * (float64(i) + 0.5)
		for done+d < at && j < len(line)-1 {
			done += d
			j++
			d = geo.Distance(line[j-1], line[j])
		}
		a, b := line[j-1], line[j]
		f := 0.0
		if d > 0 {
			f = math.Min(1, math.Max(0, (at-done)/d))
		}
		if !fn(orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}) {
			return false
		}
	}
	return true
}

// addRoadDemand appends the road-length demand of c's area on p.Roads to
// d (weights times perKm); nothing without a network.
func (p *Planner) addRoadDemand(ctx context.Context, c *coverage, d *Demand, perKm float64) error {
	if p.Roads == nil {
		return nil
	}
	prof := c.roadProfile()
	pts, err := p.Snaps.cachedDemand(ctx, p.Roads, c.demandBound(), &prof, perKm)
	if err != nil {
		return err
	}
	d.Points = append(d.Points, pts...)
	d.Names = append(d.Names, make([]data.Names, len(pts))...)
	d.RoadPoints += len(pts)
	return nil
}

// junctionCandidates are the road junctions of p.Roads in c's area's box
// where three or more roads the mode can use meet, at most
// MaxJunctionCandidates: beyond that, thinned on the finest square
// lattice (to 1%) that leaves no more lattice cells holding one, keeping
// the junction with the most roads of each (the first in the network's
// order among equals), in the network's order. Junctions outside the
// (clipped) area itself are left for the grid to drop, as every automatic
// candidate is. ctx is checked every 4096 junctions and between lattice
// sizes; once it ends the candidates are partial, and the suggestion's
// next check of ctx stops it. They are kept between requests in p.Snaps
// (cachedJunctions).
func (p *Planner) junctionCandidates(ctx context.Context, c *coverage) []Candidate {
	if p.Roads == nil {
		return nil
	}
	prof := c.roadProfile()
	b := c.demandBound()
	return p.Snaps.cachedJunctions(ctx, p.Roads, b, &prof, func() []Candidate { return junctionCandidates(ctx, p.Roads, b, &prof) })
}

// junctionCandidates computes Planner.junctionCandidates on net in b.
func junctionCandidates(ctx context.Context, net *roads.Network, b orb.Bound, prof *roads.Profile) []Candidate {
	type junction struct {
		p   orb.Point
		deg int
	}
	var js []junction
	net.Junctions(b, prof, func(pt orb.Point, deg int) bool {
		js = append(js, junction{pt, deg})
		return len(js)%4096 != 0 || ctx.Err() == nil
	})
	if len(js) > MaxJunctionCandidates {
		// thin keeps the busiest junction of each cell of l; nil when more
		// than MaxJunctionCandidates cells hold one.
		thin := func(l lattice) []junction {
			best := map[[2]int32]int{}
			for i, j := range js {
				key := l.key(j.p)
				if k, ok := best[key]; !ok {
					if len(best) == MaxJunctionCandidates {
						return nil
					}
					best[key] = i
				} else if j.deg > js[k].deg {
					best[key] = i
				}
			}
			idx := slices.Sorted(maps.Values(best))
			out := make([]junction, len(idx))
			for i, k := range idx {
				out[i] = js[k]
			}
			return out
		}
		// The finest lattice keeping at most the limit, to 1%: bisect in
		// log scale between the coarsest (whose cells are no more than the
		// limit, and every junction lies in b) and 1/1024 of it.
		coarse := newLattice(b, MaxJunctionCandidates)
		kept := thin(coarse)
		lo, hi := math.Log(coarse.cellM/1024), math.Log(coarse.cellM)
		for hi-lo > 0.01 && ctx.Err() == nil {
			mid := (lo + hi) / 2
			l := coarse
			l.cellM = math.Exp(mid)
			if t := thin(l); t != nil {
				kept, hi = t, mid
			} else {
				lo = mid
			}
		}
		js = kept
	}
	out := make([]Candidate, len(js))
	for i, j := range js {
		out[i] = Candidate{ID: "junction-" + strconv.Itoa(i+1), Point: j.p, Source: CandidatesJunctions}
	}
	return out
}
