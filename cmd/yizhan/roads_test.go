package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
	"yizhan/data/source"
	"yizhan/roads"
	"yizhan/tests/wait"
)

// The real extracts the repository ships (data/README.md gives their provenance).
var (
	andorraPBF       = filepath.Join("..", "..", "data", "osm", "andorra-2022-09-20.osm.pbf")
	liechtensteinPBF = filepath.Join("..", "..", "data", "osm", "liechtenstein-2013-08-03.osm.pbf")
)

func TestRoadsRegion(t *testing.T) {
	tests := map[string]string{
		"andorra-latest.osm.pbf":                "andorra-latest",
		"/data/extracts/Inner-Mongolia.OSM.PBF": "Inner-Mongolia",
		"region.pbf":                            "region",
		"x/.osm.pbf":                            ".osm", // never an empty region
		"stations.osm":                          "stations.osm",
	}
	for in, want := range tests {
		if got := roadsRegion(in); got != want {
			t.Errorf("roadsRegion(%q) = %q; want %q", in, got, want)
		}
	}
}

// startServe runs serve with args until the test ends; it returns the
// log, once the server is listening.
func startServe(t *testing.T, args []string, env map[string]string) *syncBuffer {
	t.Helper()
	log, _ := startServeAt(t, args, env)
	return log
}

// startServeAt is startServe that also gives the server's base URL.
func startServeAt(t *testing.T, args []string, env map[string]string) (*syncBuffer, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, append(args, "--addr", "127.0.0.1:0"), func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve after cancel = %v", err)
		}
	})
	wait.For(t, 60*time.Second, "serve to start", func() bool {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve %q = %v before it listened\n%s", args, err, stderr.String())
		default:
		}
		return strings.Contains(stdout.String(), "serving on")
	})
	_, url, _ := strings.Cut(strings.TrimSpace(stdout.String()), "serving on ")
	return &stderr, url
}

// logged is the integer value of key on the log's last line containing msg, or -1.
func logged(log, msg, key string) int {
	last := -1
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		if m := regexp.MustCompile(` ` + key + `=(\d+)`).FindStringSubmatch(line); m != nil {
			last, _ = strconv.Atoi(m[1])
		}
	}
	return last
}

// TestServeRoadsFile: serve --roads builds the extract's network at start
// and says what it built; a file that is not an extract stops the start.
func TestServeRoadsFile(t *testing.T) {
	log := startServe(t, []string{"--roads", liechtensteinPBF}, nil).String()
	for _, key := range []string{"ways", "nodes", "edges", "graph_bytes", "geometry_bytes"} {
		if logged(log, "road network loaded", key) <= 0 {
			t.Errorf("serve --roads logged no %s:\n%s", key, log)
		}
	}
	for _, want := range []string{"source=" + liechtensteinPBF, " read=", " build="} {
		if !strings.Contains(log, want) {
			t.Errorf("serve --roads's log lacks %q:\n%s", want, log)
		}
	}

	notPBF := filepath.Join(t.TempDir(), "x.osm.pbf")
	if err := os.WriteFile(notPBF, []byte(oneStation), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{notPBF, filepath.Join(t.TempDir(), "missing.osm.pbf")} {
		var stdout, stderr bytes.Buffer
		err := runServe(context.Background(), []string{"--roads", file, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "--roads") {
			t.Errorf("serve --roads %s = %v; want an error naming --roads", file, err)
		}
	}
}

// migratedURL is a fresh migrated database's URL, and the database.
func migratedURL(t *testing.T) (string, *postgis.DB) {
	t.Helper()
	u := pgtest.Database(t)
	db, err := postgis.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u, db
}

func liveRoads(t *testing.T, db *postgis.DB, region string) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), "SELECT count(*) FROM roads WHERE NOT deleted AND region = $1", region).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportRoads: importing an extract loads its roads under the file's
// region, importing it again changes nothing, --roads-region and
// --roads=false do what they say, and a dry run only counts.
func TestImportRoads(t *testing.T) {
	u, db := migratedURL(t)
	env := map[string]string{"DATABASE_URL": u}
	imp := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"import"}, args...), func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
			t.Fatalf("import %q: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	f, err := os.Open(liechtensteinPBF)
	if err != nil {
		t.Fatal(err)
	}
	ways, err := source.ReadRoads(context.Background(), f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	n := len(ways)

	out := imp(liechtensteinPBF)
	region := "liechtenstein-2013-08-03"
	if want := fmt.Sprintf("roads: region %q: %d ways (%d new, 0 changed, 0 deleted, 0 unchanged), rejected 0", region, n, n); !strings.Contains(out, want) {
		t.Errorf("first import printed\n%s\nwant a line with %q", out, want)
	}
	if got := liveRoads(t, db, region); got != n {
		t.Errorf("%d roads stored for %s; want %d", got, region, n)
	}
	out = imp(liechtensteinPBF)
	if want := fmt.Sprintf("(0 new, 0 changed, 0 deleted, %d unchanged)", n); !strings.Contains(out, want) {
		t.Errorf("the same import again printed\n%s\nwant %q", out, want)
	}
	out = imp(liechtensteinPBF, "--roads-region", "li")
	if want := fmt.Sprintf("roads: region \"li\": %d ways (0 new, %d changed", n, n); !strings.Contains(out, want) || liveRoads(t, db, "li") != n || liveRoads(t, db, region) != 0 {
		t.Errorf("import under another region printed\n%s\nwant %q, every way moved to li", out, want)
	}
	if out := imp(liechtensteinPBF, "--roads=false"); strings.Contains(out, "roads:") {
		t.Errorf("import --roads=false printed a roads line:\n%s", out)
	}
	delete(env, "DATABASE_URL")
	if out := imp(liechtensteinPBF, "--dry-run"); !strings.Contains(out, fmt.Sprintf("roads: dry run: %d ways for region %q, rejected 0", n, region)) {
		t.Errorf("import --dry-run printed\n%s", out)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"import", "x.csv", "--roads-region", "r", "--dry-run"}, func(string) string { return "" }, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--roads-region needs an .osm.pbf") {
		t.Errorf("import x.csv --roads-region = %v; want it refused", err)
	}
}

// TestServeFollowsRoads: a server on a database builds the roads table's
// network at start and rebuilds it when an import changes the table; one
// given --roads serves the file instead.
func TestServeFollowsRoads(t *testing.T) {
	u, db := migratedURL(t)
	ctx := context.Background()
	read := func(path string) int {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ways, err := source.ReadRoads(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReplaceRoads(ctx, filepath.Base(path), ways); err != nil {
			t.Fatal(err)
		}
		return len(ways)
	}
	li := read(liechtensteinPBF)
	log := startServe(t, nil, map[string]string{"DATABASE_URL": u})
	if got := logged(log.String(), "road network loaded", "ways"); got != li {
		t.Fatalf("serve on the database loaded %d ways; want %d\n%s", got, li, log.String())
	}
	for _, key := range []string{"nodes", "edges", "graph_bytes", "geometry_bytes"} {
		if logged(log.String(), "road network loaded", key) <= 0 {
			t.Errorf("serve logged no %s:\n%s", key, log.String())
		}
	}
	ad := read(andorraPBF)
	wait.For(t, 30*time.Second, "the network rebuilt with both regions", func() bool {
		return logged(log.String(), "road network rebuilt", "ways") == li+ad
	})
	// Each network is prepared before it is served (both are small).
	if n := strings.Count(log.String(), "road landmarks and hierarchies prepared"); n != 2 {
		t.Errorf("landmarks prepared %d times for the network loaded and the one rebuilt; want 2\n%s", n, log.String())
	}

	file := startServe(t, []string{"--roads", andorraPBF}, map[string]string{"DATABASE_URL": u}).String()
	if got := logged(file, "road network loaded", "ways"); got != ad || !strings.Contains(file, "roads table is not followed") {
		t.Errorf("serve --roads with a database loaded %d ways; want the file's %d, and a note that the table is not followed\n%s", got, ad, file)
	}
}

// TestServeRoadsLandmarks: serve --roads prepares every mode's landmarks
// and hierarchy before it serves a small network, says so in its log and
// on /readyz, and its routes are searched on the hierarchy.
func TestServeRoadsLandmarks(t *testing.T) {
	log, url := startServeAt(t, []string{"--roads", liechtensteinPBF}, nil)
	if !strings.Contains(log.String(), "road landmarks and hierarchies prepared") || !strings.Contains(log.String(), "modes=\"[walk cycle drive truck]\"") {
		t.Errorf("serve --roads logged no landmarks prepared for every mode:\n%s", log.String())
	}
	roadsOf := func() map[string]any {
		t.Helper()
		var body struct {
			Roads map[string]any `json:"roads"`
		}
		getJSON(t, url+"/readyz", &body)
		return body.Roads
	}
	r := roadsOf()
	lm, _ := r["landmarks"].(map[string]any)
	ch, _ := r["contraction"].(map[string]any)
	if r["source"] != "file" || r["file"] != liechtensteinPBF || r["loaded"] != true || fmt.Sprint(lm["modes"]) != "[walk cycle drive truck]" || lm["route_legs"] != 0.0 ||
		fmt.Sprint(ch["modes"]) != "[walk cycle drive truck]" || ch["route_legs"] != 0.0 {
		t.Fatalf("/readyz roads = %v; want the file, loaded, every mode prepared, no route yet", r)
	}
	var route map[string]any
	getJSON(t, url+"/v1/route?from=9.5209,47.1410&to=9.5550,47.2370&mode=drive", &route)
	if ch, _ := roadsOf()["contraction"].(map[string]any); ch["route_legs"] != 1.0 {
		t.Errorf("after one route: contraction %v; want 1 route leg on the hierarchy", ch)
	}
}

// getJSON GETs url and decodes its 200 answer into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s (%v)", url, resp.StatusCode, b, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestRoadPreparerBackground: a network above the inline size is served
// at once and prepared in the background; a newer network cancels the
// preparation of the one it replaces; stop cancels what runs and waits.
func TestRoadPreparerBackground(t *testing.T) {
	f, err := os.Open(andorraPBF)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ways, err := source.ReadRoads(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	build := func() *roads.Network {
		n, err := roads.Build(ways)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var log syncBuffer
	p := newRoadPreparer(context.Background(), slog.New(slog.NewTextHandler(&log, nil)))
	p.inline = 0
	old, cur := build(), build()
	p.prepare(old)
	p.prepare(cur) // cancels old's, unless it already finished
	p.wg.Wait()
	if st := cur.Stats(); len(st.Prepared) != len(landmarkModes) || len(st.Contracted) != len(landmarkModes) {
		t.Fatalf("the current network has %v prepared, %v contracted; want every mode\n%s", st.Prepared, st.Contracted, log.String())
	}
	if n := strings.Count(log.String(), "road landmarks and hierarchies prepared"); n < 1 || n > 2 || strings.Contains(log.String(), "not prepared") {
		t.Errorf("log of two preparations, the first cancelled or done:\n%s", log.String())
	}
	if len(old.Stats().Prepared) == len(landmarkModes) && strings.Count(log.String(), "road landmarks and hierarchies prepared") != 2 {
		t.Errorf("the replaced network was prepared whole but not logged:\n%s", log.String())
	}
	// stop cancels a preparation running and waits for it.
	last := build()
	p.prepare(last)
	p.stop()
	if len(last.Stats().Prepared) == len(landmarkModes) && strings.Count(log.String(), "road landmarks and hierarchies prepared") < 2 {
		t.Errorf("stop: the last network prepared whole but not logged:\n%s", log.String())
	}
	if strings.Contains(log.String(), "not prepared") {
		t.Errorf("a cancelled preparation logged as a failure:\n%s", log.String())
	}
}
