package postgis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/internal/recordtest"
)

// insertUnservableRows stores, by plain SQL, rows written before
// migration 0003 refused them: an empty point and an unknown amenity. It
// brings the database back to 0002 without those checks, inserts the
// rows, and migrates again, which must succeed with the rows in place.
func insertUnservableRows(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`ALTER TABLE stations DROP CONSTRAINT stations_point_present`,
		`ALTER TABLE stations DROP CONSTRAINT stations_amenities_known`,
		`DELETE FROM schema_migrations WHERE version = 3`,
		`INSERT INTO stations (id, geom, kind, names, source) VALUES ('sql-empty', 'SRID=4326;POINT EMPTY', 'port', '{"zh": "口岸"}', 'sql')`,
		`INSERT INTO stations (id, geom, kind, names, source, amenities) VALUES ('sql-sauna', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'rest_stop', '{"zh": "驿站"}', 'sql', '{toilet,sauna}')`,
	} {
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate over rows that break 0003's checks: %v", err)
	}
}

// TestExportSkipsUnservableRows: export writes every good record and
// reports each row that serving leaves out, with its id and reason; it
// used to stop at the first one. Serving and export agree on which rows
// those are.
func TestExportSkipsUnservableRows(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	if _, err := db.UpsertStations(ctx, valid(t, []*data.Station{recordtest.Station("good-a", orb.Point{111, 43}), recordtest.Station("zz-good", orb.Point{112, 44})})); err != nil {
		t.Fatal(err)
	}
	insertUnservableRows(t, db)

	var ids []string
	skipped := map[string]string{}
	err := db.ExportAll(ctx, func(st *data.Station) error {
		ids = append(ids, st.ID)
		return nil
	}, func(c catalog.Change) { skipped[c.ID] = c.Invalid })
	if err != nil {
		t.Fatalf("ExportAll: %v", err)
	}
	if strings.Join(ids, ",") != "good-a,zz-good" {
		t.Errorf("exported %v; want good-a, zz-good", ids)
	}
	if r := skipped["sql-empty"]; !strings.Contains(r, "geometry") || !strings.Contains(r, "empty") {
		t.Errorf("sql-empty skipped with %q; want a reason naming the empty geometry", r)
	}
	if r := skipped["sql-sauna"]; !strings.Contains(r, "amenities") || !strings.Contains(r, `"sauna"`) {
		t.Errorf("sql-sauna skipped with %q; want a reason naming the unknown amenity", r)
	}
	if len(skipped) != 2 {
		t.Errorf("skipped %v; want the two bad rows", skipped)
	}

	loaded, _, left, err := db.loadAll(ctx)
	if err != nil || len(loaded) != 2 || len(left) != 2 {
		t.Errorf("loadAll = %d records, %d skipped, %v; want the same 2 and 2 as export", len(loaded), len(left), err)
	}

	// A patch of an unreadable row is the client's problem to solve (400
	// with a way out), not a server error.
	var ve *data.ValidationError
	if _, err := db.Patch(ctx, "sql-empty", []byte(`{"properties":{"status":"closed"}}`), 0); !errors.As(err, &ve) || !strings.Contains(err.Error(), "PUT") {
		t.Errorf("Patch of an unreadable row = %v; want a ValidationError pointing to PUT", err)
	}
	// The rows can still be deleted, or fixed by a whole replacement.
	if _, err := db.Delete(ctx, "sql-empty", 0); err != nil {
		t.Errorf("Delete of a row with an empty point: %v", err)
	}
	if _, _, err := db.Replace(ctx, recordtest.Station("sql-sauna", orb.Point{111, 43}), 0); err != nil {
		t.Errorf("Replace of a row with an unknown amenity: %v", err)
	}
}

// TestMigration0003Checks: plain SQL can no longer store an empty point or
// an unknown amenity; rows stored before are kept (NOT VALID) but must be
// fixed before any other update of them.
func TestMigration0003Checks(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	insertUnservableRows(t, db)
	insert := `INSERT INTO stations (id, geom, kind, names, source, amenities) VALUES ('x', `
	for _, tc := range []struct{ name, sql string }{
		{"empty point", insert + `'SRID=4326;POINT EMPTY', 'port', '{"zh": "口岸"}', 'sql', '{}')`},
		{"unknown amenity", insert + `ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql', '{shower,sauna}')`},
		{"null amenity", insert + `ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql', '{NULL}')`},
		{"update of a row stored before", `UPDATE stations SET status = 'closed' WHERE id = 'sql-sauna'`},
	} {
		_, err := db.pool.Exec(ctx, tc.sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: %v; want a check violation", tc.name, err)
		}
	}
	if _, err := db.pool.Exec(ctx, insert+`ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql', '{shower,legal_aid}')`); err != nil {
		t.Errorf("insert with known amenities: %v", err)
	}
}
