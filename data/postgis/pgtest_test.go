package postgis

import (
	"context"
	"testing"
	"yizhan/data/postgis/pgtest"
)

// testDatabaseURL returns the PostGIS test server's URL or skips.
func testDatabaseURL(t testing.TB) string { return pgtest.ServerURL(t) }

// freshDatabase creates an empty database for one test; see pgtest.Database.
func freshDatabase(t testing.TB) string { return pgtest.Database(t) }

// migratedDB opens a fresh, migrated database.
func migratedDB(t testing.TB) (*DB, string) {
	t.Helper()
	u := freshDatabase(t)
	ctx := context.Background()
	db, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db, u
}
