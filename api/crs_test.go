package api

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/geo"
)

// Border towns outside China (positions as in data's China outline test):
// the offset must never move them.
var (
	zamynUud   = orb.Point{111.90, 43.72}
	zabaykalsk = orb.Point{117.33, 49.65}
)

// crsServer serves the fixture plus a record in Zamyn-Üüd (Mongolia) and
// one in Zabaykalsk (Russia), with the bundled layers and so the China
// outline.
func crsServer(t testing.TB) *Server {
	t.Helper()
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	sts := append(fixture(t),
		station(t, "zamyn-uud", data.KindRestStop, zamynUud[0], zamynUud[1], "24/7"),
		station(t, "zabaykalsk", data.KindRestStop, zabaykalsk[0], zabaykalsk[1], "24/7"))
	return newTestServer(t, sts, Config{Layers: layers})
}

// coordsOf reads a Point feature's coordinates.
func coordsOf(t testing.TB, f map[string]any) orb.Point {
	t.Helper()
	g, _ := f["geometry"].(map[string]any)
	c, _ := g["coordinates"].([]any)
	if len(c) != 2 {
		t.Fatalf("feature %v has no point coordinates", f["id"])
	}
	return orb.Point{c[0].(float64), c[1].(float64)}
}

func queryCRS(t testing.TB, body map[string]any) string {
	t.Helper()
	q, _ := body["query"].(map[string]any)
	s, _ := q["crs"].(string)
	return s
}

// TestCRSStationComesBackAtOffsetPoint reads records by id in each CRS:
// inside China at the published transform of their WGS 84 position (to
// the 7 decimals of every answer), outside China unchanged.
func TestCRSStationComesBackAtOffsetPoint(t *testing.T) {
	s := crsServer(t)
	tests := []struct {
		id   string
		wgs  orb.Point
		crs  string
		want orb.Point
	}{
		{"erenhot-driver", orb.Point{111.977, 43.653}, "wgs84", orb.Point{111.977, 43.653}},
		{"erenhot-driver", orb.Point{111.977, 43.653}, "gcj02", geo.WGS84ToGCJ02(orb.Point{111.977, 43.653})},
		{"erenhot-driver", orb.Point{111.977, 43.653}, "bd09", geo.GCJ02ToBD09(geo.WGS84ToGCJ02(orb.Point{111.977, 43.653}))},
		{"mzl-driver", orb.Point{117.3786, 49.5978}, "GCJ02", geo.WGS84ToGCJ02(orb.Point{117.3786, 49.5978})},
		{"zamyn-uud", zamynUud, "gcj02", zamynUud},
		{"zamyn-uud", zamynUud, "bd09", zamynUud},
		{"zabaykalsk", zabaykalsk, "gcj02", zabaykalsk},
		{"dateline-east", orb.Point{179.99, 0}, "bd09", orb.Point{179.99, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.id+"/"+tc.crs, func(t *testing.T) {
			r := get(t, s, "/v1/stations/"+tc.id+"?crs="+tc.crs)
			if r.status != 200 {
				t.Fatalf("status %d\n%s", r.status, r.raw)
			}
			got := coordsOf(t, r.body)
			want := orb.Point{round7(tc.want[0]), round7(tc.want[1])}
			if got != want {
				t.Fatalf("GET %s in %s at %v; want %v (WGS 84 %v)", tc.id, tc.crs, got, want, tc.wgs)
			}
			if c := queryCRS(t, r.body); c != strings.ToLower(tc.crs) {
				t.Fatalf("query.crs = %q; want %q", c, strings.ToLower(tc.crs))
			}
			if tc.crs != "wgs84" && tc.want != tc.wgs && geo.Distance(got, tc.wgs) < 100 {
				t.Fatalf("%s moved only %.1f m; the offset is hundreds of meters", tc.id, geo.Distance(got, tc.wgs))
			}
		})
	}
}

// TestCRSNearestFindsTheSameRecords asks nearest at random points of Inner
// Mongolia in WGS 84 and at the same points in GCJ-02 and BD-09: the same
// records in the same order at the same distances, each at its position in
// the CRS asked for, and query.wgs84 is the WGS 84 point.
func TestCRSNearestFindsTheSameRecords(t *testing.T) {
	s := crsServer(t)
	rng := rand.New(rand.NewSource(7))
	off := s.offsets
	for range 40 {
		w := orb.Point{round7(107 + rng.Float64()*13), round7(40 + rng.Float64()*10)}
		base := get(t, s, fmt.Sprintf("/v1/stations/nearest?lon=%v&lat=%v&k=5", w[0], w[1]))
		if base.status != 200 || queryCRS(t, base.body) != "wgs84" {
			t.Fatalf("WGS 84 query: status %d crs %q\n%s", base.status, queryCRS(t, base.body), base.raw)
		}
		for _, crs := range []geo.CRS{geo.GCJ02, geo.BD09} {
			p := off.FromWGS84(w, crs)
			r := get(t, s, fmt.Sprintf("/v1/stations/nearest?lon=%v&lat=%v&k=5&crs=%v", p[0], p[1], crs))
			if r.status != 200 || queryCRS(t, r.body) != crs.String() {
				t.Fatalf("%v query: status %d crs %q\n%s", crs, r.status, queryCRS(t, r.body), r.raw)
			}
			q := r.body["query"].(map[string]any)
			ww := q["wgs84"].([]any)
			if d := geo.Distance(orb.Point{ww[0].(float64), ww[1].(float64)}, w); d > 0.05 {
				t.Fatalf("%v query at %v: query.wgs84 %v is %.3f m from %v", crs, p, ww, d, w)
			}
			bf, rf := base.features(t), r.features(t)
			if len(bf) != len(rf) {
				t.Fatalf("%v: %d features; WGS 84 gave %d", crs, len(rf), len(bf))
			}
			for i := range bf {
				if bf[i]["id"] != rf[i]["id"] {
					t.Fatalf("%v at %v: feature %d is %v; WGS 84 gave %v", crs, p, i, rf[i]["id"], bf[i]["id"])
				}
				bd := bf[i]["properties"].(map[string]any)["distance_m"].(float64)
				rd := rf[i]["properties"].(map[string]any)["distance_m"].(float64)
				if math.Abs(bd-rd) > 0.11 {
					t.Fatalf("%v: %v at %v m; WGS 84 says %v m", crs, rf[i]["id"], rd, bd)
				}
				loc := coordsOf(t, bf[i])
				want := off.FromWGS84(loc, crs)
				if got := coordsOf(t, rf[i]); geo.Distance(got, want) > 0.02 {
					t.Fatalf("%v: %v drawn at %v; want %v", crs, rf[i]["id"], got, want)
				}
			}
		}
	}
}

// TestCRSOutsideChinaPassesUnchanged queries from Zamyn-Üüd and
// Zabaykalsk in GCJ-02: the points are read as they are.
func TestCRSOutsideChinaPassesUnchanged(t *testing.T) {
	s := crsServer(t)
	for _, p := range []orb.Point{zamynUud, zabaykalsk} {
		r := get(t, s, fmt.Sprintf("/v1/stations/nearest?lon=%v&lat=%v&k=1&crs=gcj02", p[0], p[1]))
		if r.status != 200 {
			t.Fatalf("status %d\n%s", r.status, r.raw)
		}
		ww := r.body["query"].(map[string]any)["wgs84"].([]any)
		if got := (orb.Point{ww[0].(float64), ww[1].(float64)}); got != p {
			t.Errorf("a GCJ-02 query at %v was read as WGS 84 %v; want it unchanged outside China", p, got)
		}
		f := r.features(t)[0]
		if d := f["properties"].(map[string]any)["distance_m"].(float64); d != 0 || coordsOf(t, f) != p {
			t.Errorf("nearest to %v: %v at %v, %v m; want the record there, unchanged", p, f["id"], coordsOf(t, f), d)
		}
	}
}

// TestCRSBBoxIsExact lists records in a GCJ-02 box whose west edge falls
// between a record's WGS 84 and GCJ-02 longitudes: the record is in the
// box in GCJ-02 and not in WGS 84, so converting the box (or the test)
// wrongly would show.
func TestCRSBBoxIsExact(t *testing.T) {
	s := crsServer(t)
	w := orb.Point{111.977, 43.653} // erenhot-driver
	g := geo.WGS84ToGCJ02(w)
	if !(g[0] > w[0]+0.003) {
		t.Fatalf("expected an eastward offset at Erenhot, got %v → %v", w, g)
	}
	west := (w[0] + g[0]) / 2
	bbox := fmt.Sprintf("%v,43.6,112.1,43.7", west)
	ids := func(r response) []string {
		var out []string
		for _, f := range r.features(t) {
			out = append(out, f["id"].(string))
		}
		return out
	}
	r := get(t, s, "/v1/stations?bbox="+bbox)
	if slices.Contains(ids(r), "erenhot-driver") {
		t.Fatalf("WGS 84 box %s holds erenhot-driver at %v", bbox, w)
	}
	r = get(t, s, "/v1/stations?crs=gcj02&bbox="+bbox)
	if r.status != 200 || !slices.Contains(ids(r), "erenhot-driver") || queryCRS(t, r.body) != "gcj02" {
		t.Fatalf("GCJ-02 box %s: %d %v crs %q; want erenhot-driver (at %v in GCJ-02)", bbox, r.status, ids(r), queryCRS(t, r.body), g)
	}

	// Every box, every CRS: the answer is exactly the records whose
	// converted position lies in the box, in id order, paged.
	snap := s.cfg.Catalog.Snapshot()
	all, _ := snap.InBound(geo.World(), data.Filter{}, 0, -1)
	rng := rand.New(rand.NewSource(8))
	for range 60 {
		crs := []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09}[rng.Intn(3)]
		x, y := 111.9+rng.Float64()*0.1, 43.6+rng.Float64()*0.07
		b := orb.Bound{Min: orb.Point{round7(x), round7(y)}, Max: orb.Point{round7(x + rng.Float64()*0.1), round7(y + rng.Float64()*0.05)}}
		var want []string
		for _, st := range all {
			if b.Contains(s.offsets.FromWGS84(st.Location, crs)) {
				want = append(want, st.ID)
			}
		}
		r := get(t, s, fmt.Sprintf("/v1/stations?crs=%v&limit=1&bbox=%v,%v,%v,%v", crs, b.Min[0], b.Min[1], b.Max[0], b.Max[1]))
		if got := int(r.body["numberMatched"].(float64)); got != len(want) {
			t.Fatalf("bbox %v in %v: numberMatched %d; want %d (%v)", b, crs, got, len(want), want)
		}
		if len(want) > 0 && ids(r)[0] != want[0] {
			t.Fatalf("bbox %v in %v: first %v; want %v", b, crs, ids(r), want[0])
		}
	}
}

func TestCRSCircle(t *testing.T) {
	s := crsServer(t)
	g := geo.WGS84ToGCJ02(orb.Point{111.977, 43.653})
	r := get(t, s, fmt.Sprintf("/v1/circle?lon=%v&lat=%v&radius_m=1000&crs=gcj02", g[0], g[1]))
	if r.status != 200 || queryCRS(t, r.body) != "gcj02" {
		t.Fatalf("status %d crs %q\n%s", r.status, queryCRS(t, r.body), r.raw)
	}
	c := r.body["properties"].(map[string]any)["center"].([]any)
	if d := geo.Distance(orb.Point{c[0].(float64), c[1].(float64)}, g); d > 0.05 {
		t.Fatalf("circle centre %v is %.3f m from the GCJ-02 point %v asked for", c, d, g)
	}
	// Every vertex lies 1 km from the centre in WGS 84.
	ring := r.body["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)
	centre := orb.Point{111.977, 43.653}
	for _, v := range ring {
		p := s.offsets.ToWGS84(orb.Point{v.([]any)[0].(float64), v.([]any)[1].(float64)}, geo.GCJ02)
		if d := geo.Distance(p, centre); math.Abs(d-1000) > 1 {
			t.Fatalf("vertex %v is %.2f m from the centre in WGS 84; want 1000", v, d)
		}
	}
	r = get(t, s, "/v1/stations/erenhot-driver/circle?radius_m=500&crs=bd09")
	if r.status != 200 || queryCRS(t, r.body) != "bd09" {
		t.Fatalf("station circle: status %d crs %q\n%s", r.status, queryCRS(t, r.body), r.raw)
	}
}

// TestCRSBodies sends coverage, suggestion and route bodies in GCJ-02: the
// answers match the WGS 84 ones, with every geometry in GCJ-02.
func TestCRSBodies(t *testing.T) {
	s := crsServer(t)
	off := s.offsets
	toGCJ := func(ps ...orb.Point) string {
		var parts []string
		for _, p := range ps {
			g := off.FromWGS84(p, geo.GCJ02)
			parts = append(parts, fmt.Sprintf("[%v,%v]", g[0], g[1]))
		}
		return strings.Join(parts, ",")
	}
	square := []orb.Point{{111.6, 40.75}, {111.8, 40.75}, {111.8, 40.9}, {111.6, 40.9}, {111.6, 40.75}}
	wgsArea := `{"type":"Polygon","coordinates":[[[111.6,40.75],[111.8,40.75],[111.8,40.9],[111.6,40.9],[111.6,40.75]]]}`
	gcjArea := `{"type":"Polygon","coordinates":[[` + toGCJ(square...) + `]]}`

	base := post(t, s, "/v1/coverage/gaps", `{"area":`+wgsArea+`,"radius_m":3000,"cell_m":500}`)
	r := post(t, s, "/v1/coverage/gaps?crs=gcj02", `{"area":`+gcjArea+`,"radius_m":3000,"cell_m":500}`)
	if base.status != 200 || r.status != 200 || queryCRS(t, r.body) != "gcj02" || queryCRS(t, base.body) != "wgs84" {
		t.Fatalf("gaps: %d %d crs %q\n%s", base.status, r.status, queryCRS(t, r.body), r.raw)
	}
	if a, b := base.body["covered_pct"].(float64), r.body["covered_pct"].(float64); math.Abs(a-b) > 0.01 {
		t.Fatalf("covered_pct %v in GCJ-02; %v in WGS 84", b, a)
	}
	v := r.features(t)[0]["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)[0].([]any)
	bv := base.features(t)[0]["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)[0].([]any)
	want := off.FromWGS84(orb.Point{bv[0].(float64), bv[1].(float64)}, geo.GCJ02)
	if d := geo.Distance(orb.Point{v[0].(float64), v[1].(float64)}, want); d > 0.05 {
		t.Fatalf("first gap vertex %v; want %v (the WGS 84 answer's, converted)", v, want)
	}

	cand := orb.Point{111.75, 40.8}
	r = post(t, s, "/v1/coverage/suggest?crs=gcj02", `{"area":`+gcjArea+`,"radius_m":3000,"cell_m":500,"n":1,"candidates":{"type":"MultiPoint","coordinates":[`+toGCJ(cand)+`]}}`)
	if r.status != 200 || queryCRS(t, r.body) != "gcj02" {
		t.Fatalf("suggest: %d\n%s", r.status, r.raw)
	}
	if got, want := coordsOf(t, r.features(t)[0]), off.FromWGS84(cand, geo.GCJ02); geo.Distance(got, want) > 0.05 {
		t.Fatalf("suggested site at %v; want the candidate as given, %v", got, want)
	}

	line := []orb.Point{{111.67, 40.81}, {111.98, 43.65}}
	base = post(t, s, "/v1/route/stations", `{"route":{"type":"LineString","coordinates":[[111.67,40.81],[111.98,43.65]]},"corridor_m":5000}`)
	r = post(t, s, "/v1/route/stations?crs=gcj02", `{"route":{"type":"LineString","coordinates":[`+toGCJ(line...)+`]},"corridor_m":5000}`)
	if base.status != 200 || r.status != 200 || queryCRS(t, r.body) != "gcj02" {
		t.Fatalf("route: %d %d\n%s", base.status, r.status, r.raw)
	}
	bf, rf := base.features(t), r.features(t)
	if len(bf) != len(rf) || len(rf) < 3 {
		t.Fatalf("route: %d features in GCJ-02, %d in WGS 84", len(rf), len(bf))
	}
	for i := range bf {
		if bf[i]["id"] != rf[i]["id"] {
			t.Fatalf("route feature %d: %v in GCJ-02, %v in WGS 84", i, rf[i]["id"], bf[i]["id"])
		}
		if g := rf[i]["geometry"].(map[string]any); g["type"] == "Point" {
			if got, want := coordsOf(t, rf[i]), off.FromWGS84(coordsOf(t, bf[i]), geo.GCJ02); geo.Distance(got, want) > 0.02 {
				t.Fatalf("route station %v at %v; want %v", rf[i]["id"], got, want)
			}
		}
	}
	start := rf[0]["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)
	if d := geo.Distance(orb.Point{start[0].(float64), start[1].(float64)}, off.FromWGS84(line[0], geo.GCJ02)); d > 0.05 {
		t.Fatalf("route line starts at %v in GCJ-02, %.3f m from the point sent", start, d)
	}
}

// TestCRSRefused checks the problems: an unknown or repeated crs, a crs
// where coordinates stay WGS 84 (writes, OGC API, tiles), and a server
// without the China outline.
func TestCRSRefused(t *testing.T) {
	s := crsServer(t)
	tests := []struct {
		method, target string
		status         int
		detail         string
	}{
		{http.MethodGet, "/v1/stations/nearest?lon=111.9&lat=43.7&crs=gcj-02", 400, "allowed: wgs84, gcj02, bd09"},
		{http.MethodGet, "/v1/stations/nearest?lon=111.9&lat=43.7&crs=epsg:4326", 400, "allowed: wgs84, gcj02, bd09"},
		{http.MethodGet, "/v1/stations/nearest?lon=111.9&lat=43.7&crs=gcj02&crs=bd09", 400, "given 2 times"},
		{http.MethodGet, "/v1/stations?crs=bd09mc", 400, "unknown crs"},
		{http.MethodPost, "/v1/stations?crs=gcj02", 400, "writes take WGS 84 coordinates only"},
		{http.MethodPut, "/v1/stations/x?crs=bd09", 400, "writes take WGS 84 coordinates only"},
		{http.MethodGet, "/ogc/collections/" + OGCCollection + "/items?crs=gcj02", 400, "crs=gcj02, crs=bd09) are offered by the /v1 endpoints"},
		{http.MethodGet, "/tiles/0/0/0.mvt?crs=gcj02", 400, "unknown parameter"},
		{http.MethodPost, "/v1/route/stations?crs=mars", 400, "unknown crs"},
	}
	for _, tc := range tests {
		r := do(t, s, tc.method, tc.target)
		if r.status != tc.status || !strings.Contains(r.body["detail"].(string), tc.detail) || !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s %s = %d %q (%s); want %d with %q", tc.method, tc.target, r.status, r.body["detail"], r.header.Get("Content-Type"), tc.status, tc.detail)
		}
	}
	// A write in WGS 84 still reaches authorisation (503 on this read-only server).
	if r := do(t, s, http.MethodPost, "/v1/stations?crs=wgs84"); r.status != 503 {
		t.Errorf("POST /v1/stations?crs=wgs84 = %d; want 503 (read-only), not a crs problem", r.status)
	}
	bare := newTestServer(t, fixture(t), Config{})
	r := get(t, bare, "/v1/stations/nearest?lon=111.9&lat=43.7&crs=gcj02")
	if r.status != 400 || !strings.Contains(r.body["detail"].(string), "no China outline") {
		t.Errorf("without layers: %d %v; want a 400 saying why", r.status, r.body["detail"])
	}
	if r := get(t, bare, "/v1/stations/nearest?lon=111.9&lat=43.7&crs=wgs84"); r.status != 200 {
		t.Errorf("without layers, crs=wgs84: %d", r.status)
	}
}

// TestOpenAPIDocumentsCRS checks that every /v1 operation that takes crs
// documents it, and that the document names the three values.
func TestOpenAPIDocumentsCRS(t *testing.T) {
	raw, err := json.Marshal(openapiDocument())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/v1/stations/nearest": "get", "/v1/stations/within": "get", "/v1/stations": "get",
		"/v1/stations/{id}": "get", "/v1/stations/{id}/circle": "get", "/v1/circle": "get",
		"/v1/coverage/gaps": "post", "/v1/coverage/suggest": "post", "/v1/route/stations": "post", "/v1/route/plan": "post",
	}
	for path, method := range want {
		var op struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Enum []string `json:"enum"`
				} `json:"schema"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(doc.Paths[path][method], &op); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		found := false
		for _, p := range op.Parameters {
			if p.Name == crsParam {
				found = slices.Equal(p.Schema.Enum, geo.CRSNames())
			}
		}
		if !found {
			t.Errorf("%s %s does not document crs with values %v", method, path, geo.CRSNames())
		}
	}
}

// FuzzCRSQuery fuzzes nearest with the China outline loaded, crs included.
func FuzzCRSQuery(f *testing.F) {
	for _, seed := range []string{
		"lon=111.98&lat=43.65&crs=gcj02", "lon=111.90&lat=43.72&crs=bd09&k=3", "lon=NaN&lat=0&crs=gcj02",
		"lon=180&lat=90&crs=bd09", "lon=111&lat=43&crs=" + url.QueryEscape("gcj02 "), "crs=&lon=1&lat=1", "lon=1&lat=1&crs=%ff",
	} {
		f.Add(seed)
	}
	s := crsServer(f)
	f.Fuzz(func(t *testing.T, raw string) {
		for _, c := range []byte(raw) {
			if c <= ' ' || c >= 0x7f || c == '#' {
				t.Skip()
			}
		}
		if len(raw) > HeaderLimit-200 {
			t.Skip()
		}
		r := get(t, s, "/v1/stations/nearest?"+raw)
		if r.status != 200 && r.status != 400 {
			t.Fatalf("GET nearest?%s = %d; want 200 or 400\n%s", raw, r.status, r.raw)
		}
	})
}
