package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"yizhan/data"
)

// initialLoadTimeout bounds the start-up load: a million records take a
// few seconds; anything near this means the database is not answering.
const initialLoadTimeout = 2 * time.Minute

// openFollower connects to PostGIS at url, checks the schema (pointing at
// "yizhan migrate" when it is missing or old), loads every record into
// catalog, and starts following changes until ctx is done. The caller
// closes the returned database when serving ends.
func openFollower(ctx context.Context, url string, catalog *data.Catalog, logger *slog.Logger) (*data.PostGIS, *data.Follower, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db, err := data.OpenPostGIS(ctx, url, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("serve: %w", err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("serve: %w", err)
	}
	f := data.NewFollower(db, catalog, logger)
	lctx, cancel := context.WithTimeout(ctx, initialLoadTimeout)
	err = f.Load(lctx)
	cancel()
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("serve: initial load: %w", err)
	}
	go func() {
		if err := f.Run(ctx); err != nil && ctx.Err() == nil {
			logger.Error("change follower stopped", "error", err)
		}
	}()
	return db, f, nil
}
