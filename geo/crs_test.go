package geo

import (
	"math"
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Published reference values of the transforms. Each row names where it is
// published; the forward transforms must match to 1e-9° (0.1 mm, the
// published digits allow no more), the exact inverses must give back the
// published input within InverseTolerance.
var crsReference = []struct {
	name     string
	from, to CRS
	in, want orb.Point
	tol      float64 // degrees
}{
	// wandergis/coordtransform, README.md (also the test vectors of
	// dromara/hutool CoordinateUtilTest and coordtransform ports).
	{"coordtransform wgs84togcj02 Beijing", WGS84, GCJ02, orb.Point{116.404, 39.915}, orb.Point{116.41024449916938, 39.91640428150164}, 1e-9},
	{"coordtransform gcj02tobd09 Beijing", GCJ02, BD09, orb.Point{116.404, 39.915}, orb.Point{116.41036949371029, 39.92133699351021}, 1e-9},
	{"coordtransform wgs84tobd09 Beijing", WGS84, BD09, orb.Point{116.404, 39.915}, orb.Point{116.41662724378733, 39.922699552216216}, 1e-9},
	// googollee/eviltransform, go/transform_test.go (compared there to 5 decimals).
	{"eviltransform Shanghai", WGS84, GCJ02, orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}, 1e-9},
	{"eviltransform Shenzhen", WGS84, GCJ02, orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}, 1e-9},
	{"eviltransform Beijing", WGS84, GCJ02, orb.Point{116.377817, 39.911954}, orb.Point{116.38404722455657, 39.91334545536069}, 1e-9},
	// hujiulong/gcoord, test/unit/crs/GCJ02.spec.js (published to 8 decimals, checked there to 5).
	{"gcoord GCJ02 to BD09", GCJ02, BD09, orb.Point{123, 45}, orb.Point{123.00636499, 45.00636899}, 1e-8},
	{"gcoord GCJ02 to WGS84", GCJ02, WGS84, orb.Point{123, 45}, orb.Point{122.99395597, 44.99804071}, 5e-7}, // gcoord's inverse is iterated too
}

// everywhere applies the offset at every point, as the formula alone does.
var everywhere = NewOffsets(NewOutline(orb.MultiPolygon{{{{-180, -90}, {180, -90}, {180, 90}, {-180, 90}, {-180, -90}}}}))

// convert goes from one CRS to another through WGS 84.
func convert(o *Offsets, p orb.Point, from, to CRS) orb.Point {
	return o.FromWGS84(o.ToWGS84(p, from), to)
}

func TestCRSReferenceValues(t *testing.T) {
	for _, tc := range crsReference {
		t.Run(tc.name, func(t *testing.T) {
			var got orb.Point
			if tc.from == GCJ02 && tc.to == BD09 {
				got = GCJ02ToBD09(tc.in)
			} else {
				got = convert(everywhere, tc.in, tc.from, tc.to)
			}
			if math.Abs(got[0]-tc.want[0]) > tc.tol || math.Abs(got[1]-tc.want[1]) > tc.tol {
				t.Fatalf("%v→%v %v = %v; want %v (±%g°)", tc.from, tc.to, tc.in, got, tc.want, tc.tol)
			}
			// The exact inverse gives the input back.
			var back orb.Point
			if tc.from == GCJ02 && tc.to == BD09 {
				back = BD09ToGCJ02(tc.want)
			} else {
				back = convert(everywhere, tc.want, tc.to, tc.from)
			}
			if d := Distance(back, tc.in); d > InverseTolerance+tc.tol*111e3 {
				t.Fatalf("inverse %v→%v %v = %v, %.4f m from %v; want < %v m", tc.to, tc.from, tc.want, back, d, tc.in, InverseTolerance)
			}
		})
	}
}

// TestOneStepInverse checks the published one-step inverse of
// coordtransform (gcj02towgs84(116.404, 39.915) = 116.39775550083061,
// 39.91359571849836, README.md): it is the GCJ-02 point minus the offset
// taken at that point, which the forward transform here reproduces; the
// iterated inverse maps back to the input far more closely.
func TestOneStepInverse(t *testing.T) {
	g := orb.Point{116.404, 39.915}
	published := orb.Point{116.39775550083061, 39.91359571849836}
	f := WGS84ToGCJ02(g)
	oneStep := orb.Point{2*g[0] - f[0], 2*g[1] - f[1]}
	if math.Abs(oneStep[0]-published[0]) > 1e-9 || math.Abs(oneStep[1]-published[1]) > 1e-9 {
		t.Fatalf("one-step inverse of %v = %v; published %v", g, oneStep, published)
	}
	exact := GCJ02ToWGS84(g)
	dOne, dExact := Distance(WGS84ToGCJ02(published), g), Distance(WGS84ToGCJ02(exact), g)
	if dExact > 0.001 || dExact >= dOne {
		t.Fatalf("GCJ02ToWGS84(%v) = %v maps back %.6f m from the input (one-step: %.6f m); want < 1 mm and better", g, exact, dExact, dOne)
	}
}

// TestCRSRoundTrips checks at random points of China's extent that every
// conversion and its inverse agree to within InverseTolerance, and reports
// the worst error of the one-step inverse for comparison.
func TestCRSRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 40))
	worst, worstOneStep := 0.0, 0.0
	for range 5000 {
		w := orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*36}
		for _, crs := range []CRS{GCJ02, BD09} {
			out := everywhere.FromWGS84(w, crs)
			if d := Distance(out, w); d < 1 || d > 2000 {
				t.Fatalf("FromWGS84(%v, %v) = %v moved %.1f m; want an offset of 1 m to 2 km", w, crs, out, d)
			}
			back := everywhere.ToWGS84(out, crs)
			d := Distance(back, w)
			worst = math.Max(worst, d)
			if d > InverseTolerance {
				t.Fatalf("ToWGS84(FromWGS84(%v, %v)) = %v, %.4f m off; want < %v m", w, crs, back, d, InverseTolerance)
			}
			// And the other way round: a point given in crs.
			back2 := everywhere.FromWGS84(everywhere.ToWGS84(w, crs), crs)
			if d := Distance(back2, w); d > InverseTolerance {
				t.Fatalf("FromWGS84(ToWGS84(%v, %v)) = %v, %.4f m off", w, crs, back2, d)
			}
		}
		g := WGS84ToGCJ02(w)
		f := WGS84ToGCJ02(g)
		oneStep := orb.Point{2*g[0] - f[0], 2*g[1] - f[1]}
		worstOneStep = math.Max(worstOneStep, Distance(oneStep, w))
	}
	t.Logf("worst round-trip error %.6f m (one-step inverse: %.2f m)", worst, worstOneStep)
	// The reason to iterate: the one-step inverse is meters off somewhere
	// in China (up to about 5 m).
	if worstOneStep < 1 {
		t.Fatalf("the one-step inverse is at worst %.3f m off; expected meters, so the test points miss the point", worstOneStep)
	}
}

// TestMaxOffsetDeg checks the bound on a lattice over China's extent.
func TestMaxOffsetDeg(t *testing.T) {
	worst := 0.0
	for lon := 73.0; lon <= 136; lon += 0.1 {
		for lat := 15.0; lat <= 54; lat += 0.1 {
			w := orb.Point{lon, lat}
			for _, crs := range []CRS{GCJ02, BD09} {
				p := everywhere.FromWGS84(w, crs)
				worst = math.Max(worst, math.Max(math.Abs(p[0]-lon), math.Abs(p[1]-lat)))
			}
		}
	}
	if worst > MaxOffsetDeg {
		t.Fatalf("an offset of %v° exceeds MaxOffsetDeg = %v°", worst, MaxOffsetDeg)
	}
	t.Logf("largest offset %.5f° (MaxOffsetDeg %v°)", worst, MaxOffsetDeg)
}

func TestOffsetsOutsideRegion(t *testing.T) {
	square := NewOffsets(NewOutline(orb.MultiPolygon{{{{110, 40}, {115, 40}, {115, 45}, {110, 45}, {110, 40}}}}))
	for _, p := range []orb.Point{{109.9, 42}, {120, 42}, {112, 46}, {-74, 40.7}, {180, 90}} {
		for _, crs := range []CRS{WGS84, GCJ02, BD09} {
			if got := square.FromWGS84(p, crs); got != p {
				t.Errorf("FromWGS84(%v, %v) = %v; want it unchanged outside the region", p, crs, got)
			}
			if got := square.ToWGS84(p, crs); got != p {
				t.Errorf("ToWGS84(%v, %v) = %v; want it unchanged outside the region", p, crs, got)
			}
		}
	}
	in := orb.Point{112, 42}
	if got := square.FromWGS84(in, GCJ02); got == in {
		t.Errorf("FromWGS84(%v, gcj02) unchanged inside the region", in)
	}
	var none *Offsets
	if got := none.FromWGS84(in, GCJ02); got != in {
		t.Errorf("nil Offsets moved %v to %v", in, got)
	}
	if got := NewOffsets(nil).ToWGS84(in, BD09); got != in {
		t.Errorf("Offsets without a region moved %v to %v", in, got)
	}
}

// TestOffsetsAtTheBorder checks the border rule of ToWGS84 on a region
// whose edge runs through the offset: every WGS 84 point inside comes back
// to itself, and a point given in GCJ-02 whose inverse lies outside passes
// unchanged.
func TestOffsetsAtTheBorder(t *testing.T) {
	o := NewOffsets(NewOutline(orb.MultiPolygon{{{{110, 40}, {112, 40}, {112, 45}, {110, 45}, {110, 40}}}}))
	rng := rand.New(rand.NewSource(seed + 41))
	for range 2000 {
		// Within about 1.5 km of the eastern edge at 112°E, both sides.
		w := orb.Point{112 + (rng.Float64()-0.5)*0.04, 41 + rng.Float64()*3}
		out := o.FromWGS84(w, GCJ02)
		back := o.ToWGS84(out, GCJ02)
		if o.Applies(w) {
			if d := Distance(back, w); d > InverseTolerance {
				t.Fatalf("inside point %v: GCJ-02 %v reads back as %v, %.3f m off", w, out, back, d)
			}
		} else if out != w {
			t.Fatalf("outside point %v moved to %v", w, out)
		} else if inv := GCJ02ToWGS84(w); !o.Applies(inv) && back != w {
			t.Fatalf("outside point %v (inverse %v outside too) reads back as %v", w, inv, back)
		}
	}
}

func TestParseCRS(t *testing.T) {
	for i, n := range CRSNames() {
		c, ok := ParseCRS(n)
		if !ok || int(c) != i || c.String() != n {
			t.Errorf("ParseCRS(%q) = %v, %v; want %v", n, c, ok, CRS(i))
		}
	}
	for _, s := range []string{"", "WGS84", "epsg:4326", "gcj-02", "bd09mc"} {
		if c, ok := ParseCRS(s); ok {
			t.Errorf("ParseCRS(%q) = %v, true; want false", s, c)
		}
	}
	if s := CRS(9).String(); s != "CRS(9)" {
		t.Errorf("CRS(9).String() = %q", s)
	}
}

func TestGeometryConvertsEveryPoint(t *testing.T) {
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + 1, p[1] + 2} }
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	in := orb.Collection{
		orb.Point{1, 1}, orb.MultiPoint{{1, 1}}, orb.LineString{{0, 0}, {1, 1}},
		orb.MultiLineString{{{0, 0}, {1, 1}}}, ring, orb.Polygon{ring},
		orb.MultiPolygon{{ring}}, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}},
	}
	want := orb.Collection{
		orb.Point{2, 3}, orb.MultiPoint{{2, 3}}, orb.LineString{{1, 2}, {2, 3}},
		orb.MultiLineString{{{1, 2}, {2, 3}}}, orb.Ring{{1, 2}, {2, 2}, {2, 3}, {1, 2}}, orb.Polygon{{{1, 2}, {2, 2}, {2, 3}, {1, 2}}},
		orb.MultiPolygon{{{{1, 2}, {2, 2}, {2, 3}, {1, 2}}}}, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{2, 3}},
	}
	got := Geometry(in, shift)
	if !orb.Equal(got, want) {
		t.Fatalf("Geometry = %v; want %v", got, want)
	}
	if in[0] != (orb.Point{1, 1}) || ring[1] != (orb.Point{1, 0}) {
		t.Fatalf("Geometry changed its input: %v", in)
	}
	if Geometry(nil, shift) != nil {
		t.Fatal("Geometry(nil) != nil")
	}
}

// TestOutlineMatchesPlanar compares Outline.Contains with orb's planar
// point-in-polygon on random star-shaped polygons with holes.
func TestOutlineMatchesPlanar(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 42))
	for trial := range 50 {
		var mp orb.MultiPolygon
		for k := range 1 + rng.Intn(3) {
			c := orb.Point{float64(k)*8 + rng.Float64(), rng.Float64()*10 - 5}
			mp = append(mp, star(rng, c, 100+rng.Intn(400), 1, 3.5, trial%2 == 0))
		}
		o := NewOutline(mp)
		b := mp.Bound()
		for range 2000 {
			p := orb.Point{b.Min[0] - 1 + rng.Float64()*(b.Max[0]-b.Min[0]+2), b.Min[1] - 1 + rng.Float64()*(b.Max[1]-b.Min[1]+2)}
			if got, want := o.Contains(p), planar.MultiPolygonContains(mp, p); got != want {
				t.Fatalf("trial %d: Contains(%v) = %v; planar says %v", trial, p, got, want)
			}
		}
	}
	if (*Outline)(nil).Contains(orb.Point{0, 0}) {
		t.Fatal("a nil Outline contains a point")
	}
	if NewOutline(nil).Contains(orb.Point{0, 0}) {
		t.Fatal("an empty Outline contains a point")
	}
}

// star is a closed star-shaped polygon of n vertices around c, radii in
// [rmin, rmax] degrees, with a small square hole at c when hole is set.
func star(rng *rand.Rand, c orb.Point, n int, rmin, rmax float64, hole bool) orb.Polygon {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		d := rmin + rng.Float64()*(rmax-rmin)
		r = append(r, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)})
	}
	r = append(r, r[0])
	p := orb.Polygon{r}
	if hole {
		h := rmin / 2
		p = append(p, orb.Ring{{c[0] - h, c[1] - h}, {c[0] - h, c[1] + h}, {c[0] + h, c[1] + h}, {c[0] + h, c[1] - h}, {c[0] - h, c[1] - h}})
	}
	return p
}

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	p := orb.Point{111.97667, 43.6475}
	b.ReportAllocs()
	for b.Loop() {
		p = WGS84ToGCJ02(orb.Point{111.97667, 43.6475})
	}
	_ = p
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	g := WGS84ToGCJ02(orb.Point{111.97667, 43.6475})
	b.ReportAllocs()
	for b.Loop() {
		_ = GCJ02ToWGS84(g)
	}
}

func BenchmarkBD09ToWGS84(b *testing.B) {
	bd := everywhere.FromWGS84(orb.Point{111.97667, 43.6475}, BD09)
	b.ReportAllocs()
	for b.Loop() {
		_ = everywhere.ToWGS84(bd, BD09)
	}
}

// BenchmarkOutlineContains tests random points of the box around a
// 2,000-vertex star (the bundled China outline is measured in package data).
func BenchmarkOutlineContains(b *testing.B) {
	rng := rand.New(rand.NewSource(benchSeed))
	o := NewOutline(orb.MultiPolygon{star(rng, orb.Point{105, 35}, 2000, 8, 25, false)})
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{80 + rng.Float64()*50, 10 + rng.Float64()*50}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = o.Contains(pts[i&4095])
		i++
	}
}

// TestNamesAreCopies: CRSNames, Modes and World hand out copies, so that a
// caller changing its copy changes nothing for ParseCRS or the next caller.
func TestNamesAreCopies(t *testing.T) {
	names := CRSNames()
	names[0] = "changed"
	if c, ok := ParseCRS("wgs84"); !ok || c != WGS84 || CRSNames()[0] != "wgs84" {
		t.Errorf("after a caller changed its CRSNames(): ParseCRS(wgs84) = %v, %v, CRSNames() = %v", c, ok, CRSNames())
	}
	modes := Modes()
	modes[0] = "changed"
	if Modes()[0] != "walk" {
		t.Errorf("Modes() = %v after a caller changed its copy", Modes())
	}
	w := World()
	w.Min[0] = 0
	if World().Min[0] != -180 {
		t.Errorf("World() = %v after a caller changed its copy", World())
	}
}
