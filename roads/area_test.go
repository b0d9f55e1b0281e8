package roads

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// TestMarkSegment checks the row-interval fill against testing every
// cell centre's distance to the segment.
func TestMarkSegment(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 5))
	for range 2000 {
		rows, cols := 1+rng.IntN(30), 1+rng.IntN(30)
		if rng.IntN(4) == 0 { // tall, so a segment spans several chunks of rows
			rows = 1 + rng.IntN(120)
		}
		cell := 10 + rng.Float64()*50
		b := rng.Float64() * 120
		ax, ay := rng.Float64()*float64(cols)*cell, rng.Float64()*float64(rows)*cell
		bx, by := ax, ay
		if rng.IntN(5) > 0 { // else a point
			bx, by = rng.Float64()*float64(cols)*cell, rng.Float64()*float64(rows)*cell
		}
		if rng.IntN(5) == 0 { // horizontal or vertical
			if rng.IntN(2) == 0 {
				by = ay
			} else {
				bx = ax
			}
		}
		noStart := rng.IntN(2) == 0
		r := &raster{rows: rows, cols: cols, on: make([]uint8, rows*cols)}
		r.markSegment(ax, ay, bx, by, noStart, b, cell)
		for rr := range rows {
			for c := range cols {
				x, y := (float64(c)+0.5)*cell, (float64(rr)+0.5)*cell
				dx, dy := bx-ax, by-ay
				tt, l2 := 0.0, dx*dx+dy*dy
				if l2 > 0 {
					tt = ((x-ax)*dx + (y-ay)*dy) / l2
				}
				d := math.Hypot(ax+math.Max(0, math.Min(1, tt))*dx-x, ay+math.Max(0, math.Min(1, tt))*dy-y)
				if noStart && (l2 == 0 || tt < 0) {
					// Behind the start: the start's disc, marked apart.
					d = math.Inf(1)
				}
				if got := r.on[rr*cols+c] == 1; got != (d <= b) && math.Abs(d-b) > 1e-6 {
					t.Fatalf("segment (%v,%v)-(%v,%v) noStart %v buffer %v cell %v: cell %d,%d at %v m is %v", ax, ay, bx, by, noStart, b, cell, rr, c, d, got)
				}
			}
		}
	}
}

// TestBufferArea checks the traced area of a buffered straight road
// against the capsule's area, and that it covers the road.
func TestBufferArea(t *testing.T) {
	a := orb.Point{111.9, 43.6}
	for _, km := range []float64{0, 0.5, 3, 20} {
		b := geo.Destination(a, 60, km*1000)
		mp, err := bufferArea(context.Background(), orb.MultiLineString{{a, b}}, ReachBufferM)
		if err != nil {
			t.Fatal(err)
		}
		got := geo.Area(mp)
		want := 2*ReachBufferM*km*1000 + math.Pi*ReachBufferM*ReachBufferM
		// Half a cell along the perimeter either way.
		perim := 2*km*1000 + 2*math.Pi*ReachBufferM
		if math.Abs(got-want) > perim*ReachCellM/2 {
			t.Errorf("%v km road: buffer area %.0f m², want %.0f ± %.0f", km, got, want, perim*ReachCellM/2)
		}
		if len(mp) != 1 {
			t.Errorf("%v km road: %d polygons, want 1", km, len(mp))
		}
	}
}

// TestSimplify checks on random walks, straight, wiggly and doubling
// back, that Simplify keeps the ends, keeps positions in order, and
// that every dropped position lies within tol of the kept segment that
// replaces it.
func TestSimplify(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 6))
	segDist := func(p, a, b [2]float64) float64 {
		dx, dy := b[0]-a[0], b[1]-a[1]
		tt := 0.0
		if l2 := dx*dx + dy*dy; l2 > 0 {
			tt = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
		}
		return math.Hypot(a[0]+tt*dx-p[0], a[1]+tt*dy-p[1])
	}
	dropped := 0
	for range 3000 {
		n := 1 + rng.IntN(60)
		tol := 1 + rng.Float64()*20
		step := rng.Float64() * 4 * tol
		turn := rng.Float64() * math.Pi * rng.Float64()
		pts := make([][2]float64, n)
		dir := rng.Float64() * 2 * math.Pi
		for i := 1; i < n; i++ {
			dir += (rng.Float64()*2 - 1) * turn
			s := step * rng.Float64()
			pts[i] = [2]float64{pts[i-1][0] + s*math.Cos(dir), pts[i-1][1] + s*math.Sin(dir)}
		}
		in := slices.Clone(pts)
		idx := Simplify(pts, tol, nil)
		if !slices.Equal(pts, in) {
			t.Fatalf("Simplify changed its input")
		}
		if idx[0] != 0 || idx[len(idx)-1] != n-1 || !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != len(idx) {
			t.Fatalf("Simplify(%v, %v) = %v: ends not kept or out of order", in, tol, idx)
		}
		out := make([][2]float64, len(idx))
		for i, k := range idx {
			out[i] = in[k]
		}
		for i := 1; i < len(idx); i++ {
			for j := idx[i-1] + 1; j < idx[i]; j++ {
				dropped++
				if d := segDist(in[j], out[i-1], out[i]); d > tol*(1+1e-9) {
					t.Fatalf("Simplify(%v, %v) = %v: position %d dropped at %v from its segment", in, tol, out, j, d)
				}
			}
		}
	}
	if dropped == 0 {
		t.Error("Simplify dropped no position")
	}
}

// TestBufferRaster checks the raster of random networks, lines meeting
// at shared ends as reached roads do, some a point or a loop, against
// every cell centre's distance to the lines as given: a centre within
// the buffer less the simplification's quarter cell is on, one beyond
// it by more than that is off.
func TestBufferRaster(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 7))
	for trial := range 200 {
		o := orb.Point{1.5, 42.5}
		var nodes []orb.Point
		for range 2 + rng.IntN(6) {
			nodes = append(nodes, orb.Point{o[0] + rng.Float64()*0.02, o[1] + rng.Float64()*0.015})
		}
		var lines orb.MultiLineString
		for range 1 + rng.IntN(8) {
			a, b := nodes[rng.IntN(len(nodes))], nodes[rng.IntN(len(nodes))]
			ls := orb.LineString{a}
			for range rng.IntN(8) { // wiggles between the ends
				f := rng.Float64()
				ls = append(ls, orb.Point{a[0] + (b[0]-a[0])*f + (rng.Float64()-0.5)*0.002, a[1] + (b[1]-a[1])*f + (rng.Float64()-0.5)*0.002})
			}
			if rng.IntN(6) > 0 {
				ls = append(ls, b)
			}
			lines = append(lines, ls)
		}
		r, err := bufferRaster(context.Background(), multiLines(lines), ReachBufferM)
		if err != nil {
			t.Fatal(err)
		}
		tol := r.cell / 4
		for rr := range r.rows {
			for c := range r.cols {
				x, y := (float64(c)+0.5)*r.cell, (float64(rr)+0.5)*r.cell
				d := math.Inf(1)
				for _, ls := range lines {
					for i := range ls {
						j := max(i-1, 0)
						ax, ay := (ls[j][0]-r.west)*r.kx, (ls[j][1]-r.south)*r.ky
						bx, by := (ls[i][0]-r.west)*r.kx, (ls[i][1]-r.south)*r.ky
						dx, dy := bx-ax, by-ay
						tt := 0.0
						if l2 := dx*dx + dy*dy; l2 > 0 {
							tt = math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/l2))
						}
						d = math.Min(d, math.Hypot(ax+tt*dx-x, ay+tt*dy-y))
					}
				}
				on := r.on[rr*r.cols+c] == 1
				if d <= ReachBufferM-tol-1e-6 && !on || d > ReachBufferM+tol+1e-6 && on {
					t.Fatalf("trial %d: cell %d,%d at %.2f m from the lines is on = %v (buffer %d, tolerance %.1f)\n%v", trial, rr, c, d, on, ReachBufferM, tol, lines)
				}
			}
		}
	}
}

// TestMergeIntervals checks the union of one to four stretches, the one-
// and two-stretch shortcuts among them, against covering a fine grid of
// positions: every position is in the union exactly when it is in some
// stretch, and the pairs come sorted and disjoint.
func TestMergeIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 8))
	for range 5000 {
		var parts []interval
		for range 1 + rng.IntN(4) {
			a, b := float64(rng.IntN(20)), float64(rng.IntN(20))
			parts = append(parts, interval{x0: a, x1: b})
		}
		got := mergeIntervals(parts, nil)
		for i := range got {
			if got[i][0] > got[i][1] || i > 0 && got[i][0] <= got[i-1][1] {
				t.Fatalf("mergeIntervals(%v) = %v: not sorted and disjoint", parts, got)
			}
		}
		for x := -0.25; x <= 20; x += 0.25 {
			want := false
			for _, p := range parts {
				want = want || math.Min(p.x0, p.x1) <= x && x <= math.Max(p.x0, p.x1)
			}
			in := false
			for _, g := range got {
				in = in || g[0] <= x && x <= g[1]
			}
			if in != want {
				t.Fatalf("mergeIntervals(%v) = %v: %v in it %v, in a stretch %v", parts, got, x, in, want)
			}
		}
	}
}
