package geo

import (
	"math"
	"math/rand"
	"runtime"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// The benchmarks share one seeded data set of benchPoints points spread
// uniformly over the sphere, built once, and a fixed list of query points,
// so index and brute-force numbers come from the same run on the same data:
//
//	go test ./geo -run '^$' -bench . -benchtime=1s
const (
	benchPoints  = 1_000_000
	benchQueries = 4096
	benchSeed    = 20240601
)

var bench struct {
	once    sync.Once
	pts     []orb.Point
	ix      *Index
	queries []orb.Point
	boxes   []orb.Bound

	baseOnce sync.Once
	base     *RTreeBaseline // the index the packed tree replaced, on the same points
}

// benchBaseline builds the RTreeBaseline over the benchmark points once,
// for the ...RTree benchmarks that put the old index beside the new.
func benchBaseline(b *testing.B) *RTreeBaseline {
	b.Helper()
	benchData(b)
	bench.baseOnce.Do(func() { bench.base = NewRTreeBaseline(bench.pts) })
	return bench.base
}

func benchData(b *testing.B) {
	b.Helper()
	bench.once.Do(func() {
		rng := rand.New(rand.NewSource(benchSeed))
		sphere := func() orb.Point {
			return orb.Point{rng.Float64()*360 - 180, math.Asin(rng.Float64()*2-1) * radToDeg}
		}
		bench.pts = make([]orb.Point, benchPoints)
		for i := range bench.pts {
			bench.pts[i] = sphere()
		}
		bench.ix = NewIndex(bench.pts)
		bench.queries = make([]orb.Point, benchQueries)
		bench.boxes = make([]orb.Bound, benchQueries)
		for i := range bench.queries {
			q := sphere()
			bench.queries[i] = q
			// About 1° × 1° boxes (~10 to 100 points each at this density),
			// a map viewport's worth.
			lat := math.Max(-89, math.Min(88, q[1]))
			lon := math.Min(179, q[0])
			bench.boxes[i] = orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + 1, lat + 1}}
		}
	})
}

func BenchmarkNearest5(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if hits := bench.ix.Nearest(bench.queries[i%benchQueries], 5, 0, nil); len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

func BenchmarkNearest5RTree(b *testing.B) {
	base := benchBaseline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if hits := base.Nearest(bench.queries[i%benchQueries], 5, 0, nil); len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

// BenchmarkNearest5Nearby is the straightforward approach the index is
// measured against: rtree.Nearby over a tidwall/rtree of the same points with a
// haversine distance to the box clamped around the query. (It is not even
// exact near the poles; it is here only as a yardstick.)
func BenchmarkNearest5Nearby(b *testing.B) {
	benchData(b)
	var tr rtree.RTreeG[uint32]
	for i, p := range bench.pts {
		tr.Insert(p, p, uint32(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := bench.queries[i%benchQueries]
		hits := make([]Hit, 0, 5)
		tr.Nearby(
			func(min, max [2]float64, _ uint32, _ bool) float64 {
				c := orb.Point{math.Max(min[0], math.Min(max[0], q[0])), math.Max(min[1], math.Min(max[1], q[1]))}
				return Distance(q, c)
			},
			func(min, _ [2]float64, slot uint32, d float64) bool {
				hits = append(hits, Hit{Slot: slot, Meters: d})
				return len(hits) < 5
			},
		)
		if len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

// BenchmarkNearest5Filtered accepts one slot in ten, as "nearest 5 with a
// shower" would.
func BenchmarkNearest5Filtered(b *testing.B) {
	benchData(b)
	accept := func(s uint32) bool { return s%10 == 0 }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if hits := bench.ix.Nearest(bench.queries[i%benchQueries], 5, 0, accept); len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

func BenchmarkNearest5FilteredRTree(b *testing.B) {
	base := benchBaseline(b)
	accept := func(s uint32) bool { return s%10 == 0 }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if hits := base.Nearest(bench.queries[i%benchQueries], 5, 0, accept); len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

var clustered struct {
	once    sync.Once
	ix      *Index
	queries []orb.Point
}

// BenchmarkNearest5Clustered puts all 1,000,000 points in an Inner
// Mongolia-sized box (10° × 8°) and queries from anywhere on Earth, mostly
// far outside it: the hard case for box searches, answered by the
// best-first fallback.
func BenchmarkNearest5Clustered(b *testing.B) {
	clustered.once.Do(func() {
		rng := rand.New(rand.NewSource(benchSeed + 1))
		pts := make([]orb.Point, benchPoints)
		for i := range pts {
			pts[i] = orb.Point{111 + rng.Float64()*10, 42 + rng.Float64()*8}
		}
		clustered.ix = NewIndex(pts)
		clustered.queries = make([]orb.Point, benchQueries)
		for i := range clustered.queries {
			clustered.queries[i] = orb.Point{rng.Float64()*360 - 180, math.Asin(rng.Float64()*2-1) * radToDeg}
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if hits := clustered.ix.Nearest(clustered.queries[i%benchQueries], 5, 0, nil); len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

func BenchmarkNearest5BruteForce(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if hits := bruteK(bench.pts, bench.queries[i%benchQueries], 5); len(hits) != 5 {
			b.Fatalf("got %d hits", len(hits))
		}
	}
}

// bruteK is the fastest honest scan: one Distance per point and a k-sized
// insertion list, no sorting of all distances.
func bruteK(pts []orb.Point, q orb.Point, k int) []Hit {
	best := make([]Hit, 0, k+1)
	for i, p := range pts {
		h := Hit{Slot: uint32(i), Meters: Distance(q, p)}
		if len(best) == k && !worse(best[k-1], h) {
			continue
		}
		j := len(best)
		if j < k {
			best = append(best, h)
		} else {
			j = k - 1
		}
		for j > 0 && worse(best[j-1], h) {
			best[j] = best[j-1]
			j--
		}
		best[j] = h
	}
	return best
}

func BenchmarkWithin15km(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(bench.ix.Within(bench.queries[i%benchQueries], 15000, nil))
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

func BenchmarkWithin15kmRTree(b *testing.B) {
	base := benchBaseline(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(base.Within(bench.queries[i%benchQueries], 15000, nil))
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

func BenchmarkWithin15kmBruteForce(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		q := bench.queries[i%benchQueries]
		var hits []Hit
		for j, p := range bench.pts {
			if d := Distance(q, p); d <= 15000 {
				hits = append(hits, Hit{Slot: uint32(j), Meters: d})
			}
		}
		n += len(hits)
	}
	_ = n
}

func BenchmarkBBox(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		bench.ix.InBound(bench.boxes[i%benchQueries], func(uint32, orb.Point) bool {
			n++
			return true
		})
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

func BenchmarkBBoxRTree(b *testing.B) {
	base := benchBaseline(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		base.InBound(bench.boxes[i%benchQueries], func(uint32, orb.Point) bool {
			n++
			return true
		})
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

func BenchmarkBBoxBruteForce(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		bb := bench.boxes[i%benchQueries]
		for _, p := range bench.pts {
			if p[0] >= bb.Min[0] && p[0] <= bb.Max[0] && p[1] >= bb.Min[1] && p[1] <= bb.Max[1] {
				n++
			}
		}
	}
	// Reported so the scan cannot be optimized away; it sees fewer
	// queries than BenchmarkBBox (b.N is smaller), so its average differs.
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

// BenchmarkBulkLoad times NewIndex over the 1,000,000 points and reports
// the heap the index keeps per record (measured after a GC, so the
// temporary sort buffers are not counted).
func BenchmarkBulkLoad(b *testing.B) {
	benchData(b)
	b.ReportAllocs()
	var retained float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		ix := NewIndex(bench.pts)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained = float64(after.HeapAlloc) - float64(before.HeapAlloc)
		if ix.Len() != benchPoints {
			b.Fatalf("Len() = %d", ix.Len())
		}
		runtime.KeepAlive(ix)
		b.StartTimer()
	}
	b.ReportMetric(retained/benchPoints, "bytes/record")
}
