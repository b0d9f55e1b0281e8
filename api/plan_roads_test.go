package api

import (
	"strings"
	"testing"
)

// andorraPlanBody is a suggestion by travel time over Andorra, with a
// small demand, in lang.
func andorraPlanBody(by, lang string) string {
	return `{"area":{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]},
	"minutes":10,"mode":"drive","by":"` + by + `","n":2,"cell_m":500,"lang":"` + lang + `",
	"demand":{"type":"FeatureCollection","features":[
	{"type":"Feature","geometry":{"type":"Point","coordinates":[1.5218,42.5063]},"properties":{"weight":1000}},
	{"type":"Feature","geometry":{"type":"Point","coordinates":[1.6545,42.5601]},"properties":{"weight":300}},
	{"type":"Feature","geometry":{"type":"Point","coordinates":[1.4962,42.5745]},"properties":{"weight":200}}]}}`
}

// TestPlanByTimeAnswers checks that the planner's answers by time on a
// road network keep every field of the planning pipeline, name the
// method (network) apart from how the sites were chosen
// (suggest_method), and say in plain words, in the answer and in the
// report, that coverage is by car on the roads; without by time they
// stay the straight line.
func TestPlanByTimeAnswers(t *testing.T) {
	s, _ := andorraServer(t)
	r := post(t, s, "/v1/coverage/suggest", andorraPlanBody("time", "en"))
	if r.status != 200 {
		t.Fatalf("suggest by time = %d %.400s", r.status, r.raw)
	}
	for _, k := range []string{"demand_total", "demand_covered", "demand_covered_before", "demand_covered_after", "scenarios", "clipped_to",
		"method_text", "formula", "candidates_from", "covered_pct_after", "grid"} {
		if _, ok := r.body[k]; !ok {
			t.Errorf("suggest by time lacks %s", k)
		}
	}
	if r.body["by"] != "time" || r.body["method"] != "network" {
		t.Errorf("by %v, method %v; want time, network", r.body["by"], r.body["method"])
	}
	if sm, _ := r.body["suggest_method"].(string); !strings.Contains(sm, "greedy") || !strings.Contains(sm, "straight-line circle") {
		t.Errorf("suggest_method = %q; want the greedy and how candidates are measured by time", sm)
	}
	if mt, _ := r.body["method_text"].(string); !strings.Contains(mt, "by car on the roads") {
		t.Errorf("method_text = %q; want it to say by car on the roads", mt)
	}
	if sc, _ := r.body["scenarios"].([]any); len(sc) != 3 {
		t.Errorf("scenarios = %v; want today, with_planned, with_suggested", r.body["scenarios"])
	}
	feats, _ := r.body["features"].([]any)
	for _, f := range feats {
		props := f.(map[string]any)["properties"].(map[string]any)
		for _, k := range []string{"demand_gain", "newly_covered_km2", "nearest_station", "near_place"} {
			if _, ok := props[k]; !ok {
				t.Errorf("site %v lacks %s", props["rank"], k)
			}
		}
	}

	rep := postRaw(t, s, "/v1/coverage/report?format=html", andorraPlanBody("time", "en"))
	if rep.status != 200 || !strings.Contains(string(rep.raw), "by car on the roads") || !strings.Contains(string(rep.raw), "then measured on the roads") {
		t.Errorf("report by time = %d; want its plain words to say by car on the roads, and how sites are measured:\n%.2000s", rep.status, rep.raw)
	}
	gj := post(t, s, "/v1/coverage/report?format=geojson", andorraPlanBody("time", "en"))
	if sm, _ := gj.body["suggest_method"].(string); gj.status != 200 || gj.body["method"] != "network" || !strings.Contains(sm, "straight-line circle") {
		t.Errorf("GeoJSON report by time = %d, method %v, suggest_method %q; want network and how sites are chosen", gj.status, gj.body["method"], sm)
	}

	g := post(t, s, "/v1/coverage/gaps", strings.Replace(andorraPlanBody("distance", "en"), `"n":2,`, "", 1))
	if g.status != 200 || g.body["method"] != "straight_line" || g.body["by"] != "distance" {
		t.Errorf("gaps by distance = %d, method %v, by %v; want straight_line by distance", g.status, g.body["method"], g.body["by"])
	}
	if mt, _ := g.body["method_text"].(string); strings.Contains(mt, "on the roads (") {
		t.Errorf("method_text by distance = %q; want the circle's words", mt)
	}
}

// TestRoadDemandAnswers checks the answers where a road network is
// loaded: "demand": "roads" counts km of road and says where it comes
// from; the default demand adds the roads in people; suggestions try the
// road junctions before the grid; the report names the road source.
func TestRoadDemandAnswers(t *testing.T) {
	s, _ := andorraServer(t)
	body := func(demand string) string {
		return `{"area":{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]},
		"minutes":10,"mode":"drive","n":2,"cell_m":500,"lang":"en"` + demand + `}`
	}
	r := post(t, s, "/v1/coverage/suggest", body(`,"demand":"roads"`))
	if r.status != 200 {
		t.Fatalf("suggest with road demand = %d %.400s", r.status, r.raw)
	}
	d, _ := r.body["demand"].(map[string]any)
	if d["from"] != "roads" || d["unit"] != "km of road" || !strings.Contains(d["source"].(string), "road network") {
		t.Errorf("demand = %v; want from roads, unit km of road, a source naming the road network", d)
	}
	if tot, _ := r.body["demand_total"].(float64); !(tot > 500 && tot < 2000) {
		t.Errorf("demand_total = %v km; Andorra has some 840 km of drivable road", r.body["demand_total"])
	}
	from, _ := r.body["candidates_from"].([]any)
	if len(from) != 4 || from[2] != "junctions" || from[3] != "grid" {
		t.Errorf("candidates_from = %v; want the junctions before the grid", from)
	}

	g := post(t, s, "/v1/coverage/gaps", strings.Replace(body(""), `"n":2,`, "", 1))
	if g.status != 200 {
		t.Fatalf("gaps with the default demand = %d %.400s", g.status, g.raw)
	}
	d, _ = g.body["demand"].(map[string]any)
	if d["from"] != "default" || d["unit"] != "people" || !strings.Contains(d["source"].(string), "people a km") {
		t.Errorf("default demand = %v; want the road length in people", d)
	}
	if tot, rt := g.body["demand_total"].(float64), r.body["demand_total"].(float64); tot < 10*rt-0.05 { // both rounded to 3 decimals
		t.Errorf("default demand_total = %v; want at least 10 people a km of %v km", tot, rt)
	}
	rep := postRaw(t, s, "/v1/coverage/report?format=html", body(`,"demand":"roads"`))
	if rep.status != 200 || !strings.Contains(string(rep.raw), "OpenStreetMap contributors") {
		t.Errorf("report with road demand = %d; want it to name the roads' source", rep.status)
	}
}
