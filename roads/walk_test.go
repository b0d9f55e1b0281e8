package roads

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// TestJunctionsAndEdges checks the walks over a small network: a
// crossing of four roads (one a motorway), a way joined end to end with
// another (no junction) and a dead end.
func TestJunctionsAndEdges(t *testing.T) {
	c := orb.Point{10, 50}
	ways := []Way{
		{ID: 1, Class: "residential", Nodes: []int64{1, 0, 2}, Geometry: orb.LineString{{9.99, 50}, c, {10.01, 50}}},
		{ID: 2, Class: "residential", Nodes: []int64{3, 0}, Geometry: orb.LineString{{10, 49.99}, c}},
		{ID: 3, Class: "motorway", Nodes: []int64{0, 4}, Geometry: orb.LineString{c, {10, 50.01}}},
		{ID: 4, Class: "residential", Nodes: []int64{2, 5}, Geometry: orb.LineString{{10.01, 50}, {10.02, 50}}},
	}
	n, err := Build(ways)
	if err != nil {
		t.Fatal(err)
	}
	everywhere := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	for _, tc := range []struct {
		name string
		prof *Profile
		deg  int // at c; 0: no junction
	}{
		{"every road", nil, 4},
		{"drive", ptr(DefaultProfile(Drive)), 4},
		{"walk (no motorway)", ptr(DefaultProfile(Walk)), 3},
	} {
		var got []orb.Point
		var deg []int
		n.Junctions(everywhere, tc.prof, func(p orb.Point, d int) bool {
			got, deg = append(got, p), append(deg, d)
			return true
		})
		if len(got) != 1 || got[0] != c || deg[0] != tc.deg {
			t.Errorf("%s: Junctions = %v %v; want %v with %d roads", tc.name, got, deg, c, tc.deg)
		}
		want := 0.0
		for _, w := range ways {
			if tc.prof != nil {
				if f, b := tc.prof.Allows(&w); !f && !b {
					continue
				}
			}
			for i := 1; i < len(w.Geometry); i++ {
				want += geo.Distance(w.Geometry[i-1], w.Geometry[i])
			}
		}
		sum, lines := 0.0, 0
		n.Edges(everywhere, tc.prof, func(line orb.LineString, l float64) bool {
			sum += l
			lines++
			return true
		})
		if math.Abs(sum-want) > 1e-6 || lines == 0 {
			t.Errorf("%s: Edges sum to %v m in %d lines; the ways measure %v m", tc.name, sum, lines, want)
		}
	}
	// A box that holds no junction, and one edge only; stopping early.
	far := orb.Bound{Min: orb.Point{10.015, 49.999}, Max: orb.Point{10.03, 50.001}}
	n.Junctions(far, nil, func(p orb.Point, _ int) bool {
		t.Errorf("Junctions in %v gave %v", far, p)
		return true
	})
	calls := 0
	n.Edges(far, nil, func(orb.LineString, float64) bool { calls++; return true })
	if calls != 1 {
		t.Errorf("Edges in %v gave %d edges; want 1", far, calls)
	}
	calls = 0
	n.Edges(everywhere, nil, func(orb.LineString, float64) bool { calls++; return false })
	if calls != 1 {
		t.Errorf("Edges went on after false: %d calls", calls)
	}
}

func ptr[T any](v T) *T { return &v }
