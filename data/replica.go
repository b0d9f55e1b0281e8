package data

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Replication is what a database says about its own place in streaming
// replication: whether it is a hot standby, and if so how far its replay
// trails the primary.
type Replication struct {
	// Standby: the database is in recovery (a streaming replica); it refuses
	// writes and gets no NOTIFY.
	Standby bool
	// Lag is how far the data a standby serves trails the primary, as of
	// the probe: zero when it has replayed all the WAL it received, else
	// the time since the commit of the last transaction it replayed
	// (pg_last_xact_replay_timestamp). LagKnown is false when the standby
	// is behind but has replayed no transaction since it started.
	Lag      time.Duration
	LagKnown bool
	// Paused: replay was paused (pg_wal_replay_pause); the data stays as it
	// is until it is resumed.
	Paused bool
	// Receiving: the standby's WAL receiver runs. When it does not, the
	// standby cannot tell how far the primary has moved on, and Lag counts
	// from the last replayed commit.
	Receiving bool
	// LastReplayed is the commit time of the last replayed transaction
	// (zero if none since the standby started).
	LastReplayed time.Time
}

// replicationSQL reads Replication in one round trip. pg_is_wal_replay_paused
// fails outside recovery, hence the CASE. The receive position can trail the
// replay position just after a standby restarts, so only "received more than
// replayed" counts as behind.
const replicationSQL = `SELECT pg_is_in_recovery(),
	CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
	coalesce(pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn(), false),
	EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
	pg_last_xact_replay_timestamp(),
	extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8`

// Replication asks the database whether it is a streaming replica and how
// far behind its primary it is.
func (db *PostGIS) Replication(ctx context.Context) (Replication, error) {
	var (
		r            Replication
		behind       bool
		lastReplayed pgtype.Timestamptz
		sinceReplay  pgtype.Float8
	)
	err := db.pool.QueryRow(ctx, replicationSQL).Scan(&r.Standby, &r.Paused, &behind, &r.Receiving, &lastReplayed, &sinceReplay)
	if err != nil {
		return Replication{}, fmt.Errorf("read replication state: %w", classify(err))
	}
	if !r.Standby {
		return Replication{LagKnown: true}, nil
	}
	if lastReplayed.Valid {
		r.LastReplayed = lastReplayed.Time
	}
	switch {
	case !behind && r.Receiving:
		r.LagKnown = true
	case sinceReplay.Valid:
		r.Lag, r.LagKnown = time.Duration(max(0, sinceReplay.Float64)*float64(time.Second)), true
	}
	return r, nil
}
