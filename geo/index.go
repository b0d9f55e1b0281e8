package geo

import "github.com/paulmach/orb"

// EarthRadius is the mean Earth radius in meters (IUGG R1) used for every
// great-circle computation in yizhan.
const EarthRadius = 6371008.8

// Hit is one search result: the slot of the point (its position in the
// slice given to NewIndex, or the slot passed to Insert) and its
// great-circle distance in meters from the query point.
type Hit struct {
	Slot   uint32
	Meters float64
}

// Index is an R-tree of points addressed by slot numbers.
// STUB: replaced by the real implementation.
type Index struct{}

// NewIndex bulk-loads points; point i gets slot i.
func NewIndex(points []orb.Point) *Index { panic("unimplemented") }

// Copy returns a copy-on-write clone; mutating the clone never affects ix.
func (ix *Index) Copy() *Index { panic("unimplemented") }

// Insert adds a point under slot.
func (ix *Index) Insert(slot uint32, p orb.Point) { panic("unimplemented") }

// Delete removes the point stored under slot at p.
func (ix *Index) Delete(slot uint32, p orb.Point) { panic("unimplemented") }

// Len is the number of points.
func (ix *Index) Len() int { panic("unimplemented") }

// Nearest returns up to k accepted points ordered by distance from p,
// nearest first. maxMeters <= 0 means no limit; accept nil accepts all.
func (ix *Index) Nearest(p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) []Hit {
	panic("unimplemented")
}

// Within returns every accepted point within radius meters of p, nearest first.
func (ix *Index) Within(p orb.Point, radius float64, accept func(slot uint32) bool) []Hit {
	panic("unimplemented")
}

// InBound calls iter for every point inside b (Min.X > Max.X means the box
// crosses the antimeridian) until iter returns false.
func (ix *Index) InBound(b orb.Bound, iter func(slot uint32, p orb.Point) bool) {
	panic("unimplemented")
}

// Distance is the haversine great-circle distance between a and b in meters.
func Distance(a, b orb.Point) float64 { panic("unimplemented") }

// Bearing is the initial bearing from a to b in degrees clockwise from north, [0, 360).
func Bearing(a, b orb.Point) float64 { panic("unimplemented") }
