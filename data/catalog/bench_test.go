package catalog

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
	"yizhan/geo"
	"yizhan/internal/workload"
)

// The snapshot benchmarks run on the clustered workload of issue 9
// (internal/workload) at 1,000,000 records, with 10,000 query points drawn
// the same way (a different seed), in process:
//
//	go test ./data/catalog -run '^$' -bench Clustered1M -benchmem
const (
	benchRecords = 1_000_000
	benchQueries = 10_000
	benchSeed    = 9
)

var bench1M struct {
	once    sync.Once
	snap    *Snapshot
	queries []orb.Point
	// perRecord is the heap the snapshot keeps per record, after a GC,
	// with the records it was built from dropped.
	perRecord float64
}

func benchSnapshot(b *testing.B) *Snapshot {
	b.Helper()
	bench1M.once.Do(func() {
		w := workload.New(benchSeed)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sts := w.Stations(benchRecords, benchSeed)
		bench1M.snap = NewSnapshot(sts, 1)
		sts = nil
		for bench1M.snap.st.idRanks() == nil { // ranked in the background
			time.Sleep(10 * time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		bench1M.perRecord = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / benchRecords
		bench1M.queries = w.Points(benchQueries, benchSeed+1)
	})
	return bench1M.snap
}

// timeQueries runs query b.N times over the query points and reports
// the median time of one query besides the mean.
func timeQueries(b *testing.B, query func(p orb.Point) int) {
	qs := bench1M.queries
	times := make([]float64, 0, 4*len(qs))
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		n += query(qs[i%len(qs)])
		if len(times) < cap(times) {
			times = append(times, float64(time.Since(t)))
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(times[len(times)/2], "median-ns/op")
	b.ReportMetric(float64(n)/float64(b.N), "hits/op")
}

func BenchmarkNearest5Clustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	var buf []geo.Hit
	timeQueries(b, func(p orb.Point) int {
		buf = snap.AppendNearest(buf[:0], p, 5, 0, data.Filter{})
		return len(buf)
	})
}

// BenchmarkNearest5FilteredClustered1M asks for the nearest 5 with one
// amenity (a record has two of 15).
func BenchmarkNearest5FilteredClustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	var buf []geo.Hit
	f := data.Filter{Amenities: 1 << 5}
	timeQueries(b, func(p orb.Point) int {
		buf = snap.AppendNearest(buf[:0], p, 5, 0, f)
		return len(buf)
	})
}

func BenchmarkCountWithin15kmClustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	timeQueries(b, func(p orb.Point) int { return snap.CountWithin(p, 15000, data.Filter{}) })
}

func halfDegreeBox(p orb.Point) orb.Bound {
	return orb.Bound{Min: orb.Point{p[0] - 0.25, p[1] - 0.25}, Max: orb.Point{p[0] + 0.25, p[1] + 0.25}}
}

func BenchmarkCountBoxHalfDegreeClustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	timeQueries(b, func(p orb.Point) int { return snap.CountInBound(halfDegreeBox(p), data.Filter{}) })
}

// BenchmarkPage10BoxHalfDegreeClustered1M is the first page of 10 by id
// in a 0.5° box, with the number matched: /v1/stations?bbox=…&limit=10.
func BenchmarkPage10BoxHalfDegreeClustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	var slots []uint32
	timeQueries(b, func(p orb.Point) int {
		var total int
		slots, total = snap.AppendInBound(slots[:0], halfDegreeBox(p), data.Filter{}, 0, 10)
		return total
	})
}

// BenchmarkSnapshotMemoryClustered1M reports the heap the snapshot of
// 1,000,000 records keeps per record (store and index, after a GC, the
// records it was built from dropped) and the time of a full GC with it
// live, most of which is marking.
func BenchmarkSnapshotMemoryClustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	var gc time.Duration
	for i := 0; i < b.N; i++ {
		t := time.Now()
		runtime.GC()
		gc += time.Since(t)
	}
	runtime.KeepAlive(snap)
	b.ReportMetric(bench1M.perRecord, "B/record")
	b.ReportMetric(float64(gc.Microseconds())/float64(b.N), "gc-µs")
}

// BenchmarkGCRecordsClustered1M is the GC time with the same records
// live as *data.Station, as the snapshot held them before its store.
func BenchmarkGCRecordsClustered1M(b *testing.B) {
	sts := workload.New(benchSeed).Stations(benchRecords, benchSeed)
	runtime.GC()
	b.ResetTimer()
	var gc time.Duration
	for i := 0; i < b.N; i++ {
		t := time.Now()
		runtime.GC()
		gc += time.Since(t)
	}
	runtime.KeepAlive(sts)
	b.ReportMetric(float64(gc.Microseconds())/float64(b.N), "gc-µs")
}

// BenchmarkApply1ChangeClustered1M applies one change (a record moved)
// to the snapshot of 1,000,000 records; BenchmarkBuildClustered1M is the
// rebuild it saves.
func BenchmarkApply1ChangeClustered1M(b *testing.B) {
	snap := benchSnapshot(b)
	st, err := snap.Get("w12345")
	if err != nil {
		b.Fatal(err)
	}
	moved := *st
	moved.Location = orb.Point{st.Location[0] + 0.01, st.Location[1]}
	moved.Version = 2
	changes := []Change{{Version: 2, ID: moved.ID, Station: &moved}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if next := snap.Apply(changes); next.Len() != snap.Len() {
			b.Fatal("Apply changed Len")
		}
	}
}

func BenchmarkBuildClustered1M(b *testing.B) {
	benchBuild(b, workload.New(benchSeed).Stations(benchRecords, benchSeed))
}

// BenchmarkBuildUniform1M builds a snapshot of the uniform records of
// the PostGIS 1M benchmark, where every record has names of its own, so
// that no interning of names hits.
func BenchmarkBuildUniform1M(b *testing.B) {
	benchBuild(b, recordtest.Random(rand.New(rand.NewPCG(11, 12)), benchRecords))
}

// benchBuild times snapshots built of sts, with their CPU time.
func benchBuild(b *testing.B, sts []*data.Station) {
	b.ReportAllocs()
	b.ResetTimer()
	c0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		NewSnapshot(sts, 1)
	}
	b.ReportMetric((processCPU(b)-c0).Seconds()/float64(b.N), "cpu_s/op")
}

// processCPU is the user and system CPU time this process has used: on a
// shared machine it measures a build better than the wall clock (it
// counts the collector's work too).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
