package geo

import (
	"math"
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// chordDistance is an independent great-circle formula: the straight
// chord between unit vectors, turned into an arc.
func chordDistance(a, b orb.Point) float64 {
	vec := func(p orb.Point) [3]float64 {
		lon, lat := p[0]*math.Pi/180, p[1]*math.Pi/180
		return [3]float64{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
	}
	u, v := vec(a), vec(b)
	c := math.Sqrt((u[0]-v[0])*(u[0]-v[0]) + (u[1]-v[1])*(u[1]-v[1]) + (u[2]-v[2])*(u[2]-v[2]))
	return 2 * EarthRadius * math.Asin(math.Min(1, c/2))
}

func TestDistanceKnown(t *testing.T) {
	manzhouli := orb.Point{117.43333, 49.6}
	erenhot := orb.Point{111.97667, 43.6475}
	tests := []struct {
		name string
		a, b orb.Point
		want float64 // meters
		tol  float64 // meters
	}{
		{"Manzhouli to Erenhot", manzhouli, erenhot, 781660.549, 0.01},
		{"Erenhot to Manzhouli", erenhot, manzhouli, 781660.549, 0.01},
		{"same point", manzhouli, manzhouli, 0, 0},
		{"one degree of equator", orb.Point{0, 0}, orb.Point{1, 0}, 111195.080, 0.001},
		{"antipodes on the equator", orb.Point{0, 0}, orb.Point{180, 0}, math.Pi * EarthRadius, 1e-6},
		{"antipodes through a pole", orb.Point{30, 45}, orb.Point{-150, -45}, math.Pi * EarthRadius, 1e-3},
		{"pole to pole", orb.Point{0, 90}, orb.Point{0, -90}, math.Pi * EarthRadius, 1e-6},
		{"north pole any longitude", orb.Point{-120, 90}, orb.Point{45, 90}, 0, 1e-6},
		{"pole to equator", orb.Point{77, 90}, orb.Point{-3, 0}, math.Pi / 2 * EarthRadius, 1e-6},
		{"across the antimeridian", orb.Point{179.99, 10}, orb.Point{-179.99, 10}, 0.02 * math.Pi / 180 * EarthRadius * math.Cos(10*math.Pi/180), 0.01},
		{"180 equals -180", orb.Point{180, -30}, orb.Point{-180, -30}, 0, 1e-6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Distance(tc.a, tc.b); math.Abs(got-tc.want) > tc.tol {
				t.Errorf("Distance(%v, %v) = %.6f; want %.6f ± %v", tc.a, tc.b, got, tc.want, tc.tol)
			}
		})
	}
}

func TestDistanceMatchesIndependentFormulas(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 10))
	for i := 0; i < 100000; i++ {
		a, b := randPoint(rng), randPoint(rng)
		if rng.Intn(4) == 0 {
			b = Destination(a, rng.Float64()*360, rng.Float64()*5000)
		}
		got := Distance(a, b)
		// Haversine takes asin of a value near 1 at nearly antipodal points
		// and loses digits there (the documented 0.2 m): 1 mm elsewhere.
		tol := 1e-3
		if got > 0.999*math.Pi*EarthRadius {
			tol = 0.5
		}
		if want := chordDistance(a, b); math.Abs(got-want) > tol {
			t.Fatalf("Distance(%v, %v) = %.9f; chord formula gives %.9f", a, b, got, want)
		}
		want := orbgeo.DistanceHaversine(a, b) * EarthRadius / orb.EarthRadius
		if math.Abs(got-want) > tol {
			t.Fatalf("Distance(%v, %v) = %.9f; orb's haversine scaled gives %.9f", a, b, got, want)
		}
		if back := Distance(b, a); math.Abs(back-got) > 1e-6 {
			t.Fatalf("Distance(b, a) = %v; Distance(a, b) = %v", back, got)
		}
	}
}

func TestBearing(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
	}{
		{"due north", orb.Point{10, 10}, orb.Point{10, 20}, 0},
		{"due east on the equator", orb.Point{0, 0}, orb.Point{1, 0}, 90},
		{"due south", orb.Point{10, 10}, orb.Point{10, 0}, 180},
		{"due west on the equator", orb.Point{0, 0}, orb.Point{-1, 0}, 270},
		{"east across the antimeridian", orb.Point{179.5, 0}, orb.Point{-179.5, 0}, 90},
		{"west across the antimeridian", orb.Point{-179.5, 0}, orb.Point{179.5, 0}, 270},
		{"Manzhouli to Erenhot", orb.Point{117.43333, 49.6}, orb.Point{111.97667, 43.6475}, 214.2112482},
		{"to the north pole", orb.Point{-70, 40}, orb.Point{0, 90}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Bearing(tc.a, tc.b)
			if math.Abs(got-tc.want) > 1e-6 || got < 0 || got >= 360 {
				t.Errorf("Bearing(%v, %v) = %.9f; want %.9f in [0, 360)", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestDestinationRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 11))
	for i := 0; i < 20000; i++ {
		p := randPoint(rng)
		if math.Abs(p[1]) > 89.9 {
			continue // bearings are degenerate at a pole
		}
		brg := rng.Float64() * 360
		m := rng.Float64() * 1e7
		q := Destination(p, brg, m)
		if q[0] < -180 || q[0] > 180 || q[1] < -90 || q[1] > 90 {
			t.Fatalf("Destination(%v, %v, %v) = %v; out of range", p, brg, m, q)
		}
		if d := Distance(p, q); math.Abs(d-m) > 1e-6*m+1e-6 {
			t.Fatalf("Distance(p, Destination(%v, %v, %v)) = %v; want %v", p, brg, m, d, m)
		}
		if m > 1 && m < 1e7 {
			got := Bearing(p, q)
			diff := math.Abs(math.Mod(got-brg+540, 360) - 180)
			if diff > 1e-6 {
				t.Fatalf("Bearing(p, Destination(%v, %v, %v)) = %v", p, brg, m, got)
			}
		}
	}
}

func TestBoundAround(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		m    float64
		want int // number of boxes
		full bool
	}{
		{"small", orb.Point{116, 40}, 15000, 1, false},
		{"crosses +180", orb.Point{179.99, 10}, 5000, 2, false},
		{"crosses -180", orb.Point{-179.99, 10}, 5000, 2, false},
		{"reaches the north pole", orb.Point{30, 89.99}, 5000, 1, false},
		{"whole sphere", orb.Point{30, 10}, math.Pi * EarthRadius, 1, true},
		{"negative", orb.Point{30, 10}, -1, 0, false},
		{"NaN point", orb.Point{math.NaN(), 10}, 1, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf [2]orb.Bound
			n, full := boundAround(tc.p, tc.m, &buf)
			if n != tc.want || full != tc.full {
				t.Fatalf("boundAround(%v, %v) = %d boxes (full %v) %v; want %d (full %v)", tc.p, tc.m, n, full, buf[:n], tc.want, tc.full)
			}
			for _, b := range BoundAround(tc.p, tc.m) {
				if b.Min[0] > b.Max[0] || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
					t.Errorf("BoundAround(%v, %v) has bad box %v", tc.p, tc.m, b)
				}
			}
		})
	}
	// Every point within the radius is inside one of the boxes, even those
	// right at the edge.
	rng := rand.New(rand.NewSource(seed + 12))
	for i := 0; i < 5000; i++ {
		p := randPoint(rng)
		m := math.Pow(10, rng.Float64()*7)
		q := Destination(p, rng.Float64()*360, m*(1-rng.Float64()*1e-6))
		if Distance(p, q) > m {
			continue // Destination rounds a little at the poles
		}
		inside := false
		for _, b := range BoundAround(p, m) {
			inside = inside || b.Contains(q)
		}
		if !inside {
			t.Fatalf("BoundAround(%v, %v) = %v misses %v at %v m", p, m, BoundAround(p, m), q, Distance(p, q))
		}
	}
}

// bearingSinCos is Bearing as first written, with a call per sine and
// cosine: the oracle that its one-Sincos-per-angle form gives the same
// bits.
func bearingSinCos(a, b orb.Point) float64 {
	lat1, lat2 := a[1]*degToRad, b[1]*degToRad
	dLon := (b[0] - a[0]) * degToRad
	y := math.Sin(dLon) * math.Cos(lat2)
	x := math.Cos(lat1)*math.Sin(lat2) - math.Sin(lat1)*math.Cos(lat2)*math.Cos(dLon)
	deg := math.Atan2(y, x) * radToDeg
	if deg < 0 {
		deg += 360
	}
	if deg >= 360 {
		deg = 0
	}
	return deg
}

func TestBearingSameBitsAsSinAndCos(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	pts := []orb.Point{{0, 0}, {180, 0}, {-180, 0}, {0, 90}, {0, -90}, {179.9999999, 89.9999999}, {111.98, 43.65}}
	for range 200_000 {
		pts = append(pts[:7], orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90}, orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90})
		for _, a := range pts {
			for _, b := range pts[len(pts)-2:] {
				if got, want := Bearing(a, b), bearingSinCos(a, b); math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("Bearing(%v, %v) = %v; Sin and Cos give %v", a, b, got, want)
				}
			}
		}
	}
}

// BenchmarkBearing times Bearing beside its first form (a call per sine
// and cosine), on the same points.
func BenchmarkBearing(b *testing.B) {
	p, q := orb.Point{111.98, 43.65}, orb.Point{112.09667, 43.4225}
	var sink float64
	b.Run("sincos", func(b *testing.B) {
		for b.Loop() {
			sink += Bearing(p, q)
		}
	})
	b.Run("sin-and-cos", func(b *testing.B) {
		for b.Loop() {
			sink += bearingSinCos(p, q)
		}
	})
	_ = sink
}

// havSigned is hav as it was first written, the sines of the signed
// half-angles: the oracle of TestHavSameBitsAsSignedSines.
func havSigned(lat1, lon1, cosLat1 float64, b orb.Point) float64 {
	lat2 := b[1] * degToRad
	sdLat := math.Sin(float64(lat2-lat1) / 2)
	sdLon := math.Sin(float64(b[0]*degToRad-lon1) / 2)
	h := float64(sdLat*sdLat) + float64(float64(cosLat1*math.Cos(lat2))*float64(sdLon*sdLon))
	if h > 1 {
		h = 1
	}
	return h
}

// TestHavSameBitsAsSignedSines checks that hav, which takes the sines of
// the half-angles' magnitudes, gives the very bits of the signed form,
// so that no distance changed: near and far, both signs of each
// difference, the poles, ±180° and longitudes outside [-180, 180].
func TestHavSameBitsAsSignedSines(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	fixed := []orb.Point{{0, 0}, {180, 0}, {-180, 0}, {0, 90}, {0, -90}, {540, 10}, {-190, -45}, {179.9999999, 89.9999999}, {111.98, 43.65}}
	for i := range 2_000_000 {
		a := orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90}
		var b orb.Point
		switch i % 4 {
		case 0:
			b = orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90}
		case 1: // within some kilometres, either side
			b = orb.Point{a[0] + (r.Float64()-0.5)*0.1, math.Max(-90, math.Min(90, a[1]+(r.Float64()-0.5)*0.1))}
		case 2: // within millimetres
			b = orb.Point{a[0] + (r.Float64()-0.5)*1e-8, math.Max(-90, math.Min(90, a[1]+(r.Float64()-0.5)*1e-8))}
		default:
			a, b = fixed[r.Intn(len(fixed))], fixed[r.Intn(len(fixed))]
			if r.Intn(2) == 0 {
				b = orb.Point{r.Float64()*720 - 360, r.Float64()*180 - 90}
			}
		}
		lat1, lon1 := a[1]*degToRad, a[0]*degToRad
		cosLat1 := math.Cos(lat1)
		if got, want := hav(lat1, lon1, cosLat1, b), havSigned(lat1, lon1, cosLat1, b); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("hav(%v, %v) = %v; the signed sines give %v", a, b, got, want)
		}
	}
}
