package geo

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// seed drives every randomized test; set SEED to replay a failure.
var seed = func() int64 {
	s := time.Now().UnixNano()
	if v := os.Getenv("SEED"); v != "" {
		var err error
		if s, err = strconv.ParseInt(v, 10, 64); err != nil {
			panic(fmt.Sprintf("SEED=%q is not an integer", v))
		}
	}
	fmt.Println("geo tests seed:", s)
	return s
}()

// bruteNearest is the oracle: every point, exact Distance, sorted by
// (Meters, Slot), filtered, first k.
func bruteNearest(pts []orb.Point, live []bool, q orb.Point, k int, maxMeters float64, accept func(uint32) bool) []Hit {
	var all []Hit
	for i, p := range pts {
		if (live != nil && !live[i]) || (accept != nil && !accept(uint32(i))) {
			continue
		}
		d := Distance(q, p)
		if maxMeters > 0 && d > maxMeters {
			continue
		}
		all = append(all, Hit{Slot: uint32(i), Meters: d})
	}
	slices.SortFunc(all, compareHits)
	if k >= 0 && len(all) > k {
		all = all[:k]
	}
	return all
}

func bruteWithin(pts []orb.Point, q orb.Point, radius float64, accept func(uint32) bool) []Hit {
	var all []Hit
	for i, p := range pts {
		if accept != nil && !accept(uint32(i)) {
			continue
		}
		if d := Distance(q, p); d <= radius {
			all = append(all, Hit{Slot: uint32(i), Meters: d})
		}
	}
	slices.SortFunc(all, compareHits)
	return all
}

// randPoint draws from a mixture built to hit the hard places: uniform on
// the sphere, uniform in degrees (dense at the poles), within a degree of a
// pole or of the ±180° meridian, exact poles and ±180, and a coarse grid
// whose points tie in distance.
func randPoint(rng *rand.Rand) orb.Point {
	switch rng.Intn(8) {
	case 0:
		return orb.Point{rng.Float64()*360 - 180, math.Asin(rng.Float64()*2-1) * radToDeg}
	case 1:
		return orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
	case 2: // near a pole
		lat := 90 - rng.Float64()*rng.Float64()*2
		if rng.Intn(2) == 0 {
			lat = -lat
		}
		return orb.Point{rng.Float64()*360 - 180, lat}
	case 3: // near the antimeridian
		lon := 180 - rng.Float64()*rng.Float64()*2
		if rng.Intn(2) == 0 {
			lon = -lon
		}
		return orb.Point{lon, rng.Float64()*180 - 90}
	case 4: // exact special values
		lons := []float64{-180, 180, 0, 179.99, -179.99}
		lats := []float64{-90, 90, 0, 89.999, -89.999}
		return orb.Point{lons[rng.Intn(len(lons))], lats[rng.Intn(len(lats))]}
	case 5: // coarse grid: many equal distances
		return orb.Point{float64(rng.Intn(361) - 180), float64(rng.Intn(181) - 90)}
	default: // Inner Mongolia-like cluster
		return orb.Point{111 + rng.Float64()*10, 42 + rng.Float64()*8}
	}
}

// randData makes n points: a mixture, a dense cluster and exact duplicates.
func randData(rng *rand.Rand, n int) []orb.Point {
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		switch {
		case len(pts) > 0 && rng.Intn(10) == 0: // duplicate
			pts = append(pts, pts[rng.Intn(len(pts))])
		case rng.Intn(5) == 0: // tight cluster around a random point
			c := randPoint(rng)
			for j := rng.Intn(20); j > 0 && len(pts) < n; j-- {
				p := Destination(c, rng.Float64()*360, rng.Float64()*2000)
				pts = append(pts, p)
			}
		default:
			pts = append(pts, randPoint(rng))
		}
	}
	return pts
}

func acceptors() map[string]func(uint32) bool {
	return map[string]func(uint32) bool{
		"all":  nil,
		"odd":  func(s uint32) bool { return s%2 == 1 },
		"rare": func(s uint32) bool { return s%97 == 3 },
		"none": func(uint32) bool { return false },
	}
}

func TestNearestMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(seed))
	// Sizes around a leaf (leafSize) and a node of leaves (leafSize ·
	// fanOut) too, where the last leaf or node is partly full.
	sizes := []int{0, 1, 2, 7, leafSize, leafSize + 1, 100, leafSize * fanOut, leafSize*fanOut + 1, 3000}
	queries := 4000
	if testing.Short() {
		queries = 500
	}
	for _, n := range sizes {
		pts := randData(rng, n)
		ix := NewIndex(pts)
		mixed := mixedIndex(pts)
		if ix.Len() != n {
			t.Fatalf("NewIndex(%d points).Len() = %d", n, ix.Len())
		}
		for q := 0; q < queries/len(sizes)+1; q++ {
			p := randPoint(rng)
			if n > 0 && rng.Intn(4) == 0 {
				p = pts[rng.Intn(n)] // query exactly on a point
			}
			k := []int{1, 5, 5, 10, 50, n + 3}[rng.Intn(6)]
			maxM := 0.0
			if rng.Intn(3) == 0 {
				maxM = math.Pow(10, rng.Float64()*7.5)
			}
			for name, acc := range acceptors() {
				want := bruteNearest(pts, nil, p, k, maxM, acc)
				if got := ix.Nearest(p, k, maxM, acc); !slices.Equal(got, want) {
					t.Fatalf("n=%d accept=%s: Nearest(%v, %d, %v) = %v; want %v", n, name, p, k, maxM, got, want)
				}
				if got := mixed.Nearest(p, k, maxM, acc); !slices.Equal(got, want) {
					t.Fatalf("n=%d accept=%s: packed+inserted Nearest(%v, %d, %v) = %v; want %v", n, name, p, k, maxM, got, want)
				}
			}
		}
	}
}

// TestNearestClustered queries a dense cluster from everywhere: boxes
// around far queries hold the whole cluster, which sends Nearest to its
// best-first search.
func TestNearestClustered(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 7))
	pts := make([]orb.Point, 20000)
	for i := range pts {
		pts[i] = orb.Point{111 + rng.Float64()*10, 42 + rng.Float64()*8}
		if i%50 == 0 {
			pts[i] = orb.Point{math.Round(pts[i][0]), math.Round(pts[i][1])} // ties
		}
	}
	ix := NewIndex(pts)
	for q := 0; q < 300; q++ {
		p := randPoint(rng)
		k := 1 + rng.Intn(20)
		for name, acc := range acceptors() {
			if got, want := ix.Nearest(p, k, 0, acc), bruteNearest(pts, nil, p, k, 0, acc); !slices.Equal(got, want) {
				t.Fatalf("accept=%s: Nearest(%v, %d) = %v; want %v", name, p, k, got, want)
			}
		}
	}
}

// TestNearestRegional puts towns, roads of points and a spread in one
// region (the clustered workload's shape, small enough for the oracle),
// so that every node below the root spans a few degrees and shares its
// cosFar with its children, and queries inside it (on points, in towns,
// between them) and around it, k from 1 to past the count, with filters.
func TestNearestRegional(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 11))
	var pts []orb.Point
	for range 40 { // towns
		c := orb.Point{97 + rng.Float64()*29, 37 + rng.Float64()*16}
		for range 50 + rng.Intn(400) {
			pts = append(pts, Destination(c, rng.Float64()*360, math.Abs(rng.NormFloat64())*(2000+rng.Float64()*4000)))
		}
	}
	for range 3000 { // spread
		pts = append(pts, orb.Point{97 + rng.Float64()*29, 37 + rng.Float64()*16})
	}
	for i := 0; i < len(pts); i += 13 { // exact duplicates
		pts[rng.Intn(len(pts))] = pts[i]
	}
	ix := NewIndex(pts)
	mixed := mixedIndex(pts)
	for q := 0; q < 200; q++ {
		var p orb.Point
		switch rng.Intn(4) {
		case 0:
			p = pts[rng.Intn(len(pts))]
		case 1:
			p = Destination(pts[rng.Intn(len(pts))], rng.Float64()*360, rng.Float64()*3000)
		case 2:
			p = orb.Point{97 + rng.Float64()*29, 37 + rng.Float64()*16}
		default:
			p = orb.Point{90 + rng.Float64()*43, 30 + rng.Float64()*30}
		}
		k := []int{1, 5, 5, 8, 9, 64, 65, len(pts) + 1}[rng.Intn(8)]
		for name, acc := range acceptors() {
			want := bruteNearest(pts, nil, p, k, 0, acc)
			if got := ix.Nearest(p, k, 0, acc); !slices.Equal(got, want) {
				t.Fatalf("accept=%s: Nearest(%v, %d) = %v; want %v", name, p, k, got, want)
			}
			if got := mixed.Nearest(p, k, 0, acc); !slices.Equal(got, want) {
				t.Fatalf("accept=%s: packed+inserted Nearest(%v, %d) = %v; want %v", name, p, k, got, want)
			}
		}
	}
}

// mixedIndex holds pts as an index that has seen changes: half of them
// bulk-loaded, the rest inserted after, and a few bulk-loaded ones deleted
// and inserted again, so that every query runs over the packed tree, its
// dead marks and the tree of inserted points at once.
func mixedIndex(pts []orb.Point) *Index {
	half := len(pts) / 2
	ix := NewIndex(pts[:half]).Copy()
	for i := half; i < len(pts); i++ {
		ix.Insert(uint32(i), pts[i])
	}
	for i := 0; i < half; i += 7 {
		ix.Delete(uint32(i), pts[i])
		ix.Insert(uint32(i), pts[i])
	}
	return ix
}

func TestWithinMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 1))
	pts := randData(rng, 5000)
	ix := NewIndex(pts)
	mixed := mixedIndex(pts)
	queries := 2000
	if testing.Short() {
		queries = 300
	}
	for q := 0; q < queries; q++ {
		p := randPoint(rng)
		if rng.Intn(4) == 0 {
			p = pts[rng.Intn(len(pts))]
		}
		radius := math.Pow(10, rng.Float64()*7.4) // 1 m .. 25,000 km
		if rng.Intn(10) == 0 {
			// exactly the distance to some point: the boundary is inclusive
			radius = Distance(p, pts[rng.Intn(len(pts))])
		}
		for name, acc := range acceptors() {
			got := ix.Within(p, radius, acc)
			want := bruteWithin(pts, p, radius, acc)
			if !slices.Equal(got, want) {
				t.Fatalf("accept=%s: Within(%v, %v) = %d hits; want %d\n got %v\nwant %v", name, p, radius, len(got), len(want), got, want)
			}
			if got := mixed.Within(p, radius, acc); !slices.Equal(got, want) {
				t.Fatalf("accept=%s: packed+inserted Within(%v, %v) = %d hits; want %d", name, p, radius, len(got), len(want))
			}
			for _, x := range []*Index{ix, mixed} {
				if got := x.CountWithin(p, radius, acc); got != len(want) {
					t.Fatalf("accept=%s: CountWithin(%v, %v) = %d; want %d", name, p, radius, got, len(want))
				}
			}
		}
	}
}

func TestInBoundMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 2))
	pts := randData(rng, 3000)
	ix := NewIndex(pts)
	mixed := mixedIndex(pts)
	in := func(b orb.Bound, p orb.Point) bool {
		if p[1] < b.Min[1] || p[1] > b.Max[1] {
			return false
		}
		if b.Min[0] <= b.Max[0] {
			return p[0] >= b.Min[0] && p[0] <= b.Max[0]
		}
		return p[0] >= b.Min[0] || p[0] <= b.Max[0]
	}
	for q := 0; q < 1000; q++ {
		a, c := randPoint(rng), randPoint(rng)
		b := orb.Bound{Min: orb.Point{a[0], math.Min(a[1], c[1])}, Max: orb.Point{c[0], math.Max(a[1], c[1])}}
		var got, want []uint32
		ix.InBound(b, func(slot uint32, p orb.Point) bool {
			if p != pts[slot] {
				t.Fatalf("InBound gave slot %d at %v; stored %v", slot, p, pts[slot])
			}
			got = append(got, slot)
			return true
		})
		for i, p := range pts {
			if in(b, p) {
				want = append(want, uint32(i))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("InBound(%v) = %d slots; want %d", b, len(got), len(want))
		}
		for name, acc := range acceptors() {
			n := 0
			for _, s := range want {
				if acc == nil || acc(s) {
					n++
				}
			}
			for _, x := range []*Index{ix, mixed} {
				if c := x.CountInBound(b, acc); c != n {
					t.Fatalf("accept=%s: CountInBound(%v) = %d; want %d", name, b, c, n)
				}
			}
		}
	}
	// Stopping early stops.
	calls := 0
	ix.InBound(orb.Bound{Min: orb.Point{170, -90}, Max: orb.Point{-170, 90}}, func(uint32, orb.Point) bool {
		calls++
		return false
	})
	if calls != 1 {
		t.Errorf("InBound with iter returning false made %d calls; want 1", calls)
	}
}

func TestAntimeridianAndPoles(t *testing.T) {
	pts := []orb.Point{
		{-179.99, 10},  // 0
		{170, 10},      // 1
		{0, 90},        // 2 north pole
		{123, 89.9999}, // 3
		{-57, -90},     // 4 south pole
		{180, -30},     // 5
		{-180, -30.01}, // 6
	}
	ix := NewIndex(pts)
	tests := []struct {
		name string
		q    orb.Point
		want uint32
	}{
		{"east of 180 finds west of -180", orb.Point{179.99, 10}, 0},
		{"north pole from any longitude", orb.Point{-100, 89.99}, 2},
		{"south pole", orb.Point{33, -89.9}, 4},
		{"180 and -180 are one meridian", orb.Point{-179.999, -30}, 5},
		{"query longitude outside range", orb.Point{539.999, -30}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.Nearest(tc.q, 1, 0, nil)
			if len(got) != 1 || got[0].Slot != tc.want {
				t.Fatalf("Nearest(%v, 1) = %v; want slot %d", tc.q, got, tc.want)
			}
			if want := bruteNearest(pts, nil, tc.q, 1, 0, nil); !slices.Equal(got, want) {
				t.Fatalf("Nearest(%v, 1) = %v; want %v", tc.q, got, want)
			}
		})
	}
	// The 179.99 ↔ -179.99 pair is ~2.2 km apart and must be found by a
	// 3 km radius search too.
	got := ix.Within(orb.Point{179.99, 10}, 3000, nil)
	if len(got) != 1 || got[0].Slot != 0 {
		t.Errorf("Within(179.99,10, 3 km) = %v; want slot 0", got)
	}
}

func TestTiesOrderedBySlot(t *testing.T) {
	p := orb.Point{116.4, 39.9}
	pts := []orb.Point{p, {0, 0}, p, p, {116.5, 39.9}, p}
	ix := NewIndex(pts)
	got := ix.Nearest(p, 3, 0, nil)
	want := []Hit{{0, 0}, {2, 0}, {3, 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("Nearest(%v, 3) = %v; want %v", p, got, want)
	}
	got = ix.Within(p, 1, nil)
	want = []Hit{{0, 0}, {2, 0}, {3, 0}, {5, 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("Within(%v, 1) = %v; want %v", p, got, want)
	}
}

func TestEdgeCases(t *testing.T) {
	empty := NewIndex(nil)
	if got := empty.Nearest(orb.Point{0, 0}, 5, 0, nil); got != nil {
		t.Errorf("empty.Nearest = %v; want nil", got)
	}
	if got := empty.Within(orb.Point{0, 0}, 1e9, nil); got != nil {
		t.Errorf("empty.Within = %v; want nil", got)
	}
	empty.InBound(World(), func(uint32, orb.Point) bool { t.Error("empty.InBound called iter"); return true })
	if empty.Len() != 0 {
		t.Errorf("empty.Len() = %d", empty.Len())
	}

	ix := NewIndex([]orb.Point{{1, 1}, {math.NaN(), 0}, {0, 91}, {2, 2}})
	if ix.Len() != 2 {
		t.Errorf("Len() with 2 invalid points = %d; want 2", ix.Len())
	}
	tests := []struct {
		name string
		got  []Hit
	}{
		{"k=0", ix.Nearest(orb.Point{0, 0}, 0, 0, nil)},
		{"k<0", ix.Nearest(orb.Point{0, 0}, -3, 0, nil)},
		{"NaN query", ix.Nearest(orb.Point{math.NaN(), 0}, 1, 0, nil)},
		{"lat 91", ix.Nearest(orb.Point{0, 91}, 1, 0, nil)},
		{"NaN max", ix.Nearest(orb.Point{0, 0}, 1, math.NaN(), nil)},
		{"negative radius", ix.Within(orb.Point{0, 0}, -1, nil)},
		{"NaN radius", ix.Within(orb.Point{0, 0}, math.NaN(), nil)},
	}
	for _, tc := range tests {
		if tc.got != nil {
			t.Errorf("%s: got %v; want nil", tc.name, tc.got)
		}
	}
	if got := ix.Nearest(orb.Point{0, 0}, math.MaxInt, 0, nil); len(got) != 2 {
		t.Errorf("Nearest(k=MaxInt) = %v; want both points", got)
	}
	if got := ix.Nearest(orb.Point{0, 0}, 5, math.Inf(1), nil); len(got) != 2 {
		t.Errorf("Nearest(max=+Inf) = %v; want both points", got)
	}
}

func TestCopyOnWrite(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 3))
	pts := randData(rng, 4000)
	orig := NewIndex(pts)
	snap := orig.Copy()

	// Mutate the copy: delete a third, move some, add new slots.
	cur := slices.Clone(pts)
	live := make([]bool, len(pts))
	for i := range live {
		live[i] = true
	}
	for i := range pts {
		switch rng.Intn(3) {
		case 0:
			snap.Delete(uint32(i), cur[i])
			live[i] = false
		case 1:
			if rng.Intn(4) == 0 {
				np := randPoint(rng)
				snap.Delete(uint32(i), cur[i])
				snap.Insert(uint32(i), np)
				cur[i] = np
			}
		}
	}
	for j := 0; j < 500; j++ {
		cur = append(cur, randPoint(rng))
		live = append(live, true)
		snap.Insert(uint32(len(cur)-1), cur[len(cur)-1])
	}
	// Deleting a point that is not there changes nothing.
	snap.Delete(uint32(len(cur)+5), orb.Point{1, 2})

	wantLen := 0
	for _, l := range live {
		if l {
			wantLen++
		}
	}
	if snap.Len() != wantLen || orig.Len() != len(pts) {
		t.Fatalf("after mutation: copy Len = %d (want %d), original Len = %d (want %d)", snap.Len(), wantLen, orig.Len(), len(pts))
	}
	for q := 0; q < 500; q++ {
		p := randPoint(rng)
		if got, want := orig.Nearest(p, 7, 0, nil), bruteNearest(pts, nil, p, 7, 0, nil); !slices.Equal(got, want) {
			t.Fatalf("original Nearest(%v) = %v; want %v", p, got, want)
		}
		if got, want := snap.Nearest(p, 7, 0, nil), bruteNearest(cur, live, p, 7, 0, nil); !slices.Equal(got, want) {
			t.Fatalf("copy Nearest(%v) = %v; want %v", p, got, want)
		}
	}
}

func TestConcurrentReadersDuringWrites(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 4))
	pts := randData(rng, 2000)
	snap := NewIndex(pts)
	done := make(chan struct{})
	errs := make(chan string, 4)
	for r := 0; r < 4; r++ {
		go func(r int) {
			qrng := rand.New(rand.NewSource(seed + int64(r)))
			for {
				select {
				case <-done:
					errs <- ""
					return
				default:
				}
				p := randPoint(qrng)
				if got, want := snap.Nearest(p, 5, 0, nil), bruteNearest(pts, nil, p, 5, 0, nil); !slices.Equal(got, want) {
					errs <- fmt.Sprintf("reader: Nearest(%v) = %v; want %v", p, got, want)
					return
				}
			}
		}(r)
	}
	next := snap.Copy()
	for i := 0; i < 2000; i++ {
		next.Delete(uint32(i), pts[i])
		next.Insert(uint32(i), randPoint(rng))
	}
	close(done)
	for r := 0; r < 4; r++ {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}

func TestHilbertKeyIsABijectionLocally(t *testing.T) {
	// Neighbouring cells along the curve are adjacent in the plane.
	seen := map[uint32]bool{}
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			k := hilbertKey(-180+float64(x)*360/65536, -90+float64(y)*180/65536)
			if seen[k] {
				t.Fatalf("hilbertKey collision at cell %d,%d", x, y)
			}
			seen[k] = true
		}
	}
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 5))
	keys := make([]uint64, 5000)
	for i := range keys {
		keys[i] = uint64(rng.Uint32()%300)<<32 | uint64(i)
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	radixSort(keys)
	if !slices.Equal(keys, want) {
		t.Fatal("radixSort differs from slices.Sort")
	}
}

// TestNearestAtScale checks the index against the brute-force scan on a
// larger uniform world, where the tree has several levels.
func TestNearestAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rng := rand.New(rand.NewSource(seed + 6))
	pts := make([]orb.Point, 100_000)
	for i := range pts {
		pts[i] = orb.Point{rng.Float64()*360 - 180, math.Asin(rng.Float64()*2-1) * radToDeg}
	}
	ix := NewIndex(pts)
	for q := 0; q < 50; q++ {
		p := randPoint(rng)
		if got, want := ix.Nearest(p, 5, 0, nil), bruteK(pts, p, 5); !slices.Equal(got, want) {
			t.Fatalf("Nearest(%v, 5) = %v; want %v", p, got, want)
		}
		if got, want := ix.Within(p, 50000, nil), bruteWithin(pts, p, 50000, nil); !slices.Equal(got, want) {
			t.Fatalf("Within(%v, 50 km) = %v; want %v", p, got, want)
		}
	}
}

func TestIndexBound(t *testing.T) {
	if _, ok := NewIndex(nil).Bound(); ok {
		t.Error("Bound of an empty index: ok = true; want false")
	}
	pts := []orb.Point{{10, 20}, {-30, 5}, {40, -60}}
	b, ok := NewIndex(pts).Bound()
	want := orb.Bound{Min: orb.Point{-30, -60}, Max: orb.Point{40, 20}}
	if !ok || b != want {
		t.Errorf("Bound() = %v, %v; want %v, true", b, ok, want)
	}
}

// TestLeastInBound checks the key-ordered box search against sorting the
// points in the box by key, with deleted points and inserted ones (which
// it leaves to InsertedInBound).
func TestLeastInBound(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 8))
	pts := randData(rng, 4000)
	keys := make([]uint32, len(pts))
	for i, k := range rng.Perm(len(pts)) {
		keys[i] = uint32(k)
	}
	ix := NewIndex(pts)
	if ix.LeastInBound(World(), nil, func(uint32) bool { return true }) {
		t.Fatal("LeastInBound before SetKeys reported true")
	}
	ix.SetKeys(keys)
	ix = ix.Copy()
	live := make([]bool, len(pts))
	for i := range live {
		live[i] = true
	}
	for i := 0; i < len(pts); i += 5 {
		ix.Delete(uint32(i), pts[i])
		live[i] = false
	}
	extra := orb.Point{111, 43}
	ix.Insert(uint32(len(pts)), extra)
	in := func(b orb.Bound, p orb.Point) bool {
		if p[1] < b.Min[1] || p[1] > b.Max[1] {
			return false
		}
		if b.Min[0] <= b.Max[0] {
			return p[0] >= b.Min[0] && p[0] <= b.Max[0]
		}
		return p[0] >= b.Min[0] || p[0] <= b.Max[0]
	}
	for q := 0; q < 500; q++ {
		a, c := randPoint(rng), randPoint(rng)
		b := orb.Bound{Min: orb.Point{a[0], math.Min(a[1], c[1])}, Max: orb.Point{c[0], math.Max(a[1], c[1])}}
		if q%3 == 0 {
			b = orb.Bound{Min: orb.Point{math.Min(a[0], c[0]), b.Min[1]}, Max: orb.Point{math.Max(a[0], c[0]), b.Max[1]}}
		}
		for name, acc := range acceptors() {
			var want []uint32
			for i, p := range pts {
				if live[i] && in(b, p) && (acc == nil || acc(uint32(i))) {
					want = append(want, uint32(i))
				}
			}
			slices.SortFunc(want, func(x, y uint32) int { return int(keys[x]) - int(keys[y]) })
			m := rng.Intn(len(want) + 2)
			var got []uint32
			ix.LeastInBound(b, acc, func(slot uint32) bool {
				got = append(got, slot)
				return len(got) < m
			})
			if m == 0 && len(want) > 0 {
				want = want[:1] // fn is called once before it can say stop
			} else {
				want = want[:min(m, len(want))]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("accept=%s: LeastInBound(%v) first %d = %v; want %v", name, b, m, got, want)
			}
		}
		var inserted []uint32
		ix.InsertedInBound(b, func(slot uint32, _ orb.Point) bool { inserted = append(inserted, slot); return true })
		if want := in(b, extra); want != (len(inserted) == 1) {
			t.Fatalf("InsertedInBound(%v) = %v; want the inserted point: %v", b, inserted, want)
		}
	}
}

// TestNodeHavIsALowerBound checks the bounds the nearest search and the
// circle walks prune by: nodeHavs and pointHav never exceed the haversine
// (hav) of a point in the box, including at the poles, across the ±180°
// meridian and within millimetres of the query, and havAtMost and
// havBeyond bracket distances as the pruning assumes.
func TestNodeHavIsALowerBound(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 9))
	for trial := 0; trial < 20000; trial++ {
		q := randPoint(rng)
		a, c := randPoint(rng), randPoint(rng)
		switch rng.Intn(4) {
		case 0: // small boxes near the query
			a = Destination(q, rng.Float64()*360, rng.Float64()*50000)
			c = Destination(a, rng.Float64()*360, rng.Float64()*5000)
		case 1: // boxes within millimetres of it
			a = Destination(q, rng.Float64()*360, rng.Float64()*0.01)
			c = Destination(a, rng.Float64()*360, rng.Float64()*0.01)
		}
		a[0], c[0] = normalizeLon(a[0]), normalizeLon(c[0])
		b := box{[2]float64{math.Min(a[0], c[0]), math.Min(a[1], c[1])}, [2]float64{math.Max(a[0], c[0]), math.Max(a[1], c[1])}}
		nd := nodeAround(b)
		if lo, hi := nd.lo(), nd.hi(); !(box{lo, hi}).holds(b.min, b.max) {
			t.Fatalf("nodeAround(%v) = %v–%v does not hold it", b, lo, hi)
		}
		s := getSearcher(q, nil)
		// Each form of the bound: the node's own cosFar computed inside
		// (the lune bound too), given, or a parent's (a box holding it,
		// up to the whole Earth), and the single-node test of the circle
		// walks at cuts around the bound.
		var own, given, shared [1]float64
		s.nodeHavs([]node{nd}, -1, own[:])
		s.nodeHavs([]node{nd}, nd.cosFar(), given[:])
		parent := nodeAround(box{
			[2]float64{math.Max(-180, b.min[0]-rng.Float64()*10), math.Max(-90, b.min[1]-rng.Float64()*30)},
			[2]float64{math.Min(180, b.max[0]+rng.Float64()*10), math.Min(90, b.max[1]+rng.Float64()*30)}})
		s.nodeHavs([]node{nd}, parent.cosFar(), shared[:])
		bound := max(own[0], given[0], shared[0])
		if cut := given[0] * (1 - 1e-6); given[0] > 0 && !s.nodeHavAbove(&nd, cut) {
			t.Fatalf("nodeHavAbove(%v, box %v–%v, %v) false under the bound %v", q, nd.lo(), nd.hi(), cut, given[0])
		}
		for range 8 {
			p := [2]float64{b.min[0] + rng.Float64()*(b.max[0]-b.min[0]), b.min[1] + rng.Float64()*(b.max[1]-b.min[1])}
			switch rng.Intn(4) {
			case 0:
				p = [2]float64{nd.lo()[0], nd.hi()[1]} // a corner of the node
			case 1:
				p = nd.hi()
			}
			if p[0] > 180 || p[1] > 90 {
				continue
			}
			h := hav(s.lat, s.lon, s.cosLat, orb.Point(p))
			if bound > h {
				t.Fatalf("nodeHavs(%v, box %v–%v) = %v (own %v, given %v, shared %v) > hav to %v = %v",
					q, nd.lo(), nd.hi(), bound, own[0], given[0], shared[0], p, h)
			}
			if s.nodeHavAbove(&nd, h) {
				t.Fatalf("nodeHavAbove(%v, box %v–%v, %v) true for a point inside, %v", q, nd.lo(), nd.hi(), h, p)
			}
			if pb := s.pointHav(p, nd.cosFar()); pb > h {
				t.Fatalf("pointHav(%v, %v) = %v > hav %v", q, p, pb, h)
			}
			d := Distance(q, orb.Point(p))
			if lim := havAtMost(d); h > lim {
				t.Fatalf("hav to %v from %v = %v > havAtMost(Distance %v) = %v", p, q, h, d, lim)
			}
			if r := d * (1 + rng.Float64()*1e-6); h <= havWithin(r) && !(havMeters(h) <= r) {
				t.Fatalf("hav to %v from %v = %v <= havWithin(%v) but the distance is %v", p, q, h, r, havMeters(h))
			}
			if r := d * (1 - 1e-8); d > 0 && h <= havWithin(r) {
				t.Fatalf("hav to %v from %v = %v <= havWithin(%v), a radius under its distance %v", p, q, h, r, d)
			}
			if h2 := math.Nextafter(havBeyond(h), 2); h2 <= 1 && !(havMeters(h2) > d) {
				t.Fatalf("havMeters(%v, just beyond havBeyond(%v)) = %v, not beyond Distance %v", h2, h, havMeters(h2), d)
			}
		}
		putSearcher(s)
	}
}

// TestInscribedBoxAndCorners checks the two shortcuts of counting within
// a circle: every point of the inscribed box, and of a box circleHolds
// accepts, is within the radius by Distance.
func TestInscribedBoxAndCorners(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 10))
	for trial := 0; trial < 20000; trial++ {
		q := randPoint(rng)
		radius := math.Pow(10, rng.Float64()*6.5) // 1 m .. 3,000 km
		s := getSearcher(q, nil)
		s.radius = radius
		in, ok := inscribed(q, radius)
		for range 8 {
			if ok {
				p := orb.Point{in.min[0] + rng.Float64()*(in.max[0]-in.min[0]), in.min[1] + rng.Float64()*(in.max[1]-in.min[1])}
				if rng.Intn(3) == 0 {
					p = orb.Point{in.max[0], in.min[1]}
				}
				if d := Distance(q, p); d > radius {
					t.Fatalf("inscribed(%v, %v) = %v holds %v at %v", q, radius, in, p, d)
				}
			}
			a := Destination(q, rng.Float64()*360, rng.Float64()*radius)
			c := Destination(q, rng.Float64()*360, rng.Float64()*radius)
			a[0], c[0] = normalizeLon(a[0]), normalizeLon(c[0])
			nd := nodeAround(box{[2]float64{math.Min(a[0], c[0]), math.Min(a[1], c[1])}, [2]float64{math.Max(a[0], c[0]), math.Max(a[1], c[1])}})
			if !s.circleHolds(&nd) {
				continue
			}
			lo, hi := nd.lo(), nd.hi()
			for range 8 {
				p := orb.Point{lo[0] + rng.Float64()*(hi[0]-lo[0]), lo[1] + rng.Float64()*(hi[1]-lo[1])}
				if d := Distance(q, p); d > radius {
					t.Fatalf("circleHolds(%v, %v, box %v–%v) but %v is at %v", q, radius, lo, hi, p, d)
				}
			}
		}
		putSearcher(s)
	}
}

// TestCurveOrder checks that CurveOrder is a permutation listing the
// valid points as NewIndex stores them (the slots of its packed tree, in
// order) and the invalid ones last, in input order.
func TestCurveOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	pts := make([]orb.Point, 5000)
	var invalid []uint32
	for i := range pts {
		pts[i] = orb.Point{rng.Float64()*400 - 200, rng.Float64()*180 - 90}
		switch {
		case i%997 == 0:
			pts[i] = orb.Point{math.NaN(), 0}
			invalid = append(invalid, uint32(i))
		case i%10 == 0:
			pts[i] = pts[i/2] // points sharing a position keep their input order
		}
	}
	order := CurveOrder(pts)
	ix := NewIndex(pts)
	valid := len(pts) - len(invalid)
	if len(order) != len(pts) || !slices.Equal(order[:valid], ix.base.slots) || !slices.Equal(order[valid:], invalid) {
		t.Fatalf("CurveOrder is not the index's order followed by the invalid points")
	}
	seen := make([]bool, len(pts))
	for _, o := range order {
		if seen[o] {
			t.Fatalf("slot %d twice", o)
		}
		seen[o] = true
	}
}

// TestWorseRankedIsWorse checks that ranking by the haversine, with the
// arc taken only for near ties, orders hits exactly as worse does on
// their Meters: for pairs of points at nearly the same distance from a
// query (a few ulps to metres apart), at equal distances, and apart.
func TestWorseRankedIsWorse(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 12))
	for trial := 0; trial < 200000; trial++ {
		q := randPoint(rng)
		s := getSearcher(q, nil)
		d := math.Pow(10, rng.Float64()*7)
		a := Destination(q, rng.Float64()*360, d)
		var b orb.Point
		switch rng.Intn(4) {
		case 0:
			b = a
		case 1:
			b = Destination(q, rng.Float64()*360, d*(1+(rng.Float64()-0.5)*1e-12))
		case 2:
			b = Destination(q, rng.Float64()*360, d*(1+(rng.Float64()-0.5)*1e-6))
		default:
			b = randPoint(rng)
		}
		ha, hb := hav(s.lat, s.lon, s.cosLat, a), hav(s.lat, s.lon, s.cosLat, b)
		ra := ranked{Hit{Slot: uint32(rng.Intn(3)), Meters: -1}, ha}
		rb := ranked{Hit{Slot: uint32(rng.Intn(3)), Meters: -1}, hb}
		want := worse(Hit{ra.Slot, Distance(q, a)}, Hit{rb.Slot, Distance(q, b)})
		if got := worseRanked(&ra, &rb); got != want {
			t.Fatalf("worseRanked(%v at %v, %v at %v from %v) = %v; worse on Meters gives %v", ra.Slot, a, rb.Slot, b, q, got, want)
		}
		putSearcher(s)
	}
}

// TestHavAroundSmallRadius holds havAround's polynomial for a small
// radius to math.Sin: its bounds must keep almost all of their relative
// 1e-9 margin on either side of sin²(meters/2R), on both sides of the
// radius where the polynomial takes over, and at 0.
func TestHavAroundSmallRadius(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 11))
	edge := 2 * EarthRadius / 64
	radii := []float64{0, math.SmallestNonzeroFloat64, 1e-9, 1, edge, math.Nextafter(edge, 0), math.Nextafter(edge, math.Inf(1))}
	for range 100000 {
		radii = append(radii, edge*math.Pow(10, -12*rng.Float64())*(1+0.01*rng.Float64()))
	}
	for _, m := range radii {
		sh := math.Sin(m / (2 * EarthRadius))
		s2 := sh * sh
		atMost, within := havAround(m)
		if s2 == 0 {
			if atMost != 0 || within != 0 {
				t.Fatalf("havAround(%v) = %v, %v; want 0, 0", m, atMost, within)
			}
			continue
		}
		if !(atMost >= s2*(1+0.99e-9) && atMost <= s2*(1+1.01e-9)) {
			t.Fatalf("havAround(%v) atMost = %v; want sin² %v plus a relative 1e-9 (off by %v)", m, atMost, s2, atMost/s2-1)
		}
		if !(within <= s2*(1-0.99e-9) && within >= s2*(1-1.01e-9)) {
			t.Fatalf("havAround(%v) within = %v; want sin² %v less a relative 1e-9 (off by %v)", m, within, s2, within/s2-1)
		}
	}
}

// TestHavBoundsHoldHav holds havBelow and havAbove, the count's bounds
// without trigonometry, to hav on both sides, from millimetres to half
// the Earth, at every latitude and across the antimeridian.
func TestHavBoundsHoldHav(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 21))
	for trial := 0; trial < 200000; trial++ {
		q := randPoint(rng)
		d := math.Pow(10, rng.Float64()*10-3) // 1 mm .. 10,000 km
		p := Destination(q, rng.Float64()*360, d)
		p[0] = normalizeLon(p[0])
		s := getSearcher(q, nil)
		h := hav(s.lat, s.lon, s.cosLat, p)
		if lo := s.havBelow(p); lo > h {
			t.Fatalf("havBelow(%v → %v) = %v above hav %v", q, p, lo, h)
		}
		if hi := s.havAbove(p); hi < h {
			t.Fatalf("havAbove(%v → %v) = %v below hav %v", q, p, hi, h)
		}
		putSearcher(s)
	}
}

// TestCountWithinAtTheEdge counts points placed within a relative 1e-3
// down to 1e-12 of a circle's edge, inside and out, against the exact
// Distance: what the bounds leave to the exact test must be all of what
// they cannot settle.
func TestCountWithinAtTheEdge(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 22))
	for trial := 0; trial < 300; trial++ {
		q := randPoint(rng)
		if rng.Intn(3) == 0 {
			q = orb.Point{rng.Float64()*360 - 180, rng.Float64()*170 - 85}
		}
		radius := math.Pow(10, rng.Float64()*6) // 1 m .. 1,000 km
		pts := make([]orb.Point, 0, 400)
		for range 400 {
			eps := math.Pow(10, -3-rng.Float64()*9)
			if rng.Intn(2) == 0 {
				eps = -eps
			}
			p := Destination(q, rng.Float64()*360, radius*(1+eps))
			pts = append(pts, orb.Point{normalizeLon(p[0]), p[1]})
		}
		want := 0
		for _, p := range pts {
			if Distance(q, p) <= radius {
				want++
			}
		}
		if got := NewIndex(pts).CountWithin(q, radius, nil); got != want {
			t.Fatalf("CountWithin(%v, %v m) = %d; want %d", q, radius, got, want)
		}
	}
}
