package postgis

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded SQL file, named NNNN_description.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrateLockKey is the session advisory lock held while migrating, so that
// two processes running migrate at once apply each file exactly once.
const migrateLockKey = 7263540915042000

// ErrSchemaTooNew is returned when the database holds migrations this
// binary does not know: an older yizhan must not write to a newer schema.
var ErrSchemaTooNew = errors.New("data: database schema is newer than this yizhan")

// ErrSchemaOutdated is returned by CheckSchema when migrations are pending.
var ErrSchemaOutdated = errors.New("data: database schema is not up to date")

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].name, out[i].name, out[i].version)
		}
	}
	return out, nil
}

// LatestSchemaVersion is the highest migration version embedded in this binary.
func LatestSchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate brings the schema up to date: it creates the postgis extension
// if missing, then applies, each in its own transaction, every embedded
// migration not yet recorded in schema_migrations. Running it again is a
// no-op. It refuses (ErrSchemaTooNew) to touch a database that has a
// migration this binary does not know. Concurrent runs are serialised by
// an advisory lock.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLockKey)); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer func() {
		// A fresh context: the caller's may be done, and the lock must go.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLockKey))
	}()

	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		return privilegeProblem(ctx, conn.Conn(), err, func(role, dbname string) string {
			return fmt.Sprintf("the role %q may not create the postgis extension in database %q: PostGIS is not a trusted extension, "+
				"so a superuser must create it once (psql -d %s -c 'CREATE EXTENSION postgis'); then run migrate again as %q", role, dbname, dbname, role)
		}, "create extension postgis")
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return privilegeProblem(ctx, conn.Conn(), err, createTablesHint, "create schema_migrations")
	}
	applied, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	for v := range applied {
		if v > latest {
			return fmt.Errorf("%w: it has migration %d, this binary knows up to %d; run a newer yizhan", ErrSchemaTooNew, v, latest)
		}
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return privilegeProblem(ctx, conn.Conn(), err, createTablesHint, "apply "+m.name)
		}
		db.log.Info("applied migration", "version", m.version, "name", m.name)
	}
	return nil
}

// createTablesHint says what to do when the migrating role may not create
// or alter the schema's tables.
func createTablesHint(role, dbname string) string {
	return fmt.Sprintf("the role %q may not create or change tables in schema public of database %q: run migrate as the database's owner "+
		"(ALTER DATABASE %s OWNER TO %s, as a superuser) or as the role that ran it first", role, dbname, dbname, role)
}

// privilegeProblem explains err when PostgreSQL refused for lack of a
// privilege (SQLSTATE 42501), with hint(role, database) saying what to do;
// any other error is wrapped with step.
func privilegeProblem(ctx context.Context, conn *pgx.Conn, err error, hint func(role, dbname string) string, step string) error {
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "0A000" && strings.Contains(step, "extension"):
		return fmt.Errorf("%s: PostGIS is not installed on the database server (Debian: apt-get install postgresql-15-postgis-3): %w", step, err)
	case !errors.As(err, &pgErr) || pgErr.Code != "42501":
		return fmt.Errorf("%s: %w", step, err)
	}
	role, dbname := "?", "?"
	// The failed statement ended no transaction here (each runs alone or
	// in one that has rolled back), so the connection can still answer.
	_ = conn.QueryRow(ctx, "SELECT current_user, current_database()").Scan(&role, &dbname)
	return fmt.Errorf("%s: %s (%s)", step, hint(role, dbname), pgErr.Message)
}

// CheckSchema returns nil when the database is at exactly the schema this
// binary knows, ErrSchemaOutdated when migrations are pending (run
// "yizhan migrate") and ErrSchemaTooNew when the database is ahead.
func (db *DB) CheckSchema(ctx context.Context) error {
	latest := LatestSchemaVersion()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("check schema: connect: %w", err)
	}
	defer conn.Release()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if !exists {
		return fmt.Errorf("%w: no schema_migrations table; run \"yizhan migrate\"", ErrSchemaOutdated)
	}
	applied, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return err
	}
	have := 0
	for v := range applied {
		have = max(have, v)
	}
	switch {
	case have > latest:
		return fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrSchemaTooNew, have, latest)
	case have < latest || len(applied) < latest:
		return fmt.Errorf("%w: database is at version %d, this binary needs %d; run \"yizhan migrate\"", ErrSchemaOutdated, have, latest)
	}
	return nil
}

func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[int]bool, error) {
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := make(map[int]bool, len(vs))
	for _, v := range vs {
		out[int(v)] = true
	}
	return out, nil
}
