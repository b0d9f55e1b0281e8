package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
)

// trickyStrings are the pieces random strings are made of: everything a
// JSON string escaper can get wrong.
var trickyStrings = []string{
	"", "a", "Erenhot port", "二连浩特", "驿站 司机之家", "Забайкальск", "Замын-Үүд", "Эрээн",
	`"quoted"`, `back\slash`, "\x00\x01\x1f", "\b\f\n\r\t", "<script>&amp;</script>", "\u2028\u2029",
	"\xff\xfe", "ok\xc3", "\x7f", "🚚🛏️", "é", "\u00a0", "'", "/", "\ud7ff\ue000\U0010ffff",
	// Edges of the escaper's UTF-8 fast paths: first and last two- and
	// three-byte runes, truncated, overlong and surrogate sequences.
	"\u0080\u07ff\u0800\u0fff\u1000\uffff", "\xd0", "\xe4\xb8", "\xe4\xb8x", "\xed\xa0\x80", "\xc0\x80", "\xc1\xbf",
	"\xe0\x80\x80", "\xe2\x80", "\xe2\x80\xa8", "\u2027\u202a…–", "\xf0\x9f\x9a", "\xef\xbf", "\xd0\xd0\xb0",
}

func randString(rng *rand.Rand) string {
	var sb strings.Builder
	for n := rng.IntN(4); n > 0; n-- {
		sb.WriteString(trickyStrings[rng.IntN(len(trickyStrings))])
	}
	return sb.String()
}

func randOptInt(rng *rand.Rand) *int {
	if rng.IntN(2) == 0 {
		return nil
	}
	v := []int{0, 1, -1, 42, 1500, math.MaxInt32, math.MinInt64, math.MaxInt64}[rng.IntN(8)]
	return &v
}

// randCoord returns a degree value in [-lim, lim], sometimes one that
// rounds to a value JSON writes in exponent form, or a boundary.
func randCoord(rng *rand.Rand, lim float64) float64 {
	switch rng.IntN(6) {
	case 0:
		return []float64{0, math.Copysign(0, -1), lim, -lim, 1e-7, -3e-7, 4.9e-8, 1e-9}[rng.IntN(8)]
	case 1:
		return (rng.Float64()*2 - 1) * 1e-5
	default:
		return (rng.Float64()*2 - 1) * lim
	}
}

// randStation makes a record with every optional field sometimes set and
// strings full of characters that need escaping.
func randStation(rng *rand.Rand) *data.Station {
	st := &data.Station{
		ID:       randString(rng),
		Location: orb.Point{randCoord(rng, 180), randCoord(rng, 90)},
		Kind:     data.Kinds()[rng.IntN(len(data.Kinds()))],
		Names:    data.Names{ZH: randString(rng), EN: randString(rng), RU: randString(rng), MN: randString(rng)},
		// The set may hold bits past the known amenities; they render as nothing.
		Amenities:          data.AmenitySet(rng.Uint32()),
		CapacityPerDay:     randOptInt(rng),
		Beds:               randOptInt(rng),
		TruckParkingSpaces: randOptInt(rng),
		AreaM2:             randOptInt(rng),
		Status:             []data.Status{data.StatusOpen, data.StatusClosed, data.StatusPlanned, ""}[rng.IntN(4)],
		Source:             randString(rng),
	}
	if rng.IntN(8) == 0 {
		st.Kind = data.Kind(randString(rng))
	}
	if rng.IntN(2) == 0 {
		st.OpeningHours = randString(rng)
	}
	switch rng.IntN(3) {
	case 1:
		st.Languages = []string{}
	case 2:
		st.Languages = []string{"zh", "mn", randString(rng)}[:1+rng.IntN(3)]
	}
	if rng.IntN(2) == 0 {
		st.Port = &data.PortInfo{Country: []string{"MN", "RU", ""}[rng.IntN(3)], Hours: randString(rng)}
		switch rng.IntN(3) {
		case 1:
			st.Port.Modes = []string{}
		case 2:
			st.Port.Modes = []string{"road", "rail", "air"}[:1+rng.IntN(3)]
		}
	}
	for _, f := range []*string{&st.Region, &st.Address, &st.Phone, &st.Operator, &st.TimeZone} {
		if rng.IntN(2) == 0 {
			*f = randString(rng)
		}
	}
	if rng.IntN(2) == 0 {
		zone := time.FixedZone("X", (rng.IntN(27)-12)*3600)
		st.UpdatedAt = time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).In(zone)
	}
	if rng.IntN(2) == 0 {
		st.Version = rng.Int64() - rng.Int64()
	}
	return st
}

func randResult(rng *rand.Rand) catalog.Result {
	r := catalog.Result{Station: randStation(rng), Meters: rng.Float64() * 2e7, Bearing: rng.Float64() * 360}
	switch rng.IntN(5) {
	case 0:
		r.Meters = []float64{0, 0.04, 0.05, 0.15, 1e-9, 1e21, 123456789.96}[rng.IntN(7)]
	case 1:
		r.Bearing = []float64{0, 359.94, 359.95, 359.99, 360, 0.05, math.Copysign(0, -1)}[rng.IntN(7)]
	}
	return r
}

var langs = []string{"", "zh", "en", "ru", "mn"}

// checkSame fails unless got is byte for byte what encoding/json wrote
// (want) and both decode to the same value.
func checkSame(t *testing.T, what string, got []byte, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: decoded values differ:\n got %v\nwant %v", what, g, w)
	}
}

// TestAppendRecordMatchesEncodingJSON holds the encoder to the bytes
// encoding/json writes for the map-based features (stationFeature,
// resultFeature), for many random records.
func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 5000; i++ {
		r := randResult(rng)
		lang := langs[rng.IntN(len(langs))]

		want, err := json.Marshal(resultFeature(r, lang))
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendResponse(nil, resultFeatures([]catalog.Result{r}, lang)[0])
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "result feature", got, want)

		want, err = json.Marshal(stationFeature(r.Station, lang))
		if err != nil {
			t.Fatal(err)
		}
		got, err = appendResponse(nil, recordFeatures([]*data.Station{r.Station}, lang)[0])
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "record feature", got, want)

		// json.Marshal of a feature writes the same bytes as send.
		rf := recordFeature(r.Station, lang)
		got, err = json.Marshal(rf)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "json.Marshal of a record feature", got, want)
	}
}

// TestAppendFeatureCollectionMatchesEncodingJSON compares whole
// collections, lazy features against map-based ones, with every optional
// member.
func TestAppendFeatureCollectionMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	type echo struct {
		Lon float64  `json:"lon"`
		Lat float64  `json:"lat"`
		K   int      `json:"k"`
		Max *float64 `json:"max_distance_m,omitempty"`
		filterJSON
	}
	for i := 0; i < 500; i++ {
		rs := make([]catalog.Result, rng.IntN(8))
		for j := range rs {
			rs[j] = randResult(rng)
		}
		lang := langs[rng.IntN(len(langs))]
		eager := make([]mapFeature, len(rs))
		for j, r := range rs {
			eager[j] = resultFeature(r, lang)
		}
		lazy := resultFeatures(rs, lang)
		matched := rng.IntN(100)
		fcWant := mapCollection{Type: "FeatureCollection", Features: eager, NumberReturned: len(rs)}
		fcGot := featureCollection{Type: "FeatureCollection", Features: lazy, NumberReturned: len(rs)}
		if rng.IntN(2) == 0 {
			fcWant.NumberMatched, fcGot.NumberMatched = &matched, &matched
		}
		if rng.IntN(2) == 0 {
			links := []link{{Rel: "next", Href: "http://x/v1/stations?a=1&b=<" + randString(rng), Type: mediaGeoJSON}, {Rel: randString(rng), Href: "/", Type: ""}}[:rng.IntN(3)]
			fcWant.Links, fcGot.Links = links, links
		}
		if rng.IntN(4) > 0 {
			m := 5000.0
			q := echo{Lon: randCoord(rng, 180), Lat: randCoord(rng, 90), K: 5, Max: &m, filterJSON: filterJSON{Kind: []data.Kind{data.KindPort}, Lang: randString(rng)}}
			fcWant.Query, fcGot.Query = q, q
		}
		if len(rs) == 0 && rng.IntN(2) == 0 {
			fcWant.Features, fcGot.Features = nil, nil // "features": null, as before
		}
		want, err := json.Marshal(fcWant)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendResponse(nil, fcGot)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "collection", got, want)
		got, err = json.Marshal(fcGot)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "json.Marshal of a collection", got, want)
	}
}

// TestAppendFeatureOtherGeometry covers features that are neither records
// nor points, such as service circles and route gaps.
func TestAppendFeatureOtherGeometry(t *testing.T) {
	for _, f := range []mapFeature{
		{Type: "Feature", ID: "gap-1", Geometry: newLine(orb.LineString{{111, 43}, {112.5, 43.25}}), Properties: map[string]any{"role": "gap", "length_m": 1234.5}},
		{Type: "Feature", Geometry: nil, Properties: map[string]any{"center": [2]float64{1, 2}, "n": 3, "nested": map[string]any{"b": 1, "a": "<&>"}}},
		{Type: "Feature", Geometry: pointGeometry{Type: "Point", Coordinates: [2]float64{1e-7, -180}}, Properties: map[string]any{}},
		{Type: "Feature", ID: "c", Geometry: polygonGeometry{Type: "Polygon", Coordinates: [][][2]float64{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}}, Properties: map[string]any{"z": 1.5}, Query: crsJSON{CRS: "gcj02"}},
	} {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		ff := newFeature(f.ID, f.Geometry, f.Properties)
		if f.Query != nil {
			ff = ff.withMembers(queryMember{f.Query})
		}
		got, err := appendResponse(nil, ff)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "feature", got, want)
	}
}

func TestAppendFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 123456789.1, -5e-324, math.MaxFloat64, 1e-9}
	for i := 0; i < 10000; i++ {
		vals = append(vals, math.Float64frombits(rng.Uint64()), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(60)-30)))
	}
	// Rounded numbers, as answers hold them (the fast path of appendFloat),
	// at every magnitude around its bounds, and the next floats beside them.
	vals = append(vals, 1e8, -1e8, math.Nextafter(1e8, 0), 99999999.9999999, 1e-6, math.Nextafter(1e-6, 0), 1.0000001e-6, 0.0000015, 180, -180, 90.0000001)
	for i := 0; i < 200000; i++ {
		v := roundedFloat(rng.Int64(), rng.IntN(20), rng.IntN(9))
		vals = append(vals, v, math.Nextafter(v, math.Inf(1)), math.Nextafter(v, math.Inf(-1)))
	}
	for _, v := range vals {
		checkFloat(t, v)
	}
}

// roundedFloat is a number rounded to decimals places (geo.Round) of the
// magnitude of n's low digits digits: what answers hold.
func roundedFloat(n int64, digits, decimals int) float64 {
	m := n % int64(math.Pow10(min(digits, 18)))
	return geo.Round(float64(m)/math.Pow10(decimals), decimals)
}

func checkFloat(t *testing.T, v float64) {
	t.Helper()
	want, werr := json.Marshal(v)
	got, gerr := appendFloat(nil, v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("appendFloat(%v) error %v, json.Marshal error %v", v, gerr, werr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("appendFloat(%v) = %s, json.Marshal = %s", v, got, want)
	}
}

func FuzzAppendFloat(f *testing.F) {
	f.Add(uint64(0), int64(1003461034), 10, 7)
	f.Add(math.Float64bits(0.1), int64(-7389), 4, 1)
	f.Add(math.Float64bits(1e-7), int64(99999999999999), 15, 7)
	f.Fuzz(func(t *testing.T, bits uint64, n int64, digits, decimals int) {
		checkFloat(t, math.Float64frombits(bits))
		if digits >= 0 && decimals >= 0 && decimals <= 8 {
			checkFloat(t, roundedFloat(n, digits, decimals))
		}
	})
}

// TestNonFiniteIsAnError checks that a NaN distance fails the response
// (as json.Marshal did) instead of writing invalid JSON.
func TestNonFiniteIsAnError(t *testing.T) {
	st := station(t, "s1", data.KindPort, 111, 43, "")
	for _, r := range []catalog.Result{
		{Station: st, Meters: math.NaN()},
		{Station: st, Bearing: math.Inf(1)},
	} {
		if _, err := appendResponse(nil, featureCollection{Type: "FeatureCollection", Features: resultFeatures([]catalog.Result{r}, "zh")}); !errors.Is(err, errNonFinite) {
			t.Errorf("result %+v: error %v, want errNonFinite", r, err)
		}
	}
	bad := *st
	bad.Location = orb.Point{math.NaN(), 0}
	if _, err := appendResponse(nil, recordFeatures([]*data.Station{&bad}, "zh")[0]); !errors.Is(err, errNonFinite) {
		t.Errorf("NaN location: error %v, want errNonFinite", err)
	}
}

func TestAppendString(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	ss := append([]string{}, trickyStrings...)
	for i := 0; i < 2000; i++ {
		ss = append(ss, randString(rng))
		raw := make([]byte, rng.IntN(12))
		for j := range raw {
			raw[j] = byte(rng.Uint32())
		}
		ss = append(ss, string(raw))
	}
	for _, s := range ss {
		checkString(t, s)
	}
}

func checkString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendString(nil, s); !bytes.Equal(got, want) {
		t.Fatalf("appendString(%q) = %s, json.Marshal = %s", s, got, want)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}

// TestNearestBodyUnchanged checks a real answer of the nearest endpoint
// against the map-based rendering of the same results.
func TestNearestBodyUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	stations := make([]*data.Station, 300)
	for i := range stations {
		st := randStation(rng)
		st.ID = string(rune('a'+i%26)) + st.ID + string(rune('0'+i/26))
		st.Location = orb.Point{110 + rng.Float64(), 42 + rng.Float64()}
		stations[i] = st
	}
	s := newTestServer(t, stations, Config{})
	res := do(t, s, "GET", "/v1/stations/nearest?lon=110.5&lat=42.5&k=7&lang=en")
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.raw)
	}
	snap := catalog.NewSnapshot(stations, 42)
	rs := snap.Nearest(orb.Point{110.5, 42.5}, 7, 0, data.Filter{})
	fs := make([]mapFeature, len(rs))
	for i, r := range rs {
		fs[i] = resultFeature(r, "en")
	}
	want, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Features json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(res.raw, &body); err != nil {
		t.Fatal(err)
	}
	checkSame(t, "features of /v1/stations/nearest", body.Features, want)
	if ct := res.header.Get("Content-Type"); ct != mediaGeoJSON {
		t.Errorf("Content-Type = %q, want %q", ct, mediaGeoJSON)
	}
}

// TestExtraPropsMatchEncodingJSON holds record features with extra props
// (with) to the bytes encoding/json writes after setting the same props
// on the plain feature's map: keys merged in sorted order among the
// record's own, before the first and after the last, a key set twice
// keeping its last value, and record keys ("name", "kind") replaced.
func TestExtraPropsMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	keys := []string{"along_m", "offset_m", "side", "role", "rest_stop", "aaa", "zzz", "name", "kind",
		"distance_m", "bearing_deg", "updated_at", "version", "port", "a<b", "é"}
	for i := 0; i < 3000; i++ {
		r := randResult(rng)
		lang := langs[rng.IntN(len(langs))]
		found := rng.IntN(2) == 0
		eager := stationFeature(r.Station, lang)
		lazy := recordFeature(r.Station, lang)
		if found {
			eager = resultFeature(r, lang)
			lazy = resultFeatures([]catalog.Result{r}, lang)[0]
		}
		var ps []extraProp
		for n := rng.IntN(7); n > 0; n-- {
			k := keys[rng.IntN(len(keys))]
			switch rng.IntN(3) {
			case 0:
				v := round1(rng.NormFloat64() * 1e5)
				ps = append(ps, floatProp(k, v))
				eager.Properties[k] = v
			case 1:
				v := rng.IntN(100)
				ps = append(ps, intProp(k, v))
				eager.Properties[k] = v
			default:
				v := randString(rng)
				ps = append(ps, stringProp(k, v))
				eager.Properties[k] = v
			}
		}
		lazy = lazy.with(ps...)
		want, err := json.Marshal(eager)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendResponse(nil, &lazy)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, "feature with extra props", got, want)
	}
	f := recordFeature(randStation(rng), "").with(floatProp("x", math.NaN()))
	if _, err := appendResponse(nil, &f); !errors.Is(err, errNonFinite) {
		t.Fatalf("NaN extra prop: err = %v; want errNonFinite", err)
	}
}
