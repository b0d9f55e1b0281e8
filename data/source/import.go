package source

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"yizhan/data"
	"yizhan/data/internal/checked"
)

// DefaultBatchSize is how many records Import upserts per transaction when
// ImportOptions.BatchSize is not set. The database writes a batch in a
// few set-based statements whatever its size (see
// postgis.DB.UpsertStations), so larger batches are faster: a million
// records go in one. A batch that fails is retried in batches of
// retryBatchSize, and one of those that fails one record at a time.
const DefaultBatchSize = 1_000_000

// retryBatchSize is the size of the batches a failed batch is retried in:
// small enough that the records of one that fails again are cheap to
// retry one by one.
const retryBatchSize = 5000

// ErrStrict is returned by Import when ImportOptions.Strict is set and the
// input has any problem, warnings included: nothing has been written.
var ErrStrict = errors.New("data: strict import refused: the input has problems, nothing was written")

// StationUpserter writes records, inserting new ids and replacing existing
// ones, in one transaction per call; it returns how many rows it wrote.
// *postgis.DB implements it.
type StationUpserter interface {
	UpsertStations(ctx context.Context, stations data.Valid) (int64, error)
}

// ImportOptions tunes Import.
type ImportOptions struct {
	DryRun    bool // validate and report only; dst is not used and may be nil
	Strict    bool // any problem means nothing is written
	BatchSize int  // records per transaction; <= 0 means DefaultBatchSize
	// Progress, when set, is called with the number of records written so
	// far and the total to write: once before the first batch and after
	// every batch.
	Progress func(done, total int)
}

// ImportReport says what an import did and what it refused.
type ImportReport struct {
	Read     int                `json:"read"`     // records the reader accepted
	Rejected []*data.FieldError `json:"-"`        // problems that kept a record out (one record may have several)
	Warnings []*data.FieldError `json:"-"`        // problems that only dropped a field
	ToWrite  int                `json:"to_write"` // distinct valid records, what a write sends
	Written  int                `json:"written"`  // records sent in committed transactions
	Upserted int64              `json:"upserted"` // rows inserted or changed; a record equal to the stored one is not rewritten
	Batches  int                `json:"batches"`  // committed transactions
	DryRun   bool               `json:"dry_run"`
}

// RejectedRecords counts the distinct records the rejections refer to.
func (r *ImportReport) RejectedRecords() int {
	type key struct {
		index int
		id    string
	}
	seen := map[key]bool{}
	for _, p := range r.Rejected {
		seen[key{p.Index, p.ID}] = true
	}
	return len(seen)
}

// Import upserts stations into dst in batches of opts.BatchSize, one
// transaction each. stations were validated where they came in (by
// ReadFile's reader, or data.Check), so Import does not validate them
// again. problems are what that validation found (records it refused,
// fields it dropped); they are reported, split into rejections and
// warnings (IsWarning).
//
// One bad record never stops the others: it is reported and skipped. If a
// batch fails in the database, it is retried in batches of
// retryBatchSize, and the records of each of those that fails one at a
// time, so that only the offending ones are rejected (Field "database");
// the import stops with an error when ctx ends or several records fail in
// a row (the database is likely gone), leaving the batches already
// committed.
//
// With opts.Strict, any rejection or warning returns ErrStrict
// and writes nothing, and the records go to dst in one call (one
// transaction), so that a database error also leaves nothing written.
// With opts.DryRun nothing is written and dst is not touched.
func Import(ctx context.Context, dst StationUpserter, stations data.Valid, problems []*data.FieldError, opts ImportOptions) (ImportReport, error) {
	rep := ImportReport{Read: stations.Len(), DryRun: opts.DryRun}
	for _, p := range problems {
		if data.IsWarning(p) {
			rep.Warnings = append(rep.Warnings, p)
		} else {
			rep.Rejected = append(rep.Rejected, p)
		}
	}
	valid := stations
	rep.ToWrite = valid.Len()

	if opts.Strict && (len(rep.Rejected) > 0 || len(rep.Warnings) > 0) {
		return rep, ErrStrict
	}
	if opts.DryRun {
		return rep, nil
	}
	if dst == nil {
		return rep, errors.New("import: no database to write to")
	}

	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	if opts.Strict {
		size = valid.Len()
	}
	progress := func() {
		if opts.Progress != nil {
			opts.Progress(rep.Written, valid.Len())
		}
	}
	progress()
	for start := 0; start < valid.Len(); start += size {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("import: stopped after %d of %d records: %w", rep.Written, valid.Len(), err)
		}
		batch := valid.Slice(start, min(start+size, valid.Len()))
		n, err := dst.UpsertStations(ctx, batch)
		if err != nil {
			if opts.Strict || ctx.Err() != nil {
				return rep, fmt.Errorf("import: records %d to %d: %w", start+1, start+batch.Len(), err)
			}
			if err := importInSmallerBatches(ctx, dst, batch, &rep, progress); err != nil {
				return rep, fmt.Errorf("import: records %d to %d: %w", start+1, start+batch.Len(), err)
			}
		} else {
			rep.Written += batch.Len()
			rep.Upserted += n
			rep.Batches++
		}
		progress()
	}
	return rep, nil
}

// maxFailuresInARow is how many single-record upserts may fail one after
// another before importOneByOne gives up: a few bad records are rejected,
// but a database that refuses everything stops the import.
const maxFailuresInARow = 5

// importInSmallerBatches retries a failed batch in batches of
// retryBatchSize, and each of those that fails one record at a time.
func importInSmallerBatches(ctx context.Context, dst StationUpserter, batch data.Valid, rep *ImportReport, progress func()) error {
	if batch.Len() <= retryBatchSize {
		return importOneByOne(ctx, dst, batch, rep)
	}
	for start := 0; start < batch.Len(); start += retryBatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := batch.Slice(start, min(start+retryBatchSize, batch.Len()))
		n, err := dst.UpsertStations(ctx, part)
		switch {
		case err != nil && ctx.Err() != nil:
			return err
		case err != nil:
			if err := importOneByOne(ctx, dst, part, rep); err != nil {
				return err
			}
		default:
			rep.Written += part.Len()
			rep.Upserted += n
			rep.Batches++
		}
		progress()
	}
	return nil
}

// importOneByOne retries a failed batch one record at a time.
func importOneByOne(ctx context.Context, dst StationUpserter, batch data.Valid, rep *ImportReport) error {
	failures := 0
	var last error
	for i, st := range batch.Items() {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := dst.UpsertStations(ctx, batch.Slice(i, i+1))
		if err != nil {
			failures++
			last = err
			rep.Rejected = append(rep.Rejected, &data.FieldError{Index: -1, ID: st.ID, Field: "database", Reason: err.Error()})
			if failures >= maxFailuresInARow {
				return fmt.Errorf("%d records failed in a row, last: %w", failures, last)
			}
			continue
		}
		failures = 0
		rep.Written++
		rep.Upserted += n
		rep.Batches++
	}
	return nil
}

// WriteCSV writes every rejection and warning as CSV with the header
// severity,index,id,field,reason; index is the line (CSV) or feature
// index (GeoJSON), -1 when the input has no positions (OSM).
func (r *ImportReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"severity", "index", "id", "field", "reason"})
	for _, g := range []struct {
		severity string
		problems []*data.FieldError
	}{{"rejected", r.Rejected}, {"warning", r.Warnings}} {
		for _, p := range g.problems {
			_ = cw.Write([]string{g.severity, strconv.Itoa(p.Index), p.ID, p.Field, p.Message()})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// reportProblem is the JSON shape of one problem.
type reportProblem struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// WriteJSON writes the report as one JSON object: the counts, and the
// lists rejected and warnings.
func (r *ImportReport) WriteJSON(w io.Writer) error {
	conv := func(ps []*data.FieldError) []reportProblem {
		out := make([]reportProblem, len(ps))
		for i, p := range ps {
			out[i] = reportProblem{p.Index, p.ID, p.Field, p.Message()}
		}
		return out
	}
	v := struct {
		*ImportReport
		RejectedRecords int             `json:"rejected_records"`
		Rejected        []reportProblem `json:"rejected"`
		Warnings        []reportProblem `json:"warnings"`
	}{r, r.RejectedRecords(), conv(r.Rejected), conv(r.Warnings)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Format is an input file format.
type Format string

// The formats ReadFile understands.
const (
	FormatGeoJSON Format = "geojson"
	FormatCSV     Format = "csv"
	FormatOSMPBF  Format = "osm.pbf"
	FormatOSMXML  Format = "osm"
)

// Formats returns the formats in the order docs show them, a copy each call.
func Formats() []Format {
	return []Format{FormatGeoJSON, FormatCSV, FormatOSMPBF, FormatOSMXML}
}

// DetectFormat returns override when it is set (a Format name, or "json"
// or "pbf"), else guesses from the file name: .geojson and .json are
// GeoJSON, .csv is CSV, .osm.pbf and .pbf are OSM PBF, .osm is OSM XML.
func DetectFormat(name, override string) (Format, error) {
	if override != "" {
		switch f := Format(strings.ToLower(override)); f {
		case FormatGeoJSON, FormatCSV, FormatOSMPBF, FormatOSMXML:
			return f, nil
		case "json":
			return FormatGeoJSON, nil
		case "pbf":
			return FormatOSMPBF, nil
		}
		return "", fmt.Errorf("unknown format %q (want geojson, csv, osm.pbf or osm)", override)
	}
	lower := strings.ToLower(filepath.Base(name))
	switch {
	case strings.HasSuffix(lower, ".geojson"), strings.HasSuffix(lower, ".json"):
		return FormatGeoJSON, nil
	case strings.HasSuffix(lower, ".csv"):
		return FormatCSV, nil
	case strings.HasSuffix(lower, ".pbf"):
		return FormatOSMPBF, nil
	case strings.HasSuffix(lower, ".osm"):
		return FormatOSMXML, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its name (want .geojson, .json, .csv, .osm.pbf or .osm); give --format", name)
}

// ReadFile reads the records of a file in format f. problems are the
// rows or features that could not become records (see ReadCSV,
// DecodeStations, ReadOSM); err is for a file that cannot be read at all.
// The records are a data.Valid: each reader validates every record as it
// reads it and refuses a second record with an id (the first is kept), so
// Import takes them as they are.
func ReadFile(ctx context.Context, path string, f Format) (data.Valid, []*data.FieldError, error) {
	file, err := os.Open(path)
	if err != nil {
		return data.Valid{}, nil, fmt.Errorf("open input: %w", err)
	}
	defer file.Close()
	var (
		stations []*data.Station
		problems []*data.FieldError
	)
	switch f {
	case FormatGeoJSON:
		stations, problems, err = data.DecodeStations(file)
	case FormatCSV:
		stations, problems, err = ReadCSV(file)
	case FormatOSMPBF:
		stations, problems, err = ReadOSM(ctx, file)
	case FormatOSMXML:
		stations, problems, err = ReadOSMXML(ctx, file)
	default:
		return data.Valid{}, nil, fmt.Errorf("unknown format %q", f)
	}
	if err != nil {
		return checked.Trust(stations), problems, fmt.Errorf("read %s: %w", path, err)
	}
	return checked.Trust(stations), problems, nil
}
