package api

import (
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yizhan/data/bundled"
)

// post sends body as JSON to target.
func post(t testing.TB, s *Server, target, body string) response {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return roundTrip(t, s, req)
}

func plannerServer(t testing.TB) *Server {
	t.Helper()
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	return newTestServer(t, fixture(t), Config{Layers: layers})
}

// hohhotSquare is a 0.2° square around the Hohhot fixture records.
const hohhotSquare = `{"type":"Polygon","coordinates":[[[111.6,40.75],[111.8,40.75],[111.8,40.9],[111.6,40.9],[111.6,40.75]]]}`

func TestCoverageGaps(t *testing.T) {
	s := plannerServer(t)
	r := post(t, s, "/v1/coverage/gaps", `{"area":`+hohhotSquare+`,"radius_m":3000}`)
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("status %d %q\n%s", r.status, r.header.Get("Content-Type"), r.raw)
	}
	feats := r.features(t)
	if len(feats) == 0 {
		t.Fatal("no gap features")
	}
	if g := feats[0]["geometry"].(map[string]any); g["type"] != "Polygon" {
		t.Fatalf("gap geometry %v; want Polygon", g["type"])
	}
	area, cov, unc, pct := r.body["area_km2"].(float64), r.body["covered_km2"].(float64), r.body["uncovered_km2"].(float64), r.body["covered_pct"].(float64)
	// The square is 16.9 km × 16.7 km ≈ 282 km²; three records within 3 km
	// of each other cover at most 3π·9 ≈ 85 km², and at least one circle, 28 km².
	if math.Abs(area-282) > 3 || pct <= 28/282.0*100*0.9 || pct > 85/282.0*100*1.05 || math.Abs(cov+unc-area) > 0.01 {
		t.Fatalf("area %v covered %v uncovered %v pct %v", area, cov, unc, pct)
	}
	if r.body["radius_m"] != 3000.0 || r.body["stations_counted"] != 2.0 {
		t.Fatalf("radius_m %v stations_counted %v; want 3000 and 2 (the closed stop does not count: only open records serve today)", r.body["radius_m"], r.body["stations_counted"])
	}

	// A filter that leaves nothing: everything uncovered, one gap.
	r = post(t, s, "/v1/coverage/gaps", `{"area":{"type":"Feature","properties":{},"geometry":`+hohhotSquare+`},"kind":"port"}`)
	if r.status != 200 || r.body["covered_pct"] != 0.0 || len(r.features(t)) != 1 {
		t.Fatalf("kind=port: %d covered %v features %d\n%s", r.status, r.body["covered_pct"], len(r.features(t)), r.raw)
	}
	if q := r.body["reach"].(map[string]any); q["mode"] != "walk" || q["minutes"] != 15.0 {
		t.Fatalf("default reach = %v; want 15 minutes walking", q)
	}
}

func TestCoverageGapsRegion(t *testing.T) {
	s := plannerServer(t)
	for _, name := range []string{"Inner Mongolia", "内蒙古自治区", "150000"} {
		r := post(t, s, "/v1/coverage/gaps", `{"region":"`+name+`","minutes":60,"mode":"truck"}`)
		if r.status != 200 {
			t.Fatalf("region %s: %d\n%s", name, r.status, r.raw)
		}
		if a := r.body["area_km2"].(float64); math.Abs(a-1.144e6)/1.144e6 > 0.01 {
			t.Fatalf("region %s area_km2 = %v; want about 1,144,000 (the bundled DCW boundary)", name, a)
		}
		if reg := r.body["region"].(map[string]any); reg["code"] != "150000" {
			t.Fatalf("region = %v", reg)
		}
	}
}

func TestCoverageBadInput(t *testing.T) {
	s := plannerServer(t)
	tests := []struct {
		name, body, detail string
	}{
		{"empty", ``, "body is empty"},
		{"not JSON", `{"area":`, "not complete JSON"},
		{"bad JSON", `{"area":}`, "not valid JSON"},
		{"array", `[1,2]`, "must be a JSON object"},
		{"unknown field", `{"region":"Inner Mongolia","radius":5}`, `unknown field "radius"`},
		{"wrong type", `{"region":"Inner Mongolia","minutes":"ten"}`, `field "minutes" must be a number`},
		{"trailing data", `{"region":"Inner Mongolia"} {}`, "nothing after it"},
		{"neither area nor region", `{"minutes":15}`, "give an area"},
		{"unknown region", `{"region":"Atlantis"}`, "unknown region"},
		{"point area", `{"area":{"type":"Point","coordinates":[1,2]}}`, "must be a GeoJSON Polygon or MultiPolygon"},
		{"not geojson", `{"area":{"foo":1}}`, "not a GeoJSON object"},
		{"unknown type", `{"area":{"type":"Circle","coordinates":[1,2]}}`, "unknown GeoJSON type"},
		{"feature collection of two", `{"area":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + hohhotSquare + `,"properties":{}},{"type":"Feature","geometry":` + hohhotSquare + `,"properties":{}}]}}`, "FeatureCollection of 2 features"},
		{"unclosed", `{"area":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}`, "ring is not closed"},
		{"too few", `{"area":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}`, "at least 4"},
		{"out of range", `{"area":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}}`, "latitude 95 is out of range"},
		{"self-intersecting", `{"area":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}`, "self-intersection"},
		{"wider than 180°", `{"area":{"type":"Polygon","coordinates":[[[-100,0],[100,0],[100,10],[-100,10],[-100,0]]]}}`, "area spans 200.0° of longitude (from -100 to 100); areas must span at most 180° of longitude"},
		{"whole world", `{"area":{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}}`, "area spans 360.0° of longitude (from -180 to 180); areas must span at most 180° of longitude"},
		{"across the antimeridian", `{"area":{"type":"Polygon","coordinates":[[[170,0],[-170,0],[-170,10],[170,10],[170,0]]]}}`, "split a wider area into parts, and an area across the ±180° meridian at that meridian"},
		{"bad coordinates", `{"area":{"type":"Polygon","coordinates":[[1,2]]}}`, "not a valid GeoJSON Polygon"},
		{"unknown kind", `{"region":"Inner Mongolia","kind":"castle"}`, `unknown kind "castle"`},
		{"unknown amenity", `{"region":"Inner Mongolia","amenity":["shower","spa"]}`, `unknown amenity "spa"`},
		{"unknown mode", `{"region":"Inner Mongolia","mode":"fly"}`, `unknown mode "fly"`},
		{"radius and minutes", `{"region":"Inner Mongolia","radius_m":500,"minutes":5}`, "not both"},
		{"cell too small", `{"region":"Inner Mongolia","cell_m":5}`, "cell_m must be from 10"},
		{"work limit", `{"region":"Inner Mongolia","cell_m":100}`, "the work limit is 6000000 grid cells: use cell_m >= "},
		{"kind wrong type", `{"region":"Inner Mongolia","kind":5}`, "string or an array of strings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, s, "/v1/coverage/gaps", tc.body)
			assertProblem(t, r, 400, tc.detail)
		})
	}
}

func TestCoverageSuggest(t *testing.T) {
	s := plannerServer(t)
	r := post(t, s, "/v1/coverage/suggest", `{"area":`+hohhotSquare+`,"radius_m":3000,"n":3,"demand":"none"}`)
	if r.status != 200 {
		t.Fatalf("%d\n%s", r.status, r.raw)
	}
	feats := r.features(t)
	if len(feats) != 3 {
		t.Fatalf("%d sites; want 3", len(feats))
	}
	prev := math.Inf(1)
	for _, f := range feats {
		g := prop(f, "newly_covered_km2").(float64)
		// Gains within 2% of a circle tie, and spreading decides among them.
		if g <= 0 || g > prev+0.02*math.Pi*9+1e-9 || g > math.Pi*9*1.01 {
			t.Fatalf("newly_covered_km2 = %v after %v; want decreasing (to within 2%% of a circle), positive, at most one circle (28.3 km²)", g, prev)
		}
		prev = g
	}
	if r.body["covered_pct_after"].(float64) <= r.body["covered_pct"].(float64) {
		t.Fatalf("covered_pct_after %v not above covered_pct %v", r.body["covered_pct_after"], r.body["covered_pct"])
	}
	// With candidates: only those, by id.
	cands := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[111.67,40.82]},"properties":{}},
		{"type":"Feature","id":"b","geometry":{"type":"Point","coordinates":[111.62,40.77]},"properties":{}}]}`
	r = post(t, s, "/v1/coverage/suggest", `{"area":`+hohhotSquare+`,"radius_m":3000,"n":2,"candidates":`+cands+`}`)
	if r.status != 200 {
		t.Fatalf("%d\n%s", r.status, r.raw)
	}
	feats = r.features(t)
	if len(feats) == 0 || prop(feats[0], "candidate") != "b" {
		t.Fatalf("first site %v; want candidate b (a sits on covered ground)", feats)
	}
	for _, tc := range []struct{ body, detail string }{
		{`{"area":` + hohhotSquare + `,"n":0}`, "n must be from 1 to 50"},
		{`{"area":` + hohhotSquare + `,"candidates":{"type":"Point","coordinates":[1,2]}}`, "FeatureCollection of Point"},
		{`{"area":` + hohhotSquare + `,"candidates":{"type":"FeatureCollection","features":[]}}`, "candidates is empty"},
		{`{"area":` + hohhotSquare + `,"candidates":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + hohhotSquare + `,"properties":{}}]}}`, "must be a Point"},
	} {
		assertProblem(t, post(t, s, "/v1/coverage/suggest", tc.body), 400, tc.detail)
	}
}

// fuzzBody posts raw to path and fails unless the answer is 200 or 400
// with a JSON body: no body may make a 500 or a crash.
func fuzzBody(f *testing.F, path string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	s := plannerServer(f)
	f.Fuzz(func(t *testing.T, raw string) {
		r := post(t, s, path, raw)
		if r.status != 200 && r.status != 400 {
			t.Fatalf("POST %s %q = %d; want 200 or 400\n%s", path, raw, r.status, r.raw)
		}
		if r.status == 400 && r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("POST %s %q = 400 with Content-Type %q", path, raw, r.header.Get("Content-Type"))
		}
	})
}

func FuzzCoverageBody(f *testing.F) {
	fuzzBody(f, "/v1/coverage/gaps",
		`{"area":`+hohhotSquare+`,"radius_m":3000}`,
		`{"area":`+hohhotSquare+`,"cell_m":50,"kind":["port","rest_stop"]}`,
		`{"area":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}}`,
		`{"area":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}`,
		`{"area":{"type":"Polygon","coordinates":[[[0,0],[1e308,0],[1,1],[0,0]]]}}`,
		`{"area":{"type":"Feature","geometry":null}}`,
		`{"area":{"type":"GeometryCollection","geometries":[]}}`,
		`{"region":"150000","minutes":1e-300}`,
		`{"area":null,"region":""}`,
		`null`, `"x"`, `{}`,
	)
}

func FuzzSuggestBody(f *testing.F) {
	fuzzBody(f, "/v1/coverage/suggest",
		`{"area":`+hohhotSquare+`,"radius_m":3000,"n":3}`,
		`{"area":`+hohhotSquare+`,"candidates":{"type":"MultiPoint","coordinates":[[111.7,40.8]]}}`,
		`{"area":`+hohhotSquare+`,"candidates":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[500,1]}}]}}`,
	)
}

func TestCoverageSuggestWorkLimit(t *testing.T) {
	s := plannerServer(t)
	// A 500 km radius over the whole province: the grid is coarsened, not refused.
	r := post(t, s, "/v1/coverage/suggest", `{"region":"Inner Mongolia","radius_m":500000,"n":2}`)
	if r.status != 200 || r.body["cell_m"].(float64) < 500000*math.Sqrt(math.Pi*4000/MaxSuggestWork) {
		t.Fatalf("%d cell_m %v\n%.300s", r.status, r.body["cell_m"], r.raw)
	}
	assertProblem(t, post(t, s, "/v1/coverage/suggest", `{"region":"Inner Mongolia","radius_m":500000,"cell_m":1000}`), 400, "the work limit is 100000000 cell visits: use cell_m >= ")
}

// BenchmarkCoverageGapsInnerMongolia is the whole province at 1 km cells
// with the full bundled record set, end to end through the handler
// (parse, grid, cover, trace, encode).
func BenchmarkCoverageGapsInnerMongolia(b *testing.B) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		b.Fatal(err)
	}
	stations, err := bundled.Stations()
	if err != nil {
		b.Fatal(err)
	}
	s := newTestServer(b, stations, Config{Layers: layers})
	for _, tc := range []struct{ name, body string }{
		{"walk15", `{"region":"Inner Mongolia","minutes":15,"mode":"walk","cell_m":1000}`},
		{"truck60", `{"region":"Inner Mongolia","minutes":60,"mode":"truck","cell_m":1000}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var r response
			for i := 0; i < b.N; i++ {
				r = post(b, s, "/v1/coverage/gaps", tc.body)
				if r.status != 200 {
					b.Fatalf("%d %.300s", r.status, r.raw)
				}
			}
			b.ReportMetric(float64(len(r.raw)), "bytes")
			b.ReportMetric(r.body["covered_pct"].(float64), "covered_pct")
		})
	}
}

// TestCoverageGapsZigzagArea sends a 100k-vertex area whose long edges lie
// side by side. Checking it for self-intersections was quadratic (minutes
// of CPU per request); it must now be answered like any other area. The
// grid is coarse (1 km) so that the test measures the check rather than
// the grid (TestPlannerWorkLimits covers grids of such areas).
func TestCoverageGapsZigzagArea(t *testing.T) {
	s := plannerServer(t)
	const n = 100_000
	var b strings.Builder
	b.WriteString(`{"radius_m":5000,"cell_m":1000,"area":{"type":"Polygon","coordinates":[[`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[%.6f,%d],", 111+float64(i)/n, 40+i%2)
	}
	fmt.Fprintf(&b, "[%.6f,39.9],[111,39.9],[111,40]]]}}", 111+float64(n-1)/n)
	r := post(t, s, "/v1/coverage/gaps", b.String())
	if r.status != 200 {
		t.Fatalf("POST /v1/coverage/gaps (zig-zag area) = %d %s; want 200", r.status, r.raw)
	}
}

// TestCoverageTimeout checks that grid work past the timeout is stopped
// and answered with a 503 problem that says what to ask for instead.
func TestCoverageTimeout(t *testing.T) {
	s := plannerServer(t)
	old := coverageTimeout
	coverageTimeout = time.Nanosecond
	t.Cleanup(func() { coverageTimeout = old })
	for _, tc := range []struct{ path, body string }{
		{"/v1/coverage/gaps", `{"region":"Inner Mongolia","radius_m":3000}`},
		{"/v1/coverage/suggest", `{"region":"Inner Mongolia","radius_m":3000,"n":2}`},
		{"/v1/coverage/gaps", `{"area":` + hohhotSquare + `,"radius_m":3000}`},
		{"/v1/coverage/gaps", `{"area":` + hohhotSquare + `,"radius_m":3000,"cell_m":50}`},
		{"/v1/coverage/suggest", `{"area":` + hohhotSquare + `,"radius_m":3000,"n":2}`},
		{"/v1/coverage/suggest", `{"area":` + hohhotSquare + `,"radius_m":3000,"n":2,"candidates":{"type":"MultiPoint","coordinates":[[111.7,40.8]]}}`},
	} {
		r := post(t, s, tc.path, tc.body)
		if r.status != 503 || r.header.Get("Content-Type") != "application/problem+json" || r.header.Get("Retry-After") != coverageRetryAfter {
			t.Errorf("POST %s %s: status %d, Content-Type %q, Retry-After %q; want 503, application/problem+json, %s\n%s",
				tc.path, tc.body, r.status, r.header.Get("Content-Type"), r.header.Get("Retry-After"), coverageRetryAfter, r.raw)
			continue
		}
		// A region is not validated: the grid stops, and the answer asks for
		// a coarser grid. A polygon is stopped while it is checked, and the
		// answer asks for a simpler one.
		d, _ := r.body["detail"].(string)
		want := []string{"took longer", "larger cell_m", "smaller area"}
		if !strings.Contains(tc.body, "region") {
			want = []string{"checking the area took longer", "simplify the polygon", "smaller area"}
		}
		for _, w := range want {
			if !strings.Contains(d, w) {
				t.Errorf("POST %s %.60s: detail %q; want it to say %q", tc.path, tc.body, d, w)
			}
		}
	}
	// With the real limit the same request is answered.
	coverageTimeout = old
	if r := post(t, s, "/v1/coverage/gaps", `{"area":`+hohhotSquare+`,"radius_m":3000}`); r.status != 200 {
		t.Fatalf("with the %v limit: status %d\n%s", old, r.status, r.raw)
	}
}
