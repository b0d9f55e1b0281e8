package geo

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Work limits of the planner. Each counts a unit of work the planner does
// in a loop whose length depends on its input, and is checked before the
// work (and its memory) is taken on, so that a request over a limit costs
// only the count. Every limit is set so that work up to it takes at most
// about a second on one core of a small server; the deadline a caller sets
// (a context) bounds the rest. Inner Mongolia at 1 km cells is far below
// every one of them.
const (
	// MaxAreaVertices bounds the positions of an area polygon (all rings,
	// each ring's closing position included). The bundled Inner Mongolia
	// boundary has 14,211.
	MaxAreaVertices = 250_000
	// MaxHoleTests bounds the edge tests of checking that every hole of
	// an area lies inside its polygon's exterior ring: holes × positions
	// of the exterior, a test of one or two comparisons each.
	MaxHoleTests = 200_000_000
	// MaxGridCells bounds the cells of a coverage grid: rows × columns over
	// the area's bounding box, one byte each plus one byte per cell corner
	// while tracing gaps. The whole of Inner Mongolia at 1 km cells needs
	// about 4.0 million.
	MaxGridCells = 6_000_000
	// MaxGridCrossings bounds the edge–row crossings of a grid: the sum
	// over the area's edges of the grid rows each spans. Finding the
	// inside cells costs one crossing per edge per row (about 7 ns; the
	// memory is the edges, whatever the crossings). Inner Mongolia at 1 km
	// cells has about 32,000; a 93 KB polygon of 5,600 zig-zags across
	// 22,000 rows of 10 m would have 125 million.
	MaxGridCrossings = 100_000_000
	// MaxCoverWork bounds the station–row intervals of covering a grid: the
	// sum over the stations of the grid rows within their radius. Each
	// costs a few trigonometric functions.
	MaxCoverWork = 20_000_000
	// MaxSuggestWork bounds the cell visits of the first round of site
	// suggestion: the sum over the candidates of the cells in the box
	// around their circle, counted on the grid (so narrow poleward cells
	// count as what they cost). Later rounds revisit a few circles each.
	MaxSuggestWork = 100_000_000
	// MaxRouteWork bounds the segment tests of finding points along a
	// route (Route.NearContext): each point is tested against the route
	// segments whose boxes meet its corridor. A 2,000 km route of 20,001
	// positions with 10,000 candidates in a 2 km corridor needs about
	// 300,000; a 100,000-position zig-zag folded into one square degree
	// needs 100,000 per point (about 6 ns each: 1,000 such points take
	// 0.6 s).
	MaxRouteWork = 100_000_000
)

// WorkLimitError says that a request would exceed one of the work limits,
// how much work it needs, and what to change. When a grid is involved,
// MinCellM is the smallest cell size (whole meters) at which the same
// request fits.
type WorkLimitError struct {
	Work     int64   // units of work the request needs
	Limit    int64   // the limit
	Unit     string  // what is counted, e.g. "grid cells", "edge–row crossings"
	CellM    float64 // the cell size asked for, meters; 0 when no grid is involved
	MinCellM float64 // the smallest cell size that fits the limit, meters; 0 when none is given
	Else     string  // the other ways to ask for less, e.g. "or a smaller area"
}

func (e *WorkLimitError) Error() string {
	if e.CellM > 0 && e.MinCellM > 0 {
		return fmt.Sprintf("area needs %d %s at cell_m=%v; the work limit is %d %s: use cell_m >= %v for this area, %s",
			e.Work, e.Unit, e.CellM, e.Limit, e.Unit, e.MinCellM, e.Else)
	}
	return fmt.Sprintf("the request needs %d %s; the work limit is %d %s: %s", e.Work, e.Unit, e.Limit, e.Unit, e.Else)
}

// stopped is nil while ctx is live, else an error saying which step
// stopped, wrapping ctx.Err() (context.Canceled or
// context.DeadlineExceeded). ctx.Err is an atomic load (about 2 ns), so
// loops call it once per grid row, or once per checkEvery iterations
// where an iteration is cheaper than a row.
func stopped(ctx context.Context, step string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s stopped: %w", step, err)
	}
	return nil
}

// checkEvery is how many cheap iterations (an edge, a point, an event of a
// sweep) run between two context checks: a few microseconds of work.
const checkEvery = 1024

// minCellWithin is the smallest whole number of meters s >= MinCellMeters
// with work(s) <= limit, for work non-increasing in the cell size; 0 when
// even a cell of a quarter of the Earth's circumference is over the limit.
func minCellWithin(work func(cellM float64) int64, limit int64) float64 {
	lo := float64(MinCellMeters)
	if work(lo) <= limit {
		return lo
	}
	const top = 10_000_000.0 // meters: a quarter of a meridian
	hi := lo
	for work(hi) > limit {
		if hi >= top {
			return 0
		}
		hi = math.Min(top, hi*2)
	}
	// work(lo) > limit >= work(hi)
	for hi-lo > 1 {
		mid := math.Floor((lo + hi) / 2)
		if work(mid) <= limit {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// capHalfWidth is the largest longitude half-width, in degrees, of the
// spherical cap of angular radius theta (radians) around latitude lat
// (degrees): 180 when the cap holds a pole.
func capHalfWidth(lat, theta float64) float64 {
	s, c := math.Sin(theta), math.Cos(lat*degToRad)
	if theta >= math.Pi/2 || s >= c {
		return 180
	}
	return math.Asin(s/c) * radToDeg
}

// rowsWithin bounds the rows of a grid (rows rows of dLat degrees) whose
// centres lie within thetaDeg degrees of latitude of a point: at most
// floor(2 thetaDeg / dLat) + 1, and at most every row.
func rowsWithin(thetaDeg, dLat float64, rows int) int64 {
	return int64(min(float64(rows), math.Floor(2*thetaDeg/dLat)+1))
}

// coverWork bounds the station–row intervals of Grid.Cover on the grid
// over b at cellM: for each station whose circle reaches the area's
// latitudes (widened by 1° to the north, where the last row may reach),
// the rows within its radius. It never grows with the cell size.
func coverWork(b orb.Bound, cellM, radius float64, stations []orb.Point) int64 {
	_, dLat, rows, _ := gridShape(b, cellM)
	thetaDeg := math.Min(radius/EarthRadius, math.Pi)*radToDeg + 1e-9
	var n int64
	for _, p := range stations {
		if validPoint(p) && p[1]+thetaDeg >= b.Min[1] && p[1]-thetaDeg <= b.Max[1]+1 {
			n += rowsWithin(thetaDeg, dLat, rows)
		}
	}
	return n
}

// checkCoverWork is nil when covering the grid over b at cellM with
// stations of radius meters is within MaxCoverWork, else a
// *WorkLimitError.
func checkCoverWork(b orb.Bound, cellM, radius float64, stations []orb.Point) error {
	n := coverWork(b, cellM, radius, stations)
	if n <= MaxCoverWork {
		return nil
	}
	return &WorkLimitError{Work: n, Limit: MaxCoverWork, Unit: "station–row intervals", CellM: cellM,
		MinCellM: minCellWithin(func(s float64) int64 { return coverWork(b, s, radius, stations) }, MaxCoverWork),
		Else:     "or a smaller radius, fewer records (filter by kind or amenity), or a smaller area"}
}

// SuggestWork bounds the cell visits of the first round of Suggest on the
// grid over b at cellM, for candidates of radius meters (nil: the
// automatic candidates, counted as MaxAutoCandidates at the area's most
// poleward latitude). Each candidate visits, in each row within its
// radius, at most the columns of its circle's widest row (plus one for
// the row itself), counted in this grid's columns, which narrow towards
// the poles. It never grows with the cell size.
func SuggestWork(b orb.Bound, cellM, radius float64, candidates []orb.Point) int64 {
	dLon, dLat, rows, cols := gridShape(b, cellM)
	theta := math.Min(radius/EarthRadius, math.Pi)
	thetaDeg := theta*radToDeg + 1e-9
	perRow := func(lat float64) int64 {
		return 1 + int64(min(float64(cols), math.Ceil(2*capHalfWidth(lat, theta)/dLon)+2))
	}
	if candidates == nil {
		lat := math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))
		return MaxAutoCandidates * rowsWithin(thetaDeg, dLat, rows) * perRow(lat)
	}
	var n int64
	for _, p := range candidates {
		if validPoint(p) {
			n += rowsWithin(thetaDeg, dLat, rows) * perRow(p[1])
		}
	}
	return n
}

// MinSuggestCell is the smallest whole number of meters at which
// SuggestWork over b stays within MaxSuggestWork; 0 when none does.
func MinSuggestCell(b orb.Bound, radius float64, candidates []orb.Point) float64 {
	return minCellWithin(func(s float64) int64 { return SuggestWork(b, s, radius, candidates) }, MaxSuggestWork)
}

// CheckSuggestWork is nil when suggesting sites among candidates (nil:
// automatic) of radius meters on the grid over b at cellM is within
// MaxSuggestWork, else a *WorkLimitError that gives the smallest cell size
// that fits.
func CheckSuggestWork(b orb.Bound, cellM, radius float64, candidates []orb.Point) error {
	n := SuggestWork(b, cellM, radius, candidates)
	if n <= MaxSuggestWork {
		return nil
	}
	return &WorkLimitError{Work: n, Limit: MaxSuggestWork, Unit: "cell visits", CellM: cellM,
		MinCellM: MinSuggestCell(b, radius, candidates), Else: "or fewer candidates, a smaller radius, or a smaller area"}
}
