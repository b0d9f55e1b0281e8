package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"yizhan/data/postgis"
)

// runMigrate applies the embedded schema migrations to the database at
// DATABASE_URL (or --database-url). It is idempotent and refuses a
// database whose schema is newer than this binary.
func runMigrate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "[flags]", `Creates or upgrades the PostGIS schema (idempotent; safe to run from several
servers at once). Needs a role that may create the postgis extension or finds it
created; see README "Roles and privileges".`, stderr)
	// The default is read after parsing, so that -h never prints a password.
	dbURL := fs.String("database-url", "", "PostGIS connection URL (env DATABASE_URL)")
	logLevel := fs.String("log-level", envOr(getenv, "YIZHAN_LOG_LEVEL", "info"), "debug, info, warn or error (env YIZHAN_LOG_LEVEL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate: unexpected arguments %q", fs.Args())
	}
	if *dbURL == "" {
		*dbURL = getenv("DATABASE_URL")
	}
	if *dbURL == "" {
		return errors.New("migrate: no database: set DATABASE_URL or --database-url, e.g. postgres://user:pass@localhost:5432/yizhan")
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	db, err := postgis.Open(ctx, *dbURL, logger)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "database schema is at version %d\n", postgis.LatestSchemaVersion())
	return nil
}
