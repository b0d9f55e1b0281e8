package geo

import (
	"math"
	"slices"
	"sync"

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

// Index is an R-tree (tidwall/rtree) of points addressed by slot numbers,
// answering exact great-circle nearest, radius and box queries anywhere on
// Earth, the poles and the ±180° meridian included.
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
	tr *rtree.RTreeG[uint32]
}

// NewIndex bulk-loads points; point i gets slot i. Points are inserted in
// Hilbert-curve order, which packs the tree far better than input order
// and makes queries several times faster. Points that are not finite or
// have |lat| > 90 are left out (their slots are never returned); other
// longitudes are normalized to [-180, 180].
func NewIndex(points []orb.Point) *Index {
	ix := &Index{tr: new(rtree.RTreeG[uint32])}
	if len(points) == 0 {
		return ix
	}
	// key<<32 | slot: sorting the uint64s sorts by curve position, then slot.
	keys := make([]uint64, 0, len(points))
	for i, p := range points {
		if !validPoint(p) {
			continue
		}
		keys = append(keys, uint64(hilbertKey(normalizeLon(p[0]), p[1]))<<32|uint64(uint32(i)))
	}
	radixSort(keys)
	for _, key := range keys {
		slot := uint32(key)
		p := points[slot]
		pt := [2]float64{normalizeLon(p[0]), p[1]}
		ix.tr.Insert(pt, pt, slot)
	}
	return ix
}

// Copy returns a copy-on-write clone in O(1); mutating the clone never
// affects ix, and queries on ix stay valid while the clone changes.
func (ix *Index) Copy() *Index {
	return &Index{tr: ix.tr.Copy()}
}

// Insert adds a point under slot. A point that is not finite or has
// |lat| > 90 is ignored. Inserting a slot twice stores it twice.
func (ix *Index) Insert(slot uint32, p orb.Point) {
	if !validPoint(p) {
		return
	}
	pt := [2]float64{normalizeLon(p[0]), p[1]}
	ix.tr.Insert(pt, pt, slot)
}

// Delete removes the point stored under slot at p (p must be the position
// it was inserted with). Deleting an absent point does nothing.
func (ix *Index) Delete(slot uint32, p orb.Point) {
	if !validPoint(p) {
		return
	}
	pt := [2]float64{normalizeLon(p[0]), p[1]}
	ix.tr.Delete(pt, pt, slot)
}

// Len is the number of points.
func (ix *Index) Len() int { return ix.tr.Len() }

// Bound is the smallest lon/lat box holding every point, read from the
// tree's root in constant time; ok is false when the index is empty.
func (ix *Index) Bound() (b orb.Bound, ok bool) {
	if ix.tr.Len() == 0 {
		return orb.Bound{}, false
	}
	min, max := ix.tr.Bounds()
	return orb.Bound{Min: orb.Point{min[0], min[1]}, Max: orb.Point{max[0], max[1]}}, true
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
// The search is an expanding box: it collects the k best accepted points
// inside BoundAround(p, r) and stops as soon as the k-th is within r, since
// every point outside the boxes is farther than r. r starts from the
// density of the index, so one round usually suffices.
func (ix *Index) Nearest(p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) []Hit {
	return ix.nearest(p, k, maxMeters, accept, maxRounds)
}

// nearest is Nearest with the number of expanding-box rounds to try before
// the best-first search; tests pass 0 to check the best-first path alone.
func (ix *Index) nearest(p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool, rounds int) []Hit {
	n := ix.tr.Len()
	if k <= 0 || n == 0 || !validPoint(p) || math.IsNaN(maxMeters) {
		return nil
	}
	limit := maxMeters
	if limit <= 0 {
		limit = math.Inf(1)
	}
	if k > n {
		k = n
	}
	s := getSearcher(p, accept)
	defer putSearcher(s)
	r := math.Min(ix.startRadius(k), limit)
	var boxes [2]orb.Bound
	for round := 0; ; round++ {
		if round == rounds {
			ix.bestFirst(s, k, limit)
			break
		}
		s.reset(k)
		s.budget = 128 + 16*k
		nb, full := boundAround(p, r, &boxes)
		for _, b := range boxes[:nb] {
			if ix.tr.Search(b.Min, b.Max, s.visitK); s.aborted {
				break
			}
		}
		if s.aborted {
			// Far more points in the box than needed: a dense cluster seen
			// from afar, where lon/lat boxes fit circles badly.
			ix.bestFirst(s, k, limit)
			break
		}
		if full || r >= limit || (len(s.hits) == k && s.hits[0].Meters <= r) {
			break
		}
		switch m := len(s.hits); {
		case m == k:
			// The k-th best so far bounds the answer: one more round ends it.
			r = s.hits[0].Meters
		case m == 0:
			r *= 4
		default:
			r *= math.Min(4, math.Max(1.5, math.Sqrt(2*float64(k)/float64(m))))
		}
		r = math.Min(r, limit)
	}
	out := make([]Hit, 0, len(s.hits))
	for _, h := range s.hits {
		if h.Meters <= limit {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, compareHits)
	return out
}

// Within returns every accepted point within radius meters of p
// (Meters <= radius), nearest first, ties by ascending slot. accept nil
// accepts all. A negative or NaN radius or an invalid p gives nil.
func (ix *Index) Within(p orb.Point, radius float64, accept func(slot uint32) bool) []Hit {
	if ix.tr.Len() == 0 || !validPoint(p) || !(radius >= 0) {
		return nil
	}
	s := getSearcher(p, accept)
	defer putSearcher(s)
	s.reset(0)
	s.radius = radius
	var boxes [2]orb.Bound
	nb, _ := boundAround(p, radius, &boxes)
	for _, b := range boxes[:nb] {
		ix.tr.Search(b.Min, b.Max, s.visitWithin)
	}
	out := slices.Clone(s.hits)
	slices.SortFunc(out, compareHits)
	return out
}

// InBound calls iter for every point inside b, edges included, until iter
// returns false. Min.X > Max.X means the box crosses the ±180° meridian:
// it is [Min.X, 180] plus [-180, Max.X]. Min.Y > Max.Y matches nothing.
// The order of the calls is unspecified.
func (ix *Index) InBound(b orb.Bound, iter func(slot uint32, p orb.Point) bool) {
	if b.Min[1] > b.Max[1] {
		return
	}
	stopped := false
	fn := func(min, _ [2]float64, slot uint32) bool {
		if !iter(slot, orb.Point(min)) {
			stopped = true
			return false
		}
		return true
	}
	if b.Min[0] <= b.Max[0] {
		ix.tr.Search(b.Min, b.Max, fn)
		return
	}
	ix.tr.Search(b.Min, [2]float64{180, b.Max[1]}, fn)
	if !stopped {
		ix.tr.Search([2]float64{-180, b.Min[1]}, b.Max, fn)
	}
}

// maxRounds bounds the expanding-box rounds of one Nearest before it
// falls back to the best-first search.
const maxRounds = 12

// bestFirst answers a Nearest query by rtree.Nearby: nodes in order of a
// lower bound of their great-circle distance (boxDist), items by their
// exact Distance. It is slower than the expanding box on even data (about
// 30 µs at 10^6 points) but its cost does not depend on how the points
// are spread, so it takes over when boxes would hold far too many points.
func (ix *Index) bestFirst(s *searcher, k int, limit float64) {
	s.reset(k)
	s.limit = limit
	ix.tr.Nearby(s.boxDist, s.nearbyVisit)
}

// startRadius guesses a radius in meters holding about 2k points, from the
// number of points and the spherical area of the tree's bounding box.
func (ix *Index) startRadius(k int) float64 {
	min, max := ix.tr.Bounds()
	area := EarthRadius * EarthRadius * (max[0] - min[0]) * degToRad *
		(math.Sin(max[1]*degToRad) - math.Sin(min[1]*degToRad))
	r := math.Sqrt(2 * float64(k) * area / (math.Pi * float64(ix.tr.Len())))
	if !(r >= 1) {
		r = 1
	}
	return r
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
	accept           func(uint32) bool
	k                int
	radius           float64
	limit            float64
	budget, visited  int  // accepted points a Nearest round may rank
	aborted          bool // the round ran over its budget
	// hits is, for Nearest, a max-heap of the k best (worst at 0); for
	// Within, all hits in visit order.
	hits        []Hit
	visitK      func(min, max [2]float64, slot uint32) bool
	visitWithin func(min, max [2]float64, slot uint32) bool
	boxDist     func(min, max [2]float64, slot uint32, item bool) float64
	nearbyVisit func(min, max [2]float64, slot uint32, d float64) bool
}

var searchers = sync.Pool{New: func() any {
	s := new(searcher)
	s.visitK = s.nearestVisit
	s.visitWithin = s.withinVisit
	s.boxDist = s.lowerBound
	s.nearbyVisit = s.bestFirstVisit
	return s
}}

func getSearcher(p orb.Point, accept func(uint32) bool) *searcher {
	s := searchers.Get().(*searcher)
	// Exactly the expressions of Distance, so distances are bit-identical.
	s.lat, s.lon, s.cosLat = p[1]*degToRad, p[0]*degToRad, math.Cos(p[1]*degToRad)
	s.accept = accept
	return s
}

func putSearcher(s *searcher) {
	s.accept = nil
	if cap(s.hits) > 1024 {
		s.hits = nil // do not pin big buffers in the pool
	}
	searchers.Put(s)
}

func (s *searcher) reset(k int) {
	s.k = k
	s.hits = s.hits[:0]
	s.visited, s.aborted = 0, false
}

// latGapMeters is a cheap lower bound on the distance to a point at lat
// (degrees): the meridian distance between the two latitudes, shrunk by a
// relative 1e-9 to stay below Distance's rounding.
func (s *searcher) latGapMeters(lat float64) float64 {
	return math.Abs(lat*degToRad-s.lat) * EarthRadius * (1 - 1e-9)
}

func (s *searcher) nearestVisit(min, _ [2]float64, slot uint32) bool {
	full := len(s.hits) == s.k
	if full && s.latGapMeters(min[1]) > s.hits[0].Meters {
		return true
	}
	if s.accept != nil && !s.accept(slot) {
		return true
	}
	if s.visited++; s.visited > s.budget {
		s.aborted = true
		return false
	}
	h := Hit{Slot: slot, Meters: haversine(s.lat, s.lon, s.cosLat, orb.Point(min))}
	if !full {
		s.hits = append(s.hits, h)
		heapUp(s.hits, len(s.hits)-1, worse)
	} else if worse(s.hits[0], h) {
		s.hits[0] = h
		heapDown(s.hits, 0, worse)
	}
	return true
}

func (s *searcher) bestFirstVisit(min, _ [2]float64, slot uint32, d float64) bool {
	full := len(s.hits) == s.k
	if d > s.limit || (full && d > s.hits[0].Meters) {
		return false // everything left is at least d away
	}
	if s.accept != nil && !s.accept(slot) {
		return true
	}
	h := Hit{Slot: slot, Meters: d}
	if !full {
		s.hits = append(s.hits, h)
		heapUp(s.hits, len(s.hits)-1, worse)
	} else if worse(s.hits[0], h) {
		s.hits[0] = h
		heapDown(s.hits, 0, worse)
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

func (s *searcher) withinVisit(min, _ [2]float64, slot uint32) bool {
	if s.latGapMeters(min[1]) > s.radius {
		return true
	}
	if s.accept != nil && !s.accept(slot) {
		return true
	}
	d := haversine(s.lat, s.lon, s.cosLat, orb.Point(min))
	if d <= s.radius {
		s.hits = append(s.hits, Hit{Slot: slot, Meters: d})
	}
	return true
}

// hilbertKey maps lon/lat to its position on a 2^16 × 2^16 Hilbert curve
// over the lon/lat plane; nearby keys are nearby points.
func hilbertKey(lon, lat float64) uint32 {
	const n = 1 << 16
	x := uint32(math.Min(n-1, math.Max(0, (lon+180)/360*n)))
	y := uint32(math.Min(n-1, math.Max(0, (lat+90)/180*n)))
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
