package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMergePatchRefusesUnwritableMembers: a patch naming something no
// writer can change is refused with every such member named; it used to
// answer 200 having changed nothing.
func TestMergePatchRefusesUnwritableMembers(t *testing.T) {
	cur := validStation()
	port := validStation()
	port.Kind, port.Port = KindPort, &PortInfo{Country: "MN", Modes: []string{"road"}}
	tests := []struct {
		cur    *Station
		patch  string
		fields []string // the problems' fields, in order
		reason string   // in the first problem
	}{
		{cur, `{"properties":{"bed":20}}`, []string{"bed"}, "unknown property"},
		{cur, `{"properties":{"bed":null}}`, []string{"bed"}, "unknown property"},
		{cur, `{"properties":{"version":7}}`, []string{"version"}, "read-only"},
		{cur, `{"properties":{"updated_at":"2024-01-01T00:00:00Z"}}`, []string{"updated_at"}, "read-only"},
		{cur, `{"properties":{"name":"x","distance_m":3,"bearing_deg":1}}`, []string{"bearing_deg", "distance_m", "name"}, "read-only"},
		{cur, `{"properties":{"names":{"fr":"Maison"}}}`, []string{"names.fr"}, "unknown name language"},
		{port, `{"properties":{"port":{"hours":"24/7","mode":["rail"]}}}`, []string{"port.mode"}, "unknown member of port"},
		{cur, `{"geometry":{"type":"Point","coordinates":[1,2],"crs":{}}}`, []string{"geometry.crs"}, "unknown member of a Point"},
		{cur, `{"bbox":[1,2,3,4]}`, []string{"bbox"}, "unknown member of a Feature"},
		{cur, `{"id":"other"}`, []string{"id"}, "cannot change the id"},
		{cur, `{"properties":{"id":"other"}}`, []string{"id"}, "cannot change the id"},
		{cur, `{"type":"FeatureCollection"}`, []string{"type"}, "Feature"},
		{cur, `{"foo":1,"properties":{"bed":1,"beds":2,"names":{"de":"x"}}}`, []string{"foo", "bed", "names.de"}, "unknown"},
	}
	for _, tc := range tests {
		st, errs := MergePatch(tc.cur, []byte(tc.patch))
		var fields []string
		for _, e := range errs {
			fields = append(fields, e.Field)
			if e.ID != tc.cur.ID || e.Index != -1 {
				t.Errorf("MergePatch(%s): problem %+v lacks the record id", tc.patch, e)
			}
		}
		if st != nil || fmt.Sprint(fields) != fmt.Sprint(tc.fields) || !strings.Contains(errs[0].Reason, tc.reason) {
			t.Errorf("MergePatch(%s) = %v, %v; want problems on %v saying %q", tc.patch, st, errs, tc.fields, tc.reason)
		}
	}

	ok := []struct {
		cur   *Station
		patch string
		check func(*Station) bool
	}{
		{cur, `{"properties":{"beds":20}}`, func(s *Station) bool { return *s.Beds == 20 }},
		{cur, `{"type":"Feature","id":"` + cur.ID + `","properties":{"id":"` + cur.ID + `","names":{"en":"New","mn":null}}}`,
			func(s *Station) bool { return s.Names.EN == "New" && s.Names.MN == "" && s.Names.ZH == cur.Names.ZH }},
		{port, `{"properties":{"port":{"hours":"24/7"}}}`, func(s *Station) bool { return s.Port.Hours == "24/7" && s.Port.Country == "MN" }},
		{port, `{"properties":{"kind":"rest_stop","port":null}}`, func(s *Station) bool { return s.Port == nil }},
		{cur, `{"geometry":{"coordinates":[112,44]}}`, func(s *Station) bool { return s.Location.Lon() == 112 }},
	}
	for _, tc := range ok {
		st, errs := MergePatch(tc.cur, []byte(tc.patch))
		if errs != nil || !tc.check(st) {
			t.Errorf("MergePatch(%s) = %+v, %v; want it applied", tc.patch, st, errs)
		}
	}
}

// FuzzMergePatch checks that a patch, which comes from outside, never
// panics, that a refusal names a field, that an accepted result is a
// valid record with the same id, and that bytes that are not UTF-8 are
// always refused.
func FuzzMergePatch(f *testing.F) {
	for _, p := range []string{
		`{"properties":{"status":"closed"}}`, `{"properties":{"bed":20}}`, `{"geometry":{"coordinates":[1,2]}}`,
		`{"properties":{"names":{"en":null,"fr":"x"}}}`, `{"id":"x"}`, `{}`, `null`, `[]`, "{\"properties\":{\"region\":\"\xff\"}}",
	} {
		f.Add([]byte(p))
	}
	cur := validStation()
	f.Fuzz(func(t *testing.T, patch []byte) {
		st, errs := MergePatch(cur, patch)
		if (st == nil) == (errs == nil) {
			t.Fatalf("MergePatch = %v, %v; want a record or problems", st, errs)
		}
		for _, e := range errs {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("incomplete problem %+v", e)
			}
		}
		if st == nil {
			return
		}
		if !utf8.Valid(patch) {
			t.Fatalf("accepted a patch that is not UTF-8: %+v", st)
		}
		if st.ID != cur.ID {
			t.Fatalf("patch changed the id to %q", st.ID)
		}
		if errs := st.Validate(); errs != nil {
			t.Fatalf("patched record does not validate: %v", errs)
		}
	})
}

// mergePatchByRoundTrip is the merge patch as RFC 7396 states it, over the
// record's whole JSON form: record → JSON → merge → JSON → record. It is
// the reference MergePatch is held to.
func mergePatchByRoundTrip(cur *Station, patch []byte) (*Station, []*FieldError) {
	raw, err := cur.MarshalFeature()
	if err != nil {
		panic(err)
	}
	var doc, p any
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(err)
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		panic(err)
	}
	props := doc.(map[string]any)["properties"].(map[string]any)
	delete(props, "name")
	delete(props, "version")
	delete(props, "updated_at")
	out, err := json.Marshal(mergePatch(doc, p))
	if err != nil {
		panic(err)
	}
	return DecodeStation(out)
}

// FuzzMergePatchIsRFC7396: MergePatch, which decodes the patch onto the
// record member by member, gives the record (or the problem fields) that
// merging the whole JSON form gives.
func FuzzMergePatchIsRFC7396(f *testing.F) {
	for _, p := range []string{
		`{"properties":{"status":"closed"}}`, `{"properties":{"beds":20,"languages":["ru"]}}`, `{"geometry":{"coordinates":[1,2]}}`,
		`{"properties":{"names":{"en":null,"ru":"x"}}}`, `{"properties":{"names":"x"}}`, `{"properties":{"port":{"hours":"1"},"kind":"port"}}`,
		`{"properties":{"port":{"modes":null}}}`, `{"properties":{"port":null,"kind":"rest_stop"}}`, `{"properties":{"amenities":["wifi","x"]}}`,
		`{"properties":{"capacity_per_day":1.5,"beds":"2"}}`, `{"properties":5}`, `{"geometry":{"type":"LineString"}}`, `{"geometry":{"coordinates":null}}`,
		`{"properties":{"names":{"en":5}}}`, `{"properties":{"opening_hours":"Mo-Fr 08:00-18:00","timezone":"Asia/Ulaanbaatar"}}`,
	} {
		f.Add([]byte(p), false)
		f.Add([]byte(p), true)
	}
	f.Fuzz(func(t *testing.T, patch []byte, isPort bool) {
		cur := validStation()
		if isPort {
			cur.Kind, cur.Port = KindPort, &PortInfo{Country: "MN", Modes: []string{"road"}, Hours: "08:00-18:00"}
		}
		cur.Normalize()
		var p map[string]any
		if !utf8.Valid(patch) || json.Unmarshal(patch, &p) != nil || p == nil || patchMembers(cur.ID, p) != nil {
			return // refused before any merging, the same way in both
		}
		if g, ok := p["geometry"]; ok && g == nil {
			return
		}
		if props, ok := p["properties"]; ok && props == nil {
			return
		}
		before, _ := cur.MarshalFeature()
		got, gotErrs := MergePatch(cur, patch)
		want, wantErrs := mergePatchByRoundTrip(cur, patch)
		if after, _ := cur.MarshalFeature(); !bytes.Equal(before, after) {
			t.Fatalf("MergePatch(%s) changed the record it was given", patch)
		}
		if (got == nil) != (want == nil) {
			t.Fatalf("MergePatch(%s) = %v, %v; the whole-form merge gives %v, %v", patch, got, gotErrs, want, wantErrs)
		}
		if got == nil {
			gf, wf := problemFields(gotErrs), problemFields(wantErrs)
			if gf != wf {
				t.Fatalf("MergePatch(%s) problems on %s; the whole-form merge has them on %s", patch, gf, wf)
			}
			return
		}
		if d := sameStation(got, want); d != "" {
			t.Fatalf("MergePatch(%s) differs from the whole-form merge: %s", patch, d)
		}
	})
}

func problemFields(errs []*FieldError) string {
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	slices.Sort(fields)
	return fmt.Sprint(fields)
}
