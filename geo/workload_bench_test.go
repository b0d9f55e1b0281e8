package geo_test

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/internal/workload"
)

// The clustered benchmarks run on the workload of issue 9 (internal/workload):
// 1,000,000 points in lon 97–126, lat 37–53, 70% around 200 towns, and
// query points drawn the same way, so most queries fall in a dense town
// and the rest in the empty land between:
//
//	go test ./geo -run '^$' -bench Clustered1M -benchmem
const (
	clusteredPoints  = 1_000_000
	clusteredQueries = 10_000
	clusteredSeed    = 9
)

var clustered1M struct {
	once    sync.Once
	pts     []orb.Point
	ix      *geo.Index
	queries []orb.Point

	baseOnce sync.Once
	base     *geo.RTreeBaseline // the index the packed tree replaced, on the same points
}

// clusteredBaseline builds the RTreeBaseline over the clustered points
// once, for the ...RTree benchmarks beside the packed tree's.
func clusteredBaseline(b *testing.B) *geo.RTreeBaseline {
	b.Helper()
	clusteredData(b)
	clustered1M.baseOnce.Do(func() { clustered1M.base = geo.NewRTreeBaseline(clustered1M.pts) })
	return clustered1M.base
}

func clusteredData(b *testing.B) {
	b.Helper()
	clustered1M.once.Do(func() {
		w := workload.New(clusteredSeed)
		clustered1M.pts = w.Points(clusteredPoints, clusteredSeed)
		clustered1M.ix = geo.NewIndex(clustered1M.pts)
		clustered1M.queries = w.Points(clusteredQueries, clusteredSeed+1)
	})
}

// reportMedian reports the median of per-query times in ns, measured in
// batches of 64 queries so the clock's cost stays out of it.
func reportMedian(b *testing.B, times []float64) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(times[len(times)/2], "median-ns/op")
}

func BenchmarkNearest5Clustered1M(b *testing.B) {
	clusteredData(b)
	ix, qs := clustered1M.ix, clustered1M.queries
	buf := make([]geo.Hit, 0, 5)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if buf = ix.AppendNearest(buf[:0], qs[i%len(qs)], 5, 0, nil); len(buf) != 5 {
			b.Fatalf("got %d hits", len(buf))
		}
	}
}

// BenchmarkNearest5Clustered1MMedian reports the median query time,
// each query timed alone (the target is on the median).
func BenchmarkNearest5Clustered1MMedian(b *testing.B) {
	clusteredData(b)
	ix, qs := clustered1M.ix, clustered1M.queries
	buf := make([]geo.Hit, 0, 5)
	times := make([]float64, 0, len(qs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := qs[i%len(qs)]
		t := nanotime()
		buf = ix.AppendNearest(buf[:0], q, 5, 0, nil)
		if len(times) < cap(times) {
			times = append(times, float64(nanotime()-t))
		}
	}
	b.StopTimer()
	reportMedian(b, times)
}

func BenchmarkNearest5Clustered1MRTree(b *testing.B) {
	base := clusteredBaseline(b)
	qs := clustered1M.queries
	buf := make([]geo.Hit, 0, 5)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if buf = base.AppendNearest(buf[:0], qs[i%len(qs)], 5, 0, nil); len(buf) != 5 {
			b.Fatalf("got %d hits", len(buf))
		}
	}
}

func BenchmarkNearest5Clustered1MMedianRTree(b *testing.B) {
	base := clusteredBaseline(b)
	qs := clustered1M.queries
	buf := make([]geo.Hit, 0, 5)
	times := make([]float64, 0, len(qs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := qs[i%len(qs)]
		t := nanotime()
		buf = base.AppendNearest(buf[:0], q, 5, 0, nil)
		if len(times) < cap(times) {
			times = append(times, float64(nanotime()-t))
		}
	}
	b.StopTimer()
	reportMedian(b, times)
}

func BenchmarkCountWithin15kmClustered1M(b *testing.B) {
	clusteredData(b)
	ix, qs := clustered1M.ix, clustered1M.queries
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += ix.CountWithin(qs[i%len(qs)], 15000, nil)
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

// BenchmarkCountWithin15kmClustered1MRTree counts as the old index
// could: by collecting and sorting every hit.
func BenchmarkCountWithin15kmClustered1MRTree(b *testing.B) {
	base := clusteredBaseline(b)
	qs := clustered1M.queries
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(base.Within(qs[i%len(qs)], 15000, nil))
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

// BenchmarkWithin15kmClustered1M collects and sorts every hit, as a
// within answer without a limit does.
func BenchmarkWithin15kmClustered1M(b *testing.B) {
	clusteredData(b)
	ix, qs := clustered1M.ix, clustered1M.queries
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(ix.Within(qs[i%len(qs)], 15000, nil))
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

func halfDegreeBox(q orb.Point) orb.Bound {
	return orb.Bound{Min: orb.Point{q[0] - 0.25, q[1] - 0.25}, Max: orb.Point{q[0] + 0.25, q[1] + 0.25}}
}

func BenchmarkCountBoxHalfDegreeClustered1M(b *testing.B) {
	clusteredData(b)
	ix, qs := clustered1M.ix, clustered1M.queries
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += ix.CountInBound(halfDegreeBox(qs[i%len(qs)]), nil)
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

// BenchmarkCountBoxHalfDegreeClustered1MRTree counts as the old index
// could: one call a point in the box.
func BenchmarkCountBoxHalfDegreeClustered1MRTree(b *testing.B) {
	base := clusteredBaseline(b)
	qs := clustered1M.queries
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		base.InBound(halfDegreeBox(qs[i%len(qs)]), func(uint32, orb.Point) bool {
			n++
			return true
		})
	}
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

// BenchmarkIndexMemoryClustered1M reports the heap the index of the
// 1,000,000 clustered points keeps, per point, after a GC.
func BenchmarkIndexMemoryClustered1M(b *testing.B) {
	clusteredData(b)
	var perPoint float64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ix := geo.NewIndex(clustered1M.pts)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPoint = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / clusteredPoints
		runtime.KeepAlive(ix)
	}
	b.ReportMetric(math.Round(perPoint*10)/10, "B/point")
}
