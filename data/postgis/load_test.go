package postgis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/internal/recordtest"
)

// TestLoadAllInParts: reading the table in parts on several connections
// (one shared snapshot, a page range each) gives what one scan gives: the
// same records in the same order, the same version, the same rows left
// out; and a change committed after the load began is in neither.
func TestLoadAllInParts(t *testing.T) {
	db, _ := migratedDB(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 8))
	stations := recordtest.Random(r, 3000)
	for i := 0; i < len(stations); i += 500 {
		if _, err := db.UpsertStations(ctx, valid(t, stations[i:i+500])); err != nil {
			t.Fatal(err)
		}
	}
	// Tombstones and rewritten rows spread the live rows over the pages.
	for _, id := range []string{stations[3].ID, stations[1500].ID, stations[2999].ID} {
		if _, err := db.Delete(ctx, id, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.pool.Exec(ctx, "UPDATE stations SET beds = coalesce(beds, 0) + 1 WHERE id IN ($1, $2)", stations[10].ID, stations[2000].ID); err != nil {
		t.Fatal(err)
	}

	defer func(p int64, n int) { loadParallelPages, loadParts = p, n }(loadParallelPages, loadParts)
	loadParallelPages = 1
	loadParts = 1
	want, wantV, wantSkipped, err := db.loadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 2997 {
		t.Fatalf("one part: %d records; want 2997", len(want))
	}
	for k, parts := range []int{2, 3, 7} {
		loadParts = parts
		afterExport = func() {
			if _, err := db.Create(ctx, recordtest.Station(fmt.Sprintf("late-%d", k), orb.Point{111, 43})); err != nil {
				t.Error(err)
			}
		}
		got, v, skipped, err := db.loadAll(ctx)
		afterExport = nil
		if err != nil {
			t.Fatalf("%d parts: %v", parts, err)
		}
		if v != wantV || len(got) != len(want) || len(skipped) != len(wantSkipped) {
			t.Fatalf("%d parts: %d records, version %d, %d skipped; want %d, %d, %d", parts, len(got), v, len(skipped), len(want), wantV, len(wantSkipped))
		}
		for i := range got {
			if d := recordtest.Diff(got[i], want[i]); d != "" {
				t.Fatalf("%d parts: record %d: %s", parts, i, d)
			}
		}
	}
}

// loadByQuery is the oracle of loadPart: the same SELECT as a query,
// scanned by pgx into the same decoder, on one connection.
func loadByQuery(ctx context.Context, db *DB) ([]*data.Station, []catalog.Change, error) {
	var (
		out     []*data.Station
		skipped []catalog.Change
	)
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+selectColumns+" FROM stations WHERE NOT deleted")
		if err != nil {
			return err
		}
		defer rows.Close()
		dec := newRowDecoder()
		for rows.Next() {
			c, err := dec.change(rows)
			if err != nil {
				return err
			}
			if c.Invalid != "" {
				skipped = append(skipped, c)
				continue
			}
			out = append(out, c.Station)
		}
		return rows.Err()
	})
	return out, skipped, err
}

// TestLoadAllCopyMatchesQuery: the records LoadAll decodes from binary
// COPY are those pgx scans from the same query, field for field (every
// optional field set and unset, texts in every script, updated_at to the
// microsecond), and the rows it leaves out are the same, for the same
// reasons.
func TestLoadAllCopyMatchesQuery(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(31, 32))
	stations := recordtest.Random(r, 300)
	for i := range 300 {
		stations = append(stations, recordtest.Rich(r, i))
	}
	if _, err := db.UpsertStations(ctx, valid(t, stations)); err != nil {
		t.Fatal(err)
	}
	insertUnservableRows(t, db)
	for _, sql := range []string{
		`UPDATE stations SET updated_at = '1999-12-31 23:59:59.999999+00' WHERE id = (SELECT min(id) FROM stations WHERE NOT deleted)`,
	} {
		if _, err := db.pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := db.Delete(ctx, stations[7].ID, 0); err != nil {
		t.Fatal(err)
	}
	want, wantSkipped, err := loadByQuery(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	got, _, skipped, err := db.loadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) != len(stations)-1 {
		t.Fatalf("loadAll: %d records, the query %d; want %d", len(got), len(want), len(stations)-1)
	}
	for i := range got {
		if d := recordtest.Diff(got[i], want[i]); d != "" {
			t.Fatalf("record %d (%s): %s", i, want[i].ID, d)
		}
		if !got[i].UpdatedAt.Equal(want[i].UpdatedAt) || got[i].UpdatedAt.Location() != want[i].UpdatedAt.Location() || got[i].Version != want[i].Version {
			t.Fatalf("record %s: updated %v, version %d; the query %v, %d", want[i].ID, got[i].UpdatedAt, got[i].Version, want[i].UpdatedAt, want[i].Version)
		}
	}
	if fmt.Sprint(skipped) != fmt.Sprint(wantSkipped) || len(skipped) != 2 {
		t.Errorf("left out %v; the query %v (want the 2 unservable rows)", skipped, wantSkipped)
	}
}
