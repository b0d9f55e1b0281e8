package postgis

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"yizhan/data"
	"yizhan/internal/workload"
)

// storedRow is a stored row's values as LoadAll's COPY gives them: text
// (nil for NULL), the point, and the rest.
type storedRow struct {
	id, kind, names, amenities, hours, zone, languages, port []byte
	region, address, phone, operator, status, source         []byte
	lon, lat                                                 float64
	beds                                                     *int32
	version                                                  int64
}

// copyRow is r as binary COPY fields, in the order of selectColumns.
func (r storedRow) copyRow(t testing.TB) *copyRow {
	t.Helper()
	f8 := func(v float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(v)) }
	var out copyRow
	for _, c := range columns {
		switch c.name {
		case "id":
			out.fields = append(out.fields, r.id)
		case "geom":
			out.fields = append(out.fields, f8(r.lon), f8(r.lat))
		case "kind":
			out.fields = append(out.fields, r.kind)
		case "names":
			out.fields = append(out.fields, r.names)
		case "amenities":
			out.fields = append(out.fields, r.amenities)
		case "opening_hours":
			out.fields = append(out.fields, r.hours)
		case "time_zone":
			out.fields = append(out.fields, r.zone)
		case "beds":
			if r.beds == nil {
				out.fields = append(out.fields, nil)
			} else {
				out.fields = append(out.fields, binary.BigEndian.AppendUint32(nil, uint32(*r.beds)))
			}
		case "capacity_per_day", "truck_parking_spaces", "area_m2":
			out.fields = append(out.fields, nil)
		case "languages":
			out.fields = append(out.fields, r.languages)
		case "port":
			out.fields = append(out.fields, r.port)
		case "region":
			out.fields = append(out.fields, r.region)
		case "address":
			out.fields = append(out.fields, r.address)
		case "phone":
			out.fields = append(out.fields, r.phone)
		case "operator":
			out.fields = append(out.fields, r.operator)
		case "status":
			out.fields = append(out.fields, r.status)
		case "updated_at":
			out.fields = append(out.fields, binary.BigEndian.AppendUint64(nil, 800_000_000_000_000))
		case "source":
			out.fields = append(out.fields, r.source)
		case "version":
			out.fields = append(out.fields, binary.BigEndian.AppendUint64(nil, uint64(r.version)))
		case "deleted":
			out.fields = append(out.fields, []byte{0})
		default:
			t.Fatalf("column %s is not in storedRow", c.name)
		}
	}
	return &out
}

// The values the rows of TestValidateStoredKnown take, column by column:
// valid ones, every kind of invalid one, and invalid ones equal to a
// valid one in everything but one byte. The first of each is valid.
var (
	knownKinds     = []string{"rest_stop", "port", "rest_stoq", "", "Port"}
	knownStatuses  = []string{"open", "", "closed", "opem", "planned "}
	knownZones     = []string{"", "Asia/Shanghai", "Asia/Shanghaj", "Local", "Europe/Moscow", strings.Repeat("A", 70), "Asia/Shang\x01hai", "Asia/Ulaanbaatar\xff"}
	knownSources   = []string{"osm", "  ", "", "osm\x01", "osm\xff", strings.Repeat("s", 600), "osm2"}
	knownLanguages = []string{"", "en", "en\x1fzh", "en\x1fen", "en\x1fzz", "xx", "zh\x1fru\x1fmn"}
	knownPorts     = []string{"", `{"modes": ["road"], "country": "MN"}`, `{"modes": ["road"], "country": "MX"}`,
		`{"modes": ["roaf"], "country": "MN"}`, `{"modes": ["road", "road"], "country": "RU"}`,
		`{"modes": ["rail"], "country": "RU", "hours": "24\u0001h"}`, `{"modes": [], "country": ""}`}
	knownNames = []string{`{"en": "Shell", "zh": "壳牌"}`, `{"en": "Shell", "zh": "壳牌\u0001"}`, `{"ru": "Шелл"}`,
		`{"en": "   "}`, `{"en": "Shell", "mn": "  "}`, `{"en": "` + strings.Repeat("я", 201) + `"}`,
		`{"en": "` + strings.Repeat("я", 200) + `"}`, `{"en": 5}`, `{"en": null, "zh": "站"}`, `{"zh": "\u0085站"}`,
		`{"en": "Shelm", "zh": "壳牌"}`}
	knownTexts = []string{"", "Khovd", "Khovd\x01", "line\nbreak", "bad\xff", strings.Repeat("x", 1200)}
	knownIDs   = []string{"", " s", "s\x01", "nearest", "NEAREST", "neareſt", "..", "s\xff", "s ", "s\x7f", "\ts", "s\u00a0", "站", strings.Repeat("i", 128), strings.Repeat("i", 129)}
)

// TestValidateStoredKnown decodes rows as LoadAll does and checks each
// record twice, with the full validation (ValidateStored) and with the
// checks the decoder leaves after the shared values it checked once
// (ValidateStoredKnown of its known parts): the problems must be the
// same, one by one. The rows are hand-made (a bad value repeated, a bad
// value after a good one) and then drawn at random from the same values.
func TestValidateStoredKnown(t *testing.T) {
	b := func(s string) []byte { return []byte(s) }
	nullable := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(s)
	}
	base := func(i int) storedRow {
		return storedRow{
			id: b("s" + strconv.Itoa(i)), kind: b(knownKinds[0]), names: b(knownNames[0]), status: b(knownStatuses[0]),
			source: b(knownSources[0]), lon: 100, lat: 45, version: int64(i + 1),
		}
	}
	var rows []storedRow
	add := func(r storedRow) { rows = append(rows, r) }
	// Each column's values in turn, each twice (a repeat of a bad value
	// finds it checked), after the valid value and back to it.
	for _, v := range knownKinds {
		r := base(len(rows))
		r.kind = b(v)
		add(r)
		add(r)
		add(base(len(rows)))
	}
	for _, v := range knownStatuses {
		r := base(len(rows))
		r.status = b(v)
		add(r)
		add(r)
		add(base(len(rows)))
	}
	for _, v := range knownZones {
		r := base(len(rows))
		r.zone = b(v)
		add(r)
		add(r)
	}
	for _, v := range knownSources {
		r := base(len(rows))
		r.source = b(v)
		add(r)
		add(r)
	}
	for _, v := range knownLanguages {
		r := base(len(rows))
		r.languages = b(v)
		add(r)
		add(r)
	}
	for _, v := range knownPorts {
		for _, kind := range []string{"port", "rest_stop"} {
			r := base(len(rows))
			r.kind, r.port = b(kind), nullable(v)
			add(r)
			add(r)
		}
	}
	for _, v := range knownNames {
		r := base(len(rows))
		r.names = b(v)
		add(r)
		add(r)
		add(base(len(rows)))
	}
	for _, v := range knownTexts {
		r := base(len(rows))
		r.region, r.address, r.phone, r.operator, r.hours = b(v), b(v), b(v), b(v), b(v)
		add(r)
	}
	for _, v := range knownIDs {
		r := base(len(rows))
		r.id = b(v)
		add(r)
	}
	for _, p := range [][2]float64{{200, 45}, {100, -91}, {math.NaN(), 45}, {math.Inf(1), 0}} {
		r := base(len(rows))
		r.lon, r.lat = p[0], p[1]
		add(r)
	}
	for _, n := range []int32{-1, 0, math.MaxInt32} {
		r := base(len(rows))
		r.beds = &n
		add(r)
	}
	r := base(len(rows))
	r.version = -1
	add(r)

	rnd := rand.New(rand.NewPCG(9, 9))
	pick := func(vs []string) []byte {
		if rnd.IntN(2) == 0 { // mostly valid values, as a table holds
			return b(vs[0])
		}
		return b(vs[rnd.IntN(len(vs))])
	}
	for i := range 20_000 {
		r := base(len(rows))
		if rnd.IntN(50) == 0 {
			r.id = pick(knownIDs)
		}
		r.kind, r.status, r.zone, r.source = pick(knownKinds), pick(knownStatuses), pick(knownZones), pick(knownSources)
		r.languages, r.port, r.names = pick(knownLanguages), nullable(string(pick(knownPorts))), pick(knownNames)
		r.region, r.address = pick(knownTexts), pick(knownTexts)
		if i%7 == 0 { // names of their own, which the decoder does not share
			r.names = b(`{"en": "Station ` + strconv.Itoa(i) + string(pick([]string{"", "\u0001", " "})) + `"}`)
		}
		add(r)
	}

	dec := newRowDecoder()
	dec.slab = true
	var (
		known   = map[data.Known]int{}
		fields  = map[string]int{}
		decoded int
	)
	for i, r := range rows {
		st, err := dec.scan(r.copyRow(t))
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if dec.finish(st) != nil {
			continue // refused before validation
		}
		decoded++
		full := st.ValidateStored()
		got := st.ValidateStoredKnown(dec.known)
		if len(full) == 0 {
			full = nil
		}
		if !reflect.DeepEqual(got, full) {
			t.Fatalf("row %d (%+v), known %b:\n got %s\nwant %s", i, st, dec.known, problemList(got), problemList(full))
		}
		for bit := data.Known(1); bit <= data.KnownSource; bit <<= 1 {
			if dec.known&bit != 0 {
				known[bit]++
			}
		}
		for _, p := range full {
			fields[p.Field]++
		}
		// The record as change gives it: refused exactly when the full
		// validation finds problems.
		c, err := dec.change(r.copyRow(t))
		if err != nil {
			t.Fatal(err)
		}
		if (c.Invalid != "") != (len(full) > 0) {
			t.Fatalf("row %d: change says %q, full validation %s", i, c.Invalid, problemList(full))
		}
	}
	// The test can fail: every shared part was skipped somewhere, and
	// every field's problems were found.
	for bit := data.Known(1); bit <= data.KnownSource; bit <<= 1 {
		if known[bit] == 0 {
			t.Errorf("part %b never known", bit)
		}
	}
	for _, f := range []string{"id", "geometry", "kind", "names", "names.en", "names.zh", "names.mn", "timezone", "languages",
		"port", "port.country", "port.modes", "beds", "status", "source", "version"} {
		if fields[f] == 0 {
			t.Errorf("no row has a problem with %s", f)
		}
	}
	t.Logf("%d rows decoded of %d; known parts %v; problems %v", decoded, len(rows), known, fields)
}

func problemList(ps []*data.FieldError) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Field+": "+p.Reason)
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// TestValidateStoredKnownAllocs holds the checks of a valid record to no
// allocation, with every part left to check and with the shared ones
// known: LoadAll runs them a million times.
func TestValidateStoredKnownAllocs(t *testing.T) {
	seven := 7
	st := &data.Station{
		ID: "osm-node-1", Kind: data.KindPort, Names: data.Names{ZH: "二连浩特", EN: "Erenhot", MN: "Эрээн"},
		Amenities: 3, TimeZone: "Asia/Shanghai", Languages: []string{"zh", "mn"}, Beds: &seven,
		Port: &data.PortInfo{Country: "MN", Modes: []string{"road", "rail"}}, Region: "Inner Mongolia",
		Status: data.StatusOpen, Source: "osm", Version: 3,
	}
	st.Location[0], st.Location[1] = 112, 43.6
	for _, known := range []data.Known{0, data.KnownNames | data.KnownKind | data.KnownStatus | data.KnownTimeZone | data.KnownLanguages | data.KnownPort | data.KnownSource} {
		if p := st.ValidateStoredKnown(known); p != nil {
			t.Fatalf("known %b: %s", known, problemList(p))
		}
		if n := testing.AllocsPerRun(100, func() { st.ValidateStoredKnown(known) }); n != 0 {
			t.Errorf("known %b: %v allocations, want 0", known, n)
		}
	}
}

// BenchmarkValidateStored checks the records of the clustered workload
// (100,000 of them, decoded as LoadAll decodes them) with the full
// validation of a stored record (Full) and with the checks left after the
// decoder's shared values (Known), per record.
//
//	go test ./data/postgis -run '^$' -bench ValidateStored
func BenchmarkValidateStored(b *testing.B) {
	stations := workload.New(1).Stations(100_000, 1)
	dec := newRowDecoder()
	dec.slab = true
	var (
		decoded []*data.Station
		known   []data.Known
	)
	for _, st := range stations {
		r := storedRow{
			id: []byte(st.ID), kind: []byte(st.Kind), names: []byte(namesJSON(st.Names)), hours: []byte(st.OpeningHours),
			zone: []byte(st.TimeZone), languages: []byte(strings.Join(st.Languages, listSep)),
			region: []byte(st.Region), address: []byte(st.Address), phone: []byte(st.Phone), operator: []byte(st.Operator),
			status: []byte(st.Status), source: []byte(st.Source), lon: st.Location.Lon(), lat: st.Location.Lat(), version: 1,
		}
		var names []string
		for _, a := range st.Amenities.Names() {
			names = append(names, string(a))
		}
		r.amenities = []byte(strings.Join(names, listSep))
		if st.Port != nil {
			p, _ := json.Marshal(st.Port)
			r.port = p
		}
		d, err := dec.scan(r.copyRow(b))
		if err != nil || dec.finish(d) != nil {
			b.Fatal(err)
		}
		decoded, known = append(decoded, d), append(known, dec.known)
	}
	b.Run("Full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, st := range decoded {
				if st.ValidateStored() != nil {
					b.Fatal(st.ID)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(decoded)), "ns/record")
	})
	b.Run("Known", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, st := range decoded {
				if st.ValidateStoredKnown(known[i]) != nil {
					b.Fatal(st.ID)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(decoded)), "ns/record")
	})
}
