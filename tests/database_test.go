package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
	"yizhan/data/postgis"
)

// TestWriteWhileLockHeld: while another transaction holds the write lock
// (a plain-SQL update left open, as a long import would), a write through
// the API answers a 503 saying the database is busy and how long it
// waited, with Retry-After, while /readyz keeps calling the database
// reachable; once the lock is released, writes go through again.
func TestWriteWhileLockHeld(t *testing.T) {
	t.Parallel()
	dbURL := freshDatabase(t)
	s := startServer(t, dbURL)
	for _, id := range []string{"held", "other"} {
		if r := mustCall(t, "POST", s.url+"/v1/stations", "", feature(id, 111, 43)); r.status != 201 {
			t.Fatalf("POST %s = %d %s", id, r.status, r.raw)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// The stations triggers take the write lock for every writing statement.
	if _, err := tx.Exec(ctx, `UPDATE stations SET status = 'closed' WHERE id = 'held'`); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	r := mustCall(t, "PATCH", s.url+"/v1/stations/other", "", `{"properties":{"status":"planned"}}`)
	took := time.Since(start)
	detail := fmt.Sprint(r.body["detail"])
	wantWait := fmt.Sprintf("waited %.1f s", data.WriteLockTimeout.Seconds())
	if r.status != 503 || r.header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(detail, "busy") || !strings.Contains(detail, wantWait) || r.header.Get("Retry-After") == "" {
		t.Errorf("PATCH while the lock is held = %d (Retry-After %q) %s; want a 503 problem saying the database is busy and %q",
			r.status, r.header.Get("Retry-After"), r.raw, wantWait)
	}
	if took < data.WriteLockTimeout || took > data.WriteLockTimeout+2*time.Second {
		t.Errorf("the busy answer came after %v; want about the lock timeout %v", took, data.WriteLockTimeout)
	}
	if strings.Contains(detail, "unreachable") {
		t.Errorf("busy detail %q calls the database unreachable", detail)
	}
	rz := mustCall(t, "GET", s.url+"/readyz", "", "")
	if dbs, _ := rz.body["database"].(map[string]any); dbs["reachable"] != true {
		t.Errorf("/readyz while the lock is held = %s; want database reachable", rz.raw)
	}

	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := mustCall(t, "PATCH", s.url+"/v1/stations/other", "", `{"properties":{"status":"planned"}}`); r.status != 200 {
		t.Errorf("PATCH after the lock is released = %d %s; want 200", r.status, r.raw)
	}
}

// TestDatabaseHangs: a database that stops answering without closing its
// connections (SIGSTOP, a dead network path) is reported within a few
// seconds: reachable and listening turn false in /readyz and /metrics, and
// the last round trip stops advancing; when it answers again, both
// recover.
func TestDatabaseHangs(t *testing.T) {
	t.Parallel()
	direct := freshDatabase(t)
	p := newProxy(t, upstreamAddr(t, direct))
	s := startServer(t, viaProxy(t, direct, p))
	readyz := func() map[string]any {
		rz := mustCall(t, "GET", s.url+"/readyz", "", "")
		if rz.status != 200 {
			t.Errorf("/readyz = %d %s; want 200 (reads are served from memory)", rz.status, rz.raw)
		}
		dbs, _ := rz.body["database"].(map[string]any)
		return dbs
	}
	eventually(t, 3*time.Second, "listening before the hang", func() bool {
		dbs := readyz()
		return dbs["listening"] == true && dbs["reachable"] == true && dbs["last_round_trip"] != nil
	})

	p.freeze()
	frozen := time.Now()
	d := eventually(t, postgis.LivenessBound+3*time.Second, "hang reported in /readyz", func() bool {
		dbs := readyz()
		return dbs["reachable"] == false && dbs["listening"] == false
	})
	t.Logf("hang reported after %v", d)
	dbs := readyz()
	last, err := time.Parse(time.RFC3339Nano, fmt.Sprint(dbs["last_round_trip"]))
	if err != nil || last.After(frozen) || !strings.Contains(fmt.Sprint(dbs["last_error"]), "has not answered") {
		t.Errorf("/readyz during the hang = %v; want last_round_trip before the hang (%v) and last_error saying the database has not answered", dbs, frozen)
	}
	m := mustCall(t, "GET", s.url+"/metrics", "", "").raw
	if !strings.Contains(m, "yizhan_database_up 0") || !strings.Contains(m, "yizhan_database_listening 0") {
		t.Errorf("/metrics during the hang lacks yizhan_database_up 0 or yizhan_database_listening 0")
	}
	if r := mustCall(t, "GET", s.url+"/v1/stations/nearest?lon=111&lat=43&k=1", "", ""); r.status != 200 {
		t.Errorf("read during the hang = %d; want 200 from the snapshot", r.status)
	}

	p.thaw()
	d = eventually(t, 15*time.Second, "recovered after the hang", func() bool {
		dbs := readyz()
		return dbs["reachable"] == true && dbs["listening"] == true
	})
	t.Logf("recovered %v after the database answered again", d)
	if r := mustCall(t, "POST", s.url+"/v1/stations", "", feature("after-hang", 111, 43)); r.status != 201 {
		t.Errorf("POST after the hang = %d %s; want 201", r.status, r.raw)
	}
}
