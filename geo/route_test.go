package geo

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func loadFC(tb testing.TB, path string) *geojson.FeatureCollection {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		tb.Fatal(err)
	}
	return &fc
}

// routeSample is one point of a densely sampled route with its distance along.
type routeSample struct {
	p     orb.Point
	along float64
}

// sampleRoute samples ls every step meters or less using Destination and
// Bearing (independent of Route's vector maths).
func sampleRoute(ls orb.LineString, step float64) []routeSample {
	var out []routeSample
	var cum float64
	for i := 0; i+1 < len(ls); i++ {
		a, b := ls[i], ls[i+1]
		d := gapsOracleDistance(a, b)
		n := int(math.Ceil(d / step))
		brg := Bearing(a, b)
		for k := 0; k < n; k++ {
			t := d * float64(k) / float64(n)
			out = append(out, routeSample{Destination(a, brg, t), cum + t})
		}
		cum += d
	}
	return append(out, routeSample{ls[len(ls)-1], cum})
}

// checkAgainstBruteForce compares Locate with the nearest dense sample.
func checkAgainstBruteForce(t *testing.T, r *Route, samples []routeSample, p orb.Point, corridor, step float64) {
	t.Helper()
	best := math.Inf(1)
	for _, s := range samples {
		best = math.Min(best, gapsOracleDistance(p, s.p))
	}
	pos, ok := r.Locate(p, corridor)
	// The dense samples lie on the route, so the true offset is at most best
	// and at least best minus half a step's sagitta-free slack.
	if best <= corridor-step && !ok {
		t.Fatalf("Locate(%v) found nothing; brute force finds the route %.1f m away", p, best)
	}
	if !ok {
		return
	}
	if pos.OffsetM > best+0.01 || pos.OffsetM < best-step/2-0.01 {
		t.Fatalf("Locate(%v).OffsetM = %.3f; brute force %.3f (step %v)", p, pos.OffsetM, best, step)
	}
	if d := gapsOracleDistance(p, r.PointAt(pos.AlongM)); math.Abs(d-pos.OffsetM) > 0.05 {
		t.Fatalf("Locate(%v): distance to PointAt(AlongM=%.1f) = %.3f; OffsetM %.3f", p, pos.AlongM, d, pos.OffsetM)
	}
	// Some sample nearly as close must lie near AlongM (ties between
	// branches of the route may go either way).
	for _, s := range samples {
		if gapsOracleDistance(p, s.p) <= best+step && math.Abs(s.along-pos.AlongM) <= step+0.05 {
			return
		}
	}
	t.Fatalf("Locate(%v).AlongM = %.2f; no sample within %.1f m of the brute-force nearest lies there", p, pos.AlongM, step)
}

func TestRouteLocateBruteForce(t *testing.T) {
	rng := coverageRand(t)
	for trial := 0; trial < 6; trial++ {
		start := orb.Point{-179 + rng.Float64()*358, -75 + rng.Float64()*150}
		if trial == 0 {
			start = orb.Point{179.8, 10} // crosses the antimeridian
		}
		ls := orb.LineString{start}
		brg := rng.Float64() * 360
		for i := 0; i < 15; i++ {
			brg += rng.NormFloat64() * 60
			ls = append(ls, Destination(ls[len(ls)-1], brg, 1000+rng.Float64()*20000))
		}
		r, err := NewRoute(ls)
		if err != nil {
			t.Fatal(err)
		}
		const step = 5.0
		samples := sampleRoute(ls, step)
		if got, want := r.Length(), samples[len(samples)-1].along; math.Abs(got-want) > 1e-6*want {
			t.Fatalf("Length = %v; sum of haversine segments %v", got, want)
		}
		for k := 0; k < 30; k++ {
			s := samples[rng.IntN(len(samples))]
			p := Destination(s.p, rng.Float64()*360, rng.Float64()*3000)
			checkAgainstBruteForce(t, r, samples, p, 2500, step)
		}
	}
}

func TestRouteSide(t *testing.T) {
	r, err := NewRoute(orb.LineString{{0, 0}, {1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p     orb.Point
		side  string
		along float64
	}{
		{orb.Point{0.5, 0.001}, SideLeft, 0.5 * degToRad * EarthRadius},
		{orb.Point{0.5, -0.001}, SideRight, 0.5 * degToRad * EarthRadius},
		{orb.Point{0.25, 0}, SideOn, 0.25 * degToRad * EarthRadius},
		{orb.Point{-0.001, 0}, SideOn, 0},
	}
	for _, tc := range tests {
		pos, ok := r.Locate(tc.p, 1000)
		if !ok || pos.Side != tc.side || math.Abs(pos.AlongM-tc.along) > 0.01 {
			t.Errorf("Locate(%v) = %+v, %v; want side %s along %.2f", tc.p, pos, ok, tc.side, tc.along)
		}
	}
}

func TestRouteAndorraCG1(t *testing.T) {
	fc := loadFC(t, "testdata/route/andorra_cg1.geojson")
	ls := fc.Features[0].Geometry.(orb.LineString)
	r, err := NewRoute(ls)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Length(); math.Abs(got-10783.5) > 1 {
		t.Fatalf("CG-1 Length = %.1f m; want 10,783.5 m (haversine sum)", got)
	}
	samples := sampleRoute(r.Line(), 2)
	pois := loadFC(t, "testdata/route/andorra_service_points.geojson")
	var pts []orb.Point
	for _, f := range pois.Features {
		p := f.Geometry.(orb.Point)
		pts = append(pts, p)
		checkAgainstBruteForce(t, r, samples, p, 300, 2)
	}
	hits := mustNear(t, r, pts, 300)
	if len(hits) == 0 {
		t.Fatal("Near found no service point within 300 m of CG-1")
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].AlongM < hits[i-1].AlongM {
			t.Fatalf("Near not ordered by along: %v after %v", hits[i].AlongM, hits[i-1].AlongM)
		}
	}
	t.Logf("%d of %d service points within 300 m of CG-1", len(hits), len(pts))
	// Every vertex projects onto itself.
	for i, p := range r.Line() {
		pos, ok := r.Locate(p, 1)
		if !ok || pos.OffsetM > 0.01 || math.Abs(pos.AlongM-r.cum[i]) > 0.01 {
			t.Fatalf("Locate(vertex %d) = %+v; want along %.2f offset 0", i, pos, r.cum[i])
		}
	}
}

func TestRouteGaps(t *testing.T) {
	// About 111.2 km along the equator.
	r, _ := NewRoute(orb.LineString{{0, 0}, {0.5, 0}, {1, 0}})
	L := r.Length()
	gaps := r.Gaps([]float64{30000, 40000, 95000}, 50000)
	if len(gaps) != 1 || gaps[0].FromM != 40000 || gaps[0].ToM != 95000 {
		t.Fatalf("Gaps = %+v; want one gap 40000–95000", gaps)
	}
	g := gaps[0]
	if d := gapsOracleDistance(g.Line[0], orb.Point{40000 / EarthRadius * radToDeg, 0}); d > 0.01 {
		t.Fatalf("gap starts at %v, %v m from along 40 km", g.Line[0], d)
	}
	if len(g.Line) != 3 || g.Line[1] != (orb.Point{0.5, 0}) {
		t.Fatalf("gap line = %v; want it to pass the vertex at 0.5°", g.Line)
	}
	if gaps := r.Gaps(nil, 50000); len(gaps) != 1 || gaps[0].FromM != 0 || gaps[0].ToM != L {
		t.Fatalf("Gaps(no stations) = %+v; want the whole route", gaps)
	}
}

func TestPlanRest(t *testing.T) {
	km := 1000.0
	tests := []struct {
		name      string
		length    float64
		cands     []RestCandidate
		maxLeg    float64
		stops     []int
		problems  []RestProblem
		finalLegM float64
	}{
		{"short trip needs no stop", 150 * km, nil, 200 * km, nil, nil, 150 * km},
		{"farthest reachable", 500 * km, []RestCandidate{{50 * km, false}, {190 * km, false}, {210 * km, false}, {380 * km, false}}, 200 * km,
			[]int{1, 3}, nil, 120 * km},
		{"preferred even if earlier", 300 * km, []RestCandidate{{120 * km, true}, {190 * km, false}}, 200 * km,
			[]int{0}, nil, 180 * km},
		{"no stop in reach", 600 * km, []RestCandidate{{120 * km, false}, {532 * km, false}}, 200 * km,
			[]int{0, 1}, []RestProblem{{120 * km, 532 * km}}, 68 * km},
		{"nothing at all", 300 * km, nil, 200 * km, nil, []RestProblem{{0, 300 * km}}, 300 * km},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := PlanRest(tc.length, tc.cands, tc.maxLeg)
			var got []int
			for _, s := range plan.Stops {
				got = append(got, s.Index)
			}
			if !slicesEqual(got, tc.stops) || len(plan.Problems) != len(tc.problems) || plan.FinalLegM != tc.finalLegM {
				t.Fatalf("PlanRest = stops %v problems %+v final %v; want stops %v problems %+v final %v", got, plan.Problems, plan.FinalLegM, tc.stops, tc.problems, tc.finalLegM)
			}
			for i := range tc.problems {
				if plan.Problems[i] != tc.problems[i] {
					t.Fatalf("problem %d = %+v; want %+v", i, plan.Problems[i], tc.problems[i])
				}
			}
			if plan.Feasible != (len(tc.problems) == 0) {
				t.Fatalf("Feasible = %v", plan.Feasible)
			}
		})
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkRoute2000km prepares a 2,000 km route of 20,000 positions and
// finds which of 10,000 points near it lie within a 2 km corridor.
func BenchmarkRoute2000km(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	// A winding road from Hohhot heading north-east, 100 m between positions.
	ls := orb.LineString{{111.7, 40.8}}
	for i := 0; len(ls) < 20001; i++ {
		brg := 50 + 40*math.Sin(float64(i)/300) + rng.NormFloat64()*5
		ls = append(ls, Destination(ls[len(ls)-1], brg, 100))
	}
	// 10,000 candidate points within 10 km of the road, as an index search
	// over CorridorBounds would return them.
	pts := make([]orb.Point, 10000)
	for i := range pts {
		pts[i] = Destination(ls[rng.IntN(len(ls))], rng.Float64()*360, rng.Float64()*10000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var hits []RouteHit
	for i := 0; i < b.N; i++ {
		r, err := NewRoute(ls)
		if err != nil {
			b.Fatal(err)
		}
		hits = mustNear(b, r, pts, 2000)
		_ = r.Gaps(nil, 50000)
	}
	b.ReportMetric(float64(len(hits)), "hits")
}

// arcOracle is the exact distance in meters from p to the great-circle arc
// a→b and the distance along the arc, from a, of the nearest point. It uses
// the textbook cross-track and along-track formulas (haversine distance and
// initial bearings), independent of Route's vector maths.
func arcOracle(p, a, b orb.Point) (dist, along float64) {
	d12 := gapsOracleDistance(a, b) / 6371008.8
	d13 := gapsOracleDistance(a, p) / 6371008.8
	dTheta := (Bearing(a, p) - Bearing(a, b)) * degToRad
	xt := math.Asin(math.Max(-1, math.Min(1, math.Sin(d13)*math.Sin(dTheta))))
	// Signed along-track angle of the foot of the perpendicular.
	at := math.Atan2(math.Sin(d13)*math.Cos(dTheta), math.Cos(d13))
	if d13 == 0 {
		at = 0
	}
	if at >= 0 && at <= d12 {
		return math.Abs(xt) * 6371008.8, at * 6371008.8
	}
	da, db := gapsOracleDistance(p, a), gapsOracleDistance(p, b)
	if da <= db {
		return da, 0
	}
	return db, d12 * 6371008.8
}

// routeOracle is the distance from p to the nearest point of ls and every
// distance along ls where a point that near (within tol meters) lies.
func routeOracle(p orb.Point, ls orb.LineString, tol float64) (best float64, alongs []float64) {
	type cand struct{ d, along float64 }
	var cands []cand
	best = math.Inf(1)
	cum := 0.0
	for i := 0; i+1 < len(ls); i++ {
		d, at := arcOracle(p, ls[i], ls[i+1])
		cands = append(cands, cand{d, cum + at})
		best = math.Min(best, d)
		cum += gapsOracleDistance(ls[i], ls[i+1])
	}
	for _, c := range cands {
		if c.d <= best+tol {
			alongs = append(alongs, c.along)
		}
	}
	return best, alongs
}

// randomTestRoute is a route of one of several shapes: long segments at
// high latitude (which bulge far poleward of their ends), long segments
// anywhere, segments crossing ±180°, and a short winding road.
func randomTestRoute(rng *rand.Rand, kind int) orb.LineString {
	randLat := func() float64 { return math.Asin(2*rng.Float64()-1) * radToDeg }
	sign := 1.0
	if rng.IntN(2) == 0 {
		sign = -1
	}
	var ls orb.LineString
	switch kind {
	case 0: // long and far north or south
		for n := 2 + rng.IntN(3); len(ls) < n; {
			ls = append(ls, orb.Point{-180 + rng.Float64()*360, sign * (50 + rng.Float64()*39)})
		}
	case 1: // long, anywhere
		for n := 2 + rng.IntN(4); len(ls) < n; {
			ls = append(ls, orb.Point{-180 + rng.Float64()*360, randLat()})
		}
	case 2: // across ±180°, 10–3,000 km segments
		ls = orb.LineString{{179 + rng.Float64(), sign * rng.Float64() * 85}}
		brg := 45 + rng.Float64()*90
		if rng.IntN(2) == 0 {
			brg += 180
		}
		for n := 2 + rng.IntN(5); len(ls) < n; {
			ls = append(ls, Destination(ls[len(ls)-1], brg+rng.NormFloat64()*20, 10_000+rng.Float64()*3_000_000))
		}
	default: // a winding road, up to 89° from the equator
		ls = orb.LineString{{-180 + rng.Float64()*360, sign * rng.Float64() * 89}}
		brg := rng.Float64() * 360
		for len(ls) < 40 {
			brg += rng.NormFloat64() * 40
			ls = append(ls, Destination(ls[len(ls)-1], brg, 500+rng.Float64()*30_000))
		}
	}
	return ls
}

// TestRouteCorridorProperty checks Near and CorridorBounds against the
// exact arc distance on random routes worldwide: every point within the
// corridor must be found, in a CorridorBounds box and by Near, with the
// brute-force offset and distance along.
func TestRouteCorridorProperty(t *testing.T) {
	rng := coverageRand(t)
	corridors := []float64{500, 2_000, 20_000, 50_000}
	const tol = 0.05 // meters
	misses := 0
	for trial := 0; trial < 300; trial++ {
		kind := trial % 4
		ls := randomTestRoute(rng, kind)
		r, err := NewRoute(ls)
		if err != nil {
			continue // antipodal neighbours: rare, not what this test is about
		}
		corridor := corridors[rng.IntN(len(corridors))]
		chunkM := []float64{0, 1_000, 300_000}[rng.IntN(3)]
		boxes := r.CorridorBounds(corridor, chunkM)
		var pts []orb.Point
		for k := 0; k < 60; k++ {
			i := rng.IntN(len(ls) - 1)
			a, b := ls[i], ls[i+1]
			on := Destination(a, Bearing(a, b), rng.Float64()*gapsOracleDistance(a, b))
			brg := rng.Float64() * 360
			if k%2 == 0 { // straight off the arc, towards or away from the pole
				brg = Bearing(on, b) + 90 + 180*float64(rng.IntN(2))
			}
			pts = append(pts, Destination(on, brg, rng.Float64()*1.5*corridor))
		}
		hits := mustNear(t, r, pts, corridor)
		found := make(map[int]RouteHit, len(hits))
		for _, h := range hits {
			found[h.Index] = h
		}
		for k, p := range pts {
			best, alongs := routeOracle(p, ls, tol)
			h, ok := found[k]
			if best <= corridor-tol {
				inBox := false
				for _, bb := range boxes {
					inBox = inBox || bb.Contains(p)
				}
				if !inBox || !ok {
					misses++
					t.Errorf("route %v (kind %d), corridor %v m: point %v is %.1f m from it; in a CorridorBounds box %v, found by Near %v",
						ls, kind, corridor, p, best, inBox, ok)
					continue
				}
			}
			if !ok {
				continue
			}
			if best > corridor+tol || math.Abs(h.OffsetM-best) > tol {
				t.Errorf("route %v, corridor %v m: point %v offset_m %.3f; brute force %.3f", ls, corridor, p, h.OffsetM, best)
				continue
			}
			match := false
			for _, a := range alongs {
				match = match || math.Abs(a-h.AlongM) <= tol
			}
			if !match {
				t.Errorf("route %v: point %v along_m %.3f; brute force finds the nearest points at %v", ls, p, h.AlongM, alongs)
			}
		}
	}
	if misses > 0 {
		t.Logf("%d points in the corridor missed", misses)
	}
}

// TestRouteHighLatitudeArc is the reported case: a station 8.4 km from a
// long arc whose highest latitude, 87.08°, is far north of its ends.
func TestRouteHighLatitudeArc(t *testing.T) {
	ls := orb.LineString{{-70.343, 60.227}, {120.184, 61.665}}
	r, err := NewRoute(ls)
	if err != nil {
		t.Fatal(err)
	}
	p := orb.Point{-139.538, 86.893}
	best, alongs := routeOracle(p, ls, 0.01)
	hits := mustNear(t, r, []orb.Point{p}, 20_000)
	if len(hits) != 1 || math.Abs(hits[0].OffsetM-best) > 0.05 || math.Abs(hits[0].AlongM-alongs[0]) > 0.05 {
		t.Fatalf("Near = %+v; want offset %.1f m along %.1f m", hits, best, alongs[0])
	}
	inBox := false
	for _, bb := range r.CorridorBounds(20_000, 0) {
		inBox = inBox || bb.Contains(p)
	}
	if !inBox {
		t.Fatalf("CorridorBounds(20 km) = %v leaves out %v", r.CorridorBounds(20_000, 0), p)
	}
}

// mustNear is NearContext without a deadline, failing the test on error.
func mustNear(t testing.TB, r *Route, pts []orb.Point, corridor float64) []RouteHit {
	t.Helper()
	hits, err := r.NearContext(context.Background(), pts, corridor)
	if err != nil {
		t.Fatalf("NearContext(%d points, %v m) = %v", len(pts), corridor, err)
	}
	return hits
}
