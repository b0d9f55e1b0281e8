package source

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"yizhan/data"
)

func readOSMFile(t *testing.T, path string) ([]*data.Station, []*data.FieldError) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stations, problems, err := ReadOSM(context.Background(), f)
	if err != nil {
		t.Fatalf("ReadOSM(%s): %v", path, err)
	}
	return stations, problems
}

func byID(stations []*data.Station) map[string]*data.Station {
	m := make(map[string]*data.Station, len(stations))
	for _, s := range stations {
		m[s.ID] = s
	}
	return m
}

func ids(stations []*data.Station) []string {
	out := make([]string, len(stations))
	for i, s := range stations {
		out[i] = s.ID
	}
	return out
}

func TestReadOSMAndorra(t *testing.T) {
	stations, problems := readOSMFile(t, "../testdata/osm/andorra-2022-09-20.osm.pbf")
	if len(problems) != 0 {
		t.Errorf("problems = %v; want none", problems)
	}
	// The extract's 6 border controls, 1 services node, and the rest_area
	// node and area (testdata/osm/README.md).
	want := map[string]data.Kind{
		"osm:node/690708580":  data.KindPort,
		"osm:node/719575329":  data.KindPort,
		"osm:node/3808706622": data.KindPort,
		"osm:node/5292726211": data.KindPort,
		"osm:node/7118124127": data.KindPort,
		"osm:node/7118124129": data.KindPort,
		"osm:node/9205310281": data.KindRestStop,
		"osm:node/5062247630": data.KindRestStop,
		"osm:way/407636899":   data.KindRestStop,
	}
	got := map[string]data.Kind{}
	for _, s := range stations {
		got[s.ID] = s.Kind
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadOSM(andorra) ids and kinds =\n %v\nwant\n %v", got, want)
	}
	if len(stations) != 9 {
		t.Errorf("ReadOSM(andorra) = %d records; want 9 (no id twice)", len(stations))
	}

	m := byID(stations)
	const source = "OpenStreetMap contributors, ODbL 1.0 (andorra-2022-09-20.osm.pbf, 2022-09-20T20:21:38Z)"
	for _, s := range stations {
		if s.Source != source {
			t.Errorf("%s: Source = %q; want %q", s.ID, s.Source, source)
		}
		if s.Status != data.StatusOpen {
			t.Errorf("%s: Status = %q; want open", s.ID, s.Status)
		}
		if errs := s.Validate(); len(errs) > 0 {
			t.Errorf("%s: invalid: %v", s.ID, errs)
		}
	}
	// Named "Aduana" (Latin script) → English slot; 24/7 kept and parsed.
	aduana := m["osm:node/3808706622"]
	if aduana.Names != (data.Names{EN: "Aduana"}) || aduana.OpeningHours != "24/7" || aduana.Hours == nil {
		t.Errorf("node 3808706622 = names %+v, hours %q (parsed %v); want EN Aduana, 24/7 parsed", aduana.Names, aduana.OpeningHours, aduana.Hours != nil)
	}
	if aduana.Location != (orb.Point{1.4728804, 42.4353361}) {
		t.Errorf("node 3808706622 location = %v; want [1.4728804 42.4353361]", aduana.Location)
	}
	if aduana.Port == nil || !reflect.DeepEqual(aduana.Port.Modes, []string{"road"}) {
		t.Errorf("node 3808706622 port = %+v; want modes [road]", aduana.Port)
	}
	// Unnamed objects get a generic name.
	if n := m["osm:node/690708580"].Names; n != (data.Names{EN: "Border control", ZH: "边境检查站"}) {
		t.Errorf("unnamed border control names = %+v", n)
	}
	if n := m["osm:node/9205310281"].Names; n != (data.Names{EN: "Service area", ZH: "服务区"}) {
		t.Errorf("unnamed services names = %+v", n)
	}
	area := m["osm:way/407636899"]
	if area.Names.EN != "Àrea de descans" {
		t.Errorf("way 407636899 name = %+v; want EN Àrea de descans", area.Names)
	}
	// toilets=no on the area: no toilet; every rest stop has rest_area.
	if got := area.Amenities.Names(); !reflect.DeepEqual(got, []string{"rest_area"}) {
		t.Errorf("way 407636899 amenities = %v; want [rest_area]", got)
	}

	// Compare with the osmium export: the same ids, nodes at the same
	// place, the area at its polygon's centroid.
	fc := loadFixture(t, "../testdata/osm/andorra_service_pois.geojson")
	var fromFixture []string
	for _, f := range fc.Features {
		p := f.Properties
		if p.MustString("highway", "") != "services" && p.MustString("highway", "") != "rest_area" && p.MustString("barrier", "") != "border_control" {
			continue
		}
		id := fmt.Sprintf("osm:%s/%d", p.MustString("@type"), int64(p.MustFloat64("@id")))
		fromFixture = append(fromFixture, id)
		s, ok := m[id]
		if !ok {
			t.Errorf("fixture object %s missing from ReadOSM", id)
			continue
		}
		var wantAt orb.Point
		switch g := f.Geometry.(type) {
		case orb.Point:
			wantAt = g
		default:
			wantAt, _ = planar.CentroidArea(g)
		}
		if d := math.Hypot(s.Location[0]-wantAt[0], s.Location[1]-wantAt[1]); d > 1e-7 {
			t.Errorf("%s at %v; want %v (fixture)", id, s.Location, wantAt)
		}
	}
	if len(fromFixture) != len(stations) {
		t.Errorf("fixture has %d matching objects; ReadOSM returned %d", len(fromFixture), len(stations))
	}
}

func loadFixture(t *testing.T, path string) *geojson.FeatureCollection {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &fc
}

func TestReadOSMLiechtenstein(t *testing.T) {
	stations, problems := readOSMFile(t, "../testdata/osm/liechtenstein-2013-08-03.osm.pbf")
	if len(problems) != 0 {
		t.Errorf("problems = %v; want none", problems)
	}
	if got, want := ids(stations), []string{"osm:node/32715"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadOSM(liechtenstein) ids = %v; want %v (1 border control, no services or rest areas)", got, want)
	}
	if s := stations[0]; s.Kind != data.KindPort || s.Location != (orb.Point{9.5707666, 47.2184255}) {
		t.Errorf("node 32715 = %s at %v; want port at [9.5707666 47.2184255]", s.Kind, s.Location)
	}
}

// notSeeker hides the Seek and Name methods of a reader.
type notSeeker struct{ io.Reader }

func TestReadOSMFromStream(t *testing.T) {
	f, err := os.Open("../testdata/osm/liechtenstein-2013-08-03.osm.pbf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stations, _, err := ReadOSM(context.Background(), notSeeker{f})
	if err != nil {
		t.Fatalf("ReadOSM(stream): %v", err)
	}
	if len(stations) != 1 || stations[0].Source != "OpenStreetMap contributors, ODbL 1.0 (2013-08-03T19:00:02Z)" {
		t.Errorf("ReadOSM(stream) = %v; want 1 record without a file name in its source", stations)
	}
}

func TestReadOSMCancelled(t *testing.T) {
	f, err := os.Open("../testdata/osm/andorra-2022-09-20.osm.pbf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ReadOSM(ctx, f); err == nil {
		t.Errorf("ReadOSM(cancelled context) error = nil; want one")
	}
}

func TestReadOSMNotPBF(t *testing.T) {
	if _, _, err := ReadOSM(context.Background(), strings.NewReader("id,lon,lat\n")); err == nil {
		t.Errorf("ReadOSM(CSV text) error = nil; want one")
	}
}

// osmXML has one of each case the PBF extracts lack: a multipolygon
// relation whose outer ring is split over two ways and which has a hole,
// tags mapped to amenities, names in several scripts, an opening_hours
// value that does not parse, and objects that must be ignored.
const osmXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="40" lon="110"/>
 <node id="2" lat="40" lon="110.004"/>
 <node id="3" lat="40.004" lon="110.004"/>
 <node id="4" lat="40.004" lon="110"/>
 <node id="5" lat="40.001" lon="110.001"/>
 <node id="6" lat="40.001" lon="110.002"/>
 <node id="7" lat="40.002" lon="110.002"/>
 <node id="8" lat="40.002" lon="110.001"/>
 <node id="10" lat="43.65" lon="111.97">
  <tag k="highway" v="services"/>
  <tag k="name" v="二连服务区"/>
  <tag k="name:en" v="Erenhot services"/>
  <tag k="toilets" v="yes"/>
  <tag k="shower" v="yes"/>
  <tag k="drinking_water" v="yes"/>
  <tag k="hgv" v="designated"/>
  <tag k="capacity:hgv" v="30"/>
  <tag k="internet_access" v="wlan"/>
  <tag k="restaurant" v="yes"/>
  <tag k="opening_hours" v="Mo-Fr 08:00-18:00"/>
 </node>
 <node id="11" lat="49.6" lon="117.4">
  <tag k="barrier" v="border_control"/>
  <tag k="name" v="Забайкальск"/>
  <tag k="opening_hours" v="sunrise-sunset"/>
 </node>
 <node id="12" lat="45" lon="112">
  <tag k="highway" v="rest_area"/>
  <tag k="name" v="ᠡᠷᠡᠶᠨ"/>
  <tag k="toilets" v="no"/>
 </node>
 <node id="13" lat="45" lon="112">
  <tag k="amenity" v="fuel"/>
  <tag k="name" v="Not a station"/>
 </node>
 <way id="20">
  <nd ref="1"/><nd ref="2"/><nd ref="3"/>
 </way>
 <way id="21">
  <nd ref="1"/><nd ref="4"/><nd ref="3"/>
 </way>
 <way id="22">
  <nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
 </way>
 <way id="23">
  <nd ref="99"/><nd ref="98"/>
  <tag k="highway" v="rest_area"/>
 </way>
 <way id="24">
  <nd ref="1"/><nd ref="2"/>
  <tag k="highway" v="primary"/>
 </way>
 <relation id="30">
  <member type="way" ref="20" role="outer"/>
  <member type="way" ref="21" role="outer"/>
  <member type="way" ref="22" role="inner"/>
  <tag k="type" v="multipolygon"/>
  <tag k="highway" v="rest_area"/>
  <tag k="name:en" v="Big rest area"/>
 </relation>
 <relation id="31">
  <member type="node" ref="10" role=""/>
  <tag k="type" v="site"/>
  <tag k="highway" v="services"/>
 </relation>
</osm>`

func TestReadOSMXML(t *testing.T) {
	stations, problems, err := ReadOSMXML(context.Background(), strings.NewReader(osmXML))
	if err != nil {
		t.Fatalf("ReadOSMXML: %v", err)
	}
	if got, want := ids(stations), []string{"osm:node/10", "osm:node/11", "osm:node/12", "osm:relation/30"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ids = %v; want %v", got, want)
	}
	type key struct{ id, field string }
	var gotProblems []key
	for _, p := range problems {
		gotProblems = append(gotProblems, key{p.ID, p.Field})
		if p.Index != -1 {
			t.Errorf("problem %v: Index = %d; want -1", p, p.Index)
		}
	}
	sort.Slice(gotProblems, func(i, j int) bool { return gotProblems[i].id < gotProblems[j].id })
	wantProblems := []key{{"osm:node/11", "opening_hours"}, {"osm:way/23", "geometry"}}
	if !reflect.DeepEqual(gotProblems, wantProblems) {
		t.Errorf("problems = %v; want %v", gotProblems, wantProblems)
	}
	for _, p := range problems {
		if want := p.ID == "osm:node/11"; data.IsWarning(p) != want {
			t.Errorf("IsWarning(%v) = %v; want %v", p, data.IsWarning(p), want)
		}
	}

	m := byID(stations)
	svc := m["osm:node/10"]
	wantAmenities := []string{"drinking_water", "hot_meal", "toilet", "rest_area", "shower", "truck_parking", "wifi"}
	if got := svc.Amenities.Names(); !reflect.DeepEqual(got, wantAmenities) {
		t.Errorf("node 10 amenities = %v; want %v", got, wantAmenities)
	}
	if svc.Names != (data.Names{ZH: "二连服务区", EN: "Erenhot services"}) {
		t.Errorf("node 10 names = %+v", svc.Names)
	}
	if svc.TruckParkingSpaces == nil || *svc.TruckParkingSpaces != 30 {
		t.Errorf("node 10 truck parking spaces = %v; want 30", svc.TruckParkingSpaces)
	}
	if svc.OpeningHours != "Mo-Fr 08:00-18:00" || svc.Hours == nil {
		t.Errorf("node 10 hours = %q (parsed %v); want Mo-Fr 08:00-18:00 parsed", svc.OpeningHours, svc.Hours != nil)
	}
	// Cyrillic name → ru; with no zh or en name, the generic ones are added.
	bc := m["osm:node/11"]
	if bc.Names != (data.Names{RU: "Забайкальск", EN: "Border control", ZH: "边境检查站"}) || bc.OpeningHours != "" {
		t.Errorf("node 11 = names %+v, hours %q; want ru name + generic, no hours", bc.Names, bc.OpeningHours)
	}
	if m["osm:node/12"].Names.MN != "ᠡᠷᠡᠶᠨ" {
		t.Errorf("node 12 names = %+v; want the Mongolian-script name in mn", m["osm:node/12"].Names)
	}
	// A 0.004° square with a 0.001° hole off-centre: the centroid moves
	// away from the hole. Outer area 16, hole 1 (units of 0.001°²);
	// centroid = (16·2 − 1·1.5) / 15 thousandths from the corner.
	rel := m["osm:relation/30"]
	want := orb.Point{110 + (16*0.002-1*0.0015)/15, 40 + (16*0.002-1*0.0015)/15}
	if d := math.Hypot(rel.Location[0]-want[0], rel.Location[1]-want[1]); d > 1e-9 {
		t.Errorf("relation 30 at %v; want %v", rel.Location, want)
	}
}

func TestNameScript(t *testing.T) {
	tests := []struct{ in, want string }{
		{"服务区", "zh"},
		{"G7 服务区", "zh"},
		{"Забайкальск", "ru"},
		{"ᠡᠷᠡᠶᠨ", "mn"},
		{"Aduana", ""},
		{"Àrea de descans", ""},
		{"123", ""},
	}
	for _, tc := range tests {
		if got := nameScript(tc.in); got != tc.want {
			t.Errorf("nameScript(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestJoinRings(t *testing.T) {
	a, b, c, d := orb.Point{0, 0}, orb.Point{1, 0}, orb.Point{1, 1}, orb.Point{0, 1}
	tests := []struct {
		name  string
		segs  [][]orb.Point
		rings int
	}{
		{"closed way", [][]orb.Point{{a, b, c, a}}, 1},
		{"two halves", [][]orb.Point{{a, b, c}, {c, d, a}}, 1},
		{"second half reversed", [][]orb.Point{{a, b, c}, {a, d, c}}, 1},
		{"three pieces out of order", [][]orb.Point{{c, d}, {a, b}, {d, a}, {b, c}}, 1},
		{"gap", [][]orb.Point{{a, b, c}, {d, a}}, 0},
		{"too short", [][]orb.Point{{a, b, a}}, 0},
	}
	for _, tc := range tests {
		if got := len(joinRings(tc.segs)); got != tc.rings {
			t.Errorf("%s: len(joinRings(%v)) = %d; want %d", tc.name, tc.segs, got, tc.rings)
		}
	}
}
