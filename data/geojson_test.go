package data

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data/hours/hourstest"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files in testdata")

// sameStation reports how a and b differ, or "" when they are the same
// record (Hours compared as schedules, times as instants).
func sameStation(a, b *Station) string {
	if !a.Hours.Equal(b.Hours) {
		return fmt.Sprintf("Hours %v != %v", a.Hours, b.Hours)
	}
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return fmt.Sprintf("UpdatedAt %v != %v", a.UpdatedAt, b.UpdatedAt)
	}
	ac, bc := *a, *b
	ac.Hours, bc.Hours = nil, nil
	ac.UpdatedAt, bc.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(ac, bc) {
		aj, _ := json.Marshal(ac)
		bj, _ := json.Marshal(bc)
		return fmt.Sprintf("\n%s\n!=\n%s", aj, bj)
	}
	return ""
}

var randomNames = []string{"", "满洲里", "Erenhot", "Эрэн", "Эрээн хот", "a \"quoted\" <b>&", "驿站 1", "x\u2028y"}

// randomStation returns a valid record with every field exercised.
func randomStation(r *rand.Rand, i int) *Station {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	optInt := func() *int {
		if r.IntN(2) == 0 {
			return nil
		}
		return intp(r.IntN(100000))
	}
	st := &Station{
		ID:                 fmt.Sprintf("st-%d-%x", i, r.Uint32()),
		Location:           orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90},
		Kind:               Kinds()[r.IntN(len(Kinds()))],
		Names:              Names{ZH: pick(randomNames[1:]), EN: pick(randomNames), RU: pick(randomNames), MN: pick(randomNames)},
		Amenities:          AmenitySet(r.Uint32() & (1<<len(Amenities()) - 1)),
		CapacityPerDay:     optInt(),
		Beds:               optInt(),
		TruckParkingSpaces: optInt(),
		AreaM2:             optInt(),
		Region:             pick(randomNames),
		Address:            pick(randomNames),
		Phone:              pick([]string{"", "+86 470 622 0000"}),
		Operator:           pick(randomNames),
		Status:             []Status{StatusOpen, StatusClosed, StatusPlanned}[r.IntN(3)],
		Source:             pick(randomNames[1:]),
		TimeZone:           pick([]string{"", "Asia/Shanghai", "Asia/Ulaanbaatar", "UTC"}),
		Version:            int64(r.IntN(3)) * r.Int64N(1<<40),
	}
	if r.IntN(3) > 0 {
		st.OpeningHours = hourstest.Random(r)
	}
	if r.IntN(2) == 0 {
		st.UpdatedAt = time.Unix(r.Int64N(2e9), r.Int64N(1e9)).UTC()
	}
	for _, l := range Languages() {
		if r.IntN(2) == 0 {
			st.Languages = append(st.Languages, l)
		}
	}
	if r.IntN(3) == 0 {
		st.Kind = KindPort
		st.Port = &PortInfo{Country: pick(PortCountries()), Hours: pick(randomNames)}
		for _, m := range PortModes() {
			if r.IntN(2) == 0 {
				st.Port.Modes = append(st.Port.Modes, m)
			}
		}
	}
	st.Normalize()
	if errs := st.Validate(); errs != nil {
		panic(fmt.Sprintf("randomStation made an invalid record: %v", errs))
	}
	return st
}

func encode(t testing.TB, stations []*Station) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeStations(&buf, stations); err != nil {
		t.Fatalf("EncodeStations: %v", err)
	}
	return buf.Bytes()
}

func TestGeoJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var in []*Station
	for i := range 2000 {
		in = append(in, randomStation(r, i))
	}
	out, problems, err := DecodeStations(bytes.NewReader(encode(t, in)))
	if err != nil || problems != nil {
		t.Fatalf("DecodeStations(EncodeStations(x)) = %v, %v", problems, err)
	}
	if len(out) != len(in) {
		t.Fatalf("decoded %d records; want %d", len(out), len(in))
	}
	for i := range in {
		if d := sameStation(in[i], out[i]); d != "" {
			t.Fatalf("record %d changed in a round trip: %s", i, d)
		}
		// One Feature at a time, as the write API uses it.
		raw, err := in[i].MarshalFeature()
		if err != nil {
			t.Fatal(err)
		}
		one, errs := DecodeStation(raw)
		if errs != nil {
			t.Fatalf("DecodeStation(%s) = %v", raw, errs)
		}
		if d := sameStation(in[i], one); d != "" {
			t.Fatalf("record %d changed in a single-feature round trip: %s", i, d)
		}
	}
}

// TestPropertiesMatchExport checks that Properties and the export write
// the same properties, apart from name.
func TestPropertiesMatchExport(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 200 {
		st := randomStation(r, i)
		raw, err := st.MarshalFeature()
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		if f.Properties["name"] != st.Names.In("zh") {
			t.Errorf("exported name = %v; want %q", f.Properties["name"], st.Names.In("zh"))
		}
		delete(f.Properties, "name")
		pj, err := json.Marshal(st.Properties())
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(pj, &p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, f.Properties) {
			t.Fatalf("Properties() = %s\nexport properties = %v", pj, f.Properties)
		}
	}
}

// goldenStations is a fixed record set covering every property.
func goldenStations() []*Station {
	full := validStation()
	port := &Station{
		ID:           "port-erenhot",
		Location:     orb.Point{111.9778, 43.6475},
		Kind:         KindPort,
		Names:        Names{ZH: "二连浩特口岸", EN: "Erenhot Port", MN: "Эрээн боомт"},
		OpeningHours: "Mo-Fr 08:00-12:00,14:30-18:00; Sa 09:00-12:00; Su off",
		Port:         &PortInfo{Country: "MN", Modes: []string{"road", "rail"}, Hours: "08:00-18:00"},
		Languages:    []string{"zh", "mn"},
		UpdatedAt:    time.Date(2024, 3, 2, 1, 2, 3, 500, time.UTC),
		Source:       "test fixture",
		Version:      42,
	}
	minimal := &Station{ID: "minimal", Location: orb.Point{-179.5, -89.25}, Kind: KindRestStop, Names: Names{EN: "Rest <&> stop"}, Source: "test fixture"}
	out := []*Station{full, port, minimal}
	for _, st := range out {
		st.Normalize()
		if errs := st.Validate(); errs != nil {
			panic(fmt.Sprint(errs))
		}
	}
	return out
}

func TestGeoJSONGolden(t *testing.T) {
	path := filepath.Join("testdata", "records", "golden.geojson")
	got := encode(t, goldenStations())
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./data -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeStations(goldenStations()) =\n%s\nwant (%s):\n%s", got, path, want)
	}
	// The golden file reads back to the same records.
	stations, problems, err := DecodeStations(bytes.NewReader(want))
	if err != nil || problems != nil {
		t.Fatalf("DecodeStations(%s) = %v, %v", path, problems, err)
	}
	for i, st := range goldenStations() {
		if d := sameStation(st, stations[i]); d != "" {
			t.Errorf("golden record %d: %s", i, d)
		}
	}
}

type problem struct {
	index int
	id    string
	field string
	in    string // part of the reason
}

func TestDecodeStationsBadRecords(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "records", "mixed.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stations, problems, err := DecodeStations(f)
	if err != nil {
		t.Fatalf("DecodeStations(mixed) error = %v", err)
	}
	var ids []string
	for _, st := range stations {
		ids = append(ids, st.ID)
	}
	wantIDs := []string{"good-1", "good-2", "7", "dup", "good-3"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("valid records = %v; want %v", ids, wantIDs)
	}
	want := []problem{
		{1, "bad-kind", "kind", `unknown kind "hotel"`},
		{2, "bad-amenity", "amenities", `unknown amenity "sauna"`},
		{2, "bad-amenity", "amenities", `unknown amenity "pool"`},
		{3, "no-geometry", "geometry", "missing"},
		{4, "line", "geometry", `"LineString"; want "Point"`},
		{5, "types", "kind", "want a string, got number"},
		{5, "types", "names", "want a string at zh, got number"},
		{5, "types", "beds", "want an integer, got number 1.5"},
		{5, "types", "languages", "want an array of strings, got string"},
		{5, "types", "status", "want a string, got bool"},
		{6, "good-1", "id", "duplicate id; record 0 already uses it"},
		{7, "", "feature", "want a GeoJSON Feature object"},
		{8, "", "id", "missing"},
		{8, "", "names", "needs a Chinese (zh) or English (en) name"},
		{8, "", "source", "missing"},
		{9, "far", "geometry", "latitude 91 out of range"},
		{10, "hours", "opening_hours", `at "Fx`},
		{11, "coords", "geometry", "coordinates holds 1 values"},
		{13, "not-port", "port", "only allowed on records of kind port"},
		{14, "wrong-type", "type", `want "Feature"`},
		{15, "props", "properties", "want an object"},
		{16, "bad-time", "updated_at", "not an RFC 3339 time"},
		{19, "dup", "id", "duplicate id; record 18 already uses it"},
	}
	var got []problem
	for _, p := range problems {
		got = append(got, problem{p.Index, p.ID, p.Field, p.Reason})
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			t.Errorf("missing problem %+v", want[i])
		case i >= len(want):
			t.Errorf("unexpected problem %+v", got[i])
		case got[i].index != want[i].index || got[i].id != want[i].id || got[i].field != want[i].field ||
			!strings.Contains(got[i].in, want[i].in):
			t.Errorf("problem %d = %+v; want %+v", i, got[i], want[i])
		}
	}
}

func TestDecodeStationsNotACollection(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty input"},
		{"not json", "hello", "invalid character"},
		{"array", "[]", "want an object"},
		{"string", `"x"`, "want an object"},
		{"wrong type", `{"type":"Feature","features":[]}`, `want "FeatureCollection"`},
		{"no type", `{"features":[]}`, "missing \"type\""},
		{"no features", `{"type":"FeatureCollection"}`, "missing the \"features\" array"},
		{"features not array", `{"type":"FeatureCollection","features":{}}`, "must be an array"},
		{"features null", `{"type":"FeatureCollection","features":null}`, "must be an array"},
		{"truncated", `{"type":"FeatureCollection","features":[{"type":"Feature"`, "read feature 0"},
		{"broken feature", `{"type":"FeatureCollection","features":[{"type":}]}`, "read feature 0"},
		{"trailing", `{"type":"FeatureCollection","features":[]} {}`, "unexpected data after"},
		{"unclosed", `{"type":"FeatureCollection","features":[]`, "read feature collection"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, problems, err := DecodeStations(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeStations(%q) error = %v; want one containing %q", tc.in, err, tc.want)
			}
			if st != nil || problems != nil {
				t.Errorf("DecodeStations(%q) returned records or problems with an error", tc.in)
			}
		})
	}
}

func TestDecodeStationsTolerant(t *testing.T) {
	in := `{"bbox":[0,0,1,1],"type":"FeatureCollection","name":"x","features":[
	  {"type":"Feature","id":12,"geometry":{"type":"Point","coordinates":[10,20,300]},
	   "properties":{"kind":"port","names":{"zh":"口岸","de":"Hafen"},"source":"s","name":5,"color":"red"}},
	  {"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},
	   "properties":{"id":"in-props","kind":"rest_stop","names":{"en":"R"},"source":"s","status":null,"amenities":null}}
	],"extra":{"deep":[1,2,3]}}`
	stations, problems, err := DecodeStations(strings.NewReader(in))
	if err != nil || problems != nil {
		t.Fatalf("DecodeStations = %v, %v; want no problems", problems, err)
	}
	if len(stations) != 2 || stations[0].ID != "12" || stations[1].ID != "in-props" {
		t.Fatalf("DecodeStations ids = %v", stations)
	}
	if stations[0].Location != (orb.Point{10, 20}) {
		t.Errorf("location = %v; want [10 20] (altitude ignored)", stations[0].Location)
	}
	if stations[1].Status != StatusOpen {
		t.Errorf("status = %q; want default %q", stations[1].Status, StatusOpen)
	}
}

func TestDecodeStationGarbage(t *testing.T) {
	for _, in := range []string{"", "null", "5", "[]", `{"type":"Feature"}`, `{`, "\x00"} {
		st, errs := DecodeStation([]byte(in))
		if st != nil || len(errs) == 0 {
			t.Errorf("DecodeStation(%q) = %v, %v; want problems", in, st, errs)
		}
		for _, e := range errs {
			if e.Index != -1 {
				t.Errorf("DecodeStation(%q) problem index = %d; want -1", in, e.Index)
			}
		}
	}
}

// featureStream generates a FeatureCollection of n records without
// holding it in memory.
func featureStream(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := pw
		fmt.Fprint(w, `{"type":"FeatureCollection","features":[`)
		for i := range n {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"type":"Feature","id":"s%d","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"kind":"rest_stop","names":{"zh":"站"},"amenities":["toilet","wifi"],"opening_hours":"Mo-Fr 08:00-18:00","source":"gen"}}`,
				i, float64(i%360)-180, float64(i%180)-90)
		}
		fmt.Fprint(w, "]}")
		pw.Close()
	}()
	return pr
}

func TestDecodeStationsLarge(t *testing.T) {
	// YIZHAN_TEST_RECORDS=1000000 runs the full-size case (about 10 s).
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("YIZHAN_TEST_RECORDS")); err == nil && v > 0 {
		n = v
	}
	stations, problems, err := DecodeStations(featureStream(n))
	if err != nil || problems != nil || len(stations) != n {
		t.Fatalf("DecodeStations(%d records) = %d records, %d problems, %v", n, len(stations), len(problems), err)
	}
	if stations[0].Hours != stations[n-1].Hours {
		t.Error("identical opening_hours are not shared between records")
	}
}

func BenchmarkDecodeStations(b *testing.B) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, featureStream(10_000)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeStations(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeStations(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	var stations []*Station
	for i := range 10_000 {
		stations = append(stations, randomStation(r, i))
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := EncodeStations(io.Discard, stations); err != nil {
			b.Fatal(err)
		}
	}
}
