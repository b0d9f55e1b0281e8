package roads

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestPrepareDefaults: after PrepareDefaults the network's Stats name the
// prepared modes, count their tables' and hierarchies' memory, and count
// each route leg of a default profile (and of one differing only in
// snapping, which shares its cost table) as searched on the hierarchy; a
// profile of other speeds is not.
func TestPrepareDefaults(t *testing.T) {
	ctx := context.Background()
	n, err := Build(gridWays(20, 20, 3))
	if err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); len(st.Prepared) != 0 || st.LandmarkBytes != 0 || st.LandmarkLegs != 0 {
		t.Fatalf("before Prepare: %v prepared, %d bytes, %d legs", st.Prepared, st.LandmarkBytes, st.LandmarkLegs)
	}
	drive := DefaultProfile(Drive)
	from, to := n.nodePt[0], n.nodePt[len(n.nodePt)-1]
	if _, err := n.Route(ctx, []orb.Point{from, to}, &drive); err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); st.LandmarkLegs != 0 || st.CHLegs != 0 {
		t.Fatalf("a route before Prepare counted %d landmark legs, %d hierarchy legs", st.LandmarkLegs, st.CHLegs)
	}
	bytes, err := n.PrepareDefaults(ctx, Drive, Truck)
	if err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	if !slices.Equal(st.Prepared, []Mode{Drive, Truck}) || !slices.Equal(st.Contracted, []Mode{Drive, Truck}) {
		t.Errorf("prepared %v, contracted %v, want [drive truck]", st.Prepared, st.Contracted)
	}
	if want := int64(2 * 2 * numLandmarks * 4 * st.Nodes); st.LandmarkBytes != want {
		t.Errorf("landmark bytes %d, want %d", st.LandmarkBytes, want)
	}
	if st.CHBytes <= 0 || bytes != st.LandmarkBytes+st.CHBytes || st.CHArcs < int64(st.Edges)/2 || st.CHShortcuts <= 0 {
		t.Errorf("PrepareDefaults %d bytes; Stats landmarks %d, hierarchy %d bytes, %d arcs, %d shortcuts", bytes, st.LandmarkBytes, st.CHBytes, st.CHArcs, st.CHShortcuts)
	}
	snapOwn := drive
	snapOwn.MaxSnapM, snapOwn.OffRoadKmh = 50, 4
	for _, p := range []*Profile{&drive, &snapOwn} {
		if !n.Prepared(*p) || !n.Contracted(*p) {
			t.Errorf("profile %+v not prepared", *p)
		}
		if _, err := n.Route(ctx, []orb.Point{from, n.nodePt[len(n.nodePt)/2], to}, p); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.Stats().CHLegs; got != 4 {
		t.Errorf("%d legs on the hierarchy, want 4 (two routes of two legs)", got)
	}
	slow := drive
	slow.MaxKmh = 30
	if n.Prepared(slow) || n.Contracted(slow) {
		t.Error("a profile of other speeds counts as prepared")
	}
	if _, err := n.Route(ctx, []orb.Point{from, to}, &slow); err != nil {
		t.Fatal(err)
	}
	if st := n.Stats(); st.CHLegs != 4 || st.LandmarkLegs != 0 {
		t.Errorf("a route of an unprepared profile counted as hierarchy legs (%d, want 4) or landmark legs (%d, want 0)", st.CHLegs, st.LandmarkLegs)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := n.PrepareDefaults(cancelled, Walk); err == nil {
		t.Error("PrepareDefaults with a cancelled context: no error")
	}
}

// TestCheckWay: the one rule for road input, and Build refusing what it
// refuses, naming the way.
func TestCheckWay(t *testing.T) {
	good := func() Way {
		return Way{ID: 7, Class: "residential", Nodes: []int64{1, 2}, Geometry: orb.LineString{{1.5, 42.5}, {1.51, 42.5}}}
	}
	long := good()
	long.Geometry = make(orb.LineString, MaxWayVertices+1)
	long.Nodes = make([]int64, MaxWayVertices+1)
	for i := range long.Nodes {
		long.Nodes[i], long.Geometry[i] = int64(i+1), orb.Point{1 + float64(i)*1e-6, 42}
	}
	for _, c := range []struct {
		name, want string
		edit       func(*Way)
	}{
		{"good", "", func(*Way) {}},
		{"zero id", "positive OSM way id", func(w *Way) { w.ID = 0 }},
		{"negative id", "positive OSM way id", func(w *Way) { w.ID = -3 }},
		{"one vertex", "at least 2", func(w *Way) { w.Geometry, w.Nodes = w.Geometry[:1], w.Nodes[:1] }},
		{"too many vertices", "at most 100000", func(w *Way) { *w = long }},
		{"node ids short", "1 node ids for 2 vertices", func(w *Way) { w.Nodes = w.Nodes[:1] }},
		{"no class", "no highway class", func(w *Way) { w.Class = " " }},
		{"off the globe", "vertex 1 (181, 42.5) is outside", func(w *Way) { w.Geometry[1] = orb.Point{181, 42.5} }},
		{"NaN", "outside", func(w *Way) { w.Geometry[0][1] = math.NaN() }},
	} {
		w := good()
		c.edit(&w)
		got := CheckWay(&w)
		if (got == "") != (c.want == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: CheckWay = %q, want %q", c.name, got, c.want)
		}
		_, err := Build([]Way{good(), w})
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: Build: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "(index 1)") || !strings.Contains(err.Error(), got) {
			t.Errorf("%s: Build error %v, want one naming index 1 and %q", c.name, err, got)
		}
	}
}
