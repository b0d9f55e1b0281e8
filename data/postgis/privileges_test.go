package postgis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
	"yizhan/data/postgis/pgtest"
	"yizhan/roads"
)

// TestRolePrivileges: a role without the privileges migrate needs gets
// an error saying what to do — a superuser must create the postgis
// extension; only the database's owner may create the tables — and the
// documented set-up (extension by a superuser, migrate as the owner) works.
func TestRolePrivileges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := pgtest.ServerURL(t)
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		t.Skipf("%s is not a postgres:// URL; this test builds role URLs from one", pgtest.EnvURL)
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	owner, other := "yizhan_t_owner_"+hex.EncodeToString(b), "yizhan_t_other_"+hex.EncodeToString(b)
	// Registered before the database, so it runs after the database is dropped.
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("connect to drop roles: %v", err)
			return
		}
		defer c.Close(context.Background())
		for _, r := range []string{owner, other} {
			if _, err := c.Exec(context.Background(), "DROP ROLE IF EXISTS "+r); err != nil {
				t.Errorf("drop role %s: %v", r, err)
			}
		}
	})
	for _, r := range []string{owner, other} {
		if _, err := admin.Exec(ctx, "CREATE ROLE "+r+" LOGIN PASSWORD '"+r+"'"); err != nil {
			t.Fatalf("create role: %v", err)
		}
	}
	dbURL := pgtest.Database(t)
	du, _ := url.Parse(dbURL)
	dbname := strings.TrimPrefix(du.Path, "/")
	superDB, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer superDB.Close(ctx)
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+dbname+" OWNER TO "+owner); err != nil {
		t.Fatalf("alter database owner: %v", err)
	}
	migrateAs := func(role string) error {
		ru := *du
		ru.User = url.UserPassword(role, role)
		db, err := Open(ctx, ru.String(), nil)
		if err != nil {
			t.Fatalf("Open as %s: %v", role, err)
		}
		defer db.Close()
		return db.Migrate(ctx)
	}

	err = migrateAs(owner)
	if err == nil || !strings.Contains(err.Error(), "CREATE EXTENSION postgis") || !strings.Contains(err.Error(), "superuser") {
		t.Fatalf("migrate as the owner, no extension = %v; want it to say a superuser must CREATE EXTENSION postgis", err)
	}
	if _, err := superDB.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		t.Fatalf("create extension: %v", err)
	}
	err = migrateAs(other)
	if err == nil || !strings.Contains(err.Error(), "ALTER DATABASE "+dbname+" OWNER TO") {
		t.Fatalf("migrate as a role that does not own the database = %v; want it to name ALTER DATABASE … OWNER TO", err)
	}
	if err := migrateAs(owner); err != nil {
		t.Fatalf("migrate as the owner after a superuser created the extension: %v", err)
	}
	if err := migrateAs(owner); err != nil {
		t.Fatalf("migrate again: %v", err)
	}

	// A role that may read but not write: its writes are ErrNoWritePrivilege
	// (a 503 naming the grants), not an internal error; with the grants the
	// README lists, they work.
	ownerURL := *du
	ownerURL.User = url.UserPassword(owner, owner)
	ownerDB, err := pgx.Connect(ctx, ownerURL.String())
	if err != nil {
		t.Fatalf("connect as owner: %v", err)
	}
	defer ownerDB.Close(ctx)
	if _, err := ownerDB.Exec(ctx, "GRANT SELECT ON stations, schema_migrations TO "+other); err != nil {
		t.Fatalf("grant select: %v", err)
	}
	ru := *du
	ru.User = url.UserPassword(other, other)
	reader, err := Open(ctx, ru.String(), nil)
	if err != nil {
		t.Fatalf("Open as reader: %v", err)
	}
	defer reader.Close()
	if err := reader.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema as a reader: %v", err)
	}
	st := recordtest.Station("priv-1", orb.Point{111.98, 43.65})
	if _, err := reader.Create(ctx, st); !errors.Is(err, data.ErrNoWritePrivilege) {
		t.Fatalf("Create by a read-only role = %v; want ErrNoWritePrivilege", err)
	}
	if _, err := ownerDB.Exec(ctx, "GRANT INSERT, UPDATE, DELETE ON stations TO "+other); err != nil {
		t.Fatalf("grant write: %v", err)
	}
	if _, err := reader.Create(ctx, st); !errors.Is(err, data.ErrNoWritePrivilege) {
		t.Fatalf("Create without USAGE on the version sequence = %v; want ErrNoWritePrivilege", err)
	}
	if _, err := ownerDB.Exec(ctx, "GRANT USAGE ON SEQUENCE station_version_seq TO "+other); err != nil {
		t.Fatalf("grant sequence: %v", err)
	}
	if _, err := reader.Create(ctx, st); err != nil {
		t.Fatalf("Create with the README's grants: %v", err)
	}
	if _, err := reader.Patch(ctx, st.ID, []byte(`{"properties":{"beds":3}}`), 0); err != nil {
		t.Fatalf("Patch with the README's grants: %v", err)
	}
	if _, err := reader.Delete(ctx, st.ID, 0); err != nil {
		t.Fatalf("Delete with the README's grants: %v", err)
	}

	// The roads table: a server needs SELECT, an import of roads the
	// writes and the sequence, as the README lists.
	if _, _, _, err := reader.LoadRoads(ctx); err == nil || !strings.Contains(err.Error(), "GRANT SELECT ON roads") {
		t.Errorf("LoadRoads without SELECT ON roads = %v; want it to name the grant", err)
	}
	if _, err := ownerDB.Exec(ctx, "GRANT SELECT ON roads TO "+other); err != nil {
		t.Fatalf("grant select on roads: %v", err)
	}
	if _, _, _, err := reader.LoadRoads(ctx); err != nil {
		t.Errorf("LoadRoads with the README's grants: %v", err)
	}
	way := testWay(1, orb.Point{1.5, 42.5})
	if _, err := reader.ReplaceRoads(ctx, "r", []roads.Way{way}); !errors.Is(err, data.ErrNoWritePrivilege) {
		t.Errorf("ReplaceRoads by a read-only role = %v; want ErrNoWritePrivilege", err)
	}
	if _, err := ownerDB.Exec(ctx, "GRANT INSERT, UPDATE, DELETE ON roads TO "+other+"; GRANT USAGE ON SEQUENCE road_version_seq TO "+other); err != nil {
		t.Fatalf("grant writes on roads: %v", err)
	}
	if _, err := reader.ReplaceRoads(ctx, "r", []roads.Way{way}); err != nil {
		t.Errorf("ReplaceRoads with the README's grants: %v", err)
	}
}
