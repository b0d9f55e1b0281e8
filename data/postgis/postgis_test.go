package postgis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
)

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := LatestSchemaVersion(); n != want {
		t.Errorf("schema_migrations has %d rows; want %d", n, want)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after migrate = %v; want nil", err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Migrate on a newer schema = %v; want ErrSchemaTooNew", err)
	}
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("CheckSchema on a newer schema = %v; want ErrSchemaTooNew", err)
	}
}

func TestCheckSchemaOutdated(t *testing.T) {
	t.Parallel()
	u := freshDatabase(t)
	db, err := Open(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSchema(context.Background()); !errors.Is(err, ErrSchemaOutdated) {
		t.Errorf("CheckSchema on an empty database = %v; want ErrSchemaOutdated", err)
	}
}

func TestOpenPostGISUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := Open(context.Background(), "postgres://nobody:x@127.0.0.1:1/none", nil)
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

func TestUpsertLoadAllRoundTrip(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	in := recordtest.Random(rand.New(rand.NewPCG(1, 2)), 500)
	full := recordtest.Valid() // every field set
	full.Kind = data.KindPort
	full.Port = &data.PortInfo{Country: "RU", Modes: []string{"road", "rail"}, Hours: "全天"}
	in = append(in, full)
	sparse := &data.Station{ID: "sparse", Location: orb.Point{-179.5, -89.9}, Kind: data.KindRestStop, Names: data.Names{EN: "x"}, Source: "s"}
	in = append(in, sparse)

	n, err := db.UpsertStations(ctx, valid(t, in))
	if err != nil {
		t.Fatalf("UpsertStations: %v", err)
	}
	if n != int64(len(in)) {
		t.Errorf("UpsertStations wrote %d rows; want %d", n, len(in))
	}
	got, version, err := db.LoadAll(ctx)
	if err != nil {
		t.Fatalf("LoadAll: %v", err)
	}
	if len(got) != len(in) {
		t.Fatalf("LoadAll returned %d records; want %d", len(got), len(in))
	}
	byID := map[string]*data.Station{}
	var maxV int64
	for _, st := range got {
		byID[st.ID] = st
		maxV = max(maxV, st.Version)
		if st.UpdatedAt.IsZero() || time.Since(st.UpdatedAt) > time.Minute {
			t.Errorf("record %s updated_at = %v", st.ID, st.UpdatedAt)
		}
	}
	if version != maxV || version == 0 {
		t.Errorf("LoadAll version = %d; want max record version %d", version, maxV)
	}
	for _, want := range in {
		if want.Status == "" {
			want.Status = data.StatusOpen
		}
		g, ok := byID[want.ID]
		if !ok {
			t.Errorf("record %s missing", want.ID)
			continue
		}
		recordtest.Same(t, g, want)
	}

	// The same batch again changes nothing and draws no versions.
	n, err = db.UpsertStations(ctx, valid(t, in))
	if err != nil || n != 0 {
		t.Errorf("re-upsert of identical records = %d, %v; want 0, nil", n, err)
	}
	if v, _ := db.MaxVersion(ctx); v != version {
		t.Errorf("identical re-upsert moved the version from %d to %d", version, v)
	}

	// One changed record (and a duplicate id in the batch: the last wins).
	a, b := *in[0], *in[0]
	a.Region, b.Region = "first", "second"
	n, err = db.UpsertStations(ctx, valid(t, []*data.Station{&a, &b}))
	if err != nil || n != 1 {
		t.Fatalf("upsert of one changed record = %d, %v; want 1, nil", n, err)
	}
	st, err := db.Get(ctx, a.ID)
	if err != nil || st.Region != "second" || st.Version <= version {
		t.Errorf("Get after upsert = %+v, %v; want region second, version > %d", st, err, version)
	}

	// Upserting a deleted id revives it, even unchanged.
	if _, err := db.Delete(ctx, in[1].ID, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := db.UpsertStations(ctx, valid(t, in[1:2])); err != nil || n != 1 {
		t.Errorf("upsert of a deleted id = %d, %v; want 1, nil", n, err)
	}
	if _, err := db.Get(ctx, in[1].ID); err != nil {
		t.Errorf("Get after reviving upsert: %v", err)
	}
}

// valid validates stations for UpsertStations, as its callers do.
func valid(t testing.TB, stations []*data.Station) data.Valid {
	t.Helper()
	v, err := data.ValidateAll(stations)
	if err != nil {
		t.Fatalf("test records: %v", err)
	}
	return v
}

func TestUpsertValidation(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	good := recordtest.Station("good", orb.Point{111, 43})
	badKind := recordtest.Station("bad-kind", orb.Point{111, 43})
	badKind.Kind = "hotel"
	badLat := recordtest.Station("bad-lat", orb.Point{111, 95})
	// A batch reaches UpsertStations only through validation, which
	// refuses it whole.
	batch, err := data.ValidateAll([]*data.Station{good, badKind, badLat})
	if err == nil {
		_, err = db.UpsertStations(ctx, batch)
	}
	var ve *data.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("ValidateAll and UpsertStations with bad records = %v; want *ValidationError", err)
	}
	fields := map[string]int{}
	for _, p := range ve.Problems {
		fields[p.Field] = p.Index
	}
	if fields["kind"] != 1 || fields["geometry"] != 2 {
		t.Errorf("problems = %v; want kind at 1 and geometry at 2", ve)
	}
	if got, _, _ := db.LoadAll(ctx); len(got) != 0 {
		t.Errorf("a batch with bad records wrote %d records; want none", len(got))
	}
}

func TestWrites(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()

	st := recordtest.Station("w1", orb.Point{111.9, 43.6})
	created, err := db.Create(ctx, st)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created.Version == 0 || created.UpdatedAt.IsZero() {
		t.Errorf("Create returned version %d, updated_at %v", created.Version, created.UpdatedAt)
	}
	recordtest.Same(t, created, st)
	if _, err := db.Create(ctx, st); !errors.Is(err, data.ErrConflict) {
		t.Errorf("Create of an existing id = %v; want ErrConflict", err)
	}

	// Replace with a stale version is refused; with the right one it works.
	next := *st
	next.Status = data.StatusClosed
	if _, _, err := db.Replace(ctx, &next, created.Version+100); !errors.Is(err, data.ErrVersionConflict) {
		t.Errorf("Replace with a wrong version = %v; want ErrVersionConflict", err)
	}
	replaced, wasCreated, err := db.Replace(ctx, &next, created.Version)
	if err != nil || wasCreated || replaced.Status != data.StatusClosed || replaced.Version <= created.Version {
		t.Fatalf("Replace = %+v, %v, %v", replaced, wasCreated, err)
	}
	if _, _, err := db.Replace(ctx, recordtest.Station("nope", orb.Point{1, 1}), 5); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Replace of a missing id with a version = %v; want ErrNotFound", err)
	}
	if _, wasCreated, err := db.Replace(ctx, recordtest.Station("put-new", orb.Point{1, 1}), 0); err != nil || !wasCreated {
		t.Errorf("Replace of a missing id without a version = %v, %v; want created", wasCreated, err)
	}

	// Patch merges properties and geometry, validates the whole record.
	patched, err := db.Patch(ctx, "w1", []byte(`{"geometry":{"type":"Point","coordinates":[112,44]},"properties":{"status":"open","region":null,"beds":3}}`), replaced.Version)
	if err != nil {
		t.Fatalf("Patch: %v", err)
	}
	if patched.Location != (orb.Point{112, 44}) || patched.Status != data.StatusOpen || patched.Region != "" || *patched.Beds != 3 || patched.Names != st.Names {
		t.Errorf("Patch result = %+v", patched)
	}
	var ve *data.ValidationError
	if _, err := db.Patch(ctx, "w1", []byte(`{"properties":{"kind":"hotel","amenities":["spa"]}}`), 0); !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Errorf("Patch with two bad fields = %v; want a ValidationError with 2 problems", err)
	}
	if _, err := db.Patch(ctx, "w1", []byte(`{"properties":{"status":"closed"}}`), replaced.Version); !errors.Is(err, data.ErrVersionConflict) {
		t.Errorf("Patch with a stale version = %v; want ErrVersionConflict", err)
	}
	if _, err := db.Patch(ctx, "missing", []byte(`{}`), 0); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Patch of a missing id = %v; want ErrNotFound", err)
	}

	// Delete leaves a tombstone; the id can be created again.
	if _, err := db.Delete(ctx, "w1", patched.Version-1); !errors.Is(err, data.ErrVersionConflict) {
		t.Errorf("Delete with a stale version = %v; want ErrVersionConflict", err)
	}
	dv, err := db.Delete(ctx, "w1", patched.Version)
	if err != nil || dv <= patched.Version {
		t.Fatalf("Delete = %d, %v", dv, err)
	}
	if _, err := db.Delete(ctx, "w1", 0); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("second Delete = %v; want ErrNotFound", err)
	}
	if _, err := db.Get(ctx, "w1"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Get of a deleted id = %v; want ErrNotFound", err)
	}
	changes, err := db.ChangesSince(ctx, patched.Version, 10)
	if err != nil || len(changes) != 1 || !changes[0].Deleted || changes[0].ID != "w1" || changes[0].Version != dv {
		t.Errorf("ChangesSince after delete = %+v, %v; want one tombstone for w1 at %d", changes, err, dv)
	}
	again, err := db.Create(ctx, st)
	if err != nil || again.Version <= dv {
		t.Errorf("re-Create of a deleted id = %+v, %v", again, err)
	}
}

func TestPlainSQLChanges(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO stations (id, geom, kind, names, source, version) VALUES ('sql1', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql', 999999)`)
	c, _ := db.ChangesSince(ctx, 0, 10)
	if len(c) != 1 || c[0].Version == 999999 || c[0].Station.Names.ZH != "口岸" {
		t.Fatalf("after insert: changes %+v; want one change with a trigger-set version", c)
	}
	v1 := c[0].Version
	exec(`DELETE FROM stations WHERE id = 'sql1'`)
	c, _ = db.ChangesSince(ctx, v1, 10)
	if len(c) != 1 || !c[0].Deleted || c[0].Version <= v1 {
		t.Fatalf("after plain DELETE: changes %+v; want a tombstone", c)
	}
	// Plain INSERT of a deleted id replaces its tombstone.
	exec(`INSERT INTO stations (id, geom, kind, names, source) VALUES ('sql1', ST_SetSRID(ST_MakePoint(112, 44), 4326), 'port', '{"zh": "口岸2"}', 'sql')`)
	st, err := db.Get(ctx, "sql1")
	if err != nil || st.Names.ZH != "口岸2" {
		t.Errorf("after re-insert: %+v, %v", st, err)
	}
	if _, err := db.pool.Exec(ctx, "TRUNCATE stations"); err == nil {
		t.Errorf("TRUNCATE stations succeeded; want it refused")
	}
}

// TestConcurrentIfMatch: of many writers holding the same version, exactly
// one wins; the others get ErrVersionConflict.
func TestConcurrentIfMatch(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	st, err := db.Create(ctx, recordtest.Station("race", orb.Point{111, 43}))
	if err != nil {
		t.Fatal(err)
	}
	const writers = 12
	var (
		wg                     sync.WaitGroup
		mu                     sync.Mutex
		wins, conflicts, other int
	)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				next := *st
				next.Address = fmt.Sprintf("writer %d", i)
				_, _, err = db.Replace(ctx, &next, st.Version)
			} else {
				_, err = db.Patch(ctx, st.ID, []byte(fmt.Sprintf(`{"properties":{"address":"writer %d"}}`, i)), st.Version)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, data.ErrVersionConflict):
				conflicts++
			default:
				other++
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != writers-1 {
		t.Errorf("wins %d, conflicts %d, other %d; want 1, %d, 0", wins, conflicts, other, writers-1)
	}
}

// TestVersionsCommitInOrder: a follower that has seen version v never later
// finds a committed change below v, even with writers interleaving.
func TestVersionsCommitInOrder(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				st := recordtest.Station(fmt.Sprintf("w%d-%d", w, i%20), orb.Point{111, 43})
				if _, _, err := db.Replace(ctx, st, 0); err != nil {
					t.Errorf("Replace: %v", err)
					return
				}
			}
		}()
	}
	seen := map[int64]bool{}
	var last int64
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		cs, err := db.ChangesSince(ctx, last, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			seen[c.Version] = true
			last = c.Version
		}
	}
	close(stop)
	wg.Wait()
	// Every row's final version must be one the follower saw, or above last.
	rows, err := db.pool.Query(ctx, "SELECT version FROM stations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		_ = rows.Scan(&v)
		if v <= last && !seen[v] {
			t.Errorf("version %d committed below the follower's position %d but never seen", v, last)
		}
	}
}

// TestClassifyDataErrors: values the database refuses are the writer's
// mistake (*ValidationError, 400), not an unreachable database.
func TestClassifyDataErrors(t *testing.T) {
	tests := []struct {
		code, column, constraint string
		wantField                string
	}{
		{"22021", "", "", "record"},                  // NUL in text
		{"22P05", "port", "", "port"},                // NUL in jsonb
		{"22003", "beds", "", "beds"},                // integer out of range
		{"23514", "", "stations_beds_check", "beds"}, // CHECK constraint
	}
	for _, tc := range tests {
		err := classify(fmt.Errorf("write: %w", &pgconn.PgError{Code: tc.code, Message: "refused", ColumnName: tc.column, ConstraintName: tc.constraint}))
		var ve *data.ValidationError
		if !errors.As(err, &ve) || errors.Is(err, data.ErrUnavailable) || ve.Problems[0].Field != tc.wantField {
			t.Errorf("classify(SQLSTATE %s) = %v; want a *ValidationError on %s", tc.code, err, tc.wantField)
		}
	}
	if err := classify(&pgconn.PgError{Code: "57P01"}); !errors.Is(err, data.ErrUnavailable) {
		t.Errorf("classify(admin shutdown) = %v; want ErrUnavailable", err)
	}
}

// TestMigration0002Checks: plain SQL cannot store the shapes followers
// would have to skip, nor rename an id (which would leave a ghost record
// on every follower); tombstoning a row stored before the checks works,
// and the migration can run again.
func TestMigration0002Checks(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	exec := func(sql string) error {
		_, err := db.pool.Exec(ctx, sql)
		return err
	}
	if err := exec(`INSERT INTO stations (id, geom, kind, names, source) VALUES ('old', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql')`); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO stations (id, geom, kind, names, source, languages, port) VALUES ('x', ST_SetSRID(ST_MakePoint(112, 43), 4326), 'port', `
	refused := []struct{ name, sql string }{
		{"modes not an array", insert + `'{"zh": "口岸"}', 'sql', '{}', '{"modes": "road"}')`},
		{"mode not a string", insert + `'{"zh": "口岸"}', 'sql', '{}', '{"modes": ["road", 1]}')`},
		{"country not a string", insert + `'{"zh": "口岸"}', 'sql', '{}', '{"country": 5, "modes": []}')`},
		{"hours not a string", insert + `'{"zh": "口岸"}', 'sql', '{}', '{"hours": {}}')`},
		{"name not a string", insert + `'{"zh": 1, "en": "Port"}', 'sql', '{}', NULL)`},
		{"no zh or en name", insert + `'{"ru": "Порт"}', 'sql', '{}', NULL)`},
		{"unknown language", insert + `'{"zh": "口岸"}', 'sql', '{fr}', NULL)`},
		{"blank source", insert + `'{"zh": "口岸"}', ' ', '{}', NULL)`},
		{"rename", `UPDATE stations SET id = 'renamed' WHERE id = 'old'`},
	}
	for _, tc := range refused {
		err := exec(tc.sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: %v; want a check violation", tc.name, err)
		}
		var ve *data.ValidationError
		if !errors.As(classify(err), &ve) {
			t.Errorf("%s: classify(%v) is not a *ValidationError", tc.name, err)
		}
	}
	if err := exec(`UPDATE stations SET id = 'renamed' WHERE id = 'old'`); err == nil || !strings.Contains(err.Error(), "cannot change") {
		t.Errorf("rename error = %v; want it to say ids cannot change", err)
	}
	if _, err := db.Get(ctx, "old"); err != nil {
		t.Errorf("old after refused rename: %v", err)
	}
	if err := exec(insert + `'{"zh": "口岸"}', 'sql', '{zh,mn}', '{"country": "MN", "modes": ["road"], "hours": "08:00-18:00"}')`); err != nil {
		t.Errorf("valid plain insert: %v", err)
	}

	// A row stored before the checks (the constraints are NOT VALID) can
	// still be deleted: the tombstone is exempt.
	if err := exec(`ALTER TABLE stations DROP CONSTRAINT stations_port_shape`); err != nil {
		t.Fatal(err)
	}
	if err := exec(`UPDATE stations SET port = '{"modes": "road"}' WHERE id = 'old'`); err != nil {
		t.Fatal(err)
	}
	for _, m := range []migration{mustMigration(t, 2), mustMigration(t, 2)} { // runs again without error
		if err := exec(m.sql); err != nil {
			t.Fatalf("re-running %s: %v", m.name, err)
		}
	}
	if err := exec(`UPDATE stations SET status = 'closed' WHERE id = 'old'`); err == nil {
		t.Errorf("updating a pre-existing bad row without fixing it succeeded; want the check to refuse it")
	}
	if _, err := db.Delete(ctx, "old", 0); err != nil {
		t.Errorf("Delete of a row that breaks the checks: %v", err)
	}
}

func mustMigration(t *testing.T, version int) migration {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version == version {
			return m
		}
	}
	t.Fatalf("no migration %d", version)
	return migration{}
}
