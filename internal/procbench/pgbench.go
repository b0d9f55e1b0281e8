package procbench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// PgbenchScripts is how many query points a pgbench run takes: one script
// each, since pgbench cannot read a list of points, and it takes at most
// 128 scripts.
const PgbenchScripts = 100

// FindPgbench is the path of PostgreSQL's own load generator, pgbench, or
// "" where none is installed: on PATH, else in Debian's
// /usr/lib/postgresql/VERSION/bin.
func FindPgbench() string {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(found) == 0 {
		return ""
	}
	return found[len(found)-1]
}

// Pgbench drives sql (with $1 the longitude and $2 the latitude) with
// pgbench on url: conns clients on two threads for d, in prepared mode,
// over the first PgbenchScripts points, each written into its own script
// as literals, every script chosen equally often. This is how PostGIS is
// measured from outside, by a client written in C whose own cost per
// query is far below a Go driver's; the latencies come from pgbench's
// per-transaction log. dir holds the scripts and the logs.
func Pgbench(ctx context.Context, pgbench, url, sql string, points []orb.Point, conns int, d time.Duration, dir string) (Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, err
	}
	args := []string{"-n", "-c", strconv.Itoa(conns), "-j", "2", "-T", strconv.Itoa(max(1, int(d.Seconds()))),
		"-M", "prepared", "-l", "--log-prefix", filepath.Join(dir, "log")}
	for i, p := range points[:min(len(points), PgbenchScripts)] {
		script := filepath.Join(dir, fmt.Sprintf("q%03d.sql", i))
		if err := os.WriteFile(script, []byte(pgbenchSQL(sql, p)+";\n"), 0o644); err != nil {
			return Result{}, err
		}
		args = append(args, "-f", script+"@1")
	}
	args = append(args, url)
	out, err := exec.CommandContext(ctx, pgbench, args...).CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	r, err := pgbenchLogs(dir)
	if err != nil {
		return Result{}, err
	}
	r.Elapsed, err = pgbenchElapsed(string(out), r.Requests)
	return r, err
}

// pgbenchSQL is sql with $1 and $2 replaced by the point's longitude and
// latitude, six decimals, as the HTTP runs ask.
func pgbenchSQL(sql string, p orb.Point) string {
	sql = strings.Join(strings.Fields(sql), " ")
	return strings.NewReplacer(
		"$1", strconv.FormatFloat(p.Lon(), 'f', 6, 64),
		"$2", strconv.FormatFloat(p.Lat(), 'f', 6, 64),
	).Replace(sql)
}

// pgbenchLogs reads the per-transaction logs pgbench wrote into dir
// ("client transaction latency_us script epoch us" a line) into a
// Result without its Elapsed.
func pgbenchLogs(dir string) (Result, error) {
	logs, err := filepath.Glob(filepath.Join(dir, "log.*"))
	if err != nil || len(logs) == 0 {
		return Result{}, fmt.Errorf("pgbench wrote no log in %s", dir)
	}
	var (
		lat    []time.Duration
		failed int
	)
	for _, name := range logs {
		f, err := os.Open(name)
		if err != nil {
			return Result{}, err
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(s.Text())
			if len(fields) < 3 {
				continue
			}
			if fields[2] == "failed" || fields[2] == "skipped" {
				failed++
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				f.Close()
				return Result{}, fmt.Errorf("pgbench log %s: %q: %w", name, s.Text(), err)
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		f.Close()
		if err := s.Err(); err != nil {
			return Result{}, err
		}
	}
	r := summarize(lat)
	r.Errors = failed
	return r, nil
}

// pgbenchElapsed is the run's duration, from the rate pgbench printed
// ("tps = 4411.2 (without initial connection time)") and the
// transactions its logs hold.
func pgbenchElapsed(out string, requests int) (time.Duration, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "tps = ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		tps, err := strconv.ParseFloat(f[0], 64)
		if err != nil || tps <= 0 {
			return 0, fmt.Errorf("pgbench: rate %q", line)
		}
		return time.Duration(float64(requests) / tps * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("pgbench printed no rate: %s", out)
}
