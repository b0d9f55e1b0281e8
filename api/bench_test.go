package api

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/valyala/fasthttp"

	"yizhan/data"
)

// BenchmarkNearestHandler measures GET /v1/stations/nearest?k=5 through
// the whole Fiber handler (parse, search, render) without the network, on
// 100,000 random records in and around Inner Mongolia.
func BenchmarkNearestHandler(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	stations := make([]*data.Station, 100_000)
	for i := range stations {
		stations[i] = station(b, fmt.Sprintf("s%06d", i), data.Kinds[i%len(data.Kinds)], 97+rng.Float64()*30, 37+rng.Float64()*17, "", "toilet")
	}
	s := newTestServer(b, stations, Config{})
	h := s.App().Handler()
	targets := make([]string, 1024)
	for i := range targets {
		targets[i] = fmt.Sprintf("/v1/stations/nearest?lon=%.5f&lat=%.5f&k=5", 97+rng.Float64()*30, 37+rng.Float64()*17)
	}
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
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
