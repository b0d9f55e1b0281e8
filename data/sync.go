package data

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeChannel is the NOTIFY channel the stations triggers signal on.
const ChangeChannel = "yizhan_changes"

// Follower timings.
const (
	// DefaultPollInterval bounds how stale a follower can be when
	// notifications do not arrive (a streaming replica, a dropped LISTEN
	// connection, a lost notification): it runs the catch-up query at
	// least this often.
	DefaultPollInterval = 500 * time.Millisecond
	// debounce gathers the notifications of a burst of writes into one
	// catch-up.
	debounce = 5 * time.Millisecond
	// changeBatch is how many changes one catch-up query reads at most.
	changeBatch = 20_000
	// queryTimeout bounds one catch-up query, so that a database that
	// hangs cannot stall the follower.
	queryTimeout = 10 * time.Second
	// Reconnect backoff of the LISTEN connection.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// FollowerStatus is what a Follower reports for /readyz and /metrics.
type FollowerStatus struct {
	Connected   bool          // the last catch-up query succeeded
	Listening   bool          // the LISTEN connection is up (false on a replica, where NOTIFY does not arrive)
	LastError   string        // the last database error, "" after a success
	Version     int64         // version of the snapshot being served
	Records     int           // records in the snapshot being served
	SnapshotAge time.Duration // time since the snapshot was last confirmed current (the last successful catch-up)
	Reconnects  int64         // times the LISTEN connection was re-established after a loss
	LastCatchUp time.Time     // when the last catch-up succeeded
	// Skipped counts stored rows left out of the snapshot because they
	// cannot be decoded or fail validation (written by plain SQL, say);
	// LastSkipped says which was the last and why. Each bad row version
	// counts once per process (once more after a reload).
	Skipped     int64
	LastSkipped string
}

// Follower keeps a Catalog in step with PostGIS: it loads every record
// once, then applies the change feed in version order, building each next
// snapshot copy-on-write and swapping it in. LISTEN wakes it within
// milliseconds of a commit; a periodic catch-up query makes it correct
// without notifications. When the database goes away it keeps serving the
// last snapshot and catches up when the database returns.
type Follower struct {
	db      *PostGIS
	catalog *Catalog
	log     *slog.Logger

	// PollInterval is how often the catch-up query runs without a
	// notification; set before Run. Zero means DefaultPollInterval.
	PollInterval time.Duration

	wake chan struct{} // buffered 1: "run a catch-up soon"

	mu         sync.Mutex
	status     FollowerStatus
	applied    chan struct{} // closed and replaced after every catch-up attempt
	loaded     bool
	listenWarn bool // a LISTEN failure was already logged at warn level
}

// NewFollower returns a follower that fills catalog from db. Call Load
// (optional, to fail fast at start-up) and then Run.
func NewFollower(db *PostGIS, catalog *Catalog, logger *slog.Logger) *Follower {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Follower{
		db:      db,
		catalog: catalog,
		log:     logger.With("component", "follower"),
		wake:    make(chan struct{}, 1),
		applied: make(chan struct{}),
	}
}

// Load reads every record and makes it the catalog's snapshot.
func (f *Follower) Load(ctx context.Context) error {
	start := time.Now()
	stations, version, skipped, err := f.db.loadAll(ctx)
	if err != nil {
		f.noteError(err)
		return err
	}
	f.noteSkipped(skipped)
	snap := NewSnapshot(stations, version)
	f.catalog.Store(snap)
	f.mu.Lock()
	f.loaded = true
	f.status.Connected, f.status.LastError = true, ""
	f.status.Version, f.status.Records = version, snap.Len()
	f.status.LastCatchUp = time.Now()
	f.mu.Unlock()
	f.broadcast()
	f.log.Info("loaded records", "records", snap.Len(), "version", version, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Run follows the change feed until ctx is done; it loads first if Load
// has not succeeded yet, retrying with backoff. It returns ctx's error.
func (f *Follower) Run(ctx context.Context) error {
	backoff := minBackoff
	for !f.isLoaded() {
		if err := f.Load(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.log.Warn("initial load failed; retrying", "error", err, "in", backoff)
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			backoff = min(2*backoff, maxBackoff)
		}
	}

	go f.listen(ctx)

	ticker := time.NewTicker(f.pollInterval())
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.wake:
			// Let the rest of a burst commit, then take it in one go.
			if !sleep(ctx, debounce) {
				return ctx.Err()
			}
			select {
			case <-f.wake:
			default:
			}
		case <-ticker.C:
		}
		f.catchUp(ctx)
	}
}

func (f *Follower) pollInterval() time.Duration {
	if f.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return f.PollInterval
}

// Wake asks the follower to run a catch-up now rather than at the next poll.
func (f *Follower) Wake() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// WaitForVersion returns once the catalog's snapshot reflects version v
// (read-your-writes after a write that returned v), or ctx's error. It
// wakes the follower so the wait is a few milliseconds, not a poll period.
func (f *Follower) WaitForVersion(ctx context.Context, v int64) error {
	for {
		f.mu.Lock()
		ch := f.applied
		f.mu.Unlock()
		if snap := f.catalog.Snapshot(); snap != nil && snap.Version() >= v {
			return nil
		}
		f.Wake()
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for version %d: %w", v, ctx.Err())
		case <-ch:
		}
	}
}

// Status reports the follower's state; safe for concurrent use.
func (f *Follower) Status() FollowerStatus {
	f.mu.Lock()
	st := f.status
	f.mu.Unlock()
	if !st.LastCatchUp.IsZero() {
		st.SnapshotAge = time.Since(st.LastCatchUp)
	}
	if snap := f.catalog.Snapshot(); snap != nil {
		st.Version, st.Records = snap.Version(), snap.Len()
	}
	return st
}

func (f *Follower) isLoaded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loaded
}

// broadcast wakes every WaitForVersion.
func (f *Follower) broadcast() {
	f.mu.Lock()
	close(f.applied)
	f.applied = make(chan struct{})
	f.mu.Unlock()
}

func (f *Follower) noteError(err error) {
	f.mu.Lock()
	if f.status.Connected {
		f.log.Warn("database unreachable; serving the last snapshot", "error", err)
	}
	f.status.Connected = false
	f.status.LastError = err.Error()
	f.mu.Unlock()
}

// noteSkipped logs and counts the changes of cs that cannot be served.
func (f *Follower) noteSkipped(cs []Change) {
	for _, c := range cs {
		if c.Invalid == "" {
			continue
		}
		f.log.Warn("skipping a stored record that cannot be served; fix or delete its row", "id", c.ID, "version", c.Version, "reason", c.Invalid)
		f.mu.Lock()
		f.status.Skipped++
		f.status.LastSkipped = fmt.Sprintf("id %q version %d: %s", c.ID, c.Version, c.Invalid)
		f.mu.Unlock()
	}
}

// catchUp reads every change after the current snapshot's version and
// swaps in the snapshot with them applied. Only Run calls it, so there is
// one writer of the catalog.
func (f *Follower) catchUp(ctx context.Context) {
	defer f.broadcast()
	snap := f.catalog.Snapshot()
	var all []Change
	for {
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		changes, err := f.db.ChangesSince(qctx, max(snap.Version(), lastVersion(all)), changeBatch)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				f.noteError(err)
			}
			if len(all) == 0 {
				return
			}
			break // apply what was read; the rest comes next time
		}
		all = append(all, changes...)
		if len(changes) < changeBatch {
			f.mu.Lock()
			if !f.status.Connected {
				f.log.Info("database reachable again; caught up")
			}
			f.status.Connected, f.status.LastError = true, ""
			f.status.LastCatchUp = time.Now()
			f.mu.Unlock()
			break
		}
	}
	if len(all) == 0 {
		return
	}
	f.noteSkipped(all)
	start := time.Now()
	next := snap.Apply(all) // Invalid changes carry no Station: Apply removes their ids
	f.catalog.Store(next)
	f.log.Debug("applied changes", "changes", len(all), "version", next.Version(), "records", next.Len(), "took", time.Since(start))
}

func lastVersion(cs []Change) int64 {
	if len(cs) == 0 {
		return 0
	}
	return cs[len(cs)-1].Version
}

// listen holds a dedicated connection LISTENing on ChangeChannel and
// wakes the follower on every notification, reconnecting with backoff.
// After every (re)connection it wakes the follower once, since
// notifications sent while it was away are lost.
func (f *Follower) listen(ctx context.Context) {
	backoff := minBackoff
	first := true
	for ctx.Err() == nil {
		err := f.listenOnce(ctx, func() {
			backoff = minBackoff
			f.mu.Lock()
			f.status.Listening = true
			if !first {
				f.status.Reconnects++
			}
			first = false
			f.listenWarn = false
			f.mu.Unlock()
			f.Wake()
		})
		f.mu.Lock()
		f.status.Listening = false
		warn := !f.listenWarn
		f.listenWarn = true
		f.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if warn {
			f.log.Warn("change notifications unavailable; following by polling until they return", "error", err, "poll", f.pollInterval())
		} else {
			f.log.Debug("listen failed", "error", err)
		}
		f.Wake()
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (f *Follower) listenOnce(ctx context.Context, connected func()) error {
	cfg := f.db.pool.Config().ConnConfig.Copy()
	cctx, cancel := context.WithTimeout(ctx, connectTimeout+time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("connect for listen: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	lctx, cancel := context.WithTimeout(ctx, queryTimeout)
	_, err = conn.Exec(lctx, "LISTEN "+ChangeChannel)
	cancel()
	if err != nil {
		return fmt.Errorf("listen %s: %w", ChangeChannel, err)
	}
	connected()
	for {
		// A silent half-open connection would block here forever; the
		// periodic catch-up covers that, and the ping below notices it.
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			f.Wake()
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping listen connection: %w", err)
			}
		default:
			return fmt.Errorf("waiting for notification: %w", err)
		}
	}
}

// sleep waits d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
