package geo

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"
)

// CellRegion is one 4-connected region of a raster's chosen cells
// (cells touching only at a corner are separate regions), traced along
// cell edges into a polygon with holes: exterior counter-clockwise,
// holes clockwise (RFC 7946).
type CellRegion struct {
	Polygon orb.Polygon
	runs    []gapRun // its cells, as runs of one row, rows in order
}

// gapRun is the cells [c0, c1) of row r.
type gapRun struct{ r, c0, c1 int32 }

// run is a horizontal stretch [c0, c1) of chosen cells in one row, with
// its union–find parent.
type run struct {
	r, c0, c1 int
	parent    int32
}

func findRun(runs []run, i int32) int32 {
	for runs[i].parent != i {
		runs[i].parent = runs[runs[i].parent].parent
		i = runs[i].parent
	}
	return i
}

// TraceCells traces the cells of a rows × cols raster (row-major, row 0 at
// the south) that equal in into polygons, one per region, in the order of
// each region's first cell. Runs of chosen cells are labelled with a
// union–find, and each region's rings are traced from its boundary edges
// with a left-turn rule at corners so that rings never cross; straight
// stretches of cell edges become one edge. vertex maps lattice vertex
// (column, row), 0 ≤ column ≤ cols and 0 ≤ row ≤ rows, to a position. The
// cost is O(cells). ctx is checked once per row of cells and once per row
// of lattice vertices; when it ends, TraceCells returns an error wrapping
// ctx.Err() and no region. It is the one tracing of coverage gaps
// (Grid.Gaps) and of reach areas (package roads).
func TraceCells(ctx context.Context, cells []uint8, rows, cols int, in uint8, vertex func(c, r int) orb.Point) ([]CellRegion, error) {
	sc := traceScratchPool.Get().(*traceScratch)
	defer traceScratchPool.Put(sc)
	// Runs and their components.
	runs := sc.runs[:0]
	defer func() { sc.runs = runs[:0] }()
	rowStart := slices.Grow(sc.rowStart[:0], rows+1)[:rows+1]
	sc.rowStart = rowStart
	for r := 0; r < rows; r++ {
		if err := stopped(ctx, "trace"); err != nil {
			return nil, err
		}
		rowStart[r] = int32(len(runs))
		row := cells[r*cols : (r+1)*cols]
		for c := 0; c < cols; {
			k := bytes.IndexByte(row[c:], in) // most cells are not chosen
			if k < 0 {
				break
			}
			c += k
			c0 := c
			for c < cols && row[c] == in {
				c++
			}
			runs = append(runs, run{r: r, c0: c0, c1: c, parent: int32(len(runs))})
		}
		// Union with overlapping runs of the row below.
		if r > 0 {
			i, j := rowStart[r-1], rowStart[r]
			for i < rowStart[r] && j < int32(len(runs)) {
				a, b := &runs[i], &runs[j]
				if a.c0 < b.c1 && b.c0 < a.c1 {
					ra, rb := findRun(runs, i), findRun(runs, j)
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
	rowStart[rows] = int32(len(runs))
	if len(runs) == 0 {
		return nil, nil
	}
	// comp[root run] is its region's index + 1; the regions' runs are
	// one array, each region a slice of it, counted first.
	comp := slices.Grow(sc.comp[:0], len(runs))[:len(runs)]
	sc.comp = comp
	clear(comp)
	var regions []CellRegion
	counts := sc.counts[:0]
	for i := range runs {
		root := findRun(runs, int32(i))
		if comp[root] == 0 {
			counts = append(counts, 0)
			comp[root] = int32(len(counts))
		}
		counts[comp[root]-1]++
	}
	sc.counts = counts
	regions = make([]CellRegion, len(counts))
	all := make([]gapRun, len(runs))
	at := 0
	for k, n := range counts {
		regions[k].runs = all[at : at : at+int(n)]
		at += int(n)
	}
	for i := range runs {
		k := comp[findRun(runs, int32(i))] - 1
		regions[k].runs = append(regions[k].runs, gapRun{int32(runs[i].r), int32(runs[i].c0), int32(runs[i].c1)})
	}
	runOf := func(r, c int) int32 {
		lo, hi := rowStart[r], rowStart[r+1]
		rr := runs[lo:hi]
		k := sort.Search(len(rr), func(i int) bool { return rr[i].c1 > c })
		return findRun(runs, lo+int32(k))
	}

	// Boundary edges: bit d of out[v] is an edge leaving lattice vertex v
	// in direction d (0 east, 1 north, 2 west, 3 south), chosen cell on its left.
	w := cols + 1
	out := slices.Grow(sc.out[:0], (rows+1)*w)[:(rows+1)*w]
	sc.out = out
	clear(out)
	chosen := func(r, c int) bool {
		return r >= 0 && r < rows && c >= 0 && c < cols && cells[r*cols+c] == in
	}
	for _, rn := range runs {
		r := rn.r
		for c := rn.c0; c < rn.c1; c++ {
			if !chosen(r-1, c) {
				out[r*w+c] |= 1 << 0
			}
			if !chosen(r, c+1) {
				out[r*w+c+1] |= 1 << 1
			}
			if !chosen(r+1, c) {
				out[(r+1)*w+c+1] |= 1 << 2
			}
			if !chosen(r, c-1) {
				out[(r+1)*w+c] |= 1 << 3
			}
		}
	}
	step := [4]int{1, w, -1, -w}
	// Every ring's corners in one array: ring i is pts[rings[i].p0:p1].
	pts := sc.pts[:0]
	rings := sc.rings[:0]
	defer func() { sc.pts, sc.rings = pts[:0], rings[:0] }()
	for row0 := 0; row0 < len(out); row0 += w { // each row of lattice vertices
		if err := stopped(ctx, "trace"); err != nil {
			return nil, err
		}
		for i := 0; i < w; i++ {
			i = nextNonZero(out[row0:row0+w], i)
			if i >= w {
				break
			}
			bitsAt := out[row0+i]
			v0 := row0 + i
			for bitsAt != 0 {
				d0 := 0
				for bitsAt&(1<<d0) == 0 {
					d0++
				}
				// Region of the chosen cell on the left of the first edge.
				r, c := v0/w, v0%w
				left := [4][2]int{{r, c}, {r, c - 1}, {r - 1, c - 1}, {r - 1, c}}[d0]
				k := comp[runOf(left[0], left[1])] - 1
				p0 := len(pts)
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
						break // cannot happen: every boundary edge has a successor
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
				rg := pts[p0:]
				a := 0
				for i := range rg {
					p, q := rg[i], rg[(i+1)%len(rg)]
					a += (p%w)*(q/w) - (q%w)*(p/w)
				}
				rings = append(rings, traceRing{region: k, p0: int32(p0), p1: int32(len(pts)), area: a})
				bitsAt = out[v0]
			}
		}
	}
	// The rings' positions in one array, each ring closed; a region's
	// exterior (the one counter-clockwise ring) first, then its holes.
	// Rings are sorted by region, keeping their order of tracing.
	slices.SortStableFunc(rings, func(a, b traceRing) int { return int(a.region - b.region) })
	ringPts := make([]orb.Point, 0, len(pts)+len(rings))
	polys := make([]orb.Ring, len(rings))
	for i, rg := range rings {
		start := len(ringPts)
		for _, v := range pts[rg.p0:rg.p1] {
			ringPts = append(ringPts, vertex(v%w, v/w))
		}
		ringPts = append(ringPts, ringPts[start])
		polys[i] = ringPts[start:len(ringPts):len(ringPts)]
	}
	for i := 0; i < len(rings); {
		j := i
		for j < len(rings) && rings[j].region == rings[i].region {
			j++
		}
		poly := orb.Polygon(polys[i:j:j])
		for x := range poly {
			if rings[i+x].area > 0 { // the exterior, moved first
				ext := poly[x]
				copy(poly[1:x+1], poly[:x])
				poly[0] = ext
				break
			}
		}
		regions[rings[i].region].Polygon = poly
		i = j
	}
	return regions, nil
}

// nextNonZero is the index of the first non-zero byte of b from i on,
// len(b) if none: eight bytes a step, as most lattice vertices have no
// boundary edge.
func nextNonZero(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] == 0; i++ {
	}
	return i
}

// traceRing is one traced ring of a region: its corners pts[p0:p1] and
// twice its signed area in lattice units.
type traceRing struct {
	region int32
	p0, p1 int32
	area   int
}

// traceScratch is TraceCells' working memory, pooled between calls.
type traceScratch struct {
	runs     []run
	rowStart []int32
	comp     []int32
	counts   []int32
	out      []uint8
	pts      []int
	rings    []traceRing
}

var traceScratchPool = sync.Pool{New: func() any { return new(traceScratch) }}
