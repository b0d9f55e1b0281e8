package geo

import (
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Hit is one search result: the slot of the point (its position in the
// slice given to NewIndex, or the slot passed to Insert) and its
// great-circle distance in meters from the query point.
type Hit struct {
	Slot   uint32
	Meters float64
}

// Index is a spatial index of points addressed by slot numbers, answering
// exact great-circle nearest, radius, box and count queries anywhere on
// Earth, the poles and the ±180° meridian included.
//
// The points given to NewIndex are held in a packed R-tree: flat arrays
// in Hilbert-curve order, leafSize points a leaf and fanOut children a
// node above, every node covering a contiguous run of points. That costs
// about 23 bytes a point, holds no pointer the garbage collector must
// trace per point, and lets a count take a whole node inside the query
// at once. Points inserted later go to
// a small tidwall/rtree beside it, and deleted ones are marked dead, so a
// change copies only what it touches; the owner rebuilds (NewIndex) once
// the changes are many (see Changed).
//
// Results are ordered by Meters (as computed by Distance) and, for equal
// Meters, by ascending Slot, so they are deterministic and equal to a
// brute-force scan sorted the same way.
//
// Queries are safe for concurrent use. Insert, Delete and Copy mutate
// bookkeeping and must not run concurrently with each other or, for
// Insert and Delete, with queries on the same Index. The intended use is
// copy-on-write: readers keep an immutable *Index while a writer calls
// Copy, changes the copy and publishes it.
type Index struct {
	base    *packed               // the bulk-loaded points; never modified
	dead    *deadSet              // positions of base deleted since; nil for none
	ownDead bool                  // dead is this Index's own, not shared with a copy
	over    *rtree.RTreeG[uint32] // points inserted since the bulk load
}

// leafSize is the number of points a leaf of the packed tree holds and
// fanOut the number of children of a node above the leaves. 8 and 8
// measured faster for nearest-5 on both the uniform and the clustered
// workload than 16 points a leaf (2% and 4% slower: more points to
// bound than the levels save), 32 (11% and 16%) or 16 and a fan-out of
// 16 (9% and 19%); an earlier fan-out of 4 was slower too. The tree is
// 6 levels deep at 10^6.
const (
	leafSize = 8
	fanOut   = 8
)

// packed is a static R-tree over points sorted along a Hilbert curve.
// Node j of level l covers the points at positions
// [j·span(l), (j+1)·span(l)), so its count is known without storing it;
// its children are nodes [j·fanOut, (j+1)·fanOut) of level l-1 above
// the leaves, points [j·leafSize, (j+1)·leafSize) for a leaf (level 0).
// The last level has at most fanOut nodes.
type packed struct {
	pts    [][2]float64 // [lon, lat], lon normalized, by position
	slots  []uint32     // slot of the point at each position
	levels [][]node
	bound  box                      // the exact box of pts, for Bound
	keys   atomic.Pointer[keyTable] // set once by SetKeys
	// curve is the curve pts are sorted along, and leafKeys the curve
	// key of each leaf's first point (half a byte a point), so that a
	// nearest search finds the leaf at its query's place (seedLeaf).
	curve    curve
	leafKeys []uint32
}

// keyTable is the key of each point by position and the least key under
// each node, level by level, for LeastInBound.
type keyTable struct {
	byPos []uint32
	least [][]uint32
}

// node is a packed-tree node's box in float32, rounded outwards so that
// it holds every point under it: 16 bytes, four nodes a cache line, so
// that a search reads the eight children of a node in two lines. Every
// use of a box is a filter that a larger box keeps correct.
type node struct {
	min, max [2]float32
}

func (nd *node) lo() [2]float64 { return [2]float64{float64(nd.min[0]), float64(nd.min[1])} }
func (nd *node) hi() [2]float64 { return [2]float64{float64(nd.max[0]), float64(nd.max[1])} }

// cosFar is a lower bound of cos(lat) for every point in nd's box: the
// cosine of its latitude farthest from the equator, bounded below by
// cosBelow.
func (nd *node) cosFar() float64 {
	far := max(abs32(nd.min[1]), abs32(nd.max[1]))
	return cosBelow(float64(far) * degToRad)
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// cosBelow is a lower bound of cos(x) for x in [0, π/2], non-negative:
// the Taylor polynomial 1 − x²/2! + x⁴/4! − x⁶/6!, which ends on a
// negative term of an alternating series whose terms shrink there
// (within 1e-4 of cos up to 80°), or 0 where that is negative.
func cosBelow(x float64) float64 { return max(0, cosPoly(x)) }

// cosPoly is cosBelow's polynomial, which may be negative.
func cosPoly(x float64) float64 {
	x2 := x * x
	return 1 - x2*0.5*(1-x2*(1.0/12)*(1-x2*(1.0/30)))
}

// nodeAround is the node of the smallest float32 box holding b.
func nodeAround(b box) node {
	return node{
		min: [2]float32{down32(b.min[0]), down32(b.min[1])},
		max: [2]float32{up32(b.max[0]), up32(b.max[1])},
	}
}

// down32 and up32 round x to a float32 at or below, at or above it.
func down32(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// deadSet marks positions of the packed tree whose points were deleted,
// a bit each.
type deadSet struct {
	bits []uint64
	n    int
}

func (d *deadSet) has(i int) bool { return d.bits[i>>6]&(1<<(uint(i)&63)) != 0 }

// countIn is the number of dead positions in [lo, hi).
func (d *deadSet) countIn(lo, hi int) int {
	if lo >= hi {
		return 0
	}
	n := 0
	first, last := lo>>6, (hi-1)>>6
	for w := first; w <= last; w++ {
		word := d.bits[w]
		if w == first {
			word &= ^uint64(0) << (uint(lo) & 63)
		}
		if w == last {
			word &= ^uint64(0) >> (63 - (uint(hi-1) & 63))
		}
		n += bits.OnesCount64(word)
	}
	return n
}

// NewIndex bulk-loads points; point i gets slot i. Points are stored in
// Hilbert-curve order, which packs the tree far better than input order
// and makes queries several times faster. Points that are not finite or
// have |lat| > 90 are left out (their slots are never returned); other
// longitudes are normalized to [-180, 180].
func NewIndex(points []orb.Point) *Index {
	keys, _, c := curveKeys(points)
	pts := make([][2]float64, len(keys))
	slots := make([]uint32, len(keys))
	for i, key := range keys {
		slot := uint32(key)
		p := points[slot]
		pts[i] = [2]float64{normalizeLon(p[0]), p[1]}
		slots[i] = slot
	}
	pk := newPacked(pts, slots)
	pk.curve = c
	pk.leafKeys = make([]uint32, (len(keys)+leafSize-1)/leafSize)
	for j := range pk.leafKeys {
		pk.leafKeys[j] = uint32(keys[j*leafSize] >> 32)
	}
	return &Index{base: pk, over: new(rtree.RTreeG[uint32])}
}

// seedLeaf is the leaf at lon/lat's place along the curve: the last
// whose first key is at or below lon/lat's (the first leaf if none is).
// Its points are near lon/lat wherever points are dense, as the curve
// keeps nearby keys nearby; elsewhere it is only a start.
func (pk *packed) seedLeaf(lon, lat float64) int {
	key := pk.curve.key(lon, lat)
	lo, hi := 0, len(pk.leafKeys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if pk.leafKeys[m] <= key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return max(0, lo-1)
}

// CurveOrder is the order NewIndex stores points in: the positions of
// the valid points along its Hilbert curve (equal positions on the curve
// in ascending order), then those of the invalid ones. An owner that
// numbers its records in this order keeps the records of nearby points
// nearby in its own memory too, so that reading the records a search
// found touches a few cache lines, not one per record.
func CurveOrder(points []orb.Point) []uint32 {
	keys, invalid, _ := curveKeys(points)
	out := make([]uint32, len(keys), len(points))
	for i, key := range keys {
		out[i] = uint32(key)
	}
	return append(out, invalid...)
}

// curveKeys is key<<32 | slot for every valid point, sorted (so by curve
// position, then slot), the slots of the invalid points, and the curve,
// which spans the box of the valid points, not the whole lon/lat plane: on
// records gathered in one country its cells are then some ten times
// finer, so that the points of a dense town get distinct keys and the
// leaves along the curve small boxes that do not overlap.
func curveKeys(points []orb.Point) (keys []uint64, invalid []uint32, c curve) {
	b := box{min: [2]float64{math.Inf(1), math.Inf(1)}, max: [2]float64{math.Inf(-1), math.Inf(-1)}}
	for i, p := range points {
		if !validPoint(p) {
			invalid = append(invalid, uint32(i))
			continue
		}
		lon := normalizeLon(p[0])
		b.extend([2]float64{lon, p[1]}, [2]float64{lon, p[1]})
	}
	c = curveOver(b)
	keys = make([]uint64, 0, len(points)-len(invalid))
	for i, p := range points {
		if validPoint(p) {
			keys = append(keys, uint64(c.key(normalizeLon(p[0]), p[1]))<<32|uint64(uint32(i)))
		}
	}
	radixSort(keys)
	return keys, invalid, c
}

// curve maps lon/lat onto the cells of a 2^16 × 2^16 Hilbert curve
// laid over a box: x = (lon − lon0)·sx, y = (lat − lat0)·sy.
type curve struct{ lon0, lat0, sx, sy float64 }

const curveSide = 1 << 16

// curveOver is the curve over b (any box with min <= max; a box of no
// width or height maps that side to one cell).
func curveOver(b box) curve {
	c := curve{lon0: b.min[0], lat0: b.min[1]}
	if w := b.max[0] - b.min[0]; w > 0 {
		c.sx = curveSide / w
	}
	if h := b.max[1] - b.min[1]; h > 0 {
		c.sy = curveSide / h
	}
	return c
}

// key is the position of lon/lat's cell along the curve; nearby keys
// are nearby points.
func (c curve) key(lon, lat float64) uint32 {
	x := uint32(math.Min(curveSide-1, math.Max(0, (lon-c.lon0)*c.sx)))
	y := uint32(math.Min(curveSide-1, math.Max(0, (lat-c.lat0)*c.sy)))
	return hilbertD(x, y)
}

func newPacked(pts [][2]float64, slots []uint32) *packed {
	pk := &packed{pts: pts, slots: slots}
	if len(pts) == 0 {
		return pk
	}
	pk.bound = box{pts[0], pts[0]}
	lv := make([]node, (len(pts)+leafSize-1)/leafSize)
	for j := range lv {
		lo, hi := j*leafSize, min((j+1)*leafSize, len(pts))
		b := box{pts[lo], pts[lo]}
		for _, p := range pts[lo+1 : hi] {
			b.extend(p, p)
		}
		pk.bound.extend(b.min, b.max)
		lv[j] = nodeAround(b)
	}
	pk.levels = append(pk.levels, lv)
	for len(lv) > fanOut {
		up := make([]node, (len(lv)+fanOut-1)/fanOut)
		for j := range up {
			lo, hi := j*fanOut, min((j+1)*fanOut, len(lv))
			nd := lv[lo]
			for _, c := range lv[lo+1 : hi] {
				nd.min[0], nd.min[1] = min(nd.min[0], c.min[0]), min(nd.min[1], c.min[1])
				nd.max[0], nd.max[1] = max(nd.max[0], c.max[0]), max(nd.max[1], c.max[1])
			}
			up[j] = nd
		}
		pk.levels = append(pk.levels, up)
		lv = up
	}
	return pk
}

func (b *box) extend(min, max [2]float64) {
	b.min[0], b.min[1] = math.Min(b.min[0], min[0]), math.Min(b.min[1], min[1])
	b.max[0], b.max[1] = math.Max(b.max[0], max[0]), math.Max(b.max[1], max[1])
}

// span is the number of positions a node of level l covers.
func span(l int) int {
	s := leafSize
	for ; l > 0; l-- {
		s *= fanOut
	}
	return s
}

// Copy returns a copy-on-write clone in O(1); mutating the clone never
// affects ix, and queries on ix stay valid while the clone changes.
func (ix *Index) Copy() *Index {
	ix.ownDead = false
	return &Index{base: ix.base, dead: ix.dead, over: ix.over.Copy()}
}

// Insert adds a point under slot. A point that is not finite or has
// |lat| > 90 is ignored. Inserting a slot twice stores it twice.
func (ix *Index) Insert(slot uint32, p orb.Point) {
	if !validPoint(p) {
		return
	}
	pt := [2]float64{normalizeLon(p[0]), p[1]}
	ix.over.Insert(pt, pt, slot)
}

// Delete removes the point stored under slot at p (p must be the position
// it was inserted with). Deleting an absent point does nothing.
func (ix *Index) Delete(slot uint32, p orb.Point) {
	if !validPoint(p) {
		return
	}
	pt := [2]float64{normalizeLon(p[0]), p[1]}
	if i := ix.findBase(slot, pt); i >= 0 {
		ix.markDead(i)
		return
	}
	ix.over.Delete(pt, pt, slot)
}

// findBase is the position of the live base point slot at pt, or -1.
func (ix *Index) findBase(slot uint32, pt [2]float64) int {
	pk := ix.base
	if len(pk.pts) == 0 {
		return -1
	}
	var find func(l, j int) int
	find = func(l, j int) int {
		nd := &pk.levels[l][j]
		if !(box{pt, pt}).crossesNode(nd) {
			return -1
		}
		lo, hi := j*fanOut, (j+1)*fanOut
		if l == 0 {
			lo, hi = j*leafSize, (j+1)*leafSize
			for i := lo; i < min(hi, len(pk.pts)); i++ {
				if pk.slots[i] == slot && pk.pts[i] == pt && (ix.dead == nil || !ix.dead.has(i)) {
					return i
				}
			}
			return -1
		}
		for c := lo; c < min(hi, len(pk.levels[l-1])); c++ {
			if i := find(l-1, c); i >= 0 {
				return i
			}
		}
		return -1
	}
	top := len(pk.levels) - 1
	for j := range pk.levels[top] {
		if i := find(top, j); i >= 0 {
			return i
		}
	}
	return -1
}

func (ix *Index) markDead(i int) {
	if !ix.ownDead {
		d := &deadSet{}
		if ix.dead != nil {
			d.bits, d.n = slices.Clone(ix.dead.bits), ix.dead.n
		} else {
			d.bits = make([]uint64, (len(ix.base.pts)+63)/64)
		}
		ix.dead, ix.ownDead = d, true
	}
	ix.dead.bits[i>>6] |= 1 << (uint(i) & 63)
	ix.dead.n++
}

// Len is the number of points.
func (ix *Index) Len() int { return len(ix.base.pts) - ix.deadCount() + ix.over.Len() }

func (ix *Index) deadCount() int {
	if ix.dead == nil {
		return 0
	}
	return ix.dead.n
}

// Changed is the number of points deleted or inserted since the bulk
// load: the work a rebuild would save later queries.
func (ix *Index) Changed() int { return ix.deadCount() + ix.over.Len() }

// Bound is a lon/lat box holding every point, in constant time: the
// smallest one as long as no bulk-loaded point was deleted (a deleted one
// may still widen it). ok is false when the index is empty.
func (ix *Index) Bound() (b orb.Bound, ok bool) {
	if ix.Len() == 0 {
		return orb.Bound{}, false
	}
	bx := box{min: [2]float64{math.Inf(1), math.Inf(1)}, max: [2]float64{math.Inf(-1), math.Inf(-1)}}
	if pk := ix.base; len(pk.pts) > 0 && ix.deadCount() < len(pk.pts) {
		bx = pk.bound
	}
	if ix.over.Len() > 0 {
		min, max := ix.over.Bounds()
		bx.extend(min, max)
	}
	return orb.Bound{Min: orb.Point(bx.min), Max: orb.Point(bx.max)}, true
}

// Nearest returns up to k accepted points ordered by great-circle distance
// from p, nearest first (ties by ascending slot). p is [lon, lat] in
// degrees; distances are meters. maxMeters <= 0 or +Inf means no limit;
// otherwise only points with Meters <= maxMeters are returned. accept nil
// accepts all; otherwise it is consulted during the search, so "nearest 5
// accepted" finds 5 whenever 5 accepted points exist, however far. accept
// may be called more than once for a slot and must be safe for concurrent
// use if the Index is queried concurrently. k <= 0, an invalid p or a NaN
// maxMeters give nil.
//
// The search is best-first over the packed tree (branch and bound): nodes
// in order of a cheap lower bound of their haversine (nodeHavs), points
// by their exact one, stopping once no node can beat the k-th best. Its
// cost follows the number of points near the answer, not their density,
// so it is as fast inside a dense town as in empty land. accept is asked
// only about points that would enter the k best.
func (ix *Index) Nearest(p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) []Hit {
	s := ix.nearest(p, k, maxMeters, accept)
	if s == nil {
		return nil
	}
	defer putSearcher(s)
	return s.appendBest(make([]Hit, 0, len(s.best)))
}

// AppendNearest is Nearest appending to dst, for callers that reuse a
// buffer; it returns the extended slice.
func (ix *Index) AppendNearest(dst []Hit, p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) []Hit {
	s := ix.nearest(p, k, maxMeters, accept)
	if s == nil {
		return dst
	}
	defer putSearcher(s)
	return s.appendBest(dst)
}

// appendBest appends the k best of a nearest search to dst, sorted.
func (s *searcher) appendBest(dst []Hit) []Hit {
	n := len(dst)
	for i := range s.best {
		s.best[i].meters()
		dst = append(dst, s.best[i].Hit)
	}
	slices.SortFunc(dst[n:], compareHits)
	return dst
}

// nearest runs the search and returns the searcher holding the k best
// (unsorted), or nil when there is nothing to search.
func (ix *Index) nearest(p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) *searcher {
	n := ix.Len()
	if k <= 0 || n == 0 || !validPoint(p) || math.IsNaN(maxMeters) {
		return nil
	}
	limit := maxMeters
	if limit <= 0 {
		limit = math.Inf(1)
	}
	s := getSearcher(p, accept)
	s.reset(min(k, n))
	s.limit = limit
	s.hLimit = havAtMost(limit)
	s.hPrune = s.hLimit
	if ix.over.Len() > 0 {
		ix.over.Nearby(s.boxDist, s.nearbyVisit)
	}
	ix.nearestPacked(s)
	return s
}

// queued is a node waiting in the nearest search's queue.
type queued struct {
	h     float64 // lower bound of the haversine (hav) of anything inside
	level int32
	j     int32
}

// ranked is one of a nearest search's k best: the hit and the haversine
// its Meters come from, which the search ranks and prunes by. Meters is
// -1 until needed (meters): most candidates are ranked by hav alone, and
// only the k kept and near ties cost an arc.
type ranked struct {
	Hit
	hav float64
}

// meters is r's Meters, computed from hav the first time.
func (r *ranked) meters() float64 {
	if r.Meters < 0 {
		r.Meters = havMeters(r.hav)
	}
	return r.Meters
}

// worseRanked is worse for ranked hits: by hav where the haversines are
// apart by more than rounding can bridge (havBeyond), by the exact
// Meters and slot otherwise, so the order is exactly worse's.
func worseRanked(a, b *ranked) bool {
	switch {
	case a.hav > havBeyond(b.hav):
		return true
	case b.hav > havBeyond(a.hav):
		return false
	case a.hav == b.hav:
		return a.Slot > b.Slot
	}
	a.meters()
	b.meters()
	return worse(a.Hit, b.Hit)
}

// havAtMost is a haversine that no point within meters of the query
// exceeds (+Inf for no limit): sin²(meters/2R) with a relative 1e-9 to
// spare for rounding.
func havAtMost(meters float64) float64 {
	atMost, _ := havAround(meters)
	return atMost
}

// havAround is havAtMost and havWithin of meters, with one sine.
func havAround(meters float64) (atMost, within float64) {
	x := meters / (2 * EarthRadius)
	if !(x < math.Pi/2) {
		return math.Inf(1), 0
	}
	// Below 1/64 (a radius under 200 km) the Taylor polynomial to x⁵
	// stands in for math.Sin, a tenth of a small circle's setup: what it
	// leaves out, under x⁷/5040, is a relative 3e-15, far inside the
	// margin of 1e-9.
	var sh float64
	if y := x * x; x < 1.0/64 {
		sh = x * (1 - y*(1.0/6)*(1-y*(1.0/20)))
	} else {
		sh = math.Sin(x)
	}
	return sh * sh * (1 + 1e-9), sh * sh * (1 - 1e-9)
}

// havWithin is a haversine at or below which every point is within
// meters of the query (0 for a circle of half the Earth or more, where
// the margin would not hold): sin²(meters/2R) less a relative 1e-9.
func havWithin(meters float64) float64 {
	_, within := havAround(meters)
	return within
}

// havBeyond is a haversine above which every point is farther than the
// one whose haversine is h: haversine and distance grow together, and the
// relative 1e-9 is far beyond the rounding of havMeters.
func havBeyond(h float64) float64 { return h * (1 + 1e-9) }

// nearestPacked is the best-first search of the packed tree. (A depth-first
// search, nearest child first, measured slower on clustered data: where
// boxes overlap in a town, the nearest bound is often 0 for several
// children, and it went down the wrong one first.)
//
// A node's nearest child is taken next at once when nothing queued comes
// before it, and its other children wait in a pending list that goes into
// the queue only when the search next takes from it, after a leaf: the
// first descent then reaches a leaf before anything is queued, and the k
// best from that leaf prune most of the nodes passed on the way, which a
// queue of its own would have held for nothing.
//
// Before all that, the leaf at the query's place along the curve
// (seedLeaf) is offered, and skipped when the descent reaches it: its
// k best bound the search from its first node, so the descent prunes
// siblings at once instead of holding them until its first leaf. On the
// clustered workload that took the queue's pushes from 49 to 7 a query
// and a nearest-5 from 1 to 0.85 of its time.
func (ix *Index) nearestPacked(s *searcher) {
	pk := ix.base
	if len(pk.pts) == 0 {
		return
	}
	q, pend := s.queue[:0], s.pending[:0]
	top := len(pk.levels) - 1
	// The node being expanded: level, index j, and its children's range;
	// first the root above the top level, whose children are that level.
	level, j, lo, hi := top+1, 0, 0, len(pk.levels[top])
	pendMin := math.Inf(1) // the least h in pend
	seed := pk.seedLeaf(s.lonDeg, s.latDeg)
	s.offerLeaf(ix, seed*leafSize, min((seed+1)*leafSize, len(pk.pts)), pk.levels[0][seed].cosFar())
	for {
		if level == 0 {
			if j != seed {
				s.offerLeaf(ix, lo, hi, pk.levels[0][j].cosFar())
			}
		} else {
			kids := pk.levels[level-1]
			best := queued{h: math.Inf(1), level: -1}
			var hs [fanOut]float64
			// The node's own cosFar serves its children where it is
			// close to theirs (see nodeHavs).
			cosFar := -1.0
			if level <= top {
				if nd := &pk.levels[level][j]; nd.max[1]-nd.min[1] <= sharedCosSpan {
					cosFar = nd.cosFar()
				}
			}
			s.nodeHavs(kids[lo:hi], cosFar, hs[:])
			for c := lo; c < hi; c++ {
				h := hs[c-lo]
				if h > s.hPrune {
					continue
				}
				pk.prefetchUnder(level-1, c)
				e := queued{h, int32(level - 1), int32(c)}
				if h < best.h {
					e, best = best, e
				}
				if e.level >= 0 {
					pend = append(pend, e)
					pendMin = min(pendMin, e.h)
				}
			}
			if best.level >= 0 && best.h <= pendMin && (len(q) == 0 || best.h <= q[0].h) {
				level, j = int(best.level), int(best.j)
				lo, hi = ix.childRange(level, j)
				continue
			}
			if best.level >= 0 {
				pend = append(pend, best)
			}
		}
		for _, e := range pend {
			if e.h <= s.hPrune {
				q = pushQueued(q, e)
			}
		}
		pend, pendMin = pend[:0], math.Inf(1)
		if len(q) == 0 || q[0].h > s.hPrune {
			break
		}
		e := q[0]
		q = popQueued(q)
		level, j = int(e.level), int(e.j)
		lo, hi = ix.childRange(level, j)
	}
	if cap(q) <= 4096 {
		s.queue = q[:0]
	}
	if cap(pend) <= 4096 {
		s.pending = pend[:0]
	}
}

// prefetchUnder asks for the cache lines of the children of node c of
// level l: eight points (two lines) and their slots (one), or eight
// nodes (two). A search calls it for the nodes it will visit next, so
// that their lines come from memory together while it works on, not one
// after another as it reaches them: the packed tree's searches spend
// most of their time waiting for memory otherwise. (Reading the lines
// instead, as this did before, holds up the processor at each read that
// misses: nearest-5 and count within 15 km on the clustered workload
// took 3–6% more time so, in runs alternating the two.)
func (pk *packed) prefetchUnder(l, c int) {
	if l == 0 {
		i := c * leafSize
		prefetchLines(unsafe.Pointer(&pk.pts[i]), unsafe.Pointer(&pk.slots[i]))
		return
	}
	i := c * fanOut
	nd := &pk.levels[l-1][i]
	prefetchLines(unsafe.Pointer(nd), unsafe.Pointer(nd))
}

// childRange is the range of node j of level l's children: points for
// level 0, nodes of level l-1 above.
func (ix *Index) childRange(l, j int) (lo, hi int) {
	if l == 0 {
		return j * leafSize, min((j+1)*leafSize, len(ix.base.pts))
	}
	return j * fanOut, min((j+1)*fanOut, len(ix.base.levels[l-1]))
}

// pushQueued and popQueued keep q a min-heap by h. They are written out
// rather than heapUp and heapDown, whose comparison is an indirect call:
// the queue's upkeep was a sixth of a clustered nearest-5.
func pushQueued(q []queued, e queued) []queued {
	q = append(q, e)
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !(e.h < q[p].h) {
			break
		}
		q[i] = q[p]
		i = p
	}
	q[i] = e
	return q
}

func popQueued(q []queued) []queued {
	n := len(q) - 1
	e := q[n]
	q = q[:n]
	if n == 0 {
		return q
	}
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q[r].h < q[l].h {
			m = r
		}
		if !(q[m].h < e.h) {
			break
		}
		q[i] = q[m]
		i = m
	}
	q[i] = e
	return q
}

// offerLeaf considers the base points at positions [lo, hi), a leaf's,
// whose cosFar is given, for the k best. A point whose cheap bound (pointHav, no
// trigonometry) already loses costs no exact distance, and one whose
// exact haversine loses costs no arc.
func (s *searcher) offerLeaf(ix *Index, lo, hi int, cosFar float64) {
	pts := ix.base.pts[lo:hi]
	for o := range pts {
		pt := pts[o]
		if s.pointHav(pt, cosFar) > s.hPrune || (ix.dead != nil && ix.dead.has(lo+o)) {
			continue
		}
		h := hav(s.lat, s.lon, s.cosLat, orb.Point(pt))
		if h > s.hPrune {
			continue
		}
		r := ranked{Hit{Slot: ix.base.slots[lo+o], Meters: -1}, h}
		if !math.IsInf(s.limit, 1) && r.meters() > s.limit {
			continue
		}
		if len(s.best) == s.k && !worseRanked(&s.best[0], &r) {
			continue
		}
		if s.accept != nil && !s.accept(r.Slot) {
			continue
		}
		s.keep(r)
	}
}

// keep puts r among the k best, which have room for it or hold a worse
// one, and tightens hPrune once there are k. The heap of the k best is
// written out here, not through heapUp and heapDown, whose comparison is
// an indirect call.
func (s *searcher) keep(r ranked) {
	hs := s.best
	if len(hs) < s.k {
		hs = append(hs, r)
		for i := len(hs) - 1; i > 0; {
			p := (i - 1) / 2
			if !worseRanked(&hs[i], &hs[p]) {
				break
			}
			hs[i], hs[p] = hs[p], hs[i]
			i = p
		}
		s.best = hs
	} else {
		hs[0] = r
		for i := 0; ; {
			l := 2*i + 1
			if l >= len(hs) {
				break
			}
			m := l
			if r := l + 1; r < len(hs) && worseRanked(&hs[r], &hs[l]) {
				m = r
			}
			if !worseRanked(&hs[m], &hs[i]) {
				break
			}
			hs[i], hs[m] = hs[m], hs[i]
			i = m
		}
	}
	if len(hs) == s.k {
		s.hPrune = min(s.hLimit, havBeyond(hs[0].hav))
	}
}

// sharedCosSpan is the latitude span (degrees) up to which a node's
// cosFar serves its children in the nearest search. 10, 20 and 40
// measured alike on both workloads; each node its own cosFar everywhere
// was 4% slower on the uniform one and 7% on the clustered one, the
// parent's everywhere (no limit) 10% slower on the uniform one.
const sharedCosSpan = 20

// nodeHavs writes a lower bound of the haversine (hav) from the query to
// any point in the box of each of nds, with no trigonometry. With Δφ the latitude gap and
// Δλ the longitude gap (circular) to the box, any point inside has
// sin²(d/2) = sin²(Δφ'/2) + cos φ₁ cos φ₂ sin²(Δλ'/2) with Δφ' >= Δφ,
// Δλ' >= Δλ and cos φ₂ >= nd.cosFar; sinBelow bounds the sines from
// below (a gap of 0 where the query's parallel or meridian crosses the
// box). hav grows with the distance, so the search ranks and prunes
// nodes by it without an arc. It takes a run of nodes (a node's
// children) and writes to out, one call for them all rather than one
// each.
//
// cosFar >= 0 is a lower bound of cos φ₂ for all of nds (their parent's
// cosFar), which spares each its own; cosFar < 0 asks for each node's
// own. The parent's is as good where its latitudes span a few degrees,
// and costs a quarter of the bound's arithmetic less; over the large
// boxes near the root it would often be 0 (a box reaching a pole) and
// bound nothing by longitude.
func (s *searcher) nodeHavs(nds []node, cosFar float64, out []float64) {
	out = out[:len(nds)]
	for i := range nds {
		nd := &nds[i]
		// Scalars, not arrays: arrays built on the stack and read back
		// whole stall the loads. No branches: which case a node falls in
		// is as good as random, and a mispredicted branch costs more than
		// the arithmetic it would skip.
		minLon, minLat := float64(nd.min[0]), float64(nd.min[1])
		maxLon, maxLat := float64(nd.max[0]), float64(nd.max[1])
		gapLat := max(minLat-s.latDeg, s.latDeg-maxLat, 0)
		// West and east of the query's meridian: at most one is positive
		// (then the query is outside the box's longitudes, and the gap is
		// that one or the way round the other side, whichever is less).
		w, e := minLon-s.lonDeg, s.lonDeg-maxLon
		gapLon := max(0, min(max(w, e), 360+min(w, e)))
		if cosFar >= 0 {
			out[i] = s.havOf(sinBelow(gapLat*(degToRad/2)), sinBelow(gapLon*(degToRad/2)), cosFar)
			continue
		}
		c := max(0, cosPoly(max(abs64(minLat), abs64(maxLat))*degToRad))
		h := s.havOf(sinBelow(gapLat*(degToRad/2)), sinBelow(gapLon*(degToRad/2)), c)
		// A large box, near the root: it lies in the lune of the
		// longitudes gapLon or more from the query's, whose nearest
		// point is on a meridian bounding it, at least
		// asin(cos φ₁ sin gapLon) away (for gapLon <= 90°; the lune
		// shrinks beyond): hav >= (cos φ₁ sin gapLon)²/4. Where the box
		// reaches a pole, c is 0 and this is the only longitude bound.
		x := s.cosLat * sinBelow(min(gapLon*degToRad, math.Pi/2))
		out[i] = max(h, (x*x*0.25)*(1-1e-9)-1e-20)
	}
}

func abs64(x float64) float64 { return math.Float64frombits(math.Float64bits(x) &^ (1 << 63)) }

// nodeHavAbove reports whether nodeHavs' bound for nd alone (its own
// cosFar) exceeds cut. It is the form for one node at a time, as a
// circle walk tests them: it stops at the latitude term when that is
// enough, and where the query's meridian crosses the box, which a run of
// a node's children, the nearest search's case, does not gain by.
func (s *searcher) nodeHavAbove(nd *node, cut float64) bool {
	minLon, minLat := float64(nd.min[0]), float64(nd.min[1])
	maxLon, maxLat := float64(nd.max[0]), float64(nd.max[1])
	var a float64 // sinBelow of half the latitude gap
	switch {
	case s.latDeg < minLat:
		a = sinBelow((minLat - s.latDeg) * (degToRad / 2))
	case s.latDeg > maxLat:
		a = sinBelow((s.latDeg - maxLat) * (degToRad / 2))
	}
	h := s.havOf(a, 0, 0)
	if h > cut {
		return true
	}
	if s.lonDeg >= minLon && s.lonDeg <= maxLon {
		return false
	}
	dLon := min(circDeg(s.lonDeg-minLon), circDeg(s.lonDeg-maxLon))
	return s.havOf(a, sinBelow(dLon*(degToRad/2)), nd.cosFar()) > cut
}

// pointHav is nodeHavs' bound for the box holding only pt, with cosFar
// that of a box around it.
func (s *searcher) pointHav(pt [2]float64, cosFar float64) float64 {
	return s.havOf(sinBelow(math.Abs(pt[1]-s.latDeg)*(degToRad/2)), sinBelow(circDeg(s.lonDeg-pt[0])*(degToRad/2)), cosFar)
}

// havOf is the bound of nodeHavs from a and b, lower bounds of the sines
// of half the latitude and longitude gaps, and cosFar, a lower bound of
// the cosine of the far point's latitude, less a relative 1e-9 and an
// absolute 1e-20 for rounding: the latter covers the 1e-15 rad by which
// hav's and the bounds' angle differences may differ, at distances under
// a few millimetres.
func (s *searcher) havOf(a, b, cosFar float64) float64 {
	return (a*a+s.cosLat*cosFar*b*b)*(1-1e-9) - 1e-20
}

// circleHolds reports whether every point of nd's box is within s.radius
// of the query, so that a count can take the node whole: the box must
// lie within 90° of longitude of the query, where the distance over it
// is largest at a corner (see inscribed), and an upper bound of each
// corner's haversine (havAbove) must be within the circle's (hRadiusIn,
// whose margin rounding cannot cross). The bounds cost no trigonometry;
// four exact distances were a third of a count within 15 km.
func (s *searcher) circleHolds(nd *node) bool {
	lo, hi := nd.lo(), nd.hi()
	if hi[0]-lo[0] >= 90 || circDeg(s.lonDeg-lo[0]) >= 90 || circDeg(s.lonDeg-hi[0]) >= 90 {
		return false
	}
	in := s.hRadiusIn
	return s.havAbove(lo) <= in && s.havAbove(hi) <= in &&
		s.havAbove([2]float64{lo[0], hi[1]}) <= in && s.havAbove([2]float64{hi[0], lo[1]}) <= in
}

// havAbove is an upper bound of the haversine (hav) from the query to pt,
// with no trigonometry: nodeHavs' formula with the sines bounded above by
// y − y³/3! + y⁵/5! and cos φ₂ by 1 − x²/2! + x⁴/4! − x⁶/6! + x⁸/8!, Taylor
// polynomials that end on a positive term of an alternating series whose
// terms shrink there, plus a relative 1e-9 and an absolute 1e-20 for
// rounding (as havOf's, the other way). Within a few hundred kilometres
// it is within a relative 1e-4 of hav at most (the cosine's x⁸ term near
// 80° of latitude; far less nearer the equator), so that it settles all
// but the points within centimetres of a circle's edge.
func (s *searcher) havAbove(pt [2]float64) float64 {
	a := sinAbove(abs64(pt[1]-s.latDeg) * (degToRad / 2))
	b := sinAbove(circDeg(s.lonDeg-pt[0]) * (degToRad / 2))
	x := pt[1] * degToRad
	x4 := (x * x) * (x * x)
	c := min(1, cosPoly(x)+x4*x4*(1.0/40320))
	return (a*a+s.cosLat*c*b*b)*(1+1e-9) + 1e-20
}

// havBelow is a lower bound of the haversine from the query to pt, with
// no trigonometry: nodeHavs' bound for the box holding only pt.
func (s *searcher) havBelow(pt [2]float64) float64 {
	return s.pointHav(pt, cosBelow(abs64(pt[1])*degToRad))
}

// sinAbove is an upper bound of sin(y) for y in [0, π/2]: the Taylor
// polynomial y − y³/3! + y⁵/5! (see sinBelow).
func sinAbove(y float64) float64 {
	y2 := y * y
	return y * (1 - y2*(1.0/6)*(1-y2*(1.0/20)))
}

// circDeg is the circular distance of a longitude difference in
// [-360, 360] degrees, in [0, 180].
func circDeg(x float64) float64 {
	x = abs64(x)
	return min(x, 360-x)
}

// sinBelow is a lower bound of sin(y) for y in [0, π/2], within 7.5%
// relative at π/2, 5.4e-4 at 1/2 and 1e-10 at 1/100 (a gap of 127 km, as
// far as a nearest search's bounds usually matter): the Taylor
// polynomial y − y³/3!, which ends on a negative term of an alternating
// series whose terms shrink there. It costs two multiplications where
// math.Sin costs a range reduction.
func sinBelow(y float64) float64 {
	return y * (1 - y*y*(1.0/6))
}

// Within returns every accepted point within radius meters of p
// (Meters <= radius), nearest first, ties by ascending slot. accept nil
// accepts all. A negative or NaN radius or an invalid p gives nil.
func (ix *Index) Within(p orb.Point, radius float64, accept func(slot uint32) bool) []Hit {
	if ix.Len() == 0 || !validPoint(p) || !(radius >= 0) {
		return nil
	}
	s := getSearcher(p, accept)
	defer putSearcher(s)
	s.reset(0)
	s.radius = radius
	ix.walkCircle(s, false)
	out := slices.Clone(s.hits)
	slices.SortFunc(out, compareHits)
	return out
}

// AppendWithin is Within appending to dst, for callers that reuse a
// buffer; it returns the extended slice.
func (ix *Index) AppendWithin(dst []Hit, p orb.Point, radius float64, accept func(slot uint32) bool) []Hit {
	if ix.Len() == 0 || !validPoint(p) || !(radius >= 0) {
		return dst
	}
	s := getSearcher(p, accept)
	defer putSearcher(s)
	s.reset(0)
	s.radius = radius
	ix.walkCircle(s, false)
	n := len(dst)
	dst = append(dst, s.hits...)
	slices.SortFunc(dst[n:], compareHits)
	return dst
}

// CountWithin is len(Within(p, radius, accept)) without computing,
// collecting or sorting the hits: a point inside the box inscribed in the
// circle needs no distance, and without accept a whole node inside that
// box counts at once.
func (ix *Index) CountWithin(p orb.Point, radius float64, accept func(slot uint32) bool) int {
	if ix.Len() == 0 || !validPoint(p) || !(radius >= 0) {
		return 0
	}
	s := getSearcher(p, accept)
	defer putSearcher(s)
	s.reset(0)
	s.radius = radius
	s.inside, s.hasInside = inscribed(p, radius)
	ix.walkCircle(s, true)
	return s.count
}

// walkCircle visits the points within s.radius of the query: counting
// them into s.count, or collecting them in s.hits.
func (ix *Index) walkCircle(s *searcher, count bool) {
	var boxes [2]orb.Bound
	nb, _ := boundAround(orb.Point{s.lonDeg, s.latDeg}, s.radius, &boxes)
	s.nAround = nb
	s.hRadius, s.hRadiusIn = havAround(s.radius)
	for i, b := range boxes[:nb] {
		s.around[i] = box{b.Min, b.Max}
	}
	if ix.over.Len() > 0 {
		visit := s.visitWithin
		if count {
			visit = s.visitCount
		}
		for _, b := range boxes[:nb] {
			ix.over.Search(b.Min, b.Max, visit)
		}
	}
	pk := ix.base
	if len(pk.pts) == 0 {
		return
	}
	top := len(pk.levels) - 1
	for j := range pk.levels[top] {
		if s.nearCircle(&pk.levels[top][j]) {
			ix.circleNode(s, top, j, count)
		}
	}
}

// nearCircle reports whether nd crosses a box around the circle.
func (s *searcher) nearCircle(nd *node) bool {
	return s.around[0].crossesNode(nd) || (s.nAround == 2 && s.around[1].crossesNode(nd))
}

func (ix *Index) circleNode(s *searcher, l, j int, count bool) {
	pk := ix.base
	nd := &pk.levels[l][j]
	// The boxes around the circle reject most nodes with four comparisons;
	// the distance bound rejects those near their corners.
	// The caller checked that nd crosses a box around the circle.
	if s.nodeHavAbove(nd, s.hRadius) {
		return
	}
	lo := j * span(l)
	if count && s.accept == nil && ((s.hasInside && s.inside.holdsNode(nd)) ||
		((s.around[0].holdsNode(nd) || (s.nAround == 2 && s.around[1].holdsNode(nd))) && s.circleHolds(nd))) {
		hi := min(lo+span(l), len(pk.pts))
		s.count += hi - lo
		if ix.dead != nil {
			s.count -= ix.dead.countIn(lo, hi)
		}
		return
	}
	if l > 0 {
		kids := pk.levels[l-1]
		var near [fanOut]int
		n := 0
		// One box around the circle, the usual case, tested on its own
		// from a copy the loop keeps in registers.
		b0, two := s.around[0], s.nAround == 2
		for c := j * fanOut; c < min((j+1)*fanOut, len(kids)); c++ {
			if b0.crossesNode(&kids[c]) || (two && s.around[1].crossesNode(&kids[c])) {
				near[n] = c
				n++
				pk.prefetchUnder(l-1, c)
			}
		}
		for _, c := range near[:n] {
			ix.circleNode(s, l-1, c, count)
		}
		return
	}
	inside := count && s.hasInside && s.inside.holdsNode(nd)
	b0, two := s.around[0], s.nAround == 2
	for i := lo; i < min(lo+leafSize, len(pk.pts)); i++ {
		// The slot is read only for a point that may count: most points of
		// a leaf are outside the boxes around the circle.
		pt := pk.pts[i]
		if (!inside && !(b0.holds(pt, pt) || (two && s.around[1].holds(pt, pt)))) || (ix.dead != nil && ix.dead.has(i)) {
			continue
		}
		if count {
			s.countPoint(pt, i, pk.slots)
		} else {
			s.collectPoint(pt, i, pk.slots)
		}
	}
}

// nearAround reports whether pt is inside a box around the circle: the
// four comparisons that spare most points of a leaf their distance.
func (s *searcher) nearAround(pt [2]float64) bool {
	return s.around[0].holds(pt, pt) || (s.nAround == 2 && s.around[1].holds(pt, pt))
}

// collectPoint collects pt, slots[i], if it is within the circle. Its
// callers give it only points inside a box around the circle.
func (s *searcher) collectPoint(pt [2]float64, i int, slots []uint32) {
	h := hav(s.lat, s.lon, s.cosLat, orb.Point(pt))
	if h > s.hRadius {
		return
	}
	if d := havMeters(h); d <= s.radius && (s.accept == nil || s.accept(slots[i])) {
		s.hits = append(s.hits, Hit{Slot: slots[i], Meters: d})
	}
}

// countPoint counts pt if it is within the circle: at once inside the
// inscribed box; by bounds of its haversine without trigonometry when
// those are clearly inside or out (havAbove, havBelow against hRadiusIn,
// hRadius), which is all but the points within centimetres of the edge;
// by the haversine when that is clearly inside or out; by its exact
// Distance only in between. Each step decides as the next would.
func (s *searcher) countPoint(pt [2]float64, i int, slots []uint32) {
	if !(s.hasInside && s.inside.holds(pt, pt)) {
		if !s.nearAround(pt) || s.havBelow(pt) > s.hRadius {
			return
		}
		if s.havAbove(pt) > s.hRadiusIn {
			h := hav(s.lat, s.lon, s.cosLat, orb.Point(pt))
			if h > s.hRadius || (h > s.hRadiusIn && havMeters(h) > s.radius) {
				return
			}
		}
	}
	if s.accept == nil || s.accept(slots[i]) {
		s.count++
	}
}

// box is a lon/lat box with Min.X <= Max.X.
type box struct{ min, max [2]float64 }

// holds reports whether the box [min, max] lies inside b.
func (b box) holds(min, max [2]float64) bool {
	return min[0] >= b.min[0] && max[0] <= b.max[0] && min[1] >= b.min[1] && max[1] <= b.max[1]
}

// holdsNode and crossesNode are holds and crosses for a node's box, read
// field by field (see nodeHavs).
func (b box) holdsNode(nd *node) bool {
	return float64(nd.min[0]) >= b.min[0] && float64(nd.max[0]) <= b.max[0] &&
		float64(nd.min[1]) >= b.min[1] && float64(nd.max[1]) <= b.max[1]
}

func (b box) crossesNode(nd *node) bool {
	return float64(nd.min[0]) <= b.max[0] && float64(nd.max[0]) >= b.min[0] &&
		float64(nd.min[1]) <= b.max[1] && float64(nd.max[1]) >= b.min[1]
}

func (b box) crosses(min, max [2]float64) bool {
	return min[0] <= b.max[0] && max[0] >= b.min[0] && min[1] <= b.max[1] && max[1] >= b.min[1]
}

// inscribed returns a lon/lat box around p inside the circle of radius
// meters, or ok false when none is worth using (a circle too large, or
// too near a pole or the ±180° meridian). The distance from p over a box
// less than 90° of longitude wide is largest at a corner (along a
// parallel it grows with the longitude gap; along a meridian it has no
// interior maximum), so the box is the one whose corners lie on the
// circle, shrunk by 0.1% so that rounding never puts a corner outside.
func inscribed(p orb.Point, meters float64) (b box, ok bool) {
	delta := meters / EarthRadius
	if !(delta > 0) || delta > 0.1 {
		return box{}, false
	}
	lat := p[1] * degToRad
	a := delta / math.Sqrt2
	lo, hi := lat-a, lat+a
	if lo < -80*degToRad || hi > 80*degToRad {
		return box{}, false
	}
	cmax := math.Max(math.Cos(lo), math.Cos(hi))
	if lo < 0 && hi > 0 {
		cmax = 1
	}
	sd, sa := math.Sin(delta/2), math.Sin(a/2)
	v := (sd*sd - sa*sa) / (math.Cos(lat) * cmax)
	if !(v > 0) {
		return box{}, false
	}
	bl := 2 * math.Asin(math.Min(1, math.Sqrt(v)))
	aDeg, bDeg := a*radToDeg*0.999, bl*radToDeg*0.999
	lon := normalizeLon(p[0])
	if lon-bDeg < -180 || lon+bDeg > 180 {
		return box{}, false
	}
	return box{min: [2]float64{lon - bDeg, p[1] - aDeg}, max: [2]float64{lon + bDeg, p[1] + aDeg}}, true
}

// InBound calls iter for every point inside b, edges included, until iter
// returns false. Min.X > Max.X means the box crosses the ±180° meridian:
// it is [Min.X, 180] plus [-180, Max.X]. Min.Y > Max.Y matches nothing.
// The order of the calls is unspecified.
func (ix *Index) InBound(b orb.Bound, iter func(slot uint32, p orb.Point) bool) {
	var parts [2]box
	for _, bx := range parts[:splitBound(b, &parts)] {
		if !ix.inBox(bx, iter) {
			return
		}
	}
}

// CountInBound is the number of accepted points InBound would visit,
// counting a node inside b at once when accept is nil.
func (ix *Index) CountInBound(b orb.Bound, accept func(slot uint32) bool) int {
	var parts [2]box
	n := 0
	for _, bx := range parts[:splitBound(b, &parts)] {
		if ix.over.Len() > 0 {
			ix.over.Search(bx.min, bx.max, func(_, _ [2]float64, slot uint32) bool {
				if accept == nil || accept(slot) {
					n++
				}
				return true
			})
		}
		if pk := ix.base; len(pk.pts) > 0 {
			top := len(pk.levels) - 1
			for j := range pk.levels[top] {
				n += ix.countBox(bx, top, j, accept)
			}
		}
	}
	return n
}

// splitBound writes b as one or two boxes with Min.X <= Max.X.
func splitBound(b orb.Bound, parts *[2]box) int {
	if b.Min[1] > b.Max[1] {
		return 0
	}
	if b.Min[0] <= b.Max[0] {
		parts[0] = box{b.Min, b.Max}
		return 1
	}
	parts[0] = box{b.Min, [2]float64{180, b.Max[1]}}
	parts[1] = box{[2]float64{-180, b.Min[1]}, b.Max}
	return 2
}

func (ix *Index) inBox(bx box, iter func(slot uint32, p orb.Point) bool) bool {
	stopped := false
	if ix.over.Len() > 0 {
		ix.over.Search(bx.min, bx.max, func(min, _ [2]float64, slot uint32) bool {
			if !iter(slot, orb.Point(min)) {
				stopped = true
			}
			return !stopped
		})
		if stopped {
			return false
		}
	}
	pk := ix.base
	if len(pk.pts) == 0 {
		return true
	}
	var walk func(l, j int) bool
	walk = func(l, j int) bool {
		nd := &pk.levels[l][j]
		if !bx.crossesNode(nd) {
			return true
		}
		if l > 0 {
			kids := pk.levels[l-1]
			var near [fanOut]int
			n := 0
			for c := j * fanOut; c < min((j+1)*fanOut, len(kids)); c++ {
				if bx.crossesNode(&kids[c]) {
					near[n] = c
					n++
					pk.prefetchUnder(l-1, c)
				}
			}
			for _, c := range near[:n] {
				if !walk(l-1, c) {
					return false
				}
			}
			return true
		}
		all := bx.holdsNode(nd)
		for i := j * leafSize; i < min((j+1)*leafSize, len(pk.pts)); i++ {
			if ix.dead != nil && ix.dead.has(i) {
				continue
			}
			if p := pk.pts[i]; (all || bx.holds(p, p)) && !iter(pk.slots[i], orb.Point(p)) {
				return false
			}
		}
		return true
	}
	top := len(pk.levels) - 1
	for j := range pk.levels[top] {
		if !walk(top, j) {
			return false
		}
	}
	return true
}

func (ix *Index) countBox(bx box, l, j int, accept func(uint32) bool) int {
	pk := ix.base
	nd := &pk.levels[l][j]
	if !bx.crossesNode(nd) {
		return 0
	}
	lo := j * span(l)
	all := bx.holdsNode(nd)
	if all && accept == nil {
		hi := min(lo+span(l), len(pk.pts))
		if ix.dead != nil {
			return hi - lo - ix.dead.countIn(lo, hi)
		}
		return hi - lo
	}
	n := 0
	if l > 0 {
		// The children are tested here, not each in a call of its own:
		// most of a box's nodes are wholly in or out of it, and those
		// crossing its edge have their lines asked for before the first
		// is visited.
		kids := pk.levels[l-1]
		var near [fanOut]int
		m := 0
		for c := j * fanOut; c < min((j+1)*fanOut, len(kids)); c++ {
			kid := &kids[c]
			if !bx.crossesNode(kid) {
				continue
			}
			if accept == nil && ix.dead == nil && bx.holdsNode(kid) {
				n += min((c+1)*span(l-1), len(pk.pts)) - c*span(l-1)
				continue
			}
			near[m] = c
			m++
			pk.prefetchUnder(l-1, c)
		}
		for _, c := range near[:m] {
			n += ix.countBox(bx, l-1, c, accept)
		}
		return n
	}
	for i := lo; i < min(lo+leafSize, len(pk.pts)); i++ {
		if ix.dead != nil && ix.dead.has(i) {
			continue
		}
		if p := pk.pts[i]; (all || bx.holds(p, p)) && (accept == nil || accept(pk.slots[i])) {
			n++
		}
	}
	return n
}

// SetKeys gives each bulk-loaded point a key, keys[slot] (keys must
// cover every slot NewIndex was given), for LeastInBound: the owner's
// order of its records, say the rank of their ids. It may run while
// queries do (it publishes the table atomically), once per bulk load,
// and is shared by every Copy.
func (ix *Index) SetKeys(keys []uint32) {
	pk := ix.base
	t := &keyTable{byPos: make([]uint32, len(pk.pts)), least: make([][]uint32, len(pk.levels))}
	for i, slot := range pk.slots {
		t.byPos[i] = keys[slot]
	}
	below := t.byPos
	for l, lv := range pk.levels {
		least := make([]uint32, len(lv))
		size := fanOut
		if l == 0 {
			size = leafSize
		}
		for j := range lv {
			m := uint32(math.MaxUint32)
			for _, k := range below[j*size : min((j+1)*size, len(below))] {
				m = min(m, k)
			}
			least[j] = m
		}
		t.least[l] = least
		below = least
	}
	pk.keys.Store(t)
}

// keyed is an entry of LeastInBound's queue: a node (level >= 0) with
// the least key under it, or a point (level -1) with its key.
type keyed struct {
	key   uint32
	level int32
	j     int32 // node index, or point position
}

func lessKey(a, b keyed) bool { return a.key < b.key || (a.key == b.key && a.level < b.level) }

// LeastInBound calls fn with the bulk-loaded points inside b that accept
// takes (nil: all), least key first (see SetKeys), until fn returns false;
// points inserted since are not visited (InsertedInBound visits them). It
// reports false, visiting nothing, when no keys are set. Nodes are taken
// in order of the least key under them, so a first page of a few keys
// costs a few nodes, however many points b holds.
func (ix *Index) LeastInBound(b orb.Bound, accept func(slot uint32) bool, fn func(slot uint32) bool) bool {
	pk := ix.base
	t := pk.keys.Load()
	if t == nil {
		return false
	}
	if len(pk.pts) == 0 {
		return true
	}
	var parts [2]box
	bs := parts[:splitBound(b, &parts)]
	crosses := func(nd *node) (in, all bool) {
		for _, bx := range bs {
			if bx.crossesNode(nd) {
				if bx.holdsNode(nd) {
					return true, true
				}
				in = true
			}
		}
		return in, false
	}
	holds := func(p [2]float64) bool {
		for _, bx := range bs {
			if bx.holds(p, p) {
				return true
			}
		}
		return false
	}
	s := keyQueues.Get().(*[]keyed)
	q := (*s)[:0]
	defer func() {
		if cap(q) <= 1<<16 {
			*s = q[:0]
			keyQueues.Put(s)
		}
	}()
	top := len(pk.levels) - 1
	for j := range pk.levels[top] {
		if in, _ := crosses(&pk.levels[top][j]); in {
			q = append(q, keyed{t.least[top][j], int32(top), int32(j)})
			heapUp(q, len(q)-1, lessKey)
		}
	}
	for len(q) > 0 {
		e := q[0]
		q = heapPop(q, lessKey)
		if e.level < 0 {
			if slot := pk.slots[e.j]; (accept == nil || accept(slot)) && !fn(slot) {
				return true
			}
			continue
		}
		if e.level == 0 {
			first := int(e.j) * leafSize
			_, all := crosses(&pk.levels[0][e.j])
			for i := first; i < min(first+leafSize, len(pk.pts)); i++ {
				if (ix.dead == nil || !ix.dead.has(i)) && (all || holds(pk.pts[i])) {
					q = append(q, keyed{t.byPos[i], -1, int32(i)})
					heapUp(q, len(q)-1, lessKey)
				}
			}
			continue
		}
		kids := pk.levels[e.level-1]
		first := int(e.j) * fanOut
		for c := first; c < min(first+fanOut, len(kids)); c++ {
			if in, _ := crosses(&kids[c]); in {
				q = append(q, keyed{t.least[e.level-1][c], e.level - 1, int32(c)})
				heapUp(q, len(q)-1, lessKey)
			}
		}
	}
	return true
}

var keyQueues = sync.Pool{New: func() any { return new([]keyed) }}

// InsertedInBound calls iter for every point inserted since the bulk
// load inside b, until iter returns false (the points LeastInBound
// leaves out).
func (ix *Index) InsertedInBound(b orb.Bound, iter func(slot uint32, p orb.Point) bool) {
	if ix.over.Len() == 0 {
		return
	}
	var parts [2]box
	for _, bx := range parts[:splitBound(b, &parts)] {
		stopped := false
		ix.over.Search(bx.min, bx.max, func(min, _ [2]float64, slot uint32) bool {
			stopped = !iter(slot, orb.Point(min))
			return !stopped
		})
		if stopped {
			return
		}
	}
}

// compareHits orders by distance, then slot.
func compareHits(a, b Hit) int {
	switch {
	case a.Meters < b.Meters:
		return -1
	case a.Meters > b.Meters:
		return 1
	case a.Slot < b.Slot:
		return -1
	case a.Slot > b.Slot:
		return 1
	}
	return 0
}

// worse reports whether a ranks after b: the order of the heap of a
// search's best hits, whose top is the worst of them.
func worse(a, b Hit) bool {
	return a.Meters > b.Meters || (a.Meters == b.Meters && a.Slot > b.Slot)
}

// searcher holds one query's state. Searchers are pooled and their visit
// functions bound once, so a query allocates nothing but its result.
type searcher struct {
	lat, lon, cosLat float64 // query point, radians
	latDeg, lonDeg   float64 // query point, degrees, lon normalized
	accept           func(uint32) bool
	k                int
	radius           float64
	hRadius          float64 // havAtMost(radius)
	hRadiusIn        float64 // havWithin(radius)
	limit            float64
	count            int
	inside           box // inscribed in the circle, when hasInside
	hasInside        bool
	around           [2]box // the boxes around the circle (boundAround), nAround of them
	nAround          int
	// hits is, for Within, all hits in visit order.
	hits []Hit
	// best is, for Nearest, a max-heap of the k best (worst at 0); hLimit
	// is havAtMost(limit), and hPrune the haversine beyond which nothing
	// can enter best (hLimit, or less once best holds k).
	best        []ranked
	hLimit      float64
	hPrune      float64
	queue       []queued
	pending     []queued // nodes bound for the queue (see nearestPacked)
	visitWithin func(min, max [2]float64, slot uint32) bool
	visitCount  func(min, max [2]float64, slot uint32) bool
	boxDist     func(min, max [2]float64, slot uint32, item bool) float64
	nearbyVisit func(min, max [2]float64, slot uint32, d float64) bool
}

var searchers = sync.Pool{New: func() any {
	s := new(searcher)
	s.visitWithin = func(min, _ [2]float64, slot uint32) bool { s.collectPoint(min, 0, []uint32{slot}); return true }
	s.visitCount = func(min, _ [2]float64, slot uint32) bool { s.countPoint(min, 0, []uint32{slot}); return true }
	s.boxDist = s.lowerBound
	s.nearbyVisit = s.bestFirstVisit
	return s
}}

func getSearcher(p orb.Point, accept func(uint32) bool) *searcher {
	s := searchers.Get().(*searcher)
	// Exactly the expressions of Distance, so distances are bit-identical.
	s.lat, s.lon, s.cosLat = p[1]*degToRad, p[0]*degToRad, math.Cos(p[1]*degToRad)
	s.latDeg, s.lonDeg = p[1], normalizeLon(p[0])
	s.accept = accept
	return s
}

func putSearcher(s *searcher) {
	s.accept = nil
	if cap(s.hits) > 1024 {
		s.hits = nil // do not pin big buffers in the pool
	}
	if cap(s.best) > 1024 {
		s.best = nil
	}
	searchers.Put(s)
}

func (s *searcher) reset(k int) {
	s.k = k
	s.hits = s.hits[:0]
	s.best = s.best[:0]
	s.count = 0
	s.hasInside = false
	s.limit = math.Inf(1)
}

// latGapMeters is a cheap lower bound on the distance to a point at lat
// (degrees): the meridian distance between the two latitudes, shrunk by a
// relative 1e-9 to stay below Distance's rounding.
func (s *searcher) latGapMeters(lat float64) float64 {
	return math.Abs(lat*degToRad-s.lat) * EarthRadius * (1 - 1e-9)
}

// bestFirstVisit takes the points of the tidwall tree (the points
// inserted since the bulk load) in order of distance into the k best.
func (s *searcher) bestFirstVisit(min, _ [2]float64, slot uint32, d float64) bool {
	full := len(s.best) == s.k
	if d > s.limit || (full && d > s.best[0].meters()) {
		return false // everything left is at least d away
	}
	if s.accept != nil && !s.accept(slot) {
		return true
	}
	if h := (Hit{Slot: slot, Meters: d}); !full || worse(s.best[0].Hit, h) {
		s.keep(ranked{h, hav(s.lat, s.lon, s.cosLat, orb.Point(min))})
	}
	return true
}

// lowerBound is, for an item, its exact Distance from the query and, for
// a node's box, a lower bound of the Distance of anything inside it: the
// exact great-circle distance to the box, less a 1e-9 relative and 1 µm
// margin for rounding.
func (s *searcher) lowerBound(min, max [2]float64, _ uint32, item bool) float64 {
	if item {
		return haversine(s.lat, s.lon, s.cosLat, orb.Point(min))
	}
	lon, lat := s.lon*radToDeg, s.lat*radToDeg
	var d float64
	if lon >= min[0] && lon <= max[0] {
		// A meridian of the box passes the query: go straight north/south.
		switch {
		case lat < min[1]:
			d = (min[1] - lat) * degToRad * EarthRadius
		case lat > max[1]:
			d = (lat - max[1]) * degToRad * EarthRadius
		default:
			return 0
		}
	} else {
		// The nearest point lies on the meridian edge nearer in longitude;
		// along it cos(distance) = C·cos(t − t*), so the nearest latitude is
		// t* clamped (circularly) to the edge.
		edge := min[0]
		dl := wrapRad((lon - min[0]) * degToRad)
		if d2 := wrapRad((lon - max[0]) * degToRad); math.Abs(d2) < math.Abs(dl) {
			edge, dl = max[0], d2
		}
		t := math.Atan2(math.Sin(s.lat), s.cosLat*math.Cos(dl))
		lo, hi := min[1]*degToRad, max[1]*degToRad
		if t < lo || t > hi {
			if math.Abs(wrapRad(t-lo)) < math.Abs(wrapRad(t-hi)) {
				t = lo
			} else {
				t = hi
			}
		}
		d = haversine(s.lat, s.lon, s.cosLat, orb.Point{edge, t * radToDeg})
	}
	return d*(1-1e-9) - 1e-6
}

// wrapRad maps an angle in radians to (-π, π].
func wrapRad(a float64) float64 {
	a = math.Mod(a, 2*math.Pi)
	if a > math.Pi {
		a -= 2 * math.Pi
	} else if a <= -math.Pi {
		a += 2 * math.Pi
	}
	return a
}

// hilbertD is the position of cell (x, y) along a Hilbert curve over
// the 2^16 × 2^16 grid.
func hilbertD(x, y uint32) uint32 {
	const n = curveSide
	var d uint32
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		// rotate the quadrant
		if ry == 0 {
			if rx == 1 {
				x = n - 1 - x
				y = n - 1 - y
			}
			x, y = y, x
		}
	}
	return d
}

// radixSort sorts keys ascending by their upper 32 bits (the Hilbert key),
// keeping input order (ascending slot) among equal keys. It is an LSD
// radix sort, several times faster than a comparison sort at 10^6 keys.
func radixSort(keys []uint64) {
	if len(keys) < 256 {
		slices.Sort(keys)
		return
	}
	buf := make([]uint64, len(keys))
	src, dst := keys, buf
	for shift := uint(32); shift < 64; shift += 8 {
		var count [256]int
		for _, k := range src {
			count[(k>>shift)&0xff]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range src {
			b := (k >> shift) & 0xff
			dst[count[b]] = k
			count[b]++
		}
		src, dst = dst, src
	}
	// Four passes: the sorted data is back in keys.
}
