package postgis

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data/postgis/pgtest"
	"yizhan/roads"
)

// startRoadFollower loads and runs a road follower of db until the test
// ends; builds counts the networks it built.
func startRoadFollower(t *testing.T, db *DB, poll time.Duration) (f *RoadFollower, builds *atomic.Int64) {
	t.Helper()
	f = NewRoadFollower(db, nil)
	f.PollInterval = poll
	builds = new(atomic.Int64)
	f.Build = func(ws []roads.Way) (*roads.Network, error) {
		builds.Add(1)
		return roads.Build(ws)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f, builds
}

// servedWays is how many ways the served network was built from, 0 for none.
func servedWays(f *RoadFollower) int {
	n := f.Network()
	if n == nil {
		return 0
	}
	return n.Stats().Ways
}

// TestRoadFollowerFollowsChanges: the served network is rebuilt from the
// table after an import, a plain-SQL change and a delete, woken by
// NOTIFY (the poll is too slow to explain it); an import that changes
// nothing builds nothing; readers keep the previous network meanwhile.
func TestRoadFollowerFollowsChanges(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	f, builds := startRoadFollower(t, db, 30*time.Second)
	if f.Network() != nil || builds.Load() != 0 {
		t.Fatalf("an empty table: network %v after %d builds; want none", f.Network(), builds.Load())
	}

	ways := randomWays(rand.New(rand.NewPCG(11, 12)), 1, 200)
	rep := replaceRoads(t, db, "r", ways)
	took := eventually(t, 5*time.Second, "the import served", func() bool { return f.Status().Version == rep.Version })
	t.Logf("import of %d ways served after %v", len(ways), took)
	first := f.Network()
	if got := servedWays(f); got != len(ways) {
		t.Errorf("served network has %d ways; want %d", got, len(ways))
	}

	if _, err := db.pool.Exec(ctx, "DELETE FROM roads WHERE id IN (1, 2, 3)"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the delete served", func() bool { return servedWays(f) == len(ways)-3 })
	if f.Network() == first {
		t.Error("the network after the delete is the one before it")
	}
	if got := servedWays(&RoadFollower{}); got != 0 {
		t.Errorf("a follower that never loaded serves %d ways", got)
	}
	if first.Stats().Ways != len(ways) {
		t.Errorf("the old network changed under its readers: %d ways", first.Stats().Ways)
	}

	n := builds.Load()
	replaceRoads(t, db, "r", ways[3:])
	f.Wake()
	time.Sleep(300 * time.Millisecond)
	if builds.Load() != n {
		t.Errorf("an import that changed nothing built %d networks", builds.Load()-n)
	}
	st := f.Status()
	if !st.Connected || st.LastError != "" || st.Rebuilds < 2 || st.Ways != len(ways)-3 || st.BuildTook <= 0 {
		t.Errorf("Status() = %+v; want connected, no error, 2 rebuilds, %d ways", st, len(ways)-3)
	}
}

// TestRoadFollowerPolls: without notifications, a check finds the change
// (the poll path), and WaitForVersion returns once it is served.
func TestRoadFollowerPolls(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	f := NewRoadFollower(db, nil)
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	rep := replaceRoads(t, db, "r", randomWays(rand.New(rand.NewPCG(13, 14)), 1, 20))
	f.check(ctx)
	if f.Status().Version != rep.Version || servedWays(f) != 20 {
		t.Errorf("after a check: version %d, %d ways; want %d, 20", f.Status().Version, servedWays(f), rep.Version)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := f.WaitForVersion(wctx, rep.Version); err != nil {
		t.Errorf("WaitForVersion(%d): %v", rep.Version, err)
	}
}

// TestRoadFollowerKeepsServing: a build that fails, and a database that
// goes away, leave the last network served and say why; a failed
// version is not rebuilt again until the table moves.
func TestRoadFollowerKeepsServing(t *testing.T) {
	t.Parallel()
	db, u := migratedDB(t)
	ctx := context.Background()
	ways := randomWays(rand.New(rand.NewPCG(15, 16)), 1, 30)
	replaceRoads(t, db, "r", ways)

	other, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := NewRoadFollower(other, nil)
	fail := atomic.Bool{}
	calls := atomic.Int64{}
	f.Build = func(ws []roads.Way) (*roads.Network, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("no memory left")
		}
		return roads.Build(ws)
	}
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	good := f.Network()

	fail.Store(true)
	replaceRoads(t, db, "r", ways[1:])
	f.check(ctx)
	f.check(ctx)
	if f.Network() != good || calls.Load() != 2 {
		t.Errorf("after a failed build: network changed %v, %d builds; want the old network and 1 failed build", f.Network() != good, calls.Load()-1)
	}
	if st := f.Status(); st.LastError == "" || st.Latest <= st.Version {
		t.Errorf("Status() after a failed build = %+v; want the error and a latest version above the served one", st)
	}
	fail.Store(false)
	replaceRoads(t, db, "r", ways[2:])
	f.check(ctx)
	if got := servedWays(f); got != len(ways)-2 || f.Status().LastError != "" {
		t.Errorf("after the table moved again: %d ways, error %q; want %d and none", got, f.Status().LastError, len(ways)-2)
	}

	served := f.Network()
	other.Close()
	f.check(ctx)
	if f.Network() != served || f.Status().Connected || f.Status().LastError == "" {
		t.Errorf("database gone: status %+v; want the last network served, disconnected, with the error", f.Status())
	}
}

// TestRoadFollowerSkipsBadRows: a stored way that cannot be served is
// left out of the network and counted; the rest is served.
func TestRoadFollowerSkipsBadRows(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	ways := randomWays(rand.New(rand.NewPCG(17, 18)), 1, 10)
	replaceRoads(t, db, "r", ways)
	for _, sql := range []string{
		"ALTER TABLE roads DROP CONSTRAINT roads_nodes_per_vertex",
		"INSERT INTO roads (id, geom, nodes, class) VALUES (100, 'SRID=4326;LINESTRING(1 42, 1.1 42.1)', '{5}', 'primary')",
	} {
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	f := NewRoadFollower(db, nil)
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if st := f.Status(); st.Ways != 10 || st.Skipped != 1 || st.LastSkipped == "" || servedWays(f) != 10 {
		t.Errorf("Status() = %+v; want 10 ways served and way 100 skipped", st)
	}
}

// TestRoadFollowerServesTheTable: answers on the served network follow
// the table: a maxspeed set by plain SQL halves the drive time of a
// route, and once the way to its end is deleted the end is off the road.
func TestRoadFollowerServesTheTable(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	a, b, c := orb.Point{1.50, 42.50}, orb.Point{1.51, 42.50}, orb.Point{1.52, 42.50}
	replaceRoads(t, db, "r", []roads.Way{
		{ID: 1, Class: "residential", Geometry: orb.LineString{a, b}, Nodes: []int64{1, 2}},
		{ID: 2, Class: "residential", Geometry: orb.LineString{b, c}, Nodes: []int64{2, 3}},
	})
	f, _ := startRoadFollower(t, db, 30*time.Second)
	prof := roads.DefaultProfile(roads.Drive)
	route := func() (*roads.Route, error) { return f.Network().Route(ctx, []orb.Point{a, c}, &prof) }
	before, err := route()
	if err != nil {
		t.Fatalf("Route on the loaded network: %v", err)
	}
	if _, err := db.pool.Exec(ctx, "UPDATE roads SET maxspeed = '50' WHERE id IN (1, 2)"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the faster roads served", func() bool {
		r, err := route()
		return err == nil && math.Abs(r.DurationS-before.DurationS/2) < 1e-6*before.DurationS
	})
	if _, err := db.pool.Exec(ctx, "DELETE FROM roads WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the route without way 2", func() bool {
		r, err := route()
		return err != nil || r.To.OffRoadM > 800 // c is now off the road, 820 m past way 1's end
	})
}

// TestRoadFollowerOnReplica: a road follower reading a streaming replica
// and listening on the primary (which alone sends NOTIFY) serves an
// import on the primary once the replica has replayed it, well before
// its poll would have.
func TestRoadFollowerOnReplica(t *testing.T) {
	t.Parallel()
	primary, u := migratedDB(t)
	ctx := context.Background()
	replica, err := Open(ctx, pgtest.Replica(t, u), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	f := NewRoadFollower(replica, nil)
	f.ListenOn(primary)
	f.PollInterval = time.Minute
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	go func() { _ = f.Run(rctx) }()
	defer func() { cancel(); <-f.Done() }()
	time.Sleep(200 * time.Millisecond) // let it LISTEN
	rep := replaceRoads(t, primary, "r", randomWays(rand.New(rand.NewPCG(19, 20)), 1, 50))
	took := eventually(t, 20*time.Second, "the import served from the replica", func() bool { return f.Status().Version == rep.Version })
	t.Logf("an import on the primary served from the replica after %v", took)
	if servedWays(f) != 50 {
		t.Errorf("served %d ways; want 50", servedWays(f))
	}
}
