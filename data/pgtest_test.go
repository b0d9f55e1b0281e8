package data

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testDatabaseURL returns YIZHAN_TEST_DATABASE_URL, or skips the test
// with a visible notice (fails it when REQUIRE_POSTGIS=1).
func testDatabaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("YIZHAN_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("REQUIRE_POSTGIS") == "1" {
			t.Fatal("REQUIRE_POSTGIS=1 but YIZHAN_TEST_DATABASE_URL is not set")
		}
		t.Skip("SKIPPED: set YIZHAN_TEST_DATABASE_URL (e.g. postgres://root:root@127.0.0.1:5432/yizhan_test) to run PostGIS tests")
	}
	return u
}

// freshDatabase creates an empty database for one test and drops it at
// cleanup, so tests can run in parallel; it returns its URL.
func freshDatabase(t testing.TB) string {
	t.Helper()
	base := testDatabaseURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test database server: %v", err)
	}
	defer admin.Close(context.Background())
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "yizhan_t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return withDatabase(t, base, name)
}

func withDatabase(t testing.TB, base, name string) string {
	t.Helper()
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("parse %s: %v", base, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return fmt.Sprintf("%s dbname=%s", base, name)
}

// migratedDB opens a fresh, migrated database.
func migratedDB(t testing.TB) (*PostGIS, string) {
	t.Helper()
	u := freshDatabase(t)
	ctx := context.Background()
	db, err := OpenPostGIS(ctx, u, nil)
	if err != nil {
		t.Fatalf("OpenPostGIS: %v", err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db, u
}
