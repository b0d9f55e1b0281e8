package roads_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/data/postgis/pgtest"
	"yizhan/roads"
)

// pgRouting is the independent engine the road graph is checked against:
// the same edges (junction to junction, with our costs) go into a table,
// and pgr_dijkstraCost and pgr_drivingDistance must agree with our routes
// and reach sets. The costs are ours, so what is checked is the graph's
// search, the snapping of junction positions, and that no edge is lost or
// invented on the way; the costs themselves are checked against the
// profile rules in profile_test.go and against a plain Dijkstra in
// property_test.go.

// edgesSQL is what pgRouting reads; negative costs are directions it
// must not use.
const edgesSQL = "SELECT id, source, target, cost, reverse_cost FROM edges"

// loadPgRouting creates a database with pgRouting and the network's edges
// under prof (node ids are our junction indices plus one).
func loadPgRouting(tb testing.TB, n *roads.Network, prof *roads.Profile) *pgx.Conn {
	tb.Helper()
	url := pgtest.Database(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE"); err != nil {
		tb.Fatalf("CREATE EXTENSION pgrouting (install Debian's postgresql-15-pgrouting): %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE edges (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, cost float8 NOT NULL, reverse_cost float8 NOT NULL)"); err != nil {
		tb.Fatal(err)
	}
	edges := n.TestEdges(prof)
	rows := make([][]any, 0, len(edges))
	for _, e := range edges {
		if e.Cost < 0 && e.ReverseCost < 0 {
			continue
		}
		rows = append(rows, []any{int64(e.ID + 1), int64(e.From) + 1, int64(e.To) + 1, e.Cost, e.ReverseCost})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"edges"}, []string{"id", "source", "target", "cost", "reverse_cost"}, pgx.CopyFromRows(rows)); err != nil {
		tb.Fatalf("copy edges: %v", err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE edges"); err != nil {
		tb.Fatal(err)
	}
	return conn
}

// usableJunctions are the junctions with an edge the profile can travel,
// in the main component (where a point at a junction snaps to it).
func usableJunctions(n *roads.Network, prof *roads.Profile) []uint32 {
	ok := make([]bool, n.NodeCount())
	for _, e := range n.TestEdges(prof) {
		if e.Cost >= 0 || e.ReverseCost >= 0 {
			ok[e.From], ok[e.To] = true, true
		}
	}
	var out []uint32
	for i, b := range ok {
		if b && n.InMain(uint32(i), prof) {
			out = append(out, uint32(i))
		}
	}
	return out
}

func relClose(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1e-9, math.Max(a, b)) }

func TestPgRouting(t *testing.T) {
	for _, c := range []struct {
		name, path string
		mode       roads.Mode
	}{
		{"andorra drive", andorraPBF, roads.Drive},
		{"andorra walk", andorraPBF, roads.Walk},
		{"liechtenstein drive", liechtensteinPBF, roads.Drive},
		{"liechtenstein truck", liechtensteinPBF, roads.Truck},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, _ := network(t, c.path)
			prof := roads.DefaultProfile(c.mode)
			conn := loadPgRouting(t, n, &prof)
			// Routes are compared both ways: A* on the plain graph and the
			// contraction hierarchy.
			if _, err := n.Prepare(context.Background(), &prof); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(testSeed(t), 11))
			js := usableJunctions(n, &prof)
			if c.mode == roads.Drive {
				checkCostsInSQL(t, conn, n, &prof)
			}
			checkDijkstraCosts(t, conn, n, &prof, js, rng)
			checkDrivingDistance(t, conn, n, &prof, js, rng)
		})
	}
}

// checkDijkstraCosts routes between 100 random junction pairs with Route
// (from and to at the junctions' positions), by A* and on the hierarchy,
// and with pgr_dijkstraCost.
func checkDijkstraCosts(t *testing.T, conn *pgx.Conn, n *roads.Network, prof *roads.Profile, js []uint32, rng *rand.Rand) {
	ctx := context.Background()
	const pairs = 100
	var from, to []int64
	for range pairs {
		from = append(from, int64(js[rng.IntN(len(js))]))
		to = append(to, int64(js[rng.IntN(len(js))]))
	}
	pg := map[[2]int64]float64{}
	rows, err := conn.Query(ctx, "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost($1, $2::bigint[], $3::bigint[], true)",
		edgesSQL, plus1(from), plus1(to))
	if err != nil {
		t.Fatalf("pgr_dijkstraCost: %v", err)
	}
	for rows.Next() {
		var s, e int64
		var c float64
		if err := rows.Scan(&s, &e, &c); err != nil {
			t.Fatal(err)
		}
		pg[[2]int64{s - 1, e - 1}] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// All junctions are in one strongly connected component, so every pair
	// is connected.
	agree, unreachable := 0, 0
	for i := range from {
		a, b := uint32(from[i]), uint32(to[i])
		want, ok := pg[[2]int64{from[i], to[i]}]
		if a == b {
			want, ok = 0, true // pgRouting leaves out a pair that is one node
		}
		same := true
		for _, algo := range []string{"astar", "ch"} {
			r, err := n.RouteBy(ctx, []orb.Point{n.NodePoint(a), n.NodePoint(b)}, prof, algo)
			if !ok {
				if err == nil {
					t.Errorf("junction %d → %d: pgRouting finds no path, we route %.3f s (%s)", a, b, r.DurationS, algo)
				}
				same = false
				continue
			}
			if err != nil {
				t.Errorf("junction %d → %d: pgRouting %.6f s, we (%s): %v", a, b, want, algo, err)
				same = false
				continue
			}
			if !relClose(r.DurationS, want) {
				t.Errorf("junction %d → %d: we (%s) %.9f s, pgRouting %.9f s", a, b, algo, r.DurationS, want)
				same = false
			}
		}
		if !ok {
			unreachable++
		} else if same {
			agree++
		}
	}
	if !n.Contracted(*prof) {
		t.Error("the profile has no hierarchy: the routes were not compared on one")
	}
	t.Logf("pgr_dijkstraCost: %d pairs agree to 1e-6 by A* and on the hierarchy, %d unreachable in both", agree, unreachable)
	if agree != pairs {
		t.Errorf("%d of %d pairs agree", agree, pairs)
	}
}

// checkDrivingDistance compares reach sets (whole edges: the junctions
// settled within the bound, which is what pgr_drivingDistance returns)
// from 10 random junctions.
func checkDrivingDistance(t *testing.T, conn *pgx.Conn, n *roads.Network, prof *roads.Profile, js []uint32, rng *rand.Rand) {
	ctx := context.Background()
	for range 10 {
		src := js[rng.IntN(len(js))]
		bound := 120 + rng.Float64()*900
		ours, err := n.NodeTimes(ctx, src, bound, prof)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "SELECT node, agg_cost FROM pgr_drivingDistance($1, $2::bigint, $3::float8, true)", edgesSQL, int64(src)+1, bound)
		if err != nil {
			t.Fatalf("pgr_drivingDistance: %v", err)
		}
		pg := map[uint32]float64{}
		for rows.Next() {
			var node int64
			var c float64
			if err := rows.Scan(&node, &c); err != nil {
				t.Fatal(err)
			}
			pg[uint32(node-1)] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(pg) == 0 {
			pg[src] = 0 // an isolated root comes back empty
		}
		if len(ours) != len(pg) {
			t.Errorf("reach from %d within %.0f s: we settle %d junctions, pgRouting %d", src, bound, len(ours), len(pg))
		}
		for v, c := range pg {
			if o, ok := ours[v]; !ok || !relClose(o, c) {
				t.Errorf("reach from %d within %.0f s: junction %d at %.6f s in pgRouting, ours %.6f (%v)", src, bound, v, c, o, ok)
			}
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("pgr_drivingDistance: 10 reach sets agree")
}

func plus1(v []int64) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = x + 1
	}
	return out
}

// driveCostSQL computes every edge's drive costs in SQL from its geometry
// and raw tags, independently of the Go profile: the README's speed
// table, a numeric maxspeed (km/h or mph), the oneway and roundabout
// rules, access and motor_vehicle (the more specific wins), and the
// great-circle length from PostGIS (ST_Length on the sphere).
const driveCostSQL = `
WITH speeds(class, kmh) AS (VALUES
  ('motorway', 100), ('motorway_link', 60), ('trunk', 80), ('trunk_link', 50),
  ('primary', 65), ('primary_link', 40), ('secondary', 55), ('secondary_link', 40),
  ('tertiary', 40), ('tertiary_link', 30), ('unclassified', 30), ('residential', 25),
  ('living_street', 10), ('service', 15), ('road', 30), ('track', 15)),
e AS (
  SELECT r.id,
    ST_Length(ST_GeomFromText(r.wkt, 4326)::geography, false) AS m,
    CASE
      WHEN r.maxspeed ~ '^ *[0-9]+(\.[0-9]+)? *(km/h|kmh|kph)? *$' AND substring(r.maxspeed from '[0-9.]+')::float8 > 0
        THEN substring(r.maxspeed from '[0-9.]+')::float8
      WHEN r.maxspeed ~ '^ *[0-9]+(\.[0-9]+)? *mph *$' AND substring(r.maxspeed from '[0-9.]+')::float8 > 0
        THEN substring(r.maxspeed from '[0-9.]+')::float8 * 1.609344
      ELSE s.kmh END AS kmh,
    s.kmh IS NOT NULL AND CASE
      WHEN r.motor_vehicle IN ('no', 'private') THEN false
      WHEN r.motor_vehicle IN ('yes', 'designated', 'permissive', 'destination', 'customers', 'delivery', 'official') THEN true
      WHEN r.access IN ('no', 'private') THEN false
      ELSE true END AS allowed,
    CASE
      WHEN r.oneway IN ('yes', 'true', '1') THEN 1
      WHEN r.oneway IN ('-1', 'reverse') THEN -1
      WHEN r.oneway IN ('no', 'false', '0') THEN 0
      WHEN r.junction = 'roundabout' THEN 1
      ELSE 0 END AS oneway
  FROM raw_edges r LEFT JOIN speeds s ON s.class = r.class)
SELECT id,
  CASE WHEN allowed AND oneway >= 0 THEN m * 3.6 / kmh ELSE -1 END,
  CASE WHEN allowed AND oneway <= 0 THEN m * 3.6 / kmh ELSE -1 END
FROM e ORDER BY id`

// checkCostsInSQL loads every edge's geometry and tags and compares the
// costs SQL computes with ours, edge by edge, to 1e-6.
func checkCostsInSQL(t *testing.T, conn *pgx.Conn, n *roads.Network, prof *roads.Profile) {
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis; CREATE TABLE raw_edges (id bigint PRIMARY KEY, wkt text, class text, maxspeed text, oneway text, junction text, access text, motor_vehicle text)"); err != nil {
		t.Fatal(err)
	}
	edges := n.TestEdges(prof)
	rows := make([][]any, 0, len(edges))
	for _, e := range edges {
		wkt := "LINESTRING("
		for i, p := range e.Geometry {
			if i > 0 {
				wkt += ","
			}
			wkt += strconv.FormatFloat(p[0], 'g', -1, 64) + " " + strconv.FormatFloat(p[1], 'g', -1, 64)
		}
		wkt += ")"
		w := e.Tags
		rows = append(rows, []any{int64(e.ID), wkt, w.Class, w.MaxSpeed, w.Oneway, w.Junction, w.Access, w.MotorVehicle})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"raw_edges"}, []string{"id", "wkt", "class", "maxspeed", "oneway", "junction", "access", "motor_vehicle"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	res, err := conn.Query(ctx, driveCostSQL)
	if err != nil {
		t.Fatal(err)
	}
	k, bad := 0, 0
	for res.Next() {
		var id int64
		var c, rc float64
		if err := res.Scan(&id, &c, &rc); err != nil {
			t.Fatal(err)
		}
		e := edges[id]
		same := func(a, b float64) bool { return (a < 0 && b < 0) || relClose(a, b) }
		if !same(c, e.Cost) || !same(rc, e.ReverseCost) {
			if bad++; bad <= 5 {
				t.Errorf("edge %d (%+v): SQL costs %.9f, %.9f; ours %.9f, %.9f", id, e.Tags, c, rc, e.Cost, e.ReverseCost)
			}
		}
		k++
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if k != len(edges) || bad > 0 {
		t.Fatalf("%d of %d edges differ from the costs computed in SQL", bad, len(edges))
	}
	t.Logf("all %d edges' drive costs equal those computed in SQL from geometry and tags", k)
}
