package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"yizhan/data"
	"yizhan/data/postgis"
	"yizhan/data/source"
)

// maxShownProblems bounds how many rejected rows the import command prints;
// --report FILE has every one.
const maxShownProblems = 10

// runImport reads a GeoJSON, CSV or OSM file and upserts its records into
// PostGIS by id. Bad rows are reported and skipped (all-or-nothing with
// --strict); --dry-run validates without a database. The exit status is 0
// when the import ran, even if some rows were rejected; with --strict any
// problem is an error, which makes "--dry-run --strict" a validator.
func runImport(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "[flags] FILE", `Loads records into PostGIS, updating existing ones by id. FILE is GeoJSON (.geojson,
.json), CSV (.csv) or OpenStreetMap (.osm.pbf, .osm). Bad rows are reported and
skipped (--strict: nothing is written); --dry-run needs no database. An .osm.pbf
extract also replaces the road network of its region (--roads-region) in one
transaction: new and changed ways are written, the region's ways the file no
longer has are deleted, other regions are left alone.

example: yizhan import data/testdata/csv/stations.csv --dry-run`, stderr)
	// The default is read after parsing, so that -h never prints a password.
	dbURL := fs.String("database-url", "", "PostGIS connection URL (default: env DATABASE_URL)")
	format := fs.String("format", "", "input format: geojson, csv, osm.pbf or osm (default: from the file name)")
	dryRun := fs.Bool("dry-run", false, "validate and report only; needs no database")
	strict := fs.Bool("strict", false, "write nothing if any row is rejected or warned about")
	batchSize := fs.Int("batch-size", source.DefaultBatchSize, "records per transaction")
	reportFile := fs.String("report", "", "write every rejected row to this file: JSON if it ends in .json, else CSV")
	withRoads := fs.Bool("roads", true, "with an .osm.pbf: also import its roads (--roads=false imports the records only)")
	roadsRegionName := fs.String("roads-region", "", "the region whose roads an .osm.pbf replaces (default: the file name without .osm.pbf)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbURL == "" {
		*dbURL = getenv("DATABASE_URL")
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import: give exactly one input file")
	}
	if *batchSize <= 0 {
		return fmt.Errorf("import: --batch-size %d: want a positive number of records", *batchSize)
	}
	path := fs.Arg(0)
	f, err := source.DetectFormat(path, *format)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	importsRoads := f == source.FormatOSMPBF && *withRoads
	if *roadsRegionName != "" && !importsRoads {
		return errors.New("import: --roads-region needs an .osm.pbf input and --roads: only an OSM PBF extract carries roads")
	}
	region := *roadsRegionName
	if region == "" {
		region = roadsRegion(path)
	}

	// Connect before reading: a large file should not be read only to
	// learn that the database is unreachable or has no schema.
	var (
		dst source.StationUpserter
		db  *postgis.DB
	)
	if !*dryRun {
		if *dbURL == "" {
			return errors.New("import: no database: set DATABASE_URL or --database-url (or give --dry-run to validate only)")
		}
		if db, err = openForImport(ctx, *dbURL); err != nil {
			return err
		}
		defer db.Close()
		dst = db
	}

	var roadsIn *roadsToImport
	if importsRoads {
		if roadsIn, err = readRoadsToImport(ctx, path, region, *strict); err != nil {
			return err
		}
	}
	start := time.Now()
	stations, problems, err := source.ReadFile(ctx, path, f)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}

	opts := source.ImportOptions{DryRun: *dryRun, Strict: *strict, BatchSize: *batchSize}
	var bar *progressbar.ProgressBar
	if !*dryRun && isTerminal(stderr) {
		bar = progressbar.NewOptions(stations.Len(),
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
		)
		opts.Progress = func(done, total int) {
			bar.ChangeMax(total)
			_ = bar.Set(done)
		}
	}
	rep, importErr := source.Import(ctx, dst, stations, problems, opts)
	if bar != nil {
		_ = bar.Exit()
	}

	showProblems(stderr, &rep, f, *reportFile)
	if *reportFile != "" {
		if err := writeReport(*reportFile, &rep); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	fmt.Fprintln(stdout, summary(&rep, *reportFile, time.Since(start)))
	switch {
	case errors.Is(importErr, source.ErrStrict):
		return fmt.Errorf("import: --strict: %d rows rejected and %d warnings; nothing was written", rep.RejectedRecords(), len(rep.Warnings))
	case importErr != nil:
		return fmt.Errorf("import: %w (%d records were written before the error)", importErr, rep.Written)
	}
	if importsRoads {
		var roadsDst roadReplacer
		if db != nil {
			roadsDst = db
		}
		return importRoads(ctx, roadsDst, roadsIn, *dryRun, stdout, stderr)
	}
	return nil
}

// openForImport connects and checks that the schema is this binary's:
// import never migrates on its own, because changing a shared database's
// schema should be a deliberate step.
func openForImport(ctx context.Context, url string) (*postgis.DB, error) {
	db, err := postgis.Open(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		// The error says to run "yizhan migrate" when the schema is missing or old.
		return nil, fmt.Errorf("import: %w", err)
	}
	return db, nil
}

// summary is the last line of an import, e.g.
// "imported 998, rejected 2 (see report.csv)".
func summary(rep *source.ImportReport, reportFile string, took time.Duration) string {
	var b strings.Builder
	if rep.DryRun {
		fmt.Fprintf(&b, "dry run: %d valid, rejected %d", rep.ToWrite, rep.RejectedRecords())
	} else {
		fmt.Fprintf(&b, "imported %d, rejected %d", rep.Written, rep.RejectedRecords())
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(&b, ", %d warnings", len(rep.Warnings))
	}
	if len(rep.Rejected)+len(rep.Warnings) > 0 {
		if reportFile != "" {
			fmt.Fprintf(&b, " (see %s)", reportFile)
		} else {
			b.WriteString(" (see above, or give --report FILE)")
		}
	}
	if !rep.DryRun {
		fmt.Fprintf(&b, "; %d changed in the database", rep.Upserted)
	}
	fmt.Fprintf(&b, " in %s", took.Round(time.Millisecond))
	return b.String()
}

// showProblems prints the first few rejections and warnings, with the CSV
// line or GeoJSON feature index (from 0) where the input has one.
func showProblems(w io.Writer, rep *source.ImportReport, f source.Format, reportFile string) {
	unit := "record"
	switch f {
	case source.FormatCSV:
		unit = "line"
	case source.FormatGeoJSON:
		unit = "feature"
	}
	all := append(append([]*data.FieldError(nil), rep.Rejected...), rep.Warnings...)
	for i, p := range all {
		if i == maxShownProblems {
			more := "give --report FILE for the full list"
			if reportFile != "" {
				more = "see " + reportFile
			}
			fmt.Fprintf(w, "... and %d more (%s)\n", len(all)-i, more)
			break
		}
		where := "record"
		if p.Index >= 0 {
			where = fmt.Sprintf("%s %d", unit, p.Index)
		}
		if p.ID != "" {
			where += fmt.Sprintf(" (id %q)", p.ID)
		}
		fmt.Fprintf(w, "%s: %s: %s\n", where, p.Field, p.Message())
	}
}

// writeReport writes the rejection report, JSON for a .json name, else CSV.
func writeReport(path string, rep *source.ImportReport) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		err = rep.WriteJSON(f)
	} else {
		err = rep.WriteCSV(f)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write report: %w", cerr)
	}
	return err
}

// isTerminal reports whether w is a terminal, where a progress bar helps;
// in a pipe or a log file it would be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
