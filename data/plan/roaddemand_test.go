package plan

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"

	"yizhan/data/catalog"
	"yizhan/data/source"
	"yizhan/geo"
	"yizhan/roads"
)

// andorraWays are the ways of the Andorra extract as read, the oracle's
// input: independent of the graph built from them.
var andorraWays = sync.OnceValues(func() ([]roads.Way, error) {
	f, err := os.Open(andorraPBF)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return source.ReadRoads(context.Background(), f)
})

// usableWays are the ways prof can travel in some direction.
func usableWays(t *testing.T, prof roads.Profile) []roads.Way {
	t.Helper()
	ways, err := andorraWays()
	if err != nil {
		t.Fatal(err)
	}
	var out []roads.Way
	for i := range ways {
		w := &ways[i]
		if f, b := prof.Allows(w); (f || b) && prof.Kmh(w) > 0 {
			out = append(out, *w)
		}
	}
	return out
}

// clippedKm is the length of ways inside b in km, and how many times they
// cross b's edge (the ends of the clipped parts on it).
func clippedKm(ways []roads.Way, b orb.Bound) (km float64, crossings int) {
	onEdge := func(p orb.Point) bool {
		return p[0] == b.Min[0] || p[0] == b.Max[0] || p[1] == b.Min[1] || p[1] == b.Max[1]
	}
	for _, w := range ways {
		for _, part := range clip.LineString(b, w.Geometry) {
			for i := 1; i < len(part); i++ {
				km += geo.Distance(part[i-1], part[i]) / 1000
			}
			if onEdge(part[0]) {
				crossings++
			}
			if onEdge(part[len(part)-1]) {
				crossings++
			}
		}
	}
	return km, crossings
}

func boxJSON(b orb.Bound) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`,
		b.Min[0], b.Min[1], b.Max[0], b.Min[1], b.Max[0], b.Max[1], b.Min[0], b.Max[1], b.Min[0], b.Min[1])
}

// TestRoadDemandLength checks that road-length demand totals the length
// of the roads the mode can use inside the area, against the ways as read
// (clipped to the area by orb/clip, not through the graph): over the
// whole of Andorra to rounding, and over a box of it to within the pieces
// its edge cuts (and a cell of the grid's view of the edge); and that the
// default demand counts the same roads at RoadPeoplePerKm.
func TestRoadDemandLength(t *testing.T) {
	n := andorra(t)
	snap := catalog.NewSnapshot(nil, 1)
	p := &Planner{Roads: n}
	for _, mode := range []roads.Mode{roads.Drive, roads.Walk, roads.Truck} {
		ways := usableWays(t, roads.DefaultProfile(mode))
		whole := n.Bound().Pad(0.02)
		want, _ := clippedKm(ways, whole)
		minutes, cell := 10.0, 500.0
		for _, tc := range []struct {
			demand string
			perKm  float64
			unit   string
		}{{`"roads"`, 1, RoadDemandUnit}, {`"default"`, RoadPeoplePerKm, "people"}} {
			req := &GapsRequest{Area: []byte(boxJSON(whole)), CellM: &cell, Demand: []byte(tc.demand),
				Search: Search{Minutes: &minutes, Mode: string(mode)}}
			g, err := p.Gaps(context.Background(), snap, req, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := g.DemandTotal()
			if math.Abs(got-want*tc.perKm) > 1e-9*want*tc.perKm || g.Demand.Unit != tc.unit {
				t.Errorf("%s demand %s over Andorra = %v %s; the roads measure %v km (× %v)", mode, tc.demand, got, g.Demand.Unit, want, tc.perKm)
			}
			if k := len(g.Demand.Points); k != g.Demand.RoadPoints || k > MaxRoadDemandPoints || k == 0 {
				t.Errorf("%s: %d points, %d of road; want 1 to %d, all of road", mode, k, g.Demand.RoadPoints, MaxRoadDemandPoints)
			}
			if tc.perKm == 1 {
				t.Logf("%s: %.3f km of road in Andorra in %d points (%.3f km measured from the ways)", mode, got, len(g.Demand.Points), want)
			}
		}

		// A box around Andorra la Vella, on a fine grid.
		box := orb.Bound{Min: orb.Point{1.49, 42.47}, Max: orb.Point{1.57, 42.53}}
		cell = 100
		req := &GapsRequest{Area: []byte(boxJSON(box)), CellM: &cell, Demand: []byte(`"roads"`),
			Search: Search{Minutes: &minutes, Mode: string(mode)}}
		g, err := p.Gaps(context.Background(), snap, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := g.DemandTotal()
		// The box holds fewer than MaxRoadDemandPoints pieces: each point is
		// one piece, and one that crosses the edge is counted whole or not
		// at all, to within a piece of RoadDemandSpacingM each crossing.
		want, crossings := clippedKm(ways, box)
		piece := float64(RoadDemandSpacingM) / 1000
		// A cell and a half either side of the edge, in degrees: the grid's view of it.
		dLat := 1.5 * cell / 111_000
		dLon := dLat / math.Cos(42.5*math.Pi/180)
		outer, _ := clippedKm(ways, orb.Bound{Min: orb.Point{box.Min[0] - dLon, box.Min[1] - dLat}, Max: orb.Point{box.Max[0] + dLon, box.Max[1] + dLat}})
		inner, _ := clippedKm(ways, orb.Bound{Min: orb.Point{box.Min[0] + dLon, box.Min[1] + dLat}, Max: orb.Point{box.Max[0] - dLon, box.Max[1] - dLat}})
		tol := float64(crossings)*piece + (outer - inner)
		if math.Abs(got-want) > tol {
			t.Errorf("%s demand of roads in %v = %v km; the roads measure %v km (tolerance %v)", mode, box, got, want, tol)
		}
		t.Logf("%s: box %.3f km of road, demand %.3f km in %d points (|Δ| %.3f, bound %.3f: %d crossings)", mode, want, got, len(g.Demand.Points), math.Abs(got-want), tol, crossings)
	}

	// Without a network, "roads" is refused, and the default has no roads.
	if _, err := (&Planner{}).Gaps(context.Background(), snap, &GapsRequest{Area: []byte(boxJSON(n.Bound())), Demand: []byte(`"roads"`)}, nil); err == nil {
		t.Errorf(`"demand": "roads" without a network: no refusal`)
	}
	g, err := (&Planner{}).Gaps(context.Background(), snap, &GapsRequest{Area: []byte(boxJSON(n.Bound()))}, nil)
	if err != nil || g.Demand.From != DemandNone {
		t.Errorf("default demand without a network or layers: %v, %+v; want none", err, g)
	}
}

// junctionsOf is the oracle of junctions: the positions of the OSM nodes
// where three or more stretches of the ways meet (a way's inner node
// counts two, its ends one), from the ways as read.
func junctionsOf(ways []roads.Way) map[orb.Point]int {
	deg := map[int64]int{}
	pos := map[int64]orb.Point{}
	for _, w := range ways {
		for j, id := range w.Nodes {
			if j > 0 && id == w.Nodes[j-1] {
				continue
			}
			pos[id] = w.Geometry[j]
			if j == 0 || j == len(w.Nodes)-1 {
				deg[id]++
			} else {
				deg[id] += 2
			}
		}
	}
	out := map[orb.Point]int{}
	for id, d := range deg {
		if d >= 3 {
			out[pos[id]] = d
		}
	}
	return out
}

// TestJunctionCandidates checks that a suggestion on a network tries the
// road junctions, before the grid: each a junction of the roads the mode
// can use (by the ways as read), at most MaxJunctionCandidates of them,
// thinned where there are more; and that the sites' cards say so.
func TestJunctionCandidates(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(3, 4))
	snap := catalog.NewSnapshot(andorraStations(t, rng, 5), 1)
	p := &Planner{Roads: n}
	oracle := junctionsOf(usableWays(t, roads.DefaultProfile(roads.Drive)))
	area := n.Bound()
	minutes, cell, nSites := 5.0, 300.0, 5
	req := &SuggestRequest{GapsRequest: GapsRequest{Area: []byte(boxJSON(area)), CellM: &cell,
		Search: Search{Minutes: &minutes, Mode: "drive"}}, N: &nSites}
	res, err := p.Suggest(context.Background(), snap, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{CandidatesPlaces, CandidatesDemand, CandidatesJunctions, CandidatesGrid}; !slices.Equal(res.From, want) {
		t.Errorf("candidates from %v; want %v", res.From, want)
	}
	junctions := 0
	for _, cd := range res.Candidates {
		if cd.Source != CandidatesJunctions {
			continue
		}
		junctions++
		if _, ok := oracle[cd.Point]; !ok {
			t.Errorf("candidate %s at %v is no junction of three or more drivable stretches", cd.ID, cd.Point)
		}
	}
	inBox := 0
	for pt := range oracle {
		if area.Contains(pt) {
			inBox++
		}
	}
	if junctions == 0 || junctions > MaxJunctionCandidates || (inBox > MaxJunctionCandidates && junctions < MaxJunctionCandidates/4) {
		t.Errorf("%d junction candidates of %d junctions; want from %d to %d", junctions, inBox, MaxJunctionCandidates/4, MaxJunctionCandidates)
	}
	fromJunction := 0
	for _, s := range res.Sites {
		if s.Candidate >= 0 && res.Candidates[s.Candidate].Source == CandidatesJunctions {
			fromJunction++
		}
	}
	t.Logf("%d drivable junctions in Andorra, %d candidates; %d of %d sites at junctions; demand %v of %v %s after",
		inBox, junctions, fromJunction, len(res.Sites), res.DemandAfter, res.DemandTotal(), res.Demand.Unit)

	// A small area keeps every junction.
	small := orb.Bound{Min: orb.Point{1.52, 42.50}, Max: orb.Point{1.54, 42.515}}
	want := 0
	for pt := range oracle {
		if small.Contains(pt) {
			want++
		}
	}
	c := &coverage{area: orb.MultiPolygon{small.ToPolygon()}, reach: geo.Reach{Mode: "drive"}}
	if got := len(p.junctionCandidates(context.Background(), c)); got != want || want == 0 {
		t.Errorf("junctions in %v = %d; the ways have %d", small, got, want)
	}
}

// TestGreedyOnJunctions holds the greedy suggestion among road junctions,
// for road-length demand, to an exhaustive search of every set of sites
// on small instances: it covers at least 1 − 1/e of the optimum (the
// greedy's guarantee), and its gains are what the brute force counts.
func TestGreedyOnJunctions(t *testing.T) {
	n := andorra(t)
	p := &Planner{Roads: n}
	rng := rand.New(rand.NewPCG(21, 22))
	prof := roads.DefaultProfile(roads.Drive)
	optimal, worst, runs := 0, 1.0, 0
	for run := range 12 {
		// A box of about 3 km around a random junction of the network.
		c0 := orb.Point{1.45 + rng.Float64()*0.3, 42.45 + rng.Float64()*0.15}
		box := orb.Bound{Min: orb.Point{c0[0] - 0.02, c0[1] - 0.015}, Max: orb.Point{c0[0] + 0.02, c0[1] + 0.015}}
		c := &coverage{area: orb.MultiPolygon{box.ToPolygon()}, reach: geo.Reach{Mode: "drive"}}
		cands := p.junctionCandidates(context.Background(), c)
		demand, err := roadDemand(context.Background(), n, box, &prof, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) < 4 || len(demand) == 0 {
			continue
		}
		cands = cands[:min(len(cands), 12)]
		pts := make([]orb.Point, len(cands))
		for i, cd := range cands {
			pts[i] = cd.Point
		}
		radius := 400 + rng.Float64()*800
		k := 3
		g, err := geo.NewGrid(context.Background(), c.area, 200)
		if err != nil {
			t.Fatal(err)
		}
		sites, err := g.SuggestPlan(context.Background(), geo.Plan{N: k, Radius: radius, Candidates: pts, Demand: demand})
		if err != nil {
			t.Fatal(err)
		}
		// Brute force: the demand a set of sites covers.
		covers := func(set []orb.Point) float64 {
			s := 0.0
			for _, d := range demand {
				for _, q := range set {
					if geo.Distance(q, d.Point) <= radius {
						s += d.Weight
						break
					}
				}
			}
			return s
		}
		var chosen []orb.Point
		prev := 0.0
		for i, s := range sites {
			chosen = append(chosen, s.Point)
			now := covers(chosen)
			if math.Abs(now-prev-s.DemandGain) > 1e-9 {
				t.Errorf("run %d site %d: demand gain %v; brute force %v", run, i, s.DemandGain, now-prev)
			}
			prev = now
		}
		best := 0.0
		var rec func(start int, set []orb.Point)
		rec = func(start int, set []orb.Point) {
			if len(set) == k || start == len(pts) {
				best = math.Max(best, covers(set))
				if len(set) == k {
					return
				}
			}
			for i := start; i < len(pts); i++ {
				rec(i+1, append(set, pts[i]))
			}
		}
		rec(0, nil)
		runs++
		ratio := 1.0
		if best > 0 {
			ratio = prev / best
		}
		if ratio < 1-1/math.E {
			t.Errorf("run %d: the greedy covers %v km of %v km at best (%.3f)", run, prev, best, ratio)
		}
		if ratio >= 1-1e-12 {
			optimal++
		}
		worst = math.Min(worst, ratio)
	}
	if runs < 5 {
		t.Fatalf("only %d instances had junctions and roads", runs)
	}
	t.Logf("greedy on junctions: optimal in %d of %d instances, worst %.3f of the optimum", optimal, runs, worst)
}

// TestPickByTime holds the picks of a suggestion by time among its
// shortlist to a plain greedy over route times: a route from each
// shortlisted site to each demand point not yet covered, independent of
// the searches. Each pick reaches at least as much new demand as any
// other site left (points within a second of the bound count either way).
func TestPickByTime(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(31, 32))
	snap := catalog.NewSnapshot(andorraStations(t, rng, 6), 1)
	p := &Planner{Roads: n}
	var fc strings.Builder
	fc.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 80 {
		if i > 0 {
			fc.WriteString(",")
		}
		fmt.Fprintf(&fc, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"weight":%d}}`,
			1.42+rng.Float64()*0.35, 42.44+rng.Float64()*0.2, 1+rng.IntN(50))
	}
	fc.WriteString("]}")
	minutes, cell, k := 6.0, 500.0, 3
	req := &SuggestRequest{GapsRequest: GapsRequest{Area: []byte(boxJSON(orb.Bound{Min: orb.Point{1.41, 42.43}, Max: orb.Point{1.78, 42.65}})),
		CellM: &cell, Demand: []byte(fc.String()), Search: Search{Minutes: &minutes, Mode: "drive", By: "time"}}, N: &k}
	ctx := context.Background()
	c, err := p.check(ctx, &req.GapsRequest, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, auto, err := p.grid(ctx, &c)
	if err != nil {
		t.Fatal(err)
	}
	a, cov, err := p.analyse(ctx, snap, &c, g, auto)
	if err != nil {
		t.Fatal(err)
	}
	demand := cov.Demand.Points
	var cpts []orb.Point // the candidates as Suggest draws them
	for _, cd := range p.autoCandidates(ctx, &c) {
		if g.Inside(cd.Point) {
			cpts = append(cpts, cd.Point)
		}
	}
	short, err := a.planned.Clone().SuggestPlan(ctx, geo.Plan{N: shortlistN(k), Radius: c.reach.Radius(), Candidates: cpts, GridCandidates: true,
		Demand: demand, Covered: slices.Clone(a.coveredPlanned), Fixed: append(slices.Clone(a.todayPts), a.plannedPts...)})
	if err != nil {
		t.Fatal(err)
	}
	picks, err := p.pickByTime(ctx, &c, short, k, demand, a.coveredPlanned)
	if err != nil {
		t.Fatal(err)
	}
	if len(short) < k+2 || len(picks) != k {
		t.Fatalf("%d shortlisted, %d picked; want more than %d and %d", len(short), len(picks), k+1, k)
	}
	prof := capped(roads.DefaultProfile(roads.Drive))
	seconds := minutes * 60
	times := make([][]float64, len(short))
	for i, s := range short {
		times[i] = routeTimes(t, n, []orb.Point{s.Point}, demand, &prof)
	}
	done := slices.Clone(a.coveredPlanned)
	used := make([]bool, len(short))
	for step, pk := range picks {
		gain := func(i int, slack float64) float64 {
			s := 0.0
			for j, d := range demand {
				if !done[j] && times[i][j] <= seconds+slack {
					s += d.Weight
				}
			}
			return s
		}
		at := slices.IndexFunc(short, func(s geo.Site) bool { return s.Point == pk.Point })
		if at < 0 || used[at] {
			t.Fatalf("pick %d at %v is not a shortlisted site left", step, pk.Point)
		}
		mine := gain(at, 1)
		for i := range short {
			if !used[i] && i != at && gain(i, -1) > mine+1e-9 {
				t.Errorf("pick %d reaches %v new demand; shortlisted site %d reaches %v", step, mine, i, gain(i, -1))
			}
		}
		used[at] = true
		for j := range demand {
			if times[at][j] <= seconds {
				done[j] = true
			}
		}
	}

	// The suggestion itself proposes those picks, measured on the roads.
	res, err := p.Suggest(ctx, snap, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Sites {
		if s.Point != picks[i].Point {
			t.Errorf("site %d at %v; the pick was %v", i, s.Point, picks[i].Point)
		}
	}
}
