package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"yizhan/api"
	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/source"
	"yizhan/web"
)

// servingGCPercent is the GOGC serve runs with unless GOGC is set. Nearly
// all of a serving process's heap is the snapshot's flat arrays, which a
// collection marks without looking into, so collecting more often costs
// little; the default of 100 would let the heap grow by as much again
// between collections, half the memory of the process under load.
const servingGCPercent = 50

// maxReportedProblems bounds how many invalid records an error message lists;
// the log always has every one.
const maxReportedProblems = 20

func runServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[flags]", `Serves the HTTP API and the web map: from PostGIS (following its changes) when a
database URL is given, else from a --data file, else the bundled Inner Mongolia data set
(read-only). Travel on roads uses the network of a --roads .osm.pbf extract, else the
database's roads table (built at start and rebuilt when it changes), else none: answers
then use the straight line and say so.`, stderr)
	addr := fs.String("addr", envOr(getenv, "YIZHAN_ADDR", "127.0.0.1:8080"), "listen address host:port (env YIZHAN_ADDR)")
	dataFile := fs.String("data", "", "serve this GeoJSON FeatureCollection of records instead of the bundled data set")
	roadsFile := fs.String("roads", getenv("YIZHAN_ROADS"), "serve the road network of this OpenStreetMap .osm.pbf extract, read-only; with a database, instead of its roads table (env YIZHAN_ROADS)")
	skipInvalid := fs.Bool("skip-invalid", false, "with --data: log and skip invalid records instead of refusing to start")
	// Secrets are read from the environment after parsing, so that -h never prints them.
	dbURL := fs.String("database-url", "", "PostGIS connection URL; serve from the database and follow its changes (env DATABASE_URL)")
	writeURL := fs.String("write-database-url", "", "PostGIS primary to send writes to when --database-url is a streaming replica (env YIZHAN_WRITE_DATABASE_URL)")
	tokens := fs.String("write-tokens", "", "comma-separated bearer tokens allowed to write (env YIZHAN_WRITE_TOKENS)")
	tokensFile := fs.String("write-tokens-file", getenv("YIZHAN_WRITE_TOKENS_FILE"), "file with one write token per line (env YIZHAN_WRITE_TOKENS_FILE)")
	logLevel := fs.String("log-level", envOr(getenv, "YIZHAN_LOG_LEVEL", "info"), "debug, info, warn or error (env YIZHAN_LOG_LEVEL)")
	corsRead := fs.String("cors-read-origins", envOr(getenv, "YIZHAN_CORS_READ_ORIGINS", "*"), "comma-separated origins whose web pages may read the API (GET, HEAD); * for any, none for none (env YIZHAN_CORS_READ_ORIGINS)")
	corsTrusted := fs.String("cors-origins", getenv("YIZHAN_CORS_ORIGINS"), "comma-separated trusted origins whose web pages may also write and plan, e.g. https://map.example.org (env YIZHAN_CORS_ORIGINS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	notice, err := serveSource(fs, *dataFile, dbURL, writeURL, getenv)
	if err != nil {
		return err
	}
	if *tokens == "" {
		*tokens = getenv("YIZHAN_WRITE_TOKENS")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	if notice != "" {
		logger.Warn(notice)
	}
	writeTokens, err := loadTokens(*tokens, *tokensFile)
	if err != nil {
		return err
	}

	// The web map's files are compressed beside the load of the records,
	// which leaves a core idle for much of its time.
	webPrepared := make(chan struct{})
	go func() { api.PrepareWeb(web.FS); close(webPrepared) }()

	layers, err := bundled.LoadLayers()
	if err != nil {
		return fmt.Errorf("serve: load bundled layers: %w", err)
	}
	cfg := api.Config{Layers: layers, Web: web.FS, Logger: logger, WriteTokens: writeTokens}
	cfg.CORSReadOrigins, cfg.CORSOrigins = readOrigins(*corsRead), splitList(*corsTrusted)

	switch {
	case *dbURL != "":
		catalog := catalog.NewCatalog(catalog.NewSnapshot(nil, 0))
		dbs, err := openDatabases(ctx, *dbURL, *writeURL, catalog, *roadsFile == "", logger)
		if err != nil {
			return err
		}
		defer dbs.close()
		cfg.Catalog, cfg.Store, cfg.Health = catalog, dbs.store, dbs.follower
		if dbs.roads != nil {
			cfg.Roads, cfg.RoadHealth = dbs.roads.Network, dbs.roads
		}
		if len(writeTokens) == 0 {
			logger.Warn("no write tokens configured: every write will be refused (set YIZHAN_WRITE_TOKENS)")
		}
	default:
		start := time.Now()
		stations, source, err := loadStations(*dataFile, *skipInvalid, logger)
		if err != nil {
			return err
		}
		read := time.Since(start)
		cfg.Catalog = catalog.NewCatalog(catalog.NewSnapshot(stations, 0))
		logger.Info("serving read-only records", "source", source, "records", len(stations),
			"read_s", read.Seconds(), "indexed_s", (time.Since(start) - read).Seconds())
	}

	if *roadsFile != "" {
		if *dbURL != "" {
			logger.Info("serving the road network of --roads; the database's roads table is not followed", "roads", *roadsFile)
		}
		prep := newRoadPreparer(ctx, logger)
		defer prep.stop()
		fr, err := serveRoadFile(ctx, *roadsFile, prep, logger)
		if err != nil {
			return fmt.Errorf("serve: --roads: %w", err)
		}
		cfg.Roads, cfg.RoadHealth = fr.Network, fr
	}

	<-webPrepared
	srv, err := api.New(cfg)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", *addr, err)
	}
	// The load's scratch (a --data file's text, the decoders' buffers) is
	// garbage now: give it back to the system before serving, rather than
	// keep it in the heap (and the process's memory) for its life.
	start := time.Now()
	debug.FreeOSMemory()
	logger.Debug("returned the load's scratch memory", "took_s", time.Since(start).Seconds())
	if getenv("GOGC") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
	fmt.Fprintf(stdout, "yizhan serving on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.App().Listener(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		logger.Info("shutting down")
		if err := srv.App().ShutdownWithTimeout(10 * time.Second); err != nil {
			return fmt.Errorf("serve: shutdown: %w", err)
		}
		return nil
	}
}

// loadStations reads --data FILE, or the bundled data set when file is "".
// Invalid records stop the server unless skipInvalid is set; either way
// every one is logged with its position, id, field and reason.
func loadStations(file string, skipInvalid bool, logger *slog.Logger) ([]*data.Station, string, error) {
	if file == "" {
		stations, err := bundled.Stations()
		if err != nil {
			return nil, "", fmt.Errorf("serve: load bundled data set: %w", err)
		}
		return stations, "bundled Inner Mongolia data set", nil
	}
	stations, problems, err := source.LoadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("serve: %w", err)
	}
	for _, p := range problems {
		logger.Warn("invalid record", "file", file, "index", p.Index, "id", p.ID, "field", p.Field, "reason", p.Reason)
	}
	if len(problems) > 0 {
		if !skipInvalid {
			var b strings.Builder
			for i, p := range problems {
				if i == maxReportedProblems {
					fmt.Fprintf(&b, "\n  ... and %d more (see the log)", len(problems)-i)
					break
				}
				fmt.Fprintf(&b, "\n  %s", p)
			}
			return nil, "", fmt.Errorf("serve: %s has %d invalid records (use --skip-invalid to serve the %d valid ones):%s",
				file, len(problems), len(stations), b.String())
		}
		logger.Warn("skipped invalid records", "file", file, "skipped", len(problems), "kept", len(stations))
	}
	return stations, file, nil
}

// loadTokens joins the comma-separated list and the token file (one per
// line, # comments allowed). Tokens shorter than 16 bytes are refused: a
// short bearer token is guessable.
func loadTokens(list, file string) ([]string, error) {
	var raw []string
	raw = append(raw, strings.Split(list, ",")...)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read write tokens: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				raw = append(raw, line)
			}
		}
	}
	var tokens []string
	for _, t := range raw {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if len(t) < 16 {
			return nil, errors.New("write tokens must be at least 16 characters long")
		}
		tokens = append(tokens, t)
	}
	return tokens, nil
}

// readOrigins turns --cors-read-origins into api.Config.CORSReadOrigins:
// "none" (or nothing) is no origin, which api.Config spells as an empty list.
func readOrigins(s string) []string {
	if list := splitList(s); len(list) > 0 && !(len(list) == 1 && strings.EqualFold(list[0], "none")) {
		return list
	}
	return []string{}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func envOr(getenv env, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
