package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data"
	"yizhan/data/plan"
	"yizhan/geo"
)

// hohhotErenhot runs from Hohhot north to the Erenhot fixture records.
const hohhotErenhot = `{"type":"LineString","coordinates":[[111.6708,40.80],[111.80,42.20],[111.96,43.66]]}`

func TestRouteStations(t *testing.T) {
	s := plannerServer(t)
	r := post(t, s, "/v1/route/stations", `{"route":`+hohhotErenhot+`,"corridor_m":5000,"max_gap_km":100}`)
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%d\n%s", r.status, r.raw)
	}
	feats := r.features(t)
	var stations []string
	var gaps int
	prev := -1.0
	for _, f := range feats {
		switch prop(f, "role") {
		case "station":
			stations = append(stations, f["id"].(string))
			a := prop(f, "along_m").(float64)
			if a < prev {
				t.Fatalf("stations not ordered by along_m: %v after %v", a, prev)
			}
			prev = a
			if side := prop(f, "side"); side != "left" && side != "right" && side != "on" {
				t.Fatalf("side = %v", side)
			}
		case "gap":
			gaps++
			if prop(f, "length_m").(float64) <= 100000 {
				t.Fatalf("gap %v not longer than max_gap_km", f)
			}
		}
	}
	want := "hohhot-union,closed-stop,hohhot-worker,erenhot-driver,erenhot-port"
	if got := strings.Join(stations, ","); got != want {
		t.Fatalf("stations = %s; want %s", got, want)
	}
	if gaps != 1 {
		t.Fatalf("%d gaps; want the one stretch between Hohhot and Erenhot", gaps)
	}
	plan := r.body["rest_plan"].(map[string]any)
	if plan["feasible"] != false || plan["max_leg_km"] != 200.0 {
		t.Fatalf("rest plan %v; want infeasible with 200 km legs (the route is ~320 km with no stop in between)", plan)
	}
	probs := plan["problems"].([]any)
	detail := probs[0].(map[string]any)["detail"].(string)
	if !strings.Contains(detail, "exceeds the 200 km reachable in 240 min at 50 km/h") {
		t.Fatalf("problem detail %q", detail)
	}

	// A faster truck makes it in one go.
	r = post(t, s, "/v1/route/plan", `{"route":`+hohhotErenhot+`,"corridor_m":5000,"speed_kmh":90,"prefer_amenities":["shower"]}`)
	plan = r.body["rest_plan"].(map[string]any)
	if plan["feasible"] != true || len(plan["stops"].([]any)) != 0 {
		t.Fatalf("at 90 km/h: %v", plan)
	}
	// Short legs: stops at Hohhot would not help; infeasible, said plainly.
	r = post(t, s, "/v1/route/stations", `{"route":{"type":"Feature","properties":{},"geometry":`+hohhotErenhot+`},"max_gap_minutes":30,"speed_kmh":60}`)
	if r.status != 200 || math.Abs(r.body["max_gap_m"].(float64)-30000) > 0.1 {
		t.Fatalf("max_gap_minutes: %d %v", r.status, r.body["max_gap_m"])
	}
}

func TestRouteBadInput(t *testing.T) {
	s := plannerServer(t)
	tests := []struct{ name, body, detail string }{
		{"no route", `{}`, "route is required"},
		{"polygon", `{"route":` + hohhotSquare + `}`, "must be a GeoJSON LineString"},
		{"one position", `{"route":{"type":"LineString","coordinates":[[1,2]]}}`, "at least two distinct positions"},
		{"out of range", `{"route":{"type":"LineString","coordinates":[[1,2],[200,2]]}}`, "out of range"},
		{"corridor", `{"route":` + hohhotErenhot + `,"corridor_m":0}`, "corridor_m must be > 0"},
		{"both gaps", `{"route":` + hohhotErenhot + `,"max_gap_km":5,"max_gap_minutes":5}`, "not both"},
		{"prefer", `{"route":` + hohhotErenhot + `,"prefer_amenities":["sauna"]}`, `unknown amenity "sauna"`},
		{"kind", `{"route":` + hohhotErenhot + `,"kind":"castle"}`, `unknown kind "castle"`},
		{"drive", `{"route":` + hohhotErenhot + `,"max_drive_minutes":-1}`, "max_drive_minutes must be > 0"},
		{"unknown", `{"route":` + hohhotErenhot + `,"corridor":5}`, `unknown field "corridor"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertProblem(t, post(t, s, "/v1/route/stations", tc.body), 400, tc.detail)
		})
	}
}

func FuzzRouteBody(f *testing.F) {
	fuzzBody(f, "/v1/route/stations",
		`{"route":`+hohhotErenhot+`,"corridor_m":5000}`,
		`{"route":{"type":"LineString","coordinates":[[0,0],[180,0]]}}`,
		`{"route":{"type":"LineString","coordinates":[[0,0],[0,0],[0,0]]}}`,
		`{"route":{"type":"LineString","coordinates":[[179.9,0],[-179.9,0]]},"corridor_m":50000}`,
		`{"route":{"type":"LineString","coordinates":[[0,90],[0,-90]]}}`,
		`{"route":{"type":"FeatureCollection","features":[]}}`,
		`{"route":`+hohhotErenhot+`,"max_gap_minutes":1e-9,"speed_kmh":1e-9}`,
	)
}

// BenchmarkRouteStations2000km posts a 2,000 km route of 20,001 positions
// (100 m apart, winding north-east from Hohhot) with 10,000 records near
// it, end to end through the handler.
func BenchmarkRouteStations2000km(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	line := orb.LineString{{111.7, 40.8}}
	for i := 0; len(line) < 20001; i++ {
		brg := 50 + 40*math.Sin(float64(i)/300) + rng.NormFloat64()*5
		line = append(line, geo.Destination(line[len(line)-1], brg, 100))
	}
	var sts []*data.Station
	for i := 0; i < 10000; i++ {
		p := geo.Destination(line[rng.IntN(len(line))], rng.Float64()*360, rng.Float64()*10000)
		sts = append(sts, station(b, fmt.Sprintf("s%05d", i), data.KindRestStop, p[0], p[1], "", "truck_parking"))
	}
	s := newTestServer(b, sts, Config{})
	body, _ := json.Marshal(map[string]any{"route": geojson.NewGeometry(line), "corridor_m": 2000, "prefer_amenities": []string{"truck_parking"}})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The server's side only: post would also decode the 1.6 MB
		// answer into maps, which costs about as much as serving it.
		req := httptest.NewRequest("POST", "/v1/route/stations", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.App().Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	r := post(b, s, "/v1/route/stations", string(body))
	b.ReportMetric(r.body["stations_count"].(float64), "stations")
	b.ReportMetric(r.body["route_length_km"].(float64), "km")
}

// TestRouteAnswerMatchesMapRendering holds the lazily rendered answer of
// POST /v1/route/stations to the bytes the map-based rendering wrote:
// stationFeature plus role, along_m, offset_m, side and rest_stop set on
// its Properties, and the whole answer through json.Marshal.
func TestRouteAnswerMatchesMapRendering(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	line := orb.LineString{{111.6708, 40.80}}
	for len(line) < 3001 {
		line = append(line, geo.Destination(line[len(line)-1], 5+rng.NormFloat64()*10, 100))
	}
	sts := fixture(t)
	for i := 0; i < 400; i++ {
		p := geo.Destination(line[rng.IntN(len(line))], rng.Float64()*360, rng.Float64()*6000)
		am := []string{"truck_parking"}
		if i%3 == 0 {
			am = append(am, "shower")
		}
		sts = append(sts, station(t, fmt.Sprintf("r%03d", i), data.KindRestStop, p[0], p[1], "", am...))
	}
	byID := map[string]*data.Station{}
	for _, st := range sts {
		byID[st.ID] = st
	}
	s := newTestServer(t, sts, Config{})
	body, err := json.Marshal(map[string]any{"route": geojson.NewGeometry(line), "corridor_m": 5000,
		"max_drive_minutes": 45, "prefer_amenities": []string{"shower"}, "lang": "en", "max_gap_km": 5})
	if err != nil {
		t.Fatal(err)
	}
	r := post(t, s, "/v1/route/stations", string(body))
	if r.status != 200 {
		t.Fatalf("%d %.500s", r.status, r.raw)
	}

	// The old rendering, rebuilt from the answer's values: station
	// features from their records, the rest as decoded.
	var got struct {
		Features []json.RawMessage `json:"features"`
		routeSummary
	}
	if err := json.Unmarshal(r.raw, &got); err != nil {
		t.Fatal(err)
	}
	var feats []mapFeature
	stations, stops, gaps := 0, 0, 0
	for _, raw := range got.Features {
		var f struct {
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		if f.Properties["role"] != "station" {
			if f.Properties["role"] == "gap" {
				gaps++
			}
			var line lineGeometry
			if err := json.Unmarshal(f.Geometry, &line); err != nil {
				t.Fatal(err)
			}
			feats = append(feats, mapFeature{Type: "Feature", ID: f.ID, Geometry: line, Properties: f.Properties})
			continue
		}
		stations++
		st := byID[f.ID]
		if st == nil {
			t.Fatalf("unknown station %q", f.ID)
		}
		ft := stationFeature(st, "en")
		ft.Properties["role"] = "station"
		ft.Properties["along_m"] = f.Properties["along_m"].(float64)
		ft.Properties["offset_m"] = f.Properties["offset_m"].(float64)
		ft.Properties["side"] = f.Properties["side"].(string)
		if n, ok := f.Properties["rest_stop"]; ok {
			stops++
			ft.Properties["rest_stop"] = int(n.(float64))
		}
		want, err := json.Marshal(ft)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "station feature "+f.ID, raw, want)
		feats = append(feats, ft)
	}
	if stations < 100 || stops == 0 || gaps == 0 || len(got.RestPlan.Stops) != stops {
		t.Fatalf("%d stations, %d rest stops (plan has %d), %d gaps; want a route with all three", stations, stops, len(got.RestPlan.Stops), gaps)
	}
	g := got.routeSummary
	// The summary's members follow the features, as encoding/json writes
	// an embedded struct's fields in place.
	want, err := json.Marshal(struct {
		Type     string       `json:"type"`
		Features []mapFeature `json:"features"`
		routeSummary
	}{"FeatureCollection", feats, g})
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, "route answer", r.raw, want)
}

// TestPositionsDecodeAsSlices holds the positions scanner to what
// encoding/json makes of the same coordinates as a [][]float64: the same
// values, and the same problem for bodies it refuses.
func TestPositionsDecodeAsSlices(t *testing.T) {
	type oldLine struct {
		Type        string      `json:"type"`
		Coordinates [][]float64 `json:"coordinates"`
	}
	type oldBody struct {
		Route     *oldLine `json:"route"`
		CorridorM *float64 `json:"corridor_m"`
	}
	type newBody struct {
		Route     *plan.Line `json:"route"`
		CorridorM *float64   `json:"corridor_m"`
	}
	decode := func(body string, v any) error {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	for _, coords := range []string{
		`[[1,2],[3,4]]`, ` [ [ 1 , 2 ] ,[3.5e1,-4E-2, 7] ] `, `[]`, `[[]]`, `[[1]]`, `[[1,2,3,4]]`, `null`,
		`[[1,2],null]`, `[[1,"2"]]`, `[["a",2]]`, `[[1,2],[1e400,3]]`, `[[1,[2]]]`, `[[1,{}]]`, `[1,2]`,
		`[[true,1]]`, `"x"`, `{}`, `[[-0,0.000001],[123456789.123456789,1e-320]]`, `[[1,2]`, `[[1,2]]]`,
	} {
		// Alone, and followed by a member of the wrong type: the first
		// problem in the body is the one reported.
		for _, rest := range []string{"", `,"corridor_m":"x"`} {
			body := `{"route":{"type":"LineString","coordinates":` + coords + `}` + rest + `}`
			var ob oldBody
			var nb newBody
			oerr, nerr := decode(body, &ob), decode(body, &nb)
			if (oerr == nil) != (nerr == nil) {
				t.Fatalf("%s: error %v; encoding/json says %v", body, nerr, oerr)
			}
			if oerr != nil {
				if o, n := bodyErrorDetail(oerr, &ob), bodyErrorDetail(nerr, &nb); o != n {
					t.Errorf("%s: problem %q; encoding/json says %q", body, n, o)
				}
				continue
			}
			if !reflect.DeepEqual([][]float64(nb.Route.Coordinates), ob.Route.Coordinates) {
				t.Errorf("%s: decoded %v; encoding/json says %v", body, nb.Route.Coordinates, ob.Route.Coordinates)
			}
		}
	}
	var ps plan.Positions
	if err := ps.UnmarshalJSON(bytes.Repeat([]byte{'['}, 3)); err == nil {
		t.Fatalf("Positions.UnmarshalJSON accepted [[[ as %v", ps)
	}
}
