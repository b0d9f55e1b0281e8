// Package pgtest gives tests a real, empty PostgreSQL database of their own.
//
// Tests that need PostGIS read the server from YIZHAN_TEST_DATABASE_URL. When
// it is unset they skip with a visible notice, unless REQUIRE_POSTGIS=1 (as
// in CI), where a skip would hide a missing database and so is a failure.
package pgtest

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

// EnvURL names the variable holding the test server's connection URL.
const EnvURL = "YIZHAN_TEST_DATABASE_URL"

// ServerURL returns the test server's URL or skips (fails with
// REQUIRE_POSTGIS=1) when none is configured.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("REQUIRE_POSTGIS") == "1" {
			t.Fatalf("REQUIRE_POSTGIS=1 but %s is not set", EnvURL)
		}
		t.Skipf("SKIPPED: set %s (e.g. postgres://user:pass@127.0.0.1:5432/yizhan_test) to run the PostGIS tests", EnvURL)
	}
	return u
}

// Database creates an empty database for one test, drops it at cleanup
// (so tests can run in parallel and leave nothing behind) and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test database server: %v", err)
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
	u, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// withDatabase points a URL or key=value connection string at database name.
func withDatabase(base, name string) (string, error) {
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvURL, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return fmt.Sprintf("%s dbname=%s", base, name), nil
}

// EnvReplicaURL names the variable holding the URL of a streaming replica
// (hot standby) of the test server, as tests/replica.sh sets up.
const EnvReplicaURL = "YIZHAN_TEST_REPLICA_URL"

// replicaWait bounds the wait for the replica to replay the primary.
const replicaWait = 30 * time.Second

// Replica returns the URL of database dbURL (from Database) on the
// streaming replica at YIZHAN_TEST_REPLICA_URL, once the replica has
// replayed everything committed on the primary so far (the database's
// creation and whatever the test wrote to it). It skips without the
// variable, or fails with REQUIRE_POSTGIS=1, as ServerURL does.
func Replica(t testing.TB, dbURL string) string {
	t.Helper()
	base := os.Getenv(EnvReplicaURL)
	if base == "" {
		if os.Getenv("REQUIRE_POSTGIS") == "1" {
			t.Fatalf("REQUIRE_POSTGIS=1 but %s is not set; start a replica with tests/replica.sh", EnvReplicaURL)
		}
		t.Skipf("SKIPPED: set %s (export %s=\"$(tests/replica.sh start)\") to run the streaming replica tests", EnvReplicaURL, EnvReplicaURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), replicaWait)
	defer cancel()
	primary, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to the primary: %v", err)
	}
	defer primary.Close(context.Background())
	var lsn, name string
	if err := primary.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text, current_database()").Scan(&lsn, &name); err != nil {
		t.Fatalf("read the primary's WAL position: %v", err)
	}
	standby, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the replica at %s: %v", EnvReplicaURL, err)
	}
	defer standby.Close(context.Background())
	for {
		var inRecovery, replayed bool
		err := standby.QueryRow(ctx, "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn).Scan(&inRecovery, &replayed)
		switch {
		case err != nil:
			t.Fatalf("read the replica's replay position: %v", err)
		case !inRecovery:
			t.Fatalf("%s names a server that is not a streaming replica (pg_is_in_recovery() is false)", EnvReplicaURL)
		case replayed:
			u, err := withDatabase(base, name)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the replica has not replayed the primary's WAL position %s within %v (is replay paused?)", lsn, replicaWait)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
