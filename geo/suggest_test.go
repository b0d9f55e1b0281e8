package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// randomDemand is n demand points inside area with weights from 1 to 1000
// (or all 1 with unit).
func randomDemand(rng *rand.Rand, area orb.MultiPolygon, n int, unit bool) []DemandPoint {
	pts := randomInside(rng, area, n)
	out := make([]DemandPoint, n)
	for i, p := range pts {
		w := 1.0
		if !unit {
			w = float64(1 + rng.IntN(1000))
		}
		out[i] = DemandPoint{Point: p, Weight: w}
	}
	return out
}

// plainGreedy is the reference of SuggestPlan: every round it recomputes
// every candidate's key from scratch (demand by a scan of every demand
// point, spread by a scan of every fixed station and chosen site) and
// takes the best. It returns the candidate numbers chosen.
func plainGreedy(t *testing.T, g *Grid, p Plan) []int {
	t.Helper()
	covered := make([]bool, len(p.Demand))
	copy(covered, p.Covered)
	theta := math.Min(p.Radius/EarthRadius, math.Pi)
	cosT, thetaD := math.Cos(theta), theta*radToDeg+1e-9
	quant := math.Max(areaTie*2*math.Pi*EarthRadius*EarthRadius*(1-math.Cos(theta)), 2*g.CellM*g.CellM)
	centre := g.bound.Center()
	var chosen []orb.Point
	var picks []int
	for len(picks) < p.N {
		best := siteKey{k: -1}
		for k, c := range p.Candidates {
			var d float64
			for i, dp := range p.Demand {
				if !covered[i] && Distance(c, dp.Point) <= p.Radius {
					d += dp.Weight
				}
			}
			a := g.circleArea(c, cosT, thetaD, false)
			spread := math.Inf(1)
			for _, f := range p.Fixed {
				spread = math.Min(spread, Distance(c, f))
			}
			for _, s := range chosen {
				spread = math.Min(spread, Distance(c, s))
			}
			key := siteKey{demand: d, areaQ: math.Floor(a / quant), areaM2: a, spread: spread, centre: Distance(c, centre), k: k}
			if best.k < 0 || betterSite(key, best) {
				best = key
			}
		}
		if best.k < 0 || (best.demand <= 0 && best.areaM2 <= 0) {
			break
		}
		c := p.Candidates[best.k]
		for i, dp := range p.Demand {
			if Distance(c, dp.Point) <= p.Radius {
				covered[i] = true
			}
		}
		g.circleArea(c, cosT, thetaD, true)
		chosen = append(chosen, c)
		picks = append(picks, best.k)
	}
	return picks
}

// TestSuggestPlanPlainGreedy: the lazy greedy picks exactly what the
// plain greedy picks, on random instances with weighted, unit and no
// demand, and its gains add up to the coverage it reports.
func TestSuggestPlanPlainGreedy(t *testing.T) {
	rng := coverageRand(t)
	ctx := context.Background()
	for trial := 0; trial < 12; trial++ {
		area := randomArea(rng, orb.Point{112, 42}, 20, 0.4, 1.0, trial%2 == 0)
		stations := randomInside(rng, area, rng.IntN(10))
		const radius = 15000.0
		var demand []DemandPoint
		switch trial % 3 {
		case 0:
			demand = randomDemand(rng, area, 300, false)
		case 1:
			demand = randomDemand(rng, area, 300, true)
		}
		covered := make([]bool, len(demand))
		if err := CoverDemand(ctx, demand, covered, stations, radius); err != nil {
			t.Fatal(err)
		}
		cands := randomInside(rng, area, 150)
		p := Plan{N: 6, Radius: radius, Candidates: cands, Demand: demand, Covered: covered, Fixed: stations}
		ref := mustCoveredGrid(t, area, 2000, stations, radius)
		want := plainGreedy(t, ref, p)

		g := mustCoveredGrid(t, area, 2000, stations, radius)
		before := g.Summary()
		_, covBefore := DemandSum(demand, covered)
		sites, err := g.SuggestPlan(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(sites) != len(want) {
			t.Fatalf("trial %d: SuggestPlan gave %d sites; plain greedy %d", trial, len(sites), len(want))
		}
		var area2, dem float64
		for i, s := range sites {
			if s.Candidate != want[i] {
				t.Fatalf("trial %d: site %d = candidate %d; plain greedy picks %d", trial, i, s.Candidate, want[i])
			}
			area2 += s.NewlyCoveredM2
			dem += s.DemandGain
		}
		after := g.Summary()
		if got := (after.CoveredPct - before.CoveredPct) / 100 * after.GridAreaM2; math.Abs(got-area2) > 1e-6*math.Max(area2, 1) {
			t.Fatalf("trial %d: covered area grew by %v; sites claim %v", trial, got, area2)
		}
		if _, covAfter := DemandSum(demand, covered); math.Abs(covAfter-covBefore-dem) > 1e-9*math.Max(dem, 1) {
			t.Fatalf("trial %d: covered demand grew by %v; sites claim %v", trial, covAfter-covBefore, dem)
		}
	}
}

// TestSuggestPlanOptimum compares the greedy's covered demand with the
// best choice of n sites found by trying every one, on small random
// instances: it is never below 1 − 1/e of the optimum, and the test logs
// how close it usually is.
func TestSuggestPlanOptimum(t *testing.T) {
	rng := coverageRand(t)
	ctx := context.Background()
	const radius = 20000.0
	bound := 1 - 1/math.E
	var sum, worst float64 = 0, 1
	optimal := 0
	const trials = 40
	for trial := 0; trial < trials; trial++ {
		area := randomArea(rng, orb.Point{112, 42}, 12, 0.3, 0.6, false)
		demand := randomDemand(rng, area, 40, trial%4 == 0)
		cands := randomInside(rng, area, 12)
		n := 2 + trial%3
		// What each candidate covers, as a bit set of demand points.
		reach := make([]uint64, len(cands))
		for k, c := range cands {
			for i, d := range demand {
				if Distance(c, d.Point) <= radius {
					reach[k] |= 1 << i
				}
			}
		}
		value := func(set uint64) float64 {
			var v float64
			for i, d := range demand {
				if set&(1<<i) != 0 {
					v += d.Weight
				}
			}
			return v
		}
		var best float64
		var try func(from, left int, set uint64)
		try = func(from, left int, set uint64) {
			if left == 0 || from == len(cands) {
				best = math.Max(best, value(set))
				return
			}
			for k := from; k < len(cands); k++ {
				try(k+1, left-1, set|reach[k])
			}
		}
		try(0, n, 0)

		g := mustCoveredGrid(t, area, 3000, nil, radius)
		sites, err := g.SuggestPlan(ctx, Plan{N: n, Radius: radius, Candidates: cands, Demand: demand})
		if err != nil {
			t.Fatal(err)
		}
		var got float64
		for _, s := range sites {
			got += s.DemandGain
		}
		if best == 0 {
			continue
		}
		ratio := got / best
		if ratio < bound-1e-12 {
			t.Fatalf("trial %d: greedy covers %v of the optimum %v (ratio %.3f < 1 − 1/e)", trial, got, best, ratio)
		}
		if ratio > 1+1e-9 {
			t.Fatalf("trial %d: greedy covers %v, more than the optimum %v", trial, got, best)
		}
		sum += ratio
		worst = math.Min(worst, ratio)
		if ratio >= 1-1e-9 {
			optimal++
		}
	}
	t.Logf("greedy / optimum over %d instances: mean %.4f, worst %.4f, optimal in %d", trials, sum/trials, worst, optimal)
}

// TestSuggestSpreads: on an empty area where every full circle covers the
// same area, sites are spread apart (no two circles overlap, and they are
// not in one row); with no station the first one is at the centre.
func TestSuggestSpreads(t *testing.T) {
	area := orb.MultiPolygon{{{{110, 40}, {114, 40}, {114, 43}, {110, 43}, {110, 40}}}}
	const radius = 20000.0
	g := mustCoveredGrid(t, area, 2000, nil, radius)
	sites, err := g.SuggestPlan(context.Background(), Plan{N: 5, Radius: radius, Fixed: []orb.Point{{110.5, 40.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 5 {
		t.Fatalf("got %d sites", len(sites))
	}
	lats := map[float64]bool{}
	for i, a := range sites {
		lats[a.Point[1]] = true
		for _, b := range sites[:i] {
			if d := Distance(a.Point, b.Point); d < 2*radius {
				t.Fatalf("sites %v and %v are %.0f m apart; their circles overlap", a.Point, b.Point, d)
			}
		}
		if d := Distance(a.Point, orb.Point{110.5, 40.5}); d < 2*radius {
			t.Fatalf("site %v is %.0f m from the station", a.Point, d)
		}
	}
	if len(lats) < 3 {
		t.Fatalf("sites %v lie on %d latitudes", sites, len(lats))
	}
	// With no station, the first site is at the centre.
	g = mustCoveredGrid(t, area, 2000, nil, radius)
	sites, err = g.Suggest(context.Background(), 1, radius, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := Distance(sites[0].Point, orb.Point{112, 41.5}); len(sites) != 1 || d > 25000 {
		t.Fatalf("first site %v is %.0f m from the centre", sites[0].Point, d)
	}
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

// BenchmarkSuggestPlanDemand: 10 sites among 4,000 places and 4,000 grid
// centres for 100,000 demand points over a 1,000 km square at 2 km cells,
// 60 min by truck.
func BenchmarkSuggestPlanDemand(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	area := orb.MultiPolygon{{{{108, 40}, {120, 40}, {120, 49}, {108, 49}, {108, 40}}}}
	const radius = 50 * 1000.0 / 1.3
	demand := randomDemand(rng, area, 100_000, false)
	cands := randomInside(rng, area, 4000)
	stations := randomInside(rng, area, 200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := mustCoveredGrid(b, area, 2000, stations, radius)
		covered := make([]bool, len(demand))
		if err := CoverDemand(context.Background(), demand, covered, stations, radius); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := g.SuggestPlan(context.Background(), Plan{N: 10, Radius: radius, Candidates: cands, GridCandidates: true,
			Demand: demand, Covered: covered, Fixed: stations}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGapsClosed holds GapsClosed to a flood fill: a gap is closed when
// none of the cells 4-connected to it in the grid before is uncovered in
// the grid after.
func TestGapsClosed(t *testing.T) {
	rng := coverageRand(t)
	ctx := context.Background()
	for trial := 0; trial < 20; trial++ {
		area := randomArea(rng, orb.Point{112, 42}, 16, 0.2, 0.5, trial%2 == 0)
		const radius = 6000.0
		g := mustCoveredGrid(t, area, 1000, randomInside(rng, area, 15+rng.IntN(30)), radius)
		gaps, err := g.Gaps(ctx)
		if err != nil {
			t.Fatal(err)
		}
		after := g.Clone()
		if err := after.Cover(ctx, randomInside(rng, area, 1+rng.IntN(8)), radius*1.5); err != nil {
			t.Fatal(err)
		}
		got, err := g.GapsClosed(ctx, gaps, after)
		if err != nil {
			t.Fatal(err)
		}
		// Flood-fill labels of today's open cells.
		label := make([]int, len(g.state))
		for i := range label {
			label[i] = -1
		}
		var open []bool // per label: some cell uncovered after
		for i, v := range g.state {
			if v != cellOpen || label[i] >= 0 {
				continue
			}
			l := len(open)
			open = append(open, false)
			stack := []int{i}
			label[i] = l
			for len(stack) > 0 {
				j := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if after.state[j] == cellOpen {
					open[l] = true
				}
				r, c := j/g.Cols, j%g.Cols
				for _, nb := range [][2]int{{r - 1, c}, {r + 1, c}, {r, c - 1}, {r, c + 1}} {
					if nb[0] < 0 || nb[0] >= g.Rows || nb[1] < 0 || nb[1] >= g.Cols {
						continue
					}
					k := nb[0]*g.Cols + nb[1]
					if g.state[k] == cellOpen && label[k] < 0 {
						label[k] = l
						stack = append(stack, k)
					}
				}
			}
		}
		if len(open) != len(gaps) {
			t.Fatalf("trial %d: %d flood-fill components; Gaps gave %d", trial, len(open), len(gaps))
		}
		closed := 0
		for k, gp := range gaps {
			rn := gp.runs[0]
			want := !open[label[int(rn.r)*g.Cols+int(rn.c0)]]
			if got[k] != want {
				t.Fatalf("trial %d: GapsClosed(gap %d) = %v; flood fill says %v", trial, k, got[k], want)
			}
			if want {
				closed++
			}
		}
		t.Logf("trial %d: %d gaps, %d closed", trial, len(gaps), closed)
	}
}
