package roads

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// The reach area is the reached roads buffered by ReachBufferM: the land a
// person can get to by leaving the road on foot for a minute or so. A
// buffer, not a concave hull, because a hull fills valleys and the far
// side of rivers that no road reaches, the very error the straight-line
// circle makes; a buffer keeps to the roads and leaves unreached land out.
// It is computed on a raster of cells ReachCellM wide in a local
// equirectangular frame: every cell whose centre lies within the buffer of
// a reached road is in, and the cells are traced into polygons with holes
// (geo.TraceCells, the tracing of coverage gaps).
// The result is exact to half a cell, costs O(cells + road length), and
// never fails on awkward geometry the way a polygon union can.
const (
	ReachBufferM = 100
	ReachCellM   = 50
	// maxAreaCells bounds the raster: an area whose box would need more
	// cells of ReachCellM gets larger cells, so the work stays a few
	// milliseconds however far the search went (a 25 km drive on fast roads
	// gets 100 m cells); half a cell on a boundary tens of kilometres long
	// is as good as 25 m on one of a few.
	maxAreaCells = 1 << 18
)

// lineSet is the lines an area buffers: Len of them, Line(i) the
// positions of the i-th, valid until the next call.
type lineSet interface {
	Len() int
	Line(i int) orb.LineString
}

// multiLines is a MultiLineString as a lineSet.
type multiLines orb.MultiLineString

func (m multiLines) Len() int                  { return len(m) }
func (m multiLines) Line(i int) orb.LineString { return m[i] }

// bufferArea buffers lines by b metres on a raster and traces it.
func bufferArea(ctx context.Context, lines orb.MultiLineString, b float64) (orb.MultiPolygon, error) {
	return bufferLines(ctx, multiLines(lines), b)
}

// bufferLines is bufferArea of a lineSet.
func bufferLines(ctx context.Context, lines lineSet, b float64) (orb.MultiPolygon, error) {
	r, err := bufferRaster(ctx, lines, b)
	if err != nil || r == nil {
		return nil, err
	}
	defer r.release()
	regions, err := geo.TraceCells(ctx, r.on, r.rows, r.cols, 1, r.vertex)
	if err != nil {
		return nil, fmt.Errorf("roads: reach area: %w", err)
	}
	mp := make(orb.MultiPolygon, 0, len(regions))
	for _, rg := range regions {
		if len(rg.Polygon) > 0 {
			mp = append(mp, rg.Polygon)
		}
	}
	return mp, nil
}

// bufferRaster marks the cells of a raster around lines whose centres
// lie within b metres of a line, each line simplified first; nil for no
// line.
func bufferRaster(ctx context.Context, lines lineSet, b float64) (*raster, error) {
	// The box by comparisons: the positions are finite (checked where
	// they entered), so min and max need not order NaNs and zeros.
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range lines.Len() {
		ls := lines.Line(i)
		if len(ls) == 0 {
			continue
		}
		if x0 > x1 {
			x0, y0 = ls[0][0], ls[0][1]
			x1, y1 = x0, y0
		}
		for _, p := range ls {
			if p[0] < x0 {
				x0 = p[0]
			} else if p[0] > x1 {
				x1 = p[0]
			}
			if p[1] < y0 {
				y0 = p[1]
			} else if p[1] > y1 {
				y1 = p[1]
			}
		}
	}
	if x0 > x1 {
		return nil, nil
	}
	bd := orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
	lat0 := (bd.Min[1] + bd.Max[1]) / 2
	kx := metresPerDeg * math.Max(0.01, math.Cos(lat0*math.Pi/180))
	ky := metresPerDeg
	cell := float64(ReachCellM)
	wM := (bd.Max[0]-bd.Min[0])*kx + 2*b + 2*cell
	hM := (bd.Max[1]-bd.Min[1])*ky + 2*b + 2*cell
	if wM*hM/(cell*cell) > maxAreaCells {
		cell = math.Sqrt(wM * hM / maxAreaCells)
	}
	cols, rows := int(math.Ceil(wM/cell)), int(math.Ceil(hM/cell))
	west := bd.Min[0] - (b+cell)/kx
	south := bd.Min[1] - (b+cell)/ky
	r := rasterPool.Get().(*raster)
	on := r.on
	if cap(on) < rows*cols {
		on = make([]uint8, rows*cols)
	} else {
		on = on[:rows*cols]
		clear(on)
	}
	xy, keep := r.xy[:0], r.keep[:0]
	*r = raster{rows: rows, cols: cols, on: on, west: west, south: south, kx: kx, ky: ky, cell: cell}
	defer func() { r.xy, r.keep = xy, keep }()
	toXY := func(p orb.Point) (float64, float64) { return (p[0] - west) * kx, (p[1] - south) * ky }
	// Each line is simplified to within a quarter of a cell before it is
	// marked (Simplify): the buffer moves by at most that, and curvy
	// mountain roads have many positions a few metres apart.
	tol := cell / 4
	for i := range lines.Len() {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: reach area stopped: %w", err)
			}
		}
		ls := lines.Line(i)
		if len(ls) == 0 {
			continue
		}
		xy = slices.Grow(xy[:0], len(ls))[:len(ls)]
		for j, p := range ls {
			xy[j][0], xy[j][1] = toXY(p)
		}
		keep = Simplify(xy, tol, keep[:0])
		// The disc at a position between two segments is marked once,
		// with the segment it ends; the line's first disc with its first
		// segment, in one pass over their rows.
		a := xy[keep[0]]
		if len(keep) == 1 {
			r.markSegment(a[0], a[1], a[0], a[1], false, b, cell)
		}
		for j, k := range keep[1:] {
			r.markSegment(a[0], a[1], xy[k][0], xy[k][1], j > 0, b, cell)
			a = xy[k]
		}
	}
	return r, nil
}

// raster is a grid of cells, row 0 at the south, on or off, cell metres
// a side in a local equirectangular frame: kx and ky metres per degree,
// its south-west corner at (west, south).
type raster struct {
	rows, cols                int
	on                        []uint8 // 1: in the buffer
	west, south, kx, ky, cell float64
	xy                        [][2]float64 // scratch of bufferRaster
	keep                      []int
}

// rasterPool keeps rasters and their scratch between areas: the cells
// of a 15-minute drive are some hundred kilobytes, cleared faster than
// allocated and collected.
var rasterPool = sync.Pool{New: func() any { return new(raster) }}

// release hands r back to the pool; r is not used after.
func (r *raster) release() {
	if cap(r.on) > maxAreaCells*2 {
		return // an oversized one is left to the collector
	}
	rasterPool.Put(r)
}

// vertex is the position of lattice vertex (c, rr), for TraceCells.
func (r *raster) vertex(c, rr int) orb.Point {
	return orb.Point{r.west + float64(c)*r.cell/r.kx, r.south + float64(rr)*r.cell/r.ky}
}

// markSegment turns on every cell whose centre lies within b of the
// segment (ax, ay)–(bx, by), all in metres from the raster's south-west,
// or, with noStart, only those that do not lie behind the start (where
// they are nearer to it, in its disc, marked by the segment before;
// nothing for a point). Either shape is convex (the band, with a disc or
// the half of it beyond the band's end for each end), so each row of
// cell centres meets it in one interval: the hull of where the row meets
// the discs and the band between them. Each piece's rows are found once
// per segment, and in them the band's interval moves linearly with the
// row, so a row costs a few multiplications, a square root per disc it
// meets, and the cells it fills.
func (r *raster) markSegment(ax, ay, bx, by float64, noStart bool, b, cell float64) {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if noStart && l2 == 0 {
		return
	}
	inv := 1 / cell
	// rowsOf are the rows whose centres lie from y0 to y1.
	rowsOf := func(y0, y1 float64) (int, int) {
		return max(0, int(math.Ceil(y0*inv-0.5))), min(r.rows-1, int(math.Floor(y1*inv-0.5)))
	}
	inf := math.Inf(1)
	b2 := b * b
	eb0, eb1 := rowsOf(by-b, by+b)
	ea0, ea1 := 0, -1
	n0, n1 := 0, -1
	// In the band's rows, x - ax lies in [pl + u·t, ph + u·t] (the
	// projection between 0 and l²) and in [sl + v·t, sh + v·t] (within
	// b of the line), t = y - ay; u·t is where the projection is 0.
	pl, ph, sl, sh := -inf, inf, -inf, inf
	var u, v float64
	if l2 > 0 {
		if !noStart {
			ea0, ea1 = rowsOf(ay-b, ay+b)
		}
		l := math.Sqrt(l2)
		ext := b * math.Abs(dx) / l
		n0, n1 = rowsOf(min(ay, by)-ext, max(ay, by)+ext)
		if dx != 0 {
			u = -dy / dx
			w := l2 / dx
			pl, ph = min(0, w), max(0, w)
		}
		if dy != 0 {
			v = dx / dy
			w := b * l / math.Abs(dy)
			sl, sh = -w, w
		}
	}
	r0, r1 := eb0, eb1
	if n0 <= n1 {
		r0, r1 = min(r0, n0), max(r1, n1)
	}
	if ea0 <= ea1 {
		r0, r1 = min(r0, ea0), max(r1, ea1)
	}
	ex := bx - ax
	// Each piece over its own rows into the rows' intervals, then the
	// cells: loops without a test of which pieces a row meets.
	var los, his [32]float64
	for q0 := r0; q0 <= r1; q0 += len(los) {
		q1 := min(r1, q0+len(los)-1)
		lo, hi := los[:q1-q0+1], his[:q1-q0+1]
		for i := range lo {
			lo[i], hi[i] = inf, -inf
		}
		for rr := max(q0, n0); rr <= min(q1, n1); rr++ {
			t := (float64(rr)+0.5)*cell - ay
			ut, vt := u*t, v*t
			if blo, bhi := max(pl+ut, sl+vt), min(ph+ut, sh+vt); blo <= bhi {
				lo[rr-q0], hi[rr-q0] = blo, bhi
			}
		}
		for rr := max(q0, eb0); rr <= min(q1, eb1); rr++ {
			y := (float64(rr) + 0.5) * cell
			e := y - by
			w := math.Sqrt(max(0, b2-e*e))
			dlo, dhi := ex-w, ex+w
			if noStart {
				// Only the part on the end's side of the start, where
				// the disc is convex with the band; the rest is nearer
				// the start, in its disc.
				t := y - ay
				switch {
				case dx > 0:
					dlo = max(dlo, u*t)
				case dx < 0:
					dhi = min(dhi, u*t)
				case t*dy < 0:
					continue
				}
			}
			i := rr - q0
			lo[i], hi[i] = min(lo[i], dlo), max(hi[i], dhi)
		}
		for rr := max(q0, ea0); rr <= min(q1, ea1); rr++ {
			t := (float64(rr)+0.5)*cell - ay
			w := math.Sqrt(max(0, b2-t*t))
			i := rr - q0
			lo[i], hi[i] = min(lo[i], -w), max(hi[i], w)
		}
		for i := range lo {
			if lo[i] > hi[i] {
				continue
			}
			c0 := max(0, int(math.Ceil((ax+lo[i])*inv-0.5)))
			c1 := min(r.cols-1, int(math.Floor((ax+hi[i])*inv-0.5)))
			if c0 > c1 {
				continue
			}
			rr := q0 + i
			row := r.on[rr*r.cols : (rr+1)*r.cols]
			for c := c0; c <= c1; c++ {
				row[c] = 1
			}
		}
	}
}

// Simplify appends to idx the indices of the positions of the line pts
// (planar, in metres) it keeps, in order, dropping positions while every
// dropped one stays within tol of the segment that replaces it, so the buffer of the result covers the buffer of the input shrunk
// by tol, and lies within it grown by tol. It is one pass of the
// "sleeve" kind: from the last kept position a, a cone of directions
// holds the segments that pass within tol of every position seen since,
// and a position is dropped while it lies inside the cone and no nearer
// to a than the farthest one seen (so each seen position projects
// inside the segment, where its distance to the line is its distance to
// the segment). Positions within tol of a fit every segment from a. The
// first and last positions are kept. Linear time but for the positions
// seen again after a kept one, at most those since the previous.
// It is the reach area's simplification (bufferArea) and the coverage
// walk-off's (package plan).
func Simplify(pts [][2]float64, tol float64, idx []int) []int {
	if len(pts) <= 2 {
		for i := range pts {
			idx = append(idx, i)
		}
		return idx
	}
	idx = append(idx, 0)
	tol2 := tol * tol
	a := 0
	for a < len(pts)-1 {
		ax, ay := pts[a][0], pts[a][1]
		open := true               // no cone yet: every direction fits
		var rx, ry, lx, ly float64 // the cone's right and left edges, counter-clockwise from r to l
		maxD2 := 0.0
		next := a + 1 // the farthest position a segment from a may end at
		for j := a + 1; j < len(pts); j++ {
			vx, vy := pts[j][0]-ax, pts[j][1]-ay
			d2 := vx*vx + vy*vy
			if d2 <= tol2 {
				if open { // all seen so far are within tol of a
					next = j
				}
				continue
			}
			if d2 < maxD2 || !open && (rx*vy-ry*vx < 0 || vx*ly-vy*lx < 0) {
				break
			}
			// The directions within asin(tol/d) of v: v turned by the
			// angle whose sine is tol/d and cosine s/d, each edge scaled
			// by d² (the cone's tests are signs of cross products).
			s := math.Sqrt(d2 - tol2)
			nrx, nry := vx*s+vy*tol, vy*s-vx*tol // v turned clockwise
			nlx, nly := vx*s-vy*tol, vy*s+vx*tol // counter-clockwise
			if open {
				rx, ry, lx, ly, open = nrx, nry, nlx, nly, false
			} else {
				if rx*nry-ry*nrx > 0 {
					rx, ry = nrx, nry
				}
				if lx*nly-ly*nlx < 0 {
					lx, ly = nlx, nly
				}
			}
			maxD2 = d2
			next = j
		}
		idx = append(idx, next)
		a = next
	}
	return idx
}
