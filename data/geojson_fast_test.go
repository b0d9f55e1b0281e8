package data

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

// sameDecode reports how the fast reader's result for raw differs from
// encoding/json's, or "" when they agree: the same record (or none), the
// same id and the same problems.
func sameDecode(raw []byte) string {
	fst, fid, ferrs := decodeFeatureWith(raw, NewInterner(), true)
	sst, sid, serrs := decodeFeatureWith(raw, NewInterner(), false)
	switch {
	case fid != sid:
		return fmt.Sprintf("id %q != %q", fid, sid)
	case (fst == nil) != (sst == nil):
		return fmt.Sprintf("record %v != %v", fst, sst)
	case !reflect.DeepEqual(ferrs, serrs):
		return fmt.Sprintf("problems %v != %v", ferrs, serrs)
	case fst != nil:
		if d := sameStation(fst, sst); d != "" {
			return d
		}
		if !reflect.DeepEqual(fst.Hours, sst.Hours) {
			return "hours differ"
		}
	}
	return ""
}

// mutations change a Feature's text in the ways the fast reader must
// leave to encoding/json (or read the same way).
var mutations = []func(r *rand.Rand, b []byte) []byte{
	func(r *rand.Rand, b []byte) []byte { // a key in upper case
		return replaceNth(r, b, []byte(`"kind"`), []byte(`"Kind"`))
	},
	func(r *rand.Rand, b []byte) []byte { // a member given twice
		return bytes.Replace(b, []byte(`"source":`), []byte(`"source":"twice","source":`), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // names given twice: encoding/json merges them
		return bytes.Replace(b, []byte(`"names":{`), []byte(`"names":{"ru":"x"},"names":{`), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // a null
		return bytes.Replace(b, []byte(`"beds":`), []byte(`"beds":null,"area_m2":`), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // an escape
		return bytes.Replace(b, []byte(`"source":"`), []byte(`"source":"\u0041\n`), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // white space everywhere
		return bytes.ReplaceAll(b, []byte(`,`), []byte(" ,\n\t"))
	},
	func(r *rand.Rand, b []byte) []byte { // odd numbers
		odd := [][]byte{[]byte(`1e400`), []byte(`01`), []byte(`-`), []byte(`1.`), []byte(`.5`), []byte(`1.0`), []byte(`1E2`), []byte(`-0`), []byte(`99999999999999999999`), []byte(`+1`), []byte(`1e-400`)}
		o := odd[r.IntN(len(odd))]
		switch r.IntN(3) {
		case 0:
			return bytes.Replace(b, []byte(`"coordinates":[`), append([]byte(`"coordinates":[`), append(o, ',')...), 1)
		case 1:
			return bytes.Replace(b, []byte(`"properties":{`), append([]byte(`"properties":{"beds":`), append(o, ',')...), 1)
		}
		return bytes.Replace(b, []byte(`"properties":{`), append([]byte(`"properties":{"version":`), append(o, ',')...), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // an unknown member
		where := [][]byte{[]byte(`"properties":{`), []byte(`"geometry":{`), []byte(`"names":{`), []byte(`{"type":"Feature"`)}
		w := where[r.IntN(len(where))]
		return bytes.Replace(b, w, append(append([]byte{}, w...), []byte(`"extra":1,`)...), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // a byte that is not UTF-8
		out := append([]byte{}, b...)
		out[r.IntN(len(out))] = 0xff
		return out
	},
	func(r *rand.Rand, b []byte) []byte { // cut short
		return b[:r.IntN(len(b))]
	},
	func(r *rand.Rand, b []byte) []byte { // a byte dropped
		i := r.IntN(len(b))
		return append(append([]byte{}, b[:i]...), b[i+1:]...)
	},
	func(r *rand.Rand, b []byte) []byte { // a byte changed to JSON punctuation
		out := append([]byte{}, b...)
		out[r.IntN(len(out))] = `{}[],:"0 `[r.IntN(9)]
		return out
	},
	func(r *rand.Rand, b []byte) []byte { // a wrong type for a member
		vals := []string{`1`, `"x"`, `[]`, `{}`, `true`, `["a"]`, `[1]`}
		keys := []string{"kind", "names", "amenities", "beds", "languages", "port", "status", "updated_at", "version", "name", "opening_hours"}
		return bytes.Replace(b, []byte(`"properties":{`), []byte(`"properties":{"`+keys[r.IntN(len(keys))]+`":`+vals[r.IntN(len(vals))]+`,`), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // a numeric id, or none
		if r.IntN(2) == 0 {
			return replaceNth(r, b, []byte(`"id":"`), []byte(`"id":7,"x":"`))
		}
		return bytes.Replace(b, []byte(`"type":"Feature",`), []byte(`"type":"Feature","id":null,`), 1)
	},
	func(r *rand.Rand, b []byte) []byte { // three coordinates, or one
		if r.IntN(2) == 0 {
			return bytes.Replace(b, []byte(`]},"properties"`), []byte(`,12.5]},"properties"`), 1)
		}
		return bytes.Replace(b, []byte(`"coordinates":[`), []byte(`"coordinates":[1],"x":[`), 1)
	},
}

func replaceNth(r *rand.Rand, b, old, new []byte) []byte {
	n := bytes.Count(b, old)
	if n == 0 {
		return b
	}
	k := r.IntN(n)
	i := 0
	for range k + 1 {
		j := bytes.Index(b[i:], old)
		i += j + len(old)
	}
	i -= len(old)
	return append(append(append([]byte{}, b[:i]...), new...), b[i+len(old):]...)
}

// TestDecodeFeatureFastAgrees is the property the fast reader rests on:
// on records as the export writes them, and on those texts changed in
// every way listed in mutations, it gives what encoding/json's path gives.
func TestDecodeFeatureFastAgrees(t *testing.T) {
	seed := rand.Uint64()
	if s := os.Getenv("SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("SEED=%d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	const n = 3000
	for i := range n {
		st := randomStation(r, i)
		raw, err := st.MarshalFeature()
		if err != nil {
			t.Fatal(err)
		}
		if d := sameDecode(raw); d != "" {
			t.Fatalf("decode %s: fast and encoding/json differ: %s", raw, d)
		}
		// Every export without an escape in its strings takes the fast
		// path, so that start-up stays fast.
		if _, ok := decodeFeatureFast(raw, &propsIn{stationProps: &stationProps{}}, NewInterner()); !ok && !bytes.ContainsRune(raw, '\\') {
			t.Fatalf("decodeFeatureFast(%s) declined an export", raw)
		}
		for k := 0; k < 3; k++ {
			m := raw
			for range 1 + r.IntN(2) {
				if len(m) == 0 {
					break
				}
				m = mutations[r.IntN(len(mutations))](r, m)
			}
			if d := sameDecode(m); d != "" {
				t.Fatalf("decode %s: fast and encoding/json differ: %s", m, d)
			}
		}
	}
}

// TestDecodeFeatureFastTakesExports: the export form of an ordinary
// record is read by the fast path, so that start-up stays fast.
func TestDecodeFeatureFastTakesExports(t *testing.T) {
	st := &Station{ID: "a", Kind: KindPort, Names: Names{ZH: "满洲里", EN: "Manzhouli"}, Amenities: 3,
		OpeningHours: "24/7", Beds: intp(4), Languages: []string{"zh", "ru"}, Port: &PortInfo{Country: "RU", Modes: []string{"road"}},
		Source: "test", Version: 3}
	raw, err := st.MarshalFeature()
	if err != nil {
		t.Fatal(err)
	}
	var p propsIn
	p.stationProps = &stationProps{}
	if _, ok := decodeFeatureFast(raw, &p, nil); !ok {
		t.Fatalf("decodeFeatureFast(%s) declined", raw)
	}
	if d := sameDecode(raw); d != "" {
		t.Fatal(d)
	}
}

// FuzzDecodeFeatureFast: on any input the fast reader agrees with
// encoding/json's path.
func FuzzDecodeFeatureFast(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		raw, _ := randomStation(r, i).MarshalFeature()
		f.Add(raw)
	}
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if d := sameDecode(raw); d != "" {
			t.Fatalf("decode %q: fast and encoding/json differ: %s", raw, d)
		}
	})
}
