package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yizhan/api"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
)

// bundledServer is the server `yizhan serve` runs on the bundled data set.
func bundledServer(t *testing.T) *api.Server {
	t.Helper()
	sts, err := bundled.Stations()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	s, err := api.New(api.Config{Catalog: catalog.NewCatalog(catalog.NewSnapshot(sts, 0)), Layers: layers})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// postJSON posts body to path and returns the status and the answer.
func postJSON(t *testing.T, s *api.Server, path, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// TestPlannerCLIMatchesAPI runs `yizhan gaps` and `yizhan route` on the
// same inputs as the HTTP endpoints and holds the GeoJSON and the reports
// they write to the server's answer, byte for byte.
func TestPlannerCLIMatchesAPI(t *testing.T) {
	s := bundledServer(t)
	dir := t.TempDir()
	square := `{"type":"Polygon","coordinates":[[[111.5,40.6],[112.1,40.6],[112.1,41.1],[111.5,41.1],[111.5,40.6]]]}`
	areaFile := filepath.Join(dir, "hohhot.geojson")
	route := `{"type":"Feature","properties":{"name":"a road"},"geometry":{"type":"LineString","coordinates":[[117.43,49.6],[119.76,49.21],[120.73,47.18]]}}`
	routeFile := filepath.Join(dir, "road.geojson")
	for name, body := range map[string]string{areaFile: square, routeFile: route} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hohhotErenhot, ok := bundled.FindRoute("hohhot-erenhot")
	if !ok {
		t.Fatal("no bundled route hohhot-erenhot")
	}
	hoer, err := json.Marshal(hohhotErenhot.Line)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		run  func(context.Context, []string, env, io.Writer, io.Writer) error
		args []string // the command's, before --out FILE (or --suggest-out FILE)
		out  string   // the flag that writes the GeoJSON compared
		path string
		body string
		file string // the file written; "" for out.geojson
	}{
		{"gaps of a region", runGaps, []string{"--region", "Inner Mongolia", "--minutes", "60", "--mode", "truck"}, "--out",
			"/v1/coverage/gaps", `{"region":"Inner Mongolia","minutes":60,"mode":"truck"}`, ""},
		{"gaps by default", runGaps, []string{"--region", "150000"}, "--out",
			"/v1/coverage/gaps", `{"region":"150000"}`, ""},
		{"gaps of an area file", runGaps, []string{"--area", areaFile, "--radius-m", "3000", "--cell-m", "250", "--kind", "union_station,worker_home"}, "--out",
			"/v1/coverage/gaps", `{"area":` + square + `,"radius_m":3000,"cell_m":250,"kind":["union_station","worker_home"]}`, ""},
		{"suggested sites", runGaps, []string{"--region", "Inner Mongolia", "--minutes", "60", "--mode", "truck", "--suggest", "3"}, "--suggest-out",
			"/v1/coverage/suggest", `{"region":"Inner Mongolia","minutes":60,"mode":"truck","n":3}`, ""},
		{"a bundled route", runRoute, []string{"--corridor-m", "20000", "--prefer", "truck_parking", "hohhot-erenhot"}, "--out",
			"/v1/route/stations", `{"route":{"type":"LineString","coordinates":` + string(hoer) + `},"corridor_m":20000,"prefer_amenities":["truck_parking"],"lang":"en"}`, ""},
		{"a route file", runRoute, []string{"--lang", "ru", "--max-gap-minutes", "30", "--speed-kmh", "60", "--max-drive-minutes", "120", "--kind", "rest_stop,driver_home", routeFile}, "--out",
			"/v1/route/plan", `{"route":` + route + `,"lang":"ru","max_gap_minutes":30,"speed_kmh":60,"max_drive_minutes":120,"kind":"rest_stop,driver_home"}`, ""},
		{"a printable report", runGaps, []string{"--region", "Inner Mongolia", "--minutes", "15", "--mode", "drive", "--suggest", "3", "--lang", "en"}, "--report",
			"/v1/coverage/report?format=html", `{"region":"Inner Mongolia","minutes":15,"mode":"drive","n":3,"lang":"en"}`, "report.html"},
		{"a CSV report of a clipped area", runGaps, []string{"--area", areaFile, "--region", "150000", "--minutes", "30", "--mode", "drive", "--demand", "none", "--suggest", "2", "--csv-bom"}, "--report",
			"/v1/coverage/report?format=csv&bom=true", `{"area":` + square + `,"region":"150000","minutes":30,"mode":"drive","demand":"none","n":2}`, "report.csv"},
		{"a GeoJSON report", runGaps, []string{"--area", areaFile, "--lang", "mn", "--report-format", "geojson"}, "--report",
			"/v1/coverage/report?format=geojson", `{"area":` + square + `,"lang":"mn"}`, "report.out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, want := postJSON(t, s, tc.path, tc.body)
			if status != 200 {
				t.Fatalf("POST %s %s = %d %s", tc.path, tc.body, status, want)
			}
			file := filepath.Join(dir, "out.geojson")
			if tc.file != "" {
				file = filepath.Join(dir, tc.file)
			}
			var stdout, stderr bytes.Buffer
			if err := tc.run(context.Background(), append(tc.args, tc.out, file), func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("%v: %v\n%s", tc.args, err, stderr.String())
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("yizhan %v wrote\n%.600s\nPOST %s answers\n%.600s", tc.args, got, tc.path, want)
			}
		})
	}
}

// TestPlannerCLILimits checks that the command line refuses what the
// server refuses, with the server's words.
func TestPlannerCLILimits(t *testing.T) {
	s := bundledServer(t)
	dir := t.TempDir()
	// 5,600 positions zig-zagging 2° north and south: 125 million
	// edge–row crossings at 10 m cells.
	var zz strings.Builder
	zz.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i < 5600; i++ {
		fmt.Fprintf(&zz, "[%.7f,%d],", 111+float64(i)*0.02/5600, 40+2*(i%2))
	}
	fmt.Fprintf(&zz, "[%.7f,39.99],[111,39.99],[111,40]]]}", 111+5599*0.02/5600)
	zigzag := filepath.Join(dir, "zigzag.geojson")
	world := `{"type":"Polygon","coordinates":[[[-180,-60],[180,-60],[180,60],[-180,60],[-180,-60]]]}`
	worldFile := filepath.Join(dir, "world.geojson")
	for name, body := range map[string]string{zigzag: zz.String(), worldFile: world} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		run  func(context.Context, []string, env, io.Writer, io.Writer) error
		args []string
		path string
		body string
	}{
		{"zig-zag area at 10 m", runGaps, []string{"--area", zigzag, "--cell-m", "10"}, "/v1/coverage/gaps", `{"area":` + zz.String() + `,"cell_m":10}`},
		{"area across half the world", runGaps, []string{"--area", worldFile}, "/v1/coverage/gaps", `{"area":` + world + `}`},
		{"suggest work", runGaps, []string{"--region", "150000", "--kind", "port", "--radius-m", "200000", "--cell-m", "1000", "--suggest", "2"},
			"/v1/coverage/suggest", `{"region":"150000","kind":"port","radius_m":200000,"cell_m":1000,"n":2}`},
		{"too many sites", runGaps, []string{"--region", "150000", "--suggest", "51"}, "/v1/coverage/suggest", `{"region":"150000","n":51}`},
		{"radius too large", runGaps, []string{"--region", "150000", "--minutes", "600", "--speed-kmh", "200"}, "/v1/coverage/gaps", `{"region":"150000","minutes":600,"speed_kmh":200}`},
		{"corridor too wide", runRoute, []string{"--corridor-m", "60000", "hohhot-erenhot"}, "/v1/route/stations",
			`{"route":{"type":"LineString","coordinates":[[111.65,40.81],[111.98,43.65]]},"corridor_m":60000}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, raw := postJSON(t, s, tc.path, tc.body)
			var p struct {
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(raw, &p); err != nil || status != 400 || p.Detail == "" {
				t.Fatalf("POST %s = %d %.300s; want a 400 problem", tc.path, status, raw)
			}
			var stdout, stderr bytes.Buffer
			err := tc.run(context.Background(), append(tc.args, "--out", filepath.Join(dir, "x.geojson")), func(string) string { return "" }, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), p.Detail) {
				t.Errorf("yizhan %v = %v; want the server's problem %q", tc.args, err, p.Detail)
			}
		})
	}
}
