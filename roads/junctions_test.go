package roads

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestJunctions checks Junctions on a small graph against the degrees
// counted by hand: a crossroads of four ways, a T of three, a bend
// between two ways (not a junction), and a footway that a car may not
// use (so the T is no junction by car).
func TestJunctions(t *testing.T) {
	ids := map[orb.Point]int64{} // one OSM node per position
	way := func(id int64, class string, pts ...orb.Point) Way {
		nodes := make([]int64, len(pts))
		for i, p := range pts {
			if _, ok := ids[p]; !ok {
				ids[p] = int64(len(ids) + 1)
			}
			nodes[i] = ids[p]
		}
		return Way{ID: id, Class: class, Geometry: orb.LineString(pts), Nodes: nodes}
	}
	x, e, w, nn, s := orb.Point{10, 45}, orb.Point{10.01, 45}, orb.Point{9.99, 45}, orb.Point{10, 45.01}, orb.Point{10, 44.99}
	tee, bend := orb.Point{10.02, 45}, orb.Point{10.03, 45.01}
	n, err := Build([]Way{
		way(1, "primary", w, x), way(2, "primary", x, e), way(3, "residential", nn, x), way(4, "residential", x, s),
		way(5, "primary", e, tee), way(6, "footway", tee, orb.Point{10.02, 45.01}), way(7, "primary", tee, bend), way(8, "primary", bend, orb.Point{10.04, 45.01}),
	})
	if err != nil {
		t.Fatal(err)
	}
	all := orb.Bound{Min: orb.Point{9, 44}, Max: orb.Point{11, 46}}
	for _, tc := range []struct {
		mode Mode
		b    orb.Bound
		want []orb.Point
	}{
		{Drive, all, []orb.Point{x}},
		{Walk, all, []orb.Point{x, tee}},
		{Walk, orb.Bound{Min: orb.Point{10.015, 44}, Max: orb.Point{11, 46}}, []orb.Point{tee}},
	} {
		prof := DefaultProfile(tc.mode)
		var got []orb.Point
		n.Junctions(tc.b, &prof, func(p orb.Point) bool { got = append(got, p); return true })
		if len(got) != len(tc.want) {
			t.Errorf("Junctions(%v, %s) = %v; want %v", tc.b, tc.mode, got, tc.want)
			continue
		}
		for _, p := range tc.want {
			found := false
			for _, q := range got {
				found = found || q == p
			}
			if !found {
				t.Errorf("Junctions(%v, %s) = %v; want %v", tc.b, tc.mode, got, tc.want)
			}
		}
	}
	// fn stops it.
	prof := DefaultProfile(Walk)
	calls := 0
	n.Junctions(all, &prof, func(orb.Point) bool { calls++; return false })
	if calls != 1 {
		t.Errorf("Junctions called fn %d times after it returned false; want 1", calls)
	}
}
