package data

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

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
