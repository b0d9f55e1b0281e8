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
// use counts as demand: the roads are cut into equal pieces of at most
// RoadDemandSpacingM (longer where the area holds more road than
// MaxRoadDemandPoints pieces of that length), and each piece becomes a
// point at its middle weighing its length in km (roadDemand). So the
// demand of the roads inside an area is the length of those roads, to
// within a piece where a road crosses the area's edge.
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
	// request: beyond it the pieces are longer, so that a suggestion's
	// candidate–demand pairs (geo.MaxDemandPairs) stay within bounds.
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
const RoadDemandSource = "the loaded road network: each road the mode can use, in pieces of at most 250 m, each weighing its length in km"

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

// roadDemand is the road-length demand of net in b for prof: the roads
// taken one after the other in the network's order as one line of their
// total length, cut into n equal pieces of at most RoadDemandSpacingM
// (n at most MaxRoadDemandPoints), a point at the middle of each
// weighing its length in km times perKm. So the weights add up to the
// roads' length exactly, and a point stands for the road around it (a
// piece that spans two stretches lies where its middle falls; the
// network's order keeps the stretches of one way together). ctx is
// checked every 4096 road stretches.
func roadDemand(ctx context.Context, net *roads.Network, b orb.Bound, prof *roads.Profile, perKm float64) ([]geo.DemandPoint, error) {
	total := 0.0
	net.Edges(b, prof, func(_ orb.LineString, l float64) bool {
		total += l
		return true
	})
	if !(total > 0) {
		return nil, nil
	}
	n := min(MaxRoadDemandPoints, max(1, int(math.Ceil(total/RoadDemandSpacingM))))
	piece := total / float64(n)
	w := piece / 1000 * perKm
	out := make([]geo.DemandPoint, 0, n)
	var err error
	at, cum := piece/2, 0.0 // the next middle and the length before the stretch, along the line
	i := 0
	net.Edges(b, prof, func(line orb.LineString, l float64) bool {
		if i++; i%4096 == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		for at < cum+l && len(out) < n {
			out = append(out, geo.DemandPoint{Point: pointAlong(line, at-cum), Weight: w})
			at += piece
		}
		cum += l
		return true
	})
	if err != nil {
		return nil, err
	}
	// Rounding may leave the last middle just past the end.
	for len(out) < n {
		out = append(out, out[len(out)-1])
	}
	return out, nil
}

// pointAlong is the point x meters along line (great-circle lengths of
// its segments, interpolated in degrees within one).
func pointAlong(line orb.LineString, x float64) orb.Point {
	done := 0.0
	for j := 1; j < len(line); j++ {
		a, b := line[j-1], line[j]
		d := geo.Distance(a, b)
		if done+d >= x || j == len(line)-1 {
			f := 0.0
			if d > 0 {
				f = math.Min(1, math.Max(0, (x-done)/d))
			}
			return orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
		}
		done += d
	}
	return line[0]
}

// addRoadDemand appends the road-length demand of c's area on p.Roads to
// d (weights times perKm); nothing without a network.
func (p *Planner) addRoadDemand(ctx context.Context, c *coverage, d *Demand, perKm float64) error {
	if p.Roads == nil {
		return nil
	}
	prof := c.roadProfile()
	pts, err := roadDemand(ctx, p.Roads, c.demandBound(), &prof, perKm)
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
// lattice that leaves no more lattice cells holding one, keeping the
// junction with the most roads of each (the first in the network's order
// among equals). Junctions outside the (clipped) area itself are left for
// the grid to drop, as every automatic candidate is. ctx is checked
// between lattice sizes.
func (p *Planner) junctionCandidates(ctx context.Context, c *coverage) []Candidate {
	if p.Roads == nil {
		return nil
	}
	prof := c.roadProfile()
	b := c.demandBound()
	type junction struct {
		p   orb.Point
		deg int
	}
	var js []junction
	p.Roads.Junctions(b, &prof, func(pt orb.Point, deg int) bool {
		js = append(js, junction{pt, deg})
		return true
	})
	if len(js) > MaxJunctionCandidates {
		// Meters per degree in the box, at its widest latitude.
		lat := math.Min(math.Abs(b.Min[1]), math.Abs(b.Max[1]))
		ky := geo.EarthRadius * math.Pi / 180
		kx := ky * math.Cos(lat*math.Pi/180)
		thin := func(cellM float64) []junction {
			best := map[[2]int]int{}
			for i, j := range js {
				key := [2]int{int((j.p[0] - b.Min[0]) * kx / cellM), int((j.p[1] - b.Min[1]) * ky / cellM)}
				if k, ok := best[key]; !ok || j.deg > js[k].deg {
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
		// The finest lattice (in whole meters) keeping at most the limit:
		// bisect between a cell that keeps one junction and one meter.
		lo, hi := 1.0, math.Max(2, math.Max((b.Max[0]-b.Min[0])*kx, (b.Max[1]-b.Min[1])*ky)+1)
		for hi-lo > 1 && ctx.Err() == nil {
			mid := math.Floor((lo + hi) / 2)
			if len(thin(mid)) > MaxJunctionCandidates {
				lo = mid
			} else {
				hi = mid
			}
		}
		js = thin(hi)
		if len(js) > MaxJunctionCandidates {
			js = js[:MaxJunctionCandidates]
		}
	}
	out := make([]Candidate, len(js))
	for i, j := range js {
		out[i] = Candidate{ID: "junction-" + strconv.Itoa(i+1), Point: j.p, Source: CandidatesJunctions}
	}
	return out
}

