package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"yizhan/api"
	"yizhan/data/catalog"
	"yizhan/data/postgis"
)

// initialLoadTimeout bounds the start-up load: a million records take a
// few seconds; anything near this means the database is not answering.
const initialLoadTimeout = 2 * time.Minute

// Environment variables naming the databases serve uses.
const (
	envDatabaseURL      = "DATABASE_URL"
	envWriteDatabaseURL = "YIZHAN_WRITE_DATABASE_URL"
)

// serveSource settles where serve reads and writes: flags win over the
// environment, and an explicit --data wins over database URLs from the
// environment (as in export), since someone who names a file means to
// serve it. It fills dbURL and writeURL from the environment where no flag
// gave them, and returns a notice to log when the environment was
// overruled, so that it is never silently ignored.
func serveSource(fs *flag.FlagSet, dataFile string, dbURL, writeURL *string, getenv env) (notice string, err error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if dataFile != "" {
		if set["database-url"] || set["write-database-url"] {
			return "", errors.New("serve: --data serves a file read-only; it cannot be combined with --database-url or --write-database-url")
		}
		var ignored []string
		for _, name := range []string{envDatabaseURL, envWriteDatabaseURL} {
			if getenv(name) != "" {
				ignored = append(ignored, name)
			}
		}
		if len(ignored) > 0 {
			verb := "is"
			if len(ignored) > 1 {
				verb = "are"
			}
			notice = fmt.Sprintf("serving --data %s read-only: %s from the environment %s ignored, because an explicit --data wins; "+
				"unset it to silence this, or drop --data to serve the database", dataFile, strings.Join(ignored, " and "), verb)
		}
		return notice, nil
	}
	if !set["database-url"] {
		*dbURL = getenv(envDatabaseURL)
	}
	if !set["write-database-url"] {
		*writeURL = getenv(envWriteDatabaseURL)
	}
	if *writeURL != "" && *dbURL == "" {
		return "", fmt.Errorf("serve: --write-database-url (%s) needs --database-url (%s): the database, usually a streaming replica, that this server reads from",
			envWriteDatabaseURL, envDatabaseURL)
	}
	if *writeURL == *dbURL {
		*writeURL = ""
	}
	return "", nil
}

// The database package satisfies the API's interfaces; the guard is here,
// where the two meet, so that the API links no database driver.
var (
	_ api.Store  = (*postgis.DB)(nil)
	_ api.Health = (*postgis.Follower)(nil)
)

// databases are what openDatabases opened for serve: the database that
// takes writes, the follower of the stations, the follower of the roads
// (nil unless asked for), and close, which stops the followers and
// closes every connection when serving ends.
type databases struct {
	store    *postgis.DB
	follower *postgis.Follower
	roads    *postgis.RoadFollower
	close    func()
}

// openDatabases connects to the database at readURL and follows it into
// catalog (see openFollower), and with followRoads its roads table too.
// With writeURL, writes go to that database, which must be the primary,
// and the followers listen there for changes, since a streaming replica
// gets no notifications; without it writes go to readURL, and a warning
// says so when that is a replica, which refuses them.
func openDatabases(ctx context.Context, readURL, writeURL string, catalog *catalog.Catalog, followRoads bool, logger *slog.Logger) (*databases, error) {
	var primary *postgis.DB
	if writeURL != "" {
		var err error
		if primary, err = openChecked(ctx, writeURL, logger); err != nil {
			return nil, fmt.Errorf("serve: write database: %w", err)
		}
		r, err := primary.Replication(ctx)
		if err == nil && r.Standby {
			err = errors.New("it is a read-only streaming replica; give the primary")
		}
		if err != nil {
			primary.Close()
			return nil, fmt.Errorf("serve: write database: %w", err)
		}
	}
	closePrimary := func() {
		if primary != nil {
			primary.Close()
		}
	}
	db, f, stop, err := openFollower(ctx, readURL, catalog, logger, primary)
	if err != nil {
		closePrimary()
		return nil, err
	}
	out := &databases{store: db, follower: f}
	stopRoads := func() {}
	if followRoads {
		if out.roads, stopRoads, err = startRoadFollower(ctx, db, primary, logger); err != nil {
			stop()
			db.Close()
			closePrimary()
			return nil, err
		}
	}
	out.close = func() { stopRoads(); stop(); db.Close(); closePrimary() }
	if primary == nil {
		if r, err := db.Replication(ctx); err == nil && r.Standby {
			logger.Warn("the database is a read-only streaming replica: writes will answer 503; give --write-database-url naming the primary to accept them")
		}
		return out, nil
	}
	logger.Info("reading one database and writing another", "writes", "--write-database-url")
	out.store = primary
	return out, nil
}

// openChecked connects to PostGIS at url and checks the schema (pointing
// at "yizhan migrate" when it is missing or old).
func openChecked(ctx context.Context, url string, logger *slog.Logger) (*postgis.DB, error) {
	db, err := postgis.Open(ctx, url, logger)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openFollower connects to PostGIS at url, checks the schema, loads every
// record into catalog, and starts following changes until ctx is done,
// listening for them on primary when it is not nil. When serving ends the
// caller calls stop, which stops the follower and waits for it, and then
// closes the returned database.
func openFollower(ctx context.Context, url string, catalog *catalog.Catalog, logger *slog.Logger, primary *postgis.DB) (db *postgis.DB, f *postgis.Follower, stop func(), err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db, err = openChecked(ctx, url, logger)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("serve: %w", err)
	}
	f = postgis.NewFollower(db, catalog, logger)
	if primary != nil {
		f.ListenOn(primary)
	}
	lctx, cancel := context.WithTimeout(ctx, initialLoadTimeout)
	err = f.Load(lctx)
	cancel()
	if err != nil {
		db.Close()
		return nil, nil, nil, fmt.Errorf("serve: initial load: %w", err)
	}
	fctx, cancelRun := context.WithCancel(ctx)
	go func() {
		if err := f.Run(fctx); err != nil && ctx.Err() == nil {
			logger.Error("change follower stopped", "error", err)
		}
	}()
	return db, f, func() { cancelRun(); <-f.Done() }, nil
}
