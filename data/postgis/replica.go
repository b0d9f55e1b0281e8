package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"yizhan/data/catalog"
)

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
func (db *DB) Replication(ctx context.Context) (catalog.Replication, error) {
	var (
		r            catalog.Replication
		behind       bool
		lastReplayed pgtype.Timestamptz
		sinceReplay  pgtype.Float8
	)
	err := db.pool.QueryRow(ctx, replicationSQL).Scan(&r.Standby, &r.Paused, &behind, &r.Receiving, &lastReplayed, &sinceReplay)
	if err != nil {
		return catalog.Replication{}, fmt.Errorf("read replication state: %w", classify(err))
	}
	if !r.Standby {
		return catalog.Replication{LagKnown: true}, nil
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
