package procbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/postgis/pgtest"
	"yizhan/internal/workload"
)

// bareEnv, when set to an address, makes the test binary a bare Fiber
// server on it instead of running tests (see serveBare).
const bareEnv = "YIZHAN_BENCH_BARE_FIBER"

func TestMain(m *testing.M) {
	if addr := os.Getenv(bareEnv); addr != "" {
		if err := serveBare(addr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// bareBody is the fixed answer of the bare Fiber server: 300 bytes of JSON.
var bareBody = func() []byte {
	b := []byte(`{"type":"FeatureCollection","features":[],"pad":"`)
	for len(b) < 300-2 {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}()

// serveBare serves bareBody on every GET / with Fiber's defaults: the
// ceiling an HTTP answer of yizhan's size can reach on this machine.
func serveBare(addr string) error {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(bareBody)
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("bare fiber on http://%s\n", ln.Addr())
	return app.Listener(ln)
}

// onlyEnv cuts BenchmarkWholeProcess short, to iterate on the HTTP path:
// "http" runs the start-up, memory and the three HTTP runs beside bare
// Fiber but nothing against PostGIS; "nearest" only the nearest run. Both
// print the servers' process ids first, for a profiler. Unset, it runs
// everything.
const (
	onlyEnv     = "YIZHAN_PROCBENCH_ONLY"
	onlyHTTP    = "http"
	onlyNearest = "nearest"
)

// httpRun is one of the HTTP load runs and what it measured.
type httpRun struct {
	name    string
	targets []string
	ok      func(body []byte) bool
	res     Result
	cpu     time.Duration // the server's processor time a request
	// clientCPU is the load client's (this process's) processor time a
	// request: with it, what the rate leaves unexplained is time the
	// machine gave to other work.
	clientCPU time.Duration
}

// selfCPU is the processor time this process has used so far (user and
// system): the load client's, as nothing else runs in it during a load run.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(b *testing.B, name string, def int) int {
	if s := os.Getenv(name); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("%s=%q: %v", name, s, err)
		}
		return v
	}
	return def
}

// BenchmarkWholeProcess runs the yizhan binary on YIZHAN_BENCH_RECORDS
// (default 1,000,000) clustered records and reports, in one run: the
// start-up from a GeoJSON file, the process's memory, and HTTP load with
// 64 connections (YIZHAN_BENCH_SECONDS, default 10, a run, at most
// 2,000,000 requests) on nearest-5 (full features), a count within 15 km
// and a count in a 0.5° box, beside a bare Fiber server; with
// YIZHAN_TEST_DATABASE_URL also `yizhan import`, the start-up from
// PostGIS (LoadAll) and PostGIS's own queries. The client shares the
// machine's cores with the server, as a load generator on loopback does.
// YIZHAN_PROCBENCH_ONLY=http or =nearest (onlyEnv) runs part of it.
//
//	go test -run '^$' -bench WholeProcess -benchtime 1x -timeout 30m ./internal/procbench/
//	YIZHAN_PROCBENCH_ONLY=nearest YIZHAN_BENCH_SECONDS=5 go test -run '^$' -bench WholeProcess -benchtime 1x ./internal/procbench/
func BenchmarkWholeProcess(b *testing.B) {
	n := envInt(b, "YIZHAN_BENCH_RECORDS", 1_000_000)
	runFor := time.Duration(envInt(b, "YIZHAN_BENCH_SECONDS", 10)) * time.Second
	const conns, limit = 64, 2_000_000
	only := os.Getenv(onlyEnv)
	if only != "" && only != onlyHTTP && only != onlyNearest {
		b.Fatalf("%s=%q: want %q, %q or nothing", onlyEnv, only, onlyHTTP, onlyNearest)
	}
	ctx := context.Background()
	dir := b.TempDir()

	bin := filepath.Join(dir, "yizhan")
	if out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "yizhan/cmd/yizhan").CombinedOutput(); err != nil {
		b.Fatalf("build: %v: %s", err, out)
	}
	file := filepath.Join(dir, "stations.geojson")
	if err := workload.WriteGeoJSON(file, n, 1); err != nil {
		b.Fatal(err)
	}
	debug.FreeOSMemory()
	w := workload.New(1)
	points := w.Points(10_000, 2)
	nearest, within, box := targets(points)

	var rows [][2]string
	row := func(what, value string) {
		rows = append(rows, [2]string{what, value})
		b.Logf("%s: %s", what, value)
	}
	for b.Loop() {
		rows = rows[:0]
		// The bare Fiber ceiling is measured right before and right after
		// each of yizhan's runs, and each run is compared with the mean of
		// the two: on a machine shared with other work the load changes
		// from one run to the next, and one ceiling measured at the start
		// made the ratios vary by half.
		bare, err := Start(ctx, os.Args[0], nil, []string{bareEnv + "=127.0.0.1:0"}, "/", 30*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		defer bare.Stop()
		bareOK := func(body []byte) bool { return len(body) == len(bareBody) }
		Load(bare.Addr, []string{"/"}, conns, time.Second, limit, bareOK) // warm-up
		var (
			bareRuns      []Result
			bareCPU       time.Duration // the bare server's processor time over its runs
			bareClientCPU time.Duration // the load client's (this process's) over them
		)
		measureBare := func() {
			c0, _ := bare.CPU()
			k0 := selfCPU()
			r := Load(bare.Addr, []string{"/"}, conns, runFor, limit, bareOK)
			c1, _ := bare.CPU()
			bareCPU += c1 - c0
			bareClientCPU += selfCPU() - k0
			if r.Errors > 0 {
				b.Errorf("bare Fiber: %d of %d requests failed", r.Errors, r.Requests)
			}
			bareRuns = append(bareRuns, r)
		}
		// loadCPU is Load on srv with the server's and the client's
		// processor time per request: unlike the rate, they hardly depend
		// on what else runs.
		loadCPU := func(srv *Process, targets []string, ok func([]byte) bool) (r Result, server, client time.Duration) {
			c0, _ := srv.CPU()
			k0 := selfCPU()
			r = Load(srv.Addr, targets, conns, runFor, limit, ok)
			c1, _ := srv.CPU()
			n := time.Duration(max(1, r.Requests))
			return r, (c1 - c0) / n, (selfCPU() - k0) / n
		}

		srv, err := Start(ctx, bin, []string{"serve", "--data", file, "--addr", "127.0.0.1:0", "--log-level", "warn"}, nil, "/readyz", 5*time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		cpu, _ := srv.CPU()
		row("start-up from the GeoJSON file (serve --data, to the first 200 of /readyz)", fmt.Sprintf("%.2f s (%.2f s of CPU)", srv.Ready.Seconds(), cpu.Seconds()))
		rssStart, _ := srv.RSS()
		forced, err := srv.WaitForcedGC(time.Minute)
		if err != nil {
			b.Error(err)
		}
		time.Sleep(200 * time.Millisecond)
		rssGC, _ := srv.RSS()
		row("memory at ready (VmRSS)", fmt.Sprintf("%.0f MB = %.0f B/record", mb(rssStart), float64(rssStart)/float64(n)))
		row("memory after the start-up GC (VmRSS; live heap)", fmt.Sprintf("%.0f MB = %.0f B/record; live heap %.0f MB = %.0f B/record",
			mb(rssGC), float64(rssGC)/float64(n), forced.LiveMB, forced.LiveMB*(1<<20)/float64(n)))

		fc := func(body []byte) bool {
			return bytes.HasPrefix(body, []byte(`{"type":"FeatureCollection","features":[{`))
		}
		matched := func(body []byte) bool { return bytes.Contains(body, []byte(`"numberMatched":`)) }
		runs := []httpRun{
			{name: "nearest k=5, full features", targets: nearest, ok: fc},
			{name: "count within 15 km (within …&limit=1)", targets: within, ok: matched},
			{name: "count in a 0.5° box (stations?bbox…&limit=1)", targets: box, ok: matched},
		}
		if only == onlyNearest {
			runs = runs[:1]
		}
		if only != "" {
			// For profiling the server under this load from outside.
			fmt.Printf("serve pid %d on %s, bare Fiber pid %d\n", srv.cmd.Process.Pid, srv.Addr, bare.cmd.Process.Pid)
		}
		Load(srv.Addr, nearest, conns, time.Second, limit, fc) // warm-up
		gc0 := len(srv.GCs())
		measureBare()
		for i := range runs {
			runs[i].res, runs[i].cpu, runs[i].clientCPU = loadCPU(srv, runs[i].targets, runs[i].ok)
			measureBare()
		}
		gcs := srv.GCs()[gc0:]
		rssLoad, _ := srv.RSS()
		wrkRows := wrkRuns(b, ctx, srv, bare, runs, conns, runFor)
		srv.Stop()
		bare.Stop()

		bareRates := make([]string, len(bareRuns))
		var bareRes Result // the best of the bare runs, for the metrics
		bareRequests := 0
		for i, r := range bareRuns {
			bareRates[i] = fmt.Sprintf("%.0f", r.Rate())
			if r.Rate() > bareRes.Rate() {
				bareRes = r
			}
			bareRequests += r.Requests
		}
		bareCPUReq := bareCPU / time.Duration(max(1, bareRequests))
		row("bare Fiber, fixed 300 B JSON, 64 connections (before, between and after yizhan's runs)",
			fmt.Sprintf("%s req/s; best run %s; server CPU %.1f µs/request, client %.1f", strings.Join(bareRates, ", "), bareRes, us(bareCPUReq),
				us(bareClientCPU/time.Duration(max(1, bareRequests)))))
		for i, r := range runs {
			ceiling := (bareRuns[i].Rate() + bareRuns[i+1].Rate()) / 2
			if i == 0 {
				b.ReportMetric(100*r.res.Rate()/ceiling, "nearest_%_of_bare")
			}
			row(r.name+", 64 connections", fmt.Sprintf("%s; %.1f%% of bare Fiber (the mean of the runs before and after); server CPU %.1f µs/request (%.1f× bare's), client %.1f",
				r.res, 100*r.res.Rate()/ceiling, us(r.cpu), float64(r.cpu)/float64(max(1, bareCPUReq)), us(r.clientCPU)))
			if r.res.Errors > 0 {
				b.Errorf("%s: %d of %d requests failed", r.name, r.res.Errors, r.res.Requests)
			}
		}
		for _, r := range wrkRows {
			row(r[0], r[1])
		}
		row("GC during the load runs", gcSummary(gcs))
		row("memory after the load runs (VmRSS)", fmt.Sprintf("%.0f MB = %.0f B/record", mb(rssLoad), float64(rssLoad)/float64(n)))
		b.ReportMetric(srv.Ready.Seconds(), "startup_s")
		b.ReportMetric(float64(rssGC)/float64(n), "rss_B/record")
		b.ReportMetric(runs[0].res.Rate(), "nearest_req/s")
		b.ReportMetric(ms(runs[0].res.P99), "nearest_p99_ms")
		if len(runs) == 3 {
			b.ReportMetric(runs[1].res.Rate(), "within_req/s")
			b.ReportMetric(runs[2].res.Rate(), "box_req/s")
		}
		b.ReportMetric(bareRes.Rate(), "bare_req/s")

		if os.Getenv(pgtest.EnvURL) != "" && only == "" {
			postGIS(b, ctx, bin, file, n, points, runFor, row, []Result{runs[0].res, runs[1].res, runs[2].res})
		}
	}
	b.ReportMetric(0, "ns/op")
	var t strings.Builder
	t.WriteString("\n| at " + strconv.Itoa(n) + " clustered records | |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&t, "| %s | %s |\n", r[0], r[1])
	}
	// The table goes to stdout whole (a benchmark's log is cut short).
	fmt.Print(t.String())
}

// wrkRuns repeats the HTTP runs with wrk where it is installed, each
// between two runs of wrk on the bare server, and gives their rows: the
// Go client's own cost a request is a third of the total, wrk's far less,
// so the ratio to bare Fiber is measured both ways.
func wrkRuns(b *testing.B, ctx context.Context, srv, bare *Process, runs []httpRun, conns int, runFor time.Duration) [][2]string {
	wrk := FindWrk()
	if wrk == "" {
		return [][2]string{{"the same runs with wrk", "not measured: no wrk on this machine (apt-get install wrk)"}}
	}
	dir := b.TempDir()
	drive := func(p *Process, targets []string) (Result, time.Duration) {
		c0, _ := p.CPU()
		r, err := Wrk(ctx, wrk, p.Addr, targets, conns, runFor, dir)
		if err != nil {
			b.Fatal(err)
		}
		c1, _ := p.CPU()
		if r.Errors > 0 {
			b.Errorf("wrk on %s: %d of %d requests failed", targets[0], r.Errors, r.Requests)
		}
		return r, (c1 - c0) / time.Duration(max(1, r.Requests))
	}
	var rows [][2]string
	before, bareCPU := drive(bare, []string{"/"})
	rates := []string{fmt.Sprintf("%.0f", before.Rate())}
	best := before
	for _, run := range runs {
		r, cpu := drive(srv, run.targets)
		after, afterCPU := drive(bare, []string{"/"})
		rates = append(rates, fmt.Sprintf("%.0f", after.Rate()))
		if after.Rate() > best.Rate() {
			best = after
		}
		ceiling := (before.Rate() + after.Rate()) / 2
		rows = append(rows, [2]string{run.name + ", wrk, 64 connections", fmt.Sprintf("%s; %.1f%% of bare Fiber under wrk; server CPU %.1f µs/request (bare %.1f)",
			r, 100*r.Rate()/ceiling, us(cpu), us((bareCPU+afterCPU)/2))})
		if run.name == runs[0].name {
			b.ReportMetric(100*r.Rate()/ceiling, "wrk_nearest_%_of_bare")
		}
		before, bareCPU = after, afterCPU
	}
	return append([][2]string{{"bare Fiber under wrk (before, between and after)", strings.Join(rates, ", ") + " req/s; best run " + best.String()}}, rows...)
}

// targets are the request paths of the three HTTP runs at points.
func targets(points []orb.Point) (nearest, within, box []string) {
	for _, p := range points {
		ll := fmt.Sprintf("lon=%.6f&lat=%.6f", p.Lon(), p.Lat())
		nearest = append(nearest, "/v1/stations/nearest?"+ll+"&k=5")
		within = append(within, "/v1/stations/within?"+ll+"&radius_m=15000&limit=1")
		box = append(box, fmt.Sprintf("/v1/stations?bbox=%.6f,%.6f,%.6f,%.6f&limit=1", p.Lon()-0.25, p.Lat()-0.25, p.Lon()+0.25, p.Lat()+0.25))
	}
	return nearest, within, box
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// gcSummary is how many GCs ran and their stop-the-world pauses.
func gcSummary(gcs []GC) string {
	if len(gcs) == 0 {
		return "no GC"
	}
	pauses := make([]time.Duration, len(gcs))
	for i, gc := range gcs {
		pauses[i] = gc.Pause
	}
	slices.Sort(pauses)
	return fmt.Sprintf("%d GCs; stop-the-world pause p50 %.2f ms, p99 %.2f ms, max %.2f ms", len(gcs),
		ms(quantile(pauses, 0.5)), ms(quantile(pauses, 0.99)), ms(pauses[len(pauses)-1]))
}

// postGIS imports the file into a fresh database, starts a server on it,
// and runs PostGIS's own queries at the same points with 8 connections.
func postGIS(b *testing.B, ctx context.Context, bin, file string, n int, points []orb.Point, runFor time.Duration, row func(string, string), ours []Result) {
	url := pgtest.Database(b)
	env := []string{"DATABASE_URL=" + url}
	if _, _, out, err := Run(ctx, bin, []string{"migrate"}, env); err != nil {
		b.Fatalf("migrate: %v: %s", err, out)
	}
	changed, err := changedFile(file, n)
	if err != nil {
		b.Fatal(err)
	}
	for _, run := range []struct{ what, file string }{
		{"into an empty table", file},
		{"again (nothing changes)", file},
		{"again with 1% of the records changed", changed},
	} {
		took, cpu, _, err := Run(ctx, bin, []string{"import", run.file}, env)
		if err != nil {
			b.Fatal(err)
		}
		row("yizhan import of the GeoJSON file "+run.what, fmt.Sprintf("%.2f s (%.2f s of CPU in yizhan)", took.Seconds(), cpu.Seconds()))
	}

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	for _, sql := range []string{
		"CREATE INDEX stations_geog_idx ON stations USING gist ((geom::geography)) WHERE NOT deleted",
		"VACUUM ANALYZE stations",
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}

	srv, err := Start(ctx, bin, []string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, env, "/readyz", 5*time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	cpu, _ := srv.CPU()
	row("start-up from PostGIS (serve, LoadAll, to the first 200 of /readyz)", fmt.Sprintf("%.2f s (%.2f s of CPU in yizhan)", srv.Ready.Seconds(), cpu.Seconds()))
	srv.Stop()

	queries := []struct{ name, sql string }{
		{"PostGIS KNN-5 on geography (ids)", `SELECT id FROM stations WHERE NOT deleted
			ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT 5`},
		{"PostGIS ST_DWithin 15 km count on geography", `SELECT count(*) FROM stations WHERE NOT deleted
			AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 15000)`},
		{"PostGIS && count in a 0.5° box", `SELECT count(*) FROM stations WHERE NOT deleted
			AND geom && ST_MakeEnvelope($1 - 0.25, $2 - 0.25, $1 + 0.25, $2 + 0.25, 4326)`},
	}
	for i, q := range queries {
		loadSQL(ctx, pool, q.sql, points, 8, time.Second) // warm-up: the import left cold pages
		res := loadSQL(ctx, pool, q.sql, points, 8, runFor)
		row(q.name+", 8 connections (Go client)", fmt.Sprintf("%s; ours %.1f×", res, ours[i].Rate()/res.Rate()))
		if res.Errors > 0 {
			b.Errorf("%s: %d errors", q.name, res.Errors)
		}
	}
	// PostgreSQL's own load generator spends far less of the shared cores
	// on itself than a Go driver does, so PostGIS goes faster under it:
	// the fairer comparison, and how PostGIS is measured from outside.
	pgbench := FindPgbench()
	if pgbench == "" {
		row("PostGIS under pgbench", "not measured: no pgbench on this machine")
		return
	}
	for i, q := range queries {
		res, err := Pgbench(ctx, pgbench, url, q.sql, points, 8, runFor, filepath.Join(b.TempDir(), "pgbench"))
		if err != nil {
			b.Fatalf("%s: %v", q.name, err)
		}
		row(q.name+", pgbench, 8 connections", fmt.Sprintf("%s; ours %.1f×", res, ours[i].Rate()/res.Rate()))
		if res.Errors > 0 {
			b.Errorf("%s under pgbench: %d errors", q.name, res.Errors)
		}
	}
}

// changedFile writes, beside file, the workload's n records (seed 1, as
// file holds them) with every hundredth one's address changed, and
// returns its path: the import that rewrites 1% of the table.
func changedFile(file string, n int) (string, error) {
	stations := workload.New(1).Stations(n, 1)
	for i := 0; i < len(stations); i += 100 {
		cp := *stations[i]
		cp.Address = "changed"
		stations[i] = &cp
	}
	path := strings.TrimSuffix(file, ".geojson") + "-changed.geojson"
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := data.EncodeStations(w, stations); err != nil {
		f.Close()
		return "", err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// loadSQL runs sql with each point's lon and lat from conns goroutines
// for d, like Load.
func loadSQL(ctx context.Context, pool *pgxpool.Pool, sql string, points []orb.Point, conns int, d time.Duration) Result {
	per := make([][]time.Duration, conns)
	errs := make([]int, conns)
	done := make(chan int, conns)
	start := time.Now()
	deadline := start.Add(d)
	for w := range conns {
		go func() {
			defer func() { done <- w }()
			for i := w; ; i += conns {
				p := points[i%len(points)]
				t0 := time.Now()
				rows, err := pool.Query(ctx, sql, p.Lon(), p.Lat())
				if err == nil {
					for rows.Next() {
					}
					rows.Close()
					err = rows.Err()
				}
				t1 := time.Now()
				per[w] = append(per[w], t1.Sub(t0))
				if err != nil {
					errs[w]++
				}
				if t1.After(deadline) {
					return
				}
			}
		}()
	}
	for range conns {
		<-done
	}
	r := summarize(slices.Concat(per...))
	r.Elapsed = time.Since(start)
	for _, e := range errs {
		r.Errors += e
	}
	return r
}
