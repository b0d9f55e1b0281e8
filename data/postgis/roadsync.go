package postgis

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"yizhan/roads"
)

// Road follower timings.
const (
	// DefaultRoadPollInterval is how often a road follower asks whether
	// the roads table moved when no notification wakes it (a lost one, a
	// streaming replica). The query reads one index entry.
	DefaultRoadPollInterval = time.Second
	// roadDebounce gathers the notifications of a burst of writes (plain
	// SQL one way at a time) into one rebuild.
	roadDebounce = 50 * time.Millisecond
	// roadChase is how often the follower asks again while its database
	// has not yet replayed a version the primary notified.
	roadChase = 25 * time.Millisecond
	// roadLoadTimeout bounds one load of the whole table.
	roadLoadTimeout = 2 * time.Minute
)

// RoadFollower serves the road network built from the roads table and
// keeps it in step: it loads every live way and builds the graph once at
// start, then rebuilds whenever the table's version moves (an import, a
// plain-SQL change, a delete, which leaves a tombstone), in the
// background, and swaps the new network in atomically. Readers never
// wait; until the new graph is built they get the old one. LISTEN on
// RoadChannel wakes it within milliseconds of a commit; a poll every
// PollInterval makes it correct without notifications. If the database
// goes away, or a rebuild fails, it keeps serving the last network.
//
// The graph is rebuilt whole rather than patched: changes to roads come
// by region imports, rarely, and building is fast (well under a second
// for a country-sized extract), so the follower keeps no copy of the ways
// between rebuilds, only the graph.
type RoadFollower struct {
	db  *DB
	log *slog.Logger

	// Build turns the ways into a network; roads.Build unless set before
	// Load (tests count calls; serve prepares landmarks in it). The
	// network it returns is served as it is, while it goes on being
	// prepared if Build left work running.
	Build func([]roads.Way) (*roads.Network, error)
	// PollInterval is how often Run asks whether the table moved; zero
	// means DefaultRoadPollInterval. Set before Run.
	PollInterval time.Duration

	listenDB *DB
	net      atomic.Pointer[roads.Network]
	wake     chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	status  RoadStatus
	target  int64     // the highest version notified
	since   time.Time // when target was raised
	failed  int64     // the version whose build failed: not retried until the table moves
	rebuilt chan struct{}
}

// RoadStatus is what a road follower reports for readiness and metrics,
// with Source "database".
type RoadStatus = roads.SourceStatus

// NewRoadFollower returns a road follower of db. Call Load (to fail fast
// at start-up) and then Run.
func NewRoadFollower(db *DB, logger *slog.Logger) *RoadFollower {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &RoadFollower{
		db:       db,
		status:   RoadStatus{Source: "database"},
		log:      logger.With("component", "roads"),
		Build:    roads.Build,
		listenDB: db,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		rebuilt:  make(chan struct{}),
	}
}

// ListenOn makes the follower LISTEN on primary instead of the database
// it reads (a streaming replica gets no NOTIFY; see Follower.ListenOn).
// Call before Run.
func (f *RoadFollower) ListenOn(primary *DB) { f.listenDB = primary }

// Network is the road network served now: nil before the first load and
// while the table holds no way. Safe for concurrent use; the network
// returned is never changed.
func (f *RoadFollower) Network() *roads.Network { return f.net.Load() }

// Done is closed when Run has returned.
func (f *RoadFollower) Done() <-chan struct{} { return f.done }

// Status reports the follower's state; safe for concurrent use.
func (f *RoadFollower) Status() RoadStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

// Load reads every live way, builds the network and serves it. Stored
// ways that cannot be served are logged and left out.
func (f *RoadFollower) Load(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, roadLoadTimeout)
	defer cancel()
	start := time.Now()
	ways, version, skipped, err := f.db.LoadRoads(lctx)
	if err != nil {
		f.noteError(err)
		return err
	}
	loaded := time.Since(start)
	for _, p := range skipped {
		f.log.Warn("skipping a stored way that cannot be served; fix or delete its row", "way", p.ID, "reason", p.Reason)
	}
	var net *roads.Network
	if len(ways) > 0 {
		if net, err = f.Build(ways); err != nil {
			f.mu.Lock()
			f.failed = version
			f.status.Connected = true
			f.status.LastError = fmt.Sprintf("build the road network of version %d: %v", version, err)
			f.mu.Unlock()
			return fmt.Errorf("build the road network of version %d: %w", version, err)
		}
	}
	took := time.Since(start)
	f.net.Store(net)
	f.mu.Lock()
	first := f.status.Built.IsZero()
	if !first {
		f.status.Rebuilds++
	}
	f.status.Version, f.status.Latest = version, max(f.status.Latest, version)
	f.status.Ways, f.status.Skipped, f.status.Stats = len(ways), len(skipped), roads.Stats{}
	f.status.LastSkipped = ""
	if len(skipped) > 0 {
		f.status.LastSkipped = skipped[len(skipped)-1].String()
	}
	if net != nil {
		f.status.Stats = net.Stats()
	}
	f.status.Built, f.status.BuildTook = time.Now(), took
	f.status.Connected, f.status.LastError = true, ""
	st := f.status
	close(f.rebuilt)
	f.rebuilt = make(chan struct{})
	f.mu.Unlock()
	msg := "road network rebuilt"
	if first {
		msg = "road network loaded"
	}
	if net == nil {
		f.log.Info(msg+": the roads table has no way; answers use the straight line", "version", version)
		return nil
	}
	f.log.Info(msg, "source", "database", "ways", len(ways), "skipped", len(skipped), "nodes", st.Stats.Nodes,
		"edges", st.Stats.Edges, "version", version, "load", loaded.Round(time.Millisecond),
		"build", (took - loaded).Round(time.Millisecond), "graph_bytes", st.Stats.GraphBytes, "geometry_bytes", st.Stats.GeometryBytes)
	return nil
}

// Run follows the roads table until ctx is done, loading first if Load
// has not succeeded yet. It returns ctx's error once everything it
// started has stopped. Call it once.
func (f *RoadFollower) Run(ctx context.Context) error {
	defer close(f.done)
	var listening sync.WaitGroup
	defer listening.Wait()
	listening.Go(func() { f.listen(ctx) })

	poll := f.PollInterval
	if poll <= 0 {
		poll = DefaultRoadPollInterval
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.wake:
			if !sleep(ctx, roadDebounce) {
				return ctx.Err()
			}
			select {
			case <-f.wake:
			default:
			}
		case <-timer.C:
		}
		f.check(ctx)
		next := poll
		f.mu.Lock()
		if f.target > f.status.Latest && f.status.Connected && time.Since(f.since) < chaseLimit {
			next = roadChase // the primary notified a version the replica has not replayed
		}
		f.mu.Unlock()
		timer.Reset(next)
	}
}

// check rebuilds when the table's version is not the served network's.
func (f *RoadFollower) check(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	v, err := f.db.RoadsVersion(qctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			f.noteError(err)
		}
		return
	}
	f.mu.Lock()
	if !f.status.Connected && !f.status.Built.IsZero() {
		f.log.Info("database reachable again")
	}
	f.status.Connected = true
	f.status.Latest = max(f.status.Latest, v)
	built, failed, loaded := f.status.Version, f.failed, !f.status.Built.IsZero()
	f.mu.Unlock()
	// Any other version than the served one means another table: a
	// lower one too (the database restored from a backup).
	if loaded && (v == built || v == failed) {
		return
	}
	if err := f.Load(ctx); err != nil && ctx.Err() == nil {
		f.log.Error("road network not rebuilt; serving the previous one", "error", err)
	}
}

// WaitForVersion returns once the served network was built from version
// v or later, or ctx's error. It wakes the follower.
func (f *RoadFollower) WaitForVersion(ctx context.Context, v int64) error {
	f.Wake()
	for {
		f.mu.Lock()
		ch, have := f.rebuilt, f.status.Version
		f.mu.Unlock()
		if have >= v {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for road version %d: %w", v, ctx.Err())
		case <-ch:
		}
	}
}

// Wake asks the follower to check the table now.
func (f *RoadFollower) Wake() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *RoadFollower) noteError(err error) {
	f.mu.Lock()
	if f.status.Connected {
		f.log.Warn("database unreachable; serving the last road network", "error", err)
	}
	f.status.Connected = false
	f.status.LastError = err.Error()
	f.mu.Unlock()
}

// listen LISTENs on RoadChannel, waking the follower on every
// notification and after every (re)connection, and reconnects with
// backoff.
func (f *RoadFollower) listen(ctx context.Context) {
	backoff := minBackoff
	warned := false
	for ctx.Err() == nil {
		err := listenOnce(ctx, f.listenDB, RoadChannel, func() {
			backoff, warned = minBackoff, false
			f.Wake()
		}, func(payload string) {
			if v, err := strconv.ParseInt(payload, 10, 64); err == nil {
				f.mu.Lock()
				if v > f.target {
					f.target, f.since = v, time.Now()
				}
				f.mu.Unlock()
			}
			f.Wake()
		}, func() {})
		if ctx.Err() != nil {
			return
		}
		if warned {
			f.log.Debug("listen for road changes failed", "error", err)
		} else {
			f.log.Warn("road change notifications unavailable; following by polling until they return", "error", err)
		}
		warned = true
		f.Wake()
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
