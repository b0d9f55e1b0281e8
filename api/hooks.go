package api

import (
	"context"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/roads"
)

// Store applies writes to the source of truth; *postgis.DB satisfies it
// (cmd/yizhan holds the guard, so that the API links no database driver).
// Each method validates like an import and runs in one transaction.
// expectVersion > 0 (from If-Match) must equal the stored version, else
// data.ErrVersionConflict; errors are data.ErrNotFound, data.ErrConflict,
// data.ErrVersionConflict, *data.ValidationError, data.ErrUnavailable,
// data.ErrBusy (a *data.BusyError: the write lock was not granted in time)
// or data.ErrReadOnly (the database is a streaming replica).
type Store interface {
	Create(ctx context.Context, st *data.Station) (*data.Station, error)
	Replace(ctx context.Context, st *data.Station, expectVersion int64) (out *data.Station, created bool, err error)
	Patch(ctx context.Context, id string, mergePatch []byte, expectVersion int64) (*data.Station, error)
	Delete(ctx context.Context, id string, expectVersion int64) (version int64, err error)
}

// Health is this server's link to the database; *postgis.Follower satisfies
// it. Status feeds /readyz and /metrics; WaitForVersion gives
// read-your-writes: a write answers only once the catalog this server
// reads from reflects it.
type Health interface {
	Status() catalog.FollowerStatus
	WaitForVersion(ctx context.Context, version int64) error
}

// RoadHealth reports where the served road network came from, for
// /readyz and /metrics; *postgis.RoadFollower satisfies it (the roads
// table), as does serve --roads FILE's source.
type RoadHealth interface {
	Status() roads.SourceStatus
}
