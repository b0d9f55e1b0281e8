package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// outlineBandDeg is the height of an Outline's latitude bands in degrees.
// At 0.01° (about 1.1 km) a band of a country outline holds a few dozen
// edges at most, so a point test reads a few hundred bytes.
const outlineBandDeg = 0.01

// maxOutlineBands bounds the bands of one Outline, so that an outline of
// global extent costs memory in proportion to its edges, not to its height.
const maxOutlineBands = 1 << 16

// Outline is a MultiPolygon prepared for fast point-in-polygon tests: its
// edges are sorted into horizontal bands, and a test casts a ray through
// the edges of the point's band only (even-odd rule over every ring, so
// holes count). Build it once; it is immutable and safe for concurrent use.
type Outline struct {
	bound orb.Bound
	lat0  float64 // latitude of the bottom of band 0
	inv   float64 // bands per degree
	bands [][]edge
	rings int
	verts int
}

// edge is one polygon edge, with y0 <= y1 not required.
type edge struct{ x0, y0, x1, y1 float64 }

// NewOutline prepares mp. Rings may be open or closed; rings of fewer than
// three distinct points enclose nothing and are skipped.
func NewOutline(mp orb.MultiPolygon) *Outline {
	o := &Outline{bound: mp.Bound()}
	height := o.bound.Max[1] - o.bound.Min[1]
	if len(mp) == 0 || !(height >= 0 && height <= 180) {
		// Nothing to contain: Contains finds no band and answers false.
		o.bound = orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}
		return o
	}
	n := int(math.Ceil(height/outlineBandDeg)) + 1
	if n > maxOutlineBands {
		n = maxOutlineBands
	}
	o.lat0 = o.bound.Min[1]
	o.inv = float64(n-1) / math.Max(height, 1e-12)
	if height == 0 {
		o.inv = 0
	}
	o.bands = make([][]edge, n)
	for _, poly := range mp {
		for _, r := range poly {
			if len(r) < 3 {
				continue
			}
			o.rings++
			o.verts += len(r)
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				if a == b || a[1] == b[1] {
					// Horizontal edges never cross a horizontal ray under
					// the half-open rule below.
					continue
				}
				lo, hi := o.band(math.Min(a[1], b[1])), o.band(math.Max(a[1], b[1]))
				for k := lo; k <= hi; k++ {
					o.bands[k] = append(o.bands[k], edge{a[0], a[1], b[0], b[1]})
				}
			}
		}
	}
	return o
}

// band returns the band of latitude lat, clamped to the outline.
func (o *Outline) band(lat float64) int {
	k := int((lat - o.lat0) * o.inv)
	if k < 0 {
		return 0
	}
	if k >= len(o.bands) {
		return len(o.bands) - 1
	}
	return k
}

// Contains reports whether p lies inside the outline. A point exactly on
// an edge may fall either way.
func (o *Outline) Contains(p orb.Point) bool {
	if o == nil || !(p[0] >= o.bound.Min[0] && p[0] <= o.bound.Max[0] && p[1] >= o.bound.Min[1] && p[1] <= o.bound.Max[1]) {
		return false
	}
	x, y := p[0], p[1]
	in := false
	for _, e := range o.bands[o.band(y)] {
		// Half-open in y, so a ray through a vertex counts it once.
		if (e.y0 > y) != (e.y1 > y) {
			if x < e.x0+(y-e.y0)*(e.x1-e.x0)/(e.y1-e.y0) {
				in = !in
			}
		}
	}
	return in
}

// Bound returns the outline's bounding box.
func (o *Outline) Bound() orb.Bound { return o.bound }

// Rings returns how many rings the outline holds.
func (o *Outline) Rings() int { return o.rings }

// Vertices returns how many positions the outline's rings hold together.
func (o *Outline) Vertices() int { return o.verts }
