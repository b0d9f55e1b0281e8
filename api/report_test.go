package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// postRaw sends body as JSON to target and reads the answer, whatever its type.
func postRaw(t testing.TB, s *Server, target, body string) response {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, raw: raw}
}

var updateReport = flag.Bool("update", false, "rewrite the report golden files in testdata")

// reportBody is the report request the tests send: the Hohhot square,
// 15 minutes by car, a small demand, two sites.
func reportBody(lang string) string {
	return `{"area":` + hohhotSquare + `,"minutes":15,"mode":"drive","n":2,"cell_m":250,"lang":"` + lang + `",
	"demand":{"type":"FeatureCollection","features":[
	{"type":"Feature","geometry":{"type":"Point","coordinates":[111.79,40.76]},"properties":{"weight":1200,"name":"Depot"}},
	{"type":"Feature","geometry":{"type":"Point","coordinates":[111.61,40.89]},"properties":{"weight":300}},
	{"type":"Feature","geometry":{"type":"Point","coordinates":[111.70,40.82]},"properties":{"weight":50}}]},
	"candidates":{"type":"FeatureCollection","features":[
	{"type":"Feature","id":"Depot \"A\", north","geometry":{"type":"Point","coordinates":[111.785,40.765]},"properties":{}},
	{"type":"Feature","id":"<b>Village</b>","geometry":{"type":"Point","coordinates":[111.615,40.885]},"properties":{}},
	{"type":"Feature","id":"c","geometry":{"type":"Point","coordinates":[111.70,40.80]},"properties":{}}]}}`
}

// TestReportCSV: the CSV parses with encoding/csv into one header and
// rows of the same width, its numbers parse, it has the gaps and sites of
// the GeoJSON report, names with commas, quotes and markup round-trip
// unchanged, and bom=true puts a byte-order mark first.
func TestReportCSV(t *testing.T) {
	s := plannerServer(t)
	r := postRaw(t, s, "/v1/coverage/report?format=csv", reportBody("en"))
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d %q\n%s", r.status, r.header.Get("Content-Type"), r.raw)
	}
	rd := csv.NewReader(bytes.NewReader(r.raw))
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, r.raw)
	}
	if strings.Join(rows[0], ",") != strings.Join(ReportColumns, ",") {
		t.Fatalf("header %v; want %v", rows[0], ReportColumns)
	}
	if !bytes.Contains(r.raw, []byte("\r\n")) {
		t.Fatalf("CSV lines do not end in CRLF (RFC 4180)")
	}
	g := post(t, s, "/v1/coverage/report?format=geojson", reportBody("en"))
	if g.status != 200 {
		t.Fatalf("geojson: %d\n%s", g.status, g.raw)
	}
	var gaps, sites int
	names := map[string]bool{}
	for _, row := range rows[1:] {
		for _, c := range []int{2, 3} {
			if _, err := strconv.ParseFloat(row[c], 64); err != nil {
				t.Fatalf("row %v: column %s is not a number", row, ReportColumns[c])
			}
		}
		switch row[0] {
		case "gap":
			gaps++
			if _, err := strconv.ParseFloat(row[5], 64); err != nil {
				t.Fatalf("gap row %v: uncovered_km2 is not a number", row)
			}
		case "site":
			sites++
			names[row[12]] = true
			if _, err := strconv.ParseFloat(row[11], 64); err != nil {
				t.Fatalf("site row %v: demand_gain is not a number", row)
			}
		default:
			t.Fatalf("row type %q", row[0])
		}
	}
	feats := g.features(t)
	if gaps+sites != len(feats) || sites != int(g.body["sites"].(float64)) || sites != 2 {
		t.Fatalf("CSV has %d gaps and %d sites; GeoJSON %d features, %v sites", gaps, sites, len(feats), g.body["sites"])
	}
	if !names[`Depot "A", north`] || !names["<b>Village</b>"] {
		t.Fatalf("site candidates %v; want the candidate ids unchanged", names)
	}
	b := postRaw(t, s, "/v1/coverage/report?format=csv&bom=true", reportBody("en"))
	if !bytes.HasPrefix(b.raw, []byte("\ufeff")) || !bytes.Equal(b.raw[3:], r.raw) {
		t.Fatalf("bom=true: want the same CSV after a byte-order mark")
	}
}

// TestReportHTMLGolden compares the printable report in each language
// with testdata/report_<lang>.html (go test ./api -run ReportHTML -update
// rewrites them), and checks that the page is served with a policy
// allowing its one style sheet and that record text is escaped.
func TestReportHTMLGolden(t *testing.T) {
	s := plannerServer(t)
	for _, lang := range []string{"zh", "en", "ru", "mn"} {
		r := postRaw(t, s, "/v1/coverage/report?format=html", reportBody(lang))
		if r.status != 200 || r.header.Get("Content-Type") != mediaHTML {
			t.Fatalf("%s: status %d %q\n%s", lang, r.status, r.header.Get("Content-Type"), r.raw)
		}
		if csp := r.header.Get("Content-Security-Policy"); csp != reportCSP || !strings.Contains(csp, "style-src 'sha256-") {
			t.Fatalf("%s: CSP %q", lang, csp)
		}
		if bytes.Contains(r.raw, []byte("<b>Village</b>")) {
			t.Fatalf("%s: a candidate id reached the page as markup", lang)
		}
		m := words(lang)
		for _, key := range []string{"report.title", "report.scenario.with_planned", "report.scenario.with_suggested", "plan.mode.drive"} {
			if !bytes.Contains(r.raw, []byte(templateEscape(m[key]))) {
				t.Errorf("%s: the report lacks %s %q", lang, key, m[key])
			}
		}
		path := filepath.Join("testdata", "report_"+lang+".html")
		if *updateReport {
			if err := os.WriteFile(path, r.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./api -run ReportHTML -update)", err)
		}
		if !bytes.Equal(r.raw, want) {
			t.Errorf("%s: the report differs from %s (run go test ./api -run ReportHTML -update and review the diff)", lang, path)
		}
	}
}

// templateEscape escapes s as html/template writes text.
func templateEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")
	return r.Replace(s)
}

// TestReportBadInput: an unknown format or bom is a 400 problem.
func TestReportBadInput(t *testing.T) {
	s := plannerServer(t)
	for _, target := range []string{"/v1/coverage/report?format=pdf", "/v1/coverage/report?format=csv&bom=maybe"} {
		r := post(t, s, target, reportBody("en"))
		if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: %d %s", target, r.status, r.raw)
		}
		var p map[string]any
		if err := json.Unmarshal(r.raw, &p); err != nil || p["detail"] == "" {
			t.Fatalf("%s: problem %s", target, r.raw)
		}
	}
}

// FuzzReportBody: any body sent for a report is answered 200 with a
// report or 400 (or a 503 when its work ran out of time) with a problem;
// never a 500, never a crash.
func FuzzReportBody(f *testing.F) {
	for _, s := range []string{
		reportBody("en"),
		`{"area":` + hohhotSquare + `,"radius_m":3000,"demand_csv":"lon,lat,weight\n111.7,40.8,5\n"}`,
		`{"area":` + hohhotSquare + `,"region":"150000","demand":"none","n":1}`,
		`{"area":` + hohhotSquare + `,"demand":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[111.7,40.8]},"properties":{"weight":-1}}]}}`,
		`{"region":"China","cell_m":100000,"n":2}`,
		`{"demand_csv":"\ufefflat,lon\n\"1"}`,
		`{"area":{"type":"Polygon","coordinates":[[[1,1],[2,2],[1,2],[2,1],[1,1]]]}}`,
	} {
		f.Add(s)
	}
	s := plannerServer(f)
	f.Fuzz(func(t *testing.T, body string) {
		r := postRaw(t, s, "/v1/coverage/report?format=csv", body)
		switch {
		case r.status == 200 && strings.HasPrefix(r.header.Get("Content-Type"), "text/csv"):
		case (r.status == 400 || r.status == 503 || r.status == 413 || r.status == 415) && r.header.Get("Content-Type") == "application/problem+json":
		default:
			t.Fatalf("POST report %q = %d %s\n%.300s", body, r.status, r.header.Get("Content-Type"), r.raw)
		}
	})
}
