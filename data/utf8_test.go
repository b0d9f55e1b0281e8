package data

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// badFeature is a valid record with `at` replaced by bad in its JSON text.
func badFeature(at, bad string) []byte {
	f := `{"type":"Feature","id":"ID","geometry":{"type":"Point","coordinates":[111.9,43.6]},
		"properties":{"kind":"port","names":{"zh":"ZH","en":"EN"},"amenities":["toilet","AMENITY"],
		"port":{"country":"MN","modes":["road"],"hours":"HOURS"},"region":"REGION","source":"SOURCE","KEY":1}}`
	f = strings.ReplaceAll(f, `"AMENITY"`, `"shower"`)
	for _, k := range []string{"ID", "ZH", "EN", "HOURS", "REGION", "SOURCE", "KEY"} {
		if k == at {
			f = strings.Replace(f, k, bad, 1)
		} else if k != "KEY" {
			f = strings.Replace(f, `"`+k+`"`, `"`+strings.ToLower(k)+`"`, 1)
		}
	}
	if at == "AMENITY" {
		f = strings.Replace(f, `"shower"`, `"`+bad+`"`, 1)
	}
	return []byte(f)
}

// TestInvalidUTF8Refused: bytes that are not UTF-8 anywhere in a record
// refuse it, naming the field, on every reader, and are never turned
// into U+FFFD (which made two different ids one).
func TestInvalidUTF8Refused(t *testing.T) {
	tests := []struct {
		at, bad, field string
	}{
		{"ID", "st\xff1", "id"},
		{"ZH", "\xe4\xb8", "names.zh"}, // a truncated 3-byte sequence
		{"EN", "Port\xc0\xaf", "names.en"},
		{"HOURS", "08:00\xed\xa0\x80", "port.hours"}, // an encoded surrogate
		{"REGION", "\xfe", "region"},
		{"SOURCE", "survey \xff", "source"},
		{"AMENITY", "show\xffer", "amenities"},
		{"KEY", "x\xff", "properties"}, // a member name
	}
	for _, tc := range tests {
		raw := badFeature(tc.at, tc.bad)
		if utf8.Valid(raw) {
			t.Fatalf("%s: test feature is valid UTF-8", tc.at)
		}
		if ok := badFeature("", ""); !utf8.Valid(ok) {
			t.Fatal("clean feature is not UTF-8")
		} else if st, errs := DecodeStation(ok); st == nil {
			t.Fatalf("clean feature refused: %v", errs)
		}
		st, errs := DecodeStation(raw)
		if st != nil || !hasProblem(errs, tc.field, "UTF-8") {
			t.Errorf("DecodeStation with bad bytes in %s = %v, %v; want a problem on %s saying UTF-8", tc.at, st, errs, tc.field)
		}
		for _, e := range errs {
			if strings.ContainsRune(e.ID, utf8.RuneError) {
				t.Errorf("%s: problem names id %q, a replacement of what was sent", tc.at, e.ID)
			}
		}
	}
}

func hasProblem(errs []*FieldError, field, reason string) bool {
	for _, e := range errs {
		if e.Field == field && strings.Contains(e.Reason, reason) {
			return true
		}
	}
	return false
}

// TestInvalidUTF8IDsDoNotCollide: two ids that differ only in bytes that
// are not UTF-8 are two refused records, not one record and a duplicate
// (source's TestInvalidUTF8CSVIDs does the same for CSV).
func TestInvalidUTF8IDsDoNotCollide(t *testing.T) {
	f := func(id string) string {
		return fmt.Sprintf(`{"type":"Feature","id":"%s","geometry":{"type":"Point","coordinates":[111,43]},"properties":{"kind":"port","names":{"zh":"口岸"},"source":"t"}}`, id)
	}
	in := `{"type":"FeatureCollection","features":[` + f("a\xff") + "," + f("a\xfe") + "," + f("a\uFFFD") + `]}`
	stations, problems, err := DecodeStations(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(stations) != 1 || stations[0].ID != "a\uFFFD" {
		t.Errorf("DecodeStations kept %d records; want only the third (a real U+FFFD)", len(stations))
	}
	if len(problems) != 2 || problems[0].Index != 0 || problems[1].Index != 1 {
		t.Fatalf("problems = %v; want records 0 and 1 refused", problems)
	}
	for _, p := range problems {
		if p.Field != "id" || !strings.Contains(p.Reason, "UTF-8") || strings.Contains(p.Reason, "duplicate") {
			t.Errorf("problem %v; want id not valid UTF-8", p)
		}
	}

}

func TestInvalidUTF8Fields(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`{"id":"ok"}`, nil},
		{`{"id":"\xff"}`, []string{"id"}},
		{`{"properties":{"id":"\xff"}}`, []string{"id"}},
		{`{"properties":{"names":{"ru":"\xff","mn":"\xfe"}}}`, []string{"names.ru", "names.mn"}},
		{`{"properties":{"names":{"r\xffu":"x"}}}`, []string{"names"}},
		{`{"properties":{"b\xffd":{"deep":"\xff"}}}`, []string{"properties"}}, // the value under a bad name is not reported again
		{`{"properties":{"port":{"modes":["road","r\xff"]}}}`, []string{"port.modes"}},
		{`{"properties":{"amenities":["\xff","\xfe"]}}`, []string{"amenities"}},
		{`{"geometry":{"type":"Po\xffint"}}`, []string{"geometry"}},
		{`{"fo\xffo":1}`, []string{"feature"}},
		{`"\xff"`, []string{"feature"}},
		{"{\"id\":\"\xff", []string{"feature"}}, // truncated: no complete string token
	}
	// The cases are written with \xff and \xfe for the bytes 0xff and 0xfe.
	bytesOf := strings.NewReplacer(`\xff`, "\xff", `\xfe`, "\xfe").Replace
	for _, tc := range tests {
		got := InvalidUTF8([]byte(bytesOf(tc.in)))
		var fields []string
		for _, p := range got {
			fields = append(fields, p.Field)
			if p.Index != -1 || !strings.Contains(p.Reason, "UTF-8") {
				t.Errorf("InvalidUTF8(%q): problem %+v", tc.in, p)
			}
		}
		if fmt.Sprint(fields) != fmt.Sprint(tc.want) {
			t.Errorf("InvalidUTF8(%q) fields = %v; want %v", tc.in, fields, tc.want)
		}
	}
	// Bounded: a million bad strings are a short list.
	var b bytes.Buffer
	b.WriteString(`{`)
	for i := range 100_000 {
		fmt.Fprintf(&b, "\"k%d\":\"\xff\",", i)
	}
	b.WriteString(`"z":1}`)
	if got := InvalidUTF8(b.Bytes()); len(got) != maxUTF8Problems {
		t.Errorf("InvalidUTF8 of 100,000 bad members = %d problems; want at most %d", len(got), maxUTF8Problems)
	}
}
