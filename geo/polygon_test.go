package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestValidateArea(t *testing.T) {
	square := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	tests := []struct {
		name   string
		area   orb.MultiPolygon
		defect string // substring of the defect; "" means valid
	}{
		{"square", orb.MultiPolygon{{square}}, ""},
		{"square with hole", orb.MultiPolygon{{square, {{0.2, 0.2}, {0.2, 0.8}, {0.8, 0.8}, {0.8, 0.2}, {0.2, 0.2}}}}, ""},
		{"two squares touching at a corner", orb.MultiPolygon{{square}, {{{1, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 1}}}}, ""},
		{"empty", orb.MultiPolygon{}, "no polygons"},
		{"polygon without rings", orb.MultiPolygon{{}}, "no rings"},
		{"unclosed", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, "not closed"},
		{"three positions", orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 0}}}}, "at least 4"},
		{"latitude out of range", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 91}, {0, 0}}}}, "latitude 91 is out of range"},
		{"longitude out of range", orb.MultiPolygon{{{{0, 0}, {181, 0}, {1, 1}, {0, 0}}}}, "longitude 181 is out of range"},
		{"NaN", orb.MultiPolygon{{{{0, 0}, {math.NaN(), 0}, {1, 1}, {0, 0}}}}, "not a finite number"},
		{"bow tie", orb.MultiPolygon{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}, "self-intersection"},
		{"collinear", orb.MultiPolygon{{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}}, "doubles back"},
		{"spike", orb.MultiPolygon{{{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}}}, "self-intersection"},
		{"hole crossing shell", orb.MultiPolygon{{square, {{0.5, 0.5}, {1.5, 0.5}, {1.5, 0.8}, {0.5, 0.8}, {0.5, 0.5}}}}, "ring 1"},
		{"hole outside shell", orb.MultiPolygon{{square, {{2, 2}, {3, 2}, {3, 3}, {2, 3}, {2, 2}}}}, "outside its polygon's exterior"},
		{"whole world", orb.MultiPolygon{{{{-180, -90}, {180, -90}, {180, 90}, {-180, 90}, {-180, -90}}}}, ""},
		{"overlapping polygons", orb.MultiPolygon{{square}, {{{0.5, 0.5}, {1.5, 0.5}, {1.5, 1.5}, {0.5, 1.5}, {0.5, 0.5}}}}, "polygon 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateArea(tc.area)
			if tc.defect == "" {
				if err != nil {
					t.Fatalf("ValidateArea = %v; want nil", err)
				}
				return
			}
			var pe *PolygonError
			if !errors.As(err, &pe) {
				t.Fatalf("ValidateArea = %v; want a *PolygonError naming %q", err, tc.defect)
			}
			if !strings.Contains(err.Error(), tc.defect) {
				t.Fatalf("ValidateArea = %q; want it to contain %q", err, tc.defect)
			}
		})
	}
}

// TestValidateAreaInnerMongolia: the real province outline is valid, and
// one moved vertex makes it self-intersect. (How fast: the benchmark
// below.)
func TestValidateAreaInnerMongolia(t *testing.T) {
	im := loadInnerMongolia(t)
	if err := ValidateArea(im); err != nil {
		t.Fatalf("ValidateArea(Inner Mongolia) = %v; want nil", err)
	}
	// Break it: move one vertex far across the polygon.
	bad := orb.MultiPolygon{{append(orb.Ring(nil), im[0][0]...)}}
	bad[0][0][5000] = orb.Point{112, 42}
	if err := ValidateArea(bad); err == nil || !strings.Contains(err.Error(), "self-intersection") {
		t.Fatalf("ValidateArea(broken boundary) = %v; want a self-intersection", err)
	}
}

func BenchmarkValidateAreaInnerMongolia(b *testing.B) {
	im := loadInnerMongolia(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ValidateArea(im); err != nil {
			b.Fatal(err)
		}
	}
}

// zigzagRing is a valid ring of about n positions whose long edges lie
// side by side: n/2 teeth between latitudes 0 and 1, closed under them.
// rotate swaps longitude and latitude, so the edges lie nearly east-west
// and all of them are on the sweep line at once.
func zigzagRing(n int, rotate bool) orb.Ring {
	r := make(orb.Ring, 0, n+3)
	step := 80.0 / float64(n)
	for i := 0; i < n; i++ {
		r = append(r, orb.Point{float64(i) * step, float64(i % 2)})
	}
	r = append(r, orb.Point{float64(n-1) * step, -1}, orb.Point{0, -1}, r[0])
	if rotate {
		for i := range r {
			r[i][0], r[i][1] = r[i][1], r[i][0]
		}
	}
	return r
}

func areaEdges(mp orb.MultiPolygon) []edgeRef {
	var edges []edgeRef
	ringID := 0
	for pi, p := range mp {
		for ri, r := range p {
			m := len(r) - 1
			for i := 0; i < m; i++ {
				if r[i] == r[i+1] {
					continue
				}
				e := edgeRef{poly: pi, ring: ri, ringID: ringID, i: i, a: r[i], b: r[i+1], ringLen: m, lo: r[i], hi: r[i+1]}
				if pointLess(e.hi, e.lo) {
					e.lo, e.hi = e.hi, e.lo
				}
				edges = append(edges, e)
			}
			ringID++
		}
	}
	return edges
}

// TestValidateAreaZigzagWork guards against quadratic crossing checks:
// rings of 100k long edges side by side (which put hundreds of edges in
// every cell of a bounding-box grid: 2.5×10⁹ pair tests) must be checked
// with O(n log n) work, counted in orientation and pair tests.
func TestValidateAreaZigzagWork(t *testing.T) {
	const n = 100_000
	for _, rotate := range []bool{false, true} {
		r := zigzagRing(n, rotate)
		mp := orb.MultiPolygon{{r}}
		if err := ValidateArea(mp); err != nil {
			t.Fatalf("ValidateArea(zig-zag, rotate=%v) = %v; want nil", rotate, err)
		}
		work, err := sweepCrossing(context.Background(), areaEdges(mp))
		if err != nil {
			t.Fatalf("sweepCrossing(zig-zag) = %v; want nil", err)
		}
		limit := 8 * n * int(math.Log2(n)) // generous: a balanced tree needs about 2 n log2 n
		t.Logf("rotate=%v: %d work units for %d edges (limit %d)", rotate, work, n+2, limit)
		if work > limit {
			t.Fatalf("sweepCrossing(zig-zag, rotate=%v) did %d work units; want at most %d", rotate, work, limit)
		}
		// One tooth pushed through its neighbour must be found.
		bad := orb.MultiPolygon{{slices.Clone(r)}}
		k := n / 2
		if rotate {
			bad[0][0][k][1] += 3 * 80.0 / n
		} else {
			bad[0][0][k][0] += 3 * 80.0 / n
		}
		err2 := ValidateArea(bad)
		var pe *PolygonError
		if !errors.As(err2, &pe) || !strings.Contains(err2.Error(), "self-intersection") || pe.Position < k-3 || pe.Position > k+3 {
			t.Fatalf("ValidateArea(zig-zag with tooth %d moved) = %v; want a self-intersection near position %d", k, err2, k)
		}
	}
}

// TestSweepMatchesAllPairs checks the sweep against testing every pair of
// edges, on many small random areas on coarse grids.
func TestSweepMatchesAllPairs(t *testing.T) {
	// Integer grids give many exact degeneracies (shared vertices, vertical
	// and collinear edges); decimal grids such as 0.1 … 0.4 or 0.3 … 1.2 are
	// not exact in binary, so nearly collinear triples test that orient's
	// sign never contradicts itself.
	// Decimal grids fall back to exact arithmetic often, so they get fewer
	// trials; a rounded orientation failed within the first few hundred.
	for _, tc := range []struct {
		step   float64
		trials int
	}{{1, 15_000}, {0.1, 4_000}, {0.3, 4_000}} {
		t.Run(fmt.Sprintf("grid step %v", tc.step), func(t *testing.T) { sweepMatchesAllPairs(t, tc.step, tc.trials) })
	}
}

func TestValidateAreaNearlyCollinearCrossing(t *testing.T) {
	// (0.2,0.1) lies almost on the edge (0.4,0.3)–(0.1,0): with a rounded
	// orientation test the sweep lost this clear crossing at (0.267, 0.1).
	mp := orb.MultiPolygon{{{{0.1, 0}, {0.2, 0.1}, {1, 0.1}, {0.2, 0}, {0.4, 0.3}, {0.1, 0}}}}
	err := ValidateArea(mp)
	if err == nil || !strings.Contains(err.Error(), "self-intersection") {
		t.Fatalf("ValidateArea(%v) = %v; want a self-intersection", mp, err)
	}
}

func sweepMatchesAllPairs(t *testing.T, step float64, trials int) {
	rng := rand.New(rand.NewPCG(1, uint64(step*10)))
	found := [2]int{}
	for trial := 0; trial < trials; trial++ {
		var mp orb.MultiPolygon
		for p := 0; p < 1+rng.IntN(2); p++ {
			var poly orb.Polygon
			for q := 0; q < 1+rng.IntN(2); q++ {
				ring := orb.Ring{}
				for i := 0; i < 3+rng.IntN(4); i++ {
					ring = append(ring, orb.Point{float64(rng.IntN(5)) * step, float64(rng.IntN(5)) * step})
				}
				poly = append(poly, append(ring, ring[0]))
			}
			mp = append(mp, poly)
		}
		edges := areaEdges(mp)
		var want *PolygonError
		for i := range edges {
			for j := i + 1; j < len(edges) && want == nil; j++ {
				want = edgesMeet(&edges[i], &edges[j])
			}
		}
		_, got := sweepCrossing(context.Background(), edges)
		// The pair test must not depend on argument order either.
		for i := range edges {
			for j := i + 1; j < len(edges); j++ {
				if (edgesMeet(&edges[i], &edges[j]) == nil) != (edgesMeet(&edges[j], &edges[i]) == nil) {
					t.Fatalf("area %v: edges %d and %d meet one way round but not the other", mp, i, j)
				}
			}
		}
		if (got == nil) != (want == nil) {
			t.Fatalf("area %v: sweep found %v; all pairs found %v", mp, got, want)
		}
		if want == nil {
			found[0]++
		} else {
			found[1]++
		}
	}
	t.Logf("%d areas without and %d with a crossing", found[0], found[1])
	if found[0] < trials/20 || found[1] < trials/20 {
		t.Fatalf("only %v areas without/with crossings; want both kinds", found)
	}
}

func BenchmarkValidateAreaZigzag(b *testing.B) {
	for _, rotate := range []bool{false, true} {
		// As many positions as an area may have (the ring adds 3 to n).
		mp := orb.MultiPolygon{{zigzagRing(MaxAreaVertices-3, rotate)}}
		b.Run(fmt.Sprintf("rotate=%v", rotate), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := ValidateArea(mp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
