package roads

import (
	"math"
	"testing"
)

// FuzzTagParsers feeds OSM tag values (outside input, as mappers wrote
// them) to the maxspeed, maxweight and maxheight parsers and the
// profiles: nothing panics, and whatever is understood is a finite
// positive number a profile can use.
func FuzzTagParsers(f *testing.F) {
	for _, s := range []string{"50", "30 mph", "50 km/h", "none", "12'6\"", "3.5 m", "7.5 t", "-1", "NaN", "1e400", "0x10", "", " ", "'", "5'", "'5\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, parse := range map[string]func(string) (float64, bool){"maxspeed": ParseMaxSpeed, "maxweight": ParseWeight, "maxheight": ParseHeight} {
			if v, ok := parse(s); ok && !(v > 0 && !math.IsInf(v, 0)) {
				t.Fatalf("%s %q = %v", name, s, v)
			}
		}
		w := Way{Class: "primary", MaxSpeed: s, MaxWeight: s, MaxHeight: s, Oneway: s, Access: s}
		for _, m := range Modes() {
			p := DefaultProfile(m)
			p.WeightT, p.HeightM = 10, 3
			f, b := p.Allows(&w)
			if v := p.Kmh(&w); (f || b) && !(v > 0 && v <= maxProfileKmh) {
				t.Fatalf("%s on maxspeed %q: allowed at %v km/h", m, s, v)
			}
		}
	})
}
