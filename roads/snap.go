package roads

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// ErrNoRoad is returned (wrapped with the distance and the limit) when a
// point is farther than the profile's MaxSnapM from every road the
// profile can use.
var ErrNoRoad = errors.New("roads: no usable road near the point")

// Snap is where a point joins the network: the nearest point on a road
// segment the profile can use.
type Snap struct {
	Point    orb.Point // on the road
	OffRoadM float64   // great-circle distance from the query point to Point
	Query    orb.Point // the point asked about
	Edge     int       // index of the edge
	AlongM   float64   // metres along the edge's geometry from its start to Point
	WayID    int64     // OSM way of the edge
}

// metresPerDeg is the length of a degree of latitude on the sphere.
const metresPerDeg = geo.EarthRadius * math.Pi / 180

// Snap finds the nearest point on a segment that prof can travel in some
// direction. Distances are measured in a local equirectangular frame
// around p (exact to well under a metre at snapping distances) and the
// reported OffRoadM is the great-circle distance to the snapped point. A
// point with no such segment within prof.MaxSnapM is ErrNoRoad.
func (n *Network) Snap(p orb.Point, prof *Profile) (Snap, error) {
	if err := checkPoint(p); err != nil {
		return Snap{}, err
	}
	if err := prof.Validate(); err != nil {
		return Snap{}, err
	}
	return n.snap(p, prof, n.table(prof))
}

// checkPoint refuses positions off the globe.
func checkPoint(p orb.Point) error {
	if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
		return fmt.Errorf("roads: position %v is outside lon [-180, 180], lat [-90, 90]", p)
	}
	return nil
}

func (n *Network) snap(p orb.Point, prof *Profile, t *costTable) (Snap, error) {
	kx := metresPerDeg * math.Cos(p[1]*math.Pi/180)
	ky := metresPerDeg
	limit := prof.MaxSnapM
	main := n.mainNodes(t)
	best := Snap{Edge: -1}
	var bestSeg uint32
	var bestT float64
	// Items come in the order of their boxes' distance, a lower bound of
	// the exact distance to their segments, which is measured as they come:
	// the search stops once a box is farther than the best found. The
	// nearest usable segment in the main component wins unless one outside
	// it is more than mainSlackM nearer.
	mainD, otherD := math.Inf(1), math.Inf(1)
	mainE, otherE := -1, -1
	var mainSeg, otherSeg uint32
	var mainT, otherT float64
	boxDist := func(lo, hi [2]float64) float64 {
		dx := math.Max(0, math.Max(lo[0]-p[0], p[0]-hi[0])) * kx
		dy := math.Max(0, math.Max(lo[1]-p[1], p[1]-hi[1])) * ky
		return math.Hypot(dx, dy)
	}
	n.segs.Nearby(
		func(lo, hi [2]float64, _ uint64, _ bool) float64 { return boxDist(lo, hi) },
		func(_, _ [2]float64, c uint64, d float64) bool {
			if d > limit*1.01+1 || d > mainD || d > otherD+mainSlackM {
				return false
			}
			exact, i, f := n.chunkDist(p, c, kx, ky)
			if exact > limit*1.01+1 {
				return true
			}
			e := n.edgeOfVertex(i)
			ok := t.ok[n.attr[e]]
			if !ok[0] && !ok[1] {
				return true
			}
			if main[n.from[e]] && main[n.to[e]] {
				if exact < mainD {
					mainD, mainE, mainSeg, mainT = exact, int(e), i, f
				}
			} else if exact < otherD {
				otherD, otherE, otherSeg, otherT = exact, int(e), i, f
			}
			return true
		})
	switch {
	case mainE >= 0 && mainD <= otherD+mainSlackM:
		bestSeg, bestT, best.Edge = mainSeg, mainT, mainE
	case otherE >= 0:
		bestSeg, bestT, best.Edge = otherSeg, otherT, otherE
	}
	if best.Edge < 0 {
		return Snap{}, fmt.Errorf("%w: none within %s m of %v for %s", ErrNoRoad, geo.Num(limit), p, prof.Mode)
	}
	a, b := n.pts[bestSeg], n.pts[bestSeg+1]
	switch bestT {
	case 0:
		best.Point = a
	case 1:
		best.Point = b // exactly, so that a snap at an edge's end has AlongM == its length
	default:
		best.Point = orb.Point{a[0] + (b[0]-a[0])*bestT, a[1] + (b[1]-a[1])*bestT}
	}
	best.OffRoadM = geo.Distance(p, best.Point)
	if best.OffRoadM > limit {
		return Snap{}, fmt.Errorf("%w: the nearest is %s m from %v, more than the limit of %s m for %s",
			ErrNoRoad, geo.Num(math.Round(best.OffRoadM)), p, geo.Num(limit), prof.Mode)
	}
	best.Query = p
	best.WayID = n.way[best.Edge]
	if bestT == 1 {
		best.AlongM = n.cum[bestSeg+1] // exactly the edge's length at its end
	} else {
		best.AlongM = math.Min(n.cum[bestSeg]+geo.Distance(a, best.Point), n.cum[bestSeg+1])
	}
	return best, nil
}

// chunkDist is the distance from p to the nearest segment of index item
// c, that segment (its first pts index) and the fraction along it of the
// nearest point; the first such segment on ties.
func (n *Network) chunkDist(p orb.Point, c uint64, kx, ky float64) (float64, uint32, float64) {
	start, count := unpackChunk(c)
	best, seg, frac := math.Inf(1), start, 0.0
	for i := start; i < start+count; i++ {
		if d, f := segDist(p, n.pts[i], n.pts[i+1], kx, ky); d < best {
			best, seg, frac = d, i, f
		}
	}
	return best, seg, frac
}

// segDist is the distance in metres from p to segment ab in the local
// frame (kx, ky metres per degree), and the fraction along ab of the
// nearest point.
func segDist(p, a, b orb.Point, kx, ky float64) (float64, float64) {
	ax, ay := (a[0]-p[0])*kx, (a[1]-p[1])*ky
	bx, by := (b[0]-p[0])*kx, (b[1]-p[1])*ky
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	x, y := ax+t*dx, ay+t*dy
	return math.Hypot(x, y), t
}
