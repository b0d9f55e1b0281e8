package plan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/roads"
)

// routeTimes is, per point of demand, the least route time from any of
// from on n (the oracle of demand covered by time), +Inf where none
// reaches it: a route per pair, independent of the multi-source search.
func routeTimes(t *testing.T, n *roads.Network, from []orb.Point, demand []geo.DemandPoint, prof *roads.Profile) []float64 {
	t.Helper()
	out := make([]float64, len(demand))
	for i, d := range demand {
		out[i] = math.Inf(1)
		for _, s := range from {
			r, err := n.Route(context.Background(), []orb.Point{s, d.Point}, prof)
			if err != nil {
				if errors.Is(err, roads.ErrNoRoad) || errors.Is(err, roads.ErrNoRoute) {
					continue
				}
				t.Fatal(err)
			}
			out[i] = math.Min(out[i], r.DurationS)
		}
	}
	return out
}

// checkDemandByTime holds the demand a scenario covers to the oracle:
// the weight of the points whose least route time is within seconds.
// Points within a second of the bound are left out of the comparison
// (either answer is right there), as their weight is on both sides.
func checkDemandByTime(t *testing.T, name string, got float64, times []float64, demand []geo.DemandPoint, seconds float64) {
	t.Helper()
	lo, hi := 0.0, 0.0
	for i, d := range demand {
		switch {
		case times[i] <= seconds-1:
			lo += d.Weight
			hi += d.Weight
		case times[i] <= seconds+1:
			hi += d.Weight
		}
	}
	if got < lo-1e-6 || got > hi+1e-6 {
		t.Errorf("%s: demand covered by time %v; routes say from %v to %v", name, got, lo, hi)
	}
}

// TestPlanByTime runs the planning pipeline by travel time on the
// Andorra network: the scenarios today, with_planned and with_suggested
// are each covered on the roads, the demand each covers matches the
// route times from every record to every demand point, and the sites'
// gains (measured on the roads, each in the order chosen) add up to the
// with_suggested scenario.
func TestPlanByTime(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(11, 12))
	sts := andorraStations(t, rng, 10)
	for _, st := range sts[7:] {
		st.Status = data.StatusPlanned
	}
	var today, planned []orb.Point
	for _, st := range sts {
		if st.Status == data.StatusPlanned {
			planned = append(planned, st.Location)
		} else {
			today = append(today, st.Location)
		}
	}
	snap := catalog.NewSnapshot(sts, 1)
	p := &Planner{Roads: n}
	area := `{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`
	var demand []geo.DemandPoint
	var fc strings.Builder
	fc.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 60 {
		d := geo.DemandPoint{Point: orb.Point{1.42 + rng.Float64()*0.35, 42.44 + rng.Float64()*0.2}, Weight: float64(1 + rng.IntN(100))}
		demand = append(demand, d)
		if i > 0 {
			fc.WriteString(",")
		}
		fmt.Fprintf(&fc, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"weight":%v}}`, d.Point[0], d.Point[1], d.Weight)
	}
	fc.WriteString("]}")
	minutes, cell := 8.0, 500.0
	nSites := 3
	req := &SuggestRequest{GapsRequest: GapsRequest{Area: []byte(area), CellM: &cell, Demand: []byte(fc.String()),
		Search: Search{Minutes: &minutes, Mode: "drive", By: "time"}}, N: &nSites}
	res, err := p.Suggest(context.Background(), snap, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != MethodNetwork || res.By != "time" {
		t.Fatalf("method %s by %s; want network by time", res.Method, res.By)
	}
	if len(res.Scenarios) != 3 || len(res.Sites) == 0 {
		t.Fatalf("%d scenarios, %d sites; want 3 and some", len(res.Scenarios), len(res.Sites))
	}
	prof := capped(roads.DefaultProfile(roads.Drive))
	seconds := minutes * 60
	sites := make([]orb.Point, len(res.Sites))
	for i, s := range res.Sites {
		sites[i] = s.Point
	}
	tToday := routeTimes(t, n, today, demand, &prof)
	tPlanned := routeTimes(t, n, planned, demand, &prof)
	tSites := routeTimes(t, n, sites, demand, &prof)
	for i := range demand {
		tPlanned[i] = math.Min(tPlanned[i], tToday[i])
		tSites[i] = math.Min(tSites[i], tPlanned[i])
	}
	checkDemandByTime(t, ScenarioToday, res.Scenarios[0].DemandCovered, tToday, demand, seconds)
	checkDemandByTime(t, ScenarioWithPlanned, res.Scenarios[1].DemandCovered, tPlanned, demand, seconds)
	checkDemandByTime(t, ScenarioWithSuggested, res.Scenarios[2].DemandCovered, tSites, demand, seconds)
	if res.DemandAfter != res.Scenarios[2].DemandCovered {
		t.Errorf("demand after %v; the with_suggested scenario says %v", res.DemandAfter, res.Scenarios[2].DemandCovered)
	}

	// The gains, measured on the roads, add up to the scenario.
	gain, area2 := 0.0, 0.0
	for _, s := range res.Sites {
		gain += s.DemandGain
		area2 += s.NewlyCoveredM2
	}
	if d := res.Scenarios[2].DemandCovered - res.Scenarios[1].DemandCovered; math.Abs(d-gain) > 1e-6 {
		t.Errorf("sites' demand gains add to %v; the scenarios differ by %v", gain, d)
	}
	if d := res.Scenarios[2].Summary.CoveredM2 - res.Scenarios[1].Summary.CoveredM2; math.Abs(d-area2) > 1e-3*math.Max(1, d) {
		t.Errorf("sites' newly covered areas add to %v m²; the scenarios differ by %v m²", area2, d)
	}
	// Every scenario only adds to the one before it.
	for i := 1; i < len(res.Scenarios); i++ {
		a, b := res.Scenarios[i-1], res.Scenarios[i]
		if b.Summary.CoveredM2 < a.Summary.CoveredM2 || b.DemandCovered < a.DemandCovered {
			t.Errorf("scenario %s covers less than %s: %+v < %+v", b.Name, a.Name, b, a)
		}
	}

	// Without candidates given, the network's junctions are candidates,
	// each a junction of three or more drivable roads, none repeated.
	if !slices.Contains(res.From, CandidatesJunctions) {
		t.Errorf("candidates from %v; want junctions among them", res.From)
	}
	junctions := 0
	seen := map[orb.Point]bool{}
	for _, cd := range res.Candidates {
		if cd.Source != CandidatesJunctions {
			continue
		}
		junctions++
		if seen[cd.Point] {
			t.Errorf("junction %v repeated", cd.Point)
		}
		seen[cd.Point] = true
		if sn, err := n.Snap(cd.Point, &prof); err != nil || sn.OffRoadM > 1e-6 {
			t.Errorf("junction candidate %v is off the drivable roads: %+v %v", cd.Point, sn, err)
		}
	}
	if junctions == 0 || junctions > MaxJunctionCandidates {
		t.Errorf("%d junction candidates; want some, at most %d", junctions, MaxJunctionCandidates)
	}

	// Gaps by time give the same today and with_planned scenarios.
	g, err := p.Gaps(context.Background(), snap, &req.GapsRequest, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if g.Scenarios[i].DemandCovered != res.Scenarios[i].DemandCovered || g.Scenarios[i].Summary != res.Scenarios[i].Summary {
			t.Errorf("gaps' scenario %s = %+v; suggest's %+v", g.Scenarios[i].Name, g.Scenarios[i], res.Scenarios[i])
		}
	}
	t.Logf("demand covered by 8 min drive: today %v, with planned %v, with %d sites %v of %v",
		res.Scenarios[0].DemandCovered, res.Scenarios[1].DemandCovered, len(res.Sites), res.Scenarios[2].DemandCovered, res.DemandTotal())
}
