package roads

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// The reach area is the reached roads buffered by ReachBufferM: the land a
// person can get to by leaving the road on foot for a minute or so. A
// buffer, not a concave hull, because a hull fills valleys and the far
// side of rivers that no road reaches, the very error the straight-line
// circle makes; a buffer keeps to the roads and leaves unreached land out.
// It is computed on a raster of cells ReachCellM wide in a local
// equirectangular frame: every cell whose centre lies within the buffer of
// a reached road is in, and the cells are traced into polygons with holes.
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

// bufferArea buffers lines by b metres on a raster and traces it.
func bufferArea(ctx context.Context, lines orb.MultiLineString, b float64) (orb.MultiPolygon, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	bd := orb.Bound{Min: lines[0][0], Max: lines[0][0]}
	for _, ls := range lines {
		for _, p := range ls {
			bd.Min[0], bd.Min[1] = min(bd.Min[0], p[0]), min(bd.Min[1], p[1])
			bd.Max[0], bd.Max[1] = max(bd.Max[0], p[0]), max(bd.Max[1], p[1])
		}
	}
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
	r := &raster{rows: rows, cols: cols, on: make([]bool, rows*cols)}
	toXY := func(p orb.Point) (float64, float64) { return (p[0] - west) * kx, (p[1] - south) * ky }
	for i, ls := range lines {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("roads: reach area stopped: %w", err)
			}
		}
		// Positions closer than half a cell to the last one kept are
		// skipped: the buffer moves by at most that, and curvy mountain
		// roads have many positions a few metres apart.
		ax, ay := toXY(ls[0])
		tol2 := cell * cell / 4
		for j := 1; j < len(ls); j++ {
			bx, by := toXY(ls[j])
			if j < len(ls)-1 && (bx-ax)*(bx-ax)+(by-ay)*(by-ay) < tol2 {
				continue
			}
			r.markSegment(ax, ay, bx, by, b, cell)
			ax, ay = bx, by
		}
	}
	toLonLat := func(c, rr int) orb.Point {
		return orb.Point{west + float64(c)*cell/kx, south + float64(rr)*cell/ky}
	}
	return r.trace(ctx, toLonLat)
}

// raster is a grid of cells, row 0 at the south, on or off.
type raster struct {
	rows, cols int
	on         []bool
}

// markSegment turns on every cell whose centre lies within b of the
// segment (ax, ay)–(bx, by), all in metres from the raster's south-west.
// The buffer of a segment is a capsule, convex, so each row of cell
// centres meets it in one interval: the hull of where the row meets the
// discs at both ends and the band between them. Each row costs O(1) plus
// the cells it fills.
func (r *raster) markSegment(ax, ay, bx, by, b, cell float64) {
	inv := 1 / cell
	r0 := max(0, int(math.Ceil((math.Min(ay, by)-b)*inv-0.5)))
	r1 := min(r.rows-1, int(math.Floor((math.Max(ay, by)+b)*inv-0.5)))
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	bl := b * math.Sqrt(l2)
	b2 := b * b
	for rr := r0; rr <= r1; rr++ {
		y := (float64(rr) + 0.5) * cell
		lo, hi := math.Inf(1), math.Inf(-1)
		if h := b2 - (y-ay)*(y-ay); h >= 0 {
			w := math.Sqrt(h)
			lo, hi = ax-w, ax+w
		}
		if h := b2 - (y-by)*(y-by); h >= 0 {
			w := math.Sqrt(h)
			if bx-w < lo {
				lo = bx - w
			}
			if bx+w > hi {
				hi = bx + w
			}
		}
		if l2 > 0 {
			// The band, two conditions linear in x: the projection
			// 0 <= (x-ax)dx + (y-ay)dy <= l2, the distance
			// |(x-ax)dy - (y-ay)dx| <= b·l.
			blo, bhi := math.Inf(-1), math.Inf(1)
			ok := true
			py := (y - ay) * dy
			if dx != 0 {
				x0, x1 := ax-py/dx, ax+(l2-py)/dx
				if dx < 0 {
					x0, x1 = x1, x0
				}
				blo, bhi = x0, x1
			} else if py < 0 || py > l2 {
				ok = false
			}
			qy := (y - ay) * dx
			if dy != 0 {
				x0, x1 := ax+(qy-bl)/dy, ax+(qy+bl)/dy
				if dy < 0 {
					x0, x1 = x1, x0
				}
				if x0 > blo {
					blo = x0
				}
				if x1 < bhi {
					bhi = x1
				}
			} else if qy < -bl || qy > bl {
				ok = false
			}
			if ok && blo <= bhi {
				if blo < lo {
					lo = blo
				}
				if bhi > hi {
					hi = bhi
				}
			}
		}
		if lo > hi {
			continue
		}
		c0 := max(0, int(math.Ceil(lo*inv-0.5)))
		c1 := min(r.cols-1, int(math.Floor(hi*inv-0.5)))
		row := r.on[rr*r.cols : (rr+1)*r.cols]
		for c := c0; c <= c1; c++ {
			row[c] = true
		}
	}
}

// cellRun is a horizontal stretch [c0, c1) of on cells in row r, with its
// union–find parent.
type cellRun struct {
	r, c0, c1 int
	parent    int32
}

func findCellRun(runs []cellRun, i int32) int32 {
	for runs[i].parent != i {
		runs[i].parent = runs[runs[i].parent].parent
		i = runs[i].parent
	}
	return i
}

// trace turns the on cells into polygons: cells merge by 4-connectivity,
// each component's boundary edges are chained into rings with a
// left-turn rule at corners (so rings never cross), straight stretches
// become one edge; the outer ring is counter-clockwise and holes
// clockwise (RFC 7946). It is geo.Grid.Gaps' tracing on a raster of
// reached cells. toLonLat maps lattice vertex (column, row) to a position.
func (r *raster) trace(ctx context.Context, toLonLat func(c, r int) orb.Point) (orb.MultiPolygon, error) {
	var runs []cellRun
	rowStart := make([]int32, r.rows+1)
	for y := 0; y < r.rows; y++ {
		rowStart[y] = int32(len(runs))
		cells := r.on[y*r.cols : (y+1)*r.cols]
		for c := 0; c < r.cols; {
			if !cells[c] {
				c++
				continue
			}
			c0 := c
			for c < r.cols && cells[c] {
				c++
			}
			runs = append(runs, cellRun{r: y, c0: c0, c1: c, parent: int32(len(runs))})
		}
		if y > 0 {
			i, j := rowStart[y-1], rowStart[y]
			for i < rowStart[y] && j < int32(len(runs)) {
				a, b := &runs[i], &runs[j]
				if a.c0 < b.c1 && b.c0 < a.c1 {
					ra, rb := findCellRun(runs, i), findCellRun(runs, j)
					if ra != rb {
						runs[rb].parent = ra
					}
				}
				if a.c1 < b.c1 {
					i++
				} else {
					j++
				}
			}
		}
	}
	rowStart[r.rows] = int32(len(runs))
	if len(runs) == 0 {
		return nil, nil
	}
	comp := make(map[int32]int)
	ncomp := 0
	for i := range runs {
		root := findCellRun(runs, int32(i))
		if _, ok := comp[root]; !ok {
			comp[root] = ncomp
			ncomp++
		}
	}
	runOf := func(y, c int) int32 {
		lo, hi := rowStart[y], rowStart[y+1]
		rr := runs[lo:hi]
		k := sort.Search(len(rr), func(i int) bool { return rr[i].c1 > c })
		return findCellRun(runs, lo+int32(k))
	}
	w := r.cols + 1
	out := make([]uint8, (r.rows+1)*w)
	on := func(y, c int) bool {
		return y >= 0 && y < r.rows && c >= 0 && c < r.cols && r.on[y*r.cols+c]
	}
	for _, rn := range runs {
		y := rn.r
		for c := rn.c0; c < rn.c1; c++ {
			if !on(y-1, c) {
				out[y*w+c] |= 1 << 0
			}
			if !on(y, c+1) {
				out[y*w+c+1] |= 1 << 1
			}
			if !on(y+1, c) {
				out[(y+1)*w+c+1] |= 1 << 2
			}
			if !on(y, c-1) {
				out[(y+1)*w+c] |= 1 << 3
			}
		}
	}
	step := [4]int{1, w, -1, -w}
	type ring struct {
		pts  []int
		area int
	}
	rings := make([][]ring, ncomp)
	for row0 := 0; row0 < len(out); row0 += w {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("roads: reach area stopped: %w", err)
		}
		for i, bitsAt := range out[row0 : row0+w] {
			if bitsAt == 0 {
				continue
			}
			v0 := row0 + i
			for bitsAt != 0 {
				d0 := 0
				for bitsAt&(1<<d0) == 0 {
					d0++
				}
				y, c := v0/w, v0%w
				left := [4][2]int{{y, c}, {y, c - 1}, {y - 1, c - 1}, {y - 1, c}}[d0]
				k := comp[runOf(left[0], left[1])]
				var pts []int
				v, d := v0, d0
				out[v] &^= 1 << d
				for {
					nv := v + step[d]
					nd, closing := -1, false
					for _, t := range [3]int{(d + 1) % 4, d, (d + 3) % 4} {
						if nv == v0 && t == d0 {
							nd, closing = t, true
							break
						}
						if out[nv]&(1<<t) != 0 {
							nd = t
							break
						}
					}
					if nd < 0 {
						break
					}
					if nd != d {
						pts = append(pts, nv)
					}
					if closing {
						break
					}
					out[nv] &^= 1 << nd
					v, d = nv, nd
				}
				a := 0
				for i := range pts {
					p, q := pts[i], pts[(i+1)%len(pts)]
					a += (p%w)*(q/w) - (q%w)*(p/w)
				}
				rings[k] = append(rings[k], ring{pts, a})
				bitsAt = out[v0]
			}
		}
	}
	mp := make(orb.MultiPolygon, 0, ncomp)
	for k := range rings {
		var poly orb.Polygon
		var holes []orb.Ring
		for _, rg := range rings[k] {
			lr := make(orb.Ring, 0, len(rg.pts)+1)
			for _, v := range rg.pts {
				lr = append(lr, toLonLat(v%w, v/w))
			}
			lr = append(lr, lr[0])
			if rg.area > 0 {
				poly = append(orb.Polygon{lr}, poly...)
			} else {
				holes = append(holes, lr)
			}
		}
		if len(poly) > 0 {
			mp = append(mp, append(poly, holes...))
		}
	}
	return mp, nil
}
