package postgis

import (
	"bytes"
	"strings"
	"testing"

	"yizhan/data"
)

// amenityTexts are amenity lists as the load reads them (joined by
// listSep): empty, in and out of the canonical order, a name outside the
// list, one name a prefix of another's text, repeated and empty names,
// separators at the ends.
var amenityTexts = func() []string {
	all := data.Amenities()
	j := func(names ...string) string { return strings.Join(names, listSep) }
	a := func(i int) string { return string(all[i%len(all)]) }
	texts := []string{
		"",
		a(0),
		j(a(0), a(len(all)-1)),
		j(a(len(all)-1), a(0)),
		j(a(1), "sauna", a(2)),
		j(a(2), a(2)),
		j("", a(3)),
		j(a(3), ""),
		a(4) + listSep,
		listSep,
		a(5) + "x",
		j(a(5)+"x", a(6)),
		a(6)[:len(a(6))-1],
		"sauna",
	}
	// every name, from the i-th on, then the ones before it
	for i := range all {
		var names []string
		for k := range all {
			names = append(names, a(i+k))
		}
		texts = append(texts, j(names...))
	}
	return texts
}()

// amenitiesByMap is the oracle: the text split on listSep and every name
// looked up in amenityBits.
func amenitiesByMap(text []byte) (data.AmenitySet, []byte) {
	var set data.AmenitySet
	var unknown []byte
	for len(text) > 0 {
		name := text
		if i := bytes.IndexByte(text, listSep[0]); i >= 0 {
			name, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if bit, ok := amenityBits[string(name)]; ok {
			set |= bit
		} else if unknown == nil {
			unknown = append([]byte{}, name...)
		}
	}
	return set, unknown
}

// scanAmenities reads text as a row's scan does.
func scanAmenities(text []byte) (data.AmenitySet, []byte) {
	d := newRowDecoder()
	var set data.AmenitySet
	_ = (&amenityScan{d: d, set: &set}).ScanBytes(text)
	return set, d.unknown
}

// TestAmenityScan reads each list as the oracle does.
func TestAmenityScan(t *testing.T) {
	for _, text := range amenityTexts {
		got, gotUnknown := scanAmenities([]byte(text))
		want, wantUnknown := amenitiesByMap([]byte(text))
		if got != want || !bytes.Equal(gotUnknown, wantUnknown) || (gotUnknown == nil) != (wantUnknown == nil) {
			t.Errorf("%q: %b, unknown %q; want %b, %q", text, got, gotUnknown, want, wantUnknown)
		}
	}
}

// FuzzAmenityScan: whatever the text, the reading gives the oracle's set
// and first unknown name, and nothing panics.
func FuzzAmenityScan(f *testing.F) {
	for _, text := range amenityTexts {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		got, gotUnknown := scanAmenities(text)
		want, wantUnknown := amenitiesByMap(text)
		if got != want || !bytes.Equal(gotUnknown, wantUnknown) || (gotUnknown == nil) != (wantUnknown == nil) {
			t.Fatalf("%q: %b, unknown %q; want %b, %q", text, got, gotUnknown, want, wantUnknown)
		}
	})
}

// BenchmarkAmenityScan reads random amenity lists (half the names each,
// as in the uniform 1M records), one per row.
func BenchmarkAmenityScan(b *testing.B) {
	texts := make([][]byte, 4096)
	var x uint32 = 1
	for i := range texts {
		x = x*1664525 + 1013904223
		var names []string
		for _, a := range (data.AmenitySet(x>>8) & (1<<len(data.Amenities()) - 1)).Names() {
			names = append(names, string(a))
		}
		texts[i] = []byte(strings.Join(names, listSep))
	}
	var set data.AmenitySet
	s := &amenityScan{d: newRowDecoder(), set: &set}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_ = s.ScanBytes(texts[i%len(texts)])
	}
}
