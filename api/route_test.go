package api

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data"
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
	var r response
	for i := 0; i < b.N; i++ {
		r = post(b, s, "/v1/route/stations", string(body))
		if r.status != 200 {
			b.Fatalf("%d %.300s", r.status, r.raw)
		}
	}
	b.ReportMetric(r.body["stations_count"].(float64), "stations")
	b.ReportMetric(r.body["route_length_km"].(float64), "km")
}
