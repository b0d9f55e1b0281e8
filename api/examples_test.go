package api

import (
	"strings"
	"testing"
)

func TestExampleRoutes(t *testing.T) {
	s := plannerServer(t)
	// Registering twice is harmless: the first registration answers. The
	// call stays here until routes() makes it.
	s.exampleRoutes()

	list := get(t, s, "/v1/routes")
	if list.status != 200 {
		t.Fatalf("GET /v1/routes = %d %s", list.status, list.raw)
	}
	routes, _ := list.body["routes"].([]any)
	if len(routes) == 0 {
		t.Fatalf("GET /v1/routes lists no routes: %s", list.raw)
	}
	var hrefs []string
	for _, r := range routes {
		m := r.(map[string]any)
		if !strings.Contains(strings.ToLower(m["note"].(string)), "not a surveyed road") {
			t.Errorf("route %v note %q does not say it is not a surveyed road", m["id"], m["note"])
		}
		if km, _ := m["length_km"].(float64); km <= 0 {
			t.Errorf("route %v length_km = %v; want > 0", m["id"], m["length_km"])
		}
		hrefs = append(hrefs, m["href"].(string))
	}

	tests := []struct {
		target string
		status int
		want   string
	}{
		{hrefs[0], 200, `"LineString"`},
		{"/v1/routes/hohhot-erenhot", 200, `"hohhot-erenhot"`},
		{"/v1/routes/atlantis", 404, "hohhot-erenhot"}, // the problem names the routes there are
		{"/v1/routes?x=1", 400, "x"},
		{"/v1/regions", 200, `"150000"`},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			r := get(t, s, tc.target)
			if r.status != tc.status || !strings.Contains(string(r.raw), tc.want) {
				t.Errorf("GET %s = %d %s; want %d containing %s", tc.target, r.status, r.raw, tc.status, tc.want)
			}
		})
	}

	// A route as served is a valid body for POST /v1/route/stations.
	raw := get(t, s, "/v1/routes/hohhot-erenhot").raw
	if r := post(t, s, "/v1/route/stations", `{"route": `+string(raw)+`}`); r.status != 200 {
		t.Errorf("POST /v1/route/stations with the served route = %d %s", r.status, r.raw)
	}
}
