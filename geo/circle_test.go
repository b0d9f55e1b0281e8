package geo

import (
	"math"
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// polygons flattens a Circle result.
func polygons(t *testing.T, g orb.Geometry) []orb.Polygon {
	t.Helper()
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	t.Fatalf("Circle returned %T; want Polygon or MultiPolygon", g)
	return nil
}

// ringSignedArea is the shoelace area in lon/lat: > 0 for counter-clockwise.
func ringSignedArea(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

func orient2(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// ringSegmentsCross reports a proper crossing of ab and cd, or a touching or
// overlap that is not a shared endpoint.
func ringSegmentsCross(a, b, c, d orb.Point) bool {
	d1, d2 := orient2(c, d, a), orient2(c, d, b)
	d3, d4 := orient2(a, b, c), orient2(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return false
}

// checkRing asserts a closed, simple ring within the lon/lat range with
// the given orientation.
func checkRing(t *testing.T, r orb.Ring, ccw bool) {
	t.Helper()
	if len(r) < 4 || r[0] != r[len(r)-1] {
		t.Fatalf("ring of %d points is not closed: %v", len(r), r)
	}
	for _, p := range r {
		if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 || math.IsNaN(p[0]) || math.IsNaN(p[1]) {
			t.Fatalf("ring point %v out of range", p)
		}
	}
	for i := 0; i+1 < len(r); i++ {
		if r[i] == r[i+1] {
			t.Fatalf("ring repeats point %v at %d", r[i], i)
		}
		for j := i + 2; j+1 < len(r); j++ {
			if i == 0 && j+2 == len(r) {
				continue // adjacent through the closing point
			}
			if ringSegmentsCross(r[i], r[i+1], r[j], r[j+1]) {
				t.Fatalf("ring crosses itself: %v-%v and %v-%v", r[i], r[i+1], r[j], r[j+1])
			}
		}
	}
	if a := ringSignedArea(r); (a > 0) != ccw {
		t.Fatalf("ring area %v; want counter-clockwise %v", a, ccw)
	}
}

// checkCircle validates g as the circle of radius around center.
func checkCircle(t *testing.T, g orb.Geometry, center orb.Point, radius float64, segments int) {
	t.Helper()
	polys := polygons(t, g)
	for _, poly := range polys {
		for i, ring := range poly {
			checkRing(t, ring, i == 0)
			for _, p := range ring {
				if math.Abs(p[1]) == 90 || (math.Abs(p[0]) == 180 && (i == 0 && len(polys) == 1 && hasCorner(ring))) {
					continue // a corner of the map, not a circle point
				}
				if d := Distance(center, p); math.Abs(d-radius) > 1e-6*radius {
					t.Fatalf("Circle(%v, %v) vertex %v is %v m from the center", center, radius, p, d)
				}
			}
		}
	}
	// Points well inside are inside; points well outside are outside.
	// (With few segments the straight lon/lat edges of a large circle
	// stray too far from it for this to hold.)
	if segments < 32 {
		return
	}
	rng := rand.New(rand.NewSource(seed + 20))
	for i := 0; i < 300; i++ {
		brg := rng.Float64() * 360
		// Inside the inscribed polygon, and outside the circle.
		for _, f := range []float64{0.5 * math.Cos(math.Pi/float64(segments)), 0.95 * math.Cos(math.Pi/float64(segments)), 1.05, 1.5} {
			m := radius * f
			if m >= math.Pi*EarthRadius {
				continue
			}
			p := Destination(center, brg, m)
			in := false
			for _, poly := range polys {
				in = in || planar.PolygonContains(poly, p)
			}
			// Near the poles straight lon/lat edges bend away from the
			// circle fastest; only fine rings are checked there.
			if math.Abs(p[1]) > 89.9 || (math.Abs(p[1]) > 75 && segments < 128) {
				continue
			}
			if in != (f < 1) {
				t.Fatalf("Circle(%v, %v) contains %v (%v m away) = %v", center, radius, p, m, in)
			}
		}
	}
}

// hasCorner reports whether a ring contains a map corner (±180, ±90), as
// polar and world-minus-cap rings do; their ±180 points include the
// corner runs.
func hasCorner(r orb.Ring) bool {
	for _, p := range r {
		if math.Abs(p[0]) == 180 && math.Abs(p[1]) == 90 {
			return true
		}
	}
	return false
}

func TestCircle(t *testing.T) {
	tests := []struct {
		name   string
		center orb.Point
		radius float64
		want   string // "polygon", "multi", "hole"
	}{
		{"Erenhot 15 km", orb.Point{111.97667, 43.6475}, 15000, "polygon"},
		{"crosses +180", orb.Point{179.95, 10}, 20000, "multi"},
		{"crosses -180", orb.Point{-179.95, -40}, 20000, "multi"},
		{"centered on 180", orb.Point{180, 0}, 50000, "multi"},
		{"centered on -180", orb.Point{-180, 60}, 50000, "multi"},
		{"north polar cap", orb.Point{100, 89.5}, 100000, "polygon"},
		{"on the north pole", orb.Point{0, 90}, 50000, "polygon"},
		{"south polar cap", orb.Point{-30, -89}, 200000, "polygon"},
		{"polar cap, center on 180", orb.Point{180, 88}, 400000, "polygon"},
		{"huge, both poles", orb.Point{100, 0}, 15e6, "hole"},
		{"huge, cap crosses 180", orb.Point{0, 5}, 15e6, "polygon"},
		{"huge, cap crosses -180 (center east)", orb.Point{5, -5}, 15e6, "polygon"},
		{"larger than the Earth", orb.Point{10, 0}, 3e7, "polygon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Circle(tc.center, tc.radius, 128)
			got := "polygon"
			switch g := g.(type) {
			case orb.MultiPolygon:
				got = "multi"
			case orb.Polygon:
				if len(g) == 2 {
					got = "hole"
				}
			}
			if got != tc.want {
				t.Fatalf("Circle(%v, %v) is a %s (%T); want %s", tc.center, tc.radius, got, g, tc.want)
			}
			checkCircle(t, g, tc.center, tc.radius, 128)
		})
	}
}

func TestCircleRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 21))
	for i := 0; i < 300; i++ {
		c := randPoint(rng)
		r := math.Pow(10, 1+rng.Float64()*6.3)
		n := 3 + rng.Intn(200)
		checkCircle(t, Circle(c, r, n), c, r, n)
	}
}

func TestCircleInvalid(t *testing.T) {
	tests := []struct {
		name   string
		center orb.Point
		radius float64
	}{
		{"zero radius", orb.Point{0, 0}, 0},
		{"negative radius", orb.Point{0, 0}, -5},
		{"NaN radius", orb.Point{0, 0}, math.NaN()},
		{"NaN center", orb.Point{math.NaN(), 0}, 10},
		{"lat out of range", orb.Point{0, 95}, 10},
	}
	for _, tc := range tests {
		if g := Circle(tc.center, tc.radius, 16); g != nil {
			t.Errorf("%s: Circle(%v, %v) = %v; want nil", tc.name, tc.center, tc.radius, g)
		}
	}
	if g := Circle(orb.Point{1, 1}, 1000, 0).(orb.Polygon); len(g[0]) != DefaultSegments+1 {
		t.Errorf("Circle(segments=0) has %d points; want %d", len(g[0]), DefaultSegments+1)
	}
}
