package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/postgis"
	"yizhan/data/postgis/pgtest"
)

const testToken = "test-token-0123456789abcdef"

// writeTestDB creates a fresh, migrated PostGIS database for one test
// (dropped at cleanup), or skips with a notice when
// YIZHAN_TEST_DATABASE_URL is unset (fails when REQUIRE_POSTGIS=1).
func writeTestDB(t *testing.T) *postgis.DB {
	t.Helper()
	ctx := context.Background()
	u := pgtest.Database(t)
	db, err := postgis.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// writeServer is a server on db with its own follower.
func writeServer(t *testing.T, db *postgis.DB) *Server {
	t.Helper()
	cat := catalog.NewCatalog(catalog.NewSnapshot(nil, 0))
	f := postgis.NewFollower(db, cat, nil)
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	s, err := New(Config{Catalog: cat, Store: db, Health: f, WriteTokens: []string{"other-token-0123456789", testToken}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type writeResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func doWrite(t *testing.T, s *Server, method, path, token, ifMatch, body string) writeResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := writeResponse{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

const feature1 = `{"type":"Feature","id":"erenhot-1","geometry":{"type":"Point","coordinates":[111.977,43.653]},
	"properties":{"kind":"driver_home","names":{"zh":"二连浩特司机之家","en":"Erenhot Driver Home"},
	"amenities":["shower","beds","truck_parking"],"opening_hours":"24/7","status":"open"}}`

func TestWritesReadOnly(t *testing.T) {
	s, err := New(Config{Catalog: catalog.NewCatalog(catalog.NewSnapshot(nil, 0)), WriteTokens: []string{testToken}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		path := "/v1/stations/x"
		if m == "POST" {
			path = "/v1/stations"
		}
		r := doWrite(t, s, m, path, testToken, "", feature1)
		if r.status != 503 || !strings.Contains(r.raw, "DATABASE_URL") || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s on a read-only server = %d %s; want a 503 problem naming DATABASE_URL", m, r.status, r.raw)
		}
	}
}

// TestWritesAPI runs the write handlers against PostGIS.
func TestWritesAPI(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	s := writeServer(t, db)
	checkWriteHandlers(t, s)

	// Metrics and readiness report the database.
	doWrite(t, s, "GET", "/metrics", "", "", "")
	m := doWrite(t, s, "GET", "/metrics", "", "", "") // counts the first scrape
	for _, want := range []string{"yizhan_snapshot_version", "yizhan_snapshot_records 1", "yizhan_database_up 1",
		`yizhan_http_requests_total{method="GET",route="/metrics",status="200"}`, "yizhan_http_request_duration_seconds_bucket",
		"yizhan_database_reconnects_total", "yizhan_snapshot_age_seconds"} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	rz := doWrite(t, s, "GET", "/readyz", "", "", "")
	if db, _ := rz.body["database"].(map[string]any); rz.status != 200 || db["reachable"] != true {
		t.Errorf("/readyz = %d %s; want 200 with database reachable", rz.status, rz.raw)
	}
}

// TestWritesAPIFakeStore runs the write handlers against the in-memory
// fake store, with the same checks as against PostGIS.
func TestWritesAPIFakeStore(t *testing.T) {
	t.Parallel()
	cat := catalog.NewCatalog(catalog.NewSnapshot(nil, 0))
	s, err := New(Config{Catalog: cat, Store: memoryStore(cat), WriteTokens: []string{"other-token-0123456789", testToken}})
	if err != nil {
		t.Fatal(err)
	}
	checkWriteHandlers(t, s)
}

// checkWriteHandlers checks the write handlers of s, a server with no
// record erenhot-1 or erenhot-2 whose store takes writes with testToken:
// authorisation, create, validation, If-Match, conditional GET, replace
// and delete, each visible in s's own answers at once.
func checkWriteHandlers(t *testing.T, s *Server) {
	t.Helper()
	// Authorisation.
	if r := doWrite(t, s, "POST", "/v1/stations", "", "", feature1); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("POST without a token = %d (WWW-Authenticate %q); want 401 with a challenge", r.status, r.header.Get("WWW-Authenticate"))
	}
	if r := doWrite(t, s, "POST", "/v1/stations", "wrong-token-0123456789", "", feature1); r.status != 403 {
		t.Errorf("POST with a wrong token = %d; want 403", r.status)
	}
	if r := doWrite(t, s, "DELETE", "/v1/stations/x", testToken[:len(testToken)-1], "", ""); r.status != 403 {
		t.Errorf("DELETE with a token prefix = %d; want 403", r.status)
	}

	// Create, then read it back from this server at once (read-your-writes).
	r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1)
	if r.status != 201 {
		t.Fatalf("POST = %d %s; want 201", r.status, r.raw)
	}
	etag := r.header.Get("ETag")
	if etag == "" || r.header.Get("Location") != "/v1/stations/erenhot-1" {
		t.Errorf("POST headers ETag %q Location %q", etag, r.header.Get("Location"))
	}
	if props, _ := r.body["properties"].(map[string]any); props["source"] != "api" {
		t.Errorf("POST record source = %v; want api", props["source"])
	}
	if g := doWrite(t, s, "GET", "/v1/stations/erenhot-1", "", "", ""); g.status != 200 {
		t.Errorf("GET right after POST = %d; want 200 (read-your-writes)", g.status)
	}
	if r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1); r.status != 409 {
		t.Errorf("second POST of the same id = %d; want 409", r.status)
	}

	// Validation: every problem listed.
	bad := `{"type":"Feature","id":"bad","geometry":{"type":"Point","coordinates":[200,43]},"properties":{"kind":"hotel","names":{"zh":"x"}}}`
	r = doWrite(t, s, "POST", "/v1/stations", testToken, "", bad)
	errs, _ := r.body["errors"].([]any)
	if r.status != 400 || len(errs) < 2 || !strings.Contains(r.raw, "geometry") || !strings.Contains(r.raw, "kind") {
		t.Errorf("POST of a record with two bad fields = %d %s; want 400 listing geometry and kind", r.status, r.raw)
	}
	if r := doWrite(t, s, "POST", "/v1/stations", testToken, "", "not json"); r.status != 400 {
		t.Errorf("POST of a non-JSON body = %d; want 400", r.status)
	}

	// PATCH with If-Match: stale → 412, current → 200 with a new ETag.
	if r := doWrite(t, s, "PATCH", "/v1/stations/erenhot-1", testToken, `"999999"`, `{"properties":{"status":"closed"}}`); r.status != 412 || !strings.Contains(r.raw, "not the 999999 in If-Match") || !strings.Contains(r.raw, "ETag") {
		t.Errorf("PATCH with a stale If-Match = %d %s; want 412 naming both versions and the ETag to fetch", r.status, r.raw)
	}
	if r := doWrite(t, s, "PATCH", "/v1/stations/erenhot-1", testToken, `nonsense`, `{"properties":{"status":"closed"}}`); r.status != 400 {
		t.Errorf("PATCH with a malformed If-Match = %d; want 400", r.status)
	}
	r = doWrite(t, s, "PATCH", "/v1/stations/erenhot-1", testToken, etag, `{"properties":{"status":"closed"}}`)
	if r.status != 200 || r.header.Get("ETag") == etag {
		t.Fatalf("PATCH = %d %s (ETag %q, was %q)", r.status, r.raw, r.header.Get("ETag"), etag)
	}
	etag = r.header.Get("ETag")
	if g := doWrite(t, s, "GET", "/v1/stations/erenhot-1", "", "", ""); !strings.Contains(g.raw, `"closed"`) {
		t.Errorf("GET after PATCH = %s; want status closed", g.raw)
	}
	// Conditional GET: the current ETag gives 304 with no body, an old one the record.
	for _, tc := range []struct {
		noneMatch string
		want      int
	}{{etag, 304}, {"W/" + etag, 304}, {`"1", ` + etag, 304}, {"*", 304}, {`"1"`, 200}} {
		req := httptest.NewRequest("GET", "/v1/stations/erenhot-1", nil)
		req.Header.Set("If-None-Match", tc.noneMatch)
		res, err := s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.want || (tc.want == 304 && len(body) != 0) || res.Header.Get("ETag") != etag {
			t.Errorf("GET with If-None-Match %s = %d, %d bytes, ETag %q; want %d and ETag %s", tc.noneMatch, res.StatusCode, len(body), res.Header.Get("ETag"), tc.want, etag)
		}
	}

	// PUT: id mismatch → 400; replace → 200; new id → 201.
	if r := doWrite(t, s, "PUT", "/v1/stations/other", testToken, "", feature1); r.status != 400 {
		t.Errorf("PUT with a body id differing from the path = %d; want 400", r.status)
	}
	if r := doWrite(t, s, "PUT", "/v1/stations/erenhot-1", testToken, etag, feature1); r.status != 200 {
		t.Errorf("PUT = %d %s; want 200", r.status, r.raw)
	}
	if r := doWrite(t, s, "PUT", "/v1/stations/erenhot-2", testToken, "", strings.Replace(feature1, `"id":"erenhot-1",`, "", 1)); r.status != 201 {
		t.Errorf("PUT of a new id = %d %s; want 201", r.status, r.raw)
	}

	// DELETE → 204, then 404, and gone from this server's answers.
	if r := doWrite(t, s, "DELETE", "/v1/stations/erenhot-1", testToken, "", ""); r.status != 204 {
		t.Errorf("DELETE = %d %s; want 204", r.status, r.raw)
	}
	if g := doWrite(t, s, "GET", "/v1/stations/erenhot-1", "", "", ""); g.status != 404 {
		t.Errorf("GET after DELETE = %d; want 404", g.status)
	}
	if r := doWrite(t, s, "DELETE", "/v1/stations/erenhot-1", testToken, "", ""); r.status != 404 {
		t.Errorf("second DELETE = %d; want 404", r.status)
	}

}

// TestWritesDatabaseDown: with the database gone, writes answer 503
// quickly and reads keep working from the snapshot.
func TestWritesDatabaseDown(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	s := writeServer(t, db)
	if r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1); r.status != 201 {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	db.Close() // every later database call fails at once
	start := time.Now()
	r := doWrite(t, s, "PATCH", "/v1/stations/erenhot-1", testToken, "", `{"properties":{"status":"closed"}}`)
	if r.status != 503 || time.Since(start) > writeTimeout+time.Second {
		t.Errorf("PATCH with the database closed = %d %s after %v; want a prompt 503", r.status, r.raw, time.Since(start))
	}
	if g := doWrite(t, s, "GET", "/v1/stations/erenhot-1", "", "", ""); g.status != 200 {
		t.Errorf("GET with the database closed = %d; want 200 from the snapshot", g.status)
	}
}

// TestWritesRefuseUnstorableValues: values the database cannot hold (an
// integer beyond int4, NUL in text or JSON) are the client's mistake and
// answer 400 naming the field, never 500 or 503.
func TestWritesRefuseUnstorableValues(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	s := writeServer(t, db)
	if r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1); r.status != 201 {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	feature := func(id, props string) string {
		return `{"type":"Feature","id":"` + id + `","geometry":{"type":"Point","coordinates":[111.9,43.6]},
			"properties":{"kind":"port","names":{"zh":"口岸"},` + props + `}}`
	}
	tests := []struct {
		name, method, path, body, field string
	}{
		{"beds beyond int4", "POST", "/v1/stations", feature("bad-1", `"beds":3000000000`), "beds"},
		{"area beyond int4", "PUT", "/v1/stations/bad-2", feature("bad-2", `"area_m2":2147483648`), "area_m2"},
		{"NUL in source", "POST", "/v1/stations", feature("bad-3", `"source":"x\u0000y"`), "source"},
		{"NUL in port hours", "POST", "/v1/stations", feature("bad-4", `"port":{"country":"MN","modes":["road"],"hours":"a\u0000b"}`), "port.hours"},
		{"NUL in address", "PUT", "/v1/stations/bad-5", feature("bad-5", `"address":"a\u0000"`), "address"},
		{"patch beds beyond int4", "PATCH", "/v1/stations/erenhot-1", `{"properties":{"beds":3000000000}}`, "beds"},
		{"patch NUL in operator", "PATCH", "/v1/stations/erenhot-1", `{"properties":{"operator":"a\u0000"}}`, "operator"},
	}
	for _, tc := range tests {
		r := doWrite(t, s, tc.method, tc.path, testToken, "", tc.body)
		if r.status != 400 || !strings.Contains(r.raw, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %s %s = %d %s; want 400 naming %s", tc.name, tc.method, tc.path, r.status, r.raw, tc.field)
		}
	}
}

// TestSkippedRowReported: a stored row the server cannot serve does not
// stop it from starting; /metrics counts it and /readyz names it while
// still calling the database reachable.
func TestSkippedRowReported(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	ctx := context.Background()
	for _, sql := range []string{
		// A row stored before migration 0002's checks.
		`ALTER TABLE stations DROP CONSTRAINT stations_port_shape`,
		`INSERT INTO stations (id, geom, kind, names, source, port) VALUES ('sql-port-bad', ST_SetSRID(ST_MakePoint(112, 43), 4326), 'port', '{"zh": "口岸"}', 'sql', '{"modes":"road"}')`,
	} {
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	s := writeServer(t, db)
	if r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1); r.status != 201 {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	m := doWrite(t, s, "GET", "/metrics", "", "", "")
	if !strings.Contains(m.raw, "yizhan_database_skipped_rows_total 1") || !strings.Contains(m.raw, "yizhan_database_up 1") {
		t.Errorf("/metrics lacks skipped_rows_total 1 or database_up 1")
	}
	rz := doWrite(t, s, "GET", "/readyz", "", "", "")
	dbs, _ := rz.body["database"].(map[string]any)
	if rz.status != 200 || dbs["reachable"] != true || dbs["skipped_rows"] != 1.0 || !strings.Contains(fmt.Sprint(dbs["last_skipped"]), "sql-port-bad") {
		t.Errorf("/readyz = %d %s; want reachable with 1 skipped row naming sql-port-bad", rz.status, rz.raw)
	}
}

// TestWritesRefuseInvalidUTF8: bytes that are not UTF-8 in a body or a
// path id answer 400 naming the field; they used to be stored as U+FFFD,
// so that a second, different id answered 409.
func TestWritesRefuseInvalidUTF8(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	s := writeServer(t, db)
	if r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1); r.status != 201 {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	withID := func(id string) string { return strings.Replace(feature1, `"erenhot-1"`, `"`+id+`"`, 1) }
	tests := []struct {
		name, method, path, body, field string
	}{
		{"id", "POST", "/v1/stations", withID("st\xff1"), "id"},
		{"another id that used to become the same", "POST", "/v1/stations", withID("st\xfe1"), "id"},
		{"zh name", "PUT", "/v1/stations/u2", strings.Replace(withID("u2"), "二连浩特司机之家", "二连\xe6\xb5", 1), "names.zh"},
		{"patch en name", "PATCH", "/v1/stations/erenhot-1", "{\"properties\":{\"names\":{\"en\":\"Eren\xffhot\"}}}", "names.en"},
		{"patch address", "PATCH", "/v1/stations/erenhot-1", "{\"properties\":{\"address\":\"\xc0\xaf\"}}", "address"},
		{"path id", "PUT", "/v1/stations/st%FF1", withID("st\xff1"), "id"},
	}
	for _, tc := range tests {
		r := doWrite(t, s, tc.method, tc.path, testToken, "", tc.body)
		if r.status != 400 || !strings.Contains(r.raw, "UTF-8") || !strings.Contains(r.raw, `"`+tc.field+`"`) {
			t.Errorf("%s: %s %s = %d %s; want 400 naming %s as not UTF-8", tc.name, tc.method, tc.path, r.status, r.raw, tc.field)
		}
	}
	if g := doWrite(t, s, "GET", "/v1/stations/st%FF1", "", "", ""); g.status != 400 || !strings.Contains(g.raw, "UTF-8") {
		t.Errorf("GET of a path id that is not UTF-8 = %d %s; want 400", g.status, g.raw)
	}
	if g := doWrite(t, s, "GET", "/v1/stations/erenhot-1", "", "", ""); !strings.Contains(g.raw, "Erenhot Driver Home") || g.body["properties"].(map[string]any)["version"] != 1.0 {
		t.Errorf("record after refused patches = %s; want it unchanged at version 1", g.raw)
	}
}

// TestReservedIDsMatchRoutes: every fixed path segment under
// /v1/stations/ is a reserved id in data (so that no record can take it),
// and every reserved id is such a route.
func TestReservedIDsMatchRoutes(t *testing.T) {
	s, err := New(Config{Catalog: catalog.NewCatalog(catalog.NewSnapshot(nil, 0))})
	if err != nil {
		t.Fatal(err)
	}
	fixed := map[string]bool{}
	for _, r := range s.App().GetRoutes(true) {
		rest, ok := strings.CutPrefix(r.Path, "/v1/stations/")
		if !ok {
			continue
		}
		if seg, _, _ := strings.Cut(rest, "/"); seg != "" && !strings.HasPrefix(seg, ":") {
			fixed[seg] = true
		}
	}
	if len(fixed) == 0 {
		t.Fatal("no fixed routes under /v1/stations/ found")
	}
	for seg := range fixed {
		if !slices.Contains(data.ReservedIDs(), seg) {
			t.Errorf("route /v1/stations/%s is not in data.ReservedIDs(): a record with id %q could never be read back", seg, seg)
		}
	}
	for _, id := range data.ReservedIDs() {
		if !fixed[id] {
			t.Errorf("data.ReservedIDs() holds %q, which is no route under /v1/stations/", id)
		}
	}
}

// TestWritesRefuseReservedIDs: PUT /v1/stations/nearest used to create a
// record that GET /v1/stations/nearest could never read back.
func TestWritesRefuseReservedIDs(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	s := writeServer(t, db)
	withID := func(id string) string { return strings.Replace(feature1, `"erenhot-1"`, `"`+id+`"`, 1) }
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/v1/stations/nearest", withID("nearest")},
		{"PUT", "/v1/stations/Within", strings.Replace(feature1, `"id":"erenhot-1",`, "", 1)},
		{"POST", "/v1/stations", withID("NEAREST")},
		{"POST", "/v1/stations", withID("..")},
	} {
		r := doWrite(t, s, tc.method, tc.path, testToken, "", tc.body)
		if r.status != 400 || !strings.Contains(r.raw, `"field":"id"`) || !strings.Contains(r.raw, "choose another id") {
			t.Errorf("%s %s = %d %s; want 400 naming the id", tc.method, tc.path, r.status, r.raw)
		}
	}
	var n int
	if err := db.Pool().QueryRow(context.Background(), "SELECT count(*) FROM stations").Scan(&n); err != nil || n != 0 {
		t.Errorf("stations rows = %d, %v; want none written", n, err)
	}
}

// TestPatchRefusesUnwritableMembersAndCountsVersions: a PATCH naming an
// unknown or read-only member is a 400 naming each; a write that changes
// nothing answers 200 with the same ETag; one change moves the version by
// one. All three used to answer 200 and move the version by 2.
func TestPatchRefusesUnwritableMembersAndCountsVersions(t *testing.T) {
	t.Parallel()
	db := writeTestDB(t)
	s := writeServer(t, db)
	r := doWrite(t, s, "POST", "/v1/stations", testToken, "", feature1)
	if r.status != 201 {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	etag := r.header.Get("ETag")
	for _, tc := range []struct {
		patch  string
		fields []string
	}{
		{`{"properties":{"bed":20}}`, []string{"bed"}},
		{`{"properties":{"names":{"de":"Fahrerheim"}}}`, []string{"names.de"}},
		{`{"properties":{"version":99,"updated_at":"2020-01-01T00:00:00Z"}}`, []string{"updated_at", "version"}},
		{`{"properties":{"distance_m":5,"status":"closed"}}`, []string{"distance_m"}},
	} {
		r := doWrite(t, s, "PATCH", "/v1/stations/erenhot-1", testToken, "", tc.patch)
		errs, _ := r.body["errors"].([]any)
		ok := r.status == 400 && len(errs) == len(tc.fields) && r.header.Get("Content-Type") == "application/problem+json"
		for _, f := range tc.fields {
			ok = ok && strings.Contains(r.raw, `"field":"`+f+`"`)
		}
		if !ok {
			t.Errorf("PATCH %s = %d %s; want a 400 problem naming %v", tc.patch, r.status, r.raw, tc.fields)
		}
	}
	get := func() writeResponse { return doWrite(t, s, "GET", "/v1/stations/erenhot-1", "", "", "") }
	if g := get(); g.header.Get("ETag") != etag {
		t.Fatalf("after refused patches ETag = %s; want %s (unchanged)", g.header.Get("ETag"), etag)
	}

	// No-op writes: same ETag, same record.
	for _, w := range []struct{ method, body string }{
		{"PATCH", `{"properties":{"status":"open"}}`},
		{"PATCH", `{}`},
		{"PUT", feature1},
	} {
		r := doWrite(t, s, w.method, "/v1/stations/erenhot-1", testToken, etag, w.body)
		if r.status != 200 || r.header.Get("ETag") != etag {
			t.Errorf("%s %s that changes nothing = %d, ETag %s; want 200 with ETag %s", w.method, w.body, r.status, r.header.Get("ETag"), etag)
		}
	}
	// One change, one version.
	r = doWrite(t, s, "PATCH", "/v1/stations/erenhot-1", testToken, etag, `{"properties":{"beds":20}}`)
	if want := ETag(versionOf(t, etag) + 1); r.status != 200 || r.header.Get("ETag") != want {
		t.Errorf("PATCH beds = %d, ETag %s; want 200 with ETag %s", r.status, r.header.Get("ETag"), want)
	}
	etag = r.header.Get("ETag")
	r = doWrite(t, s, "PUT", "/v1/stations/erenhot-1", testToken, etag, strings.Replace(feature1, `"24/7"`, `"Mo-Fr 08:00-18:00"`, 1))
	if want := ETag(versionOf(t, etag) + 1); r.status != 200 || r.header.Get("ETag") != want {
		t.Errorf("PUT with new hours = %d, ETag %s; want 200 with ETag %s", r.status, r.header.Get("ETag"), want)
	}
}

func versionOf(t *testing.T, etag string) int64 {
	t.Helper()
	var v int64
	if _, err := fmt.Sscanf(strings.Trim(etag, `"`), "%d", &v); err != nil {
		t.Fatalf("ETag %q: %v", etag, err)
	}
	return v
}
