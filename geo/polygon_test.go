package geo

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestValidateArea(t *testing.T) {
	square := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	tests := []struct {
		name   string
		area   orb.MultiPolygon
		defect string // substring of the defect; "" means valid
	}{
		{"square", orb.MultiPolygon{{square}}, ""},
		{"square with hole", orb.MultiPolygon{{square, {{0.2, 0.2}, {0.2, 0.8}, {0.8, 0.8}, {0.8, 0.2}, {0.2, 0.2}}}}, ""},
		{"two squares touching at a corner", orb.MultiPolygon{{square}, {{{1, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 1}}}}, ""},
		{"empty", orb.MultiPolygon{}, "no polygons"},
		{"polygon without rings", orb.MultiPolygon{{}}, "no rings"},
		{"unclosed", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, "not closed"},
		{"three positions", orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 0}}}}, "at least 4"},
		{"latitude out of range", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 91}, {0, 0}}}}, "latitude 91 is out of range"},
		{"longitude out of range", orb.MultiPolygon{{{{0, 0}, {181, 0}, {1, 1}, {0, 0}}}}, "longitude 181 is out of range"},
		{"NaN", orb.MultiPolygon{{{{0, 0}, {math.NaN(), 0}, {1, 1}, {0, 0}}}}, "not a finite number"},
		{"bow tie", orb.MultiPolygon{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}, "self-intersection"},
		{"collinear", orb.MultiPolygon{{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}}, "doubles back"},
		{"spike", orb.MultiPolygon{{{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}}}, "self-intersection"},
		{"hole crossing shell", orb.MultiPolygon{{square, {{0.5, 0.5}, {1.5, 0.5}, {1.5, 0.8}, {0.5, 0.8}, {0.5, 0.5}}}}, "ring 1"},
		{"hole outside shell", orb.MultiPolygon{{square, {{2, 2}, {3, 2}, {3, 3}, {2, 3}, {2, 2}}}}, "outside its polygon's exterior"},
		{"overlapping polygons", orb.MultiPolygon{{square}, {{{0.5, 0.5}, {1.5, 0.5}, {1.5, 1.5}, {0.5, 1.5}, {0.5, 0.5}}}}, "polygon 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateArea(tc.area)
			if tc.defect == "" {
				if err != nil {
					t.Fatalf("ValidateArea = %v; want nil", err)
				}
				return
			}
			var pe *PolygonError
			if !errors.As(err, &pe) {
				t.Fatalf("ValidateArea = %v; want a *PolygonError naming %q", err, tc.defect)
			}
			if !strings.Contains(err.Error(), tc.defect) {
				t.Fatalf("ValidateArea = %q; want it to contain %q", err, tc.defect)
			}
		})
	}
}

func TestValidateAreaInnerMongoliaFast(t *testing.T) {
	im := loadInnerMongolia(t)
	start := time.Now()
	err := ValidateArea(im)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("ValidateArea(Inner Mongolia) = %v; want nil", err)
	}
	t.Logf("validated %d vertices in %v", len(im[0][0])+len(im[1][0]), took)
	if took > 200*time.Millisecond {
		t.Fatalf("ValidateArea(Inner Mongolia) took %v; want well under 200ms", took)
	}
	// Break it: move one vertex far across the polygon.
	bad := orb.MultiPolygon{{append(orb.Ring(nil), im[0][0]...)}}
	bad[0][0][5000] = orb.Point{112, 42}
	if err := ValidateArea(bad); err == nil || !strings.Contains(err.Error(), "self-intersection") {
		t.Fatalf("ValidateArea(broken boundary) = %v; want a self-intersection", err)
	}
}

func BenchmarkValidateAreaInnerMongolia(b *testing.B) {
	im := loadInnerMongolia(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ValidateArea(im); err != nil {
			b.Fatal(err)
		}
	}
}
