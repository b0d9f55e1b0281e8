package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/internal/workload"
)

// BenchmarkClustered1M measures the import and the start-up load on the
// clustered workload (package workload, seed 1: the records of
// BenchmarkWholeProcess), each on its own, YIZHAN_BENCH_RECORDS records
// (default 1,000,000). Skipped without a test database.
//
//   - ImportEmpty: UpsertStations of every record, in one call as
//     `yizhan import` makes it, into an empty table (a fresh database for
//     each iteration, made outside the timer);
//
//   - ImportUnchanged: the same records again, into the table they filled:
//     nothing is written;
//
//   - Import1PctChanged: the same records with 1% of them changed (a
//     different change each iteration);
//
//   - LoadAll: LoadAll and the snapshot built from it (what start-up does
//     before the server is ready), on the table after VACUUM ANALYZE; the
//     metrics loadall_s and snapshot_s split the time between the two.
//
//   - LoadAllServer: the COPY of LoadAll alone, its rows thrown away.
//
//     YIZHAN_TEST_DATABASE_URL=... go test ./data/postgis -run '^$' -bench Clustered1M -benchtime 3x -timeout 30m
func BenchmarkClustered1M(b *testing.B) {
	n := envRecords(b)
	ctx := context.Background()
	stations := workload.New(1).Stations(n, 1)
	all := valid(b, stations)

	// The table the benchmarks after ImportEmpty share, filled by the
	// first that runs (whose databases are dropped with it).
	shared, _ := migratedDB(b)
	isFilled := false
	fill := func(b *testing.B) *DB {
		if !isFilled {
			if _, err := shared.UpsertStations(ctx, all); err != nil {
				b.Fatal(err)
			}
			isFilled = true
		}
		return shared
	}
	records := func(b *testing.B, elapsed float64) {
		b.ReportMetric(float64(n)/(elapsed/float64(b.N)), "records/s")
	}

	b.Run("ImportEmpty", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db, _ := migratedDB(b)
			b.StartTimer()
			got, err := db.UpsertStations(ctx, all)
			if err != nil || got != int64(n) {
				b.Fatalf("UpsertStations = %d, %v; want %d", got, err, n)
			}
		}
		records(b, b.Elapsed().Seconds())
	})
	b.Run("ImportUnchanged", func(b *testing.B) {
		db := fill(b)
		b.ResetTimer()
		for range b.N {
			if got, err := db.UpsertStations(ctx, all); err != nil || got != 0 {
				b.Fatalf("UpsertStations = %d, %v; want 0", got, err)
			}
		}
		records(b, b.Elapsed().Seconds())
	})
	round := 0 // across the runs of the benchmark, so that each changes the rows again
	b.Run("Import1PctChanged", func(b *testing.B) {
		db := fill(b)
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			round++
			changed := make([]*data.Station, len(stations))
			want := 0
			for i, st := range stations {
				changed[i] = st
				if i%100 == 0 {
					cp := *st
					cp.Address = "changed " + strconv.Itoa(round)
					changed[i] = &cp
					want++
				}
			}
			v := valid(b, changed)
			b.StartTimer()
			if got, err := db.UpsertStations(ctx, v); err != nil || got != int64(want) {
				b.Fatalf("UpsertStations = %d, %v; want %d", got, err, want)
			}
		}
		records(b, b.Elapsed().Seconds())
	})
	b.Run("LoadAll", func(b *testing.B) {
		db := fill(b)
		if _, err := db.pool.Exec(ctx, "VACUUM ANALYZE stations"); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		var load, build time.Duration   // LoadAll's share and the snapshot's
		var cpu, buildCPU time.Duration // the CPU time each takes in this process
		for range b.N {
			c0 := processCPU(b)
			t0 := time.Now()
			got, v, err := db.LoadAll(ctx)
			if err != nil || len(got) != n || v == 0 {
				b.Fatalf("LoadAll = %d records, version %d, %v", len(got), v, err)
			}
			t1 := time.Now()
			c1 := processCPU(b)
			cpu += c1 - c0
			if snap := catalog.NewSnapshot(got, v); snap.Len() != n {
				b.Fatalf("snapshot of %d records, want %d", snap.Len(), n)
			}
			load, build = load+t1.Sub(t0), build+time.Since(t1)
			buildCPU += processCPU(b) - c1
		}
		records(b, b.Elapsed().Seconds())
		b.ReportMetric(load.Seconds()/float64(b.N), "loadall_s")
		b.ReportMetric(build.Seconds()/float64(b.N), "snapshot_s")
		b.ReportMetric(cpu.Seconds()/float64(b.N), "loadall_cpu_s")
		b.ReportMetric(buildCPU.Seconds()/float64(b.N), "snapshot_cpu_s")
	})

	// LoadAllServer is LoadAll's COPY with the rows thrown away as they
	// arrive, in as many page ranges on as many connections: what the
	// server and the wire cost, which no decoding can go below.
	b.Run("LoadAllServer", func(b *testing.B) {
		db := fill(b)
		var pages int64
		if err := db.pool.QueryRow(ctx, "SELECT pg_relation_size('stations') / current_setting('block_size')::int").Scan(&pages); err != nil {
			b.Fatal(err)
		}
		parts := int64(min(runtime.GOMAXPROCS(0), 8))
		b.ResetTimer()
		for range b.N {
			var wg sync.WaitGroup
			errs := make([]error, parts)
			for i := range parts {
				wg.Go(func() {
					sql := fmt.Sprintf("COPY (SELECT %s FROM stations WHERE NOT deleted AND ctid >= '(%d,0)'::tid AND ctid < '(%d,0)'::tid) TO STDOUT (FORMAT binary)",
						selectColumns, pages*i/parts, pages*(i+1)/parts+boolInt(i == parts-1))
					conn, err := db.pool.Acquire(ctx)
					if err != nil {
						errs[i] = err
						return
					}
					defer conn.Release()
					_, errs[i] = conn.Conn().PgConn().CopyTo(ctx, io.Discard, sql)
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				b.Fatal(err)
			}
		}
		records(b, b.Elapsed().Seconds())
	})
}

// envRecords is YIZHAN_BENCH_RECORDS, or 1,000,000.
func envRecords(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("YIZHAN_BENCH_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("YIZHAN_BENCH_RECORDS=%q: %v", s, err)
		}
		n = v
	}
	return n
}

// boolInt is 1 for true: the last page range reaches past the last page.
func boolInt(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// processCPU is the user and system CPU time this process has used: on a
// shared machine it measures the decoding better than the wall clock.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
