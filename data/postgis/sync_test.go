package postgis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/internal/recordtest"
)

// startFollower runs a follower on a fresh catalog until the test ends.
func startFollower(t *testing.T, db *DB, poll time.Duration) (*Follower, *catalog.Catalog) {
	t.Helper()
	cat := catalog.NewCatalog(catalog.NewSnapshot(nil, 0))
	f := NewFollower(db, cat, nil)
	f.PollInterval = poll
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f, cat
}

// eventually polls cond every 10 ms for up to d; it returns how long it took.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, d)
	return 0
}

func TestFollowerSeesPlainSQL(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	if _, err := db.UpsertStations(ctx, valid(t, recordtest.Random(rand.New(rand.NewPCG(7, 8)), 100))); err != nil {
		t.Fatal(err)
	}
	// A long poll interval: only NOTIFY can make these fast.
	_, cat := startFollower(t, db, 10*time.Second)
	if n := cat.Snapshot().Len(); n != 100 {
		t.Fatalf("loaded %d records; want 100", n)
	}
	steps := []struct {
		name string
		sql  string
		ok   func(*catalog.Snapshot) bool
	}{
		{"insert", `INSERT INTO stations (id, geom, kind, names, source) VALUES ('plain', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'rest_stop', '{"zh": "服务区"}', 'sql')`,
			func(s *catalog.Snapshot) bool { _, err := s.Get("plain"); return err == nil }},
		{"update", `UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(120, 45), 4326), status = 'closed' WHERE id = 'plain'`,
			func(s *catalog.Snapshot) bool {
				st, err := s.Get("plain")
				return err == nil && st.Status == data.StatusClosed && len(s.Nearest(orb.Point{120, 45}, 1, 1, data.Filter{})) == 1
			}},
		{"delete", `DELETE FROM stations WHERE id = 'plain'`,
			func(s *catalog.Snapshot) bool {
				_, err := s.Get("plain")
				return err != nil && len(s.Nearest(orb.Point{120, 45}, 1, 1, data.Filter{})) == 0
			}},
	}
	for _, step := range steps {
		if _, err := db.pool.Exec(ctx, step.sql); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		d := eventually(t, time.Second, "plain SQL "+step.name+" visible", func() bool { return step.ok(cat.Snapshot()) })
		t.Logf("plain SQL %s visible after %v", step.name, d)
	}
}

// TestFollowerCatchUpWithoutNotifications kills the LISTEN connection
// repeatedly: the periodic catch-up must still converge within a second.
func TestFollowerCatchUpWithoutNotifications(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	f, cat := startFollower(t, db, 300*time.Millisecond)
	eventually(t, 2*time.Second, "listening", func() bool { return f.Status().Listening })
	kill := func() {
		if _, err := db.pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`); err != nil {
			t.Fatalf("terminate listener: %v", err)
		}
	}
	for i := range 3 {
		kill()
		id := fmt.Sprintf("after-kill-%d", i)
		if _, err := db.Create(ctx, recordtest.Station(id, orb.Point{111, 43})); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Second, id+" visible", func() bool { _, err := cat.Snapshot().Get(id); return err == nil })
	}
	eventually(t, 3*time.Second, "reconnected", func() bool { s := f.Status(); return s.Listening && s.Reconnects >= 1 })
	if s := f.Status(); !s.Connected || s.LastError != "" || s.Version == 0 {
		t.Errorf("status after recovery = %+v", s)
	}
}

func TestWaitForVersion(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	f, cat := startFollower(t, db, 10*time.Second)
	st, err := db.Create(ctx, recordtest.Station("rw", orb.Point{111, 43}))
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	if err := f.WaitForVersion(wctx, st.Version); err != nil {
		t.Fatalf("WaitForVersion: %v", err)
	}
	if _, err := cat.Snapshot().Get("rw"); err != nil {
		t.Errorf("after WaitForVersion the record is missing")
	}
	t.Logf("read-your-writes wait %v", time.Since(start))
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if err := f.WaitForVersion(short, st.Version+1000); err == nil {
		t.Errorf("WaitForVersion of a version never written returned nil")
	}
}

// TestFollowerSkipsBadRows: a stored row that cannot be decoded or fails
// validation (written by plain SQL, before migration 0002 or past its
// checks) is left out and counted; it neither stops the initial load nor
// the rows after it, and it never marks the database unreachable.
func TestFollowerSkipsBadRows(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := db.UpsertStations(ctx, valid(t, []*data.Station{
		recordtest.Station("a", orb.Point{111, 43}), recordtest.Station("b", orb.Point{112, 43}), recordtest.Station("c", orb.Point{113, 43}),
	})); err != nil {
		t.Fatal(err)
	}
	// Rows stored before migration 0002: its NOT VALID checks do not
	// cover them. Dropping the check here stands in for that history.
	exec(`ALTER TABLE stations DROP CONSTRAINT stations_port_shape`)
	exec(`INSERT INTO stations (id, geom, kind, names, source, port) VALUES ('sql-port-bad', ST_SetSRID(ST_MakePoint(112, 43), 4326), 'port', '{"zh": "口岸"}', 'sql', '{"modes":"road"}')`)

	f, cat := startFollower(t, db, 50*time.Millisecond) // fails the test if Load fails
	if n := cat.Snapshot().Len(); n != 3 {
		t.Fatalf("loaded %d records; want the 3 valid ones", n)
	}
	if s := f.Status(); s.Skipped != 1 || !strings.Contains(s.LastSkipped, "sql-port-bad") || !s.Connected {
		t.Errorf("status after load = %+v; want 1 skipped (sql-port-bad), connected", s)
	}

	// Later rows still arrive, and a record that turns invalid leaves the
	// snapshot: the database no longer holds a valid version of it.
	exec(`INSERT INTO stations (id, geom, kind, names, source) VALUES ('after', ST_SetSRID(ST_MakePoint(114, 43), 4326), 'rest_stop', '{"zh": "服务区"}', 'sql')`)
	exec(`UPDATE stations SET port = '{"country": "MN", "modes": ["road"]}' WHERE id = 'a'`) // port details on a rest stop
	// Free text that breaks only the text rules is still served.
	exec(`UPDATE stations SET source = E'x\x01y', phone = E'0470\t123' WHERE id = 'c'`)
	exec(`UPDATE stations SET port = '{"modes":"rail"}', kind = 'port' WHERE id = 'b'`)
	top, err := db.MaxVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "follower past the bad rows", func() bool { return cat.Snapshot().Version() >= top })
	snap := cat.Snapshot()
	if _, err := snap.Get("after"); err != nil {
		t.Errorf("row after the bad ones: %v", err)
	}
	if st, err := snap.Get("c"); err != nil || st.Phone != "0470\t123" {
		t.Errorf("record c with control characters in its text = %v, %v; want it served as stored", st, err)
	}
	for _, id := range []string{"a", "b", "sql-port-bad"} {
		if _, err := snap.Get(id); err == nil {
			t.Errorf("invalid record %s is served", id)
		}
	}
	if s := f.Status(); s.Skipped != 3 || !s.Connected || s.LastError != "" || !strings.Contains(s.LastSkipped, `"b"`) {
		t.Errorf("status after bad changes = %+v; want 3 skipped, connected, no error", s)
	}

	// Deleting a bad row leaves a tombstone whose payload is never decoded.
	exec(`DELETE FROM stations WHERE id IN ('sql-port-bad', 'b')`)
	cs, err := db.ChangesSince(ctx, top, 10)
	if err != nil || len(cs) != 2 {
		t.Fatalf("ChangesSince after deleting bad rows = %+v, %v; want 2 tombstones", cs, err)
	}
	for _, c := range cs {
		if !c.Deleted || c.Invalid != "" || c.Station != nil {
			t.Errorf("tombstone of a bad row = %+v; want Deleted, no Invalid", c)
		}
	}
	// Fixing a row brings it back.
	exec(`UPDATE stations SET port = NULL WHERE id = 'a'`)
	eventually(t, 2*time.Second, "fixed row served", func() bool { _, err := cat.Snapshot().Get("a"); return err == nil })
	if s := f.Status(); s.Skipped != 3 || !s.Connected {
		t.Errorf("final status = %+v; want still 3 skipped, connected", s)
	}

	// A new server starts on the same database.
	_, cat2 := startFollower(t, db, time.Second)
	if n := cat2.Snapshot().Len(); n != 3 {
		t.Errorf("a new follower loaded %d records; want 3 (a, c, after)", n)
	}
}

// TestFollowerDoneAfterRun: Done is closed only once Run has returned and
// its LISTEN connection is gone, so that a server can close the database
// after it without the follower still using it.
func TestFollowerDoneAfterRun(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	f := NewFollower(db, catalog.NewCatalog(catalog.NewSnapshot(nil, 0)), nil)
	rctx, cancel := context.WithCancel(ctx)
	returned := make(chan error, 1)
	go func() { returned <- f.Run(rctx) }()
	eventually(t, 5*time.Second, "listening", func() bool { return f.Status().Listening })
	select {
	case <-f.Done():
		t.Fatal("Done closed while Run is running")
	default:
	}
	cancel()
	select {
	case <-f.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed within 10 s of cancelling Run")
	}
	select {
	case err := <-returned:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	// The server side of a closed connection leaves pg_stat_activity a
	// moment after the client has closed it.
	eventually(t, 5*time.Second, "no LISTEN connection left", func() bool {
		var listeners int
		err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`).Scan(&listeners)
		return err == nil && listeners == 0
	})
}
