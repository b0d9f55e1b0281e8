package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yizhan/data"
	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
)

// TestExportDatabaseWithUnservableRows: one row that plain SQL let in
// (an empty point) used to abort the whole export. Now every good record
// is written, each bad row is reported on stderr, and the command fails.
func TestExportDatabaseWithUnservableRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := pgtest.Database(t)
	db, err := postgis.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO stations (id, geom, kind, names, source) VALUES ('a-good', ST_SetSRID(ST_MakePoint(111, 43), 4326), 'port', '{"zh": "口岸"}', 'sql')`,
		`ALTER TABLE stations DROP CONSTRAINT stations_point_present`, // as before migration 0003
		`INSERT INTO stations (id, geom, kind, names, source) VALUES ('m-empty', 'SRID=4326;POINT EMPTY', 'port', '{"zh": "口岸"}', 'sql')`,
		`INSERT INTO stations (id, geom, kind, names, source) VALUES ('z-good', ST_SetSRID(ST_MakePoint(112, 44), 4326), 'port', '{"zh": "口岸"}', 'sql')`,
	} {
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	out := filepath.Join(t.TempDir(), "export.geojson")
	var stdout, stderr bytes.Buffer
	err = runExport(ctx, []string{"--database-url", u, "--out", out}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "left out 1 stored row(s)") {
		t.Errorf("export = %v; want an error saying 1 row was left out", err)
	}
	if !strings.Contains(stderr.String(), `skipped id "m-empty"`) || !strings.Contains(stderr.String(), "point is empty") {
		t.Errorf("stderr = %q; want the bad row named with its reason", stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("export wrote no file: %v", err)
	}
	defer f.Close()
	stations, problems, err := data.DecodeStations(f)
	if err != nil || problems != nil || len(stations) != 2 || stations[0].ID != "a-good" || stations[1].ID != "z-good" {
		t.Errorf("exported file = %d records, %v, %v; want a-good and z-good", len(stations), problems, err)
	}
}
