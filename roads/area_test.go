package roads

import (
	"context"
	"math"
	"math/rand/v2"
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
		r := &raster{rows: rows, cols: cols, on: make([]bool, rows*cols)}
		r.markSegment(ax, ay, bx, by, b, cell)
		for rr := range rows {
			for c := range cols {
				x, y := (float64(c)+0.5)*cell, (float64(rr)+0.5)*cell
				dx, dy := bx-ax, by-ay
				tt := 0.0
				if l2 := dx*dx + dy*dy; l2 > 0 {
					tt = math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/l2))
				}
				d := math.Hypot(ax+tt*dx-x, ay+tt*dy-y)
				if got := r.on[rr*cols+c]; got != (d <= b) && math.Abs(d-b) > 1e-6 {
					t.Fatalf("segment (%v,%v)-(%v,%v) buffer %v cell %v: cell %d,%d at %v m is %v", ax, ay, bx, by, b, cell, rr, c, d, got)
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
