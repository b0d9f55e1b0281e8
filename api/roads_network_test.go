package api

import (
	"context"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/source"
	"yizhan/roads"
)

var andorraOnce = sync.OnceValues(func() (*roads.Network, error) {
	f, err := os.Open("../data/osm/andorra-2022-09-20.osm.pbf")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ways, err := source.ReadRoads(context.Background(), f)
	if err != nil {
		return nil, err
	}
	return roads.Build(ways)
})

// andorraServer serves a few records in Andorra on its road network.
func andorraServer(t testing.TB) (*Server, *roads.Network) {
	t.Helper()
	n, err := andorraOnce()
	if err != nil {
		t.Fatal(err)
	}
	sts := []*data.Station{
		station(t, "escaldes", data.KindDriverHome, 1.5341, 42.5097, "24/7", "shower"),
		station(t, "encamp", data.KindRestStop, 1.5802, 42.5353, "24/7"),
		station(t, "sant-julia", data.KindDriverHome, 1.4912, 42.4637, "24/7"),
		station(t, "pas-de-la-casa", data.KindDriverHome, 1.7327, 42.5425, "24/7"),
	}
	return newTestServer(t, sts, Config{Roads: func() *roads.Network { return n }}), n
}

// TestTravelOnNetwork checks the answers on the Andorra network: each
// says method network and gives the engine's numbers.
func TestTravelOnNetwork(t *testing.T) {
	s, n := andorraServer(t)
	ctx := context.Background()
	prof := roads.DefaultProfile(roads.Drive)

	r := get(t, s, "/v1/reach?lon=1.5218&lat=42.5063&minutes=15&mode=drive")
	props, _ := r.body["properties"].(map[string]any)
	if r.status != 200 || props["method"] != "network" {
		t.Fatalf("reach = %d %.300s; want 200 network", r.status, r.raw)
	}
	re, err := n.Reach(ctx, orb.Point{1.5218, 42.5063}, 900, &prof)
	if err != nil {
		t.Fatal(err)
	}
	if got := props["area_km2"].(float64); math.Abs(got-re.AreaKm2) > 0.001 {
		t.Errorf("reach area_km2 = %v; the engine's %v", got, re.AreaKm2)
	}
	if typ := r.body["geometry"].(map[string]any)["type"]; typ != "Polygon" && typ != "MultiPolygon" {
		t.Errorf("reach geometry %v", typ)
	}
	rr := get(t, s, "/v1/reach?lon=1.5218&lat=42.5063&minutes=5&mode=drive&roads=true")
	if fs := rr.features(t); rr.status != 200 || len(fs) != 2 || prop(fs[1], "role") != "roads" || rr.body["method"] != "network" {
		t.Errorf("reach roads=true = %d %.300s; want the area and the roads", rr.status, rr.raw)
	}

	r = get(t, s, "/v1/route?from=1.4732375,42.4356516&to=1.7350636,42.5437725")
	props, _ = r.body["properties"].(map[string]any)
	if r.status != 200 || props["method"] != "network" {
		t.Fatalf("route = %d %.300s; want 200 network", r.status, r.raw)
	}
	rt, err := n.Route(ctx, []orb.Point{{1.4732375, 42.4356516}, {1.7350636, 42.5437725}}, &prof)
	if err != nil {
		t.Fatal(err)
	}
	if props["duration_s"] != round1(rt.DurationS) || props["distance_m"] != round1(rt.DistanceM) {
		t.Errorf("route %v s %v m; the engine %v s %v m", props["duration_s"], props["distance_m"], rt.DurationS, rt.DistanceM)
	}
	if r := get(t, s, "/v1/route?from=1.6,42.0&to=1.7350636,42.5437725"); r.status != 400 || r.body["param"] != "from" {
		t.Errorf("route from off the roads = %d %.300s; want a 400 naming from", r.status, r.raw)
	}

	// Nearest driver homes by drive time from Andorra la Vella, with road
	// distances, fastest first; the record in France-side Pas de la Casa
	// is last.
	r = get(t, s, "/v1/stations/nearest?lon=1.5218&lat=42.5063&k=3&by=time&mode=drive&kind=driver_home")
	fs := r.features(t)
	if r.status != 200 || r.body["method"] != "network" || len(fs) != 3 {
		t.Fatalf("nearest by=time = %d %.300s; want 3 by network", r.status, r.raw)
	}
	prev := 0.0
	for _, f := range fs {
		d := prop(f, "duration_s").(float64)
		if d < prev || prop(f, "road_distance_m").(float64) <= 0 || prop(f, "kind") != "driver_home" {
			t.Errorf("feature %v: duration %v after %v, road distance %v, kind %v", f["id"], d, prev, prop(f, "road_distance_m"), prop(f, "kind"))
		}
		prev = d
	}
	if fs[2]["id"] != "pas-de-la-casa" {
		t.Errorf("third by drive time = %v; want pas-de-la-casa", fs[2]["id"])
	}
	w := get(t, s, "/v1/stations/within?lon=1.5218&lat=42.5063&minutes=10&mode=drive&by=time")
	if w.status != 200 || w.body["method"] != "network" || w.body["numberMatched"].(float64) < 1 {
		t.Errorf("within by=time = %d %.300s", w.status, w.raw)
	}
	// By distance stays the straight line, with a network or not.
	if r := get(t, s, "/v1/stations/nearest?lon=1.5218&lat=42.5063"); r.body["method"] != "straight_line" {
		t.Errorf("nearest by distance method %v", r.body["method"])
	}
	// route/stations with from and to follows the roads.
	pr := post(t, s, "/v1/route/stations", `{"from":[1.4732375,42.4356516],"to":[1.7350636,42.5437725],"corridor_m":500}`)
	if pr.status != 200 || pr.body["method"] != "network" {
		t.Errorf("route/stations from/to = %d %.300s; want network", pr.status, pr.raw)
	}
}
