package geo

import (
	"math"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// RTreeBaseline is the index the packed tree replaced (commit 6294ccc's
// geo/index.go: a tidwall/rtree filled in Hilbert order, an expanding-box
// nearest search with a best-first fallback), kept in the tests so that
// one benchmark run measures old and new side by side on the same points.
// Its answers are the same as Index's (TestRTreeBaselineAgrees).
type RTreeBaseline struct {
	tr *rtree.RTreeG[uint32]
}

// NewRTreeBaseline bulk-loads points as the old NewIndex did.
func NewRTreeBaseline(points []orb.Point) *RTreeBaseline {
	ix := &RTreeBaseline{tr: new(rtree.RTreeG[uint32])}
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

// hilbertKey is the key the old NewIndex sorted by: the curve over the
// whole lon/lat plane.
func hilbertKey(lon, lat float64) uint32 {
	return curveOver(box{[2]float64{-180, -90}, [2]float64{180, 90}}).key(lon, lat)
}

// baseMaxRounds bounds the expanding-box rounds before the best-first search.
const baseMaxRounds = 12

// AppendNearest is the old Nearest appending to dst.
func (ix *RTreeBaseline) AppendNearest(dst []Hit, p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) []Hit {
	n := ix.tr.Len()
	if k <= 0 || n == 0 || !validPoint(p) || math.IsNaN(maxMeters) {
		return dst
	}
	limit := maxMeters
	if limit <= 0 {
		limit = math.Inf(1)
	}
	k = min(k, n)
	s := getBaseSearcher(p, accept)
	defer putBaseSearcher(s)
	r := math.Min(ix.startRadius(k), limit)
	var boxes [2]orb.Bound
	for round := 0; ; round++ {
		if round == baseMaxRounds {
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
			ix.bestFirst(s, k, limit)
			break
		}
		if full || r >= limit || (len(s.hits) == k && s.hits[0].Meters <= r) {
			break
		}
		switch m := len(s.hits); {
		case m == k:
			r = s.hits[0].Meters
		case m == 0:
			r *= 4
		default:
			r *= math.Min(4, math.Max(1.5, math.Sqrt(2*float64(k)/float64(m))))
		}
		r = math.Min(r, limit)
	}
	at := len(dst)
	for _, h := range s.hits {
		if h.Meters <= limit {
			dst = append(dst, h)
		}
	}
	slices.SortFunc(dst[at:], compareHits)
	return dst
}

// Nearest is the old Nearest.
func (ix *RTreeBaseline) Nearest(p orb.Point, k int, maxMeters float64, accept func(slot uint32) bool) []Hit {
	return ix.AppendNearest(nil, p, k, maxMeters, accept)
}

// Within is the old Within.
func (ix *RTreeBaseline) Within(p orb.Point, radius float64, accept func(slot uint32) bool) []Hit {
	if ix.tr.Len() == 0 || !validPoint(p) || !(radius >= 0) {
		return nil
	}
	s := getBaseSearcher(p, accept)
	defer putBaseSearcher(s)
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

// InBound is the old InBound.
func (ix *RTreeBaseline) InBound(b orb.Bound, iter func(slot uint32, p orb.Point) bool) {
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

func (ix *RTreeBaseline) bestFirst(s *baseSearcher, k int, limit float64) {
	s.reset(k)
	s.limit = limit
	ix.tr.Nearby(s.boxDist, s.nearbyVisit)
}

func (ix *RTreeBaseline) startRadius(k int) float64 {
	min, max := ix.tr.Bounds()
	area := EarthRadius * EarthRadius * (max[0] - min[0]) * degToRad *
		(math.Sin(max[1]*degToRad) - math.Sin(min[1]*degToRad))
	r := math.Sqrt(2 * float64(k) * area / (math.Pi * float64(ix.tr.Len())))
	if !(r >= 1) {
		r = 1
	}
	return r
}

type baseSearcher struct {
	lat, lon, cosLat float64
	accept           func(uint32) bool
	k                int
	radius           float64
	limit            float64
	budget, visited  int
	aborted          bool
	hits             []Hit
	visitK           func(min, max [2]float64, slot uint32) bool
	visitWithin      func(min, max [2]float64, slot uint32) bool
	boxDist          func(min, max [2]float64, slot uint32, item bool) float64
	nearbyVisit      func(min, max [2]float64, slot uint32, d float64) bool
}

var baseSearchers = sync.Pool{New: func() any {
	s := new(baseSearcher)
	s.visitK = s.nearestVisit
	s.visitWithin = s.withinVisit
	s.boxDist = s.lowerBound
	s.nearbyVisit = s.bestFirstVisit
	return s
}}

func getBaseSearcher(p orb.Point, accept func(uint32) bool) *baseSearcher {
	s := baseSearchers.Get().(*baseSearcher)
	s.lat, s.lon, s.cosLat = p[1]*degToRad, p[0]*degToRad, math.Cos(p[1]*degToRad)
	s.accept = accept
	return s
}

func putBaseSearcher(s *baseSearcher) {
	s.accept = nil
	if cap(s.hits) > 1024 {
		s.hits = nil
	}
	baseSearchers.Put(s)
}

func (s *baseSearcher) reset(k int) {
	s.k = k
	s.hits = s.hits[:0]
	s.visited, s.aborted = 0, false
}

func (s *baseSearcher) latGapMeters(lat float64) float64 {
	return math.Abs(lat*degToRad-s.lat) * EarthRadius * (1 - 1e-9)
}

func (s *baseSearcher) nearestVisit(min, _ [2]float64, slot uint32) bool {
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

func (s *baseSearcher) bestFirstVisit(min, _ [2]float64, slot uint32, d float64) bool {
	full := len(s.hits) == s.k
	if d > s.limit || (full && d > s.hits[0].Meters) {
		return false
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

// lowerBound is the old searcher's box distance, as it was.
func (s *baseSearcher) lowerBound(min, max [2]float64, _ uint32, item bool) float64 {
	if item {
		return haversine(s.lat, s.lon, s.cosLat, orb.Point(min))
	}
	lon, lat := s.lon*radToDeg, s.lat*radToDeg
	var d float64
	if lon >= min[0] && lon <= max[0] {
		switch {
		case lat < min[1]:
			d = (min[1] - lat) * degToRad * EarthRadius
		case lat > max[1]:
			d = (lat - max[1]) * degToRad * EarthRadius
		default:
			return 0
		}
	} else {
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

func (s *baseSearcher) withinVisit(min, _ [2]float64, slot uint32) bool {
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

// TestRTreeBaselineAgrees checks that the baseline benchmarks measure the
// same answers: the old index and the packed one agree query for query.
func TestRTreeBaselineAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(seed + 11))
	pts := randData(rng, 3000)
	ix, base := NewIndex(pts), NewRTreeBaseline(pts)
	for q := 0; q < 300; q++ {
		p := randPoint(rng)
		k := 1 + rng.Intn(12)
		for name, acc := range acceptors() {
			if got, want := base.Nearest(p, k, 0, acc), ix.Nearest(p, k, 0, acc); !slices.Equal(got, want) {
				t.Fatalf("accept=%s: baseline Nearest(%v, %d) = %v; Index gives %v", name, p, k, got, want)
			}
		}
		r := math.Pow(10, 2+rng.Float64()*4)
		if got, want := base.Within(p, r, nil), ix.Within(p, r, nil); !slices.Equal(got, want) {
			t.Fatalf("baseline Within(%v, %v) = %v; Index gives %v", p, r, got, want)
		}
		b := orb.Bound{Min: p, Max: orb.Point{p[0] + rng.Float64()*20, p[1] + rng.Float64()*20}}
		if got, want := base.countInBound(b), ix.CountInBound(b, nil); got != want {
			t.Fatalf("baseline count in %v = %d; Index gives %d", b, got, want)
		}
	}
}

func (ix *RTreeBaseline) countInBound(b orb.Bound) int {
	n := 0
	ix.InBound(b, func(uint32, orb.Point) bool { n++; return true })
	return n
}
