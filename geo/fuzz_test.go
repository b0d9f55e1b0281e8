package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		in      string
		want    orb.Bound
		wantErr string // substring of the error; "" means success
	}{
		{"111.5,41.2,112.5,42.8", orb.Bound{Min: orb.Point{111.5, 41.2}, Max: orb.Point{112.5, 42.8}}, ""},
		{" 111.5 , 41.2 ,112.5, 42.8 ", orb.Bound{Min: orb.Point{111.5, 41.2}, Max: orb.Point{112.5, 42.8}}, ""},
		{"-180,-90,180,90", World(), ""},
		{"170,-10,-170,10", orb.Bound{Min: orb.Point{170, -10}, Max: orb.Point{-170, 10}}, ""}, // crosses ±180
		{"1,2,1,2", orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{1, 2}}, ""},
		{"", orb.Bound{}, "has 1 values; want 4"},
		{"1,2,3", orb.Bound{}, "has 3 values; want 4"},
		{"1,2,3,4,5,6", orb.Bound{}, "has 6 values; want 4"},
		{"a,2,3,4", orb.Bound{}, `minLon "a" is not a finite decimal number`},
		{"1,2,3,", orb.Bound{}, `maxLat "" is not a finite decimal number`},
		{"NaN,2,3,4", orb.Bound{}, "minLon \"NaN\" is not a finite decimal number"},
		{"1,Inf,3,4", orb.Bound{}, "minLat \"Inf\" is not a finite decimal number"},
		{"1,2,3,1e400", orb.Bound{}, "maxLat \"1e400\" is not a finite decimal number"},
		{"-181,2,3,4", orb.Bound{}, "minLon -181 is out of range; want a value in [-180, 180]"},
		{"1,2,3,90.5", orb.Bound{}, "maxLat 90.5 is out of range; want a value in [-90, 90]"},
		{"1,40,3,30", orb.Bound{}, "minLat 40 is greater than maxLat 30"},
		{"0x1p-2,2,3,4", orb.Bound{}, `minLon "0x1p-2" is not a finite decimal number`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseBBox(tc.in)
			if tc.wantErr == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseBBox(%q) = %v, %v; want %v, nil", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseBBox(%q) error = %v; want one containing %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

// FuzzParseBBox checks that any input either parses to a box that obeys
// every rule or fails with a message, and that a parsed box survives
// printing and parsing again.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"111.5,41.2,112.5,42.8", "170,-10,-170,10", "-180,-90,180,90", "", ",,,", "1,2,3", "NaN,0,0,0", "1e400,0,0,0", "0x1p-2,0,0,0", "1_0,0,0,0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			if err.Error() == "" || len(err.Error()) > 400 {
				t.Fatalf("ParseBBox(%q) error %q is empty or too long", s, err)
			}
			return
		}
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("ParseBBox(%q) = %v; not finite", s, b)
			}
		}
		if b.Min[0] < -180 || b.Max[0] > 180 || b.Max[0] < -180 || b.Min[0] > 180 ||
			b.Min[1] < -90 || b.Max[1] > 90 || b.Min[1] > b.Max[1] {
			t.Fatalf("ParseBBox(%q) = %v; out of range", s, b)
		}
		ix := NewIndex([]orb.Point{{0, 0}, {179.5, 0}, {-179.5, 0}})
		ix.InBound(b, func(uint32, orb.Point) bool { return true }) // must not panic
	})
}
