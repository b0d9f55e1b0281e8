package geo

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestSuggest(t *testing.T) {
	rng := coverageRand(t)
	area := randomArea(rng, orb.Point{112, 42}, 30, 0.5, 1.2, true)
	stations := randomInside(rng, area, 15)
	const radius = 15000.0
	ctx := context.Background()
	g := mustCoveredGrid(t, area, 1000, stations, radius)
	before := g.Summary()

	// Reference: plain greedy that recomputes every gain each round on a copy.
	cands := randomInside(rng, area, 200)
	ref := mustCoveredGrid(t, area, 1000, stations, radius)
	var want []int
	for round := 0; round < 6; round++ {
		best, bestGain := -1, 0.0
		for k, p := range cands {
			probe := *ref
			probe.state = append([]uint8(nil), ref.state...)
			b := probe.Summary()
			if err := probe.Cover(ctx, []orb.Point{p}, radius); err != nil {
				t.Fatal(err)
			}
			gain := (probe.Summary().GridAreaM2*probe.Summary().CoveredPct - b.GridAreaM2*b.CoveredPct) / 100
			if gain > bestGain*(1+1e-12) {
				best, bestGain = k, gain
			}
		}
		if best < 0 {
			break
		}
		want = append(want, best)
		if err := ref.Cover(ctx, []orb.Point{cands[best]}, radius); err != nil {
			t.Fatal(err)
		}
	}

	sites, err := g.Suggest(ctx, 6, radius, cands)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != len(want) {
		t.Fatalf("Suggest gave %d sites; plain greedy %d", len(sites), len(want))
	}
	var sum float64
	for i, s := range sites {
		if s.Candidate != want[i] {
			t.Fatalf("site %d = candidate %d; plain greedy picks %d", i, s.Candidate, want[i])
		}
		if i > 0 && s.NewlyCoveredM2 > sites[i-1].NewlyCoveredM2+1e-6 {
			t.Fatalf("gains grow: %v after %v", s.NewlyCoveredM2, sites[i-1].NewlyCoveredM2)
		}
		sum += s.NewlyCoveredM2
	}
	after := g.Summary()
	got := (after.CoveredPct - before.CoveredPct) / 100 * after.GridAreaM2
	if math.Abs(got-sum) > 1e-6*sum {
		t.Fatalf("covered area grew by %v; sites claim %v", got, sum)
	}
	// Without candidates: cell centres, and a first pick at least as good.
	g2 := mustCoveredGrid(t, area, 1000, stations, radius)
	auto, err := g2.Suggest(ctx, 3, radius, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(auto) != 3 || auto[0].Candidate != -1 || auto[0].NewlyCoveredM2 <= 0 {
		t.Fatalf("Suggest(auto) = %+v", auto)
	}
	t.Logf("before %.1f%% covered; 6 sites add %.0f km²; auto first pick %.0f km² vs candidate %.0f km²",
		before.CoveredPct, sum/1e6, auto[0].NewlyCoveredM2/1e6, sites[0].NewlyCoveredM2/1e6)
}

// mustCoveredGrid is NewGrid and Cover, failing t on an error.
func mustCoveredGrid(t testing.TB, area orb.MultiPolygon, cellM float64, stations []orb.Point, radius float64) *Grid {
	t.Helper()
	g, err := NewGrid(context.Background(), area, cellM)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Cover(context.Background(), stations, radius); err != nil {
		t.Fatal(err)
	}
	return g
}
