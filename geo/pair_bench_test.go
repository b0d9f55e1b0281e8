package geo

import (
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// The Pair benchmarks run the packed index and RTreeBaseline on the same
// queries in alternating batches of 64, so that other work on the
// machine slows both alike, and report the median over batches of each
// one's time a query and of their ratio (packed/rtree: below 1 is
// faster). The ratio holds on a noisy machine where separate runs vary 2×:
//
//	go test ./geo -run '^$' -bench Pair
func pairBench(b *testing.B, packed, rtree func(i int)) {
	const batch = 64
	var tp, tr, ratio []float64
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		t := time.Now()
		for i := done; i < done+n; i++ {
			packed(i)
		}
		p := float64(time.Since(t).Nanoseconds()) / float64(n)
		t = time.Now()
		for i := done; i < done+n; i++ {
			rtree(i)
		}
		r := float64(time.Since(t).Nanoseconds()) / float64(n)
		tp, tr, ratio = append(tp, p), append(tr, r), append(ratio, p/r)
	}
	b.StopTimer()
	median := func(x []float64) float64 {
		slices.Sort(x)
		return x[len(x)/2]
	}
	b.ReportMetric(median(tp), "packed-ns/op")
	b.ReportMetric(median(tr), "rtree-ns/op")
	b.ReportMetric(median(ratio), "ratio")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPairNearest5(b *testing.B) {
	base := benchBaseline(b)
	buf := make([]Hit, 0, 5)
	pairBench(b, func(i int) {
		buf = bench.ix.AppendNearest(buf[:0], bench.queries[i%benchQueries], 5, 0, nil)
	}, func(i int) {
		buf = base.AppendNearest(buf[:0], bench.queries[i%benchQueries], 5, 0, nil)
	})
}

func BenchmarkPairNearest5Filtered(b *testing.B) {
	base := benchBaseline(b)
	accept := func(s uint32) bool { return s%10 == 0 }
	buf := make([]Hit, 0, 5)
	pairBench(b, func(i int) {
		buf = bench.ix.AppendNearest(buf[:0], bench.queries[i%benchQueries], 5, 0, accept)
	}, func(i int) {
		buf = base.AppendNearest(buf[:0], bench.queries[i%benchQueries], 5, 0, accept)
	})
}

func BenchmarkPairWithin15km(b *testing.B) {
	base := benchBaseline(b)
	pairBench(b, func(i int) {
		bench.ix.Within(bench.queries[i%benchQueries], 15000, nil)
	}, func(i int) {
		base.Within(bench.queries[i%benchQueries], 15000, nil)
	})
}

func BenchmarkPairBBox(b *testing.B) {
	base := benchBaseline(b)
	n := 0
	count := func(uint32, orb.Point) bool { n++; return true }
	pairBench(b, func(i int) {
		bench.ix.InBound(bench.boxes[i%benchQueries], count)
	}, func(i int) {
		base.InBound(bench.boxes[i%benchQueries], count)
	})
}
