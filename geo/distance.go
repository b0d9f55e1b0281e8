package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadius is the mean Earth radius in meters (IUGG R1) used for every
// great-circle computation in yizhan.
const EarthRadius = 6371008.8

const (
	degToRad = math.Pi / 180
	radToDeg = 180 / math.Pi
)

// Distance is the haversine great-circle distance between a and b in meters
// on a sphere of radius EarthRadius. a and b are [lon, lat] in degrees; any
// longitude works (it is periodic). It is accurate to rounding (well under
// a millimetre) except at nearly antipodal points, where haversine's asin
// of a value near 1 leaves an error of up to about 0.2 m. The Index ranks with this very function,
// so its results are bit-for-bit those of a brute-force scan using Distance.
func Distance(a, b orb.Point) float64 {
	return haversine(a[1]*degToRad, a[0]*degToRad, math.Cos(a[1]*degToRad), b)
}

// haversine is Distance with the first point's latitude, longitude (radians)
// and cosine of latitude precomputed, so a search computes them once per
// query.
func haversine(lat1, lon1, cosLat1 float64, b orb.Point) float64 {
	return havMeters(hav(lat1, lon1, cosLat1, b))
}

// hav is the haversine of the central angle between the points of
// haversine, sin²(d/2R), capped at 1: it grows with the distance, so a
// search can rank and prune by it and take the arc (havMeters) only for
// the points it keeps. The explicit float64 conversions forbid fused
// multiply-adds, so the result never depends on where the compiler
// inlines this. The sines are of the angles' magnitudes: math.Sin(-x)
// is exactly -math.Sin(x), so the squares are the same, and math.Sin
// then never takes its branch for a negative argument, which the search
// would mispredict half the time.
func hav(lat1, lon1, cosLat1 float64, b orb.Point) float64 {
	lat2 := b[1] * degToRad
	sdLat := math.Sin(math.Abs(float64(lat2-lat1)) / 2)
	sdLon := math.Sin(math.Abs(float64(b[0]*degToRad-lon1)) / 2)
	h := float64(sdLat*sdLat) + float64(float64(cosLat1*math.Cos(lat2))*float64(sdLon*sdLon))
	if h > 1 {
		h = 1
	}
	return h
}

// havMeters is the distance in meters whose haversine (hav) is h.
func havMeters(h float64) float64 {
	return float64(2*EarthRadius) * math.Asin(math.Sqrt(h))
}

// Bearing is the initial bearing from a to b in degrees clockwise from
// north, in [0, 360). The bearing from a point to itself, or from a pole,
// is whatever atan2 gives for the degenerate direction (0 at a point itself).
func Bearing(a, b orb.Point) float64 {
	// One Sincos per angle (three, not seven trigonometric calls: a
	// bearing is computed for every record an answer lists); Sincos gives
	// the very values Sin and Cos give.
	sinLat1, cosLat1 := math.Sincos(a[1] * degToRad)
	sinLat2, cosLat2 := math.Sincos(b[1] * degToRad)
	sinDLon, cosDLon := math.Sincos((b[0] - a[0]) * degToRad)
	y := sinDLon * cosLat2
	x := cosLat1*sinLat2 - sinLat1*cosLat2*cosDLon
	deg := math.Atan2(y, x) * radToDeg
	if deg < 0 {
		deg += 360
	}
	if deg >= 360 {
		deg = 0
	}
	return deg
}

// Destination is the point reached by travelling meters along the great
// circle that leaves p at bearingDeg (degrees clockwise from north). The
// longitude of the result is normalized to [-180, 180].
func Destination(p orb.Point, bearingDeg, meters float64) orb.Point {
	lat1, lon1 := p[1]*degToRad, p[0]*degToRad
	brg := bearingDeg * degToRad
	d := meters / EarthRadius
	sinLat1, cosLat1 := math.Sincos(lat1)
	sinD, cosD := math.Sincos(d)
	sinB, cosB := math.Sincos(brg)
	// The destination as a unit vector in a frame turned to p's meridian:
	// (x, y) is its equatorial projection, z = sin(lat2). atan2 on these is
	// well conditioned everywhere, the poles included (from a pole, bearing
	// b leads along the meridian p[0]+180-b north, p[0]+b south).
	x := cosD*cosLat1 - sinLat1*sinD*cosB
	y := sinB * sinD
	z := sinLat1*cosD + cosLat1*sinD*cosB
	lat2 := math.Atan2(z, math.Hypot(x, y))
	lon2 := lon1 + math.Atan2(y, x)
	return orb.Point{normalizeLon(lon2 * radToDeg), lat2 * radToDeg}
}

// normalizeLon maps a longitude in degrees to [-180, 180], leaving values
// already in range untouched (so both 180 and -180 survive as given).
func normalizeLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}
