package data

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sameCollection reports how DecodeStations (the parallel reader) and
// decodeStream (feature by feature) differ on b, or "" when they give the
// same records, problems and error.
func sameCollection(b []byte) string {
	ps, pp, perr := DecodeStations(bytes.NewReader(b))
	ss, sp, serr := decodeStream(bytes.NewReader(b))
	switch {
	case fmt.Sprint(perr) != fmt.Sprint(serr):
		return fmt.Sprintf("error %v != %v", perr, serr)
	case (ps == nil) != (ss == nil) || len(ps) != len(ss):
		return fmt.Sprintf("%d records != %d", len(ps), len(ss))
	case !reflect.DeepEqual(pp, sp):
		return fmt.Sprintf("problems\n%v\n!=\n%v", pp, sp)
	}
	for i := range ps {
		if d := sameStation(ps[i], ss[i]); d != "" {
			return fmt.Sprintf("record %d: %s", i, d)
		}
	}
	return ""
}

// collection writes features as a FeatureCollection with head before the
// features array and tail after it (each "" or members ending in ",").
func collection(head, tail string, features [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(`{` + head + `"type":"FeatureCollection",` + tail + `"features":[`)
	for i, f := range features {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.Write(f)
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// TestDecodeParallelAgrees: the parallel reader gives what the reader
// feature by feature gives, on collections of several chunks with ids
// given twice (across chunks too), bad records, features that are not
// JSON, and odd text around the features.
func TestDecodeParallelAgrees(t *testing.T) {
	seed := rand.Uint64()
	if s := os.Getenv("SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("SEED=%d", seed)
	r := rand.New(rand.NewPCG(seed, 4))
	heads := []string{"", `"name":"x",`, `"bbox":[1,2,3,4],`, `"crs":{"a":[1,{"b":"]}"}]},`, `"type":"FeatureCollection",`, `"x":tru,`, `"features":[],`, `"\u0074ype":"x",`}
	for round := range 40 {
		n := 1 + r.IntN(3*parallelChunk)
		if round%4 == 0 {
			n = r.IntN(20)
		}
		features := make([][]byte, n)
		for i := range features {
			st := randomStation(r, i)
			if r.IntN(50) == 0 && i > 0 {
				st.ID = fmt.Sprintf("st-%d", r.IntN(i)) // may clash
			}
			if r.IntN(10) == 0 {
				st.ID = "dup"
			}
			raw, err := st.MarshalFeature()
			if err != nil {
				t.Fatal(err)
			}
			if r.IntN(20) == 0 {
				raw = mutations[r.IntN(len(mutations))](r, raw)
			}
			features[i] = raw
		}
		var head, tail string
		if round%3 == 0 {
			head, tail = heads[r.IntN(len(heads))], heads[r.IntN(len(heads))]
		}
		b := collection(head, tail, features)
		if d := sameCollection(b); d != "" {
			t.Fatalf("round %d (%d features, head %q, tail %q): %s", round, n, head, tail, d)
		}
		if round%5 == 0 && len(b) > 0 { // cut short
			if d := sameCollection(b[:r.IntN(len(b))]); d != "" {
				t.Fatalf("round %d cut short: %s", round, d)
			}
		}
	}
}

// TestDecodeParallelTakesExports: an export is read by the parallel
// reader, not handed back to the one feature by feature.
func TestDecodeParallelTakesExports(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	stations := make([]*Station, 2*parallelChunk+7)
	for i := range stations {
		stations[i] = randomStation(r, i)
	}
	var buf bytes.Buffer
	if err := EncodeStations(&buf, stations); err != nil {
		t.Fatal(err)
	}
	got, problems, ok, _ := decodeParallel(buf.Bytes())
	if !ok || problems != nil || len(got) != len(stations) {
		t.Fatalf("decodeParallel(export of %d) = %d records, %v, %v", len(stations), len(got), problems, ok)
	}
	for i := range got {
		if d := sameStation(got[i], stations[i]); d != "" {
			t.Fatalf("record %d: %s", i, d)
		}
	}
}

// FuzzDecodeParallel: on any input the parallel reader agrees with the
// reader feature by feature.
func FuzzDecodeParallel(f *testing.F) {
	for _, name := range []string{"golden.geojson", "mixed.geojson"} {
		b, err := os.ReadFile(filepath.Join("testdata", "records", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`{"features":[1,{"a":"]"}],"type":"FeatureCollection"} `))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d := sameCollection(b); d != "" {
			t.Fatalf("DecodeStations(%q): parallel and feature by feature differ: %s", b, d)
		}
	})
}
