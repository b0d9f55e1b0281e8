package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
)

// upsertPerRowTrigger is the oracle that TestBulkUpsertMatchesTrigger
// holds UpsertStations to: the records upserted one after another, in
// input order, each by its own INSERT ... ON CONFLICT DO UPDATE (the
// API's write) with the per-row version trigger drawing its version, in
// one transaction. An id given twice counts as its last record, at that
// record's position, as UpsertStations takes it.
func upsertPerRowTrigger(ctx context.Context, db *DB, valid data.Valid) (int64, error) {
	stations := valid.Items()
	last := make(map[string]int, len(stations))
	for i, st := range stations {
		last[st.ID] = i
	}
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(versionLockKey))); err != nil {
			return err
		}
		for i, st := range stations {
			if last[st.ID] != i {
				continue
			}
			vals, err := rowValues(st)
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO stations AS s (`+columnListSQL+`) VALUES `+valuesSQL+
				` ON CONFLICT (id) DO UPDATE SET `+setColumnsSQL, vals...)
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	return n, err
}

// feedState is what followers see of a database: every row as the change
// feed gives it, the notifications sent, and when each row's updated_at
// last moved (as the step that moved it, since two databases' clocks
// differ).
type feedState struct {
	changes []string
	notes   []string
	moved   map[string]int
}

// TestBulkUpsertMatchesTrigger: the bulk statements (versions drawn in
// the statements, the per-row trigger skipped) leave the same table, the
// same change feed and the same notifications as the per-row trigger did,
// step by step, on rows copied into an empty table, new rows, changed
// rows, unchanged rows, revived tombstones and an id given twice in one
// batch.
func TestBulkUpsertMatchesTrigger(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 22))
	base := recordtest.Random(r, 400)
	for i := range 100 {
		base = append(base, recordtest.Rich(r, i))
	}
	changed := func(st *data.Station, i int) *data.Station {
		cp := *st
		switch i % 4 {
		case 0:
			cp.Names.EN = "changed " + st.ID
		case 1:
			cp.Beds = recordtest.IntP(i)
		case 2:
			cp.Location[0] += 0.001
		default:
			cp.Amenities ^= 1
		}
		return &cp
	}
	var second []*data.Station
	for i, st := range base {
		switch i % 3 {
		case 0:
			second = append(second, st) // unchanged
		case 1:
			second = append(second, changed(st, i))
		}
	}
	for i := range 50 {
		second = append(second, recordtest.Station(fmt.Sprintf("new-%d", i), base[i].Location))
	}
	// New, changed and unchanged records mixed, so that the versions
	// drawn in input order interleave inserts and updates.
	r.Shuffle(len(second), func(i, j int) { second[i], second[j] = second[j], second[i] })
	// An id twice in one batch: the later one wins.
	second = append(second, changed(base[0], 1), changed(base[0], 2))
	// The first batch goes into an empty table (insertIntoEmpty), with
	// an id twice: the later record, at its position, draws the version.
	first := append(append([]*data.Station{changed(base[4], 1)}, base...), changed(base[2], 3))
	deleted := []string{base[5].ID, base[7].ID, base[9].ID}
	third := []*data.Station{base[5], changed(base[7], 3), base[2], changed(base[3], 0)} // revived tombstones, one unchanged, one changed

	run := func(upsert func(ctx context.Context, db *DB, v data.Valid) (int64, error)) ([]int64, []feedState, string) {
		db, url := migratedDB(t)
		listen, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer listen.Close(ctx)
		if _, err := listen.Exec(ctx, "LISTEN yizhan_changes"); err != nil {
			t.Fatal(err)
		}
		var (
			counts []int64
			states []feedState
			seenAt = map[string]time.Time{}
			moved  = map[string]int{}
		)
		snapshot := func(step int) {
			var st feedState
			rows, err := db.pool.Query(ctx, "SELECT id, version, deleted, updated_at FROM stations ORDER BY version")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var (
					id  string
					v   int64
					del bool
					at  time.Time
				)
				if err := rows.Scan(&id, &v, &del, &at); err != nil {
					t.Fatal(err)
				}
				if !seenAt[id].Equal(at) {
					seenAt[id], moved[id] = at, step
				}
				st.changes = append(st.changes, fmt.Sprintf("%s@%d deleted=%v", id, v, del))
			}
			rows.Close()
			cs, err := db.ChangesSince(ctx, 0, 10000)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if c.Station != nil {
					cp := *c.Station
					cp.UpdatedAt = time.Time{}
					raw, err := cp.MarshalFeature()
					if err != nil {
						t.Fatal(err)
					}
					st.changes = append(st.changes, fmt.Sprintf("%s@%d %s", c.ID, c.Version, raw))
				}
			}
			st.moved = map[string]int{}
			for k, v := range moved {
				st.moved[k] = v
			}
			for {
				wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				n, err := listen.WaitForNotification(wctx)
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				st.notes = append(st.notes, n.Payload)
			}
			states = append(states, st)
		}
		for step, batch := range [][]*data.Station{first, second, nil, third, base, base} {
			if batch == nil {
				for _, id := range deleted {
					if _, err := db.Delete(ctx, id, 0); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				n, err := upsert(ctx, db, checkedValid(batch))
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				counts = append(counts, n)
			}
			snapshot(step)
		}
		var indexes []string
		// The indexes and triggers (which an import into an empty table
		// drops and makes again) as they are after the steps.
		rows, err := db.pool.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'stations'
			UNION ALL SELECT pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger WHERE tgrelid = 'stations'::regclass AND NOT tgisinternal
			ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		indexes, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return counts, states, strings.Join(indexes, "\n")
	}
	oldCounts, oldStates, oldIndexes := run(upsertPerRowTrigger)
	// Twice: writing into the indexes as they are, and (every batch
	// large enough) dropping the spatial index and building it again.
	for _, rebuildFrom := range []int64{rebuildIndexRows, 1} {
		t.Run(fmt.Sprintf("rebuild from %d rows", rebuildFrom), func(t *testing.T) {
			defer func(v int64) { rebuildIndexRows = v }(rebuildIndexRows)
			rebuildIndexRows = rebuildFrom
			newCounts, newStates, newIndexes := run(func(ctx context.Context, db *DB, v data.Valid) (int64, error) { return db.UpsertStations(ctx, v) })
			compareFeeds(t, oldCounts, newCounts, oldStates, newStates)
			if newIndexes != oldIndexes {
				t.Errorf("indexes and triggers after the bulk writes:\n%s\nwant\n%s", newIndexes, oldIndexes)
			}
		})
	}
	if len(oldStates[1].notes) == 0 || len(oldStates[5].notes) != 0 {
		t.Errorf("notifications %v, %v: want some after a changing batch and none after an unchanged one", oldStates[1].notes, oldStates[5].notes)
	}
}

// compareFeeds reports where the bulk writes' counts and feed states
// differ from the oracle's.
func compareFeeds(t *testing.T, oldCounts, newCounts []int64, oldStates, newStates []feedState) {
	t.Helper()
	if fmt.Sprint(oldCounts) != fmt.Sprint(newCounts) {
		t.Errorf("rows written: bulk %v, trigger %v", newCounts, oldCounts)
	}
	for step := range oldStates {
		o, n := oldStates[step], newStates[step]
		if d := firstDiff(n.changes, o.changes); d != "" {
			t.Errorf("step %d: table and change feed differ: %s", step, d)
		}
		// One statement per record notifies once per changed record;
		// the bulk write once, with the highest version. Followers take
		// a notification as a wake-up, so the last one is what counts.
		// (Steps that delete send the same in both.)
		if want := o.notes[max(0, len(o.notes)-1):]; fmt.Sprint(n.notes) != fmt.Sprint(want) && fmt.Sprint(n.notes) != fmt.Sprint(o.notes) {
			t.Errorf("step %d: notifications: bulk %v, want %v (trigger sent %v)", step, n.notes, want, o.notes)
		}
		if fmt.Sprint(n.moved) != fmt.Sprint(o.moved) {
			t.Errorf("step %d: updated_at moved at steps: bulk %v, trigger %v", step, n.moved, o.moved)
		}
	}
}

// checkedValid validates a batch that may hold an id twice (UpsertStations
// takes such a batch as the later record winning).
func checkedValid(stations []*data.Station) data.Valid {
	v, err := data.ValidateAll(stations)
	if err != nil {
		panic(err)
	}
	return v
}

func firstDiff(a, b []string) string {
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			return fmt.Sprintf("bulk lacks %q", b[i])
		case i >= len(b):
			return fmt.Sprintf("bulk has more: %q", a[i])
		case a[i] != b[i]:
			return fmt.Sprintf("bulk %q, trigger %q", a[i], b[i])
		}
	}
	return ""
}

// TestNamesJSON: the names column is encoded as encoding/json encodes it.
func TestNamesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pick := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		tail := "\x01\xff<&>\u2029"
		return recordtest.Texts[r.IntN(len(recordtest.Texts))] + tail[:r.IntN(len(tail)+1)]
	}
	for range 2000 {
		n := data.Names{ZH: pick(), EN: pick(), RU: pick(), MN: pick()}
		want, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		if got := namesJSON(n); got != string(want) {
			t.Fatalf("namesJSON(%+v) = %s; want %s", n, got, want)
		}
	}
}

// TestUpsertKeepsIndexWhenLocked: a large write whose spatial index
// cannot be dropped in time (a reader holds the table) writes its rows
// into the index as it is, and the index is still there and used.
func TestUpsertKeepsIndexWhenLocked(t *testing.T) {
	defer func(v int64) { rebuildIndexRows = v }(rebuildIndexRows)
	rebuildIndexRows = 1
	ctx := context.Background()
	db, url := migratedDB(t)
	reader, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close(ctx)
	tx, err := reader.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT count(*) FROM stations"); err != nil {
		t.Fatal(err)
	}
	stations := recordtest.Random(rand.New(rand.NewPCG(7, 8)), 200)
	n, err := db.UpsertStations(ctx, valid(t, stations))
	if err != nil || n != 200 {
		t.Fatalf("UpsertStations with a reader holding the table = %d, %v; want 200", n, err)
	}
	_ = tx.Rollback(ctx)
	var oid uint32
	if err := db.pool.QueryRow(ctx, "SELECT 'stations_geom_idx'::regclass::oid").Scan(&oid); err != nil {
		t.Fatalf("the spatial index is gone: %v", err)
	}
	// Without the reader, the same path drops and builds it again: a new
	// index (another oid) holding every row.
	more := recordtest.Random(rand.New(rand.NewPCG(9, 10)), 300)
	for i, st := range more {
		st.ID = fmt.Sprintf("more-%d", i)
	}
	if _, err := db.UpsertStations(ctx, valid(t, more)); err != nil {
		t.Fatal(err)
	}
	var rebuilt uint32
	var indexed int
	if err := db.pool.QueryRow(ctx, "SELECT 'stations_geom_idx'::regclass::oid").Scan(&rebuilt); err != nil || rebuilt == oid {
		t.Errorf("spatial index oid %d after a large write, was %d (%v); want it built again", rebuilt, oid, err)
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM stations WHERE NOT deleted AND geom && ST_MakeEnvelope(-180, -90, 180, 90, 4326)`).Scan(&indexed)
	})
	if err != nil || indexed != 500 {
		t.Errorf("the index finds %d rows (%v); want 500", indexed, err)
	}
}
