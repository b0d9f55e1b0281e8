package geo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// MinCellMeters is the smallest cell size a grid accepts, in meters.
const MinCellMeters = 10

// autoCells is the number of cells an automatically sized grid aims at.
const autoCells = 1_000_000

// Grid is a coverage grid over an area: cells of CellM meters north–south
// on a regular longitude/latitude lattice. Every cell is DLat degrees high
// (CellM along a meridian) and DLon degrees wide, DLon chosen so that cells
// at the area's middle latitude are square; elsewhere their east–west size
// is CellM × cos(lat)/cos(mid lat). Each cell's area is measured exactly on
// the sphere, so the lattice's shape never biases the areas. A cell is in
// the area when its centre is (even–odd rule on straight lon/lat edges),
// and covered when its centre lies within the radius of some station
// (great-circle distance, exact on the sphere).
//
// A Grid is not safe for concurrent use.
type Grid struct {
	West, South float64 // lon/lat of the lattice's south-west corner, degrees
	DLon, DLat  float64 // cell size in degrees
	Rows, Cols  int
	CellM       float64 // requested cell size, meters (north–south)
	AreaM2      float64 // exact area of the polygon, square meters (see Area)

	state   []uint8   // per cell: cellOut, cellOpen or cellCovered
	rowArea []float64 // area of one cell of each row, square meters
	bound   orb.Bound // the area's bounding box, for work limits at other cell sizes
}

const (
	cellOut     = 0 // centre outside the area
	cellOpen    = 1 // in the area, not covered
	cellCovered = 2 // in the area and covered
)

// gridShape gives the lattice for area bound b at cell size cellM.
func gridShape(b orb.Bound, cellM float64) (dLon, dLat float64, rows, cols int) {
	dLat = cellM / EarthRadius * radToDeg
	mid := (b.Min[1] + b.Max[1]) / 2
	c := math.Max(math.Cos(mid*degToRad), 0.01)
	dLon = dLat / c
	rows = max(1, int(math.Ceil((b.Max[1]-b.Min[1])/dLat)))
	cols = max(1, int(math.Ceil((b.Max[0]-b.Min[0])/dLon)))
	return dLon, dLat, rows, cols
}

// gridCells is the number of cells of the grid over b at cellM, in
// int64 so that no area and cell size can overflow it.
func gridCells(b orb.Bound, cellM float64) int64 {
	_, _, rows, cols := gridShape(b, cellM)
	return int64(rows) * int64(cols)
}

// MinCellFor is the smallest whole number of meters whose grid over b
// stays within limit cells.
func MinCellFor(b orb.Bound, limit int) float64 {
	return minCellWithin(func(s float64) int64 { return gridCells(b, s) }, int64(limit))
}

// edgeCount counts the edges of area: what the grid's scanline setup
// holds in memory.
func edgeCount(area orb.MultiPolygon) int64 {
	var n int64
	for _, p := range area {
		for _, r := range p {
			n += int64(max(len(r)-1, 0))
		}
	}
	return n
}

// areaPositions counts the positions of area, every ring's closing one
// included (as GeoJSON counts them).
func areaPositions(area orb.MultiPolygon) int64 {
	var n int64
	for _, p := range area {
		for _, r := range p {
			n += int64(len(r))
		}
	}
	return n
}

// crossingsBound is an upper bound on the edge–row crossings of the grid
// over area (bound b) at cellM: an edge of latitude extent h spans at most
// floor(h/dLat)+1 rows, and at most every row. Unlike the exact count
// (Grid.crossings), it never grows with the cell size, so the smallest
// cell size within a limit can be searched for.
func crossingsBound(area orb.MultiPolygon, b orb.Bound, cellM float64) int64 {
	_, dLat, rows, _ := gridShape(b, cellM)
	var n int64
	for _, p := range area {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				if h := math.Abs(r[i+1][1] - r[i][1]); h > 0 {
					n += int64(min(float64(rows), math.Floor(h/dLat)+1))
				}
			}
		}
	}
	return n
}

// MinCellForArea is the smallest whole number of meters at which a grid
// over area stays within MaxGridCells cells and MaxGridCrossings
// crossings; 0 when no cell size does (an area of more than
// MaxGridCrossings edges).
func MinCellForArea(area orb.MultiPolygon) float64 {
	return minCellCrossings(area, MaxGridCrossings)
}

// minCellCrossings is MinCellForArea with crossings limit instead of
// MaxGridCrossings.
func minCellCrossings(area orb.MultiPolygon, crossings int64) float64 {
	b := area.Bound()
	return minCellWithin(func(s float64) int64 {
		if n := gridCells(b, s); n > MaxGridCells {
			return math.MaxInt64
		}
		return crossingsBound(area, b, s)
	}, crossings)
}

// autoCrossings is the most edge–row crossings an automatic cell size
// leads to: a quarter of the limit (a fifth of a second), so that only a
// cell_m asked for takes a request to the limit.
const autoCrossings = MaxGridCrossings / 4

// AutoCell picks a cell size for area and radius: a round number of
// meters (1, 2, 2.5 or 5 × 10^k) giving about a million cells, made finer
// when that is more than half the radius (so service circles are
// resolved), but never so fine that the grid exceeds MaxGridCells or a
// quarter of MaxGridCrossings (autoCrossings).
func AutoCell(area orb.MultiPolygon, radius float64) float64 {
	b := area.Bound()
	want := 1000 * math.Sqrt(float64(gridCells(b, 1000))/autoCells)
	if radius > 0 && want > radius/2 {
		want = radius / 2
	}
	s := niceUp(math.Max(want, MinCellMeters))
	if floor := minCellCrossings(area, autoCrossings); s < floor {
		s = niceUp(floor)
	}
	return s
}

// niceUp rounds v up to 1, 2, 2.5 or 5 × 10^k.
func niceUp(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// NewGrid lays a grid of cellM-meter cells over area (which should have
// passed ValidateArea) and marks the cells inside it. cellM <= 0 is an
// error. Before anything is allocated the work is counted: an area of
// more than MaxAreaVertices positions, or a grid of more than
// MaxGridCells cells or MaxGridCrossings edge–row crossings, is a
// *WorkLimitError that gives the smallest cell size that fits. Finding
// the inside cells takes one scanline pass over the area's edges, so the
// cost is O(crossings + edges log edges + cells), not cells × edges, and
// the memory O(edges + cells). ctx is checked once per grid row and every
// checkEvery edges; when it ends, NewGrid returns an error wrapping
// ctx.Err() and no grid.
func NewGrid(ctx context.Context, area orb.MultiPolygon, cellM float64) (*Grid, error) {
	g, err := layGrid(ctx, area.Bound(), cellM, area)
	if err != nil {
		return nil, err
	}
	g.AreaM2 = Area(area)
	return g, nil
}

// NewClippedGrid is NewGrid over the part of area inside clip (both
// should have passed ValidateArea): a cell is inside when its centre is
// inside both. The lattice spans the overlap of their bounding boxes.
// There is no polygon of the intersection, so AreaM2 is the grid's own
// measure of it (the exact areas of the inside cells, GridAreaM2), which
// converges to the true area as cells shrink. Areas that do not overlap
// give a grid with no cell inside. The limits of NewGrid apply to the
// positions, crossings and cells of both.
func NewClippedGrid(ctx context.Context, area, clip orb.MultiPolygon, cellM float64) (*Grid, error) {
	b, ok := overlap(area.Bound(), clip.Bound())
	if !ok {
		b = orb.Bound{Min: area.Bound().Min, Max: area.Bound().Min}
	}
	g, err := layGrid(ctx, b, cellM, area, clip)
	if err != nil {
		return nil, err
	}
	g.AreaM2 = g.Summary().GridAreaM2
	return g, nil
}

// overlap is the intersection of two bounds, and whether they meet.
func overlap(a, b orb.Bound) (orb.Bound, bool) {
	o := orb.Bound{
		Min: orb.Point{math.Max(a.Min[0], b.Min[0]), math.Max(a.Min[1], b.Min[1])},
		Max: orb.Point{math.Min(a.Max[0], b.Max[0]), math.Min(a.Max[1], b.Max[1])},
	}
	return o, o.Min[0] <= o.Max[0] && o.Min[1] <= o.Max[1]
}

// layGrid lays the lattice over b at cellM and marks inside the cells
// whose centres are inside every one of areas, after counting the work.
func layGrid(ctx context.Context, b orb.Bound, cellM float64, areas ...orb.MultiPolygon) (*Grid, error) {
	if !(cellM >= MinCellMeters) || math.IsInf(cellM, 0) {
		return nil, fmt.Errorf("cell_m must be a number >= %d, got %v", MinCellMeters, cellM)
	}
	var positions int64
	for _, a := range areas {
		positions += areaPositions(a)
	}
	if positions > MaxAreaVertices*int64(len(areas)) {
		return nil, &WorkLimitError{Work: positions, Limit: MaxAreaVertices, Unit: "positions", Else: "simplify the polygon, or split the area into parts"}
	}
	if n := gridCells(b, cellM); n > MaxGridCells {
		return nil, &WorkLimitError{Work: n, Limit: MaxGridCells, Unit: "grid cells", CellM: cellM, MinCellM: MinCellForArea(areas[0]), Else: "or a smaller area"}
	}
	g := &Grid{West: b.Min[0], South: b.Min[1], CellM: cellM, bound: b}
	g.DLon, g.DLat, g.Rows, g.Cols = gridShape(b, cellM)
	var n int64
	for _, a := range areas {
		k, err := g.crossings(ctx, a)
		if err != nil {
			return nil, err
		}
		n += k
	}
	if n > MaxGridCrossings {
		return nil, &WorkLimitError{Work: n, Limit: MaxGridCrossings, Unit: "edge–row crossings", CellM: cellM, MinCellM: MinCellForArea(areas[0]),
			Else: "or simplify the polygon (fewer positions, above all on edges that run north–south across many cells), or a smaller area"}
	}
	g.state = make([]uint8, g.Rows*g.Cols)
	g.rowArea = make([]float64, g.Rows)
	for r := range g.rowArea {
		s, n := g.South+float64(r)*g.DLat, math.Min(90, g.South+float64(r+1)*g.DLat)
		g.rowArea[r] = cellArea(s, n, g.DLon)
	}
	if err := g.fillInside(ctx, areas[0]); err != nil {
		return nil, err
	}
	if len(areas) > 1 {
		mask := *g
		mask.state = make([]uint8, len(g.state))
		for _, a := range areas[1:] {
			clear(mask.state)
			if err := mask.fillInside(ctx, a); err != nil {
				return nil, err
			}
			for i, v := range mask.state {
				if v != cellOpen {
					g.state[i] = cellOut
				}
			}
		}
	}
	return g, nil
}

// Clone returns a copy of g whose cells can be covered independently.
func (g *Grid) Clone() *Grid {
	c := *g
	c.state = slices.Clone(g.state)
	return &c
}

// GapsClosed reports, for each of gaps (Gaps of g, in its order), whether
// after (a Clone of g covered further) has none of its cells uncovered.
// It scans each gap's runs of cells, stopping at the first one still
// uncovered, so the cost is at most O(cells of the gaps). ctx is checked
// every checkEvery runs.
func (g *Grid) GapsClosed(ctx context.Context, gaps []Gap, after *Grid) ([]bool, error) {
	out := make([]bool, len(gaps))
	n := 0
	for k, gp := range gaps {
		closed := true
	runs:
		for _, rn := range gp.runs {
			if n++; n%checkEvery == 0 {
				if err := stopped(ctx, "gaps"); err != nil {
					return nil, err
				}
			}
			row := int(rn.r) * g.Cols
			for _, v := range after.state[row+int(rn.c0) : row+int(rn.c1)] {
				if v == cellOpen {
					closed = false
					break runs
				}
			}
		}
		out[k] = closed
	}
	return out, nil
}

// rowSpan is the range [r0, r1) of rows whose centre y satisfies
// lo <= y < hi for the latitudes lo < hi of edge ab (ringContains' rule).
// It is computed in float64 and clamped before conversion, so no edge, however
// far outside the grid, overflows it.
func (g *Grid) rowSpan(a, b orb.Point) (int, int) {
	lo, hi := math.Min(a[1], b[1]), math.Max(a[1], b[1])
	r0 := math.Ceil((lo-g.South)/g.DLat - 0.5)
	r1 := math.Ceil((hi-g.South)/g.DLat - 0.5)
	return int(max(r0, 0)), int(min(r1, float64(g.Rows)))
}

// crossings counts the edge–row crossings of area on g: the work of
// fillInside, counted before it is done.
func (g *Grid) crossings(ctx context.Context, area orb.MultiPolygon) (int64, error) {
	var n int64
	k := 0
	for _, p := range area {
		for _, ring := range p {
			for i := 0; i+1 < len(ring); i++ {
				if k++; k%checkEvery == 0 {
					if err := stopped(ctx, "grid"); err != nil {
						return 0, err
					}
				}
				if ring[i][1] != ring[i+1][1] {
					r0, r1 := g.rowSpan(ring[i], ring[i+1])
					n += int64(max(r1-r0, 0))
				}
			}
		}
	}
	return n, nil
}

// fillInside marks the cells whose centres are inside area. It sweeps the
// rows south to north keeping the edges that span the current row (an
// active-edge list), so its memory is the edges plus one row's crossings,
// whatever the number of crossings in all.
func (g *Grid) fillInside(ctx context.Context, area orb.MultiPolygon) error {
	type span struct {
		r0, r1 int
		a, b   orb.Point
	}
	spans := make([]span, 0, edgeCount(area))
	k := 0
	for _, p := range area {
		for _, ring := range p {
			for i := 0; i+1 < len(ring); i++ {
				if k++; k%checkEvery == 0 {
					if err := stopped(ctx, "grid"); err != nil {
						return err
					}
				}
				a, b := ring[i], ring[i+1]
				if a[1] == b[1] {
					continue
				}
				if r0, r1 := g.rowSpan(a, b); r0 < r1 {
					spans = append(spans, span{r0, r1, a, b})
				}
			}
		}
	}
	slices.SortFunc(spans, func(x, y span) int { return x.r0 - y.r0 })
	var active []int32
	var xs []float64
	next := 0
	for r := 0; r < g.Rows; r++ {
		if err := stopped(ctx, "grid"); err != nil {
			return err
		}
		for next < len(spans) && spans[next].r0 <= r {
			active = append(active, int32(next))
			next++
		}
		y := g.South + (float64(r)+0.5)*g.DLat
		xs = xs[:0]
		keep := active[:0]
		for _, k := range active {
			s := &spans[k]
			if s.r1 <= r {
				continue
			}
			keep = append(keep, k)
			a, b := s.a, s.b
			// Exact row centre on the edge; y is within [lo, hi) so no division by zero.
			var x float64
			if (a[1] > y) != (b[1] > y) {
				x = a[0] + (y-a[1])/(b[1]-a[1])*(b[0]-a[0])
			} else {
				x = math.Min(a[0], b[0]) // y == lo exactly at a vertex
			}
			xs = append(xs, x)
		}
		active = keep
		slices.Sort(xs)
		cells := g.state[r*g.Cols : (r+1)*g.Cols]
		for i := 0; i+1 < len(xs); i += 2 {
			c0 := g.colAtOrAfter(xs[i])
			c1 := g.colAtOrAfter(xs[i+1])
			for c := c0; c < c1; c++ {
				cells[c] = cellOpen
			}
		}
	}
	return nil
}

// colAtOrAfter is the first column whose centre is at or east of x, clamped to [0, Cols].
func (g *Grid) colAtOrAfter(x float64) int {
	c := int(math.Ceil((x-g.West)/g.DLon - 0.5))
	return min(max(c, 0), g.Cols)
}

// Inside reports whether p lies in a cell of the grid that is inside the
// area (the grid's own view of the area, to within a cell).
func (g *Grid) Inside(p orb.Point) bool {
	if !validPoint(p) {
		return false
	}
	r := int(math.Floor((p[1] - g.South) / g.DLat))
	c := int(math.Floor((p[0] - g.West) / g.DLon))
	return r >= 0 && r < g.Rows && c >= 0 && c < g.Cols && g.state[r*g.Cols+c] != cellOut
}

// Centre returns the centre of cell (r, c).
func (g *Grid) Centre(r, c int) orb.Point {
	return orb.Point{g.West + (float64(c)+0.5)*g.DLon, g.South + (float64(r)+0.5)*g.DLat}
}

// circleCols calls fn with the column ranges [c0, c1) of row r whose centres
// lie within angle theta (radians, cosT its cosine) of p (sinP, cosP: sine
// and cosine of p's latitude). Longitudes are tried shifted by ±360° so a
// circle reaching across the ±180° meridian still counts.
func (g *Grid) circleCols(r int, p orb.Point, sinP, cosP, cosT float64, fn func(c0, c1 int)) {
	lat := (g.South + (float64(r)+0.5)*g.DLat) * degToRad
	sinL, cosL := math.Sincos(lat)
	num := cosT - sinL*sinP
	den := cosL * cosP
	var dl float64
	switch {
	case den < 1e-15:
		if num > 0 {
			return
		}
		dl = 180
	default:
		q := num / den
		if q > 1 {
			return
		}
		if q <= -1 {
			dl = 180
		} else {
			dl = math.Acos(q) * radToDeg
		}
	}
	for _, shift := range [3]float64{0, -360, 360} {
		lo, hi := p[0]+shift-dl, p[0]+shift+dl
		c0 := g.colAtOrAfter(lo)
		c1 := int(math.Floor((hi-g.West)/g.DLon-0.5)) + 1
		c1 = min(max(c1, 0), g.Cols)
		if c0 < c1 {
			fn(c0, c1)
		}
		if dl >= 180 {
			return
		}
	}
}

// rowsNear is the range [r0, r1) of rows whose centres lie within
// thetaDeg degrees of latitude lat.
func (g *Grid) rowsNear(lat, thetaDeg float64) (int, int) {
	r0 := int(math.Ceil((lat-thetaDeg-g.South)/g.DLat - 0.5))
	r1 := int(math.Floor((lat+thetaDeg-g.South)/g.DLat-0.5)) + 1
	return max(r0, 0), min(r1, g.Rows)
}

// Cover marks as covered every inside cell whose centre is within radius
// meters (great-circle) of one of stations. It works row by row with the
// stations sorted by latitude, adding each station's exact longitude
// interval for the row to a difference array, so the cost is
// O(rows × stations in reach of the row + cells), whatever the radius;
// more than MaxCoverWork station–row intervals is a *WorkLimitError, found
// before the work starts. ctx is checked once per row; when it ends, Cover returns an error
// wrapping ctx.Err() and the grid is left partly covered (discard it).
func (g *Grid) Cover(ctx context.Context, stations []orb.Point, radius float64) error {
	if radius <= 0 || len(stations) == 0 {
		return nil
	}
	theta := radius / EarthRadius
	if theta > math.Pi {
		theta = math.Pi
	}
	cosT := math.Cos(theta)
	thetaDeg := theta*radToDeg + 1e-9
	type st struct {
		p          orb.Point
		sinP, cosP float64
	}
	pts := make([]st, 0, len(stations))
	for _, p := range stations {
		if !validPoint(p) {
			continue
		}
		s, c := math.Sincos(p[1] * degToRad)
		pts = append(pts, st{p, s, c})
	}
	if err := checkCoverWork(g.bound, g.CellM, radius, stations); err != nil {
		return err
	}
	slices.SortFunc(pts, func(a, b st) int { return cmpFloat(a.p[1], b.p[1]) })
	diff := make([]int32, g.Cols+1)
	for r := 0; r < g.Rows; r++ {
		if err := stopped(ctx, "cover"); err != nil {
			return err
		}
		lat := g.South + (float64(r)+0.5)*g.DLat
		i := sort.Search(len(pts), func(i int) bool { return pts[i].p[1] >= lat-thetaDeg })
		any := false
		for ; i < len(pts) && pts[i].p[1] <= lat+thetaDeg; i++ {
			s := &pts[i]
			g.circleCols(r, s.p, s.sinP, s.cosP, cosT, func(c0, c1 int) {
				diff[c0]++
				diff[c1]--
				any = true
			})
		}
		if !any {
			continue
		}
		cells := g.state[r*g.Cols : (r+1)*g.Cols]
		var run int32
		for c := range cells {
			run += diff[c]
			diff[c] = 0
			if run > 0 && cells[c] == cellOpen {
				cells[c] = cellCovered
			}
		}
		diff[g.Cols] = 0
	}
	return nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CoverageSummary is the outcome of a coverage grid in square meters.
// AreaM2 is the exact polygon area (Area); CoveredM2 is AreaM2 times the
// covered share of the inside cells' area, so the three areas add up.
type CoverageSummary struct {
	AreaM2      float64
	CoveredM2   float64
	UncoveredM2 float64
	CoveredPct  float64 // 0–100
	CellsInside int     // cells whose centre is in the area
	CellsOpen   int     // of those, not covered
	GridAreaM2  float64 // total area of the inside cells (the grid's estimate of AreaM2)
}

// Summary measures the grid.
func (g *Grid) Summary() CoverageSummary {
	var in, cov float64
	var s CoverageSummary
	for r := 0; r < g.Rows; r++ {
		var ni, nc int
		for _, v := range g.state[r*g.Cols : (r+1)*g.Cols] {
			switch v {
			case cellOpen:
				ni++
			case cellCovered:
				ni++
				nc++
			}
		}
		s.CellsInside += ni
		s.CellsOpen += ni - nc
		in += float64(ni) * g.rowArea[r]
		cov += float64(nc) * g.rowArea[r]
	}
	s.GridAreaM2 = in
	s.AreaM2 = g.AreaM2
	if in > 0 {
		s.CoveredPct = 100 * cov / in
	}
	s.CoveredM2 = s.AreaM2 * s.CoveredPct / 100
	s.UncoveredM2 = s.AreaM2 - s.CoveredM2
	return s
}

// Gap is one connected uncovered part of a grid (cells joined through
// shared edges), traced along cell edges into a polygon with holes:
// exterior counter-clockwise, holes clockwise (RFC 7946). Its outline
// follows the grid, so it matches the area's own boundary to within a cell.
type Gap struct {
	Polygon orb.Polygon
	AreaM2  float64 // area of its cells, square meters
	Cells   int
	// Centroid is the area-weighted mean of its cells' centres, [lon, lat]
	// degrees: inside the gap for a compact one, possibly outside a
	// crescent.
	Centroid orb.Point
	runs     []gapRun // its cells, as runs of one row
}

// Gaps traces the uncovered cells into polygons (TraceCells), largest
// first. Cells are merged by 4-connectivity (cells touching only at a
// corner are separate gaps), and each gap's rings are traced along cell
// edges so that rings never cross. The cost is O(cells). ctx is checked once per row of
// cells and once per row of lattice vertices while tracing; when it ends,
// Gaps returns an error wrapping ctx.Err() and no gaps.
func (g *Grid) Gaps(ctx context.Context) ([]Gap, error) {
	regions, err := TraceCells(ctx, g.state, g.Rows, g.Cols, cellOpen, func(c, r int) orb.Point {
		return orb.Point{g.West + float64(c)*g.DLon, math.Min(90, g.South+float64(r)*g.DLat)}
	})
	if err != nil {
		return nil, fmt.Errorf("gaps: %w", err)
	}
	gaps := make([]Gap, len(regions))
	for k, rg := range regions {
		gp := &gaps[k]
		gp.Polygon, gp.runs = rg.Polygon, rg.runs
		for _, rn := range rg.runs {
			n := int(rn.c1 - rn.c0)
			a := float64(n) * g.rowArea[rn.r]
			gp.Cells += n
			gp.AreaM2 += a
			// Accumulate the weighted sum of centres in Centroid; divided below.
			gp.Centroid[0] += a * (g.West + float64(rn.c0+rn.c1)/2*g.DLon)
			gp.Centroid[1] += a * (g.South + (float64(rn.r)+0.5)*g.DLat)
		}
		if a := gp.AreaM2; a > 0 {
			gp.Centroid = orb.Point{gp.Centroid[0] / a, gp.Centroid[1] / a}
		}
	}
	slices.SortStableFunc(gaps, func(a, b Gap) int { return cmpFloat(b.AreaM2, a.AreaM2) })
	return gaps, nil
}

// Coverage runs a whole gap analysis: a grid of cellM meters over area
// (cellM <= 0 picks AutoCell), stations covering radius meters each, and
// the summary and uncovered parts. It runs to completion; callers that
// must stop early (a server, a command stopped by Ctrl-C) use
// CoverageContext.
func Coverage(area orb.MultiPolygon, stations []orb.Point, radius, cellM float64) (*Grid, CoverageSummary, []Gap, error) {
	return CoverageContext(context.Background(), area, stations, radius, cellM)
}

// CoverageContext is Coverage stopped by ctx: when ctx ends it returns an
// error wrapping ctx.Err().
func CoverageContext(ctx context.Context, area orb.MultiPolygon, stations []orb.Point, radius, cellM float64) (*Grid, CoverageSummary, []Gap, error) {
	if cellM <= 0 {
		cellM = AutoCell(area, radius)
	}
	g, err := NewGrid(ctx, area, cellM)
	if err != nil {
		return nil, CoverageSummary{}, nil, err
	}
	if err := g.Cover(ctx, stations, radius); err != nil {
		return nil, CoverageSummary{}, nil, err
	}
	gaps, err := g.Gaps(ctx)
	if err != nil {
		return nil, CoverageSummary{}, nil, err
	}
	return g, g.Summary(), gaps, nil
}
