package api

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/roads"
)

// TestTravelWithoutNetwork checks that every answer that travels falls
// back to the straight line where no road network is loaded, and says so.
func TestTravelWithoutNetwork(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no func":     {},
		"nil network": {Roads: func() *roads.Network { return nil }},
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, fixture(t), cfg)
			for _, target := range []string{
				"/v1/stations/nearest?lon=111.67&lat=40.81",
				"/v1/stations/nearest?lon=111.67&lat=40.81&by=time&mode=drive",
				"/v1/stations/within?lon=111.67&lat=40.81&minutes=15&mode=drive",
				"/v1/stations/within?lon=111.67&lat=40.81&minutes=15&mode=drive&by=time",
			} {
				r := get(t, s, target)
				if r.status != 200 || r.body["method"] != "straight_line" {
					t.Errorf("GET %s = %d, method %v; want 200 with method straight_line\n%s", target, r.status, r.body["method"], r.raw)
				}
			}

			r := get(t, s, "/v1/reach?lon=111.67&lat=40.81&minutes=15&mode=drive")
			props, _ := r.body["properties"].(map[string]any)
			if r.status != 200 || props["method"] != "straight_line" {
				t.Fatalf("reach = %d %s; want 200 straight_line", r.status, r.raw)
			}
			// 40 km/h × 15 min / 1.3 = 7692.3 m; the area of that circle.
			radius := 40.0 * 1000 * 15 / 60 / 1.3
			if props["radius_m"] != geo.Round1(radius) {
				t.Errorf("reach radius_m = %v; want %v", props["radius_m"], geo.Round1(radius))
			}
			wantKm2 := math.Pi * radius * radius / 1e6
			if got, _ := props["area_km2"].(float64); math.Abs(got-wantKm2)/wantKm2 > 0.002 {
				t.Errorf("reach area_km2 = %v; want about %v (π r²)", got, wantKm2)
			}
			if r.body["geometry"].(map[string]any)["type"] != "Polygon" {
				t.Errorf("reach geometry = %v; want a Polygon", r.body["geometry"])
			}

			// Hohhot to Erenhot via a point: great-circle legs, drive 40 km/h over 1.3 circuity.
			r = get(t, s, "/v1/route?from=111.67,40.81&via=111.8,42&to=111.977,43.653")
			props, _ = r.body["properties"].(map[string]any)
			if r.status != 200 || props["method"] != "straight_line" || props["mode"] != "drive" {
				t.Fatalf("route = %d %s; want 200 straight_line drive", r.status, r.raw)
			}
			pts := []orb.Point{{111.67, 40.81}, {111.8, 42}, {111.977, 43.653}}
			dist := geo.Distance(pts[0], pts[1]) + geo.Distance(pts[1], pts[2])
			if props["distance_m"] != geo.Round1(dist) {
				t.Errorf("route distance_m = %v; want %v", props["distance_m"], geo.Round1(dist))
			}
			if want := geo.Round1(dist * 1.3 / (40 / 3.6)); props["duration_s"] != want {
				t.Errorf("route duration_s = %v; want %v", props["duration_s"], want)
			}
			if n := len(r.body["geometry"].(map[string]any)["coordinates"].([]any)); n != 3 {
				t.Errorf("route has %d positions; want 3 (from, via, to)", n)
			}
		})
	}
}

// TestByTimeWithoutNetwork checks the straight-line estimate of by=time:
// the same records as by distance, with duration_s from distance_m.
func TestByTimeWithoutNetwork(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	byDist := get(t, s, "/v1/stations/nearest?lon=111.67&lat=40.81&k=3").features(t)
	r := get(t, s, "/v1/stations/nearest?lon=111.67&lat=40.81&k=3&by=time&mode=truck")
	byTime := r.features(t)
	if len(byTime) != len(byDist) {
		t.Fatalf("by=time found %d; by distance %d", len(byTime), len(byDist))
	}
	for i, f := range byTime {
		p := f["properties"].(map[string]any)
		if f["id"] != byDist[i]["id"] {
			t.Errorf("feature %d = %v; want %v", i, f["id"], byDist[i]["id"])
		}
		d := p["distance_m"].(float64)
		if want := d * 1.3 / (50 / 3.6); math.Abs(p["duration_s"].(float64)-want) > 0.2 {
			t.Errorf("%v duration_s = %v; want %v (distance × 1.3 / 50 km/h)", f["id"], p["duration_s"], want)
		}
		if _, ok := p["road_distance_m"]; ok {
			t.Errorf("%v has road_distance_m without a road network", f["id"])
		}
	}
	q := r.body["query"].(map[string]any)
	if q["by"] != "time" || q["mode"] != "truck" || !strings.Contains(q["derivation"].(string), "no road network") {
		t.Errorf("query = %v; want by time, mode truck and a derivation naming the straight line", q)
	}
	// within by=time: the service circle's records, with times.
	w := get(t, s, "/v1/stations/within?lon=111.67&lat=40.81&minutes=15&mode=drive&by=time")
	c := get(t, s, "/v1/stations/within?lon=111.67&lat=40.81&minutes=15&mode=drive")
	if w.body["numberMatched"] != c.body["numberMatched"] {
		t.Errorf("within by=time matched %v; the circle %v", w.body["numberMatched"], c.body["numberMatched"])
	}
}

// TestTravelRefusals checks the problems of bad travel requests.
func TestTravelRefusals(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	for _, tc := range []struct{ target, param, detail string }{
		{"/v1/route?to=1,2", "from", "from is required"},
		{"/v1/route?from=1,2", "to", "to is required"},
		{"/v1/route?from=1&to=1,2", "from", "lon,lat"},
		{"/v1/route?from=1,NaN&to=1,2", "from", "lon,lat"},
		{"/v1/route?from=1,0x10&to=1,2", "from", "lon,lat"},
		{"/v1/route?from=200,2&to=1,2", "from", "out of range"},
		{"/v1/route?from=1,2&to=1,91", "to", "out of range"},
		{"/v1/route?from=1,2&to=1,3&via=1", "via", "lon,lat"},
		{"/v1/route?from=1,2&to=1,3&mode=fly", "mode", "fly"},
		{"/v1/route?from=1,2&to=1,3&mode=drive&weight_t=40", "weight_t", "mode=truck only"},
		{"/v1/route?from=1,2&to=1,3&mode=truck&weight_t=-1", "weight_t", "weight_t must be"},
		{"/v1/route?from=1,2&to=1,3&mode=truck&height_m=30", "height_m", "height_m must be"},
		{"/v1/route?from=1,2&to=1,3&speeds=primary:fast", "speeds", "class:km/h"},
		{"/v1/route?from=1,2&to=1,3&speeds=autobahn:130", "speeds", "unknown highway class"},
		{"/v1/route?from=1,2&to=1,3&speeds=primary:0", "speeds", "must be > 0"},
		{"/v1/route?from=1,2&to=1,3&mode=walk&speeds=primary:5", "speeds", "one speed"},
		{"/v1/route?from=1,2&to=1,3&speed_kmh=30&speeds=primary:5", "speeds", "not both"},
		{"/v1/route?from=1,2&to=1,3&max_snap_m=0", "max_snap_m", "max_snap_m must be"},
		{"/v1/route?from=1,2&to=1,3&circuity=0.5", "circuity", "circuity must be"},
		{"/v1/route?from=1,2&to=1,3&radius=5", "radius", "unknown parameter"},
		{"/v1/route?from=1,2&to=1,3&via=" + strings.Repeat("1,2&via=", MaxVia) + "1,2", "via", "the limit is 25"},
		{"/v1/reach?lon=1", "lat", "lat is required"},
		{"/v1/reach?lon=1&lat=2&minutes=0", "minutes", "minutes must be"},
		{"/v1/reach?lon=1&lat=2&minutes=601", "minutes", "minutes must be"},
		{"/v1/reach?lon=1&lat=2&roads=maybe", "roads", "true or false"},
		{"/v1/reach?lon=1&lat=2&radius_m=5", "radius_m", "unknown parameter"},
		{"/v1/stations/nearest?lon=1&lat=2&by=speed", "by", "distance or time"},
		{"/v1/stations/nearest?lon=1&lat=2&by=time&by=distance", "by", "twice"},
		{"/v1/stations/nearest?lon=1&lat=2&mode=drive", "mode", "add by=time"},
		{"/v1/stations/within?lon=1&lat=2&weight_t=3", "weight_t", "add by=time"},
		{"/v1/stations/nearest?lon=1&lat=2&by=time&max_distance_m=5", "max_distance_m", "unknown parameter"},
		{"/v1/stations/nearest?lon=1&lat=2&by=time&k=0", "k", "k must be"},
		{"/v1/stations/within?lon=1&lat=2&by=time&radius_m=5", "radius_m", "unknown parameter"},
		{"/v1/stations/within?lon=1&lat=2&by=time&minutes=-1", "minutes", "minutes must be"},
	} {
		r := get(t, s, tc.target)
		if r.status != 400 || r.body["param"] != tc.param || !strings.Contains(r.body["detail"].(string), tc.detail) {
			t.Errorf("GET %s = %d %v %q; want 400 naming %s with %q", tc.target, r.status, r.body["param"], r.body["detail"], tc.param, tc.detail)
		}
	}
}

// TestRouteStationsFromTo checks that a route body with from, via and to
// instead of a drawn route answers as the drawn straight line through the
// points where no road network is loaded, and says so.
func TestRouteStationsFromTo(t *testing.T) {
	s := plannerServer(t)
	drawn := post(t, s, "/v1/route/stations", `{"route":`+hohhotErenhot+`,"corridor_m":5000,"max_gap_km":100}`)
	found := post(t, s, "/v1/route/stations", `{"from":[111.6708,40.80],"via":[[111.80,42.20]],"to":[111.96,43.66],"corridor_m":5000,"max_gap_km":100}`)
	if found.status != 200 || found.body["method"] != "straight_line" {
		t.Fatalf("from/to = %d %.300s; want 200 straight_line", found.status, found.raw)
	}
	ids := func(r response) string {
		var out []string
		for _, f := range r.features(t) {
			out = append(out, fmt.Sprint(f["id"]))
		}
		return strings.Join(out, ",")
	}
	if ids(found) != ids(drawn) {
		t.Errorf("from/to features = %s; the drawn route's %s", ids(found), ids(drawn))
	}
	trip := found.body["trip"].(map[string]any)
	if trip["method"] != "straight_line" || trip["mode"] != "drive" || len(trip["via"].([]any)) != 1 {
		t.Errorf("trip = %v; want the straight line by drive through one via", trip)
	}
	if _, ok := drawn.body["trip"]; ok || drawn.body["method"] != "straight_line" {
		t.Errorf("a drawn route has trip %v, method %v; want no trip, straight_line", drawn.body["trip"], drawn.body["method"])
	}
	for _, tc := range []struct{ body, detail string }{
		{`{"route":` + hohhotErenhot + `,"from":[1,2],"to":[1,3]}`, "not both"},
		{`{"from":[1,2]}`, "to is required"},
		{`{"to":[1,2]}`, "from is required"},
		{`{"from":[1],"to":[1,3]}`, "position [lon, lat]"},
		{`{"from":[1,2],"to":[1,300]}`, "out of range"},
		{`{"from":[1,2],"to":[1,3],"mode":"boat"}`, "boat"},
		{`{"from":[1,2],"to":[1,3],"mode":"walk","weight_t":3}`, "mode=truck only"},
		{`{"from":"1,2","to":[1,3]}`, "from"},
	} {
		assertProblem(t, post(t, s, "/v1/route/stations", tc.body), 400, tc.detail)
	}
}

// TestTravelCRS checks that /v1/route and /v1/reach read and answer
// positions in crs: a route given in GCJ-02 measures the WGS 84 points it
// stands for and answers in GCJ-02.
func TestTravelCRS(t *testing.T) {
	s := plannerServer(t)
	w := get(t, s, "/v1/route?from=111.67,40.81&to=111.977,43.653")
	g := get(t, s, "/v1/route?from=111.67,40.81&to=111.977,43.653&crs=gcj02")
	wp, gp := w.body["properties"].(map[string]any), g.body["properties"].(map[string]any)
	if g.status != 200 || fmt.Sprint(gp["from"]) != "[111.67 40.81]" || fmt.Sprint(gp["to"]) != "[111.977 43.653]" {
		t.Fatalf("route in gcj02 = %d, from %v to %v; want the positions as given", g.status, gp["from"], gp["to"])
	}
	if wp["distance_m"] == gp["distance_m"] {
		t.Errorf("route in gcj02 measures %v m, the same as the WGS 84 points; want the converted points measured", gp["distance_m"])
	}
	if d := math.Abs(wp["distance_m"].(float64) - gp["distance_m"].(float64)); d > 1500 {
		t.Errorf("GCJ-02 and WGS 84 routes differ by %v m; want the few hundred meters of the offset", d)
	}
	r := get(t, s, "/v1/reach?lon=111.67&lat=40.81&crs=gcj02")
	props := r.body["properties"].(map[string]any)
	if r.status != 200 || fmt.Sprint(props["center"]) != "[111.67 40.81]" {
		t.Errorf("reach in gcj02 = %d, center %v; want the center as given", r.status, props["center"])
	}
}
