package api

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// andorraGapsBody is the coverage of Andorra by 15 minutes of driving
// from every record at once, with the default demand (places, ports and,
// on a network, the roads).
const andorraGapsBody = `{"area":{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]},
"minutes":15,"mode":"drive","by":"time"}`

// BenchmarkGapsByTimeHandler measures POST /v1/coverage/gaps by time on
// the Andorra network through the whole Fiber handler (parse, demand,
// search, cover, trace, render): the request a planner's map sends.
func BenchmarkGapsByTimeHandler(b *testing.B) {
	s, _ := andorraServer(b)
	h := s.App().Handler()
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.SetRequestURI("/v1/coverage/gaps")
		ctx.Request.SetBodyString(andorraGapsBody)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}
