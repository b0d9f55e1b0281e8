package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// DemandPoint is one weighted point of demand for service: a town, a
// border port, a depot. Weight is in the demand's own unit (people,
// trucks a day, ...) and never negative.
type DemandPoint struct {
	Point  orb.Point // [lon, lat] WGS 84
	Weight float64
}

// CoverDemand marks covered[i] for every demand[i] within radius meters
// (great-circle, Distance) of one of stations; covered has one entry per
// demand point, and entries already true stay true. ctx is checked every
// checkEvery points; when it ends, CoverDemand returns an error wrapping
// ctx.Err().
func CoverDemand(ctx context.Context, demand []DemandPoint, covered []bool, stations []orb.Point, radius float64) error {
	if len(stations) == 0 || !(radius > 0) {
		return nil
	}
	ix := NewIndex(stations)
	for i, d := range demand {
		if i%checkEvery == 0 {
			if err := stopped(ctx, "demand"); err != nil {
				return err
			}
		}
		if !covered[i] {
			if h := ix.Nearest(d.Point, 1, radius, nil); len(h) > 0 && h[0].Meters <= radius {
				covered[i] = true
			}
		}
	}
	return nil
}

// DemandSum is the total weight of demand, and of the part of it covered.
func DemandSum(demand []DemandPoint, covered []bool) (total, cov float64) {
	for i, d := range demand {
		total += d.Weight
		if covered != nil && covered[i] {
			cov += d.Weight
		}
	}
	return total, cov
}
