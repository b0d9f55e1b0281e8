package procbench

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Result is one bounded load run.
type Result struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
}

// Rate is requests a second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms (%d requests, %d errors)",
		r.Rate(), ms(r.P50), ms(r.P99), ms(r.Max), r.Requests, r.Errors)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Load drives one endpoint: conns goroutines, each on its own keep-alive
// connection, send GET targets[i] (paths, taken in turn) and wait for the
// answer before sending the next, until limit requests were sent or d has
// passed. An answer for which ok is false (or not a 200) is an error.
func Load(addr string, targets []string, conns int, d time.Duration, limit int, ok func(body []byte) bool) Result {
	client := &fasthttp.HostClient{
		Addr:                addr,
		MaxConns:            conns,
		ReadTimeout:         10 * time.Second,
		WriteTimeout:        10 * time.Second,
		MaxIdleConnDuration: time.Minute,
	}
	defer client.CloseIdleConnections()
	uris := make([]string, len(targets))
	for i, t := range targets {
		uris[i] = "http://" + addr + t
	}
	var (
		sent     atomic.Int64
		errs     atomic.Int64
		wg       sync.WaitGroup
		perConns = make([][]time.Duration, conns)
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, min(limit/conns+1, 1<<20))
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for i := w; sent.Add(1) <= int64(limit); i += conns {
				req.SetRequestURI(uris[i%len(uris)])
				t0 := time.Now()
				err := client.Do(req, resp)
				t1 := time.Now()
				lat = append(lat, t1.Sub(t0))
				if err != nil || resp.StatusCode() != fasthttp.StatusOK || !ok(resp.Body()) {
					errs.Add(1)
				}
				if t1.After(deadline) {
					break
				}
			}
			perConns[w] = lat
		}()
	}
	wg.Wait()
	r := summarize(slices.Concat(perConns...))
	r.Elapsed, r.Errors = time.Since(start), int(errs.Load())
	return r
}

// summarize sorts the latencies and gives their count and quantiles.
func summarize(lat []time.Duration) Result {
	slices.Sort(lat)
	r := Result{Requests: len(lat), P50: quantile(lat, 0.50), P99: quantile(lat, 0.99)}
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
	}
	return r
}

// quantile is the q-quantile of sorted latencies (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}
