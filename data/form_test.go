package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// marshalFeature is the encoding/json rendering of a record the API has
// always served: a Feature whose properties are Properties with name set
// and extras added, written with HTML escapes and keys in sorted order.
func marshalFeature(t testing.TB, st *Station, lang string, at orb.Point, extra []Extra) []byte {
	t.Helper()
	props := st.Properties()
	props["name"] = st.Names.In(lang)
	for _, e := range extra {
		switch e.Kind {
		case ExtraString:
			props[e.Key] = e.Str
		case ExtraInt:
			props[e.Key] = e.Int
		default:
			props[e.Key] = e.Float
		}
	}
	f := struct {
		Type     string `json:"type"`
		ID       string `json:"id,omitempty"`
		Geometry struct {
			Type        string     `json:"type"`
			Coordinates [2]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}{Type: "Feature", ID: st.ID, Properties: props}
	f.Geometry.Type = "Point"
	f.Geometry.Coordinates = [2]float64{at.Lon(), at.Lat()}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAppendFeatureSortedIsEncodingJSON: AppendFeature with Sorted and
// EscapeHTML writes the bytes encoding/json writes for Properties with the
// name and extras set, so that the API can render through the one form
// without any change a client could see.
func TestAppendFeatureSortedIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	extras := [][]Extra{
		nil,
		{{Key: "bearing_deg", Float: 359.9}, {Key: "distance_m", Float: 1234.5}},
		{{Key: "a_first", Kind: ExtraString, Str: "<&>"}, {Key: "name", Kind: ExtraString, Str: "replaced"}, {Key: "zz_last", Kind: ExtraInt, Int: -7}},
		{{Key: "distance_m", Float: 1e-7}, {Key: "kind", Kind: ExtraString, Str: "override"}, {Key: "version", Kind: ExtraInt, Int: 3}},
	}
	for i := range 500 {
		st := randomStation(r, i)
		if i%7 == 0 {
			st.Port = &PortInfo{Country: "MN", Hours: "08:00-18:00 <local>"}
			st.Kind = KindPort
		}
		lang := []string{"", "zh", "en", "ru", "mn"}[i%5]
		extra := extras[i%len(extras)]
		o := FeatureOptions{Lang: lang, Sorted: true, EscapeHTML: true, Extra: extra}
		at := st.Location
		if i%3 == 0 {
			o.Position, o.HasPosition = orb.Point{st.Location.Lon() + 0.001, st.Location.Lat()}, true
			at = o.Position
		}
		got, err := st.AppendFeature(nil, &o)
		if err != nil {
			t.Fatal(err)
		}
		wantLang := lang
		if wantLang == "" {
			wantLang = "zh"
		}
		if want := marshalFeature(t, st, wantLang, at, extra); !bytes.Equal(got, want) {
			t.Fatalf("record %d:\nAppendFeature = %s\nencoding/json = %s", i, got, want)
		}
	}
}

// TestAppendFeatureDeclaredExtras: in declared order an Extra replaces the
// member with its key in place and the others follow the record's.
func TestAppendFeatureDeclaredExtras(t *testing.T) {
	st := &Station{ID: "a", Kind: KindRestStop, Names: Names{EN: "A"}, Status: StatusOpen, Source: "s"}
	got, err := st.AppendFeature(nil, &FeatureOptions{Extra: []Extra{{Key: "z", Kind: ExtraInt, Int: 1}, {Key: "status", Kind: ExtraString, Str: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"rest_stop","name":"A","names":{"en":"A"},"amenities":[],"languages":[],"status":"x","source":"s","z":1}}`
	if string(got) != want {
		t.Errorf("AppendFeature =\n%s\nwant\n%s", got, want)
	}
}

func TestAppendFeatureNonFinite(t *testing.T) {
	for _, o := range []FeatureOptions{
		{Position: orb.Point{math.NaN(), 0}, HasPosition: true},
		{Extra: []Extra{{Key: "distance_m", Float: math.Inf(1)}}},
	} {
		st := &Station{ID: "a", Kind: KindRestStop, Names: Names{EN: "A"}, Source: "s"}
		if _, err := st.AppendFeature(nil, &o); !errors.Is(err, ErrNonFinite) {
			t.Errorf("AppendFeature(%+v) error = %v; want ErrNonFinite", o, err)
		}
	}
}

// TestFormFollowsTheTags: every tagged field of Station is a member that is
// written, read and (unless read-only) patchable; nothing else is.
func TestFormFollowsTheTags(t *testing.T) {
	var tagged []string
	st := reflect.TypeFor[Station]()
	for i := range st.NumField() {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
		if name != "-" {
			tagged = append(tagged, name)
		}
	}
	written := slices.DeleteFunc(PropertyNames(), func(n string) bool { return n == derivedName })
	if !slices.Equal(written, tagged) {
		t.Errorf("written members %v; want the tags %v", written, tagged)
	}
	if want := append(slices.Clone(tagged), "id"); !slices.Equal(readMembers, want) {
		t.Errorf("read members %v; want %v", readMembers, want)
	}
	for _, name := range tagged {
		_, ro := readOnlyProperties[name]
		if slices.Contains(patchableProperties, name) == ro {
			t.Errorf("member %q: patchable %v, read-only %v", name, !ro, ro)
		}
	}
	// A record with every member set writes every member.
	full := goldenStations()[0]
	var f struct{ Properties map[string]any }
	raw, _ := full.MarshalFeature()
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	for _, name := range tagged {
		if _, ok := f.Properties[name]; !ok && name != "port" && name != "version" {
			t.Errorf("member %q missing from %s", name, raw)
		}
	}
}

// BenchmarkFeatureEncoding compares the record's one encoder with
// encoding/json over the Properties map (the API's rendering before it)
// and over a plain tagged struct of the same members.
func BenchmarkFeatureEncoding(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	stations := make([]*Station, 256)
	for i := range stations {
		stations[i] = randomStation(r, i)
	}
	b.Run("AppendFeature", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		o := FeatureOptions{Sorted: true, EscapeHTML: true, Extra: []Extra{{Key: "distance_m", Float: 12.5}}}
		for i := 0; b.Loop(); i++ {
			var err error
			if buf, err = stations[i%len(stations)].AppendFeature(buf[:0], &o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EncodingJSONMap", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			marshalFeature(b, stations[i%len(stations)], "zh", stations[i%len(stations)].Location, []Extra{{Key: "distance_m", Float: 12.5}})
		}
	})
	b.Run("EncodingJSONStruct", func(b *testing.B) {
		b.ReportAllocs()
		type props struct {
			*stationProps
			Name      string   `json:"name"`
			Amenities []string `json:"amenities"`
			UpdatedAt string   `json:"updated_at,omitempty"`
			DistanceM float64  `json:"distance_m"`
		}
		for i := 0; b.Loop(); i++ {
			st := stations[i%len(stations)]
			p := props{stationProps: (*stationProps)(st), Name: st.Names.In("zh"), Amenities: st.Amenities.Names(), DistanceM: 12.5}
			if _, err := json.Marshal(struct {
				Type       string `json:"type"`
				ID         string `json:"id"`
				Properties props  `json:"properties"`
			}{"Feature", st.ID, p}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAppendMemberIsAppendProperties: writing the sorted members one by
// one with AppendMember gives AppendProperties' bytes.
func TestAppendMemberIsAppendProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for i := range 300 {
		st := randomStation(r, i)
		o := FeatureOptions{Lang: "en", Sorted: true, EscapeHTML: true}
		want, err := st.AppendProperties(nil, &o)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		members := SortedMembers()
		for i := range members {
			mark := len(got)
			if len(got) > 0 {
				got = append(got, ',')
			}
			var ok bool
			if got, ok = st.AppendMember(got, &members[i], &o); !ok {
				got = got[:mark]
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("record %d: members one by one\n%s\nAppendProperties\n%s", i, got, want)
		}
	}
}

// plainOf is the PlainText of st's texts, each checked by IsPlainJSON, as
// a reader that checked them (the catalog's store) gives it.
func plainOf(st *Station) PlainText {
	var p PlainText
	for _, f := range []struct {
		s   string
		bit PlainText
	}{
		{st.Names.ZH, PlainNameZH}, {st.Names.EN, PlainNameEN}, {st.Names.RU, PlainNameRU}, {st.Names.MN, PlainNameMN},
		{string(st.Kind), PlainKind}, {string(st.Status), PlainStatus}, {st.OpeningHours, PlainOpeningHours}, {st.Source, PlainSource},
		{st.Region, PlainRegion}, {st.Address, PlainAddress}, {st.Phone, PlainPhone}, {st.Operator, PlainOperator}, {st.TimeZone, PlainTimeZone},
	} {
		if IsPlainJSON(f.s) {
			p |= f.bit
		}
	}
	return p
}

// TestAppendFeaturePlainIsUnchanged: Plain changes how texts are written,
// never what: with every plain text's bit, or any part of them, in sorted
// and declared order, with and without escapeHTML, AppendFeature writes
// the bytes it writes without Plain (which TestAppendFeatureSortedIsEncodingJSON
// holds to encoding/json).
func TestAppendFeaturePlainIsUnchanged(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	plainTexts := []string{"", "满洲里", "Erenhot", "Эрээн хот", "驿站 1", "Mo-Fr 08:00-18:00"}
	sawPlain, sawEscaped := false, false
	for i := range 2000 {
		st := randomStation(r, i)
		if i%2 == 0 { // mostly plain texts, so that most bits are set
			pick := func() string { return plainTexts[r.IntN(len(plainTexts))] }
			st.Names = Names{ZH: pick(), EN: pick(), RU: pick(), MN: pick()}
			st.Region, st.Address, st.Operator, st.Source = pick(), pick(), pick(), pick()
		}
		if i%11 == 0 {
			st.Kind, st.Status = Kind("odd <kind>"), Status("x\x00")
		}
		all := plainOf(st)
		if all&PlainNames == PlainNames {
			sawPlain = true
		} else {
			sawEscaped = true
		}
		for _, plain := range []PlainText{all, all & PlainText(r.Uint32())} {
			for _, o := range []FeatureOptions{
				{Lang: []string{"", "zh", "en", "ru", "mn"}[i%5], Sorted: true, EscapeHTML: true},
				{Lang: "ru", Sorted: false, EscapeHTML: i%3 == 0},
			} {
				want, err := st.AppendFeature(nil, &o)
				if err != nil {
					t.Fatal(err)
				}
				o.Plain = plain
				got, err := st.AppendFeature(nil, &o)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("record %d, Plain %b:\nwith Plain    %s\nwithout Plain %s", i, plain, got, want)
				}
			}
		}
	}
	if !sawPlain || !sawEscaped {
		t.Fatalf("the records lacked plain (%v) or escaped (%v) names", sawPlain, sawEscaped)
	}
}
