package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/internal/recordtest"
)

// TestClassifyReplicaAndBusy: a hot standby's refusal is ErrReadOnly and a
// lock timeout is ErrBusy, not ErrUnavailable (which says "unreachable")
// and not an unclassified error (which the API answers with a 500).
func TestClassifyReplicaAndBusy(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
		not  error
	}{
		{"read-only transaction", &pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}, data.ErrReadOnly, data.ErrUnavailable},
		{"lock timeout", &pgconn.PgError{Code: "55P03", Message: "canceling statement due to lock timeout"}, data.ErrBusy, data.ErrUnavailable},
		{"wrapped lock timeout", fmt.Errorf("patch: %w", &pgconn.PgError{Code: "55P03"}), data.ErrBusy, data.ErrReadOnly},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, data.ErrUnavailable, data.ErrBusy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err)
			if !errors.Is(got, tc.want) || errors.Is(got, tc.not) {
				t.Errorf("classify(%v) = %v; want %v, not %v", tc.err, got, tc.want, tc.not)
			}
		})
	}
	var be *data.BusyError
	if err := classifyWrite(classify(&pgconn.PgError{Code: "55P03"})); !errors.As(err, &be) || be.Waited != data.WriteLockTimeout {
		t.Errorf("classifyWrite(lock timeout) = %v; want a *BusyError that waited %v", err, data.WriteLockTimeout)
	}
}

// idleFollower is a follower that has loaded but does not run, for tests
// of its pure decisions.
func idleFollower(version int64) *Follower {
	f := NewFollower(nil, catalog.NewCatalog(catalog.NewSnapshot(nil, version)), nil)
	f.loaded = true
	f.status.Connected = true
	f.status.LastContact = time.Now()
	f.listenContact = time.Now()
	return f
}

func TestFollowerNextPoll(t *testing.T) {
	tests := []struct {
		name      string
		listening bool
		connected bool
		queryTook time.Duration
		want      time.Duration
	}{
		{"notifications arrive: poll rarely", true, true, 100 * time.Microsecond, DefaultPollInterval},
		{"no notifications, cheap query: poll fast", false, true, 100 * time.Microsecond, MinPollInterval},
		{"no notifications, dearer query: slower", false, true, 10 * time.Millisecond, pollCostFactor * 10 * time.Millisecond},
		{"no notifications, dear query: never slower than the default", false, true, time.Second, DefaultPollInterval},
		{"database down: default", false, false, 100 * time.Microsecond, DefaultPollInterval},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := idleFollower(10)
			f.status.Listening, f.status.Connected, f.queryTook = tc.listening, tc.connected, tc.queryTook
			if got := f.nextPoll(); got != tc.want {
				t.Errorf("nextPoll() = %v; want %v", got, tc.want)
			}
			if tc.connected && f.Status().PollInterval != tc.want && !tc.listening {
				t.Errorf("Status().PollInterval = %v; want %v", f.Status().PollInterval, tc.want)
			}
		})
	}
}

// TestFollowerChasesKnownVersion: behind a version known to be committed
// (a replica still replaying it), the follower retries within
// milliseconds, backing off to MinPollInterval, and stops chasing once
// the snapshot has it.
func TestFollowerChasesKnownVersion(t *testing.T) {
	f := idleFollower(10)
	f.status.Listening = true
	f.expect(12)
	var got []time.Duration
	for range 8 {
		got = append(got, f.nextPoll())
	}
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond,
		16 * time.Millisecond, MinPollInterval, MinPollInterval, MinPollInterval}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("nextPoll() while behind = %v; want %v", got, want)
	}
	f.catalog.Store(f.catalog.Snapshot().Apply([]catalog.Change{{Version: 12, ID: "x", Station: &data.Station{ID: "x", Location: orb.Point{111, 43}}}}))
	if got := f.nextPoll(); got != DefaultPollInterval {
		t.Errorf("nextPoll() once caught up = %v; want %v", got, DefaultPollInterval)
	}
	f.expect(11) // older than the target: no new chase
	if got := f.nextPoll(); got != DefaultPollInterval {
		t.Errorf("nextPoll() after an old version = %v; want %v", got, DefaultPollInterval)
	}
}

// TestFollowerStatusLiveness: a database that has not answered for longer
// than LivenessBound is reported unreachable (and a silent LISTEN
// connection not listening) even though no query has failed yet.
func TestFollowerStatusLiveness(t *testing.T) {
	f := idleFollower(3)
	f.status.Listening = true
	if st := f.Status(); !st.Connected || !st.Listening {
		t.Fatalf("fresh Status() = %+v; want connected and listening", st)
	}
	f.mu.Lock()
	f.status.LastContact = time.Now().Add(-LivenessBound - time.Second)
	f.listenContact = f.status.LastContact
	f.mu.Unlock()
	st := f.Status()
	if st.Connected || st.Listening || !strings.Contains(st.LastError, "has not answered") {
		t.Errorf("Status() after %v of silence = connected %v, listening %v, error %q; want both false and the silence named",
			LivenessBound+time.Second, st.Connected, st.Listening, st.LastError)
	}
}

// TestFollowerSnapshotAgeIncludesReplayLag: on a replica, the data is as
// old as the last catch-up plus how far the replica trailed its primary.
func TestFollowerSnapshotAgeIncludesReplayLag(t *testing.T) {
	f := idleFollower(3)
	f.status.LastCatchUp = time.Now()
	f.status.Replication = catalog.Replication{Standby: true, Lag: 7 * time.Second, LagKnown: true, Paused: true}
	f.status.ReplicationKnown = true
	if age := f.Status().SnapshotAge; age < 7*time.Second || age > 8*time.Second {
		t.Errorf("SnapshotAge with a 7 s replay lag = %v; want about 7 s", age)
	}
}

// TestReplicationOnPrimary: the primary says it is no standby, with no lag.
func TestReplicationOnPrimary(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	r, err := db.Replication(context.Background())
	if err != nil || r.Standby || r.Lag != 0 || !r.LagKnown {
		t.Errorf("Replication() on the primary = %+v, %v; want not a standby, lag 0", r, err)
	}
}

// TestWriteLockTimeout: a write waiting behind a transaction that holds
// the write lock gives up after WriteLockTimeout with a *BusyError that
// says how long it waited.
func TestWriteLockTimeout(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	st, err := db.Create(ctx, recordtest.Station("locked", orb.Point{111, 43}))
	if err != nil {
		t.Fatal(err)
	}
	// The lock holder has its own connection, so that the pool's are all
	// free for the writes.
	holder, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(versionLockKey)); err != nil {
		t.Fatal(err)
	}
	writes := map[string]func() error{
		"create":  func() error { _, err := db.Create(ctx, recordtest.Station("new", orb.Point{112, 43})); return err },
		"replace": func() error { _, _, err := db.Replace(ctx, st, 0); return err },
		"patch":   func() error { _, err := db.Patch(ctx, "locked", []byte(`{"properties":{"beds":3}}`), 0); return err },
		"delete":  func() error { _, err := db.Delete(ctx, "locked", 0); return err },
	}
	var wg sync.WaitGroup
	for name, write := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := write()
			took := time.Since(start)
			var be *data.BusyError
			if !errors.As(err, &be) || be.Waited < data.WriteLockTimeout || be.Waited > data.WriteLockTimeout+time.Second || took > data.WriteLockTimeout+2*time.Second {
				t.Errorf("%s behind a held write lock = %v after %v; want a *BusyError after about %v", name, err, took, data.WriteLockTimeout)
			}
		}()
	}
	wg.Wait()
}
