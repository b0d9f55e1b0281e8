package api

import (
	"fmt"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/internal/workload"
)

// The handler benchmarks on the clustered workload of issue 9
// (internal/workload): 1,000,000 records, 70% around 200 towns, and
// query points drawn the same way, in process (no network):
//
//	go test ./api -run '^$' -bench Clustered1M -benchmem
var clustered1M struct {
	once    sync.Once
	snap    *catalog.Snapshot
	queries []orb.Point
}

func clusteredSnapshot(tb testing.TB) (*catalog.Snapshot, []orb.Point) {
	clustered1M.once.Do(func() {
		w := workload.New(9)
		clustered1M.snap = catalog.NewSnapshot(w.Stations(1_000_000, 9), 1)
		clustered1M.queries = w.Points(10_000, 10)
	})
	return clustered1M.snap, clustered1M.queries
}

func clusteredTargets(tb testing.TB, format string) []string {
	_, qs := clusteredSnapshot(tb)
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = fmt.Sprintf(format, q[0], q[1])
	}
	return out
}

func clusteredHandler(b *testing.B, format string) {
	snap, _ := clusteredSnapshot(b)
	s := newTestServer(b, nil, Config{Catalog: catalog.NewCatalog(snap)})
	runHandler(b, s.App().Handler(), clusteredTargets(b, format))
}

// BenchmarkNearestHandlerClustered1M is GET /v1/stations/nearest?k=5,
// full features, through the Fiber handler.
func BenchmarkNearestHandlerClustered1M(b *testing.B) {
	clusteredHandler(b, "/v1/stations/nearest?lon=%.5f&lat=%.5f&k=5")
}

// BenchmarkWithinCountHandlerClustered1M is the 15 km circle count:
// /v1/stations/within?radius_m=15000&limit=1 and its numberMatched.
func BenchmarkWithinCountHandlerClustered1M(b *testing.B) {
	clusteredHandler(b, "/v1/stations/within?lon=%.5f&lat=%.5f&radius_m=15000&limit=1")
}

// BenchmarkBoxCountHandlerClustered1M is the 0.5° box count:
// /v1/stations?bbox=…&limit=1 and its numberMatched.
func BenchmarkBoxCountHandlerClustered1M(b *testing.B) {
	snap, qs := clusteredSnapshot(b)
	targets := make([]string, len(qs))
	for i, q := range qs {
		targets[i] = fmt.Sprintf("/v1/stations?bbox=%.5f,%.5f,%.5f,%.5f&limit=1", q[0]-0.25, q[1]-0.25, q[0]+0.25, q[1]+0.25)
	}
	s := newTestServer(b, nil, Config{Catalog: catalog.NewCatalog(snap)})
	runHandler(b, s.App().Handler(), targets)
}

// BenchmarkRenderNearest5Clustered1M is the search and rendering of a
// nearest-5 answer with full features, as the handler does them, without
// parsing or Fiber: slots from the index, records read from the store
// into pooled memory, the append encoder.
func BenchmarkRenderNearest5Clustered1M(b *testing.B) {
	snap, qs := clusteredSnapshot(b)
	buf := make([]byte, 0, 8<<10)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		p := qs[i%len(qs)]
		a := getAnswer()
		a.hits = snap.AppendNearest(a.hits[:0], p, 5, 0, noFilter)
		var err error
		buf, err = appendResponse(buf[:0], featureCollection{Type: "FeatureCollection", Features: a.found(snap, p, "zh"), NumberReturned: len(a.hits)})
		putAnswer(a)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

var noFilter data.Filter

// BenchmarkRenderFound5Clustered1M is the rendering alone of the answers
// of BenchmarkRenderNearest5Clustered1M, their hits found beforehand:
// records read from the store, features, the append encoder.
func BenchmarkRenderFound5Clustered1M(b *testing.B) {
	snap, qs := clusteredSnapshot(b)
	hits := make([][]geo.Hit, 4096)
	for i := range hits {
		hits[i] = snap.AppendNearest(nil, qs[i%len(qs)], 5, 0, noFilter)
	}
	buf := make([]byte, 0, 8<<10)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		a := getAnswer()
		a.hits = append(a.hits[:0], hits[i%len(hits)]...)
		var err error
		buf, err = appendResponse(buf[:0], featureCollection{Type: "FeatureCollection", Features: a.found(snap, qs[i%len(hits)%len(qs)], "zh"), NumberReturned: len(a.hits)})
		putAnswer(a)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
