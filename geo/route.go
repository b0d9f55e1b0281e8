package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// MaxRouteVertices is the most positions a route may have.
const MaxRouteVertices = 100_000

// Route is a travel line prepared for projection: every segment is the
// great-circle arc between consecutive positions, with its cumulative
// distance and a bounding-box R-tree of the segments. Positions along the
// route are exact on the sphere (no planar approximation). A Route is
// immutable and safe for concurrent use.
type Route struct {
	line orb.LineString // positions, consecutive duplicates removed
	cum  []float64      // meters from the start to each position
	vec  [][3]float64   // unit vectors of the positions
	nrm  [][3]float64   // unit normal of each segment's great circle (left of travel)
	tr   rtree.RTreeG[int32]
}

// NewRoute prepares ls. It needs at least two distinct positions, at most
// MaxRouteVertices, every coordinate finite with longitude in [-180, 180]
// and latitude in [-90, 90]; consecutive repeated positions are dropped.
// Consecutive positions must not be antipodal (the arc would be undefined).
func NewRoute(ls orb.LineString) (*Route, error) {
	if len(ls) > MaxRouteVertices {
		return nil, fmt.Errorf("route has %d positions; the limit is %d", len(ls), MaxRouteVertices)
	}
	r := &Route{line: make(orb.LineString, 0, len(ls)), vec: make([][3]float64, 0, len(ls))}
	for i, p := range ls {
		if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
			return nil, fmt.Errorf("route position %d is not a finite number", i)
		}
		if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
			return nil, fmt.Errorf("route position %d [%v, %v] is out of range (longitude in [-180, 180], latitude in [-90, 90])", i, p[0], p[1])
		}
		if len(r.line) > 0 && r.line[len(r.line)-1] == p {
			continue
		}
		r.line = append(r.line, p)
		r.vec = append(r.vec, unitVec(p))
	}
	if len(r.line) < 2 {
		return nil, errors.New("route needs at least two distinct positions")
	}
	r.cum = make([]float64, len(r.line))
	r.nrm = make([][3]float64, 0, len(r.line)-1)
	for i := 1; i < len(r.line); i++ {
		a, b := r.vec[i-1], r.vec[i]
		x := cross(a, b)
		if norm(x) < 1e-12 && dot(a, b) < 0 {
			return nil, fmt.Errorf("route positions %d and %d are antipodal; add a position between them", i-1, i)
		}
		r.cum[i] = r.cum[i-1] + math.Atan2(norm(x), dot(a, b))*EarthRadius
		r.nrm = append(r.nrm, scale(x, 1/norm(x)))
	}
	// Index chunks of segChunk consecutive segments: far fewer boxes to
	// build and search than one per segment, and the cross-track test in
	// Locate rejects most of a chunk's segments with one dot product.
	var buf [2]orb.Bound
	for c := 0; c+1 < len(r.line); c += segChunk {
		var cb orb.Bound
		first := true
		for i := c; i < min(c+segChunk, len(r.line)-1); i++ {
			nb := r.segmentBounds(i, &buf)
			if nb > 1 { // antimeridian: this segment alone
				for _, bb := range buf[:nb] {
					r.tr.Insert(bb.Min, bb.Max, int32(-1-i))
				}
				continue
			}
			if first {
				cb, first = buf[0], false
			} else {
				cb = cb.Union(buf[0])
			}
		}
		if !first {
			r.tr.Insert(cb.Min, cb.Max, int32(c))
		}
	}
	return r, nil
}

// segChunk is how many consecutive segments share one R-tree box.
const segChunk = 16

// segmentBounds writes to buf the lon/lat boxes holding the great-circle
// arc of segment i and returns how many there are: two when the arc crosses
// ±180°. The latitude range is exact on the sphere: a long arc bulges
// towards the pole far beyond its ends (from 60°N to 60°N across the
// Arctic it passes 87°N), so the extremes of its great circle count when
// they lie on the arc. The longitude range is the endpoints' the short way
// round, which the arc never leaves unless it passes over a pole; within
// 1° of one every longitude is taken.
func (r *Route) segmentBounds(i int, buf *[2]orb.Bound) int {
	a, b := r.line[i], r.line[i+1]
	A, B, n := r.vec[i], r.vec[i+1], r.nrm[i]
	lo, hi := math.Min(a[1], b[1]), math.Max(a[1], b[1])
	// The circle's northernmost point V is the north pole's direction
	// projected onto the circle's plane (normal n): at latitude
	// acos(|n_z|), longitude atan2(-n_z n_y, -n_z n_x). The southernmost
	// is -V. They count only when between A and B on the arc.
	if h := math.Hypot(n[0], n[1]); h > 0 {
		V := [3]float64{-n[2] * n[0] / h, -n[2] * n[1] / h, h}
		top := math.Atan2(h, math.Abs(n[2])) * radToDeg
		if onArc(A, B, n, V) {
			hi = math.Max(hi, top)
		}
		if onArc(A, B, n, scale(V, -1)) {
			lo = math.Min(lo, -top)
		}
	}
	// Rounding in the normal grows as the segment shrinks (its cross
	// product is about the segment's angle): a margin in degrees that
	// covers it, a few millimetres even for a 1 m segment.
	margin := (4e-16/norm(cross(A, B)) + 1e-11) * radToDeg
	lo, hi = math.Max(lo-margin, -90), math.Min(hi+margin, 90)
	if hi > 89 || lo < -89 {
		buf[0] = orb.Bound{Min: orb.Point{-180, lo}, Max: orb.Point{180, hi}}
		return 1
	}
	w, e := math.Min(a[0], b[0]), math.Max(a[0], b[0])
	if e-w > 180 { // crosses the antimeridian
		buf[0] = orb.Bound{Min: orb.Point{e, lo}, Max: orb.Point{180, hi}}
		buf[1] = orb.Bound{Min: orb.Point{-180, lo}, Max: orb.Point{w, hi}}
		return 2
	}
	buf[0] = orb.Bound{Min: orb.Point{w, lo}, Max: orb.Point{e, hi}}
	return 1
}

// onArc reports whether unit vector V on the great circle through A and B
// (unit normal n = A×B/|A×B|) lies on the shorter arc between them.
func onArc(A, B, n, V [3]float64) bool {
	return dot(cross(A, V), n) >= 0 && dot(cross(V, B), n) >= 0
}

// Line returns the route's positions (consecutive duplicates removed).
func (r *Route) Line() orb.LineString { return r.line }

// Length is the route's length in meters.
func (r *Route) Length() float64 { return r.cum[len(r.cum)-1] }

// Side of the route, seen in the direction of travel.
const (
	SideLeft  = "left"
	SideRight = "right"
	SideOn    = "on"
)

// RoutePosition is where a point lies relative to a route: the nearest
// point of the route (Point), its distance from the start along the route
// (AlongM, meters), the great-circle distance from the point to it
// (OffsetM, meters) and the side of the route the point is on.
type RoutePosition struct {
	AlongM  float64
	OffsetM float64
	Side    string
	Point   orb.Point
	Segment int // index of the segment (its first position)
}

// Locate projects p onto the nearest point of the route within corridor
// meters; ok is false when no part of the route is that close. Ties go to
// the earlier position along the route.
func (r *Route) Locate(p orb.Point, corridor float64) (pos RoutePosition, ok bool) {
	var work int64
	return r.locate(p, corridor, &work)
}

// locate is Locate adding to *work the segments it tests.
func (r *Route) locate(p orb.Point, corridor float64, work *int64) (pos RoutePosition, ok bool) {
	var buf [2]orb.Bound
	n, _ := boundAround(p, corridor, &buf)
	P := unitVec(p)
	// Everything is compared as squared chord length between unit vectors,
	// which grows with the great-circle distance and needs no trigonometry.
	maxC2 := 4.0
	if corridor/EarthRadius < math.Pi {
		h := math.Sin(corridor / EarthRadius / 2)
		maxC2 = 4 * h * h * (1 + 1e-12)
	}
	best := math.Inf(1)
	bestSeg, bestKind := -1, 0
	visit := func(seg int) {
		*work++
		// The distance to the arc is at least the distance to its great
		// circle (|P·normal| is the sine of that angle): skip the full test
		// when that is already too far.
		sAbs := math.Abs(dot(P, r.nrm[seg]))
		lb := sineChord2(sAbs)
		if lb > maxC2 || lb > best {
			return
		}
		c2, kind := r.segChord2(seg, P, lb)
		if c2 <= maxC2 && (c2 < best || (c2 == best && seg < bestSeg)) {
			best, bestSeg, bestKind = c2, seg, kind
		}
	}
	for _, b := range buf[:n] {
		r.tr.Search(b.Min, b.Max, func(_, _ [2]float64, c int32) bool {
			if c < 0 {
				visit(int(-1 - c))
				return true
			}
			for seg := int(c); seg < min(int(c)+segChunk, len(r.line)-1); seg++ {
				visit(seg)
			}
			return true
		})
	}
	if bestSeg < 0 {
		return pos, false
	}
	dist := 2 * math.Asin(math.Min(1, math.Sqrt(best)/2)) * EarthRadius
	return r.position(bestSeg, P, dist, bestKind), true
}

// sineChord2 turns the sine s of an angle (<= 90°) into the squared chord
// of that angle, 2 - 2cos, written without cancellation for small angles.
func sineChord2(s float64) float64 {
	s = math.Min(s, 1)
	return 2 * s * s / (1 + math.Sqrt(1-s*s))
}

// segChord2 is the squared chord from unit vector P to the nearest point
// of segment i, and where that point is: 0 inside the arc, 1 at its start,
// 2 at its end. lb is the squared chord to the segment's great circle.
func (r *Route) segChord2(i int, P [3]float64, lb float64) (float64, int) {
	A, B, n := r.vec[i], r.vec[i+1], r.nrm[i]
	// P lies beside the arc (not beyond its ends) when it is on the inner
	// side of the planes through the normal and A, and the normal and B.
	if dot(cross(A, P), n) >= 0 && dot(cross(P, B), n) >= 0 {
		return lb, 0
	}
	da, db := sub(A, P), sub(B, P)
	ca, cb := dot(da, da), dot(db, db)
	if ca <= cb {
		return ca, 1
	}
	return cb, 2
}

// position builds the RoutePosition of P on segment i.
func (r *Route) position(i int, P [3]float64, dist float64, kind int) RoutePosition {
	A, n := r.vec[i], r.nrm[i]
	s := dot(P, n)
	side := SideOn
	if s > 1e-15 {
		side = SideLeft
	} else if s < -1e-15 {
		side = SideRight
	}
	pos := RoutePosition{OffsetM: dist, Side: side, Segment: i}
	switch kind {
	case 1:
		pos.AlongM, pos.Point = r.cum[i], r.line[i]
	case 2:
		pos.AlongM, pos.Point = r.cum[i+1], r.line[i+1]
	default:
		Q := sub(P, scale(n, s))
		Q = scale(Q, 1/norm(Q))
		pos.AlongM = r.cum[i] + math.Atan2(norm(cross(A, Q)), dot(A, Q))*EarthRadius
		pos.AlongM = math.Min(pos.AlongM, r.cum[i+1])
		pos.Point = vecPoint(Q)
	}
	return pos
}

// RouteHit is one of the points given to Near that lies in the corridor.
type RouteHit struct {
	Index int // position in the slice given to Near
	RoutePosition
}

// NearContext returns the points within corridor meters of the route,
// ordered by AlongM (then by Index). Each point is tested against the
// segments whose boxes meet its corridor: few for a route that does not
// fold back on itself, every one for a zig-zag folded into the corridor.
// Past MaxRouteWork segment tests in all it stops with a
// *WorkLimitError; ctx is checked once per point, and when it ends the
// error wraps ctx.Err(). Either way no hits are returned.
func (r *Route) NearContext(ctx context.Context, points []orb.Point, corridor float64) ([]RouteHit, error) {
	return r.nearContext(ctx, points, corridor, MaxRouteWork)
}

// nearContext is NearContext with a work limit of limit segment tests.
func (r *Route) nearContext(ctx context.Context, points []orb.Point, corridor float64, limit int64) ([]RouteHit, error) {
	var hits []RouteHit
	var work int64
	for i, p := range points {
		if err := stopped(ctx, "route"); err != nil {
			return nil, err
		}
		if work > limit {
			return nil, &WorkLimitError{Work: work, Limit: limit, Unit: "segment tests (after " + strconv.Itoa(i) + " of " + strconv.Itoa(len(points)) + " records)",
				Else: "simplify the route (fewer positions, above all where it doubles back on itself), or use a narrower corridor_m, a shorter route, or fewer records (filter by kind or amenity)"}
		}
		if !validPoint(p) {
			continue
		}
		if pos, ok := r.locate(p, corridor, &work); ok {
			hits = append(hits, RouteHit{Index: i, RoutePosition: pos})
		}
	}
	slices.SortStableFunc(hits, func(a, b RouteHit) int { return cmpFloat(a.AlongM, b.AlongM) })
	return hits, nil
}

// MaxCorridorBoxes bounds the chunks of CorridorBounds; each chunk
// gives at most 6 boxes (its segments, those across ±180° on each side,
// each split at ±180° once widened).
const MaxCorridorBoxes = 1000

// CorridorBounds returns lon/lat boxes that together hold every point
// within corridor meters of the route: consecutive segments are grouped
// into chunks of about chunkM meters of route (<= 0: 50 km), each chunk's
// box widened by the corridor. Searching a point index with these boxes
// finds every candidate for NearContext without scanning a whole-route
// box. There are at most MaxCorridorBoxes chunks: a route of more
// segments than that takes at least segments/MaxCorridorBoxes into each,
// however long they are, so that a zig-zag of long segments costs a
// bounded number of searches.
func (r *Route) CorridorBounds(corridor, chunkM float64) []orb.Bound {
	if chunkM <= 0 {
		chunkM = 50_000
	}
	segs := len(r.line) - 1
	minSegs := (segs + MaxCorridorBoxes - 1) / MaxCorridorBoxes
	var out []orb.Bound
	// The chunk's segments: main for those that do not cross ±180°, east
	// and west for the two parts of those that do.
	var acc [3]orb.Bound
	var have [3]bool
	n, start := 0, 0.0
	add := func(k int, b orb.Bound) {
		if have[k] {
			acc[k] = acc[k].Union(b)
		} else {
			acc[k], have[k] = b, true
		}
	}
	flush := func() {
		for k := range acc {
			if have[k] {
				out = append(out, widen(acc[k], corridor)...)
			}
			have[k] = false
		}
		n = 0
	}
	var bs [2]orb.Bound
	for i := 0; i < segs; i++ {
		if n > 0 && r.cum[i+1]-start > chunkM && n >= minSegs {
			flush()
		}
		if n == 0 {
			start = r.cum[i]
		}
		if r.segmentBounds(i, &bs) > 1 {
			add(1, bs[0])
			add(2, bs[1])
		} else {
			add(0, bs[0])
		}
		n++
	}
	flush()
	return out
}

// widen grows b by meters on every side, splitting at ±180° when needed.
func widen(b orb.Bound, meters float64) []orb.Bound {
	var lo, hi [2]orb.Bound
	nl, _ := boundAround(orb.Point{b.Min[0], b.Min[1]}, meters, &lo)
	nh, _ := boundAround(orb.Point{b.Max[0], b.Max[1]}, meters, &hi)
	if nl == 0 || nh == 0 {
		return nil
	}
	// The latitude reach: from the lower corner's south to the upper corner's north.
	s, n := lo[0].Min[1], hi[0].Max[1]
	// The longitude reach at the box's most poleward latitude is widest.
	var c [2]orb.Bound
	lat := b.Max[1]
	if math.Abs(b.Min[1]) > math.Abs(lat) {
		lat = b.Min[1]
	}
	nc, _ := boundAround(orb.Point{0, lat}, meters, &c)
	dl := 180.0
	if nc == 1 && c[0].Max[0] < 180 {
		dl = c[0].Max[0]
	}
	w, e := b.Min[0]-dl, b.Max[0]+dl
	switch {
	case dl >= 180 || e-w >= 360:
		return []orb.Bound{{Min: orb.Point{-180, s}, Max: orb.Point{180, n}}}
	case w < -180:
		return []orb.Bound{{Min: orb.Point{w + 360, s}, Max: orb.Point{180, n}}, {Min: orb.Point{-180, s}, Max: orb.Point{e, n}}}
	case e > 180:
		return []orb.Bound{{Min: orb.Point{w, s}, Max: orb.Point{180, n}}, {Min: orb.Point{-180, s}, Max: orb.Point{e - 360, n}}}
	}
	return []orb.Bound{{Min: orb.Point{w, s}, Max: orb.Point{e, n}}}
}

// PointAt is the position at distance along meters from the start
// (clamped to the route).
func (r *Route) PointAt(along float64) orb.Point {
	along = math.Min(math.Max(along, 0), r.Length())
	i, _ := slices.BinarySearch(r.cum, along)
	if i == 0 {
		return r.line[0]
	}
	if i >= len(r.cum) {
		return r.line[len(r.line)-1]
	}
	seg := r.cum[i] - r.cum[i-1]
	if seg <= 0 {
		return r.line[i]
	}
	return vecPoint(slerp(r.vec[i-1], r.vec[i], (along-r.cum[i-1])/seg))
}

// Cut returns the part of the route between from and to meters along it
// (clamped; from < to). It finds the positions in between by binary
// search, so its cost is that of its answer, not of the whole route.
func (r *Route) Cut(from, to float64) orb.LineString {
	from = math.Max(from, 0)
	to = math.Min(to, r.Length())
	ls := orb.LineString{r.PointAt(from)}
	i, _ := slices.BinarySearch(r.cum, from)
	for ; i < len(r.cum) && r.cum[i] < to; i++ {
		if r.cum[i] > from {
			ls = append(ls, r.line[i])
		}
	}
	if end := r.PointAt(to); end != ls[len(ls)-1] || len(ls) == 1 {
		ls = append(ls, end)
	}
	return ls
}

// RouteGap is a stretch of the route with no qualifying point: from
// FromM to ToM meters along it.
type RouteGap struct {
	FromM, ToM float64
	Line       orb.LineString
}

// LengthM is the gap's length in meters.
func (g RouteGap) LengthM() float64 { return g.ToM - g.FromM }

// Gaps returns the stretches longer than maxGap meters between
// consecutive positions in alongs (meters along the route, any order),
// counting the route's start and end as the ends of the first and last
// stretch: a trip starts at the start whether or not a station is there.
func (r *Route) Gaps(alongs []float64, maxGap float64) []RouteGap {
	a := append([]float64{0}, alongs...)
	a = append(a, r.Length())
	slices.Sort(a)
	var gaps []RouteGap
	for i := 1; i < len(a); i++ {
		if a[i]-a[i-1] > maxGap {
			gaps = append(gaps, RouteGap{FromM: a[i-1], ToM: a[i], Line: r.Cut(a[i-1], a[i])})
		}
	}
	return gaps
}

// Vector helpers: unit vectors on the sphere.

func unitVec(p orb.Point) [3]float64 {
	sl, cl := math.Sincos(p[1] * degToRad)
	so, co := math.Sincos(p[0] * degToRad)
	return [3]float64{cl * co, cl * so, sl}
}

func vecPoint(v [3]float64) orb.Point {
	return orb.Point{math.Atan2(v[1], v[0]) * radToDeg, math.Atan2(v[2], math.Hypot(v[0], v[1])) * radToDeg}
}

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func norm(a [3]float64) float64 { return math.Sqrt(dot(a, a)) }

func scale(a [3]float64, k float64) [3]float64 { return [3]float64{a[0] * k, a[1] * k, a[2] * k} }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

// slerp is the point a fraction t of the way along the arc a→b.
func slerp(a, b [3]float64, t float64) [3]float64 {
	omega := math.Atan2(norm(cross(a, b)), dot(a, b))
	if omega < 1e-15 {
		return a
	}
	so := math.Sin(omega)
	ka, kb := math.Sin((1-t)*omega)/so, math.Sin(t*omega)/so
	return [3]float64{ka*a[0] + kb*b[0], ka*a[1] + kb*b[1], ka*a[2] + kb*b[2]}
}

// RestCandidate is a possible rest stop at AlongM meters along a route.
// Preferred marks stops that offer what the driver asked for (truck
// parking, a shower, beds).
type RestCandidate struct {
	AlongM    float64
	Preferred bool
}

// PlannedStop is one stop of a rest plan: Index is the candidate's
// position in the slice given to PlanRest, LegM the driving distance
// from the previous stop (or the start) in meters.
type PlannedStop struct {
	Index     int
	AlongM    float64
	LegM      float64
	Preferred bool
}

// RestProblem is a stretch where no plan keeps within the limit: from
// FromM (the start or the last possible stop) to ToM (the next stop, or
// the route's end) is longer than the allowed leg.
type RestProblem struct {
	FromM, ToM float64
}

// RestPlan is the outcome of PlanRest. Feasible is true when every leg,
// including the last one to the route's end (FinalLegM), is within MaxLegM.
type RestPlan struct {
	MaxLegM   float64
	Stops     []PlannedStop
	FinalLegM float64
	Problems  []RestProblem
	Feasible  bool
}

// PlanRest picks stops along a route of lengthM meters so that no leg
// between the start, the stops and the end is longer than maxLegM (the
// distance driven in the longest allowed stretch at the planned speed).
// From each position it takes the farthest preferred candidate within
// reach, else the farthest candidate of any kind (greedy; taking the
// farthest reachable stop gives the fewest stops, and a preferred stop
// short of it never makes a later leg impossible, because everything
// reachable before is still reachable from it). Where no candidate is
// within reach the stretch is reported as a RestProblem and planning goes
// on from the next candidate, so one bad stretch does not hide the rest.
func PlanRest(lengthM float64, cands []RestCandidate, maxLegM float64) RestPlan {
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(cands[a].AlongM, cands[b].AlongM) })
	plan := RestPlan{MaxLegM: maxLegM}
	pos := 0.0
	k := 0 // first candidate in order with AlongM > pos
	for lengthM-pos > maxLegM {
		for k < len(order) && cands[order[k]].AlongM <= pos {
			k++
		}
		best, bestPref := -1, -1
		for j := k; j < len(order) && cands[order[j]].AlongM <= pos+maxLegM; j++ {
			if cands[order[j]].AlongM >= lengthM {
				break
			}
			best = order[j]
			if cands[order[j]].Preferred {
				bestPref = order[j]
			}
		}
		if bestPref >= 0 {
			best = bestPref
		}
		if best < 0 {
			next := lengthM
			if k < len(order) && cands[order[k]].AlongM < lengthM {
				next = cands[order[k]].AlongM
				best = order[k]
			}
			plan.Problems = append(plan.Problems, RestProblem{FromM: pos, ToM: next})
			if best < 0 {
				break
			}
		}
		c := cands[best]
		plan.Stops = append(plan.Stops, PlannedStop{Index: best, AlongM: c.AlongM, LegM: c.AlongM - pos, Preferred: c.Preferred})
		pos = c.AlongM
	}
	plan.FinalLegM = lengthM - pos
	plan.Feasible = len(plan.Problems) == 0
	return plan
}
