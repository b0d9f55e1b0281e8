package data

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseOpeningHours checks that parsing never panics, that a parsed
// value evaluates at any time, and that its canonical form parses back to
// the same schedule.
func FuzzParseOpeningHours(f *testing.F) {
	for _, s := range []string{
		"24/7", "off", "Mo-Fr 08:00-18:00", "Mo-Fr 08:00-18:00; Sa 09:00-12:00", "Sa-Mo 10:00-14:00",
		"08:00-12:00,14:00-18:00", "22:00-06:00", "Mo-Fr 18:00-24:00", "Mo-Fr 20:00-02:00; Sa off",
		"Su off", "PH off", "Sa,Su,PH 10:00-14:00", "Mo-Fr 08:00-12:00, Sa 10:00-12:00", "Mo 18:00-48:00",
		"Mo-Fx", "Jan Mo 10:00-12:00", "24/7;", ";", "Mo,", "Mo[1]", "Mo 08:00+", "sunrise-sunset",
	} {
		f.Add(s)
	}
	// Real inputs: every opening_hours of the bundled data set.
	bundled, err := Bundled()
	if err != nil {
		f.Fatal(err)
	}
	for _, st := range bundled {
		f.Add(st.OpeningHours)
	}
	monday := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseOpeningHours(s)
		if err != nil {
			if h != nil {
				t.Fatalf("ParseOpeningHours(%q) returned a value and an error", s)
			}
			return
		}
		c := h.String()
		h2, err := ParseOpeningHours(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, s, err)
		}
		if !h.Equal(h2) {
			t.Fatalf("canonical %q of %q is a different schedule", c, s)
		}
		for m := 0; m < minutesPerWeek; m += 13 {
			tm := monday.Add(time.Duration(m) * time.Minute)
			if h.OpenAt(tm) != h2.OpenAt(tm) {
				t.Fatalf("%q and its canonical %q differ at %v", s, c, tm)
			}
		}
		h.OpenAt(time.Time{})
		h.OpenAt(time.Unix(1<<40, 0).In(time.FixedZone("x", -12*3600)))
	})
}

// FuzzDecodeStations checks that decoding never panics and that every
// record it accepts is valid and survives an export round trip.
func FuzzDecodeStations(f *testing.F) {
	for _, name := range []string{"golden.geojson", "mixed.geojson"} {
		b, err := os.ReadFile(filepath.Join("testdata", "records", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"port","names":{"en":"x"},"source":"s"}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		stations, problems, err := DecodeStations(bytes.NewReader(b))
		if err != nil {
			if stations != nil || problems != nil {
				t.Fatal("DecodeStations returned records or problems with an error")
			}
			return
		}
		for _, p := range problems {
			if p.Index < 0 || p.Field == "" || p.Reason == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
		}
		for _, st := range stations {
			cp := *st
			if errs := cp.Validate(); errs != nil {
				t.Fatalf("accepted record %q does not validate: %v", st.ID, errs)
			}
		}
		var buf bytes.Buffer
		if err := EncodeStations(&buf, stations); err != nil {
			t.Fatalf("EncodeStations: %v", err)
		}
		again, problems, err := DecodeStations(&buf)
		if err != nil || problems != nil || len(again) != len(stations) {
			t.Fatalf("re-decoding the export = %d records, %v, %v; want %d", len(again), problems, err, len(stations))
		}
		for i := range stations {
			if d := sameStation(stations[i], again[i]); d != "" {
				t.Fatalf("record %q changed in a round trip: %s", stations[i].ID, d)
			}
		}
		for _, st := range stations {
			raw, err := st.MarshalFeature()
			if err != nil {
				t.Fatal(err)
			}
			if one, errs := DecodeStation(raw); errs != nil || sameStation(st, one) != "" {
				t.Fatalf("DecodeStation(MarshalFeature(%q)) = %v", st.ID, errs)
			}
		}
	})
}

// FuzzDecodeStation checks that one Feature that is not valid UTF-8 is
// always refused, with a problem saying so when it is JSON (never stored with U+FFFD in
// place of what was sent), and that an accepted one validates.
func FuzzDecodeStation(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[111,43]},"properties":{"kind":"port","names":{"zh":"口岸"},"source":"t"}}`))
	f.Add([]byte("{\"type\":\"Feature\",\"id\":\"a\xff\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[111,43]},\"properties\":{\"kind\":\"port\",\"names\":{\"zh\":\"口岸\"},\"source\":\"t\"}}"))
	f.Add([]byte("{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[111,43]},\"properties\":{\"kind\":\"port\",\"names\":{\"zh\":\"口\xe5\"},\"source\":\"t\",\"x\xff\":[\"\xfe\"]}}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, errs := DecodeStation(raw)
		if (st == nil) == (errs == nil) {
			t.Fatalf("DecodeStation = %v, %v; want a record or problems", st, errs)
		}
		if !utf8.Valid(raw) {
			if st != nil {
				t.Fatalf("accepted a record from bytes that are not UTF-8: %+v", st)
			}
			found := !json.Valid(raw) // not JSON at all: refused as such
			for _, e := range errs {
				found = found || (e.Field != "" && strings.Contains(e.Reason, "UTF-8"))
			}
			if !found {
				t.Fatalf("problems %v do not say which field is not UTF-8", errs)
			}
			return
		}
		if st != nil {
			if errs := st.Validate(); errs != nil {
				t.Fatalf("accepted record does not validate: %v", errs)
			}
		}
	})
}
