package api

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
)

// TestStoreFeaturesMatchMaps renders records read from a snapshot's store
// (answer.found and answer.page, which copy the texts the store found
// plain) and holds them to encoding/json over the map-based features, and
// to the same features rendered without the store's plain texts: the
// bytes of every answer stay those it always had, whatever its texts hold
// (trickyStrings: escapes, HTML, U+2028, invalid UTF-8, CJK, Cyrillic).
func TestStoreFeaturesMatchMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 31))
	sts := make([]*data.Station, 3000)
	for i := range sts {
		st := randStation(rng)
		st.ID = randString(rng) + string(rune('a'+i%26)) + string(rune('0'+i/26%10)) + string(rune('A'+i/260))
		st.Location = orb.Point{110 + rng.Float64(), 42 + rng.Float64()}
		if i%2 == 0 { // plain texts, so that many records are copied whole
			names := []string{"满洲里", "Erenhot", "Эрээн хот", "驿站 1", ""}
			pick := func() string { return names[rng.IntN(len(names))] }
			st.Names = data.Names{ZH: pick(), EN: pick(), RU: pick(), MN: pick()}
			st.Source, st.OpeningHours = "workload", "Mo-Fr 08:00-18:00"
		}
		sts[i] = st
	}
	snap := catalog.NewSnapshot(sts, 1)
	copied := 0
	for i := range 300 {
		p := orb.Point{110 + rng.Float64(), 42 + rng.Float64()}
		lang := langs[rng.IntN(len(langs))]
		a := getAnswer()
		a.hits = snap.AppendNearest(a.hits[:0], p, 1+rng.IntN(20), 0, data.Filter{})
		fs := a.found(snap, p, lang)
		for j := range fs {
			if fs[j].plain&data.PlainNames == data.PlainNames {
				copied++
			}
			got, err := appendResponse(nil, fs[j])
			if err != nil {
				t.Fatal(err)
			}
			old := fs[j]
			old.plain = 0
			want, err := appendResponse(nil, old)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, "found feature with and without plain texts", got, want)
			r := catalog.Result{Station: fs[j].rec, Meters: a.hits[j].Meters, Bearing: geo.Bearing(p, fs[j].rec.Location)}
			if want, err = json.Marshal(resultFeature(r, lang)); err != nil {
				t.Fatal(err)
			}
			checkSame(t, "found feature", got, want)
		}
		a.slots = a.slots[:0]
		for j := range 1 + rng.IntN(20) {
			a.slots = append(a.slots, uint32((i*20+j)%len(sts)))
		}
		for j, f := range a.page(snap, lang) {
			got, err := appendResponse(nil, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(stationFeature(snap.Load(a.slots[j], new(catalog.Record)), lang))
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, "page feature", got, want)
		}
		putAnswer(a)
	}
	if copied == 0 {
		t.Fatal("no found record had plain names: the test lost its fast path")
	}
}
