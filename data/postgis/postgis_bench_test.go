package postgis

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/internal/recordtest"
)

// BenchmarkPostGIS1M loads YIZHAN_BENCH_RECORDS records (default
// 1,000,000) into a fresh database and measures, side by side: import
// throughput (UpsertStations in batches), LoadAll (the start-up load),
// PostGIS's own KNN (ORDER BY geom <-> point LIMIT 5) and the in-memory
// nearest-5 on the loaded snapshot. Skipped without a test database.
//
//	YIZHAN_TEST_DATABASE_URL=... go test ./data/postgis -run '^$' -bench PostGIS1M -benchtime 3x
func BenchmarkPostGIS1M(b *testing.B) {
	n := envRecords(b)
	db, _ := migratedDB(b)
	ctx := context.Background()
	stations := recordtest.Random(rand.New(rand.NewPCG(11, 12)), n)
	const batch = 50_000
	start := time.Now()
	for i := 0; i < len(stations); i += batch {
		if _, err := db.UpsertStations(ctx, valid(b, stations[i:min(i+batch, len(stations))])); err != nil {
			b.Fatalf("UpsertStations: %v", err)
		}
	}
	took := time.Since(start)
	b.Logf("import: %d records in %v (%.0f records/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	if _, err := db.pool.Exec(ctx, "VACUUM ANALYZE stations"); err != nil {
		b.Fatal(err)
	}
	stations = nil

	var snap *catalog.Snapshot
	b.Run("LoadAll", func(b *testing.B) {
		b.ReportAllocs()
		// LoadAll's share of the time and the snapshot's, and the CPU
		// time of each in this process: on a shared machine the CPU
		// time is the steadier measure.
		var load, build, loadCPU, buildCPU time.Duration
		for b.Loop() {
			c0, t0 := processCPU(b), time.Now()
			got, v, err := db.LoadAll(ctx)
			if err != nil || len(got) != n || v == 0 {
				b.Fatalf("LoadAll = %d records, version %d, %v", len(got), v, err)
			}
			c1, t1 := processCPU(b), time.Now()
			snap = catalog.NewSnapshot(got, v)
			load, build = load+t1.Sub(t0), build+time.Since(t1)
			loadCPU, buildCPU = loadCPU+c1-c0, buildCPU+processCPU(b)-c1
		}
		b.ReportMetric(float64(n)/(float64(b.Elapsed().Seconds())/float64(b.N)), "records/s")
		b.ReportMetric(load.Seconds()/float64(b.N), "loadall_s")
		b.ReportMetric(build.Seconds()/float64(b.N), "snapshot_s")
		b.ReportMetric(loadCPU.Seconds()/float64(b.N), "loadall_cpu_s")
		b.ReportMetric(buildCPU.Seconds()/float64(b.N), "snapshot_cpu_s")
	})
	// What each way of reading the rows costs before any decoding: the
	// query protocol (what LoadAll uses, rows read and dropped) and
	// binary COPY out. LoadAll's own time above is this plus decoding,
	// which it spreads over the cores.
	b.Run("TransferQuery", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.pool.Query(ctx, "SELECT "+selectColumns+" FROM stations WHERE NOT deleted")
			if err != nil {
				b.Fatal(err)
			}
			k := 0
			for rows.Next() {
				k++
			}
			rows.Close()
			if rows.Err() != nil || k != n {
				b.Fatalf("read %d rows, %v", k, rows.Err())
			}
		}
		b.ReportMetric(float64(n)/(float64(b.Elapsed().Seconds())/float64(b.N)), "records/s")
	})
	b.Run("TransferCopyBinary", func(b *testing.B) {
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Release()
		for b.Loop() {
			tag, err := conn.Conn().PgConn().CopyTo(ctx, io.Discard, "COPY (SELECT "+selectColumns+" FROM stations WHERE NOT deleted) TO STDOUT (FORMAT binary)")
			if err != nil || tag.RowsAffected() != int64(n) {
				b.Fatalf("COPY = %v, %v", tag, err)
			}
		}
		b.ReportMetric(float64(n)/(float64(b.Elapsed().Seconds())/float64(b.N)), "records/s")
	})
	if snap == nil {
		got, v, err := db.LoadAll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		snap = catalog.NewSnapshot(got, v)
	}
	r := rand.New(rand.NewPCG(13, 14))
	point := func() orb.Point { return orb.Point{97 + r.Float64()*29, 37 + r.Float64()*16} }
	// The query benchmarks run queriesPerOp queries per iteration, so that
	// a small -benchtime Nx (for LoadAll) still times many queries; see
	// the µs/query metric.
	const queriesPerOp = 500
	b.Run("PostGISKNN5", func(b *testing.B) {
		for b.Loop() {
			for range queriesPerOp {
				p := point()
				rows, err := db.pool.Query(ctx, `SELECT id FROM stations WHERE NOT deleted
				ORDER BY geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326) LIMIT 5`, p.Lon(), p.Lat())
				if err != nil {
					b.Fatal(err)
				}
				k := 0
				for rows.Next() {
					k++
				}
				rows.Close()
				if rows.Err() != nil || k != 5 {
					b.Fatalf("KNN returned %d rows, %v", k, rows.Err())
				}
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*queriesPerOp), "µs/query")
	})
	b.Run("MemoryNearest5", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for range queriesPerOp {
				if got := snap.Nearest(point(), 5, 0, data.Filter{}); len(got) != 5 {
					b.Fatalf("Nearest returned %d", len(got))
				}
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*queriesPerOp), "µs/query")
	})
}
