package geo_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

func ExampleArea() {
	cell := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}
	fmt.Printf("%.1f km²\n", geo.Area(cell)/1e6)
	// Output: 12363.7 km²
}

func ExampleCoverage() {
	// A 0.2° square around Hohhot, one station in the middle, 5 km reach.
	area := orb.MultiPolygon{{{{111.6, 40.7}, {111.8, 40.7}, {111.8, 40.9}, {111.6, 40.9}, {111.6, 40.7}}}}
	_, sum, gaps, err := geo.Coverage(area, []orb.Point{{111.7, 40.8}}, 5000, 250)
	if err != nil {
		panic(err)
	}
	fmt.Printf("area %.0f km², covered %.0f%%, %d gap with %d hole\n", sum.AreaM2/1e6, sum.CoveredPct, len(gaps), len(gaps[0].Polygon)-1)
	// Output: area 374 km², covered 21%, 1 gap with 1 hole
}

func ExampleRoute_Locate() {
	r, _ := geo.NewRoute(orb.LineString{{111.65, 40.81}, {111.98, 43.65}})
	pos, ok := r.Locate(orb.Point{111.80, 42.0}, 5000)
	fmt.Printf("%v: along %.1f km, %.0f m to the %s\n", ok, pos.AlongM/1000, pos.OffsetM, pos.Side)
	// Output: true: along 132.9 km, 1263 m to the right
}

func ExamplePlanRest() {
	stops := []geo.RestCandidate{{AlongM: 120e3}, {AlongM: 532e3}}
	plan := geo.PlanRest(600e3, stops, 200e3) // 240 min at 50 km/h
	for _, p := range plan.Problems {
		fmt.Printf("no stop between %.0f km and %.0f km\n", p.FromM/1000, p.ToM/1000)
	}
	// Output: no stop between 120 km and 532 km
}

func ExampleGrid_SuggestPlan() {
	// A 1° square with one station; three towns, the heaviest beside the
	// station. Two sites go where the uncovered people are.
	area := orb.MultiPolygon{{{{111, 41}, {112, 41}, {112, 42}, {111, 42}, {111, 41}}}}
	station := []orb.Point{{111.2, 41.2}}
	const radius = 10000.0
	g, err := geo.NewGrid(context.Background(), area, 1000)
	if err != nil {
		panic(err)
	}
	if err := g.Cover(context.Background(), station, radius); err != nil {
		panic(err)
	}
	demand := []geo.DemandPoint{{Point: orb.Point{111.21, 41.21}, Weight: 5000}, {Point: orb.Point{111.8, 41.8}, Weight: 1200}, {Point: orb.Point{111.3, 41.7}, Weight: 800}}
	covered := make([]bool, len(demand))
	if err := geo.CoverDemand(context.Background(), demand, covered, station, radius); err != nil {
		panic(err)
	}
	candidates := []orb.Point{{111.79, 41.79}, {111.31, 41.71}, {111.5, 41.5}}
	sites, err := g.SuggestPlan(context.Background(), geo.Plan{N: 2, Radius: radius, Candidates: candidates,
		Demand: demand, Covered: covered, Fixed: station})
	if err != nil {
		panic(err)
	}
	for _, s := range sites {
		fmt.Printf("candidate %d covers %.0f more people\n", s.Candidate, s.DemandGain)
	}
	// Output:
	// candidate 0 covers 1200 more people
	// candidate 1 covers 800 more people
}
