package api

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/valyala/fasthttp"

	"yizhan/data"
)

// TestRequestMetricsCount checks that every request is counted once under
// its method, route pattern and status, however many run at once: the
// series are looked up once and kept (requestSeries).
func TestRequestMetricsCount(t *testing.T) {
	s := newTestServer(t, []*data.Station{station(t, "s1", data.KindPort, 111.6, 40.8, "")}, Config{})
	h := s.App().Handler()
	targets := []struct {
		method, target string
		series         string
		n              int
	}{
		{"GET", "/v1/stations/nearest?lon=111&lat=40&k=1", `method="GET",route="/v1/stations/nearest",status="200"`, 60},
		{"GET", "/v1/stations/nearest?lon=999&lat=40", `method="GET",route="/v1/stations/nearest",status="400"`, 25},
		{"GET", "/v1/stations/s1", `method="GET",route="/v1/stations/:id",status="200"`, 30},
		{"GET", "/v1/stations/nope", `method="GET",route="/v1/stations/:id",status="404"`, 20},
		{"HEAD", "/v1/stations/s1", `method="HEAD",route="/v1/stations/:id",status="200"`, 15},
	}
	var wg sync.WaitGroup
	for _, tc := range targets {
		for range tc.n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var ctx fasthttp.RequestCtx
				ctx.Request.Header.SetMethod(tc.method)
				ctx.Request.SetRequestURI(tc.target)
				h(&ctx)
			}()
		}
	}
	wg.Wait()
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/metrics")
	h(&ctx)
	m := string(ctx.Response.Body())
	for _, tc := range targets {
		want := fmt.Sprintf("yizhan_http_requests_total{%s} %d\n", tc.series, tc.n)
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
		hist := fmt.Sprintf(`yizhan_http_request_duration_seconds_count{method=%q,route=`, tc.method)
		if !strings.Contains(m, hist) {
			t.Errorf("/metrics lacks %s...", hist)
		}
	}
}
