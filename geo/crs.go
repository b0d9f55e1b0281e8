package geo

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// CRS is a coordinate reference system that points can be given and
// returned in. Everything inside yizhan is WGS 84; GCJ-02 and BD-09 are the
// offset systems of maps published in mainland China (Amap, Tencent and
// Apple maps in China use GCJ-02, Baidu uses BD-09), and exist only at the
// edge of the system, converted on the way in and out.
type CRS uint8

const (
	// WGS84 is plain longitude/latitude on WGS 84 (RFC 7946, GPS).
	WGS84 CRS = iota
	// GCJ02 is the offset system of the 2002 national rule (国测局坐标,
	// "Mars coordinates"): WGS 84 shifted by 100–700 m by a published
	// formula on the Krasovsky ellipsoid.
	GCJ02
	// BD09 is Baidu's system: GCJ-02 shifted once more (about 1 km).
	BD09
)

// crsNames are the names of the CRSs in the order of their values, as the
// API spells them.
var crsNames = []string{"wgs84", "gcj02", "bd09"}

// CRSNames returns the names of the CRSs in the order of their values, as
// the API spells them, a copy each call.
func CRSNames() []string { return slices.Clone(crsNames) }

// String returns the CRS's name as in CRSNames.
func (c CRS) String() string {
	if int(c) < len(crsNames) {
		return crsNames[c]
	}
	return fmt.Sprintf("CRS(%d)", uint8(c))
}

// ParseCRS reads a CRS name of CRSNames (case-sensitive, as the API takes it).
func ParseCRS(s string) (CRS, bool) {
	for i, n := range crsNames {
		if s == n {
			return CRS(i), true
		}
	}
	return WGS84, false
}

// Constants of the published GCJ-02 formula: the Krasovsky 1940 ellipsoid's
// semi-major axis in meters and first eccentricity squared, and Baidu's
// x_pi = π·3000/180.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
	bdXPi = math.Pi * 3000.0 / 180.0
)

// MaxOffsetDeg bounds how far, in degrees of longitude or of latitude,
// FromWGS84 and ToWGS84 move a point of China's extent (73°–136°E,
// 15°–54°N) in any CRS: BD-09 moves by at most 0.0168° (GCJ-02 by at most
// about 720 m). A box in an offset CRS, widened by this margin, holds
// every WGS 84 point that converts into it.
const MaxOffsetDeg = 0.02

// InverseTolerance is the largest error, in meters, that the iterated
// inverses (GCJ02ToWGS84, BD09ToGCJ02) allow: they stop when the forward
// transform of their answer is within about a thousandth of this of the
// input, so the answer is well inside it.
const InverseTolerance = 0.05

// inverseEpsDeg is the stopping test of the iterated inverses in degrees:
// 1e-9° is about 0.1 mm, far below InverseTolerance.
const inverseEpsDeg = 1e-9

// maxInverseSteps bounds the iterations of an inverse. The offset fields
// change slowly (their Jacobian is within 1e-4 of the identity), so the
// fixed-point iteration gains about four digits a step and stops after
// three or four; the bound only guards against an input of no meaning.
const maxInverseSteps = 12

// WGS84ToGCJ02 applies the published GCJ-02 offset to a WGS 84 point,
// whatever country it lies in (see Offsets for the decision "inside
// China"). It is the well-known formula shared by every open implementation
// (eviltransform, coordtransform), bit for bit.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	lon, lat := p[0], p[1]
	x, y := lon-105.0, lat-35.0
	dLat := gcjLat(x, y)
	dLon := gcjLon(x, y)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lon + dLon, lat + dLat}
}

func gcjLat(x, y float64) float64 {
	ret := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	ret += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	ret += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	ret += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return ret
}

func gcjLon(x, y float64) float64 {
	ret := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	ret += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	ret += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	ret += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return ret
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 to within InverseTolerance. The usual
// one-step inverse (subtract the offset taken at the GCJ-02 point) is off
// by up to about 5 m, because the offset differs between the two points;
// this iterates w ← w − (WGS84ToGCJ02(w) − g) until the forward transform
// of w reproduces g, at most maxInverseSteps times.
func GCJ02ToWGS84(g orb.Point) orb.Point {
	return invert(g, WGS84ToGCJ02)
}

// GCJ02ToBD09 applies Baidu's BD-09 offset to a GCJ-02 point (the formula
// of Baidu's own conversion, as in every open implementation).
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 inverts GCJ02ToBD09 to within InverseTolerance, by the same
// iteration as GCJ02ToWGS84 (the usual closed-form inverse is off by up to
// a few decimeters).
func BD09ToGCJ02(b orb.Point) orb.Point {
	return invert(b, GCJ02ToBD09)
}

// invert finds w with forward(w) ≈ t by fixed-point iteration from the
// one-step estimate. forward must be a small, smooth offset of the identity.
func invert(t orb.Point, forward func(orb.Point) orb.Point) orb.Point {
	f := forward(t)
	w := orb.Point{t[0] - (f[0] - t[0]), t[1] - (f[1] - t[1])}
	for range maxInverseSteps {
		f = forward(w)
		dx, dy := f[0]-t[0], f[1]-t[1]
		if math.Abs(dx) < inverseEpsDeg && math.Abs(dy) < inverseEpsDeg {
			break
		}
		w[0] -= dx
		w[1] -= dy
	}
	return w
}

// Offsets converts points between WGS 84 and the offset systems, applying
// the offset only inside the region it was given (mainland China): points
// elsewhere pass unchanged in every CRS. Safe for concurrent use.
type Offsets struct {
	region *Outline
}

// NewOffsets returns the conversions that apply the offset inside region.
// A nil region applies it nowhere (every CRS is then WGS 84).
func NewOffsets(region *Outline) *Offsets {
	return &Offsets{region: region}
}

// Applies reports whether the offset applies at p, a WGS 84 point.
func (o *Offsets) Applies(p orb.Point) bool {
	return o != nil && o.region != nil && o.region.Contains(p)
}

// FromWGS84 converts a WGS 84 point to crs.
func (o *Offsets) FromWGS84(p orb.Point, crs CRS) orb.Point {
	if crs == WGS84 || !o.Applies(p) {
		return p
	}
	g := WGS84ToGCJ02(p)
	if crs == BD09 {
		return GCJ02ToBD09(g)
	}
	return g
}

// ToWGS84 converts a point given in crs to WGS 84. The offset moves the
// border too, so a point given in crs is read as inside the region when
// its exact inverse lies inside (the region as a GCJ-02 map draws it):
// then FromWGS84(ToWGS84(p)) = p to within InverseTolerance, and every
// WGS 84 point inside the region comes back from FromWGS84 to itself. A
// point whose inverse lies outside passes unchanged; within a few hundred
// meters outside the border, where the offset region overlaps the land
// beyond, such a point is read as Chinese.
func (o *Offsets) ToWGS84(p orb.Point, crs CRS) orb.Point {
	if crs == WGS84 || o == nil || o.region == nil {
		return p
	}
	g := p
	if crs == BD09 {
		g = BD09ToGCJ02(p)
	}
	w := GCJ02ToWGS84(g)
	if o.region.Contains(w) {
		return w
	}
	return p
}

// Geometry returns g converted point by point with conv, a new geometry
// of the same shape; g is not changed. Bounds are converted by their
// corners.
func Geometry(g orb.Geometry, conv func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case nil:
		return nil
	case orb.Point:
		return conv(g)
	case orb.MultiPoint:
		return orb.MultiPoint(points(g, conv))
	case orb.LineString:
		return orb.LineString(points(g, conv))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			out[i] = points(ls, conv)
		}
		return out
	case orb.Ring:
		return orb.Ring(points(g, conv))
	case orb.Polygon:
		return polygon(g, conv)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = polygon(p, conv)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, x := range g {
			out[i] = Geometry(x, conv)
		}
		return out
	case orb.Bound:
		return orb.Bound{Min: conv(g.Min), Max: conv(g.Max)}
	}
	panic(fmt.Sprintf("geo: Geometry of unknown type %T", g))
}

func points[S ~[]orb.Point](ps S, conv func(orb.Point) orb.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = conv(p)
	}
	return out
}

func polygon(p orb.Polygon, conv func(orb.Point) orb.Point) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = points(r, conv)
	}
	return out
}
