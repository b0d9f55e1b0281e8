package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Area returns the area of a Polygon, MultiPolygon or Bound in square
// meters on the sphere of radius EarthRadius; every other geometry has
// area 0.
//
// Each edge is taken as the line that is straight in longitude and
// latitude (the same edge the coverage grid and point-in-polygon tests
// use), and the area under it is integrated exactly for the
// latitude-linear-in-sin approximation of Chamberlain & Duquette (2007),
// "Some algorithms for polygons on a sphere": sum over edges of
// R² Δλ (sin φ1 + sin φ2) / 2. For rectangles bounded by meridians and
// parallels this is exact; for the 14k-vertex Inner Mongolia boundary it
// agrees with a fine-grid integral to well under 0.1%. Versus the WGS 84
// ellipsoid the sphere of mean radius differs by at most ~0.3% at these
// latitudes. Holes are subtracted whatever their orientation; longitude
// steps larger than 180° are taken the short way round, so rings that
// cross the antimeridian measure correctly, except steps of exactly 360°
// (from -180 to 180), which run the whole parallel: the rectangle from
// -180,-90 to 180,90 measures the whole sphere, 4πR².
func Area(g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.Polygon:
		return polygonArea(g)
	case orb.MultiPolygon:
		var a float64
		for _, p := range g {
			a += polygonArea(p)
		}
		return a
	case orb.Bound:
		return polygonArea(g.ToPolygon())
	case orb.Ring:
		return math.Abs(ringArea(g))
	}
	return 0
}

func polygonArea(p orb.Polygon) float64 {
	if len(p) == 0 {
		return 0
	}
	a := math.Abs(ringArea(p[0]))
	for _, h := range p[1:] {
		a -= math.Abs(ringArea(h))
	}
	return math.Max(a, 0)
}

// ringArea is the signed area of r in square meters, positive when r runs
// counter-clockwise (RFC 7946 exterior orientation).
func ringArea(r orb.Ring) float64 {
	n := len(r)
	if n < 3 {
		return 0
	}
	var sum float64
	for i := 0; i < n; i++ {
		a, b := r[i], r[(i+1)%n]
		dl := b[0] - a[0]
		// Steps over 180° go the short way round (rings across the
		// antimeridian), except a step of exactly 360° between -180 and
		// 180: that is a whole parallel (the world rectangle), not a
		// zero-length step, as the grid and ValidateArea take it too.
		if dl > 180 && dl < 360 {
			dl -= 360
		} else if dl < -180 && dl > -360 {
			dl += 360
		}
		sum += dl * degToRad * (math.Sin(a[1]*degToRad) + math.Sin(b[1]*degToRad)) / 2
	}
	// The trapezoid sum is negative for counter-clockwise rings (x east, y north).
	return -sum * EarthRadius * EarthRadius
}

// cellArea is the area in square meters of the cell between latitudes
// lat0 and lat1 and spanning dlon degrees of longitude (exact on the sphere).
func cellArea(lat0, lat1, dlon float64) float64 {
	return EarthRadius * EarthRadius * dlon * degToRad * math.Abs(math.Sin(lat1*degToRad)-math.Sin(lat0*degToRad))
}
