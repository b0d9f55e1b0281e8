package api

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"yizhan/data"
	"yizhan/geo"
)

// TestNearestEchoMatchesMarshal holds nearestEcho.appendJSON (and
// withinEcho's) to the bytes
// json.Marshal writes for the same value (the rendering it replaced), on
// random echoes: every optional member present or not, strings that need
// escapes, numbers in plain and exponent form.
func TestNearestEchoMatchesMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	texts := []string{"", "zh", "a<b>&\"c\\", "二连浩特", "\u2028x\x01", "\xff", "2026-12-01T08:00:00Z"}
	floats := []float64{0, -0, 1e-7, 5e-324, 111.5, -43.6000001, 1e21, 123456789.125, 1.0 / 3, 180, -90}
	text := func() string { return texts[rng.IntN(len(texts))] }
	num := func() float64 {
		if rng.IntN(3) == 0 {
			return (rng.Float64() - 0.5) * 400
		}
		return floats[rng.IntN(len(floats))]
	}
	for i := 0; i < 5000; i++ {
		e := nearestEcho{Lon: num(), Lat: num(), K: rng.IntN(200) - 10}
		if rng.IntN(2) == 0 {
			m := num()
			e.MaxDistanceM = &m
		}
		for j := rng.IntN(3); j > 0; j-- {
			e.Kind = append(e.Kind, data.Kind(text()))
		}
		if rng.IntN(4) == 0 {
			e.Kind = []data.Kind{} // empty, not nil: omitted as well
		}
		for j := rng.IntN(3); j > 0; j-- {
			e.Amenity = append(e.Amenity, text())
		}
		for j := rng.IntN(3); j > 0; j-- {
			e.Status = append(e.Status, data.Status(text()))
		}
		e.OpenAt, e.Lang, e.CRS = text(), text(), text()
		if rng.IntN(2) == 0 {
			e.WGS84 = &[2]float64{num(), num()}
		}
		checkEcho(t, e)
		w := withinEcho{Lon: num(), Lat: num(), Limit: rng.IntN(1000), filterJSON: e.filterJSON, pointCRS: e.pointCRS}
		w.RadiusM, w.Derivation = num(), text()
		if rng.IntN(2) == 0 {
			m, v, c := num(), num(), num()
			w.Minutes, w.Mode, w.SpeedKmh, w.Circuity = &m, text(), &v, &c
		}
		checkEcho(t, w)
	}
}

// checkEcho fails t unless e.appendJSON writes what json.Marshal writes.
func checkEcho(t *testing.T, e jsonAppender) {
	t.Helper()
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.appendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("%+v:\n got %s\nwant %s", e, got, want)
	}
}

// BenchmarkNearestEcho compares the query member of a nearest answer
// written by appendJSON with encoding/json (appendMarshal), which wrote it
// before.
func BenchmarkNearestEcho(b *testing.B) {
	e := nearestEcho{Lon: 111.5, Lat: 43.6, K: 5, filterJSON: filterJSON{Lang: "zh"}, pointCRS: pointCRS{CRS: "wgs84"}}
	buf := make([]byte, 0, 256)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf, _ = e.appendJSON(buf[:0])
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf, _ = appendMarshal(buf[:0], e)
		}
	})
}

// TestRound7MatchesGeoRound holds round7 to geo.Round(v, 7), which it
// inlines, bit for bit.
func TestRound7MatchesGeoRound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	edge := []float64{0, math.Copysign(0, -1), 0.00000005, -0.00000005, 0.00000015, 179.99999995, -180, 1e300, -1e300, 5e-324, math.Inf(1), math.Inf(-1), math.NaN()}
	check := func(v float64) {
		if got, want := round7(v), geo.Round(v, 7); math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("round7(%v) = %v, geo.Round %v", v, got, want)
		}
	}
	for _, v := range edge {
		check(v)
	}
	for i := 0; i < 200000; i++ {
		check((rng.Float64() - 0.5) * 360)
		check(math.Float64frombits(rng.Uint64()))
		check(float64(rng.IntN(3600000000)-1800000000)/1e7 + float64(rng.IntN(3)-1)*5e-8)
	}
}

// TestAppendLonLatMatchesAppendPoint holds appendLonLat to the path it
// replaced, appendPoint of lonLat, byte for byte and error for error.
func TestAppendLonLatMatchesAppendPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	edge := []float64{0, math.Copysign(0, -1), 0.00000005, -0.00000005, 0.0000004, 0.00000095, 0.000001, 179.99999995, -180, 99999999.99999996, 1e8, 1e21, 1e300, 5e-324, math.Inf(1), math.NaN()}
	check := func(p [2]float64) {
		want, werr := appendPoint(nil, lonLat(p))
		got, gerr := appendLonLat(nil, p)
		if string(got) != string(want) || (werr == nil) != (gerr == nil) {
			t.Fatalf("%v: got %s (%v), want %s (%v)", p, got, gerr, want, werr)
		}
	}
	for _, x := range edge {
		for _, y := range edge {
			check([2]float64{x, y})
			check([2]float64{-x, y})
		}
	}
	for i := 0; i < 200000; i++ {
		check([2]float64{(rng.Float64() - 0.5) * 360, (rng.Float64() - 0.5) * 180})
		check([2]float64{math.Float64frombits(rng.Uint64()), float64(rng.IntN(2000000001)-1000000000) / 1e7})
		check([2]float64{(rng.Float64() - 0.5) * 1e-5, (rng.Float64() - 0.5) * 2e8})
	}
}

// oldAppendDecimal7 is appendDecimal7 as it was before it wrote digit
// pairs, kept as its oracle.
func oldAppendDecimal7(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/1e7, 10)
	frac := n % 1e7
	if frac == 0 {
		return b
	}
	var d [7]byte
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := len(d)
	for d[end-1] == '0' {
		end--
	}
	return append(append(b, '.'), d[:end]...)
}

func checkDecimal7(t *testing.T, n int64) {
	t.Helper()
	if n == math.MinInt64 {
		return // the oracle cannot negate it; answers never reach it (|n| < 1e15)
	}
	if got, want := appendDecimal7(nil, n), oldAppendDecimal7(nil, n); string(got) != string(want) {
		t.Fatalf("appendDecimal7(%d) = %s; want %s", n, got, want)
	}
}

// TestAppendDecimal7MatchesOld holds appendDecimal7 to the loop it
// replaced: every number of up to 9 digits around each power of ten, every
// decimal pattern, and random numbers of every size.
func TestAppendDecimal7MatchesOld(t *testing.T) {
	for p := int64(1); p <= 1e17; p *= 10 {
		for d := int64(-12); d <= 12; d++ {
			checkDecimal7(t, p+d)
			checkDecimal7(t, -(p + d))
		}
	}
	for n := int64(-20000); n <= 20000; n++ {
		checkDecimal7(t, n)
		checkDecimal7(t, n*1000+1234567890)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 200000 {
		n := r.Int64N(1<<uint(r.IntN(62)+1)) * (1 + int64(r.IntN(2)))
		if r.IntN(2) == 0 {
			n = -n
		}
		checkDecimal7(t, n)
	}
	checkDecimal7(t, math.MaxInt64)
}

func FuzzAppendDecimal7(f *testing.F) {
	for _, n := range []int64{0, 1, -1, 10_000_000, 1_234_567_890, -5_000_000, 3_599_000_000, math.MaxInt64} {
		f.Add(n)
	}
	f.Fuzz(checkDecimal7)
}
