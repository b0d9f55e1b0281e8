package postgis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
)

// seqValue is the last version the sequence handed out.
func seqValue(t *testing.T, db *DB) int64 {
	t.Helper()
	var v int64
	if err := db.pool.QueryRow(context.Background(), "SELECT last_value FROM station_version_seq").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestOneChangeOneVersion: every write path moves the version by exactly
// one for a change and not at all for a write that changes nothing. A
// PATCH or PUT of an existing record used to move it by 2 (the insert and
// the update trigger of INSERT ... ON CONFLICT each drew one), and a
// write of the record as stored drew a new one.
func TestOneChangeOneVersion(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	st := recordtest.Station("v1", orb.Point{111.9, 43.6})
	created, err := db.Create(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	v := created.Version
	step := func(what string, got *data.Station, err error, want int64) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got.Version != want || seqValue(t, db) != want {
			t.Errorf("%s: version %d, sequence at %d; want both %d", what, got.Version, seqValue(t, db), want)
		}
		v = got.Version
	}

	got, err := db.Patch(ctx, "v1", []byte(`{"properties":{"status":"closed"}}`), 0)
	step("PATCH that changes the status", got, err, v+1)
	got, err = db.Patch(ctx, "v1", []byte(`{"properties":{"status":"closed"}}`), v)
	step("PATCH to the value it has", got, err, v)
	got, err = db.Patch(ctx, "v1", []byte(`{}`), 0)
	step("empty PATCH", got, err, v)
	if got.UpdatedAt.IsZero() || got.Status != data.StatusClosed {
		t.Errorf("no-op PATCH returned %+v; want the stored record", got)
	}

	next := *st
	next.Status = data.StatusClosed
	got, created2, err := db.Replace(ctx, &next, v)
	step("PUT of the record as stored", got, err, v)
	if created2 {
		t.Errorf("PUT of an existing record reported created")
	}
	next.Address = "新地址"
	got, _, err = db.Replace(ctx, &next, 0)
	step("PUT with a new address", got, err, v+1)

	if _, err := db.Create(ctx, &next); !errors.Is(err, data.ErrConflict) {
		t.Errorf("Create of an existing id = %v; want ErrConflict", err)
	}
	if s := seqValue(t, db); s != v {
		t.Errorf("refused Create moved the sequence to %d; want %d", s, v)
	}

	// Bulk upsert: unchanged rows keep their version, each changed or new
	// row draws exactly one.
	other := recordtest.Station("v2", orb.Point{112, 44})
	n, err := db.UpsertStations(ctx, valid(t, []*data.Station{&next, other}))
	if err != nil || n != 1 {
		t.Fatalf("UpsertStations(unchanged, new) = %d, %v; want 1", n, err)
	}
	if s := seqValue(t, db); s != v+1 {
		t.Errorf("upsert of one unchanged and one new row: sequence at %d; want %d", s, v+1)
	}
	v++
	next.Beds = recordtest.IntP(7)
	if dv, err := db.Delete(ctx, "v2", 0); err != nil || dv != v+1 {
		t.Fatalf("Delete = %d, %v; want version %d", dv, err, v+1)
	}
	v++
	n, err = db.UpsertStations(ctx, valid(t, []*data.Station{&next, other})) // a change and a revived tombstone
	if err != nil || n != 2 || seqValue(t, db) != v+2 {
		t.Errorf("UpsertStations(changed, tombstone) = %d, %v, sequence at %d; want 2 rows and %d", n, err, seqValue(t, db), v+2)
	}
	v += 2
	if st, err := db.Get(ctx, "v2"); err != nil || st.Version <= v-2 {
		t.Errorf("revived v2 = %+v, %v", st, err)
	}

	// Plain SQL: an upsert of an existing id is one version; an update
	// that changes nothing, none.
	exec := func(sql string) {
		t.Helper()
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO stations (id, geom, kind, names, source) VALUES ('v1', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql')
		ON CONFLICT (id) DO UPDATE SET geom = EXCLUDED.geom, kind = EXCLUDED.kind`)
	if s := seqValue(t, db); s != v+1 {
		t.Errorf("plain INSERT ... ON CONFLICT DO UPDATE: sequence at %d; want %d", s, v+1)
	}
	v++
	before, _ := db.Get(ctx, "v1")
	exec(`UPDATE stations SET status = status, version = 1, updated_at = now() - interval '1 day' WHERE id = 'v1'`)
	exec(`INSERT INTO stations (id, geom, kind, names, source) VALUES ('v1', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql') ON CONFLICT DO NOTHING`)
	after, _ := db.Get(ctx, "v1")
	if s := seqValue(t, db); s != v || after.Version != before.Version || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("plain no-op UPDATE and INSERT ... DO NOTHING: sequence at %d (want %d), version %d → %d, updated_at %v → %v",
			s, v, before.Version, after.Version, before.UpdatedAt, after.UpdatedAt)
	}
}

// TestNoOpWriteSendsNoNotification: followers are woken once per change,
// not by writes that changed nothing.
func TestNoOpWriteSendsNoNotification(t *testing.T) {
	t.Parallel()
	db, u := migratedDB(t)
	ctx := context.Background()
	st := recordtest.Station("n1", orb.Point{111.9, 43.6})
	if _, err := db.Create(ctx, st); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LISTEN yizhan_changes"); err != nil {
		t.Fatal(err)
	}
	wait := func(d time.Duration) *pgconn.Notification {
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		n, _ := conn.WaitForNotification(wctx)
		return n
	}
	// The same session writes, so that its currval is the last version.
	for i := 0; i < 3; i++ {
		if _, _, err := db.Replace(ctx, st, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Patch(ctx, "n1", []byte(`{"properties":{"status":"open"}}`), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertStations(ctx, valid(t, []*data.Station{st})); err != nil {
			t.Fatal(err)
		}
	}
	if n := wait(300 * time.Millisecond); n != nil {
		t.Errorf("writes that changed nothing sent notification %q", n.Payload)
	}
	out, err := db.Patch(ctx, "n1", []byte(`{"properties":{"status":"closed"}}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := wait(5 * time.Second); n == nil || n.Payload != strconv.FormatInt(out.Version, 10) {
		t.Errorf("a change sent notification %v; want one with version %d", n, out.Version)
	}
}

// TestMigration0003AmenitiesMatch: the schema's list of amenities is
// data.Amenities.
func TestMigration0003AmenitiesMatch(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	var def string
	if err := db.pool.QueryRow(context.Background(),
		"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'stations_amenities_known'").Scan(&def); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, part := range strings.Split(def, "'")[1:] {
		if !strings.ContainsAny(part, " ,:()[]") && part != "" {
			got = append(got, part)
		}
	}
	want := make([]string, len(data.Amenities()))
	for i, a := range data.Amenities() {
		want[i] = string(a)
	}
	if !slices.Equal(got, want) {
		t.Errorf("stations_amenities_known allows %v; want data.Amenities %v (from %s)", got, want, def)
	}
}
