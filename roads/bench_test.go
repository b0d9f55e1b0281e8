package roads_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data/postgis/pgtest"
	"yizhan/data/source"
	"yizhan/roads"
)

// The Andorra benchmarks, side by side with pgRouting on the same edges
// when YIZHAN_TEST_DATABASE_URL is set (make bench).

func BenchmarkAndorraBuild(b *testing.B) {
	b.Run("read+build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(andorraPBF)
			if err != nil {
				b.Fatal(err)
			}
			ways, err := source.ReadRoads(context.Background(), f)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := roads.Build(ways); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		_, ways := network(b, andorraPBF)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := roads.Build(ways); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAndorraReach15Drive(b *testing.B) {
	n, _ := network(b, andorraPBF)
	p := roads.DefaultProfile(roads.Drive)
	ctx := context.Background()
	b.Run("search", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			if _, err := n.Search(ctx, []orb.Point{andorraLaVella}, 900, &p); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("polygon", func(b *testing.B) { // the area alone, as /v1/reach answers by default
		b.ReportAllocs()
		var r *roads.Reach
		cpu := cpuTime()
		for b.Loop() {
			var err error
			if r, err = n.ReachArea(ctx, andorraLaVella, 900, &p); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(r.AreaKm2, "km2")
	})
	b.Run("polygon+roads", func(b *testing.B) { // and the reached roads as lines
		b.ReportAllocs()
		var r *roads.Reach
		cpu := cpuTime()
		for b.Loop() {
			var err error
			if r, err = n.Reach(ctx, andorraLaVella, 900, &p); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(r.AreaKm2, "km2")
	})
	b.Run("area", func(b *testing.B) { // the buffer and its tracing alone
		r, err := n.Reach(ctx, andorraLaVella, 900, &p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			if _, err := roads.BufferArea(ctx, r.Roads); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
}

func BenchmarkAndorraRouteBorders(b *testing.B) {
	n, _ := network(b, andorraPBF)
	ctx := context.Background()
	p := roads.DefaultProfile(roads.Drive)
	if _, err := n.Prepare(ctx, &p); err != nil {
		b.Fatal(err)
	}
	// Side by side on the prepared profile: each search alone.
	for _, algo := range []string{"dijkstra", "astar", "landmarks", "ch"} {
		b.Run(algo, func(b *testing.B) {
			b.ReportAllocs()
			var r *roads.Route
			for b.Loop() {
				var err error
				if r, err = n.RouteBy(ctx, []orb.Point{borderSpain, borderFrance}, &p, algo); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(r.DurationS, "route_s")
		})
	}
	b.Run("prepare", func(b *testing.B) {
		p := roads.DefaultProfile(roads.Drive)
		for i := 0; b.Loop(); i++ {
			p.MaxKmh = 999 - float64(i)*1e-6 // a new profile each time, the same routes
			if _, err := n.Prepare(ctx, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prepare_ch", func(b *testing.B) {
		var sc, bytes int64
		for b.Loop() {
			var err error
			if sc, bytes, err = n.PrepareHierarchy(ctx, &p); err != nil {
				b.Fatal(err)
			}
		}
		edges := float64(n.Stats().Edges)
		b.ReportMetric(float64(sc)/edges, "shortcuts/edge")
		b.ReportMetric(float64(bytes)/edges, "B/edge")
	})
}

// andorraStations are the service places of the Andorra extract (fuel,
// rest areas, border controls): the sources of the coverage benchmark.
func andorraStations(b *testing.B) []orb.Point {
	raw, err := os.ReadFile("../data/testdata/osm/andorra_service_pois.geojson")
	if err != nil {
		b.Fatal(err)
	}
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(raw, &fc); err != nil {
		b.Fatal(err)
	}
	var pts []orb.Point
	for _, f := range fc.Features {
		pts = append(pts, f.Geometry.Bound().Center())
	}
	return pts
}

// BenchmarkAndorraCoverage is coverage by drive time from every station
// at once: one 15-minute multi-source search and every reached road part
// with its times.
func BenchmarkAndorraCoverage(b *testing.B) {
	n, _ := network(b, andorraPBF)
	p := roads.DefaultProfile(roads.Drive)
	pts := andorraStations(b)
	ctx := context.Background()
	b.ReportAllocs()
	parts := 0
	for b.Loop() {
		t, err := n.Search(ctx, pts, 900, &p)
		if err != nil {
			b.Fatal(err)
		}
		parts = 0
		t.Reached(func(orb.LineString, float64, float64) bool { parts++; return true })
	}
	b.ReportMetric(float64(len(pts)), "sources")
	b.ReportMetric(float64(parts), "parts")
}

// BenchmarkAndorraNearest3 is "the 3 nearest service places by drive
// time" from Andorra la Vella, within an hour.
func BenchmarkAndorraNearest3(b *testing.B) {
	n, _ := network(b, andorraPBF)
	p := roads.DefaultProfile(roads.Drive)
	pts := andorraStations(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		hits, err := n.Nearest(ctx, andorraLaVella, pts, 3, 3600, &p)
		if err != nil || len(hits) != 3 {
			b.Fatalf("%v, %v", hits, err)
		}
	}
}

// BenchmarkPgRoutingAndorra runs the same searches in pgRouting on the
// same edges: pgr_drivingDistance from the junction where Andorra la
// Vella snaps, pgr_dijkstra between the border crossings' junctions.
func BenchmarkPgRoutingAndorra(b *testing.B) {
	pgtest.ServerURL(b)
	n, _ := network(b, andorraPBF)
	p := roads.DefaultProfile(roads.Drive)
	conn := loadPgRouting(b, n, &p)
	ctx := context.Background()
	junction := func(pt orb.Point) int64 {
		best, bd := int64(0), 1e18
		for i := range n.NodeCount() {
			q := n.NodePoint(uint32(i))
			if d := (q[0]-pt[0])*(q[0]-pt[0]) + (q[1]-pt[1])*(q[1]-pt[1]); d < bd {
				best, bd = int64(i), d
			}
		}
		return best + 1
	}
	centre, spain, france := junction(andorraLaVella), junction(borderSpain), junction(borderFrance)
	count := func(b *testing.B, sql string, args ...any) int {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			b.Fatal(err)
		}
		k, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int64, error) { var v int64; return v, r.Scan(&v) })
		if err != nil {
			b.Fatal(err)
		}
		return len(k)
	}
	b.Run("reach15min", func(b *testing.B) {
		k := 0
		for b.Loop() {
			k = count(b, "SELECT node FROM pgr_drivingDistance($1, $2::bigint, 900::float8, true)", edgesSQL, centre)
		}
		b.ReportMetric(float64(k), "nodes")
	})
	b.Run("route_borders", func(b *testing.B) {
		for b.Loop() {
			if count(b, "SELECT node FROM pgr_dijkstra($1, $2::bigint, $3::bigint, true)", edgesSQL, spain, france) == 0 {
				b.Fatal("pgRouting found no route between the borders")
			}
		}
	})
}

// reportCPU reports the process's CPU time per iteration since start
// (cpuTime), beside the wall time: the targets are CPU, and on a shared
// machine the wall time also counts waiting for a core.
func reportCPU(b *testing.B, start time.Duration) {
	if start == 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
