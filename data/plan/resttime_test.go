package plan

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/roads"
)

// TestRestPlanByRoadTimes: a route of a slow stretch then a motorway
// (10 km of residential street at 25 km/h, 24 minutes, then 100 km of
// motorway at 100 km/h, 60 minutes) with a record every 2.5 km. In 45
// minutes a driver gets 35 km onto the motorway, 45 km from the start;
// the route's average speed (110 km in 84 minutes, 78.6 km/h) would put
// the first rest near 59 km, which takes 52 minutes. The plan by the
// roads' own times stops within 45 minutes, and at a different record
// from the average-speed plan.
func TestRestPlanByRoadTimes(t *testing.T) {
	const lat = 45.0
	step := 1000 / (geo.EarthRadius * math.Pi / 180 * math.Cos(lat*math.Pi/180)) // degrees of longitude in 1 km
	at := func(km float64) orb.Point { return orb.Point{10 + km*step, lat} }
	way := func(id int64, class string, fromKm, toKm int) roads.Way {
		w := roads.Way{ID: id, Class: class}
		for k := fromKm; k <= toKm; k++ {
			w.Nodes = append(w.Nodes, int64(k+1))
			w.Geometry = append(w.Geometry, at(float64(k)))
		}
		return w
	}
	n, err := roads.Build([]roads.Way{way(1, "residential", 0, 10), way(2, "motorway", 10, 110)})
	if err != nil {
		t.Fatal(err)
	}
	// The true drive minutes to km x along the route.
	minutesAt := func(x float64) float64 {
		if x <= 10 {
			return x / 25 * 60
		}
		return 24 + (x-10)/100*60
	}
	var sts []*data.Station
	for i := 1; i*25 < 1100; i++ {
		p := at(float64(i) * 2.5)
		p[1] += 0.00045 // 50 m north of the road
		sts = append(sts, &data.Station{ID: fmt.Sprintf("r%03d", i), Location: p, Kind: data.KindRestStop,
			Names: data.Names{ZH: fmt.Sprintf("r%03d", i)}, Status: data.StatusOpen, Source: "test"})
	}
	snap := catalog.NewSnapshot(sts, 1)
	p := &Planner{Roads: n}
	drive := 45.0
	from, to := at(0), at(110)
	req := &RouteRequest{RoadTrip: RoadTrip{From: []float64{from[0], from[1]}, To: []float64{to[0], to[1]}, Mode: "drive"},
		MaxDriveMinutes: &drive, CorridorM: f(200)}
	a, err := p.Route(context.Background(), snap, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Trip == nil || a.Trip.Method != MethodNetwork || math.Abs(a.Trip.DurationS-84*60) > 1 {
		t.Fatalf("trip %+v; want 84 minutes on the network", a.Trip)
	}
	rp := a.Rest
	if !strings.HasPrefix(rp.Method, "by driving time on the road network: the time to each point along the route is the roads' own") {
		t.Errorf("method %q", rp.Method)
	}
	if !rp.Feasible || len(rp.Stops) == 0 {
		t.Fatalf("plan %+v; want a feasible one with stops", rp)
	}
	prev := 0.0
	for _, s := range rp.Stops {
		real := minutesAt(s.AlongM/1000) - minutesAt(prev/1000)
		if real > drive+0.01 || math.Abs(real-s.DriveMinutes) > 0.06 {
			t.Errorf("stop %s at %.1f km: %.2f min of real driving after the last, the plan says %.1f (limit %v)", s.ID, s.AlongM/1000, real, s.DriveMinutes, drive)
		}
		prev = s.AlongM
	}
	t.Logf("by time: %+v; %s", rp.Stops, rp.Detail)
	first := rp.Stops[0].AlongM / 1000
	if first < 42.4 || first > 45.1 {
		t.Errorf("first stop at %.1f km; want the last record within 45 minutes, at 42.5 or 45 km", first)
	}
	// The average-speed plan of the same hits stops later, and too late.
	keep := a.SpeedKmh
	a.SpeedKmh = geo.Round1(a.Route.Length() / a.Trip.DurationS * 3.6)
	avg := a.restPlan(drive)
	a.SpeedKmh = keep
	if len(avg.Stops) == 0 || avg.Stops[0].ID == rp.Stops[0].ID {
		t.Fatalf("the average-speed plan's first stop %+v is the by-time one's", avg.Stops)
	}
	if m := minutesAt(avg.Stops[0].AlongM / 1000); m <= drive {
		t.Errorf("the average-speed first stop at %.1f km takes %.1f min; the test wants one that overruns", avg.Stops[0].AlongM/1000, m)
	}
	// Without the roads' times (a trip of some other origin), the plan
	// falls back to the average speed and says so.
	a.Trip.TimesS = nil
	if fb := a.restPlanByTime(drive); !strings.Contains(fb.Method, "average speed") || fb.Stops[0].ID != avg.Stops[0].ID {
		t.Errorf("fallback plan %q, first stop %+v; want the average-speed one", fb.Method, fb.Stops)
	}
}
