package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yizhan/api"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/source"
	"yizhan/roads"
)

// TestRouteFromToCLIMatchesAPI runs `yizhan route --from --to` with and
// without --roads and holds the GeoJSON it writes to POST
// /v1/route/stations's answer on a server with and without that network.
func TestRouteFromToCLIMatchesAPI(t *testing.T) {
	net, err := plannerRoads(context.Background(), andorraPBF, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := bundled.Stations()
	if err != nil {
		t.Fatal(err)
	}
	server := func(n *roads.Network) *api.Server {
		s, err := api.New(api.Config{Catalog: catalog.NewCatalog(catalog.NewSnapshot(sts, 0)), Roads: func() *roads.Network { return n }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		net    *roads.Network
		args   []string
		body   string
		method string
	}{
		{"on the roads", net, []string{"--roads", andorraPBF, "--from", "1.4732375,42.4356516", "--to", "1.7350636,42.5437725", "--mode", "truck", "--max-drive-minutes", "20"},
			`{"from":[1.4732375,42.4356516],"to":[1.7350636,42.5437725],"mode":"truck","max_drive_minutes":20,"lang":"en"}`, `"method":"network"`},
		{"through a via", net, []string{"--roads", andorraPBF, "--from", "1.4732375,42.4356516", "--via", "1.5218,42.5063", "--to", "1.7350636,42.5437725"},
			`{"from":[1.4732375,42.4356516],"via":[[1.5218,42.5063]],"to":[1.7350636,42.5437725],"lang":"en"}`, `"method":"network"`},
		{"the straight line", nil, []string{"--from", "111.67,40.81", "--to", "111.977,43.653", "--corridor-m", "5000"},
			`{"from":[111.67,40.81],"to":[111.977,43.653],"corridor_m":5000,"lang":"en"}`, `"method":"straight_line"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, want := postJSON(t, server(tc.net), "/v1/route/stations", tc.body)
			if status != 200 || !bytes.Contains(want, []byte(tc.method)) {
				t.Fatalf("POST %s = %d %.300s; want 200 with %s", tc.body, status, want, tc.method)
			}
			file := filepath.Join(dir, "out.geojson")
			var stdout, stderr bytes.Buffer
			if err := runRoute(context.Background(), append(tc.args, "--out", file), func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("%v: %v\n%s", tc.args, err, stderr.String())
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("yizhan route %v wrote\n%.600s\nthe API answers\n%.600s", tc.args, got, want)
			}
			if !strings.Contains(stdout.String(), "from ") {
				t.Errorf("summary does not name the route found:\n%s", stdout.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	err = runRoute(context.Background(), []string{"--from", "1,2", "hohhot-erenhot"}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("route with --from and a FILE = %v; want a refusal", err)
	}
	err = runRoute(context.Background(), []string{"--from", "1,2"}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "to is required") {
		t.Errorf("route with --from alone = %v; want the server's refusal", err)
	}
}

// TestGapsByTimeCLIMatchesAPI runs `yizhan gaps --by time --roads` and
// holds its GeoJSON to POST /v1/coverage/gaps's answer on a server with
// that network.
func TestGapsByTimeCLIMatchesAPI(t *testing.T) {
	net, err := plannerRoads(context.Background(), andorraPBF, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "andorra.geojson")
	if err := os.WriteFile(data, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","id":"a1","geometry":{"type":"Point","coordinates":[1.5218,42.5063]},"properties":{"kind":"rest_stop","names":{"zh":"安道尔城"},"status":"open","source":"test"}},
{"type":"Feature","id":"a2","geometry":{"type":"Point","coordinates":[1.7327,42.5425]},"properties":{"kind":"driver_home","names":{"zh":"帕斯"},"status":"open","source":"test"}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	area := `{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`
	areaFile := filepath.Join(dir, "area.geojson")
	if err := os.WriteFile(areaFile, []byte(area), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	file := filepath.Join(dir, "gaps.geojson")
	// Both sides get a time limit far above the work (about a second), so
	// that a machine busy with other tests cannot cut either short.
	const limit = "2m"
	args := []string{"--data", data, "--area", areaFile, "--minutes", "10", "--mode", "drive", "--by", "time", "--roads", andorraPBF, "--cell-m", "500", "--timeout", limit, "--out", file}
	if err := runGaps(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sts, _, err := source.LoadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := bundled.LoadLayers() // the CLI's default demand
	if err != nil {
		t.Fatal(err)
	}
	s, err := api.New(api.Config{Catalog: catalog.NewCatalog(catalog.NewSnapshot(sts, 0)), Layers: layers, Roads: func() *roads.Network { return net }, CoverageTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	status, want := postJSON(t, s, "/v1/coverage/gaps", `{"area":`+area+`,"minutes":10,"mode":"drive","by":"time","cell_m":500}`)
	if status != 200 || !bytes.Contains(want, []byte(`"method":"network"`)) {
		t.Fatalf("POST = %d %.300s; want 200 by network", status, want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("yizhan gaps %v wrote\n%.600s\nthe API answers\n%.600s", args, got, want)
	}
	if !strings.Contains(stdout.String(), "on the roads") {
		t.Errorf("summary does not say it travelled on the roads:\n%s", stdout.String())
	}

	// Suggestions and the report by time: the same bytes, in words that
	// say the coverage is by car on the roads.
	for _, tc := range []struct{ flag, file, target string }{
		{"--suggest-out", "sites.geojson", "/v1/coverage/suggest"},
		{"--report", "report.html", "/v1/coverage/report?format=html"},
	} {
		file := filepath.Join(dir, tc.file)
		args := []string{"--data", data, "--area", areaFile, "--minutes", "10", "--mode", "drive", "--by", "time", "--roads", andorraPBF, "--cell-m", "500",
			"--suggest", "2", "--lang", "en", "--timeout", limit, tc.flag, file}
		stdout.Reset()
		if err := runGaps(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		status, want := postJSON(t, s, tc.target, `{"area":`+area+`,"minutes":10,"mode":"drive","by":"time","cell_m":500,"n":2,"lang":"en"}`)
		if status != 200 {
			t.Fatalf("POST %s = %d %.300s", tc.target, status, want)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("yizhan gaps %v wrote\n%.600s\nthe API answers\n%.600s", args, got, want)
		}
		if tc.flag == "--report" && !bytes.Contains(got, []byte("by car on the roads")) {
			t.Errorf("the report by time does not say by car on the roads:\n%.3000s", got)
		}
	}
	// Road length as demand, suggested among the junctions: the same bytes.
	file = filepath.Join(dir, "roads.geojson")
	args = []string{"--data", data, "--area", areaFile, "--minutes", "10", "--mode", "drive", "--roads", andorraPBF, "--cell-m", "500",
		"--demand", "roads", "--suggest", "2", "--lang", "en", "--suggest-out", file}
	if err := runGaps(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	if got, err = os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	status, want = postJSON(t, s, "/v1/coverage/suggest", `{"area":`+area+`,"minutes":10,"mode":"drive","cell_m":500,"demand":"roads","n":2,"lang":"en"}`)
	if status != 200 || !bytes.Contains(want, []byte(`"junctions"`)) || !bytes.Contains(want, []byte(`"km of road"`)) {
		t.Fatalf("POST suggest with road demand = %d %.300s; want 200 with junctions and km of road", status, want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("yizhan gaps %v wrote\n%.600s\nthe API answers\n%.600s", args, got, want)
	}
}
