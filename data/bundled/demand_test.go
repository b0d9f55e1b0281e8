package bundled

import (
	"testing"
)

// TestDefaultDemand checks the default demand against data/README.md: the
// 340 places (population, or PlaceMinWeight) and the 14 ports
// (PortWeight), in that order, every one named.
func TestDefaultDemand(t *testing.T) {
	l, err := LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := l.DefaultDemand()
	if err != nil {
		t.Fatal(err)
	}
	places, err := l.Places()
	if err != nil {
		t.Fatal(err)
	}
	var total, withPop float64
	ports, populated := 0, 0
	for i, p := range d {
		total += p.Weight
		if p.Name.In("en") == "" {
			t.Errorf("demand point %d has no name", i)
		}
		switch p.Kind {
		case "place":
			if i >= len(places) || p.Point != places[i].Point {
				t.Fatalf("demand point %d is not place %d", i, i)
			}
			if pop := places[i].Population; pop > 0 {
				populated++
				withPop += p.Weight
				if p.Weight != float64(pop) {
					t.Errorf("%s weighs %v; want its population %d", p.Name.EN, p.Weight, pop)
				}
			} else if p.Weight != PlaceMinWeight {
				t.Errorf("%s weighs %v; want %d", p.Name.EN, p.Weight, PlaceMinWeight)
			}
		case "port":
			ports++
			if p.Weight != PortWeight {
				t.Errorf("port %s weighs %v; want %d", p.Name.EN, p.Weight, PortWeight)
			}
		default:
			t.Errorf("demand point %d has kind %q", i, p.Kind)
		}
	}
	if len(d) != 354 || ports != 14 || populated != 29 || total != 11_400_828 || withPop != 11_175_328 {
		t.Fatalf("%d points (%d ports, %d with a population), total %v (%v); want 354 (14, 29), 11400828 (11175328) as data/README.md says",
			len(d), ports, populated, total, withPop)
	}
}
