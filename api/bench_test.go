package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/paulmach/orb"
	"github.com/valyala/fasthttp"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/hours"
)

// The benchmark area: a box around Inner Mongolia (lon 97–127°E, lat
// 37–54°N), where the records and the query points are drawn.
const (
	benchLonMin, benchLonSpan = 97.0, 30.0
	benchLatMin, benchLatSpan = 37.0, 17.0
)

// benchPoint returns a random point in the benchmark area.
func benchPoint(rng *rand.Rand) orb.Point {
	return orb.Point{benchLonMin + rng.Float64()*benchLonSpan, benchLatMin + rng.Float64()*benchLatSpan}
}

// benchStations makes n random records in the benchmark area, shaped like
// real ones (three names, a few amenities, opening hours, capacity,
// region, staff languages), quickly: the records live in one slab and
// share their strings, so a million take well under a second.
func benchStations(tb testing.TB, n int, seed uint64) []*data.Station {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	allDay, err := hours.Parse("24/7")
	if err != nil {
		tb.Fatal(err)
	}
	weekdays, err := hours.Parse("Mo-Fr 08:00-18:00; Sa 09:00-12:00")
	if err != nil {
		tb.Fatal(err)
	}
	names := []data.Names{
		{ZH: "二连浩特国际司机之家", EN: "Erenhot International Driver Home", RU: "Дом водителя Эрэнхот", MN: "Эрээн хотын жолоочийн өргөө"},
		{ZH: "满洲里中俄蒙司机驿站", EN: "Manzhouli Driver Station", RU: "Станция водителей Маньчжурия"},
		{ZH: "锡林浩特工会驿站", EN: "Xilinhot Union Station"},
		{ZH: "呼和浩特户外劳动者服务站点"},
	}
	regions := []string{"锡林郭勒盟", "呼伦贝尔市", "乌兰察布市", "包头市", "阿拉善盟"}
	langs := [][]string{{"zh"}, {"zh", "mn"}, {"zh", "ru", "mn"}}
	caps := []int{20, 50, 120, 1500}
	slab := make([]data.Station, n)
	out := make([]*data.Station, n)
	idBuf := make([]byte, 0, n*8)
	for i := range slab {
		start := len(idBuf)
		idBuf = append(idBuf, 's')
		idBuf = strconv.AppendInt(idBuf, int64(i), 10)
		st := &slab[i]
		st.ID = string(idBuf[start:])
		st.Location = benchPoint(rng)
		st.Kind = data.Kinds()[i%len(data.Kinds())]
		st.Names = names[i%len(names)]
		st.Amenities = data.AmenitySet(rng.Uint32() & (1<<len(data.Amenities()) - 1))
		if i%2 == 0 {
			st.OpeningHours, st.Hours = "24/7", allDay
		} else {
			st.OpeningHours, st.Hours = "Mo-Fr 08:00-18:00; Sa 09:00-12:00", weekdays
		}
		st.CapacityPerDay = &caps[i%len(caps)]
		st.Languages = langs[i%len(langs)]
		st.Region = regions[i%len(regions)]
		st.Status = data.StatusOpen
		st.Source = "benchmark"
		out[i] = st
	}
	return out
}

// benchTargets returns n nearest-k request targets at random points.
func benchTargets(rng *rand.Rand, n, k int) []string {
	targets := make([]string, n)
	for i := range targets {
		p := benchPoint(rng)
		targets[i] = fmt.Sprintf("/v1/stations/nearest?lon=%.5f&lat=%.5f&k=%d", p[0], p[1], k)
	}
	return targets
}

var (
	snap1MOnce sync.Once
	snap1M     *catalog.Snapshot
)

// benchSnapshot1M is one snapshot of 1,000,000 benchStations, built once
// per test binary and shared by the benchmarks at that size.
func benchSnapshot1M(tb testing.TB) *catalog.Snapshot {
	snap1MOnce.Do(func() {
		start := time.Now()
		snap1M = catalog.NewSnapshot(benchStations(tb, 1_000_000, 1), 1)
		tb.Logf("built a snapshot of %d records in %v", snap1M.Len(), time.Since(start).Round(time.Millisecond))
	})
	return snap1M
}

// reportCPU starts counting the process's CPU time (user and system, of
// every thread, the garbage collector's too); the func it returns reports
// it per operation as cpu-ns/op. On a machine shared with other work it
// moves far less than the wall time of ns/op.
func reportCPU(b *testing.B) func() {
	start := processCPU(b)
	return func() { b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op") }
}

func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// runHandler drives handler h with the targets b.N times, failing on any
// answer but 200.
func runHandler(b *testing.B, h fasthttp.RequestHandler, targets []string) {
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI(targets[i%len(targets)])
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}

// BenchmarkNearestHandler measures GET /v1/stations/nearest?k=5 through
// the whole Fiber handler (parse, search, render) without the network, on
// 100,000 random records in and around Inner Mongolia.
func BenchmarkNearestHandler(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	stations := make([]*data.Station, 100_000)
	for i := range stations {
		p := benchPoint(rng)
		stations[i] = station(b, fmt.Sprintf("s%06d", i), data.Kinds()[i%len(data.Kinds())], p[0], p[1], "", "toilet")
	}
	s := newTestServer(b, stations, Config{})
	runHandler(b, s.App().Handler(), benchTargets(rng, 1024, 5))
}

// BenchmarkNearestHandler1M is BenchmarkNearestHandler on 1,000,000
// realistic records (names in four languages, amenities, hours).
func BenchmarkNearestHandler1M(b *testing.B) {
	s := newTestServer(b, nil, Config{Catalog: catalog.NewCatalog(benchSnapshot1M(b))})
	runHandler(b, s.App().Handler(), benchTargets(rand.New(rand.NewPCG(3, 4)), 1024, 5))
}

// BenchmarkRenderNearest5 measures rendering alone: a FeatureCollection of
// five results, with the append encoder (what send does) and, for
// comparison, with encoding/json over the map-based features it replaced,
// with encoding/json over a tagged struct per record, and with
// github.com/goccy/go-json over the same struct.
func BenchmarkRenderNearest5(b *testing.B) {
	snap := benchSnapshot1M(b)
	rng := rand.New(rand.NewPCG(5, 6))
	sets := make([][]catalog.Result, 256)
	for i := range sets {
		sets[i] = snap.Nearest(benchPoint(rng), 5, 0, data.Filter{})
	}
	query := struct {
		Lon float64 `json:"lon"`
		Lat float64 `json:"lat"`
		K   int     `json:"k"`
		filterJSON
	}{Lon: 111.5, Lat: 43.6, K: 5, filterJSON: filterJSON{Lang: "zh"}}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 8<<10)
		for i := 0; i < b.N; i++ {
			rs := sets[i%len(sets)]
			var err error
			buf, err = appendResponse(buf[:0], featureCollection{Type: "FeatureCollection", Features: resultFeatures(rs, "zh"), NumberReturned: len(rs), Query: query})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding-json-maps", func(b *testing.B) {
		b.ReportAllocs()
		var out []byte
		for i := 0; i < b.N; i++ {
			rs := sets[i%len(sets)]
			fs := make([]mapFeature, len(rs))
			for j, r := range rs {
				fs[j] = resultFeature(r, "zh")
			}
			var err error
			out, err = json.Marshal(mapCollection{Type: "FeatureCollection", Features: fs, NumberReturned: len(rs), Query: query})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(out)))
	})
	// A tagged struct per record (encode_struct_test.go), by encoding/json
	// and by a maintained faster drop-in, goccy/go-json.
	b.Run("encoding-json-struct", func(b *testing.B) { benchStructEncoding(b, sets, query, json.Marshal) })
	b.Run("go-json-struct", func(b *testing.B) { benchStructEncoding(b, sets, query, gojson.Marshal) })
}
