package procbench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/data/postgis/pgtest"
)

func TestPgbenchSQL(t *testing.T) {
	got := pgbenchSQL("SELECT id FROM t\n\t\tORDER BY geom <-> ST_MakePoint($1, $2)", orb.Point{110.1234564, -44.5})
	if want := "SELECT id FROM t ORDER BY geom <-> ST_MakePoint(110.123456, -44.500000)"; got != want {
		t.Errorf("pgbenchSQL = %q; want %q", got, want)
	}
}

func TestPgbenchLogs(t *testing.T) {
	dir := t.TempDir()
	logs := map[string]string{
		"log.123":   "0 0 1500 3 1733000000 1\n0 1 500 7 1733000000 2\n1 0 failed 2 1733000000 3\n",
		"log.123.1": "2 0 2500 0 1733000000 4\n",
	}
	for name, body := range logs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := pgbenchLogs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 3 || r.Errors != 1 || r.P50 != 1500*time.Microsecond || r.Max != 2500*time.Microsecond {
		t.Errorf("pgbenchLogs = %+v; want 3 requests, 1 error, p50 1.5 ms, max 2.5 ms", r)
	}
	if _, err := pgbenchLogs(t.TempDir()); err == nil {
		t.Error("pgbenchLogs of an empty directory: no error")
	}
	os.WriteFile(filepath.Join(dir, "log.9"), []byte("0 0 soon 0 1 1\n"), 0o644)
	if _, err := pgbenchLogs(dir); err == nil {
		t.Error("pgbenchLogs of a line without a latency: no error")
	}
}

func TestPgbenchElapsed(t *testing.T) {
	out := "pgbench (15.10)\nnumber of transactions actually processed: 8000\nlatency average = 1.8 ms\ntps = 4000.000 (without initial connection time)\n"
	if got, err := pgbenchElapsed(out, 8000); err != nil || got != 2*time.Second {
		t.Errorf("pgbenchElapsed = %v, %v; want 2s", got, err)
	}
	for _, bad := range []string{"", "tps = \n", "tps = zero (x)\n", "tps = 0 (x)\n"} {
		if _, err := pgbenchElapsed(bad, 10); err == nil {
			t.Errorf("pgbenchElapsed(%q): no error", bad)
		}
	}
}

// TestPgbench runs the real pgbench for a second against a real PostGIS
// table, as the whole-process benchmark does at scale.
func TestPgbench(t *testing.T) {
	url := pgtest.Database(t)
	pgbench := FindPgbench()
	if pgbench == "" {
		if os.Getenv("REQUIRE_POSTGIS") == "1" {
			t.Fatal("REQUIRE_POSTGIS=1 but no pgbench is installed (Debian: postgresql-15)")
		}
		t.Skip("no pgbench")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE pts AS SELECT i AS id, point(i % 100, i / 100) AS p FROM generate_series(0, 9999) i`); err != nil {
		t.Fatal(err)
	}
	points := []orb.Point{{10, 20}, {50.5, 60.25}, {99, 0}}
	r, err := Pgbench(ctx, pgbench, url, `SELECT id FROM pts ORDER BY p <-> point($1, $2) LIMIT 5`, points, 2, time.Second, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests < 10 || r.Errors != 0 || r.Rate() <= 0 || r.P50 <= 0 || r.P99 < r.P50 {
		t.Errorf("pgbench run = %+v (%.0f/s); want ≥ 10 transactions, no errors, sane latencies", r, r.Rate())
	}
}
