package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// World returns the whole lon/lat plane, [-180, 180] × [-90, 90]: a
// function, not a variable, so that no caller can move it for the others.
func World() orb.Bound { return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}} }

// BoundAround returns the lon/lat boxes that together cover every point
// whose great-circle Distance from p is at most meters. There is one box,
// or two when the circle crosses the ±180° meridian (the western box comes
// first, each has Min.X <= Max.X). When the circle reaches a pole the box
// spans all longitudes and is clamped at ±90°. The boxes are a little
// larger than the circle (about a millionth of a millimetre plus a
// relative 1e-9) so that rounding never leaves a point out. A negative or
// NaN radius, or a p that is not finite or has |lat| > 90, gives nil.
func BoundAround(p orb.Point, meters float64) []orb.Bound {
	var buf [2]orb.Bound
	n, _ := boundAround(p, meters, &buf)
	return append([]orb.Bound(nil), buf[:n]...)
}

// boundAround is BoundAround without allocation: it fills buf and returns
// how many boxes it wrote and whether they cover the whole world.
func boundAround(p orb.Point, meters float64, buf *[2]orb.Bound) (n int, full bool) {
	if !validPoint(p) || !(meters >= 0) {
		return 0, false
	}
	// Angular radius with a margin, in degrees.
	theta := meters / EarthRadius
	theta = theta*(1+1e-9) + 1e-12
	dLat := theta*radToDeg + 1e-9
	lat := p[1]
	minLat, maxLat := lat-dLat, lat+dLat
	if minLat <= -90 || maxLat >= 90 {
		// The circle reaches a pole: every longitude is in it.
		minLat, maxLat = math.Max(minLat, -90), math.Min(maxLat, 90)
		buf[0] = orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{180, maxLat}}
		return 1, minLat == -90 && maxLat == 90
	}
	// Here theta < 90° - |lat|, so sin(theta) < cos(lat) and asin is defined:
	// this is the widest longitude reach of a spherical cap.
	s := math.Sin(theta) / math.Cos(lat*degToRad)
	if s >= 1 {
		buf[0] = orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{180, maxLat}}
		return 1, false
	}
	dLon := math.Asin(s)*radToDeg*(1+1e-9) + 1e-9
	if dLon >= 180 {
		buf[0] = orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{180, maxLat}}
		return 1, false
	}
	lon := normalizeLon(p[0])
	minLon, maxLon := lon-dLon, lon+dLon
	switch {
	case minLon < -180:
		buf[0] = orb.Bound{Min: orb.Point{minLon + 360, minLat}, Max: orb.Point{180, maxLat}}
		buf[1] = orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{maxLon, maxLat}}
		return 2, false
	case maxLon > 180:
		buf[0] = orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{180, maxLat}}
		buf[1] = orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{maxLon - 360, maxLat}}
		return 2, false
	}
	buf[0] = orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}
	return 1, false
}

// validPoint reports whether p is a usable position: finite, |lat| <= 90.
// Any finite longitude is accepted; it is normalized where it matters.
func validPoint(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && p[1] >= -90 && p[1] <= 90
}

// ParseBBox parses a bounding box written "minLon,minLat,maxLon,maxLat" in
// WGS 84 degrees (the RFC 7946 and OGC API order). Spaces around numbers
// are allowed. minLon > maxLon is allowed and means the box crosses the
// ±180° meridian (the result then has Min.X > Max.X, as InBound expects).
// Every value must be a finite decimal number (no hex, NaN or Inf), longitudes in [-180, 180],
// latitudes in [-90, 90], and minLat <= maxLat.
func ParseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Errorf("bbox %s has %d values; want 4 comma-separated numbers minLon,minLat,maxLon,maxLat", Quote(s), len(parts))
	}
	names := [4]string{"minLon", "minLat", "maxLon", "maxLat"}
	var v [4]float64
	for i, part := range parts {
		part = strings.TrimSpace(part)
		f, err := strconv.ParseFloat(part, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.Trim(part, "0123456789.eE+-") != "" {
			return orb.Bound{}, fmt.Errorf("bbox %s %s is not a finite decimal number; want degrees such as 116.4", names[i], Quote(part))
		}
		lim := 180.0
		if i%2 == 1 {
			lim = 90
		}
		if f < -lim || f > lim {
			return orb.Bound{}, fmt.Errorf("bbox %s %v is out of range; want a value in [%v, %v]", names[i], f, -lim, lim)
		}
		v[i] = f
	}
	if v[1] > v[3] {
		return orb.Bound{}, fmt.Errorf("bbox minLat %v is greater than maxLat %v; want minLon,minLat,maxLon,maxLat with south before north", v[1], v[3])
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
