package geo

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// ringArea2 is twice the signed area of a closed ring in its own units.
func ringArea2(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a
}

// TestTraceCells checks TraceCells on random rasters against a flood
// fill: one region per 4-connected component, each region's polygon (in
// lattice units) an exterior ring counter-clockwise and holes clockwise
// whose area is its cell count, every ring closed on lattice vertices;
// the same cells chosen by another value (cells off being of two values)
// give the same regions; and a cancelled context stops it.
func TestTraceCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	vertex := func(c, r int) orb.Point { return orb.Point{float64(c), float64(r)} }
	for trial := range 300 {
		rows, cols := 1+rng.IntN(25), 1+rng.IntN(25)
		density := rng.Float64()
		on := make([]bool, rows*cols)
		ones := make([]uint8, rows*cols)  // 1 on, 0 off
		state := make([]uint8, rows*cols) // cellOpen on, cellCovered or cellOut off
		for i := range on {
			on[i] = rng.Float64() < density
			state[i] = uint8(cellCovered - rng.IntN(2)*cellCovered)
			if on[i] {
				ones[i], state[i] = 1, cellOpen
			}
		}
		label := make([]int, len(on))
		for i := range label {
			label[i] = -1
		}
		var sizes []int
		for i := range on {
			if !on[i] || label[i] >= 0 {
				continue
			}
			k := len(sizes)
			sizes = append(sizes, 0)
			stack := []int{i}
			label[i] = k
			for len(stack) > 0 {
				v := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				sizes[k]++
				r, c := v/cols, v%cols
				for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					rr, cc := r+d[0], c+d[1]
					if rr >= 0 && rr < rows && cc >= 0 && cc < cols && on[rr*cols+cc] && label[rr*cols+cc] < 0 {
						label[rr*cols+cc] = k
						stack = append(stack, rr*cols+cc)
					}
				}
			}
		}
		regions, err := TraceCells(context.Background(), ones, rows, cols, 1, vertex)
		if err != nil {
			t.Fatal(err)
		}
		if len(regions) != len(sizes) {
			t.Fatalf("trial %d: %d regions, flood fill finds %d", trial, len(regions), len(sizes))
		}
		for k, rg := range regions {
			first := rg.runs[0]
			want := sizes[label[int(first.r)*cols+int(first.c0)]]
			if len(rg.Polygon) == 0 {
				t.Fatalf("trial %d region %d: no polygon", trial, k)
			}
			area := 0.0
			for i, ring := range rg.Polygon {
				if len(ring) < 5 || ring[0] != ring[len(ring)-1] {
					t.Fatalf("trial %d region %d ring %d: not a closed ring: %v", trial, k, i, ring)
				}
				a := ringArea2(ring) / 2
				if (i == 0) != (a > 0) {
					t.Fatalf("trial %d region %d ring %d: signed area %v (exterior must be positive, holes negative)", trial, k, i, a)
				}
				area += a
			}
			if int(area) != want || area != float64(int(area)) {
				t.Fatalf("trial %d region %d: polygon area %v, flood fill component has %d cells", trial, k, area, want)
			}
		}
		again, err := TraceCells(context.Background(), state, rows, cols, cellOpen, vertex)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(regions) {
			t.Fatalf("trial %d: %d regions of the cells equal to cellOpen, %d of those equal to 1", trial, len(again), len(regions))
		}
		for k := range again {
			if !orb.Equal(again[k].Polygon, regions[k].Polygon) {
				t.Fatalf("trial %d region %d: the same cells chosen by another value trace differently", trial, k)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TraceCells(ctx, []uint8{1}, 1, 1, 1, vertex); err == nil {
		t.Error("TraceCells with a cancelled context: no error")
	}
}
