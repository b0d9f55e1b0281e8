package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
)

// fakeUpserter is a StationUpserter whose behaviour each test sets.
type fakeUpserter struct {
	UpsertFunc func(ctx context.Context, stations []*data.Station) (int64, error)
	calls      [][]string // ids of every call, in order
}

func (f *fakeUpserter) UpsertStations(ctx context.Context, batch data.Valid) (int64, error) {
	stations := batch.Items()
	f.calls = append(f.calls, ids(stations))
	if f.UpsertFunc == nil {
		return int64(len(stations)), nil
	}
	return f.UpsertFunc(ctx, stations)
}

// importChecked is Import of stations after the one validation a reader
// does (data.Check), with the reader's problems before those Check finds.
func importChecked(ctx context.Context, dst StationUpserter, stations []*data.Station, problems []*data.FieldError, opts ImportOptions) (ImportReport, error) {
	valid, found := data.Check(stations)
	return Import(ctx, dst, valid, append(slices.Clone(problems), found...), opts)
}

// importStations makes n valid records s-0 … s-(n-1).
func importStations(n int) []*data.Station {
	out := make([]*data.Station, n)
	for i := range out {
		out[i] = &data.Station{
			ID: fmt.Sprintf("s-%d", i), Kind: data.KindRestStop, Location: orb.Point{110 + float64(i%50000)/1000, 40 + float64(i/50000)/100},
			Names: data.Names{ZH: fmt.Sprintf("驿站 %d", i)}, Source: "test",
		}
	}
	return out
}

func callSizes(f *fakeUpserter) []int {
	var out []int
	for _, c := range f.calls {
		out = append(out, len(c))
	}
	return out
}

func TestImportBatches(t *testing.T) {
	f := &fakeUpserter{}
	type step struct{ done, total int }
	var progress []step
	rep, err := importChecked(context.Background(), f, importStations(12), nil, ImportOptions{
		BatchSize: 5,
		Progress:  func(done, total int) { progress = append(progress, step{done, total}) },
	})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if got, want := callSizes(f), []int{5, 5, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("batch sizes = %v; want %v", got, want)
	}
	if want := []step{{0, 12}, {5, 12}, {10, 12}, {12, 12}}; !reflect.DeepEqual(progress, want) {
		t.Errorf("progress = %v; want %v", progress, want)
	}
	if rep.Read != 12 || rep.ToWrite != 12 || rep.Written != 12 || rep.Upserted != 12 || rep.Batches != 3 || len(rep.Rejected) != 0 {
		t.Errorf("report = %+v; want 12 read, to write, written, upserted in 3 batches", rep)
	}
}

func TestImportDefaultBatchSize(t *testing.T) {
	f := &fakeUpserter{}
	if _, err := importChecked(context.Background(), f, importStations(DefaultBatchSize+1), nil, ImportOptions{}); err != nil {
		t.Fatalf("Import: %v", err)
	}
	if got, want := callSizes(f), []int{DefaultBatchSize, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("batch sizes = %v; want %v", got, want)
	}
}

func TestImportRejects(t *testing.T) {
	stations := importStations(4)
	stations[1].Kind = "bus_stop"       // invalid
	stations[3].ID = stations[0].ID     // duplicate of s-0
	stations[3].Names.ZH = "second s-0" // must not replace the first
	readerProblems := []*data.FieldError{
		{Index: 7, ID: "x", Field: "lon", Reason: "not a number"},
		{Index: -1, ID: "osm:node/1", Field: "opening_hours", Severity: data.SeverityWarning, Reason: "dropped"},
	}
	f := &fakeUpserter{}
	rep, err := importChecked(context.Background(), f, stations, readerProblems, ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if got, want := f.calls, [][]string{{"s-0", "s-2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("upserted %v; want %v", got, want)
	}
	if stations[0].Names.ZH != "驿站 0" {
		t.Errorf("the first s-0 was changed to %q", stations[0].Names.ZH)
	}
	type key struct {
		index     int
		id, field string
	}
	var got []key
	for _, p := range rep.Rejected {
		got = append(got, key{p.Index, p.ID, p.Field})
	}
	want := []key{{7, "x", "lon"}, {-1, "s-1", "kind"}, {-1, "s-0", "id"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rejected = %v; want %v", got, want)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].ID != "osm:node/1" {
		t.Errorf("warnings = %v; want the opening_hours one", rep.Warnings)
	}
	if rep.RejectedRecords() != 3 || rep.Written != 2 {
		t.Errorf("RejectedRecords() = %d, Written = %d; want 3, 2", rep.RejectedRecords(), rep.Written)
	}
}

func TestImportStrict(t *testing.T) {
	tests := []struct {
		name     string
		problems []*data.FieldError
		mutate   func([]*data.Station)
	}{
		{"reader problem", []*data.FieldError{{Index: 3, Field: "lat", Reason: "out of range"}}, nil},
		{"warning", []*data.FieldError{{Index: -1, ID: "w", Field: "opening_hours", Severity: data.SeverityWarning, Reason: "dropped"}}, nil},
		{"invalid record", nil, func(s []*data.Station) { s[2].Names = data.Names{} }},
		{"duplicate id", nil, func(s []*data.Station) { s[2].ID = s[1].ID }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stations := importStations(10)
			if tc.mutate != nil {
				tc.mutate(stations)
			}
			f := &fakeUpserter{}
			rep, err := importChecked(context.Background(), f, stations, tc.problems, ImportOptions{Strict: true, BatchSize: 3})
			if !errors.Is(err, ErrStrict) {
				t.Errorf("Import(strict) error = %v; want ErrStrict", err)
			}
			if len(f.calls) != 0 || rep.Written != 0 {
				t.Errorf("Import(strict) wrote %v (Written %d); want nothing", f.calls, rep.Written)
			}
		})
	}

	// A clean input goes in one transaction, whatever the batch size.
	f := &fakeUpserter{}
	rep, err := importChecked(context.Background(), f, importStations(10), nil, ImportOptions{Strict: true, BatchSize: 3})
	if err != nil || !reflect.DeepEqual(callSizes(f), []int{10}) || rep.Written != 10 {
		t.Errorf("Import(strict, clean) = %+v, %v with calls %v; want one call of 10", rep, err, callSizes(f))
	}

	// A database error in strict mode is returned, not retried row by row.
	f = &fakeUpserter{UpsertFunc: func(context.Context, []*data.Station) (int64, error) { return 0, errors.New("boom") }}
	if _, err := importChecked(context.Background(), f, importStations(10), nil, ImportOptions{Strict: true}); err == nil || len(f.calls) != 1 {
		t.Errorf("Import(strict, failing db) = %v after %d calls; want an error after 1", err, len(f.calls))
	}
}

func TestImportDryRun(t *testing.T) {
	stations := importStations(5)
	stations[4].Location = orb.Point{200, 0}
	rep, err := importChecked(context.Background(), nil, stations, nil, ImportOptions{DryRun: true})
	if err != nil {
		t.Fatalf("Import(dry run, nil db): %v", err)
	}
	if !rep.DryRun || rep.ToWrite != 4 || rep.Written != 0 || len(rep.Rejected) != 1 || rep.Rejected[0].Field != "geometry" {
		t.Errorf("report = %+v (rejected %v); want dry run, 4 to write, none written, 1 geometry rejection", rep, rep.Rejected)
	}
	// Without dry run, a nil destination is an error, not a panic.
	if _, err := importChecked(context.Background(), nil, importStations(1), nil, ImportOptions{}); err == nil {
		t.Errorf("Import(nil db) error = nil; want one")
	}
}

func TestImportIsolatesDatabaseRejection(t *testing.T) {
	// The database refuses any batch holding s-6; the others must land.
	f := &fakeUpserter{UpsertFunc: func(_ context.Context, s []*data.Station) (int64, error) {
		if slices.ContainsFunc(s, func(st *data.Station) bool { return st.ID == "s-6" }) {
			return 0, errors.New("upsert stations: value too long")
		}
		return int64(len(s)), nil
	}}
	rep, err := importChecked(context.Background(), f, importStations(10), nil, ImportOptions{BatchSize: 4})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if rep.Written != 9 || rep.Upserted != 9 {
		t.Errorf("Written, Upserted = %d, %d; want 9, 9", rep.Written, rep.Upserted)
	}
	if len(rep.Rejected) != 1 || rep.Rejected[0].ID != "s-6" || rep.Rejected[0].Field != "database" {
		t.Errorf("rejected = %v; want s-6 (database)", rep.Rejected)
	}
	// Batches: [0-3], [4-7] fails → 4, 5, 6, 7 singly, then [8-9].
	if got, want := callSizes(f), []int{4, 4, 1, 1, 1, 1, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v; want %v", got, want)
	}
}

// TestImportRetriesInSmallerBatches: a large batch that fails is retried
// in batches of retryBatchSize, and only the one of those that fails is
// retried record by record.
func TestImportRetriesInSmallerBatches(t *testing.T) {
	const n, bad = 2*retryBatchSize + 7, retryBatchSize + 3
	badID := fmt.Sprintf("s-%d", bad)
	f := &fakeUpserter{UpsertFunc: func(_ context.Context, s []*data.Station) (int64, error) {
		if slices.ContainsFunc(s, func(st *data.Station) bool { return st.ID == badID }) {
			return 0, errors.New("upsert stations: value too long")
		}
		return int64(len(s)), nil
	}}
	type step struct{ done, total int }
	var progress []step
	rep, err := importChecked(context.Background(), f, importStations(n), nil, ImportOptions{
		BatchSize: n,
		Progress:  func(done, total int) { progress = append(progress, step{done, total}) },
	})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if rep.Written != n-1 || rep.Upserted != n-1 || rep.Batches != 2+retryBatchSize-1 {
		t.Errorf("Written, Upserted, Batches = %d, %d, %d; want %d, %d, %d", rep.Written, rep.Upserted, rep.Batches, n-1, n-1, 2+retryBatchSize-1)
	}
	if len(rep.Rejected) != 1 || rep.Rejected[0].ID != badID || rep.Rejected[0].Field != "database" {
		t.Errorf("rejected = %v; want %s (database)", rep.Rejected, badID)
	}
	// [all] fails; [0, 5000) lands; [5000, 10000) fails → one by one; [10000, n) lands.
	want := []int{n, retryBatchSize, retryBatchSize}
	for range retryBatchSize {
		want = append(want, 1)
	}
	want = append(want, 7)
	if got := callSizes(f); !reflect.DeepEqual(got, want) {
		t.Errorf("%d calls; want %d: all, then by %d, one by one for the failing one", len(got), len(want), retryBatchSize)
	}
	if wantProgress := []step{{0, n}, {retryBatchSize, n}, {2*retryBatchSize - 1, n}, {n - 1, n}, {n - 1, n}}; !reflect.DeepEqual(progress, wantProgress) {
		t.Errorf("progress = %v; want %v", progress, wantProgress)
	}
}

func TestImportDatabaseDown(t *testing.T) {
	n := 0
	f := &fakeUpserter{UpsertFunc: func(_ context.Context, s []*data.Station) (int64, error) {
		n++
		if n > 1 {
			return 0, data.ErrUnavailable
		}
		return int64(len(s)), nil
	}}
	rep, err := importChecked(context.Background(), f, importStations(100), nil, ImportOptions{BatchSize: 10})
	if !errors.Is(err, data.ErrUnavailable) {
		t.Errorf("Import error = %v; want ErrUnavailable", err)
	}
	if rep.Written != 10 || len(f.calls) != 2+maxFailuresInARow {
		t.Errorf("Written = %d after %d calls; want 10 after %d (stop after %d failures in a row)",
			rep.Written, len(f.calls), 2+maxFailuresInARow, maxFailuresInARow)
	}
}

func TestImportCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeUpserter{UpsertFunc: func(_ context.Context, s []*data.Station) (int64, error) {
		cancel()
		return int64(len(s)), nil
	}}
	rep, err := importChecked(ctx, f, importStations(10), nil, ImportOptions{BatchSize: 2})
	if !errors.Is(err, context.Canceled) || rep.Written != 2 {
		t.Errorf("Import(cancelled) = written %d, %v; want 2, context.Canceled", rep.Written, err)
	}
}

func TestImportReportWriters(t *testing.T) {
	rep := ImportReport{
		Read: 3, ToWrite: 2, Written: 2, Upserted: 1, Batches: 1,
		Rejected: []*data.FieldError{{Index: 4, ID: "a,b", Field: "lat", Reason: `"x" is not a number`}},
		Warnings: []*data.FieldError{{Index: -1, ID: "osm:node/1", Field: "opening_hours", Severity: data.SeverityWarning, Reason: "dropped"}},
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	wantCSV := "severity,index,id,field,reason\n" +
		"rejected,4,\"a,b\",lat,\"\"\"x\"\" is not a number\"\n" +
		"warning,-1,osm:node/1,opening_hours,warning: dropped\n"
	if buf.String() != wantCSV {
		t.Errorf("WriteCSV =\n%s\nwant\n%s", buf.String(), wantCSV)
	}
	buf.Reset()
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Read, Written, RejectedRecords int
		Upserted                       int64
		Rejected                       []struct {
			Index         int
			ID            string
			Field, Reason string
		}
		Warnings []json.RawMessage
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON output %s: %v", buf.String(), err)
	}
	if got.Read != 3 || got.Written != 2 || got.Upserted != 1 || len(got.Rejected) != 1 || got.Rejected[0].Index != 4 || len(got.Warnings) != 1 {
		t.Errorf("WriteJSON = %s", buf.String())
	}
	if !strings.Contains(buf.String(), `"rejected_records": 1`) {
		t.Errorf("WriteJSON lacks rejected_records: %s", buf.String())
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, override string
		want           Format
		wantErr        bool
	}{
		{"a.geojson", "", FormatGeoJSON, false},
		{"dir.v2/A.JSON", "", FormatGeoJSON, false},
		{"stations.csv", "", FormatCSV, false},
		{"andorra-latest.osm.pbf", "", FormatOSMPBF, false},
		{"x.pbf", "", FormatOSMPBF, false},
		{"map.osm", "", FormatOSMXML, false},
		{"data.txt", "", "", true},
		{"data", "", "", true},
		{"data.txt", "csv", FormatCSV, false},
		{"a.geojson", "CSV", FormatCSV, false},
		{"x", "json", FormatGeoJSON, false},
		{"x", "pbf", FormatOSMPBF, false},
		{"x.csv", "xlsx", "", true},
	}
	for _, tc := range tests {
		got, err := DetectFormat(tc.name, tc.override)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("DetectFormat(%q, %q) = %q, %v; want %q (error %v)", tc.name, tc.override, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	geo := filepath.Join(dir, "in.geojson")
	if err := os.WriteFile(geo, recordtest.Encode(t, importStations(3)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path             string
		records, problem int
	}{
		{geo, 3, 0},
		{"../testdata/csv/stations.csv", 3, 2},
		{"../testdata/osm/liechtenstein-2013-08-03.osm.pbf", 1, 0},
	}
	for _, tc := range tests {
		f, err := DetectFormat(tc.path, "")
		if err != nil {
			t.Fatal(err)
		}
		stations, problems, err := ReadFile(context.Background(), tc.path, f)
		if err != nil || stations.Len() != tc.records || len(problems) != tc.problem {
			t.Errorf("ReadFile(%s) = %d records, %d problems, %v; want %d, %d", tc.path, stations.Len(), len(problems), err, tc.records, tc.problem)
		}
	}
	if _, _, err := ReadFile(context.Background(), filepath.Join(dir, "missing.csv"), FormatCSV); err == nil {
		t.Errorf("ReadFile(missing) error = nil; want one")
	}
	if _, _, err := ReadFile(context.Background(), geo, FormatCSV); err == nil {
		t.Errorf("ReadFile(GeoJSON as CSV) error = nil; want the header error")
	}
}

// Interface guard: the PostGIS store is what Import writes to.
var _ StationUpserter = (*postgis.DB)(nil)

// exportAll collects every live record of db.
func exportAll(t testing.TB, db *postgis.DB) []*data.Station {
	t.Helper()
	var out []*data.Station
	if err := db.ExportAll(context.Background(), func(st *data.Station) error {
		out = append(out, st)
		return nil
	}, nil); err != nil {
		t.Fatalf("ExportAll: %v", err)
	}
	return out
}

func TestImportPostGISRoundTrip(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()

	r := rand.New(rand.NewPCG(3, 4))
	in := make([]*data.Station, 1500)
	for i := range in {
		in[i] = recordtest.Rich(r, i)
		in[i].Version, in[i].UpdatedAt = 0, time.Time{} // the database sets both
	}
	path := filepath.Join(t.TempDir(), "in.geojson")
	if err := os.WriteFile(path, recordtest.Encode(t, in), 0o644); err != nil {
		t.Fatal(err)
	}

	stations, problems, err := ReadFile(ctx, path, FormatGeoJSON)
	if err != nil || len(problems) != 0 {
		t.Fatalf("ReadFile = %v, %v", problems, err)
	}
	rep, err := Import(ctx, db, stations, problems, ImportOptions{BatchSize: 400})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if rep.Written != len(in) || rep.Upserted != int64(len(in)) || rep.Batches != 4 {
		t.Errorf("report = %+v; want %d written and upserted in 4 batches", rep, len(in))
	}

	// export → GeoJSON → decode equals the input.
	var buf bytes.Buffer
	if err := data.EncodeStations(&buf, exportAll(t, db)); err != nil {
		t.Fatal(err)
	}
	out, problems, err := data.DecodeStations(&buf)
	if err != nil || len(problems) != 0 {
		t.Fatalf("DecodeStations(export) = %v, %v", problems, err)
	}
	if len(out) != len(in) {
		t.Fatalf("exported %d records; want %d", len(out), len(in))
	}
	want := byID(in)
	for _, got := range out {
		if got.Version <= 0 || got.UpdatedAt.IsZero() {
			t.Errorf("%s: exported version %d, updated_at %v; want both set by the database", got.ID, got.Version, got.UpdatedAt)
		}
		got.Version, got.UpdatedAt = 0, time.Time{}
		w, ok := want[got.ID]
		if !ok {
			t.Errorf("exported unknown id %q", got.ID)
			continue
		}
		if d := recordtest.Diff(got, w); d != "" {
			t.Errorf("%s: round trip changed the record: %s", got.ID, d)
		}
	}

	// Importing the same file again changes no row.
	rep, err = Import(ctx, db, stations, nil, ImportOptions{})
	if err != nil || rep.Written != len(in) || rep.Upserted != 0 {
		t.Errorf("re-import = written %d, upserted %d, %v; want %d, 0", rep.Written, rep.Upserted, err, len(in))
	}
}

func TestImportPostGISCSVBadRows(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	stations, problems, err := ReadFile(ctx, "../testdata/csv/stations.csv", FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, db, stations, problems, ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	var lines []int
	for _, p := range rep.Rejected {
		lines = append(lines, p.Index)
	}
	if !reflect.DeepEqual(lines, []int{4, 6}) || rep.Written != 3 {
		t.Errorf("rejected lines %v, written %d; want [4 6], 3", lines, rep.Written)
	}
	got := ids(exportAll(t, db))
	if want := []string{"csv-1", "csv-2", "csv-3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("database holds %v; want %v", got, want)
	}
}

func TestImportPostGISStrict(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	stations, problems, err := ReadFile(ctx, "../testdata/csv/stations.csv", FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, db, stations, problems, ImportOptions{Strict: true}); !errors.Is(err, ErrStrict) {
		t.Fatalf("Import(strict) error = %v; want ErrStrict", err)
	}
	if got := exportAll(t, db); len(got) != 0 {
		t.Errorf("strict import with bad rows wrote %v; want nothing", ids(got))
	}

	// A database error in the middle of a strict import leaves nothing
	// either: the records go in one transaction. The last record is valid
	// for Validate but too big for the integer column.
	records := importStations(50)
	big := 1 << 40
	records[49].Beds = &big
	if _, err := importChecked(ctx, db, records, nil, ImportOptions{Strict: true, BatchSize: 10}); err == nil {
		t.Fatalf("Import(strict, record the database refuses) error = nil; want one")
	}
	if got := exportAll(t, db); len(got) != 0 {
		t.Errorf("strict import that failed in the database wrote %d records; want none", len(got))
	}
	// Without strict, the other 49 land.
	rep, err := importChecked(ctx, db, records, nil, ImportOptions{BatchSize: 10})
	if err != nil || rep.Written != 49 || len(rep.Rejected) != 1 || rep.Rejected[0].ID != "s-49" {
		t.Errorf("Import(non-strict) = %+v, %v; want 49 written, s-49 rejected", rep, err)
	}
}

func TestImportPostGISOSM(t *testing.T) {
	t.Parallel()
	db, _ := migratedDB(t)
	ctx := context.Background()
	stations, problems, err := ReadFile(ctx, "../testdata/osm/andorra-2022-09-20.osm.pbf", FormatOSMPBF)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, db, stations, problems, ImportOptions{}); err != nil {
		t.Fatalf("Import: %v", err)
	}
	got, err := db.Get(ctx, "osm:way/407636899")
	if err != nil || got.Names.EN != "Àrea de descans" || !strings.HasPrefix(got.Source, OSMAttribution) {
		t.Errorf("Get(osm:way/407636899) = %+v, %v", got, err)
	}
	if n := len(exportAll(t, db)); n != 9 {
		t.Errorf("database holds %d records; want 9", n)
	}
}

// BenchmarkImport1M measures Import into PostGIS of 1,000,000 generated
// records in default batches (records/s); each iteration uses a fresh
// database, so every record is an insert. Outside the timed part, the
// same records are imported again, which changes nothing (s/reimport).
func BenchmarkImport1M(b *testing.B) {
	pgtest.ServerURL(b)
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 2))
	stations := make([]*data.Station, n)
	for i := range stations {
		stations[i] = recordtest.Rich(r, i)
	}
	var reimport time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, _ := migratedDB(b)
		b.StartTimer()
		valid, problems := data.Check(stations)
		rep, err := Import(context.Background(), db, valid, problems, ImportOptions{})
		if err != nil || rep.Written != n {
			b.Fatalf("Import = written %d, %v", rep.Written, err)
		}
		b.StopTimer()
		start := time.Now()
		rep, err = Import(context.Background(), db, valid, problems, ImportOptions{})
		if err != nil || rep.Written != n || rep.Upserted != 0 {
			b.Fatalf("Import again = written %d, upserted %d, %v", rep.Written, rep.Upserted, err)
		}
		reimport += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(reimport.Seconds()/float64(b.N), "s/reimport")
}

// migratedDB opens a fresh, migrated database.
func migratedDB(t testing.TB) (*postgis.DB, string) {
	t.Helper()
	u := pgtest.Database(t)
	ctx := context.Background()
	db, err := postgis.Open(ctx, u, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db, u
}
