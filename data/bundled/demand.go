package bundled

import (
	"fmt"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data"
)

// The weights of the default demand, in people (or people-equivalents):
// rough on purpose, and said so wherever they are used.
const (
	// PlaceMinWeight is the weight of a populated place whose GeoNames
	// entry has no population (311 of the 340 bundled places): 500, the
	// least population GeoNames cities500 admits, so a lower bound.
	PlaceMinWeight = 500
	// PortWeight is the weight of a border port: 5,000, about the daily
	// drivers and workers of a mid-sized road port (Manzhouli's driver
	// stations alone serve 1,500 people a day); a planning assumption,
	// not a count.
	PortWeight = 5000
	// DemandUnit names the unit of the default demand.
	DemandUnit = "people"
)

// DemandSource says where the default demand comes from, for answers and
// reports.
const DemandSource = "bundled populated places (GeoNames cities500, CC BY 4.0), weighted by their GeoNames population " +
	"where it has one (29 of 340; some are prefecture-wide totals) and 500 (the least cities500 admits) where not; " +
	"plus the bundled border ports at 5,000 each (an assumption)"

// Place is a bundled populated place: where, its names, and its GeoNames
// population (0: none given).
type Place struct {
	ID         string
	Point      orb.Point
	Names      data.Names
	Population int
}

// DemandPoint is one point of the default demand.
type DemandPoint struct {
	Point  orb.Point
	Weight float64
	Name   data.Names
	Kind   string // "place" or "port"
}

var (
	placesOnce sync.Once
	places     []Place
	placesErr  error
	demandOnce sync.Once
	demand     []DemandPoint
	demandErr  error
)

// Places returns the bundled populated places in the layer's order
// (largest population first). The slice is shared: do not modify it.
func (l *Layers) Places() ([]Place, error) {
	placesOnce.Do(func() { places, placesErr = decodePlaces(l.raw[LayerPlaces]) })
	return places, placesErr
}

func decodePlaces(raw []byte) ([]Place, error) {
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("decode layer %s: %w", LayerPlaces, err)
	}
	out := make([]Place, 0, len(fc.Features))
	for i, f := range fc.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			return nil, fmt.Errorf("layer %s: feature %d is not a Point", LayerPlaces, i)
		}
		pr := f.Properties
		out = append(out, Place{
			ID:    fmt.Sprint(f.ID),
			Point: p,
			Names: data.Names{ZH: pr.MustString("name_zh", ""), EN: pr.MustString("name", ""),
				RU: pr.MustString("name_ru", "")},
			Population: int(pr.MustFloat64("population", 0)),
		})
	}
	return out, nil
}

// DefaultDemand is the demand a planning request counts when it gives
// none: every bundled place (weight its population, or PlaceMinWeight)
// and every bundled border port (PortWeight), places first. The slice is
// shared: do not modify it.
func (l *Layers) DefaultDemand() ([]DemandPoint, error) {
	demandOnce.Do(func() { demand, demandErr = l.defaultDemand() })
	return demand, demandErr
}

func (l *Layers) defaultDemand() ([]DemandPoint, error) {
	pl, err := l.Places()
	if err != nil {
		return nil, err
	}
	st, err := Stations()
	if err != nil {
		return nil, err
	}
	out := make([]DemandPoint, 0, len(pl)+16)
	for _, p := range pl {
		w := float64(p.Population)
		if w <= 0 {
			w = PlaceMinWeight
		}
		out = append(out, DemandPoint{Point: p.Point, Weight: w, Name: p.Names, Kind: "place"})
	}
	st = slices.DeleteFunc(st, func(s *data.Station) bool { return s.Kind != data.KindPort })
	slices.SortFunc(st, func(a, b *data.Station) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	for _, s := range st {
		out = append(out, DemandPoint{Point: s.Location, Weight: PortWeight, Name: s.Names, Kind: "port"})
	}
	return out, nil
}
