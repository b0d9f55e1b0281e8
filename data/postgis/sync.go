package postgis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
	"yizhan/data/catalog"
)

// ChangeChannel is the NOTIFY channel the stations triggers signal on.
const ChangeChannel = "yizhan_changes"

// Follower timings.
const (
	// DefaultPollInterval bounds how stale a follower can be while change
	// notifications arrive (they wake it at once; the poll covers a lost
	// one): it runs the catch-up query at least this often.
	DefaultPollInterval = 500 * time.Millisecond
	// MinPollInterval is how often a follower that gets no notifications
	// (a streaming replica, a dropped LISTEN connection) runs the catch-up
	// query while the query is cheap: a change reaches it within this plus
	// the query time, instead of within a whole DefaultPollInterval.
	MinPollInterval = 25 * time.Millisecond
	// pollCostFactor keeps fast polling cheap: the poll interval is at
	// least this many times the catch-up query's typical duration (a
	// moving average, so that one slow query does not slow the polling),
	// so that polling occupies at most 1/pollCostFactor of one connection.
	pollCostFactor = 10
	// chaseStart is the first retry delay when the snapshot is behind a
	// version known to exist (notified by the primary, or written by this
	// server) but the replica has not replayed it yet; it doubles up to
	// MinPollInterval, for up to chaseLimit.
	chaseStart = time.Millisecond
	chaseLimit = 10 * time.Second
	// probeInterval is how often the follower asks the database about
	// replication (standby or not, replay lag), which also proves that the
	// database answers.
	probeInterval = 500 * time.Millisecond
	// LivenessBound is how long the database may go without answering
	// before Status reports it unreachable (or the LISTEN connection down),
	// even while a query is still waiting: a database that hangs, rather
	// than refusing connections, shows within a few seconds.
	LivenessBound = 3 * time.Second
	// listenPing is how often the idle LISTEN connection is pinged, so
	// that a hung connection is noticed within listenPing + LivenessBound.
	listenPing = time.Second
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

// Follower keeps a Catalog in step with PostGIS: it loads every record
// once, then applies the change feed in version order, building each next
// snapshot copy-on-write and swapping it in. LISTEN wakes it within
// milliseconds of a commit; a periodic catch-up query makes it correct
// without notifications. When the database goes away it keeps serving the
// last snapshot and catches up when the database returns.
type Follower struct {
	db      *DB
	catalog *catalog.Catalog
	log     *slog.Logger

	// PollInterval is how often the catch-up query runs while change
	// notifications arrive; set before Run. Zero means DefaultPollInterval.
	// Without notifications the follower polls faster while the query is
	// cheap (see MinPollInterval).
	PollInterval time.Duration

	listenDB *DB           // where to LISTEN; db unless ListenOn was called
	wake     chan struct{} // buffered 1: "run a catch-up soon"
	done     chan struct{} // closed when Run has returned

	mu            sync.Mutex
	status        catalog.FollowerStatus
	applied       chan struct{} // closed and replaced after every catch-up attempt
	loaded        bool
	listenWarn    bool          // a LISTEN failure was already logged at warn level
	listenContact time.Time     // when the LISTEN connection last answered
	queryTook     time.Duration // moving average of successful catch-up query durations
	target        int64         // a version known to be committed (notified or awaited)
	targetSince   time.Time     // when target was last raised
	chase         time.Duration // the next retry delay while behind target
}

// NewFollower returns a follower that fills catalog from db. Call Load
// (optional, to fail fast at start-up) and then Run.
func NewFollower(db *DB, catalog *catalog.Catalog, logger *slog.Logger) *Follower {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Follower{
		db:       db,
		catalog:  catalog,
		log:      logger.With("component", "follower"),
		listenDB: db,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		applied:  make(chan struct{}),
	}
}

// Done is closed when Run has returned and everything it started has
// stopped: a server waits for it at shutdown before closing the database.
func (f *Follower) Done() <-chan struct{} { return f.done }

// ListenOn makes the follower LISTEN for changes on primary instead of on
// the database it reads. A streaming replica gets no NOTIFY; with its
// primary's notifications the follower knows at once that a version was
// committed and catches up from the replica as soon as the replica has
// replayed it, retrying within milliseconds, instead of polling. Call
// before Run.
func (f *Follower) ListenOn(primary *DB) { f.listenDB = primary }

// Load reads every record and makes it the catalog's snapshot.
func (f *Follower) Load(ctx context.Context) error {
	start := time.Now()
	stations, version, skipped, err := f.db.loadAll(ctx)
	if err != nil {
		f.noteError(err)
		return err
	}
	f.noteSkipped(skipped)
	snap := catalog.NewSnapshot(stations, version)
	f.catalog.Store(snap)
	f.mu.Lock()
	f.loaded = true
	f.status.Connected, f.status.LastError = true, ""
	f.status.Version, f.status.Records = version, snap.Len()
	f.status.LastCatchUp = time.Now()
	f.status.LastContact = f.status.LastCatchUp
	f.mu.Unlock()
	f.broadcast()
	f.log.Info("loaded records", "records", snap.Len(), "version", version, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Run follows the change feed until ctx is done; it loads first if Load
// has not succeeded yet, retrying with backoff. It returns ctx's error,
// and only once everything it started has stopped (the LISTEN connection
// is closed), so that the caller may then close the database. Call it
// once; Done says when it has returned.
func (f *Follower) Run(ctx context.Context) error {
	defer close(f.done)
	var listening sync.WaitGroup
	defer listening.Wait()
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

	listening.Go(func() { f.listen(ctx) })

	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastPoll, lastProbe time.Time
	for {
		interval := f.nextPoll()
		timer.Reset(max(0, min(time.Until(lastPoll.Add(interval)), time.Until(lastProbe.Add(probeInterval)))))
		woke := false
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
			woke = true
		case <-timer.C:
		}
		if woke || time.Since(lastPoll) >= interval {
			f.catchUp(ctx)
			lastPoll = time.Now()
		}
		if time.Since(lastProbe) >= probeInterval {
			f.probe(ctx)
			lastProbe = time.Now()
		}
	}
}

func (f *Follower) pollInterval() time.Duration {
	if f.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return f.PollInterval
}

// nextPoll is the delay before the next catch-up. While the snapshot is
// behind a version known to be committed (a replica replaying it), retry
// within milliseconds, backing off; while notifications arrive, poll
// rarely; without them, poll as often as the query is cheap.
func (f *Follower) nextPoll() time.Duration {
	base := f.pollInterval()
	var snapVersion int64
	if snap := f.catalog.Snapshot(); snap != nil {
		snapVersion = snap.Version()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.status.Connected {
		return base
	}
	if f.target > snapVersion && time.Since(f.targetSince) < chaseLimit {
		d := max(f.chase, chaseStart)
		f.chase = min(2*d, MinPollInterval)
		return d
	}
	return f.pollIntervalLocked()
}

// expect records that version v is committed (the primary notified it, or
// this server wrote it), so that the follower chases it if its database
// has not replayed it yet.
func (f *Follower) expect(v int64) {
	f.mu.Lock()
	if v > f.target {
		f.target, f.targetSince, f.chase = v, time.Now(), chaseStart
	}
	f.mu.Unlock()
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
	f.expect(v)
	f.Wake()
	for {
		f.mu.Lock()
		ch := f.applied
		f.mu.Unlock()
		if snap := f.catalog.Snapshot(); snap != nil && snap.Version() >= v {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for version %d: %w", v, ctx.Err())
		case <-ch:
		}
	}
}

// Status reports the follower's state; safe for concurrent use. A
// database (or LISTEN connection) that has not answered for LivenessBound
// is reported down even while a query to it is still waiting.
func (f *Follower) Status() catalog.FollowerStatus {
	f.mu.Lock()
	st := f.status
	listenContact := f.listenContact
	st.PollInterval = f.pollIntervalLocked()
	f.mu.Unlock()
	if !st.LastCatchUp.IsZero() {
		st.SnapshotAge = time.Since(st.LastCatchUp)
		if st.ReplicationKnown && st.Replication.Standby {
			st.SnapshotAge += st.Replication.Lag
		}
	}
	if silent := time.Since(st.LastContact); st.Connected && silent > LivenessBound {
		st.Connected = false
		st.LastError = fmt.Sprintf("the database has not answered for %.1f s", silent.Seconds())
	}
	if st.Listening && time.Since(listenContact) > LivenessBound {
		st.Listening = false
	}
	if snap := f.catalog.Snapshot(); snap != nil {
		st.Version, st.Records = snap.Version(), snap.Len()
	}
	return st
}

// pollIntervalLocked is the poll interval when not chasing a version:
// PollInterval while notifications arrive, else as short as the query is
// cheap; f.mu held.
func (f *Follower) pollIntervalLocked() time.Duration {
	if f.status.Listening {
		return f.pollInterval()
	}
	return min(f.pollInterval(), max(MinPollInterval, pollCostFactor*f.queryTook))
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
func (f *Follower) noteSkipped(cs []catalog.Change) {
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
	var all []catalog.Change
	for {
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		start := time.Now()
		changes, err := f.db.ChangesSince(qctx, max(snap.Version(), lastVersion(all)), changeBatch)
		took := time.Since(start)
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
			f.status.LastContact = f.status.LastCatchUp
			f.queryTook += (took - f.queryTook) / 8
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

// probe asks the database about replication (see Replication), which
// also proves that it answers; failures are left to the catch-up to report.
func (f *Follower) probe(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, LivenessBound)
	r, err := f.db.Replication(pctx)
	cancel()
	if err != nil {
		f.log.Debug("replication probe failed", "error", err)
		return
	}
	f.mu.Lock()
	if !f.status.ReplicationKnown || r.Standby != f.status.Replication.Standby {
		if r.Standby {
			f.log.Info("reading a streaming replica: it refuses writes, and changes show once it has replayed them", "replay_lag", r.Lag)
		}
	}
	f.status.Replication, f.status.ReplicationKnown = r, true
	f.status.LastContact = time.Now()
	f.mu.Unlock()
}

func lastVersion(cs []catalog.Change) int64 {
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
			f.listenContact = time.Now()
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
		switch {
		case warn && errors.Is(classify(err), data.ErrReadOnly):
			f.log.Info("the database is a streaming replica, which gets no change notifications; following it by polling",
				"poll", f.Status().PollInterval)
		case warn:
			f.log.Warn("change notifications unavailable; following by polling until they return", "error", err, "poll", f.Status().PollInterval)
		default:
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
	return listenOnce(ctx, f.listenDB, ChangeChannel, connected, func(payload string) {
		f.noteListenContact()
		if v, perr := strconv.ParseInt(payload, 10, 64); perr == nil {
			f.expect(v)
		}
		f.Wake()
	}, f.noteListenContact)
}

// listenOnce holds one dedicated connection to db LISTENing on channel:
// it calls connected once listening, notified with each notification's
// payload, and contact whenever an idle ping proves the connection
// alive. It returns when ctx is done or the connection fails.
func listenOnce(ctx context.Context, db *DB, channel string, connected func(), notified func(payload string), contact func()) error {
	cfg := db.pool.Config().ConnConfig.Copy()
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
	_, err = conn.Exec(lctx, "LISTEN "+channel)
	cancel()
	if err != nil {
		return fmt.Errorf("listen %s: %w", channel, err)
	}
	connected()
	for {
		// A silent half-open or hung connection would block here forever:
		// an idle connection is pinged every listenPing, and one that does
		// not answer within LivenessBound is dropped and dialled again.
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			notified(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, LivenessBound)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping listen connection: %w", err)
			}
			contact()
		default:
			return fmt.Errorf("waiting for notification: %w", err)
		}
	}
}

func (f *Follower) noteListenContact() {
	f.mu.Lock()
	f.listenContact = time.Now()
	f.mu.Unlock()
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
