package postgis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/roads"
)

// testWay is a way with every field set, each to a value of its own, so
// that a column read into the wrong field shows.
func testWay(id int64, start orb.Point) roads.Way {
	s := func(f string) string { return f + "-" + string(rune('a'+id%26)) }
	return roads.Way{
		ID: id,
		Geometry: orb.LineString{start, {start[0] + 0.001, start[1] + 0.0005},
			{start[0] + 0.0023456789012345, start[1] - 1e-9}},
		Nodes:        []int64{id*10 + 1, id*10 + 2, 1<<62 + id},
		Class:        s("class"),
		MaxSpeed:     s("maxspeed"),
		Oneway:       s("oneway"),
		Junction:     s("junction"),
		Access:       s("access"),
		MotorVehicle: s("motor_vehicle"),
		HGV:          s("hgv"),
		Foot:         s("foot"),
		Bicycle:      s("bicycle"),
		MaxWeight:    s("maxweight"),
		MaxHeight:    s("maxheight"),
	}
}

// randomWays are n ways with 2–12 vertices near Andorra, ids from first.
func randomWays(r *rand.Rand, first int64, n int) []roads.Way {
	classes := []string{"motorway", "primary", "secondary", "residential", "service", "track"}
	out := make([]roads.Way, n)
	for i := range out {
		k := 2 + r.IntN(11)
		w := roads.Way{ID: first + int64(i), Class: classes[r.IntN(len(classes))]}
		p := orb.Point{1.4 + r.Float64()*0.4, 42.4 + r.Float64()*0.25}
		for j := 0; j < k; j++ {
			w.Geometry = append(w.Geometry, p)
			w.Nodes = append(w.Nodes, r.Int64N(1<<40))
			p = orb.Point{p[0] + (r.Float64()-0.5)*0.002, p[1] + (r.Float64()-0.5)*0.002}
		}
		if r.IntN(4) == 0 {
			w.MaxSpeed = "50"
		}
		if r.IntN(5) == 0 {
			w.Oneway = "yes"
		}
		out[i] = w
	}
	return out
}

func byWayID(ws []roads.Way) []roads.Way {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b roads.Way) int {
		if a.ID != b.ID {
			return cmp.Compare(a.ID, b.ID)
		}
		return cmp.Compare(a.Nodes[0], b.Nodes[0]) // the pieces of one way
	})
	return out
}

func loadRoads(t *testing.T, db *DB) ([]roads.Way, int64) {
	t.Helper()
	ws, v, skipped, err := db.LoadRoads(context.Background())
	if err != nil {
		t.Fatalf("LoadRoads: %v", err)
	}
	if len(skipped) > 0 {
		t.Fatalf("LoadRoads skipped %v", skipped)
	}
	return byWayID(ws), v
}

func replaceRoads(t testing.TB, db *DB, region string, ways []roads.Way) RoadImport {
	t.Helper()
	rep, err := db.ReplaceRoads(context.Background(), region, ways)
	if err != nil {
		t.Fatalf("ReplaceRoads(%q, %d ways): %v", region, len(ways), err)
	}
	return rep
}

// TestRoadsRoundTrip: every field of a way comes back as written,
// coordinates bit for bit.
func TestRoadsRoundTrip(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	var in []roads.Way
	for i := int64(1); i <= 30; i++ {
		in = append(in, testWay(i, orb.Point{-179.99 + float64(i)*11.3, -89.9 + float64(i)*5.9}))
	}
	// The extremes of the coordinate range, and a way with no tags but its class.
	in = append(in, roads.Way{ID: math.MaxInt64, Class: "track",
		Geometry: orb.LineString{{-180, -90}, {180, 90}, {0, 0}}, Nodes: []int64{1, math.MaxInt64, 1}})
	// A way in three pieces (cut by the extract's edge): one row each.
	piece := testWay(77, orb.Point{1.5, 42.5})
	for k := range 3 {
		p := piece
		p.Nodes = []int64{int64(k)*10 + 1, int64(k)*10 + 2, int64(k)*10 + 3}
		in = append(in, p)
	}
	rep := replaceRoads(t, db, "test", in)
	if rep.Inserted != int64(len(in)) || rep.Updated != 0 || rep.Deleted != 0 || rep.Unchanged != 0 || len(rep.Rejected) != 0 {
		t.Errorf("first import: %+v; want %d inserted and nothing else", rep, len(in))
	}
	got, v := loadRoads(t, db)
	if want := byWayID(in); !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("LoadRoads()[%d] = %+v; want %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("LoadRoads() = %d ways; want %d", len(got), len(want))
	}
	if v != rep.Version || v != int64(len(in)) {
		t.Errorf("LoadRoads version %d, import's %d; want both %d (one per way)", v, rep.Version, len(in))
	}
	if rv, err := db.RoadsVersion(context.Background()); err != nil || rv != v {
		t.Errorf("RoadsVersion() = %d, %v; want %d", rv, err, v)
	}

	// The way loses its middle piece: the last moves up, the middle goes.
	fewer := append(slices.Clone(in[:len(in)-2]), in[len(in)-1])
	rep = replaceRoads(t, db, "test", fewer)
	if rep.Updated != 1 || rep.Deleted != 1 || rep.Inserted != 0 {
		t.Errorf("a piece fewer: %+v; want 1 updated (piece 1 now holds the last), 1 deleted", rep)
	}
	if got, _ := loadRoads(t, db); !reflect.DeepEqual(got, byWayID(fewer)) {
		t.Errorf("after a piece fewer: %d ways; want %d", len(got), len(fewer))
	}
}

// TestRoadsVersioning: an import that changes nothing draws no version;
// a changed way draws one; ways the region's file no longer has become
// tombstones (a version each) and other regions stay; a way another
// region's import carries moves to that region; plain SQL follows the
// same rules as for stations.
func TestRoadsVersioning(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	andorra := randomWays(r, 1, 50)
	other := randomWays(r, 1000, 10)
	replaceRoads(t, db, "andorra", andorra)
	replaceRoads(t, db, "other", other)
	_, v := loadRoads(t, db)
	if v != 60 {
		t.Fatalf("version after 60 new ways: %d; want 60", v)
	}

	rep := replaceRoads(t, db, "andorra", andorra)
	if rep.Unchanged != 50 || rep.Changed() != 0 || rep.Version != v {
		t.Errorf("the same import again: %+v; want 50 unchanged, version %d", rep, v)
	}

	changed := slices.Clone(andorra)
	changed[3].MaxSpeed = "30 mph"
	changed[4].Geometry = slices.Clone(changed[4].Geometry)
	changed[4].Geometry[1][0] += 1e-7
	changed = append(changed[:10], changed[11:]...) // way 11 leaves the file
	rep = replaceRoads(t, db, "andorra", changed)
	if rep.Updated != 2 || rep.Deleted != 1 || rep.Inserted != 0 || rep.Unchanged != 47 || rep.Version != v+3 {
		t.Errorf("two changes and one way gone: %+v; want 2 updated, 1 deleted, 47 unchanged, version %d", rep, v+3)
	}
	got, _ := loadRoads(t, db)
	want := byWayID(append(slices.Clone(changed), other...))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after the changes: %d ways; want %d (the file's and the other region's)", len(got), len(want))
	}
	var deleted bool
	var tv int64
	if err := db.pool.QueryRow(ctx, "SELECT deleted, version FROM roads WHERE id = 11").Scan(&deleted, &tv); err != nil || !deleted || tv <= v {
		t.Errorf("way 11: deleted %v at version %d (%v); want a tombstone above %d", deleted, tv, err, v)
	}

	// Way 11 comes back; way 1000 moves from "other" to "andorra".
	back := append(slices.Clone(changed), andorra[10], other[0])
	rep = replaceRoads(t, db, "andorra", back)
	if rep.Updated != 2 || rep.Inserted != 0 || rep.Deleted != 0 {
		t.Errorf("a tombstone revived and a way moving region: %+v; want 2 updated", rep)
	}
	rep = replaceRoads(t, db, "other", other[1:])
	if rep.Changed() != 0 {
		t.Errorf("the other region without the way it gave up: %+v; want no change", rep)
	}
	var region string
	if err := db.pool.QueryRow(ctx, "SELECT region FROM roads WHERE id = 1000").Scan(&region); err != nil || region != "andorra" {
		t.Errorf("way 1000's region = %q, %v; want andorra, the latest import to carry it", region, err)
	}

	// Plain SQL.
	before, _ := db.RoadsVersion(ctx)
	steps := []struct {
		sql   string
		delta int64
	}{
		{"UPDATE roads SET maxspeed = maxspeed WHERE id = 1", 0},
		{"UPDATE roads SET maxspeed = '70' WHERE id = 1", 1},
		{"DELETE FROM roads WHERE id = 2", 1},
		{"DELETE FROM roads WHERE id = 2", 0},
		{"INSERT INTO roads (id, geom, nodes, class) VALUES (2, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5,6}', 'service')", 1},
		{"INSERT INTO roads (id, geom, nodes, class) VALUES (999999, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5,6}', 'service')", 1},
	}
	for _, s := range steps {
		if _, err := db.pool.Exec(ctx, s.sql); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
		after, _ := db.RoadsVersion(ctx)
		if after-before != s.delta {
			t.Errorf("%s: version moved by %d; want %d", s.sql, after-before, s.delta)
		}
		before = after
	}
	refused := []string{
		"TRUNCATE roads",
		"UPDATE roads SET id = 5000000 WHERE id = 1",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (7000000, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5}', 'service')",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (7000001, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5,6}', ' ')",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (7000002, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5,NULL}', 'service')",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (7000003, 'SRID=4326;LINESTRING(1 42, 181 42.1)', '{5,6}', 'service')",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (7000004, 'SRID=4326;LINESTRING(1 42)', '{5}', 'service')",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (-1, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5,6}', 'service')",
	}
	for _, sql := range refused {
		if _, err := db.pool.Exec(ctx, sql); err == nil {
			t.Errorf("%s: accepted; want it refused", sql)
		}
	}
}

// TestRoadsNotify: an import that changes something notifies RoadChannel
// with the highest version once it commits; one that changes nothing
// sends nothing.
func TestRoadsNotify(t *testing.T) {
	t.Parallel()
	db, u := migratedDB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LISTEN "+RoadChannel); err != nil {
		t.Fatal(err)
	}
	next := func() (string, bool) {
		wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			return "", false
		}
		return n.Payload, true
	}
	ways := randomWays(rand.New(rand.NewPCG(3, 4)), 1, 20)
	rep := replaceRoads(t, db, "r", ways)
	var last string
	for p, ok := next(); ok; p, ok = next() {
		last = p
	}
	if want := "20"; last != want {
		t.Errorf("last notification after the import = %q; want %q", last, want)
	}
	replaceRoads(t, db, "r", ways)
	if p, ok := next(); ok {
		t.Errorf("an import that changed nothing notified %q (version %d)", p, rep.Version)
	}
}

// TestRoadsRejected: ways that cannot be built into a graph are reported
// and not written; the others are.
func TestRoadsRejected(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	good := testWay(1, orb.Point{1.5, 42.5})
	bad := []roads.Way{
		{ID: 0, Class: "primary", Geometry: good.Geometry, Nodes: good.Nodes},
		{ID: 2, Class: "primary", Geometry: good.Geometry[:1], Nodes: good.Nodes[:1]},
		{ID: 3, Class: "primary", Geometry: good.Geometry, Nodes: good.Nodes[:2]},
		{ID: 4, Class: "", Geometry: good.Geometry, Nodes: good.Nodes},
		{ID: 5, Class: "primary", Geometry: orb.LineString{{1, 42}, {math.NaN(), 42}}, Nodes: []int64{1, 2}},
		{ID: 6, Class: "primary", Geometry: orb.LineString{{1, 42}, {1, 91}}, Nodes: []int64{1, 2}},
	}
	rep, err := db.ReplaceRoads(context.Background(), "r", append([]roads.Way{good}, bad...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ways != 1 || rep.Inserted != 1 || len(rep.Rejected) != len(bad) {
		t.Errorf("ReplaceRoads = %+v; want 1 way written and %d rejected", rep, len(bad))
	}
	for i, p := range rep.Rejected {
		if p.ID != bad[i].ID || p.Reason == "" {
			t.Errorf("Rejected[%d] = %v; want way %d with a reason", i, p, bad[i].ID)
		}
	}
	got, _ := loadRoads(t, db)
	if len(got) != 1 || got[0].ID != 1 {
		t.Errorf("stored %d ways; want way 1 only", len(got))
	}
	if _, err := db.ReplaceRoads(context.Background(), " ", nil); err == nil {
		t.Error("ReplaceRoads with a blank region: accepted; want an error")
	}
}

// TestLoadRoadsSkipsBadRows: a row stored before a constraint existed
// (here: with the constraint dropped) is left out and named; the others
// load.
func TestLoadRoadsSkipsBadRows(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	replaceRoads(t, db, "r", randomWays(rand.New(rand.NewPCG(5, 6)), 1, 5))
	for _, sql := range []string{
		"ALTER TABLE roads DROP CONSTRAINT roads_class_present",
		"ALTER TABLE roads DROP CONSTRAINT roads_nodes_per_vertex",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (100, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5,6}', '')",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (101, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5}', 'primary')",
	} {
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	ws, _, skipped, err := db.LoadRoads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 5 || len(skipped) != 2 {
		t.Fatalf("LoadRoads: %d ways, skipped %v; want 5 and ways 100, 101 skipped", len(ws), skipped)
	}
	for _, p := range skipped {
		if (p.ID != 100 && p.ID != 101) || !strings.Contains(p.Reason, "version") {
			t.Errorf("skipped %v; want way 100 or 101 with its version and reason", p)
		}
	}
}

func TestDecodeLineWKB(t *testing.T) {
	ls := orb.LineString{{1.5, -2.25}, {179.999999999, 89.5}, {-180, 0}}
	got, err := decodeLineWKB(lineEWKB(ls))
	if err != nil || !reflect.DeepEqual(got, ls) {
		t.Errorf("decodeLineWKB(lineEWKB(%v)) = %v, %v", ls, got, err)
	}
	// Big-endian plain WKB, as another writer might store it.
	be := []byte{0, 0, 0, 0, 2, 0, 0, 0, 2,
		0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0,
		0x40, 0x08, 0, 0, 0, 0, 0, 0, 0x40, 0x10, 0, 0, 0, 0, 0, 0}
	if got, err := decodeLineWKB(be); err != nil || !reflect.DeepEqual(got, orb.LineString{{1, 2}, {3, 4}}) {
		t.Errorf("decodeLineWKB(big-endian) = %v, %v; want [[1 2] [3 4]]", got, err)
	}
	bad := map[string][]byte{
		"empty":          nil,
		"byte order":     append([]byte{7}, lineEWKB(ls)[1:]...),
		"a point":        {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"3D":             {1, 0xea, 3, 0, 0, 0, 0, 0, 0},
		"short":          lineEWKB(ls)[:40],
		"long":           append(lineEWKB(ls), 0),
		"huge count":     {1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},
		"no SRID":        {1, 2, 0, 0, 0x20, 0},
		"no count":       {1, 2, 0, 0, 0, 0, 0, 0},
		"count overflow": {1, 2, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for name, b := range bad {
		if got, err := decodeLineWKB(b); err == nil {
			t.Errorf("decodeLineWKB(%s) = %v; want an error", name, got)
		}
	}
}

func FuzzDecodeLineWKB(f *testing.F) {
	f.Add(lineEWKB(orb.LineString{{1, 2}, {3, 4}}))
	f.Add([]byte{0, 0, 0, 0, 2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ls, err := decodeLineWKB(b)
		if err != nil {
			return
		}
		if len(b) < 16*len(ls) {
			t.Fatalf("%d vertices from %d bytes", len(ls), len(b))
		}
		// What decodes re-encodes to the same vertices (NaN aside).
		again, err := decodeLineWKB(lineEWKB(ls))
		if err != nil || len(again) != len(ls) {
			t.Fatalf("re-decoding %v: %v, %v", ls, again, err)
		}
	})
}

// BenchmarkRoads100k: one import of 10^5 new ways, the same import again
// (nothing changes), and the load a server does at start.
func BenchmarkRoads100k(b *testing.B) {
	db, _ := migratedDB(b)
	ways := randomWays(rand.New(rand.NewPCG(9, 9)), 1, 100_000)
	ctx := context.Background()
	round := 0
	b.Run("import", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			round++
			// New ids in a new region each time: every way is an insert.
			fresh := slices.Clone(ways)
			for j := range fresh {
				fresh[j].ID += int64(round) * 1_000_000
			}
			rep, err := db.ReplaceRoads(ctx, fmt.Sprintf("bench-%d", round), fresh)
			if err != nil || rep.Inserted != int64(len(ways)) {
				b.Fatalf("ReplaceRoads: %+v, %v", rep, err)
			}
		}
	})
	b.Run("import-changed", func(b *testing.B) {
		replaceRoads(b, db, "bench", ways)
		for i := 0; i < b.N; i++ {
			changed := slices.Clone(ways)
			for j := range changed {
				changed[j].MaxSpeed = fmt.Sprint(i)
			}
			rep, err := db.ReplaceRoads(ctx, "bench", changed)
			if err != nil || rep.Updated != int64(len(ways)) {
				b.Fatalf("ReplaceRoads: %+v, %v", rep, err)
			}
		}
		replaceRoads(b, db, "bench", ways)
	})
	b.Run("reimport-unchanged", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rep, err := db.ReplaceRoads(ctx, "bench", ways)
			if err != nil || rep.Unchanged != int64(len(ways)) {
				b.Fatalf("ReplaceRoads: %+v, %v", rep, err)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ws, _, _, err := db.LoadRoads(ctx)
			if err != nil || len(ws) < len(ways) {
				b.Fatalf("LoadRoads: %d ways, %v", len(ws), err)
			}
		}
	})
}

// BenchmarkRoadsStartup1M: what a server does at start on a table of
// 10^6 ways (2–12 vertices each): LoadRoads, then roads.Build. The
// import that fills the table is timed once and reported beside it.
func BenchmarkRoadsStartup1M(b *testing.B) {
	db, _ := migratedDB(b)
	ctx := context.Background()
	ways := randomWays(rand.New(rand.NewPCG(10, 10)), 1, 1_000_000)
	start := time.Now()
	rep, err := db.ReplaceRoads(ctx, "bench", ways)
	if err != nil || rep.Inserted != int64(len(ways)) {
		b.Fatalf("ReplaceRoads: %+v, %v", rep, err)
	}
	b.Logf("import of %d new ways: %v", len(ways), time.Since(start).Round(time.Millisecond))
	ways = nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ws, _, _, err := db.LoadRoads(ctx)
		if err != nil || len(ws) != 1_000_000 {
			b.Fatalf("LoadRoads: %d ways, %v", len(ws), err)
		}
		loaded := time.Since(start)
		net, err := roads.Build(ws)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(loaded.Seconds(), "load-s")
		b.ReportMetric((time.Since(start) - loaded).Seconds(), "build-s")
		b.ReportMetric(float64(net.Stats().Edges), "edges")
	}
}
