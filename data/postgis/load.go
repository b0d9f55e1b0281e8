package postgis

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
	"yizhan/data/catalog"
)

// loadParallelPages is the table size (in 8 kB pages, some 50,000 rows)
// from which loadAll reads on several connections: below it one is as
// fast. loadParts, when > 0, sets how many parts (tests).
// afterExport, when set, runs once the snapshot is exported (tests).
var (
	loadParallelPages int64 = 1000
	loadParts               = 0
	afterExport       func()
)

// loadAll is LoadAll that returns the rows it left out instead of logging
// them, as Changes with Invalid set.
//
// A million rows take a second or more to decode on one core, so a large
// table is read in parts, one per core (at most one less than the pool
// holds), each on its own connection: the first transaction exports its
// snapshot (pg_export_snapshot) and every part's transaction imports it,
// so that all of them read the same committed state, and each part reads
// a range of the table's pages (a TID range scan). The parts are joined
// in page order: the records come in the table's physical order, as one
// sequential scan gives them. Where the snapshot cannot be shared, the
// table is read on one connection.
func (db *DB) loadAll(ctx context.Context) ([]*data.Station, int64, []catalog.Change, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, nil, fmt.Errorf("load stations: %w", classify(err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// max(version) reads the version index; the row estimate sizes the
	// slice without a second full scan.
	var (
		version  int64
		estimate float32
		pages    int64
	)
	if err := tx.QueryRow(ctx, `SELECT (SELECT coalesce(max(version), 0) FROM stations),
		(SELECT reltuples FROM pg_class WHERE oid = 'stations'::regclass),
		pg_relation_size('stations') / current_setting('block_size')::int`).Scan(&version, &estimate, &pages); err != nil {
		return nil, 0, nil, fmt.Errorf("load stations: %w", classify(err))
	}
	parts := min(runtime.GOMAXPROCS(0), int(db.pool.Config().MaxConns)-1, 8)
	if loadParts > 0 {
		parts = loadParts
	}
	if pages < loadParallelPages || parts < 2 {
		return wrapLoad(loadPart(ctx, tx, "", version, estimate))
	}
	var snapshot string
	if _, err := tx.Exec(ctx, "SAVEPOINT export"); err != nil {
		return nil, 0, nil, fmt.Errorf("load stations: %w", classify(err))
	}
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		db.log.Debug("reading the table on one connection: the snapshot cannot be shared", "error", err)
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT export"); err != nil {
			return nil, 0, nil, fmt.Errorf("load stations: %w", classify(err))
		}
		return wrapLoad(loadPart(ctx, tx, "", version, estimate))
	}
	if afterExport != nil {
		afterExport()
	}

	type part struct {
		stations []*data.Station
		skipped  []catalog.Change
		err      error
	}
	out := make([]part, parts)
	var wg sync.WaitGroup
	for i := range parts {
		// The last range is open-ended: no visible row lies past the size
		// read above, but nothing is lost if one did.
		where := fmt.Sprintf("ctid >= '(%d,0)'::tid", pages*int64(i)/int64(parts))
		if i < parts-1 {
			where += fmt.Sprintf(" AND ctid < '(%d,0)'::tid", pages*int64(i+1)/int64(parts))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(ptx pgx.Tx) error {
				if _, err := ptx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snapshot+"'"); err != nil {
					return err
				}
				var err error
				out[i].stations, _, out[i].skipped, err = loadPart(ctx, ptx, where, version, estimate/float32(parts))
				return err
			})
		}()
	}
	wg.Wait()
	var (
		stations = make([]*data.Station, 0, max(0, int(estimate))+16)
		skipped  []catalog.Change
	)
	for _, p := range out {
		if p.err != nil {
			return nil, 0, nil, fmt.Errorf("load stations: %w", classify(p.err))
		}
		stations = append(stations, p.stations...)
		skipped = append(skipped, p.skipped...)
	}
	return stations, version, skipped, nil
}

// wrapLoad gives loadPart's error loadAll's context.
func wrapLoad(stations []*data.Station, version int64, skipped []catalog.Change, err error) ([]*data.Station, int64, []catalog.Change, error) {
	if err != nil {
		return nil, 0, nil, fmt.Errorf("load stations: %w", classify(err))
	}
	return stations, version, skipped, nil
}

// loadPart reads the live rows of stations (those matching where, when
// given) in tx, with one decoder. The rows come by binary COPY, decoded
// as they arrive (see copyRows), rather than by a query scanned with pgx.
func loadPart(ctx context.Context, tx pgx.Tx, where string, version int64, estimate float32) ([]*data.Station, int64, []catalog.Change, error) {
	sql := "SELECT " + selectColumns + " FROM stations WHERE NOT deleted"
	if where != "" {
		sql += " AND " + where
	}
	out := make([]*data.Station, 0, max(0, int(estimate))+16)
	var skipped []catalog.Change
	dec := newRowDecoder()
	dec.slab = true
	rows := newCopyRows(func(r *copyRow) error {
		c, err := dec.change(r)
		if err != nil {
			return err
		}
		if c.Invalid != "" {
			skipped = append(skipped, c)
		} else {
			out = append(out, c.Station)
		}
		return nil
	})
	if _, err := tx.Conn().PgConn().CopyTo(ctx, rows, "COPY ("+sql+") TO STDOUT (FORMAT binary)"); err != nil {
		return nil, 0, nil, err
	}
	if err := rows.finish(); err != nil {
		return nil, 0, nil, err
	}
	return out, version, skipped, nil
}
