package procbench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkScript makes wrk take its request paths in turn from the file named
// by its first argument (each thread starting at a different place) and
// print one line of totals when done: requests, duration (µs), errors of
// every kind (non-2xx answers included), and latency p50, p99, max (µs).
const wrkScript = `
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("yizhan-wrk %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`

// FindWrk is the path of wrk, the HTTP load generator written in C, or ""
// where none is installed (Debian: apt-get install wrk).
func FindWrk() string {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return ""
	}
	return p
}

// Wrk drives the server at addr with wrk: conns keep-alive connections on
// two threads for d, GET targets (paths) in turn. Unlike Load it does not
// look at the bodies — the Go client's runs check them — but it costs the
// shared cores far less a request, as a load generator run from outside
// does. dir holds the script and the list of paths.
func Wrk(ctx context.Context, wrk, addr string, targets []string, conns int, d time.Duration, dir string) (Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, err
	}
	script, paths := filepath.Join(dir, "paths.lua"), filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(paths, []byte(strings.Join(targets, "\n")+"\n"), 0o644); err != nil {
		return Result{}, err
	}
	secs := strconv.Itoa(max(1, int(d.Seconds()))) + "s"
	out, err := exec.CommandContext(ctx, wrk, "-t", "2", "-c", strconv.Itoa(conns), "-d", secs, "--timeout", "10s",
		"-s", script, "http://"+addr, "--", paths).CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads the totals line wrkScript prints.
func parseWrk(out string) (Result, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "yizhan-wrk ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 6 {
			break
		}
		var v [6]int64
		for i, s := range f {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return Result{}, fmt.Errorf("wrk: totals %q", line)
			}
			v[i] = n
		}
		us := func(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
		return Result{Requests: int(v[0]), Elapsed: us(v[1]), Errors: int(v[2]), P50: us(v[3]), P99: us(v[4]), Max: us(v[5])}, nil
	}
	return Result{}, fmt.Errorf("wrk printed no totals: %s", out)
}
