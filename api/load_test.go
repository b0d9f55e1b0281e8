package api

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"yizhan/data/catalog"
)

// Bounds of the HTTP load benchmark; override with
// go test -run '^$' -bench HTTPNearest1M ./api/ -args -load.duration=30s
var (
	loadDuration = flag.Duration("load.duration", 10*time.Second, "longest measured run of each HTTP load benchmark")
	loadRequests = flag.Int("load.requests", 200_000, "most requests of each HTTP load benchmark")
)

// loadResult is what one bounded load run measured.
type loadResult struct {
	requests int
	errors   int
	elapsed  time.Duration
	p50      time.Duration
	p99      time.Duration
	p999     time.Duration
	max      time.Duration
	// Heap allocations per request, client and server together (the
	// whole process), during the measured run.
	bytesPerReq, allocsPerReq float64
}

func (r loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// loadResults caches each run by connection count: `make bench` runs the
// api benchmarks with -benchtime 10x, which calls a benchmark twice (b.N
// = 1, then 10); the load is measured once and reported both times.
var (
	loadMu      sync.Mutex
	loadResults = map[int]loadResult{}
)

// BenchmarkHTTPNearest1M serves 1,000,000 random records with the real
// Fiber server on a loopback port and drives it with keep-alive fasthttp
// clients, each sending random nearest-5 queries one after another, for
// -load.duration or -load.requests, whichever comes first. It reports
// throughput (req/s) and latency percentiles in milliseconds as seen by
// the client, including the client's own time, and heap allocation per
// request (client and server together) as B/op and allocs/op. The ns/op
// figure is hidden: b.N does not drive the load.
//
// Client and server share the machine's cores (GOMAXPROCS), so on a small
// machine the numbers understate what a server alone would do.
func BenchmarkHTTPNearest1M(b *testing.B) {
	for _, conns := range []int{16, 64} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			loadMu.Lock()
			r, ok := loadResults[conns]
			if !ok {
				r = runNearestLoad(b, conns)
				loadResults[conns] = r
			}
			loadMu.Unlock()
			// b.N does not drive the load: hide ns/op, and report
			// allocation per request (client and server) as B/op and
			// allocs/op.
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(r.bytesPerReq, "B/op")
			b.ReportMetric(r.allocsPerReq, "allocs/op")
			b.ReportMetric(r.rate(), "req/s")
			b.ReportMetric(ms(r.p50), "p50_ms")
			b.ReportMetric(ms(r.p99), "p99_ms")
			b.ReportMetric(ms(r.p999), "p999_ms")
			b.ReportMetric(ms(r.max), "max_ms")
			b.ReportMetric(float64(r.requests), "requests")
			if r.errors > 0 {
				b.Errorf("%d of %d requests failed", r.errors, r.requests)
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runNearestLoad starts a server on 127.0.0.1:0 over the 1M snapshot,
// warms it up for a second, then measures one bounded run with conns
// concurrent keep-alive connections.
func runNearestLoad(b *testing.B, conns int) loadResult {
	snap := benchSnapshot1M(b)
	s, err := New(Config{Catalog: catalog.NewCatalog(snap)})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.App().Listener(ln) }()
	defer func() {
		if err := s.App().ShutdownWithTimeout(5 * time.Second); err != nil {
			b.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			b.Errorf("serve: %v", err)
		}
	}()

	client := &fasthttp.HostClient{
		Addr:                ln.Addr().String(),
		MaxConns:            conns,
		ReadTimeout:         5 * time.Second,
		WriteTimeout:        5 * time.Second,
		MaxIdleConnDuration: time.Minute,
	}
	defer client.CloseIdleConnections()
	targets := benchTargets(rand.New(rand.NewPCG(7, uint64(conns))), 8192, 5)
	for i := range targets {
		targets[i] = "http://" + client.Addr + targets[i]
	}

	// Warm-up: open the connections, grow the pools, settle the GC.
	drive(client, targets, conns, time.Second, *loadRequests)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	r := drive(client, targets, conns, *loadDuration, *loadRequests)
	runtime.ReadMemStats(&m1)
	if r.requests > 0 {
		r.bytesPerReq = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(r.requests)
		r.allocsPerReq = float64(m1.Mallocs-m0.Mallocs) / float64(r.requests)
	}
	b.Logf("%d conns, GOMAXPROCS %d shared by client and server: %d requests in %v = %.0f req/s; latency p50 %v p99 %v p99.9 %v max %v; %d errors",
		conns, runtime.GOMAXPROCS(0), r.requests, r.elapsed.Round(time.Millisecond), r.rate(), r.p50, r.p99, r.p999, r.max, r.errors)
	return r
}

// drive sends GET requests to the targets from conns goroutines, each
// waiting for its answer before sending the next, until limit requests
// were sent or d has passed. An answer that is not a 200 FeatureCollection
// is an error.
func drive(client *fasthttp.HostClient, targets []string, conns int, d time.Duration, limit int) loadResult {
	var (
		sent     atomic.Int64
		errs     atomic.Int64
		wg       sync.WaitGroup
		perConns = make([][]time.Duration, conns)
	)
	wantPrefix := []byte(`{"type":"FeatureCollection","features":[{`)
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, limit/conns+1)
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for i := w; ; i += conns {
				if sent.Add(1) > int64(limit) {
					break
				}
				req.SetRequestURI(targets[i%len(targets)])
				t0 := time.Now()
				err := client.Do(req, resp)
				t1 := time.Now()
				lat = append(lat, t1.Sub(t0))
				if err != nil || resp.StatusCode() != fasthttp.StatusOK || !bytes.HasPrefix(resp.Body(), wantPrefix) {
					errs.Add(1)
				}
				if t1.After(deadline) {
					break
				}
			}
			perConns[w] = lat
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range perConns {
		all = append(all, l...)
	}
	slices.Sort(all)
	q := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	r := loadResult{requests: len(all), errors: int(errs.Load()), elapsed: elapsed, p50: q(0.50), p99: q(0.99), p999: q(0.999)}
	if len(all) > 0 {
		r.max = all[len(all)-1]
	}
	return r
}
