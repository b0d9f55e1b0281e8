package bundled

import (
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"yizhan/geo"
)

// chinaTowns are towns on both sides of mainland China's borders, with the
// answer the bundled China outline must give. The Chinese border towns
// are the GeoNames cities500 points of the bundled places layer (the port
// towns) or well-known town centres; the foreign ones are their
// counterparts across the border, several of them within a few km of it,
// where a rectangle (72°–137°E, 0.8°–55.8°N, the usual "out of China"
// test) would wrongly shift them.
var chinaTowns = []struct {
	name   string
	p      orb.Point
	inside bool
}{
	{"Erenhot (二连浩特)", orb.Point{111.97667, 43.6475}, true},
	{"Zamyn-Üüd, Mongolia", orb.Point{111.90, 43.72}, false},
	{"Manzhouli (满洲里)", orb.Point{117.43333, 49.6}, true},
	{"Zabaykalsk, Russia", orb.Point{117.33, 49.65}, false},
	{"Heishantou (黑山头)", orb.Point{119.50434, 50.21389}, true},
	{"Ceke (策克)", orb.Point{101.15, 42.4667}, true},
	{"Zhuengadabuqi (珠恩嘎达布其)", orb.Point{116.2667, 45.7333}, true},
	{"Hohhot (呼和浩特)", orb.Point{111.65222, 40.81056}, true},
	{"Sainshand, Mongolia", orb.Point{110.14, 44.89}, false},
	{"Ulaanbaatar, Mongolia", orb.Point{106.92, 47.92}, false},
	{"Choibalsan, Mongolia", orb.Point{114.53, 48.07}, false},
	{"Priargunsk, Russia", orb.Point{119.10, 50.37}, false},
	{"Heihe (黑河)", orb.Point{127.49, 50.24}, true},
	{"Blagoveshchensk, Russia", orb.Point{127.53, 50.27}, false},
	{"Shenzhen (深圳)", orb.Point{114.06, 22.54}, true},
	{"Hong Kong", orb.Point{114.17, 22.32}, false},
	{"Macao", orb.Point{113.54, 22.19}, false},
	{"Zhuhai (珠海)", orb.Point{113.55, 22.27}, true},
	{"Taipei, Taiwan", orb.Point{121.56, 25.04}, false},
	{"Beijing (北京)", orb.Point{116.39, 39.91}, true},
	{"Haikou (海口), Hainan", orb.Point{110.33, 20.03}, true},
	{"Thimphu, Bhutan", orb.Point{89.64, 27.47}, false},
	{"Seoul, Korea", orb.Point{126.98, 37.57}, false},
	{"Hanoi, Viet Nam", orb.Point{105.85, 21.03}, false},
	{"Kashgar (喀什)", orb.Point{75.99, 39.47}, true},
}

func TestChinaOutlineBorderTowns(t *testing.T) {
	l := layersOrFatal(t)
	mp := l.China()
	o := geo.NewOutline(mp)
	for _, tc := range chinaTowns {
		got := o.Contains(tc.p)
		if got != tc.inside {
			t.Errorf("%s %v: inside China = %v; want %v", tc.name, tc.p, got, tc.inside)
		}
		if planar.MultiPolygonContains(mp, tc.p) != got {
			t.Errorf("%s %v: Outline and planar disagree", tc.name, tc.p)
		}
	}
	// The offset would move Zamyn-Üüd by some 600 m if it applied there.
	zu := orb.Point{111.90, 43.72}
	if d := geo.Distance(zu, geo.WGS84ToGCJ02(zu)); d < 400 {
		t.Errorf("the GCJ-02 offset at Zamyn-Üüd is %.0f m; the test expects the usual several hundred", d)
	}
	if n := o.Vertices(); n < 10_000 || o.Rings() != 70 {
		t.Errorf("China outline: %d rings, %d vertices; want 70 rings and the Natural Earth 1:10m detail (over 10,000)", o.Rings(), n)
	}
}

// TestBundledRecordsInChina checks that the offset applies to every
// bundled record but the two at Shiwei: Shiwei lies on the Argun, the
// border river, and its GeoNames point (51°20'N, rounded to the minute)
// falls about 0.6 km outside the Natural Earth outline, so the API returns
// those two records unshifted in GCJ-02 and BD-09 (data/README.md).
func TestBundledRecordsInChina(t *testing.T) {
	o := geo.NewOutline(layersOrFatal(t).China())
	sts, err := Stations()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"port-shiwei": true, "example-driver-home-shiwei": true}
	for _, st := range sts {
		if in := o.Contains(st.Location); in == known[st.ID] {
			t.Errorf("record %s at %v: inside the China outline = %v; want %v", st.ID, st.Location, in, !known[st.ID])
		}
	}
}

// TestChinaOutlineRings checks that the outline is valid RFC 7946:
// closed rings, exterior counter-clockwise, within China's extent.
func TestChinaOutlineRings(t *testing.T) {
	mp := layersOrFatal(t).China()
	for i, p := range mp {
		for j, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("polygon %d ring %d: %d positions, closed %v", i, j, len(r), r[0] == r[len(r)-1])
			}
			if want := orb.CCW; (j == 0) != (r.Orientation() == want) {
				t.Errorf("polygon %d ring %d: orientation %v", i, j, r.Orientation())
			}
		}
	}
	b := mp.Bound()
	if b.Min[0] < 73 || b.Max[0] > 135.1 || b.Min[1] < 15 || b.Max[1] > 53.6 {
		t.Errorf("China outline bound %v; want within 73–135.1°E, 15–53.6°N", b)
	}
}

// BenchmarkChinaContains tests random points of the rectangle around China
// against the bundled outline.
func BenchmarkChinaContains(b *testing.B) {
	l, err := LoadLayers()
	if err != nil {
		b.Fatal(err)
	}
	o := geo.NewOutline(l.China())
	rng := rand.New(rand.NewSource(1))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*36}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = o.Contains(pts[i&4095])
		i++
	}
}

// BenchmarkChinaContainsInnerMongolia tests points near the Inner
// Mongolia border, where the bands hold the most edges that matter.
func BenchmarkChinaContainsInnerMongolia(b *testing.B) {
	l, err := LoadLayers()
	if err != nil {
		b.Fatal(err)
	}
	o := geo.NewOutline(l.China())
	rng := rand.New(rand.NewSource(2))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{97 + rng.Float64()*30, 37 + rng.Float64()*17}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = o.Contains(pts[i&4095])
		i++
	}
}
