package postgis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"yizhan/data"
	"yizhan/data/catalog"
)

// versionLockKey is the transaction advisory lock the stations triggers
// take per writing statement (see migrations/0001_stations.sql). Go code
// that reads a row before writing it takes it first, so that its lock
// order matches the triggers' and two writers cannot deadlock.
const versionLockKey = 7263540915042001

// Timeouts for talking to PostgreSQL.
const (
	connectTimeout = 3 * time.Second // per connection attempt
	pingTimeout    = 5 * time.Second // at open
)

// DB is the source of truth: the stations table in a PostgreSQL database
// with PostGIS. It is safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// Open connects to the database at url (a postgres:// URL or a
// key=value DSN) and checks that it answers. Connection attempts time out
// after a few seconds, so that a database that is down fails fast.
func Open(ctx context.Context, url string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgis: parse database url: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > connectTimeout {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "yizhan"
	}
	cfg.MaxConnIdleTime = time.Minute
	cfg.HealthCheckPeriod = 10 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgis: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgis: connect to %s: %w", redactURL(cfg.ConnConfig), err)
	}
	return &DB{pool: pool, log: logger.With("component", "postgis")}, nil
}

// redactURL names the server without credentials, for error messages.
func redactURL(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

// Close closes every connection.
func (db *DB) Close() { db.pool.Close() }

// Pool exposes the connection pool, for tests and tools that run plain SQL.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// LoadAll reads every live record and the highest version in the table
// (tombstones included), in one repeatable-read snapshot so that the
// records and the version agree. A follower continues from that version.
// Rows that cannot be served (see catalog.Change.Invalid) are logged and left out.
func (db *DB) LoadAll(ctx context.Context) ([]*data.Station, int64, error) {
	out, version, skipped, err := db.loadAll(ctx)
	for _, c := range skipped {
		db.log.Warn("skipping a stored record that cannot be served", "id", c.ID, "version", c.Version, "reason", c.Invalid)
	}
	return out, version, err
}

// ChangesSince returns up to limit changes with a version above version,
// in version order. Each id appears once, with its latest state: the table
// keeps one row per id, so an id changed twice shows only its latest change.
// Rows that cannot be served come with Invalid set (see catalog.Change).
func (db *DB) ChangesSince(ctx context.Context, version int64, limit int) ([]catalog.Change, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+selectColumns+" FROM stations WHERE version > $1 ORDER BY version LIMIT $2",
		version, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes since %d: %w", version, classify(err))
	}
	defer rows.Close()
	var out []catalog.Change
	dec := newRowDecoder()
	for rows.Next() {
		c, err := dec.change(rows)
		if err != nil {
			return nil, fmt.Errorf("read changes since %d: %w", version, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes since %d: %w", version, classify(err))
	}
	return out, nil
}

// MaxVersion is the highest version in the table, tombstones included.
func (db *DB) MaxVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM stations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read max version: %w", classify(err))
	}
	return v, nil
}

// Get returns the live record id, or ErrNotFound.
func (db *DB) Get(ctx context.Context, id string) (*data.Station, error) {
	return db.get(ctx, db.pool, id, false)
}

func (db *DB) get(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, id string, forUpdate bool) (*data.Station, error) {
	sql := "SELECT " + selectColumns + " FROM stations WHERE id = $1 AND NOT deleted"
	if forUpdate {
		sql += " FOR UPDATE"
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", id, classify(err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("get %q: %w", id, classify(err))
		}
		return nil, data.ErrNotFound
	}
	st, err := newRowDecoder().station(rows)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", id, err)
	}
	return st, nil
}

// ExportAll calls fn for every live record in id order, streaming, until
// fn returns an error (which ExportAll returns). Rows that cannot be
// served (see catalog.Change.Invalid; the same decoding and checks as LoadAll)
// are not passed to fn but to skip, as Changes with Invalid set, so that
// one bad row never stops the export of the others; with a nil skip they
// are logged.
func (db *DB) ExportAll(ctx context.Context, fn func(*data.Station) error, skip func(catalog.Change)) error {
	if skip == nil {
		skip = func(c catalog.Change) {
			db.log.Warn("skipping a stored record that cannot be served", "id", c.ID, "version", c.Version, "reason", c.Invalid)
		}
	}
	rows, err := db.pool.Query(ctx, "SELECT "+selectColumns+" FROM stations WHERE NOT deleted ORDER BY id",
		pgx.QueryResultFormats{pgx.BinaryFormatCode})
	if err != nil {
		return fmt.Errorf("export stations: %w", classify(err))
	}
	defer rows.Close()
	dec := newRowDecoder()
	for rows.Next() {
		c, err := dec.change(rows)
		if err != nil {
			return fmt.Errorf("export stations: %w", err)
		}
		if c.Invalid != "" {
			skip(c)
			continue
		}
		if err := fn(c.Station); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export stations: %w", classify(err))
	}
	return nil
}

// classify marks errors that mean "the database is not there" (network,
// timeouts, shutting down) with ErrUnavailable, keeping the cause.
func classify(err error) error {
	if err == nil || errors.Is(err, data.ErrUnavailable) || errors.Is(err, data.ErrBusy) || errors.Is(err, data.ErrReadOnly) ||
		errors.Is(err, data.ErrNoWritePrivilege) || errors.Is(err, errUndecodable) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "22"), // data exception: a value the column cannot hold
			pgErr.Code == "23514": // check violation
			return dataProblem(pgErr)
		case pgErr.Code == "25006": // read-only SQL transaction: a hot standby
			return fmt.Errorf("%w: %w", data.ErrReadOnly, err)
		case pgErr.Code == "42501": // insufficient privilege: the role is read-only
			return fmt.Errorf("%w: %w", data.ErrNoWritePrivilege, err)
		case pgErr.Code == "55P03": // lock not available: lock_timeout passed
			return fmt.Errorf("%w: %w", &data.BusyError{Waited: data.WriteLockTimeout}, err)
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "57P"), // admin shutdown, crash shutdown, cannot connect now
			pgErr.Code == "53300":                // too many connections
			return fmt.Errorf("%w: %w", data.ErrUnavailable, err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	// Everything else below SQL is the link: dial errors, resets, timeouts.
	return fmt.Errorf("%w: %w", data.ErrUnavailable, err)
}

// dataProblem turns a value the database refused (a data exception or a
// CHECK constraint) into a *ValidationError: the write is wrong, not the
// database, so the client must change it rather than retry. Validate
// should catch these first; this is the backstop for checks it lacks.
func dataProblem(pgErr *pgconn.PgError) error {
	field := "record"
	switch {
	case pgErr.ColumnName != "":
		field = pgErr.ColumnName
	case pgErr.ConstraintName != "":
		field = strings.TrimPrefix(strings.TrimSuffix(pgErr.ConstraintName, "_check"), "stations_")
	}
	return &data.ValidationError{Problems: []*data.FieldError{{Index: -1, Field: field,
		Reason: fmt.Sprintf("refused by the database: %s (SQLSTATE %s)", pgErr.Message, pgErr.Code)}}}
}

// Create inserts a new record (re-creating a deleted id is allowed) and
// returns it as stored, with its version and updated_at. A live record
// with the same id is ErrConflict; invalid records are a *ValidationError.
func (db *DB) Create(ctx context.Context, st *data.Station) (*data.Station, error) {
	if _, err := data.ValidateAll([]*data.Station{st}); err != nil {
		return nil, err
	}
	vals, err := rowValues(st)
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", st.ID, err)
	}
	var out *data.Station
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockVersions(ctx, tx); err != nil {
			return err
		}
		var err error
		out, err = db.insertReturning(ctx, tx, `INSERT INTO stations (`+columnListSQL+`) VALUES `+valuesSQL+
			` RETURNING `+selectColumns, vals)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return nil, fmt.Errorf("create %q: %w", st.ID, data.ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", st.ID, classify(err))
	}
	return out, nil
}

// Replace stores st in place of the live record with the same id. With
// expectVersion > 0 the stored record must have that version
// (ErrVersionConflict otherwise) and must exist (ErrNotFound); with
// expectVersion == 0 a missing record is created. created reports which.
func (db *DB) Replace(ctx context.Context, st *data.Station, expectVersion int64) (out *data.Station, created bool, err error) {
	if _, err := data.ValidateAll([]*data.Station{st}); err != nil {
		return nil, false, err
	}
	vals, err := rowValues(st)
	if err != nil {
		return nil, false, fmt.Errorf("replace %q: %w", st.ID, err)
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockVersions(ctx, tx); err != nil {
			return err
		}
		cur, err := db.currentVersion(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		switch {
		case expectVersion > 0 && cur == 0:
			return data.ErrNotFound
		case expectVersion > 0 && cur != expectVersion:
			return &data.VersionConflictError{Stored: cur, Expected: expectVersion}
		}
		created = cur == 0
		out, err = db.upsertReturning(ctx, tx, st.ID, vals)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("replace %q: %w", st.ID, classifyWrite(err))
	}
	return out, created, nil
}

// Patch applies a JSON merge patch (RFC 7396) to the live record id and
// stores the result. The patch is a partial GeoJSON Feature: "geometry"
// replaces the point, members of "properties" replace, add or (with null)
// remove properties; "id", if given, must be the record's id. A member
// that names nothing writable (an unknown property, names language or
// port member, or a read-only property such as version) is refused. The
// result is validated as a whole, like an import (*ValidationError).
// expectVersion > 0 is checked as in Replace.
func (db *DB) Patch(ctx context.Context, id string, patch []byte, expectVersion int64) (*data.Station, error) {
	return db.patchFunc(ctx, id, expectVersion, func(cur *data.Station) (*data.Station, []*data.FieldError) {
		return data.MergePatch(cur, patch)
	})
}

// patchFunc applies fn to the live record id inside a transaction that
// holds the record, and stores the result (which must keep the id). fn
// gets the stored record, which it must not modify; its problems abort
// the write as a *ValidationError.
func (db *DB) patchFunc(ctx context.Context, id string, expectVersion int64, fn func(cur *data.Station) (*data.Station, []*data.FieldError)) (*data.Station, error) {
	var out *data.Station
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockVersions(ctx, tx); err != nil {
			return err
		}
		cur, err := db.get(ctx, tx, id, true)
		if errors.Is(err, errUndecodable) {
			return &data.ValidationError{Problems: []*data.FieldError{{Index: -1, ID: id, Field: "record",
				Reason: fmt.Sprintf("the stored record cannot be read, so it cannot be patched (%v); replace it whole with PUT", err)}}}
		}
		if err != nil {
			return err
		}
		if expectVersion > 0 && cur.Version != expectVersion {
			return &data.VersionConflictError{Stored: cur.Version, Expected: expectVersion}
		}
		next, problems := fn(cur)
		if len(problems) > 0 {
			return &data.ValidationError{Problems: problems}
		}
		if next == nil || next.ID != id {
			return &data.ValidationError{Problems: []*data.FieldError{{Index: -1, ID: id, Field: "id", Reason: "a patch cannot change the id"}}}
		}
		if _, err := data.ValidateAll([]*data.Station{next}); err != nil {
			return err
		}
		vals, err := rowValues(next)
		if err != nil {
			return err
		}
		out, err = db.upsertReturning(ctx, tx, id, vals)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("patch %q: %w", id, classifyWrite(err))
	}
	return out, nil
}

// Delete turns the live record id into a tombstone and returns the
// tombstone's version. expectVersion > 0 is checked as in Replace; a
// missing record is ErrNotFound.
func (db *DB) Delete(ctx context.Context, id string, expectVersion int64) (int64, error) {
	var version int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockVersions(ctx, tx); err != nil {
			return err
		}
		cur, err := db.currentVersion(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case cur == 0:
			return data.ErrNotFound
		case expectVersion > 0 && cur != expectVersion:
			return &data.VersionConflictError{Stored: cur, Expected: expectVersion}
		}
		return tx.QueryRow(ctx, "UPDATE stations SET deleted = true WHERE id = $1 AND NOT deleted RETURNING version", id).Scan(&version)
	})
	if err != nil {
		return 0, fmt.Errorf("delete %q: %w", id, classifyWrite(err))
	}
	return version, nil
}

// lockVersions takes the write lock (versionLockKey) for the rest of tx,
// waiting at most WriteLockTimeout for it and for any row lock tx takes
// later. A lock not granted in time is a *BusyError with the time waited.
func lockVersions(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", fmt.Sprintf("%dms", data.WriteLockTimeout.Milliseconds())); err != nil {
		return err
	}
	start := time.Now()
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(versionLockKey))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return fmt.Errorf("take the write lock: %w", &data.BusyError{Waited: time.Since(start)})
	}
	return err
}

// currentVersion is the version of the live record id, 0 when there is none.
func (db *DB) currentVersion(ctx context.Context, tx pgx.Tx, id string) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, "SELECT version FROM stations WHERE id = $1 AND NOT deleted FOR UPDATE", id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// upsertReturning writes the record vals (rowValues of id) in tx over any
// row with its id and returns it as stored. A write that would change
// nothing is skipped by the version trigger and returns the stored record
// with its version unchanged.
func (db *DB) upsertReturning(ctx context.Context, tx pgx.Tx, id string, vals []any) (*data.Station, error) {
	out, err := db.insertReturning(ctx, tx, `INSERT INTO stations AS s (`+columnListSQL+`) VALUES `+valuesSQL+
		` ON CONFLICT (id) DO UPDATE SET `+setColumnsSQL+` RETURNING `+selectColumns, vals)
	if errors.Is(err, errNoRowWritten) {
		return db.get(ctx, tx, id, false)
	}
	return out, err
}

// errNoRowWritten: a write statement returned no row, because the version
// trigger skipped an update that would have changed nothing.
var errNoRowWritten = errors.New("write returned no row")

func (db *DB) insertReturning(ctx context.Context, tx pgx.Tx, sql string, vals []any) (*data.Station, error) {
	rows, err := tx.Query(ctx, sql, vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, errNoRowWritten
	}
	st, err := newRowDecoder().station(rows)
	if err != nil {
		return nil, err
	}
	rows.Close()
	return st, rows.Err()
}

// classifyWrite keeps the write methods' own errors and classifies the rest.
func classifyWrite(err error) error {
	var ve *data.ValidationError
	if errors.Is(err, data.ErrNotFound) || errors.Is(err, data.ErrVersionConflict) || errors.As(err, &ve) {
		return err
	}
	return classify(err)
}
