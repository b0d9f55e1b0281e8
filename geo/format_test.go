package geo

import (
	"math"
	"math/rand"
	"testing"
)

// TestClip: a message's copy of an input is cut at n bytes, never inside
// a UTF-8 sequence, and marked with "…".
func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"", 5, ""},
		{"short", 5, "short"},
		{"longer", 3, "lon…"},
		{"满洲里", 4, "满…"}, // 满 is 3 bytes: byte 4 is inside 洲
		{"满洲里", 3, "满…"},
		{"满洲里", 2, "…"},
		{"满洲里", 9, "满洲里"},
	}
	for _, tc := range tests {
		if got := Clip(tc.s, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q; want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestRoundPowersAreMathPow holds Round's table to math.Pow bit for bit,
// and Round to the math.Pow form on random values, so looking the powers
// up changes no answer.
func TestRoundPowersAreMathPow(t *testing.T) {
	for d, p := range powersOfTen {
		if want := math.Pow(10, float64(d)); math.Float64bits(p) != math.Float64bits(want) {
			t.Fatalf("powersOfTen[%d] = %v; math.Pow gives %v", d, p, want)
		}
	}
	r := rand.New(rand.NewSource(3))
	for range 100_000 {
		v := (r.Float64() - 0.5) * math.Pow(10, float64(r.Intn(12)))
		for d := -2; d <= len(powersOfTen); d++ {
			p := math.Pow(10, float64(d))
			if got, want := Round(v, d), math.Round(v*p)/p; math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("Round(%v, %d) = %v; want %v", v, d, got, want)
			}
		}
	}
}
