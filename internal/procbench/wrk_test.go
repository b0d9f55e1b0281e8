package procbench

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestParseWrk(t *testing.T) {
	out := "Running 1s test @ http://127.0.0.1:1\n  2 threads and 4 connections\nyizhan-wrk 5000 1000000 3 150 900 12000\n"
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Requests: 5000, Elapsed: time.Second, Errors: 3, P50: 150 * time.Microsecond, P99: 900 * time.Microsecond, Max: 12 * time.Millisecond}
	if r != want || r.Rate() != 5000 {
		t.Errorf("parseWrk = %+v; want %+v", r, want)
	}
	for _, bad := range []string{"", "yizhan-wrk 1 2 3\n", "yizhan-wrk 1 2 3 4 5 x\n", "yizhan-wrk 1 2 3 4 5 -6\n"} {
		if _, err := parseWrk(bad); err == nil {
			t.Errorf("parseWrk(%q): no error", bad)
		}
	}
}

// TestWrk drives a small Fiber server with the real wrk for a second and
// checks it took every path in turn and counted a failing answer.
func TestWrk(t *testing.T) {
	wrk := FindWrk()
	if wrk == "" {
		t.Skip("no wrk on this machine (apt-get install wrk)")
	}
	seen := make(chan string, 1<<16)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/*", func(c *fiber.Ctx) error {
		select {
		case seen <- strings.Clone(c.OriginalURL()): // the ctx's bytes are reused
		default:
		}
		if c.Path() == "/bad" {
			return c.SendStatus(fiber.StatusInternalServerError)
		}
		return c.SendString("ok")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	r, err := Wrk(context.Background(), wrk, ln.Addr().String(), []string{"/a?x=1", "/b", "/bad"}, 4, time.Second, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests < 30 || r.Errors < r.Requests/4 || r.Errors > r.Requests/2 || r.P99 < r.P50 || r.Elapsed < 900*time.Millisecond {
		t.Errorf("wrk run = %+v; want ≥ 30 requests, a third of them errors (/bad), sane latencies", r)
	}
	if err := app.Shutdown(); err != nil {
		t.Fatal(err)
	}
	close(seen)
	paths := map[string]bool{}
	for p := range seen {
		paths[p] = true
	}
	for _, p := range []string{"/a?x=1", "/b", "/bad"} {
		if !paths[p] {
			t.Errorf("wrk never asked for %s (asked for %s)", p, strings.Join(keys(paths), " "))
		}
	}
}

func keys(m map[string]bool) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}
