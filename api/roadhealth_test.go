package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/roads"
)

type fakeRoadHealth struct{ st roads.SourceStatus }

func (f fakeRoadHealth) Status() roads.SourceStatus { return f.st }

// lineNetwork is a small road network: a residential street of ten
// blocks, east from 1.5, 42.5.
func lineNetwork(t *testing.T) *roads.Network {
	t.Helper()
	var ways []roads.Way
	for i := range 10 {
		ways = append(ways, roads.Way{ID: int64(i + 1), Class: "residential", Nodes: []int64{int64(i + 1), int64(i + 2)},
			Geometry: orb.LineString{{1.5 + float64(i)*0.001, 42.5}, {1.5 + float64(i+1)*0.001, 42.5}}})
	}
	n, err := roads.Build(ways)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReadyzRoads: /readyz and /metrics show the road network served and
// its source, that routes use landmarks once its modes are prepared, and
// a follower's failure; a server without roads shows none of it.
func TestReadyzRoads(t *testing.T) {
	plain := newTestServer(t, fixture(t), Config{})
	if r := get(t, plain, "/readyz"); r.body["roads"] != nil {
		t.Errorf("/readyz without roads has a roads member: %v", r.body["roads"])
	}
	if m := doWrite(t, plain, "GET", "/metrics", "", "", ""); strings.Contains(m.raw, "yizhan_roads_") {
		t.Error("/metrics without roads has yizhan_roads_ series")
	}

	net := lineNetwork(t)
	built := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	file := roads.SourceStatus{Source: "file", File: "li.osm.pbf", Ways: 10, Stats: net.Stats(), Built: built, BuildTook: 250 * time.Millisecond, Connected: true}
	s := newTestServer(t, fixture(t), Config{Roads: func() *roads.Network { return net }, RoadHealth: fakeRoadHealth{file}})
	rd := func(s *Server) map[string]any {
		t.Helper()
		r := get(t, s, "/readyz")
		if r.status != 200 {
			t.Fatalf("/readyz = %d %s", r.status, r.raw)
		}
		out, _ := r.body["roads"].(map[string]any)
		return out
	}
	got := rd(s)
	lm, _ := got["landmarks"].(map[string]any)
	if got["loaded"] != true || got["source"] != "file" || got["file"] != "li.osm.pbf" || got["ways"] != 10.0 ||
		got["nodes"] != 11.0 || got["edges"] != 20.0 || got["built_at"] != "2026-12-01T10:00:00Z" || got["build_s"] != 0.25 ||
		got["version"] != nil || fmt.Sprint(lm["modes"]) != "[]" || lm["route_legs"] != 0.0 ||
		fmt.Sprint(got["contraction"].(map[string]any)["modes"]) != "[]" {
		t.Errorf("/readyz roads of a file = %v", got)
	}
	if _, err := net.PrepareDefaults(context.Background(), roads.Drive); err != nil {
		t.Fatal(err)
	}
	if r := get(t, s, "/v1/route?from=1.5,42.5&to=1.509,42.5&mode=drive"); r.status != 200 {
		t.Fatalf("route = %d %s", r.status, r.raw)
	}
	lm, _ = rd(s)["landmarks"].(map[string]any)
	ch, _ := rd(s)["contraction"].(map[string]any)
	if fmt.Sprint(lm["modes"]) != "[drive]" || lm["route_legs"] != 0.0 || lm["bytes"].(float64) <= 0 {
		t.Errorf("/readyz landmarks after preparing drive and one route = %v; want [drive], no leg (the hierarchy routes), their bytes", lm)
	}
	if fmt.Sprint(ch["modes"]) != "[drive]" || ch["route_legs"] != 1.0 || ch["bytes"].(float64) <= 0 || ch["shortcuts"] == nil {
		t.Errorf("/readyz contraction after preparing drive and one route = %v; want [drive], 1 leg, its bytes", ch)
	}
	m := doWrite(t, s, "GET", "/metrics", "", "", "")
	for _, want := range []string{"yizhan_roads_loaded 1", "yizhan_roads_ways 10", "yizhan_roads_nodes 11", "yizhan_roads_edges 20",
		"yizhan_roads_landmark_modes 1", "yizhan_roads_landmark_route_legs_total 0", "yizhan_roads_ch_modes 1",
		"yizhan_roads_ch_route_legs_total 1", "yizhan_roads_version 0",
		"yizhan_roads_build_seconds 0.25", "yizhan_roads_rebuilds_total 0", "yizhan_roads_source_up 1",
		fmt.Sprintf("yizhan_roads_built_timestamp_seconds %g", float64(built.Unix()))} {
		if !strings.Contains(m.raw, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// A follower of an empty table whose database went away.
	db := roads.SourceStatus{Source: "database", Version: 7, Latest: 9, Rebuilds: 2, Skipped: 1, LastSkipped: "way 4: no highway class",
		LastError: "connection refused", Built: built}
	f := newTestServer(t, fixture(t), Config{Roads: func() *roads.Network { return nil }, RoadHealth: fakeRoadHealth{db}})
	got = rd(f)
	if got["loaded"] != false || got["source"] != "database" || got["version"] != 7.0 || got["latest_version"] != 9.0 ||
		got["reachable"] != false || got["rebuilds"] != 2.0 || got["skipped_ways"] != 1.0 || got["last_skipped"] != db.LastSkipped ||
		got["last_error"] != "connection refused" || got["landmarks"] != nil || !strings.Contains(fmt.Sprint(got["note"]), "straight line") {
		t.Errorf("/readyz roads of a failing follower = %v", got)
	}
	m = doWrite(t, f, "GET", "/metrics", "", "", "")
	for _, want := range []string{"yizhan_roads_loaded 0", "yizhan_roads_ways 0", "yizhan_roads_version 7", "yizhan_roads_rebuilds_total 2", "yizhan_roads_source_up 0"} {
		if !strings.Contains(m.raw, want+"\n") {
			t.Errorf("/metrics of a failing follower lacks %q", want)
		}
	}
}
