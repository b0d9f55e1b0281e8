package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"yizhan/data"
	bundleddata "yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/postgis"
	"yizhan/data/source"
)

// runExport writes every record as a GeoJSON FeatureCollection, the shape
// that "serve --data" and "import" read, from PostGIS (--database-url or
// DATABASE_URL), from a --data file, or else from the bundled data set.
// An explicit --data wins over DATABASE_URL from the environment. Stored
// rows that no server can serve are left out and listed on stderr, and
// the command then fails, after writing every good record.
func runExport(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "[flags]", `Writes every record as a GeoJSON FeatureCollection, the shape "serve --data" and
"import" read: from PostGIS (--database-url or DATABASE_URL), from a --data file, or
else from the bundled data set.`, stderr)
	// The default is read after parsing, so that -h never prints a password.
	dbURL := fs.String("database-url", "", "PostGIS connection URL to export from (default: env DATABASE_URL)")
	dataFile := fs.String("data", "", "export this GeoJSON file's records instead (validated; a round trip check)")
	bundled := fs.Bool("bundled", false, "export the bundled Inner Mongolia data set, even when DATABASE_URL is set (to seed a database)")
	out := fs.String("out", "", "write to this file instead of standard output (replaced only when the export succeeds)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected arguments %q", fs.Args())
	}
	urlFlag := false
	fs.Visit(func(f *flag.Flag) { urlFlag = urlFlag || f.Name == "database-url" })
	if *dataFile != "" && urlFlag {
		return errors.New("export: give either --data or --database-url, not both")
	}
	if *bundled && (*dataFile != "" || urlFlag) {
		return errors.New("export: --bundled excludes --data and --database-url")
	}
	if *dbURL == "" && *dataFile == "" && !*bundled {
		*dbURL = getenv("DATABASE_URL")
	}

	var (
		stations []*data.Station
		skipped  int
		from     string
		err      error
	)
	switch {
	case *dataFile != "":
		stations, err = loadExportFile(*dataFile)
		from = *dataFile
	case *dbURL != "":
		stations, skipped, err = exportDatabase(ctx, *dbURL, stderr)
		from = "the database"
	default:
		stations, err = bundleddata.Stations()
		from = "the bundled data set"
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}

	if *out == "" {
		if err := data.EncodeStations(stdout, stations); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	} else if err := writeFileAtomic(*out, func(w io.Writer) error { return data.EncodeStations(w, stations) }); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	dest := "standard output"
	if *out != "" {
		dest = *out
	}
	fmt.Fprintf(stderr, "exported %d records from %s to %s\n", len(stations), from, dest)
	if skipped > 0 {
		return fmt.Errorf("export: left out %d stored row(s) that cannot be served (listed above); fix or delete them, then export again", skipped)
	}
	return nil
}

// exportDatabase reads every live record of the database. Rows that
// cannot be served are left out, as every server leaves them out, and
// each is reported on stderr with its id, version and reason; skipped
// counts them, so that the export still writes every good record but
// exits with an error.
func exportDatabase(ctx context.Context, url string, stderr io.Writer) (stations []*data.Station, skipped int, err error) {
	db, err := postgis.Open(ctx, url, nil)
	if err != nil {
		return nil, 0, err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return nil, 0, err // says to run "yizhan migrate" when the schema is missing or old
	}
	err = db.ExportAll(ctx, func(st *data.Station) error {
		stations = append(stations, st)
		return nil
	}, func(c catalog.Change) {
		skipped++
		fmt.Fprintf(stderr, "skipped id %q (version %d): %s\n", c.ID, c.Version, c.Invalid)
	})
	return stations, skipped, err
}

// loadExportFile reads a GeoJSON file; any invalid record is an error, so
// that an export never silently drops one.
func loadExportFile(path string) ([]*data.Station, error) {
	stations, problems, err := source.LoadFile(path)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		var b strings.Builder
		for i, p := range problems {
			if i == maxShownProblems {
				fmt.Fprintf(&b, "\n  ... and %d more", len(problems)-i)
				break
			}
			fmt.Fprintf(&b, "\n  %s", p)
		}
		return nil, fmt.Errorf("%s has %d invalid records:%s", path, len(problems), b.String())
	}
	return stations, nil
}

// writeFileAtomic writes path through a temporary file in the same
// directory and renames it into place, so that a failed export leaves the
// previous file intact rather than a truncated one.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	// CreateTemp makes the file 0600; an export is ordinary data.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
