// Package recordtest makes records for the tests of the packages that
// handle them (catalog, postgis, source, bundled). The record package's
// own tests keep their copy of Valid, since they cannot import this one.
package recordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/hours/hourstest"
)

// IntP returns a pointer to n, for the optional counts.
func IntP(n int) *int { return &n }

// Valid is a complete, valid record that tests change one field of.
func Valid() *data.Station {
	return &data.Station{
		ID:                 "mzl-driver-home-1",
		Location:           orb.Point{117.4347, 49.5978},
		Kind:               data.KindDriverHome,
		Names:              data.Names{ZH: "满洲里司机之家", EN: "Manzhouli Driver Home", RU: "Дом водителя Маньчжурия", MN: "Манжуур жолоочийн байр"},
		Amenities:          1<<0 | 1<<5 | 1<<7,
		OpeningHours:       "24/7",
		TimeZone:           "Asia/Shanghai",
		CapacityPerDay:     IntP(1500),
		Beds:               IntP(40),
		TruckParkingSpaces: IntP(120),
		AreaM2:             IntP(1854),
		Languages:          []string{"zh", "ru", "mn"},
		Region:             "呼伦贝尔市",
		Address:            "满洲里市",
		Phone:              "+86 470 000 0000",
		Operator:           "满洲里市总工会",
		Status:             data.StatusOpen,
		UpdatedAt:          time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC),
		Source:             "example record, not a surveyed site",
	}
}

// Station is a valid record with id at p.
func Station(id string, p orb.Point) *data.Station {
	st := Valid()
	st.ID, st.Location = id, p
	st.Names = data.Names{ZH: "驿站 " + id, EN: "Station " + id}
	st.Source = "test"
	st.Port = nil
	return st
}

// Random makes n valid records spread over Inner Mongolia.
func Random(r *rand.Rand, n int) []*data.Station {
	out := make([]*data.Station, n)
	for i := range out {
		st := Station(fmt.Sprintf("st-%07d", i), orb.Point{97 + r.Float64()*29, 37 + r.Float64()*16})
		st.Amenities = data.AmenitySet(r.Uint32() & (1<<len(data.Amenities()) - 1))
		st.Kind = data.Kinds()[r.IntN(len(data.Kinds()))]
		if st.Kind == data.KindPort {
			st.Port = &data.PortInfo{Country: "MN", Modes: []string{"road", "rail"}, Hours: "08:00-18:00"}
		}
		out[i] = st
	}
	return out
}

// Same compares the stored fields of two records (not version or
// updated_at), and that got's opening hours were parsed.
func Same(t testing.TB, got, want *data.Station) {
	t.Helper()
	g, w := *got, *want
	g.Version, w.Version = 0, 0
	g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
	g.Hours, w.Hours = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("record %s:\n got %+v\nwant %+v", want.ID, g, w)
	}
	if (got.Hours == nil) != (got.OpeningHours == "") {
		t.Errorf("record %s: opening hours %q parsed to %v", got.ID, got.OpeningHours, got.Hours)
	}
}

// Diff reports how a and b differ, or "" when they are the same
// record (Hours compared as schedules, times as instants).
func Diff(a, b *data.Station) string {
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

// Texts are the texts Rich picks from: scripts, quotes, HTML and U+2028.
var Texts = []string{"", "满洲里", "Erenhot", "Эрэн", "Эрээн хот", "a \"quoted\" <b>&", "驿站 1", "x\u2028y"}

// Rich returns a valid record with every field exercised, the i-th of
// a test.
func Rich(r *rand.Rand, i int) *data.Station {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	optInt := func() *int {
		if r.IntN(2) == 0 {
			return nil
		}
		return IntP(r.IntN(100000))
	}
	st := &data.Station{
		ID:                 fmt.Sprintf("st-%d-%x", i, r.Uint32()),
		Location:           orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90},
		Kind:               data.Kinds()[r.IntN(len(data.Kinds()))],
		Names:              data.Names{ZH: pick(Texts[1:]), EN: pick(Texts), RU: pick(Texts), MN: pick(Texts)},
		Amenities:          data.AmenitySet(r.Uint32() & (1<<len(data.Amenities()) - 1)),
		CapacityPerDay:     optInt(),
		Beds:               optInt(),
		TruckParkingSpaces: optInt(),
		AreaM2:             optInt(),
		Region:             pick(Texts),
		Address:            pick(Texts),
		Phone:              pick([]string{"", "+86 470 622 0000"}),
		Operator:           pick(Texts),
		Status:             []data.Status{data.StatusOpen, data.StatusClosed, data.StatusPlanned}[r.IntN(3)],
		Source:             pick(Texts[1:]),
		TimeZone:           pick([]string{"", "Asia/Shanghai", "Asia/Ulaanbaatar", "UTC"}),
		Version:            int64(r.IntN(3)) * r.Int64N(1<<40),
	}
	if r.IntN(3) > 0 {
		st.OpeningHours = hourstest.Random(r)
	}
	if r.IntN(2) == 0 {
		st.UpdatedAt = time.Unix(r.Int64N(2e9), r.Int64N(1e9)).UTC()
	}
	for _, l := range data.Languages() {
		if r.IntN(2) == 0 {
			st.Languages = append(st.Languages, l)
		}
	}
	if r.IntN(3) == 0 {
		st.Kind = data.KindPort
		st.Port = &data.PortInfo{Country: pick(data.PortCountries()), Hours: pick(Texts)}
		for _, m := range data.PortModes() {
			if r.IntN(2) == 0 {
				st.Port.Modes = append(st.Port.Modes, m)
			}
		}
	}
	st.Normalize()
	if errs := st.Validate(); errs != nil {
		panic(fmt.Sprintf("Rich made an invalid record: %v", errs))
	}
	return st
}

// Encode is EncodeStations into memory.
func Encode(t testing.TB, stations []*data.Station) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := data.EncodeStations(&buf, stations); err != nil {
		t.Fatalf("EncodeStations: %v", err)
	}
	return buf.Bytes()
}
