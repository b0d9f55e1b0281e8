package postgis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

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
