package geo

import (
	"context"
	"errors"

	"github.com/paulmach/orb"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestGridAreaInnerMongolia(t *testing.T) {
	im := loadInnerMongolia(t)
	g, err := NewGrid(context.Background(), im, 2000)
	if err != nil {
		t.Fatal(err)
	}
	s := g.Summary()
	t.Logf("grid %dx%d, inside %d cells, grid area %.0f km², Area %.0f km²", g.Rows, g.Cols, s.CellsInside, s.GridAreaM2/1e6, s.AreaM2/1e6)
	if rel := math.Abs(s.GridAreaM2-s.AreaM2) / s.AreaM2; rel > 0.005 {
		t.Fatalf("grid area %.0f km² vs Area %.0f km²: off by %.2f%%", s.GridAreaM2/1e6, s.AreaM2/1e6, 100*rel)
	}
}

// testRand gives a seeded generator; the seed is printed so failures repeat.
func coverageRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("SEED=%d", seed)
	return rand.New(rand.NewPCG(seed, 0))
}

// randomArea is a star-shaped polygon of n vertices around c with radii
// between rmin and rmax degrees, optionally with a hole.
func randomArea(rng *rand.Rand, c orb.Point, n int, rmin, rmax float64, hole bool) orb.MultiPolygon {
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r := rmin + rng.Float64()*(rmax-rmin)
		ring = append(ring, orb.Point{c[0] + r*math.Cos(a)/math.Cos(c[1]*degToRad), c[1] + r*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	p := orb.Polygon{ring}
	if hole {
		h := rmin / 3
		p = append(p, orb.Ring{{c[0] - h, c[1] - h}, {c[0] - h, c[1] + h}, {c[0] + h, c[1] + h}, {c[0] + h, c[1] - h}, {c[0] - h, c[1] - h}})
	}
	return orb.MultiPolygon{p}
}

// areaContains is the even–odd rule over every ring of mp.
func areaContains(mp orb.MultiPolygon, p orb.Point) bool {
	in := false
	for _, poly := range mp {
		for _, r := range poly {
			if ringContains(r, p) {
				in = !in
			}
		}
	}
	return in
}

// gapsOracleDistance is an independent great-circle distance for the tests.
func gapsOracleDistance(a, b orb.Point) float64 {
	la, lb := a[1]*math.Pi/180, b[1]*math.Pi/180
	dl := (b[0] - a[0]) * math.Pi / 180
	h := math.Pow(math.Sin((lb-la)/2), 2) + math.Cos(la)*math.Cos(lb)*math.Pow(math.Sin(dl/2), 2)
	return 2 * 6371008.8 * math.Asin(math.Sqrt(math.Min(1, h)))
}

// TestCoverageMonteCarlo checks covered_pct against an independent
// estimate: points uniformly random on the sphere (uniform longitude and
// sin(latitude)) inside the area, each covered when a brute-force scan
// finds a station within the radius.
func TestCoverageMonteCarlo(t *testing.T) {
	rng := coverageRand(t)
	for trial := 0; trial < 8; trial++ {
		c := orb.Point{-170 + rng.Float64()*340, -70 + rng.Float64()*140}
		size := 0.2 + rng.Float64()*2 // degrees
		area := randomArea(rng, c, 5+rng.IntN(40), size/3, size, trial%2 == 1)
		if err := ValidateArea(area); err != nil {
			t.Fatalf("trial %d: random area invalid: %v", trial, err)
		}
		b := area.Bound()
		radius := 2000 + rng.Float64()*20000
		nst := 1 + rng.IntN(60)
		stations := make([]orb.Point, nst)
		for i := range stations {
			// Some stations outside the box: their circles still reach in.
			stations[i] = orb.Point{b.Min[0] - 0.2 + rng.Float64()*(b.Max[0]-b.Min[0]+0.4), b.Min[1] - 0.2 + rng.Float64()*(b.Max[1]-b.Min[1]+0.4)}
		}
		_, sum, gaps, err := Coverage(area, stations, radius, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Monte-Carlo oracle.
		const n = 40000
		s0, s1 := math.Sin(b.Min[1]*degToRad), math.Sin(b.Max[1]*degToRad)
		var in, cov int
		for in < n {
			p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), math.Asin(s0+rng.Float64()*(s1-s0)) * radToDeg}
			if !areaContains(area, p) {
				continue
			}
			in++
			for _, s := range stations {
				if gapsOracleDistance(p, s) <= radius {
					cov++
					break
				}
			}
		}
		mc := 100 * float64(cov) / float64(in)
		t.Logf("trial %d: centre %v size %.2f° radius %.0f m stations %d: covered_pct %.2f Monte-Carlo %.2f",
			trial, c, size, radius, nst, sum.CoveredPct, mc)
		if math.Abs(sum.CoveredPct-mc) > 1 {
			t.Errorf("trial %d: covered_pct = %.2f; Monte-Carlo estimate %.2f (differ by more than 1 point)", trial, sum.CoveredPct, mc)
		}
		// The traced gaps measure what the summary calls uncovered.
		var gapArea float64
		for _, g := range gaps {
			gapArea += Area(g.Polygon)
		}
		if want := sum.GridAreaM2 * (100 - sum.CoveredPct) / 100; math.Abs(gapArea-want) > 1e-6*want+1 {
			t.Errorf("trial %d: gaps measure %.1f m²; uncovered cells %.1f m²", trial, gapArea, want)
		}
		// And the areas add up.
		if math.Abs(sum.CoveredM2+sum.UncoveredM2-sum.AreaM2) > 1e-6*sum.AreaM2 {
			t.Errorf("trial %d: covered %v + uncovered %v != area %v", trial, sum.CoveredM2, sum.UncoveredM2, sum.AreaM2)
		}
	}
}

// countdownCtx is a context that ends after its Err has answered nil n
// times, so a test can stop work part-way through without timing.
type countdownCtx struct {
	context.Context
	n     int // nil answers left
	calls int // Err calls so far
}

func (c *countdownCtx) Err() error {
	c.calls++
	if c.n > 0 {
		c.n--
		return nil
	}
	return context.Canceled
}

// TestCoverageStops checks that every grid step ends with an error wrapping
// the context's error when its context has ended, and that one that ends
// part-way is noticed at the next check.
func TestCoverageStops(t *testing.T) {
	rng := coverageRand(t)
	area := randomArea(rng, orb.Point{112, 42}, 30, 0.5, 1.2, true)
	stations := randomInside(rng, area, 15)
	cands := randomInside(rng, area, 50)
	const radius = 15000.0

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()

	steps := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"NewGrid", func(ctx context.Context) error {
			g, err := NewGrid(ctx, area, 1000)
			if err != nil && g != nil {
				t.Errorf("NewGrid gave a grid with error %v", err)
			}
			return err
		}},
		{"Cover", func(ctx context.Context) error {
			return mustCoveredGrid(t, area, 1000, nil, 0).Cover(ctx, stations, radius)
		}},
		{"Gaps", func(ctx context.Context) error {
			gaps, err := mustCoveredGrid(t, area, 1000, stations, radius).Gaps(ctx)
			if err != nil && gaps != nil {
				t.Errorf("Gaps gave %d gaps with error %v", len(gaps), err)
			}
			return err
		}},
		{"Suggest/candidates", func(ctx context.Context) error {
			sites, err := mustCoveredGrid(t, area, 1000, stations, radius).Suggest(ctx, 5, radius, cands)
			if err != nil && sites != nil {
				t.Errorf("Suggest gave %d sites with error %v", len(sites), err)
			}
			return err
		}},
		{"Suggest/auto", func(ctx context.Context) error {
			_, err := mustCoveredGrid(t, area, 1000, stations, radius).Suggest(ctx, 5, radius, nil)
			return err
		}},
		{"CoverageContext", func(ctx context.Context) error {
			_, _, _, err := CoverageContext(ctx, area, stations, radius, 1000)
			return err
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.run(canceled); !errors.Is(err, context.Canceled) {
				t.Errorf("%s(canceled context) = %v; want an error wrapping context.Canceled", st.name, err)
			}
			if err := st.run(expired); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s(expired context) = %v; want an error wrapping context.DeadlineExceeded", st.name, err)
			}
			// Ended after a few checks: the very next check stops the work.
			const live = 3
			ctx := &countdownCtx{Context: context.Background(), n: live}
			if err := st.run(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("%s(context ending after %d checks) = %v; want an error wrapping context.Canceled", st.name, live, err)
			}
			if ctx.calls != live+1 {
				t.Errorf("%s checked its context %d times; want %d (it should stop at the first check after the end)", st.name, ctx.calls, live+1)
			}
			if err := st.run(context.Background()); err != nil {
				t.Errorf("%s(live context) = %v", st.name, err)
			}
		})
	}
}
