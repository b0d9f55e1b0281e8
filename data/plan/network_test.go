package plan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/source"
	"yizhan/geo"
	"yizhan/roads"
)

// andorraPBF is the OSM extract the network tests read (data/osm).
const andorraPBF = "../osm/andorra-2022-09-20.osm.pbf"

// Places in Andorra: the capital and the two road border crossings.
var (
	andorraLaVella = orb.Point{1.5218, 42.5063}
	borderSpain    = orb.Point{1.4732375, 42.4356516}
	borderFrance   = orb.Point{1.7350636, 42.5437725}
)

var andorraOnce = sync.OnceValues(func() (*roads.Network, error) {
	f, err := os.Open(andorraPBF)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ways, err := source.ReadRoads(context.Background(), f)
	if err != nil {
		return nil, err
	}
	return roads.Build(ways)
})

// andorra is the road network of Andorra, built once per test binary.
func andorra(t testing.TB) *roads.Network {
	t.Helper()
	n, err := andorraOnce()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// andorraStations are n records at random places in Andorra's box, of
// random kinds: some far from any road, so that not every one is reachable.
func andorraStations(t testing.TB, rng *rand.Rand, n int) []*data.Station {
	kinds := []data.Kind{data.KindRestStop, data.KindDriverHome, data.KindUnionStation}
	out := make([]*data.Station, n)
	for i := range out {
		p := orb.Point{1.41 + rng.Float64()*0.37, 42.43 + rng.Float64()*0.22}
		out[i] = &data.Station{ID: fmt.Sprintf("s%03d", i), Location: p, Kind: kinds[rng.IntN(len(kinds))],
			Names: data.Names{ZH: fmt.Sprintf("s%03d", i)}, Status: data.StatusOpen, Source: "test"}
	}
	return out
}

// TestByTimeMatchesRoutes checks nearest and within by travel time against
// brute force: a route from the query point to every record passing the
// filter, ordered by its duration.
func TestByTimeMatchesRoutes(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(11, 12))
	sts := andorraStations(t, rng, 60)
	snap := catalog.NewSnapshot(sts, 1)
	p := &Planner{Roads: n}
	cached := &Planner{Roads: n, Snaps: NewSnapCache()}
	ctx := context.Background()
	compared := 0
	for i := 0; i < 12; i++ {
		from := orb.Point{1.45 + rng.Float64()*0.28, 42.45 + rng.Float64()*0.15}
		mode := []string{"drive", "walk", "truck"}[i%3]
		f := data.Filter{}
		if i%2 == 1 {
			f.Kinds = []data.Kind{data.KindDriverHome}
		}
		tr, err := (&Travel{Mode: mode}).parse(DefaultMode)
		if err != nil {
			t.Fatal(err)
		}
		type want struct {
			id string
			s  float64
		}
		var all []want
		for _, st := range sts {
			if !f.Accepts(st) {
				continue
			}
			prof := capped(tr.profile) // as searches by time travel
			r, err := n.Route(ctx, []orb.Point{from, st.Location}, &prof)
			if err != nil {
				if errors.Is(err, roads.ErrNoRoad) || errors.Is(err, roads.ErrNoRoute) {
					continue
				}
				t.Fatal(err)
			}
			all = append(all, want{st.ID, r.DurationS})
		}
		slices.SortFunc(all, func(a, b want) int { return cmp.Or(cmp.Compare(a.s, b.s), strings.Compare(a.id, b.id)) })

		k := 5
		minutes := 600.0
		got, err := p.ByTime(ctx, snap, &TimedRequest{From: from, K: k, Filter: f, Travel: Travel{Mode: mode}, Minutes: &minutes})
		if err != nil {
			if errors.Is(err, roads.ErrNoRoad) {
				continue // the query point itself is off the roads
			}
			t.Fatalf("ByTime(%v, %s): %v", from, mode, err)
		}
		if got.Method != MethodNetwork {
			t.Fatalf("method %s", got.Method)
		}
		if len(got.Results) != min(k, len(all)) {
			t.Fatalf("ByTime(%v, %s, %v) found %d; brute force reaches %d", from, mode, f.Kinds, len(got.Results), len(all))
		}
		compared += len(got.Results)
		// With the snap cache, twice: the same answer.
		for range 2 {
			again, err := cached.ByTime(ctx, snap, &TimedRequest{From: from, K: k, Filter: f, Travel: Travel{Mode: mode}, Minutes: &minutes})
			if err != nil || len(again.Results) != len(got.Results) {
				t.Fatalf("ByTime with the snap cache = %v, %d results; without %d", err, len(again.Results), len(got.Results))
			}
			for j := range again.Results {
				if again.Results[j].Station.ID != got.Results[j].Station.ID || again.Results[j].DurationS != got.Results[j].DurationS {
					t.Errorf("ByTime with the snap cache #%d = %s %v; without %s %v", j, again.Results[j].Station.ID, again.Results[j].DurationS, got.Results[j].Station.ID, got.Results[j].DurationS)
				}
			}
		}
		for j, r := range got.Results {
			if math.Abs(r.DurationS-all[j].s) > 1e-6*all[j].s+1e-9 {
				t.Errorf("ByTime(%v, %s) #%d = %s at %.3f s; brute force %s at %.3f s", from, mode, j, r.Station.ID, r.DurationS, all[j].id, all[j].s)
			}
		}

		// within: every record reachable within the median time of the lot.
		if len(all) == 0 {
			continue
		}
		lim := all[len(all)/2].s / 60
		w, err := p.ByTime(ctx, snap, &TimedRequest{From: from, Filter: f, Travel: Travel{Mode: mode}, Minutes: &lim})
		if err != nil {
			t.Fatal(err)
		}
		wantN := 0
		for _, a := range all {
			if a.s <= lim*60*(1+1e-9) {
				wantN++
			}
		}
		if d := len(w.Results) - wantN; d < -1 || d > 1 { // the one on the bound aside
			t.Errorf("within %.2f min of %v by %s: %d records; brute force %d", lim, from, mode, len(w.Results), wantN)
		}
	}
	if compared < 30 {
		t.Errorf("compared %d results with brute force; want at least 30", compared)
	}
}

// TestTripAndReachOnRoads checks that the planner's routes and reach areas
// are the engine's, with the method said.
func TestTripAndReachOnRoads(t *testing.T) {
	n := andorra(t)
	p := &Planner{Roads: n}
	ctx := context.Background()
	trip, err := p.Trip(ctx, &TripRequest{From: borderSpain, To: borderFrance})
	if err != nil {
		t.Fatal(err)
	}
	prof := roads.DefaultProfile(roads.Drive)
	r, err := n.Route(ctx, []orb.Point{borderSpain, borderFrance}, &prof)
	if err != nil {
		t.Fatal(err)
	}
	if trip.Method != MethodNetwork || trip.Mode != "drive" || trip.DurationS != r.DurationS || trip.DistanceM != r.DistanceM {
		t.Errorf("Trip = %s %s %.1f s %.1f m; the engine %.1f s %.1f m", trip.Method, trip.Mode, trip.DurationS, trip.DistanceM, r.DurationS, r.DistanceM)
	}
	minutes := 15.0
	re, err := p.Reach(ctx, &ReachRequest{From: andorraLaVella, Minutes: &minutes, Travel: Travel{Mode: "drive"}})
	if err != nil {
		t.Fatal(err)
	}
	if re.Method != MethodNetwork || re.AreaKm2 <= 0 || re.RoadLengthM <= 0 || len(re.Area) == 0 || re.Roads != nil {
		t.Errorf("Reach = %s %.1f km² %.0f m, %d roads; want the network's area without roads", re.Method, re.AreaKm2, re.RoadLengthM, len(re.Roads))
	}
	// Without a network: the straight-line circle.
	sl, err := (&Planner{}).Reach(ctx, &ReachRequest{From: andorraLaVella, Minutes: &minutes, Travel: Travel{Mode: "drive"}})
	if err != nil || sl.Method != MethodStraightLine || geo.Round1(sl.Circle.Radius()) != 7692.3 {
		t.Errorf("Reach without roads = %+v, %v; want the 7692.3 m circle", sl, err)
	}
	// A point far from any road is refused, naming the distance.
	_, err = p.Trip(ctx, &TripRequest{From: orb.Point{1.6, 42.0}, To: borderFrance})
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != "from" || !errors.Is(err, roads.ErrNoRoad) {
		t.Errorf("Trip from off the roads = %v; want a refusal of from wrapping ErrNoRoad", err)
	}
}

// TestRouteFromToOnRoads checks route/stations with from and to on the
// roads: the route is the engine's line, stations are measured along it,
// and the rest plan is by driving time.
func TestRouteFromToOnRoads(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(3, 4))
	snap := catalog.NewSnapshot(andorraStations(t, rng, 80), 1)
	p := &Planner{Roads: n}
	drive := 10.0
	req := &RouteRequest{RoadTrip: RoadTrip{From: []float64{borderSpain[0], borderSpain[1]}, To: []float64{borderFrance[0], borderFrance[1]}},
		MaxDriveMinutes: &drive, CorridorM: f(1000)}
	a, err := p.Route(context.Background(), snap, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Trip == nil || a.Trip.Method != MethodNetwork {
		t.Fatalf("trip %+v; want one on the network", a.Trip)
	}
	if got, want := a.Route.Length(), a.Trip.DistanceM; math.Abs(got-want) > 1e-6*want {
		t.Errorf("route length %.1f m; the trip's %.1f m", got, want)
	}
	if !strings.HasPrefix(a.Rest.Method, "by driving time") {
		t.Errorf("rest plan method %q; want by driving time", a.Rest.Method)
	}
	// 10-minute legs over a 25–60 minute trip: several stops, none
	// after more than 10 minutes.
	for _, s := range a.Rest.Stops {
		if s.DriveMinutes > drive+0.05 {
			t.Errorf("stop %s after %.1f min; the limit is %v", s.ID, s.DriveMinutes, drive)
		}
	}
	if a.Rest.Feasible && len(a.Rest.Stops) < 2 {
		t.Errorf("a %.0f-minute trip in 10-minute legs has %d stops", a.Trip.DurationS/60, len(a.Rest.Stops))
	}
}

// TestGapsByTime checks coverage by travel time on the Andorra network
// against an oracle built from the search's reached roads: every cell a
// reached road passes through, or whose centre lies within the walk-off
// distance of one (less one rounding step), must be covered; no cell
// farther than the walk-off distance (plus a sampling step) may be.
func TestGapsByTime(t *testing.T) {
	n := andorra(t)
	rng := rand.New(rand.NewPCG(8, 9))
	sts := andorraStations(t, rng, 12)
	snap := catalog.NewSnapshot(sts, 1)
	p := &Planner{Roads: n}
	area := `{"type":"Polygon","coordinates":[[[1.41,42.43],[1.78,42.43],[1.78,42.65],[1.41,42.65],[1.41,42.43]]]}`
	// 5 minutes on 500 m cells: every road cell sampled; 6 minutes on
	// 250 m cells: road cells deep inside the walk-off are left to it.
	var req *GapsRequest
	for _, tc := range []struct{ minutes, cell float64 }{{5, 500}, {6, 250}} {
		minutes, cell := tc.minutes, tc.cell
		req = &GapsRequest{Area: []byte(area), CellM: &cell, Search: Search{Minutes: &minutes, Mode: "drive", By: "time"}}
		g, err := p.Gaps(context.Background(), snap, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if g.Method != MethodNetwork || g.By != "time" {
			t.Fatalf("method %s by %s; want network by time", g.Method, g.By)
		}
		covered := g.Summary.CellsInside - g.Summary.CellsOpen

		// The oracle, from the same search sampled every 10 m.
		prof := roads.DefaultProfile(roads.Drive)
		prof.MaxKmh = MaxRoadKmh
		pts := make([]orb.Point, len(sts))
		for i, st := range sts {
			pts[i] = st.Location
		}
		tree, err := n.Search(context.Background(), pts, minutes*60, &prof)
		if err != nil {
			t.Fatal(err)
		}
		type sample struct {
			p orb.Point
			w float64 // walk-off meters
		}
		var samples []sample
		tree.Reached(func(part orb.LineString, fromS, toS float64) bool {
			total := 0.0
			for i := 1; i < len(part); i++ {
				total += geo.Distance(part[i-1], part[i])
			}
			done := 0.0
			for i := 1; i < len(part); i++ {
				d := geo.Distance(part[i-1], part[i])
				k := max(1, int(d/10))
				for j := 0; j <= k; j++ {
					fr := float64(j) / float64(k)
					s := fromS
					if total > 0 {
						s = fromS + (toS-fromS)*(done+d*fr)/total
					}
					q := orb.Point{part[i-1][0] + (part[i][0]-part[i-1][0])*fr, part[i-1][1] + (part[i][1]-part[i-1][1])*fr}
					samples = append(samples, sample{q, (minutes*60 - s) * prof.OffRoadKmh / 3.6})
				}
				done += d
			}
			return true
		})
		gr := g.Grid
		strict, loose := 0, 0
		for r := 0; r < gr.Rows; r++ {
			for c := 0; c < gr.Cols; c++ {
				ctr := gr.Centre(r, c)
				if ctr[0] < 1.41 || ctr[0] > 1.78 || ctr[1] < 42.43 || ctr[1] > 42.65 {
					continue
				}
				in, near, far := false, false, false
				for _, s := range samples {
					if int(math.Floor((s.p[1]-gr.South)/gr.DLat)) == r && int(math.Floor((s.p[0]-gr.West)/gr.DLon)) == c {
						in = true
						break
					}
					if math.Abs(s.p[1]-ctr[1])*111_000 > s.w+cell {
						continue // too far north or south to matter
					}
					d := geo.Distance(s.p, ctr)
					near = near || d <= s.w-cell/2
					far = far || d <= s.w+cell/2
				}
				if in || near {
					strict++
				}
				if in || far {
					loose++
				}
			}
		}
		if covered < strict || covered > loose || strict == 0 {
			t.Errorf("covered %d cells; the oracle says from %d to %d", covered, strict, loose)
		}
		t.Logf("%v min drive from %d records, %v m cells: %d cells covered (oracle %d–%d) of %d", minutes, len(sts), cell, covered, strict, loose, g.Summary.CellsInside)
	}

	// Without a network the same body is the straight-line circle.
	sl, err := (&Planner{}).Gaps(context.Background(), snap, req, nil)
	if err != nil || sl.Method != MethodStraightLine || sl.By != "time" {
		t.Errorf("without roads: %v, method %v; want straight_line", err, sl)
	}
	for _, tc := range []struct {
		s     Search
		field string
	}{
		{Search{By: "speed"}, "by"},
		{Search{By: "time", RadiusM: f(300)}, "radius_m"},
		{Search{By: "time", Mode: "boat"}, "mode"},
	} {
		_, err := p.Gaps(context.Background(), snap, &GapsRequest{Area: []byte(area), Search: tc.s}, nil)
		var pe *Error
		if !errors.As(err, &pe) || pe.Field != tc.field {
			t.Errorf("Gaps(%+v) = %v; want a refusal of %s", tc.s, err, tc.field)
		}
	}
}

// TestSnapCacheConcurrent runs searches by time from many goroutines on
// one cache, across a change of network, for the race detector, and
// checks the cache's answers against snapping afresh.
func TestSnapCacheConcurrent(t *testing.T) {
	n := andorra(t)
	other, err := roads.Build(nil)
	if err != nil {
		t.Skipf("an empty network: %v", err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	sts := andorraStations(t, rng, 40)
	c := NewSnapCache()
	prof := capped(roads.DefaultProfile(roads.Drive))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			net := n
			if g == 3 {
				net = other
			}
			snapOf := c.snapper(net, &prof)
			for _, st := range sts {
				got, gok := snapOf(st.Location)
				want, err := net.Snap(st.Location, &prof)
				if gok != (err == nil) || gok && got != want {
					t.Errorf("cached snap of %s = %+v %v; afresh %+v %v", st.ID, got, gok, want, err)
				}
			}
		}()
	}
	wg.Wait()
}
