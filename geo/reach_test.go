package geo

import (
	"math"
	"strings"
	"testing"
)

func TestNewReach(t *testing.T) {
	tests := []struct {
		name                        string
		mode                        string
		minutes, speedKmh, circuity float64
		wantSpeed, wantCircuity     float64
		wantRadius                  float64
	}{
		{"15 min walk", "walk", 15, 0, 0, 5, 1.3, 961.538},
		{"15 min cycle", "cycle", 15, 0, 0, 15, 1.3, 2884.615},
		{"15 min drive", "drive", 15, 0, 0, 40, 1.3, 7692.308},
		{"15 min truck", "truck", 15, 0, 0, 50, 1.3, 9615.385},
		{"60 min truck", "truck", 60, 0, 0, 50, 1.3, 38461.538},
		{"speed override", "walk", 15, 6, 0, 6, 1.3, 1153.846},
		{"circuity override", "walk", 15, 0, 1, 5, 1, 1250},
		{"speed without mode", "", 30, 60, 1.5, 60, 1.5, 20000},
		{"both overridden", "drive", 10, 30, 1.2, 30, 1.2, 4166.667},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReach(tc.mode, tc.minutes, tc.speedKmh, tc.circuity)
			if err != nil {
				t.Fatalf("NewReach(%q, %v, %v, %v) error: %v", tc.mode, tc.minutes, tc.speedKmh, tc.circuity, err)
			}
			if r.SpeedKmh != tc.wantSpeed || r.Circuity != tc.wantCircuity {
				t.Errorf("speed, circuity = %v, %v; want %v, %v", r.SpeedKmh, r.Circuity, tc.wantSpeed, tc.wantCircuity)
			}
			if math.Abs(r.RadiusM-tc.wantRadius) > 0.001 {
				t.Errorf("RadiusM = %v; want %v", r.RadiusM, tc.wantRadius)
			}
			if r.Radius() != r.RadiusM {
				t.Errorf("Radius() = %v; RadiusM = %v", r.Radius(), r.RadiusM)
			}
		})
	}
}

func TestNewReachErrors(t *testing.T) {
	tests := []struct {
		name                        string
		mode                        string
		minutes, speedKmh, circuity float64
		want                        string
	}{
		{"unknown mode", "swim", 15, 0, 0, `unknown mode "swim"`},
		{"no mode no speed", "", 15, 0, 0, "no speed"},
		{"zero minutes", "walk", 0, 0, 0, "minutes must be > 0"},
		{"negative minutes", "walk", -5, 0, 0, "minutes must be > 0"},
		{"NaN minutes", "walk", math.NaN(), 0, 0, "minutes must be > 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReach(tc.mode, tc.minutes, tc.speedKmh, tc.circuity)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewReach(%q, %v, %v, %v) = %v; want error containing %q", tc.mode, tc.minutes, tc.speedKmh, tc.circuity, err, tc.want)
			}
		})
	}
}

func TestModeSpeed(t *testing.T) {
	for _, m := range Modes() {
		if v, ok := ModeSpeed(m); !ok || v <= 0 {
			t.Errorf("ModeSpeed(%q) = %v, %v; want a positive speed", m, v, ok)
		}
	}
	if _, ok := ModeSpeed("fly"); ok {
		t.Errorf("ModeSpeed(\"fly\") ok; want unknown")
	}
}

func TestReachDerivation(t *testing.T) {
	r, err := NewReach("walk", 15, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "radius_m = 5 km/h × 1000 × 15 min / 60 / 1.3 circuity = 961.5 (walk)"
	if got := r.Derivation(); got != want {
		t.Errorf("Derivation() = %q; want %q", got, want)
	}
	if got, want := RadiusReach(2500).Derivation(), "radius_m = 2500 (given)"; got != want {
		t.Errorf("RadiusReach(2500).Derivation() = %q; want %q", got, want)
	}
	if got := RadiusReach(2500).Radius(); got != 2500 {
		t.Errorf("RadiusReach(2500).Radius() = %v; want 2500", got)
	}
}
