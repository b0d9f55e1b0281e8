package catalog

import "time"

// FollowerStatus is what a follower of the source of truth (postgis.Follower)
// reports for /readyz and /metrics.
type FollowerStatus struct {
	// Connected: the last catch-up query succeeded and the database
	// answered within postgis.LivenessBound.
	Connected bool
	// Listening: the LISTEN connection is up and answered within
	// postgis.LivenessBound. It is on the primary when the follower reads a replica
	// and ListenOn was given the primary; without that it is false on a
	// replica, where NOTIFY does not arrive.
	Listening bool
	LastError string // the last database error, "" after a success
	Version   int64  // version of the snapshot being served
	Records   int    // records in the snapshot being served
	// SnapshotAge is how old the data served may be: the time since the
	// snapshot was last confirmed current (the last successful catch-up),
	// plus, on a replica, how far the replica trailed its primary then.
	SnapshotAge time.Duration
	Reconnects  int64     // times the LISTEN connection was re-established after a loss
	LastCatchUp time.Time // when the last catch-up succeeded
	// LastContact is when the database this follower reads last answered
	// a query (catch-up, load or probe).
	LastContact time.Time
	// PollInterval is the current catch-up interval without notifications
	// (see postgis.MinPollInterval and postgis.DefaultPollInterval).
	PollInterval time.Duration
	// Replication is the database's latest answer about replication;
	// ReplicationKnown is false until the first answer.
	Replication      Replication
	ReplicationKnown bool
	// Skipped counts stored rows left out of the snapshot because they
	// cannot be decoded or fail validation (written by plain SQL, say);
	// LastSkipped says which was the last and why. Each bad row version
	// counts once per process (once more after a reload).
	Skipped     int64
	LastSkipped string
}

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
