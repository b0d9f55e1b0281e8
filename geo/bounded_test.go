package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// boundedDeadline is the deadline each planner call of the property test
// runs under, and boundedSlack how far past it a call may end: the
// deadline is checked at least once per grid row, per point, per circle
// visit and every checkEvery cheaper iterations, each a few milliseconds
// at most even under the race detector.
const (
	boundedDeadline = time.Second
	boundedSlack    = time.Second
)

// Memory bound of one planner call, as bytes allocated in all (TotalAlloc,
// which is at least the growth of the heap at its peak):
//   - per grid cell: its state byte, a byte per lattice vertex while
//     tracing, and a run of 32 bytes for at most every other cell, plus the
//     traced rings' points: under 64 bytes;
//   - per grid row: its cells' area (8 bytes), where its runs start (4),
//     a run (32) and the traced ring's vertices at its two ends (2 × 8 as
//     lattice vertices, 2 × 16 as points), in slices grown by doubling:
//     under 192 (what a grid one cell wide costs);
//   - per area edge: the scanline's span (48 bytes), the validation sweep's
//     edge (about 120 bytes), events and tree nodes (about 40): under 400;
//   - per station or candidate: its sorted copy and gain entry: under 200;
//   - per route position: its vector, normal, distance and R-tree entry:
//     under 300 (the slices are sized once, not grown);
//   - and a fixed 4 MiB for small buffers and maps.
//
// The limits bound each count (MaxGridCells cells; rows by the 20,000 km
// of a meridian over MinCellMeters, 2 million; MaxAreaVertices;
// MaxRouteVertices), so no request allocates more than about 0.9 GB
// however it is shaped, and a grid about as wide as it is tall (Inner
// Mongolia at 1 km: 4 million cells, 1,778 rows) under 260 MB.
const (
	memPerCell     = 64
	memPerRow      = 192
	memPerEdge     = 400
	memPerPoint    = 200
	memPerPosition = 300
	memFixed       = 4 << 20
)

// plannerCase is one call of the property test: what it works on, for
// the memory bound, and the call itself.
type plannerCase struct {
	name                    string
	cells, rows, edges, pts int64
	positions               int64
	run                     func(ctx context.Context) error
	wantOK, wantLimit       bool // which outcomes are possible; a deadline is always allowed
}

// adversarialArea builds one of the shapes that once had unbounded work:
// zig-zags whose edges each cross many rows (vertical) or whose tiny teeth
// cross none (horizontal, amplitude 1e-7°), long thin slivers, many holes,
// many tiny polygons, and plain random star polygons.
func adversarialArea(rng *rand.Rand) (string, orb.MultiPolygon) {
	lon0, lat0 := 100+rng.Float64()*20, 30+rng.Float64()*20
	switch rng.IntN(6) {
	case 0: // vertical zig-zag: every edge spans the whole height
		n := 1000 + rng.IntN(30_000)
		h := math.Pow(10, -2+3*rng.Float64()) // 0.01° to 10°
		w := math.Pow(10, -3+2*rng.Float64())
		r := make(orb.Ring, 0, n+3)
		for i := 0; i < n; i++ {
			r = append(r, orb.Point{lon0 + float64(i)*w/float64(n), lat0 + float64(i%2)*h})
		}
		r = append(r, orb.Point{lon0 + float64(n-1)*w/float64(n), lat0 - h/100}, orb.Point{lon0, lat0 - h/100}, r[0])
		return fmt.Sprintf("vertical zig-zag n=%d h=%.3g° w=%.3g°", n, h, w), orb.MultiPolygon{{r}}
	case 1: // horizontal zig-zag of tiny amplitude along the top of a box
		n := 1000 + rng.IntN(30_000)
		w, h := math.Pow(10, -2+2*rng.Float64()), math.Pow(10, -2+2*rng.Float64())
		r := orb.Ring{{lon0, lat0}}
		for i := 0; i < n; i++ {
			r = append(r, orb.Point{lon0 + w - float64(i)*w/float64(n), lat0 + h + float64(i%2)*1e-7})
		}
		r = append(r, orb.Point{lon0, lat0 + h}, r[0])
		return fmt.Sprintf("horizontal zig-zag n=%d", n), orb.MultiPolygon{{ringCCW(r)}}
	case 2: // sliver
		w, h := math.Pow(10, -5+2*rng.Float64()), 1+rng.Float64()*60
		lat := -h / 2
		return fmt.Sprintf("sliver %.3g° × %.3g°", w, h), orb.MultiPolygon{{{{lon0, lat}, {lon0 + w, lat}, {lon0 + w, lat + h}, {lon0, lat + h}, {lon0, lat}}}}
	case 3: // many holes
		k := 2 + rng.IntN(60)
		s := math.Pow(10, -2+2*rng.Float64())
		p := orb.Polygon{{{lon0, lat0}, {lon0 + s, lat0}, {lon0 + s, lat0 + s}, {lon0, lat0 + s}, {lon0, lat0}}}
		d := s / float64(k+1)
		for i := 1; i <= k; i++ {
			for j := 1; j <= k; j++ {
				x, y, e := lon0+float64(i)*d, lat0+float64(j)*d, d/3
				p = append(p, orb.Ring{{x, y}, {x, y + e}, {x + e, y + e}, {x + e, y}, {x, y}})
			}
		}
		return fmt.Sprintf("%d holes", k*k), orb.MultiPolygon{p}
	case 4: // many tiny polygons
		k := 2 + rng.IntN(80)
		s := math.Pow(10, -3+3*rng.Float64())
		var mp orb.MultiPolygon
		d := s / float64(k)
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				x, y, e := lon0+float64(i)*d, lat0+float64(j)*d, d/2
				mp = append(mp, orb.Polygon{{{x, y}, {x + e, y}, {x + e, y + e}, {x, y + e}, {x, y}}})
			}
		}
		return fmt.Sprintf("%d tiny squares", k*k), mp
	}
	n := 4 + rng.IntN(3000)
	rmax := math.Pow(10, -2+2.5*rng.Float64())
	return fmt.Sprintf("star n=%d r=%.3g°", n, rmax), randomArea(rng, orb.Point{lon0, lat0}, n, rmax/3, rmax, rng.IntN(2) == 0)
}

// ringCCW returns r counter-clockwise.
func ringCCW(r orb.Ring) orb.Ring {
	if ringArea(r) < 0 {
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
	return r
}

// logUniform is a random number between lo and hi, uniform in its logarithm.
func logUniform(rng *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
}

// TestPlannerBounded is the property: for random and adversarial areas,
// cell sizes, stations, candidates and routes, every planner call either
// completes, or refuses with a *WorkLimitError, or stops at its deadline,
// and in every case ends within boundedDeadline + boundedSlack and
// allocates no more than the memory bound above.
func TestPlannerBounded(t *testing.T) {
	rng := coverageRand(t)
	trials := 30
	if testing.Short() {
		trials = 8
	}
	var outcomes [3]int // ok, limit, deadline
	var worstTime time.Duration
	var worstMem float64
	for trial := 0; trial < trials; trial++ {
		name, area := adversarialArea(rng)
		if err := ValidateArea(area); err != nil {
			t.Fatalf("%s: generated an invalid area: %v", name, err)
		}
		cellM := logUniform(rng, MinCellMeters, 50_000)
		radius := logUniform(rng, 100, 200_000)
		b := area.Bound()
		wide := orb.Bound{Min: orb.Point{b.Min[0] - 1, b.Min[1] - 1}, Max: orb.Point{b.Max[0] + 1, b.Max[1] + 1}}
		stations := make([]orb.Point, rng.IntN(1000))
		for i := range stations {
			stations[i] = orb.Point{wide.Min[0] + rng.Float64()*(wide.Max[0]-wide.Min[0]), wide.Min[1] + rng.Float64()*(wide.Max[1]-wide.Min[1])}
		}
		var cands []orb.Point
		if rng.IntN(2) == 0 {
			cands = stations[:rng.IntN(len(stations)+1)]
		}
		shape := func(cellM float64) (cells, rows int64) {
			_, _, r, c := gridShape(b, cellM)
			if int64(r)*int64(c) > MaxGridCells {
				return 0, 0 // refused before any allocation
			}
			return int64(r) * int64(c), int64(r)
		}
		cells, rows := shape(cellM)
		autoCells, autoRows := shape(AutoCell(area, radius))
		edges := edgeCount(area)
		cases := []plannerCase{
			{name: "validate", edges: edges, run: func(ctx context.Context) error { return ValidateAreaContext(ctx, area) }, wantOK: true},
			{name: "coverage", cells: cells, rows: rows, edges: edges, pts: int64(len(stations)), wantOK: true, wantLimit: true, run: func(ctx context.Context) error {
				_, _, _, err := CoverageContext(ctx, area, stations, radius, cellM)
				return err
			}},
			{name: "suggest", cells: cells, rows: rows, edges: edges, pts: int64(len(stations) + len(cands) + MaxAutoCandidates), wantOK: true, wantLimit: true, run: func(ctx context.Context) error {
				g, err := NewGrid(ctx, area, cellM)
				if err != nil {
					return err
				}
				if err := g.Cover(ctx, stations, radius); err != nil {
					return err
				}
				_, err = g.Suggest(ctx, 1+rng.IntN(10), radius, cands)
				return err
			}},
			{name: "coverage, automatic cells", cells: autoCells, rows: autoRows, edges: edges, pts: int64(len(stations)), wantOK: true, wantLimit: true, run: func(ctx context.Context) error {
				_, _, _, err := CoverageContext(ctx, area, stations, radius, 0)
				return err
			}},
		}
		// A route folded into its corridor over the area: every point tests
		// every segment (TestRouteWorkLimit takes one to its limit).
		n := 2 + rng.IntN(20_000)
		line := make(orb.LineString, n)
		for i := range line {
			line[i] = orb.Point{b.Min[0] + float64(i)/float64(n)*(b.Max[0]-b.Min[0]), b.Min[1] + float64(i%2)*(b.Max[1]-b.Min[1])}
		}
		corridor := logUniform(rng, 10, 50_000)
		cases = append(cases, plannerCase{name: "route", positions: int64(n), pts: int64(len(stations)), wantOK: true, wantLimit: true, run: func(ctx context.Context) error {
			r, err := NewRoute(line)
			if err != nil {
				return err
			}
			_ = r.CorridorBounds(corridor, 0)
			hits, err := r.NearContext(ctx, stations, corridor)
			if err != nil {
				return err
			}
			al := make([]float64, len(hits))
			for i, h := range hits {
				al[i] = h.AlongM
			}
			_ = r.Gaps(al, logUniform(rng, 1, 100_000))
			return nil
		}})
		for _, pc := range cases {
			what := fmt.Sprintf("trial %d, %s (%d edges), cell_m=%.0f, radius %.0f m, %d stations: %s", trial, name, edges, cellM, radius, len(stations), pc.name)
			bound := float64(memFixed + memPerCell*pc.cells + memPerRow*pc.rows + memPerEdge*pc.edges + memPerPoint*pc.pts + memPerPosition*pc.positions)
			took, alloc, err := measure(pc.run)
			var wl *WorkLimitError
			switch {
			case err == nil && pc.wantOK:
				outcomes[0]++
			case errors.As(err, &wl) && pc.wantLimit:
				outcomes[1]++
				if wl.CellM > 0 && wl.MinCellM > 0 && wl.MinCellM <= wl.CellM {
					t.Errorf("%s: %v: the cell size offered is not larger than the one refused", what, err)
				}
			case errors.Is(err, context.DeadlineExceeded):
				outcomes[2]++
			default:
				t.Errorf("%s: error %v; want nil, a *WorkLimitError or the deadline", what, err)
			}
			if took > boundedDeadline+boundedSlack {
				t.Errorf("%s: took %v (error %v); want at most %v + %v", what, took, err, boundedDeadline, boundedSlack)
			}
			if float64(alloc) > bound {
				t.Errorf("%s: allocated %.1f MB; want at most %.1f MB", what, float64(alloc)/1e6, bound/1e6)
			}
			worstTime = max(worstTime, took)
			worstMem = max(worstMem, float64(alloc)/bound)
		}
	}
	t.Logf("%d completed, %d refused by a work limit, %d stopped at the deadline; slowest call %v, most memory %.0f%% of its bound",
		outcomes[0], outcomes[1], outcomes[2], worstTime.Round(time.Millisecond), 100*worstMem)
}

// measure runs fn under a boundedDeadline context and reports how long it
// took and how many bytes it allocated (runtime.MemStats.TotalAlloc).
func measure(fn func(ctx context.Context) error) (time.Duration, uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), boundedDeadline)
	defer cancel()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	err := fn(ctx)
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	return took, m1.TotalAlloc - m0.TotalAlloc, err
}

// TestWorkLimitCellFits checks that the cell size a *WorkLimitError of
// NewGrid offers is accepted, for the grid-cell and the crossing limits.
func TestWorkLimitCellFits(t *testing.T) {
	zig := make(orb.Ring, 0, 5603)
	for i := 0; i < 5600; i++ {
		zig = append(zig, orb.Point{111 + float64(i)*0.02/5600, 40 + 2*float64(i%2)})
	}
	zig = append(zig, orb.Point{111 + 5599*0.02/5600, 39.99}, orb.Point{111, 39.99}, zig[0])
	for _, tc := range []struct {
		name string
		area orb.MultiPolygon
		cell float64
		unit string
	}{
		{"zig-zag", orb.MultiPolygon{{zig}}, 10, "edge–row crossings"},
		{"large box", orb.MultiPolygon{{{{100, 30}, {120, 30}, {120, 50}, {100, 50}, {100, 30}}}}, 100, "grid cells"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewGrid(context.Background(), tc.area, tc.cell)
			var wl *WorkLimitError
			if !errors.As(err, &wl) || wl.Unit != tc.unit {
				t.Fatalf("NewGrid(%s, %v) = %v; want a *WorkLimitError counting %s", tc.name, tc.cell, err, tc.unit)
			}
			// The grid at the offered size, and one meter less, counted
			// (building it is a second of work).
			b := tc.area.Bound()
			for _, s := range []float64{wl.MinCellM, wl.MinCellM - 1, AutoCell(tc.area, 5000)} {
				g := &Grid{West: b.Min[0], South: b.Min[1]}
				g.DLon, g.DLat, g.Rows, g.Cols = gridShape(b, s)
				n, _ := g.crossings(context.Background(), tc.area)
				fits := n <= MaxGridCrossings && gridCells(b, s) <= MaxGridCells
				if fits != (s != wl.MinCellM-1) {
					t.Errorf("%s at cell_m=%v (offered %v): %d crossings, %d cells: fits %v", tc.name, s, wl.MinCellM, n, gridCells(b, s), fits)
				}
			}
		})
	}
}

// TestRouteWorkLimit folds a route into its own corridor so that every
// point tests every segment: past the limit of segment tests it is
// refused (tried with a limit of a million, a hundredth of MaxRouteWork,
// to keep the test short), and CorridorBounds stays within its box limit.
func TestRouteWorkLimit(t *testing.T) {
	const n = 100_000
	line := make(orb.LineString, n)
	for i := range line {
		line[i] = orb.Point{111 + float64(i)/n, 40 + 5*float64(i%2)}
	}
	r, err := NewRoute(line)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.CorridorBounds(50_000, 0)); got > 6*MaxCorridorBoxes {
		t.Errorf("CorridorBounds of a %d-position zig-zag = %d boxes; want at most %d", n, got, 6*MaxCorridorBoxes)
	}
	const limit = 1_000_000
	pts := make([]orb.Point, 2*limit/n)
	for i := range pts {
		pts[i] = orb.Point{111.5, 40 + 5*float64(i)/float64(len(pts))}
	}
	_, err = r.nearContext(context.Background(), pts, 50_000, limit)
	var wl *WorkLimitError
	if !errors.As(err, &wl) || wl.Limit != limit || wl.Work <= limit || wl.Work > limit+n {
		t.Fatalf("nearContext(%d points on a folded route, limit %d) = %v; want a *WorkLimitError just past the limit", len(pts), limit, err)
	}
	if hits, err := r.nearContext(context.Background(), pts[:limit/n], 50_000, limit); err != nil || len(hits) != limit/n {
		t.Fatalf("nearContext(%d points, limit %d) = %d hits, %v; want every point, no error", limit/n, limit, len(hits), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.NearContext(ctx, pts, 50_000); !errors.Is(err, context.Canceled) {
		t.Fatalf("NearContext(canceled) = %v; want an error wrapping context.Canceled", err)
	}
}
