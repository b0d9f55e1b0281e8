package roads_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"yizhan/data/source"
	"yizhan/roads"
)

// The extracts every road test reads (data/osm, copied into the repo so a
// clean clone runs them).
const (
	andorraPBF       = "../data/osm/andorra-2022-09-20.osm.pbf"
	liechtensteinPBF = "../data/osm/liechtenstein-2013-08-03.osm.pbf"
)

// Places in Andorra the tests and benchmarks use.
var (
	andorraLaVella = orb.Point{1.5218, 42.5063}
	// The two road border crossings (OSM barrier=border_control nodes):
	// La Farga de Moles to Spain, Pas de la Casa to France.
	borderSpain  = orb.Point{1.4732375, 42.4356516}
	borderFrance = orb.Point{1.7350636, 42.5437725}
)

var (
	netOnce sync.Map // path → func() (*roads.Network, []roads.Way, error)
)

// network reads and builds an extract once per test binary.
func network(tb testing.TB, path string) (*roads.Network, []roads.Way) {
	tb.Helper()
	f, _ := netOnce.LoadOrStore(path, sync.OnceValues(func() (struct {
		n    *roads.Network
		ways []roads.Way
	}, error) {
		var r struct {
			n    *roads.Network
			ways []roads.Way
		}
		fh, err := os.Open(path)
		if err != nil {
			return r, err
		}
		defer fh.Close()
		if r.ways, err = source.ReadRoads(context.Background(), fh); err != nil {
			return r, err
		}
		r.n, err = roads.Build(r.ways)
		return r, err
	}))
	r, err := f.(func() (struct {
		n    *roads.Network
		ways []roads.Way
	}, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return r.n, r.ways
}

func TestAndorraRouteMatchesTree(t *testing.T) {
	n, _ := network(t, andorraPBF)
	p := roads.DefaultProfile(roads.Drive)
	rt, err := n.Route(context.Background(), []orb.Point{borderSpain, borderFrance}, &p)
	if err != nil {
		t.Fatal(err)
	}
	// Roughly 37 km of mountain road: between 25 and 60 minutes.
	if rt.DurationS < 1500 || rt.DurationS > 3600 || rt.DistanceM < 30000 || rt.DistanceM > 50000 {
		t.Fatalf("route border to border: %.0f s, %.0f m; want 25–60 min, 30–50 km", rt.DurationS, rt.DistanceM)
	}
	tr, err := n.Search(context.Background(), []orb.Point{borderSpain}, 7200, &p)
	if err != nil {
		t.Fatal(err)
	}
	s, m, ok := tr.TimeTo(borderFrance)
	if !ok || math.Abs(s-rt.DurationS) > 1e-6*s {
		t.Fatalf("tree time %v (ok %v), route %v", s, ok, rt.DurationS)
	}
	if d := m + rt.From.OffRoadM + rt.To.OffRoadM; math.Abs(d-rt.DistanceM) > 1e-6*d {
		t.Fatalf("tree road metres %v + off-road, route %v", d, rt.DistanceM)
	}
	t.Logf("border to border: %.0f s, %.0f m, %d positions", rt.DurationS, rt.DistanceM, len(rt.Line))
	// The French crossing's nearest road is the outbound carriageway, a
	// one-way stub leaving the extract; snapping prefers the main
	// component, so the way back is found too.
	back, err := n.Route(context.Background(), []orb.Point{borderFrance, borderSpain}, &p)
	if err != nil {
		t.Fatalf("route France → Spain: %v", err)
	}
	if back.DurationS < 1500 || back.DurationS > 3600 || back.From.OffRoadM > 50 {
		t.Fatalf("route France → Spain: %.0f s, %.0f m, %.0f m off-road", back.DurationS, back.DistanceM, back.From.OffRoadM)
	}
}

func TestAndorraReach(t *testing.T) {
	n, _ := network(t, andorraPBF)
	p := roads.DefaultProfile(roads.Drive)
	r, err := n.Reach(context.Background(), andorraLaVella, 900, &p)
	if err != nil {
		t.Fatal(err)
	}
	if r.AreaKm2 < 10 || r.AreaKm2 > 186 || len(r.Area) == 0 || r.RoadLengthM <= 0 {
		t.Fatalf("15 min drive from Andorra la Vella: %.1f km², %.0f m of road", r.AreaKm2, r.RoadLengthM)
	}
	t.Logf("15 min drive: %.1f km², %.0f m of road in %d parts, %d polygons", r.AreaKm2, r.RoadLengthM, len(r.Roads), len(r.Area))
	// Every reached road lies inside the area, and the area is no larger
	// than the reached roads buffered by 100 m could be (length × 200 m
	// plus the end caps), nor than the straight-line circle.
	for _, ls := range r.Roads {
		for _, pt := range ls {
			if !planar.MultiPolygonContains(r.Area, pt) {
				t.Fatalf("reached road position %v outside the reach area", pt)
			}
		}
	}
	if max := (r.RoadLengthM*2*roads.ReachBufferM + float64(len(r.Roads))*math.Pi*roads.ReachBufferM*roads.ReachBufferM) / 1e6; r.AreaKm2 > max {
		t.Fatalf("area %.1f km² exceeds the buffer's bound %.1f", r.AreaKm2, max)
	}
	// Points far from every reached road are outside it.
	far := orb.Point{1.75, 42.65} // north-east Andorra, beyond 15 minutes
	if planar.MultiPolygonContains(r.Area, far) {
		t.Errorf("%v is inside the 15-minute area", far)
	}
}

// testSeed is SEED from the environment or a fresh seed, logged.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	if s := os.Getenv("SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SEED=%q: %v", s, err)
		}
		return v
	}
	v := rand.Uint64()
	t.Logf("SEED=%d", v)
	return v
}

// TestConcurrentSearches runs routes, reaches and searches with several
// profiles from many goroutines on one network (run with -race): the
// scratch pool, the cost-table cache and the landmarks are shared.
func TestConcurrentSearches(t *testing.T) {
	n, _ := network(t, liechtensteinPBF)
	b := n.Bound()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			pt := func() orb.Point {
				return orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			}
			for i := range 20 {
				p := roads.DefaultProfile(roads.Modes()[(g+i)%4])
				p.MaxSnapM = 5000
				if i%5 == 0 {
					if _, err := n.Prepare(ctx, &p); err != nil {
						errs <- err
						return
					}
				}
				a, c := pt(), pt()
				r, err := n.Route(ctx, []orb.Point{a, c}, &p)
				if err != nil && !errors.Is(err, roads.ErrNoRoute) && !errors.Is(err, roads.ErrNoRoad) {
					errs <- err
					return
				}
				tr, err := n.Search(ctx, []orb.Point{a}, 3600, &p)
				if err != nil {
					if !errors.Is(err, roads.ErrNoRoad) {
						errs <- err
					}
					continue
				}
				if s, _, ok := tr.TimeTo(c); r != nil && r.DurationS <= 3600 && (!ok || math.Abs(s-r.DurationS) > 1e-6*s) {
					errs <- fmt.Errorf("%s: route %v s, tree %v (%v)", p.Mode, r.DurationS, s, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestExtractGraphBytes holds the graphs of both extracts to 48 bytes a
// directed edge, geometry apart.
func TestExtractGraphBytes(t *testing.T) {
	for _, path := range []string{andorraPBF, liechtensteinPBF} {
		n, _ := network(t, path)
		s := n.Stats()
		per := float64(s.GraphBytes) / float64(s.Edges)
		t.Logf("%s: %d junctions, %d directed edges, %.1f graph bytes per directed edge, geometry %d bytes", path, s.Nodes, s.Edges, per, s.GeometryBytes)
		if per > 48 {
			t.Errorf("%s: %.1f graph bytes per directed edge, more than 48", path, per)
		}
	}
}
