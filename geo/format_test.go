package geo

import "testing"

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
