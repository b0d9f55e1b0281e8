package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
)

// rebuildIndexRows is how many rows one UpsertStations must write, at
// least, before it drops the table's GiST indexes and builds them again
// after writing instead of maintaining them row by row (when it also
// writes at least a quarter of the rows the table holds), and, into an
// empty table, every index (see dropIndexes). A variable so that tests
// can take that path with few rows.
var rebuildIndexRows int64 = 100_000

// UpsertStations writes stations in one transaction, inserting new ids and
// replacing existing ones (reviving tombstones), and returns how many rows
// were inserted or actually changed; identical rows are left alone and
// keep their version. The records come validated (data.Valid: by the
// reader of an import, data.Check or data.ValidateAll), so they are not
// validated again here. Inputs reach it with distinct ids (Import refuses
// an id that comes twice, keeping the first, as every reader does; see
// firstIDs); a batch that holds an id twice is written as if only its
// last record for the id were there, at that record's position.
//
// The work is set-based, so that a million records cost a few statements
// rather than a million round trips or trigger calls: one COPY of every
// row into a temporary table, one statement that finds the rows that are
// new or would change and draws their versions in input order, then one
// UPDATE of the changed rows and one INSERT of the new ones (in primary
// key order, which keeps the key's index writes local). A row that would
// not change costs a comparison and no write. Into a table that holds no
// row at all (the first import) there is nothing to compare, and the rows
// are copied straight into it instead (see insertIntoEmpty). The
// statements do exactly what the per-row version trigger would (see
// migrations/0005_bulk_versions.sql); TestBulkUpsertMatchesTrigger holds
// both paths to it.
func (db *DB) UpsertStations(ctx context.Context, valid data.Valid) (int64, error) {
	stations := valid.Items()
	order := stageOrder(stations)
	// The rows are encoded as COPY reads them, one at a time into one
	// buffer, rather than all built first. ord is the record's position,
	// the order versions are drawn in.
	next := 0
	rows := newCopyBinary(append([]string{"integer"}, stageTypes...), func(dst []any) ([]any, error) {
		if next == len(order) {
			return nil, nil
		}
		i := order[next]
		next++
		vals, err := appendRowValues(append(dst, i), stations[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", stations[i].ID, err)
		}
		return vals, nil
	})
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(versionLockKey)); err != nil {
			return err
		}
		// The statements below draw the versions themselves (see
		// migrations/0005_bulk_versions.sql). work_mem lets the hashes
		// of a large batch stay in memory; compiling the statements (JIT)
		// costs more than it saves on them. Both last as long as the
		// transaction.
		if _, err := tx.Exec(ctx, `SET LOCAL yizhan.bulk = 'on'; SET LOCAL work_mem = '256MB'; SET LOCAL jit = off`); err != nil {
			return err
		}
		var empty bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM stations)`).Scan(&empty); err != nil {
			return err
		}
		if empty {
			var err error
			n, err = db.insertIntoEmpty(ctx, tx, stations, order)
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stations_in (ord integer, `+stageSQL+`) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, rows, `COPY stations_in (ord, `+strings.Join(stageNames, ", ")+`) FROM STDIN (FORMAT binary)`); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		// The rows to write: new ids, and existing ones (tombstones
		// included) that change. Each draws its version here, in input
		// order (the subquery's ORDER BY is kept: it is not flattened),
		// as the version trigger would writing them one after another.
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stations_todo ON COMMIT DROP AS
			SELECT q.ord, nextval('station_version_seq') AS version, q.existing FROM (
				SELECT i.ord, s.id IS NOT NULL AS existing
				FROM stations_in AS i LEFT JOIN stations AS s ON s.id = i.id
				WHERE s.id IS NULL OR `+changedFrom("i.", true)+`
				ORDER BY i.ord) AS q`); err != nil {
			return err
		}
		// The planner knows nothing of a temporary table until it is
		// analyzed: guessing both tables' rows by their size, it joined
		// every staged row with stations (and sorted them all) to update
		// 1% of them, seconds instead of a fraction of one. What the
		// statements below need is how many rows each holds, which a
		// sample of a few hundred rows tells (the setting lasts until the
		// transaction ends; only ANALYZE reads it).
		if _, err := tx.Exec(ctx, `SET LOCAL default_statistics_target = 1; ANALYZE stations_in, stations_todo`); err != nil {
			return err
		}
		var updates, inserts, table int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE existing), count(*) FILTER (WHERE NOT existing),
			(SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'stations'::regclass)
			FROM stations_todo`).Scan(&updates, &inserts, &table); err != nil {
			return err
		}
		n = updates + inserts
		if n == 0 {
			return nil // nothing changes: no write, no version, no notification
		}
		var rebuild []string
		if n >= rebuildIndexRows && 4*n >= table+inserts {
			var err error
			if rebuild, err = db.dropIndexes(ctx, tx, false); err != nil {
				return err
			}
		}
		if updates > 0 {
			if _, err := tx.Exec(ctx, `UPDATE stations AS s SET `+setColumnsFrom("i.", true)+`,
				version = t.version, updated_at = now()
				FROM stations_todo AS t JOIN stations_in AS i ON i.ord = t.ord
				WHERE t.existing AND s.id = i.id`); err != nil {
				return err
			}
		}
		if inserts > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO stations (`+columnListSQL+`, version, updated_at)
				SELECT `+strings.Join(stagedFrom("i.", true), ", ")+`, t.version, now()
				FROM stations_todo AS t JOIN stations_in AS i ON i.ord = t.ord
				WHERE NOT t.existing`); err != nil {
				return err
			}
		}
		return buildAgain(ctx, tx, rebuild)
	})
	if err != nil {
		return 0, fmt.Errorf("upsert stations: %w", classify(err))
	}
	return n, nil
}

// insertIntoEmpty is UpsertStations into a table that holds no row, not
// even a tombstone (the first import). Every record is then new: there is
// nothing to compare, so the staging table, the statement that finds the
// rows to write and the join that writes them are left out, and the rows
// go by one COPY straight into stations, in primary key order (order),
// each with the version the per-row trigger would have drawn for it
// writing the records in input order; updated_at is the column's default,
// now(), as the trigger sets it.
//
// The versions are drawn as one block: nextval, then setval to the end of
// the block, which also leaves currval at the highest, as the statement
// trigger that notifies followers reads it. No other writer draws one in
// between: tx holds the advisory lock every writing statement takes.
func (db *DB) insertIntoEmpty(ctx context.Context, tx pgx.Tx, stations []*data.Station, order []int32) (int64, error) {
	n := int64(len(order))
	if n == 0 {
		return 0, nil
	}
	// Into an empty table, every index (the keys' too) is built afresh
	// after the rows, faster than writing a million rows into each, and
	// the rows are written a page at a time (see dropIndexes).
	var rebuild []string
	if n >= rebuildIndexRows {
		var err error
		if rebuild, err = db.dropIndexes(ctx, tx, true); err != nil {
			return 0, err
		}
	}
	var first int64
	if err := tx.QueryRow(ctx, `SELECT nextval('station_version_seq')`).Scan(&first); err != nil {
		return 0, err
	}
	if n > 1 {
		if _, err := tx.Exec(ctx, `SELECT setval('station_version_seq', $1)`, first+n-1); err != nil {
			return 0, err
		}
	}
	// version[i] is the version of the record at input position i: the
	// kept records numbered in input order (0 for one left out).
	version := make([]int64, len(stations))
	for _, i := range order {
		version[i] = 1
	}
	v := first
	for i := range version {
		if version[i] != 0 {
			version[i], v = v, v+1
		}
	}
	next := 0
	rows := newCopyBinary(directTypes, func(dst []any) ([]any, error) {
		if next == len(order) {
			return nil, nil
		}
		i := order[next]
		next++
		vals, err := appendDirectValues(dst, stations[i], version[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", stations[i].ID, err)
		}
		return vals, nil
	})
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, rows, `COPY stations (`+columnListSQL+`, version) FROM STDIN (FORMAT binary)`); err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	return n, buildAgain(ctx, tx, rebuild)
}

// buildAgain runs the statements dropIndexes returned, in tx.
func buildAgain(ctx context.Context, tx pgx.Tx, defs []string) error {
	if len(defs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := tx.Exec(ctx, def); err != nil {
			return fmt.Errorf("build index again: %w", err)
		}
	}
	return nil
}

// stageOrder is the order UpsertStations stages stations in: by id in
// byte order, each id once, the last record that has it. Inserted in that
// order (as the staged rows are read), the rows go to the end of the
// primary key's index rather than all over it, under the C and C.UTF-8
// collations; under another only the speed differs.
func stageOrder(stations []*data.Station) []int32 {
	type entry struct {
		id string
		i  int32
	}
	byID := make([]entry, len(stations))
	for i, st := range stations {
		byID[i] = entry{st.ID, int32(i)}
	}
	// Sorted by id, then position, the last of each run of one id is the
	// record kept.
	slices.SortFunc(byID, func(a, b entry) int {
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		return int(a.i - b.i)
	})
	order := make([]int32, 0, len(byID))
	for k, e := range byID {
		if k+1 < len(byID) && byID[k+1].id == e.id {
			continue
		}
		order = append(order, e.i)
	}
	return order
}

// dropIndexes drops the GiST indexes of stations (every index, keys
// included, and the version trigger, when all is set) in tx and returns
// the statements that build them again. Writing many rows into an index that exists costs several
// times building it afresh after them (at a million points, seconds
// against one). Dropping needs to own the table and an exclusive lock on
// it, which readers then wait for until tx ends; where either is not to
// be had within a second (a role that only writes rows, a long reader),
// nothing is dropped and the rows are written into the indexes as they
// are. Like every statement of tx, a failure or a crash before commit
// leaves the indexes as they were.
func (db *DB) dropIndexes(ctx context.Context, tx pgx.Tx, all bool) ([]string, error) {
	// An index that backs a constraint (the primary key) goes and comes
	// back with its constraint.
	rows, err := tx.Query(ctx, `SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid),
			coalesce(k.conname, ''), coalesce(pg_get_constraintdef(k.oid), '')
		FROM pg_index AS x JOIN pg_class AS c ON c.oid = x.indexrelid JOIN pg_am AS a ON a.oid = c.relam
		LEFT JOIN pg_constraint AS k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid
		WHERE x.indrelid = 'stations'::regclass AND ($1 OR a.amname = 'gist') AND pg_has_role(c.relowner, 'USAGE')
		ORDER BY k.conname IS NULL, 1`, all)
	if err != nil {
		return nil, err
	}
	var drops, defs []string
	for rows.Next() {
		var name, def, constraint, constraintDef string
		if err := rows.Scan(&name, &def, &constraint, &constraintDef); err != nil {
			return nil, err
		}
		if constraint != "" {
			drops = append(drops, "ALTER TABLE stations DROP CONSTRAINT "+pgx.Identifier{constraint}.Sanitize())
			defs = append(defs, "ALTER TABLE stations ADD CONSTRAINT "+pgx.Identifier{constraint}.Sanitize()+" "+constraintDef)
			continue
		}
		drops = append(drops, "DROP INDEX "+name)
		defs = append(defs, def)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if all {
		// The version trigger does nothing in a bulk write (its WHEN is
		// false under yizhan.bulk), but a BEFORE INSERT row trigger on
		// the table at all makes COPY insert one row at a time instead
		// of a page at a time: it goes and comes back like the indexes
		// (when it is enabled as it was created).
		var def string
		err := tx.QueryRow(ctx, `SELECT pg_get_triggerdef(t.oid) FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
			WHERE t.tgrelid = 'stations'::regclass AND t.tgname = 'stations_set_version' AND t.tgenabled = 'O'
			AND pg_has_role(c.relowner, 'USAGE')`).Scan(&def)
		switch {
		case err == nil:
			drops = append(drops, "DROP TRIGGER stations_set_version ON stations")
			defs = append(defs, def)
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, err
		}
	}
	if len(drops) == 0 {
		return nil, nil
	}
	var timeout string
	if err := tx.QueryRow(ctx, `SELECT current_setting('lock_timeout')`).Scan(&timeout); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT drop_indexes`); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `SET LOCAL lock_timeout = '1s'; LOCK TABLE stations IN ACCESS EXCLUSIVE MODE; `+strings.Join(drops, "; "))
	if err == nil {
		_, err = tx.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, timeout)
	}
	if err != nil {
		db.log.Info("writing rows into the indexes as they come: they cannot be dropped and built again", "error", err)
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT drop_indexes`); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT drop_indexes`); err != nil {
		return nil, err
	}
	return defs, nil
}
