package bundled

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"yizhan/data"
)

func layersOrFatal(t *testing.T) *Layers {
	t.Helper()
	l, err := LoadLayers()
	if err != nil {
		t.Fatalf("LoadLayers() error: %v", err)
	}
	return l
}

func TestBundledLayersAreFeatureCollections(t *testing.T) {
	l := layersOrFatal(t)
	tests := []struct {
		name     string
		features int
		geometry string
	}{
		{LayerBoundary, 1, "MultiPolygon"},
		{LayerBoundaryFull, 1, "MultiPolygon"},
		{LayerBorders, 2, "MultiLineString"},
		{LayerLeagueSeats, 12, "Point"},
		{LayerPlaces, 340, "Point"},
		{LayerAirports, 17, "Point"},
		{LayerChina, 1, "MultiPolygon"},
	}
	if got, want := l.Names(), []string{"airports", "borders", "boundary", "boundary_full", "china", "league_seats", "places"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v; want %v", got, want)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, ok := l.GeoJSON(tc.name)
			if !ok {
				t.Fatalf("GeoJSON(%q) not found", tc.name)
			}
			var head struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(raw, &head); err != nil || head.Type != "FeatureCollection" {
				t.Fatalf("GeoJSON(%q): type %q, err %v; want a FeatureCollection", tc.name, head.Type, err)
			}
			fc, err := geojson.UnmarshalFeatureCollection(raw)
			if err != nil {
				t.Fatalf("GeoJSON(%q) is not GeoJSON: %v", tc.name, err)
			}
			if len(fc.Features) != tc.features {
				t.Errorf("GeoJSON(%q) has %d features; want %d", tc.name, len(fc.Features), tc.features)
			}
			for i, f := range fc.Features {
				if f.Geometry == nil || f.Geometry.GeoJSONType() != tc.geometry {
					t.Errorf("GeoJSON(%q) feature %d geometry %v; want %s", tc.name, i, f.Geometry, tc.geometry)
					continue
				}
				b := f.Geometry.Bound()
				if b.Min.Lon() < -180 || b.Max.Lon() > 180 || b.Min.Lat() < -90 || b.Max.Lat() > 90 {
					t.Errorf("GeoJSON(%q) feature %d bound %v out of range", tc.name, i, b)
				}
			}
			info, ok := l.Info(tc.name)
			if !ok || info.Attribution == "" || info.License == "" || info.Source == "" {
				t.Errorf("Info(%q) = %+v, %v; want source, license and attribution", tc.name, info, ok)
			}
		})
	}
	if _, ok := l.GeoJSON("nope"); ok {
		t.Error(`GeoJSON("nope") found`)
	}
}

func TestRegion(t *testing.T) {
	l := layersOrFatal(t)
	tests := []struct {
		name string
		ok   bool
	}{
		{"内蒙古", true},
		{"内蒙古自治区", true},
		{"Inner Mongolia", true},
		{"inner mongolia", true},
		{"  INNER   Mongolia ", true},
		{"Nei Mongol", true},
		{"nei mongol", true},
		{"150000", true},
		{"CN-NM", true},
		{"", false},
		{"Mongolia", false},
		{"150100", false},
		{"北京", false},
		{"内蒙", false},
	}
	want := RegionInfo{Code: "150000", NameZH: "内蒙古自治区", NameEN: "Inner Mongolia"}
	for _, tc := range tests {
		area, info, ok := l.Region(tc.name)
		if ok != tc.ok {
			t.Errorf("Region(%q) ok = %v; want %v", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			if area != nil || info != (RegionInfo{}) {
				t.Errorf("Region(%q) = %v, %+v for a miss; want zero values", tc.name, len(area), info)
			}
			continue
		}
		if info != want {
			t.Errorf("Region(%q) info = %+v; want %+v", tc.name, info, want)
		}
		if n := vertices(area); n != 14206+5 {
			t.Errorf("Region(%q) has %d vertices; want every vertex of the source (14211)", tc.name, n)
		}
	}
	if got := l.Regions(); !slices.Equal(got, []RegionInfo{want, ChinaRegion}) {
		t.Errorf("Regions() = %+v; want [%+v %+v]", got, want, ChinaRegion)
	}
}

func TestRegionContainsKnownPlaces(t *testing.T) {
	area, _, ok := layersOrFatal(t).Region("Inner Mongolia")
	if !ok {
		t.Fatal("Region(Inner Mongolia) not found")
	}
	tests := []struct {
		name string
		p    orb.Point
		in   bool
	}{
		{"Hohhot", orb.Point{111.65222, 40.81056}, true},
		{"Hailar", orb.Point{119.7, 49.2}, true},
		{"Ejin Banner", orb.Point{101.06389, 41.96528}, true},
		{"Beijing", orb.Point{116.4074, 39.9042}, false},
		{"Ulaanbaatar", orb.Point{106.9057, 47.8864}, false},
		{"Harbin", orb.Point{126.535, 45.8038}, false},
		{"Yinchuan", orb.Point{106.2309, 38.4872}, false},
	}
	for _, tc := range tests {
		if got := planar.MultiPolygonContains(area, tc.p); got != tc.in {
			t.Errorf("province contains %s %v = %v; want %v", tc.name, tc.p, got, tc.in)
		}
	}
	b := area.Bound()
	if b.Min.Lon() < 97 || b.Max.Lon() > 127 || b.Min.Lat() < 37 || b.Max.Lat() > 54 {
		t.Errorf("province bound %v; want inside lon 97..127, lat 37..54", b)
	}
}

func TestRegionReturnsCopy(t *testing.T) {
	l := layersOrFatal(t)
	a, _, _ := l.Region("150000")
	a[0][0][0] = orb.Point{0, 0}
	b, _, _ := l.Region("150000")
	if b[0][0][0] == (orb.Point{0, 0}) {
		t.Error("Region returns a shared outline; a caller's change leaked")
	}
}

// TestSimplifiedBoundary checks the map outline: far fewer vertices, every
// one of them a vertex of the full outline, and the same extent.
func TestSimplifiedBoundary(t *testing.T) {
	l := layersOrFatal(t)
	full, _, _ := l.Region("150000")
	raw, _ := l.GeoJSON(LayerBoundary)
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatalf("decode boundary: %v", err)
	}
	simple, ok := fc.Features[0].Geometry.(orb.MultiPolygon)
	if !ok {
		t.Fatalf("boundary geometry is %T; want orb.MultiPolygon", fc.Features[0].Geometry)
	}
	ns, nf := vertices(simple), vertices(full)
	if ns*4 > nf || ns < 500 {
		t.Errorf("simplified boundary has %d vertices of %d; want 500..%d", ns, nf, nf/4)
	}
	known := map[orb.Point]bool{}
	for _, p := range full {
		for _, r := range p {
			for _, v := range r {
				known[v] = true
			}
		}
	}
	for _, p := range simple {
		for _, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Errorf("simplified ring of %d vertices is not closed", len(r))
			}
			for _, v := range r {
				if !known[v] {
					t.Errorf("simplified vertex %v is not a vertex of the full outline", v)
				}
			}
		}
	}
	// Douglas-Peucker moves no edge more than its tolerance (0.005°).
	sb, fb := simple.Bound(), full.Bound()
	for i, d := range []float64{sb.Min[0] - fb.Min[0], sb.Min[1] - fb.Min[1], fb.Max[0] - sb.Max[0], fb.Max[1] - sb.Max[1]} {
		if d < 0 || d > 0.005 {
			t.Errorf("simplified bound %v vs full %v: side %d off by %g°; want 0..0.005", sb, fb, i, d)
		}
	}
}

func TestBundledLayersShared(t *testing.T) {
	a, b := layersOrFatal(t), layersOrFatal(t)
	if a != b {
		t.Error("LoadLayers() parsed the layers twice")
	}
	names := a.Names()
	names[0] = "changed"
	if a.Names()[0] == "changed" {
		t.Error("Names() returns the internal slice")
	}
}

func vertices(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	return n
}

// TestLeagueSeatNames checks that every seat is labelled by its league,
// not by GeoNames' alternate name (Chifeng's is 红山区, a district).
func TestLeagueSeatNames(t *testing.T) {
	raw, _ := layersOrFatal(t).GeoJSON(LayerLeagueSeats)
	var fc struct {
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				LeagueZH string     `json:"league_zh"`
				Names    data.Names `json:"names"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("decode league seats: %v", err)
	}
	for _, f := range fc.Features {
		n := f.Properties.Names
		zhOK := strings.HasSuffix(n.ZH, "市") || strings.HasSuffix(n.ZH, "盟")
		if !zhOK || n.ZH != f.Properties.LeagueZH || n.EN == "" {
			t.Errorf("seat %s: names %+v (league_zh %q); want the league's zh and en names", f.ID, n, f.Properties.LeagueZH)
		}
	}
}
