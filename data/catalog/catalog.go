package catalog

import (
	"container/heap"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/geo"
)

// Result is a record found from a query point.
type Result struct {
	Station *data.Station
	Meters  float64 // great-circle distance from the query point
	Bearing float64 // initial bearing from the query point, degrees from north
}

// Snapshot is an immutable, indexed set of records. Every method is safe
// for concurrent use; a change makes a new Snapshot and leaves this one intact.
type Snapshot struct {
	version  int64
	loadedAt time.Time
	slots    []*data.Station // by index slot; nil marks a free slot
	byID     map[string]uint32
	index    *geo.Index
}

// NewSnapshot indexes stations (which must have unique ids) at version.
func NewSnapshot(stations []*data.Station, version int64) *Snapshot {
	pts := make([]orb.Point, len(stations))
	byID := make(map[string]uint32, len(stations))
	slots := make([]*data.Station, len(stations))
	for i, st := range stations {
		pts[i] = st.Location
		byID[st.ID] = uint32(i)
		slots[i] = st
	}
	return &Snapshot{
		version:  version,
		loadedAt: time.Now(),
		slots:    slots,
		byID:     byID,
		index:    geo.NewIndex(pts),
	}
}

// Version is the change version the snapshot reflects (0 for file data).
func (s *Snapshot) Version() int64 { return s.version }

// LoadedAt is when the snapshot was built.
func (s *Snapshot) LoadedAt() time.Time { return s.loadedAt }

// Len is the number of records.
func (s *Snapshot) Len() int { return len(s.byID) }

// Bound is the smallest lon/lat box holding every record, or the whole
// world when there are none. It costs O(1): the index keeps it.
func (s *Snapshot) Bound() orb.Bound {
	if b, ok := s.index.Bound(); ok {
		return b
	}
	return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
}

// Get returns the record with id, or ErrNotFound.
func (s *Snapshot) Get(id string) (*data.Station, error) {
	slot, ok := s.byID[id]
	if !ok {
		return nil, data.ErrNotFound
	}
	return s.slots[slot], nil
}

func (s *Snapshot) accept(f data.Filter) func(uint32) bool {
	if f.AcceptsAll() {
		return nil
	}
	return func(slot uint32) bool { return f.Accepts(s.slots[slot]) }
}

func (s *Snapshot) results(p orb.Point, hits []geo.Hit) []Result {
	out := make([]Result, len(hits))
	for i, h := range hits {
		st := s.slots[h.Slot]
		out[i] = Result{Station: st, Meters: h.Meters, Bearing: geo.Bearing(p, st.Location)}
	}
	return out
}

// Nearest returns up to k records passing f, nearest to p first, no
// farther than maxMeters (<= 0: no limit).
func (s *Snapshot) Nearest(p orb.Point, k int, maxMeters float64, f data.Filter) []Result {
	return s.results(p, s.index.Nearest(p, k, maxMeters, s.accept(f)))
}

// Within returns every record passing f within radius meters of p, nearest first.
func (s *Snapshot) Within(p orb.Point, radius float64, f data.Filter) []Result {
	return s.results(p, s.index.Within(p, radius, s.accept(f)))
}

// InBound returns the records passing f inside b, ordered by id so that
// paging with offset and limit is stable, and the total number matched.
// A limit < 0 means no limit.
//
// Only the first offset+limit ids are kept, in a bounded max-heap, so a
// first page over a million matches costs one scan and no full sort.
func (s *Snapshot) InBound(b orb.Bound, f data.Filter, offset, limit int) (page []*data.Station, total int) {
	if limit < 0 {
		var hits []*data.Station
		s.Scan(b, f, func(st *data.Station) bool {
			hits = append(hits, st)
			return true
		})
		slices.SortFunc(hits, compareIDs)
		if offset >= len(hits) {
			return nil, len(hits)
		}
		return hits[offset:], len(hits)
	}
	keep := offset + limit
	h := idHeap{}
	s.Scan(b, f, func(st *data.Station) bool {
		total++
		switch {
		case len(h) < keep:
			heap.Push(&h, st)
		case keep > 0 && st.ID < h[0].ID:
			h[0] = st
			heap.Fix(&h, 0)
		}
		return true
	})
	slices.SortFunc(h, compareIDs)
	if offset >= len(h) {
		return nil, total
	}
	return h[offset:], total
}

func compareIDs(a, b *data.Station) int { return strings.Compare(a.ID, b.ID) }

// idHeap is a max-heap of records by id (container/heap): its root is the
// largest id kept.
type idHeap []*data.Station

func (h idHeap) Len() int           { return len(h) }
func (h idHeap) Less(i, j int) bool { return h[i].ID > h[j].ID }
func (h idHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idHeap) Push(x any)        { *h = append(*h, x.(*data.Station)) }
func (h *idHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	*h = old[:len(old)-1]
	return st
}

// Scan calls fn for every record passing f inside b, in no particular
// order, until fn returns false. It is InBound without the sort, for
// callers that visit everything anyway (vector tiles).
func (s *Snapshot) Scan(b orb.Bound, f data.Filter, fn func(*data.Station) bool) {
	s.index.InBound(b, func(slot uint32, _ orb.Point) bool {
		st := s.slots[slot]
		if f.Accepts(st) {
			return fn(st)
		}
		return true
	})
}

// Catalog holds the current snapshot. Readers call Snapshot and never
// block; a loader builds the next snapshot and calls Store.
type Catalog struct {
	current atomic.Pointer[Snapshot]
}

// NewCatalog returns a catalog serving snap.
func NewCatalog(snap *Snapshot) *Catalog {
	c := &Catalog{}
	c.current.Store(snap)
	return c
}

// Snapshot returns the current snapshot.
func (c *Catalog) Snapshot() *Snapshot { return c.current.Load() }

// Store makes snap the current snapshot.
func (c *Catalog) Store(snap *Snapshot) { c.current.Store(snap) }
