package plan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/roads"
)

// TestCardsByTime checks the nearest station of gap and site cards by
// time on the Andorra network against brute force: a route from the card's
// point to every record counted today, the fastest within CardMinutes; the
// straight-line distance is kept beside it. By distance the cards stay the
// straight line.
func TestCardsByTime(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(21, 22))
	sts := andorraStations(t, rng, 8)
	snap := catalog.NewSnapshot(sts, 1)
	p := &Planner{Roads: n, Snaps: NewSnapCache()}
	ctx := context.Background()
	area := []byte(`{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`)
	minutes, cell, sites := 2.0, 300.0, 3
	search := Search{Minutes: &minutes, Mode: "drive", By: "time"}
	prof := capped(roads.DefaultProfile(roads.Drive))

	check := func(what string, from orb.Point, got *NearStation) bool {
		t.Helper()
		best, bestS := "", math.Inf(1)
		for _, st := range sts {
			r, err := n.Route(ctx, []orb.Point{from, st.Location}, &prof)
			if errors.Is(err, roads.ErrNoRoad) || errors.Is(err, roads.ErrNoRoute) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.DurationS < bestS {
				best, bestS = st.ID, r.DurationS
			}
		}
		if bestS > CardMinutes*60 {
			best = ""
		}
		if got == nil || !got.ByTime {
			if best != "" {
				if _, err := n.Snap(from, &prof); err == nil {
					t.Errorf("%s at %v: nearest %+v; want %s by time (%.1f s)", what, from, got, best, bestS)
				}
			}
			return false
		}
		if math.Abs(got.DurationS-bestS) > 1e-6*bestS+1e-6 {
			t.Errorf("%s at %v: nearest %s in %.3f s; brute force %s in %.3f s", what, from, got.ID, got.DurationS, best, bestS)
		}
		for _, st := range sts {
			if st.ID == got.ID {
				if d := geo.Distance(from, st.Location); math.Abs(d-got.DistanceM) > 1e-6 {
					t.Errorf("%s: distance_m %v; want the straight line %v", what, got.DistanceM, d)
				}
			}
		}
		if !(got.RoadMeters > 0) {
			t.Errorf("%s: road part %v m; want more than 0", what, got.RoadMeters)
		}
		return true
	}

	g, err := p.Gaps(ctx, snap, &GapsRequest{Area: area, CellM: &cell, Search: search}, nil)
	if err != nil {
		t.Fatal(err)
	}
	timed := 0
	for i, near := range g.Nearest {
		if i < MaxTimedCards && check(fmt.Sprintf("gap %d", i), g.Gaps[i].Centroid, near) {
			timed++
		}
		if i >= MaxTimedCards && near != nil && near.ByTime {
			t.Errorf("gap %d measured on the roads; only the first %d are", i, MaxTimedCards)
		}
	}
	s, err := p.Suggest(ctx, snap, &SuggestRequest{GapsRequest: GapsRequest{Area: area, CellM: &cell, Search: search}, N: &sites}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range s.Sites {
		if check("site", sc.Point, sc.Nearest) {
			timed++
		}
	}
	if timed == 0 {
		t.Fatal("no card measured on the roads")
	}
	t.Logf("%d of %d gap and %d site cards measured on the roads", timed, len(g.Nearest), len(s.Sites))

	search.By = ""
	g, err = p.Gaps(ctx, snap, &GapsRequest{Area: area, CellM: &cell, Search: search}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, near := range g.Nearest {
		if near != nil && near.ByTime {
			t.Fatalf("by distance a card is by time: %+v", near)
		}
	}
}
