package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// DefaultSegments is the number of circle vertices Circle uses when asked
// for segments <= 0: a vertex every 5.6°, within 0.5% of the true area.
const DefaultSegments = 64

// Circle returns the geodesic circle of radius meters around center: the
// points Destination(center, bearing, radius) for segments bearings evenly
// spaced from north, as valid RFC 7946 geometry (exterior rings
// counter-clockwise, closed, every longitude within [-180, 180]).
//
//   - A circle that crosses the ±180° meridian is split there into an
//     orb.MultiPolygon of two polygons, each closed along the meridian,
//     so no edge spans the map.
//   - A circle that contains one pole is a single orb.Polygon that runs
//     along its boundary from -180° to 180°, then along the meridian to
//     the pole's latitude (±90), along that latitude and back: the usual
//     lon/lat picture of a polar cap.
//   - A circle that contains both poles is the world box minus the
//     uncovered cap around the antipode (a hole, or a notch on each side
//     when that cap itself crosses ±180°).
//   - radius >= half the Earth's circumference gives the world box.
//
// Every vertex that is not a corner at ±180°/±90° lies on the circle,
// including the points where the circle crosses ±180°. segments <= 0 means
// DefaultSegments; fewer than 3 are raised to 3. A center that is not
// finite or has |lat| > 90, or a radius that is not positive, gives nil.
func Circle(center orb.Point, radius float64, segments int) orb.Geometry {
	if !validPoint(center) || !(radius > 0) {
		return nil
	}
	if segments <= 0 {
		segments = DefaultSegments
	}
	segments = max(segments, 3)
	center[0] = normalizeLon(center[0])
	if radius >= math.Pi*EarthRadius {
		return orb.Polygon{worldRing()}
	}
	north := Distance(center, orb.Point{0, 90}) < radius
	south := Distance(center, orb.Point{0, -90}) < radius
	if north && south {
		anti := orb.Point{normalizeLon(center[0] + 180), -center[1]}
		return worldMinusCap(newArcRing(anti, math.Pi*EarthRadius-radius, segments, false))
	}
	ring := newArcRing(center, radius, segments, true)
	switch w := ring.winding(); {
	case w > 180:
		return orb.Polygon{ring.polar(90)}
	case w < -180:
		return orb.Polygon{ring.polar(-90)}
	}
	ring.recenter()
	for _, l := range []float64{180, -180} {
		if a, b, ok := ring.split(l); ok {
			return orb.MultiPolygon{{closeRing(a)}, {closeRing(b)}}
		}
	}
	out := make(orb.Ring, 0, len(ring.v)+1)
	for _, v := range ring.v {
		out = append(out, orb.Point{v.u, v.lat})
	}
	return orb.Polygon{closeRing(out)}
}

// arcVertex is a circle vertex: its bearing from the center (degrees),
// its unwrapped longitude u (continuous along the ring, so it may leave
// [-180, 180]) and its latitude.
type arcVertex struct {
	brg, u, lat float64
}

// arcRing is a circle's vertices in ring order with unwrapped longitudes.
type arcRing struct {
	center orb.Point
	radius float64
	v      []arcVertex
}

// newArcRing computes the vertices, counter-clockwise on the map when ccw
// (bearings decreasing), clockwise otherwise.
func newArcRing(center orb.Point, radius float64, segments int, ccw bool) *arcRing {
	r := &arcRing{center: center, radius: radius, v: make([]arcVertex, segments)}
	step := 360 / float64(segments)
	if ccw {
		step = -step
	}
	// Longitudes are unwrapped along the true circle in steps of at most
	// 1° of bearing, so the winding round a pole is right even when the
	// vertices are few.
	sub := int(math.Ceil(math.Abs(step)))
	u := center[0]
	prevLon := center[0]
	for i := range r.v {
		brg := float64(i) * step
		var p orb.Point
		if i == 0 {
			p = Destination(center, brg, radius)
			u += wrap180(p[0] - prevLon)
		} else {
			for j := 1; j <= sub; j++ {
				p = Destination(center, brg-step+step*float64(j)/float64(sub), radius)
				u += wrap180(p[0] - prevLon)
				prevLon = p[0]
			}
		}
		prevLon = p[0]
		r.v[i] = arcVertex{brg: brg, u: u, lat: p[1]}
	}
	return r
}

// wrap180 maps a longitude difference to (-180, 180].
func wrap180(d float64) float64 {
	d = math.Mod(d, 360)
	if d > 180 {
		d -= 360
	} else if d <= -180 {
		d += 360
	}
	return d
}

// recenter re-expresses the longitudes of a ring that encircles no pole
// relative to its center, where they are unambiguous even when the
// vertices are few and far apart: every point of such a circle is less
// than 180° of longitude from its center.
func (r *arcRing) recenter() {
	for i := range r.v {
		r.v[i].u = r.center[0] + wrap180(r.v[i].u-r.center[0])
	}
}

// winding is the unwrapped longitude gained going once round the ring:
// about ±360 when the ring encircles a pole, 0 otherwise.
func (r *arcRing) winding() float64 {
	last := r.v[len(r.v)-1].u
	return last + wrap180(r.v[0].u-last) - r.v[0].u
}

// next returns vertex i+1 cyclically, with its unwrapped longitude
// continued past the end of the ring.
func (r *arcRing) next(i int) arcVertex {
	if i+1 < len(r.v) {
		return r.v[i+1]
	}
	b := r.v[0]
	b.u += r.winding()
	b.brg = r.v[i].brg + (r.v[1].brg - r.v[0].brg)
	return b
}

// crossing finds the point of the circle between vertices a and b whose
// unwrapped longitude is exactly l: it walks the arc in small steps to
// bracket l, then bisects on the bearing.
func (r *arcRing) crossing(a, b arcVertex, l float64) arcVertex {
	at := func(ref arcVertex, brg float64) arcVertex {
		p := Destination(r.center, brg, r.radius)
		return arcVertex{brg: brg, u: ref.u + wrap180(p[0]-ref.u), lat: p[1]}
	}
	steps := int(math.Ceil(math.Abs(b.brg-a.brg)/0.25)) + 1
	lo, hi := a, b
	for j := 1; j <= steps; j++ {
		m := at(lo, a.brg+(b.brg-a.brg)*float64(j)/float64(steps))
		if j == steps {
			m.u = b.u
		}
		if (m.u-l)*(lo.u-l) <= 0 {
			hi = m
			break
		}
		lo = m
	}
	for i := 0; i < 64; i++ {
		m := at(lo, (lo.brg+hi.brg)/2)
		if (m.u < l) == (lo.u < l) {
			lo = m
		} else {
			hi = m
		}
	}
	m := lo
	if math.Abs(hi.u-l) < math.Abs(lo.u-l) {
		m = hi
	}
	m.u = l
	return m
}

// withCrossings returns the ring's vertices with the points where it
// crosses the meridian at unwrapped longitude l inserted (u exactly l).
func (r *arcRing) withCrossings(l float64) []arcVertex {
	out := make([]arcVertex, 0, len(r.v)+2)
	for i, a := range r.v {
		out = append(out, a)
		b := r.next(i)
		if (a.u-l)*(b.u-l) < 0 {
			out = append(out, r.crossing(a, b, l))
		}
	}
	return out
}

// split cuts a ring that does not encircle a pole at unwrapped longitude l
// (±180) into the part on the near side of l and the part beyond it,
// shifted back by 360°, each a polyline from one crossing to the other in
// ring order. ok is false when the ring does not cross l.
func (r *arcRing) split(l float64) (near, far orb.Ring, ok bool) {
	beyond := func(u float64) bool { return u > l }
	if l < 0 {
		beyond = func(u float64) bool { return u < l }
	}
	crossesOver := false
	for _, v := range r.v {
		crossesOver = crossesOver || beyond(v.u)
	}
	if !crossesOver {
		return nil, nil, false
	}
	pts := r.withCrossings(l)
	// Rotate so the list starts at a point on l followed by a near point.
	start := -1
	for i, v := range pts {
		if v.u == l && !beyond(pts[(i+1)%len(pts)].u) && pts[(i+1)%len(pts)].u != l {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, nil, false
	}
	shift := 360.0
	if l < 0 {
		shift = -360
	}
	onNear := true
	for j := 0; j <= len(pts); j++ {
		v := pts[(start+j)%len(pts)]
		switch {
		case v.u == l && j > 0 && onNear:
			near = append(near, orb.Point{l, v.lat})
			far = append(far, orb.Point{l - shift, v.lat})
			onNear = false
		case v.u == l && j > 0:
			far = append(far, orb.Point{l - shift, v.lat})
		case v.u == l:
			near = append(near, orb.Point{l, v.lat})
		case onNear:
			near = append(near, orb.Point{v.u, v.lat})
		default:
			far = append(far, orb.Point{v.u - shift, v.lat})
		}
	}
	return near, far, len(near) >= 3 && len(far) >= 3
}

// polar builds the single polygon of a counter-clockwise ring that
// encircles the pole at latitude poleLat: the boundary from one side of
// the map to the other, then up (or down) the ±180° meridian to the pole
// latitude and back along it.
func (r *arcRing) polar(poleLat float64) orb.Ring {
	// Find the edge that crosses the antimeridian (an odd multiple of
	// 180): the one whose ends lie in different 360° cells.
	cell := func(u float64) float64 { return math.Floor((u + 180) / 360) }
	for i, a := range r.v {
		b := r.next(i)
		var l float64
		switch ca, cb := cell(a.u), cell(b.u); {
		case poleLat > 0 && cb > ca:
			l = cb*360 - 180
		case poleLat < 0 && cb < ca:
			l = ca*360 - 180
		default:
			continue
		}
		c := a
		if a.u != l {
			c = r.crossing(a, b, l)
		}
		if b.u == l {
			c = b
		}
		// lon runs from -180 to 180 for the north pole, 180 to -180 for
		// the south pole, both counter-clockwise on the map.
		from, to := -180.0, 180.0
		if poleLat < 0 {
			from, to = 180, -180
		}
		out := orb.Ring{{from, c.lat}}
		off := l - from // maps the unwrapped longitudes after c into [-180, 180]
		prev := l
		for j := 1; j <= len(r.v); j++ {
			v := r.v[(i+j)%len(r.v)]
			u := prev + wrap180(v.u-prev)
			prev = u
			lon := u - off
			if math.Abs(math.Abs(lon)-180) < 1e-12 || lon < -180 || lon > 180 {
				continue // the crossing points stand for it
			}
			out = append(out, orb.Point{lon, v.lat})
		}
		out = append(out, orb.Point{to, c.lat}, orb.Point{to, poleLat}, orb.Point{from, poleLat}, orb.Point{from, c.lat})
		return out
	}
	// Unreachable for a ring with a winding of ±360; fall back to the cap.
	return orb.Ring{{-180, poleLat}, {180, poleLat}, {-180, poleLat}}
}

// worldMinusCap is the world box without the cap whose ring is given
// clockwise on the map. A cap inside the map is a hole; a cap crossing
// ±180° leaves a notch on each side of a single ring.
func worldMinusCap(cap *arcRing) orb.Geometry {
	cap.recenter()
	for _, l := range []float64{180, -180} {
		near, far, ok := cap.split(l)
		if !ok {
			continue
		}
		// The piece touching x = 180 runs bottom to top, the piece
		// touching x = -180 top to bottom (clockwise round the cap).
		east, west := near, far
		if l < 0 {
			east, west = far, near
		}
		out := orb.Ring{{-180, -90}, {180, -90}}
		out = append(out, east...)
		out = append(out, orb.Point{180, 90}, orb.Point{-180, 90})
		out = append(out, west...)
		return orb.Polygon{closeRing(out)}
	}
	hole := make(orb.Ring, 0, len(cap.v)+1)
	for _, v := range cap.v {
		hole = append(hole, orb.Point{v.u, v.lat})
	}
	return orb.Polygon{worldRing(), closeRing(hole)}
}

func worldRing() orb.Ring {
	return orb.Ring{{-180, -90}, {180, -90}, {180, 90}, {-180, 90}, {-180, -90}}
}

// closeRing appends the first point when the ring is not yet closed.
func closeRing(r orb.Ring) orb.Ring {
	if len(r) > 0 && r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	return r
}
