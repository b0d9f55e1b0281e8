package catalog

import (
	"slices"
	"strings"
	"sync"
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
//
// Records live in a compact store (see store) by slot, shared by every
// snapshot made from it by Apply. A change since the store was built is
// held beside it: plain maps a slot to its current record (nil once
// deleted), and added maps the ids the store does not know to their
// slots. Apply rebuilds the store when those grow past a fraction of the
// records. The methods that return *data.Station (Get, Nearest, Within,
// InBound, Scan) give records of their own that stay valid; the fast
// paths beside them (AppendNearest, AppendWithin, CountWithin,
// CountInBound, Load) give slots and read records into caller memory.
type Snapshot struct {
	version  int64
	loadedAt time.Time
	st       *store
	plain    map[uint32]*data.Station
	added    map[string]uint32
	slots    uint32 // slots in use: the store's, then those added since
	n        int    // live records
	// unfit is how many records the store could not hold and plain holds
	// from the start, so that they do not count as changes.
	unfit int
	index *geo.Index
}

// NewSnapshot indexes stations (which must have unique ids) at version.
func NewSnapshot(stations []*data.Station, version int64) *Snapshot {
	return build(len(stations), func(yield func(st *data.Station, scratch bool)) {
		for _, st := range stations {
			yield(st, false)
		}
	}, version)
}

// build makes a snapshot of the records each yields, at most n of them.
// A record yielded as scratch (read into memory that is reused) is copied
// if it has to be kept as it is.
func build(n int, each func(yield func(st *data.Station, scratch bool)), version int64) *Snapshot {
	b := newBuilder(n)
	s := &Snapshot{version: version, loadedAt: time.Now(), plain: map[uint32]*data.Station{}, added: map[string]uint32{}}
	pts := make([]orb.Point, 0, n)
	each(func(st *data.Station, scratch bool) {
		slot := uint32(len(pts))
		pts = append(pts, st.Location)
		if b.fits(st) {
			b.add(st)
			return
		}
		if scratch {
			st = detach(st)
		}
		b.skip()
		s.plain[slot] = st
		s.added[st.ID] = slot
	})
	// Slots follow the index's curve, so that the records of nearby
	// points lie side by side in the store: the five records a nearest
	// search finds are then read from a few cache lines, not five apart.
	order := geo.CurveOrder(pts)
	permuted := !inOrder(order)
	if permuted {
		moved := make([]orb.Point, len(pts))
		for i, old := range order {
			moved[i] = pts[old]
		}
		pts = moved
	}
	// The index is built from the points alone, beside the store's own
	// work on the records (a tenth to a fifth of a second each at a
	// million records).
	indexed := make(chan *geo.Index, 1)
	go func() { indexed <- geo.NewIndex(pts) }()
	if permuted {
		b.permute(order)
		if len(s.plain) > 0 {
			newSlot := make([]uint32, len(order))
			for i, old := range order {
				newSlot[old] = uint32(i)
			}
			plain := make(map[uint32]*data.Station, len(s.plain))
			for slot, st := range s.plain {
				plain[newSlot[slot]] = st
			}
			s.plain = plain
			for id, slot := range s.added {
				s.added[id] = newSlot[slot]
			}
		}
	}
	var ids int
	s.st, ids = b.finish(func(slot uint32) bool { _, p := s.plain[slot]; return !p })
	s.slots = uint32(len(pts))
	s.n = ids + len(s.added)
	s.unfit = len(s.plain)
	s.index = <-indexed
	if len(pts) >= rankMinRecords {
		go s.rankIDs()
	}
	return s
}

// inOrder reports whether order is the identity.
func inOrder(order []uint32) bool {
	for i, v := range order {
		if v != uint32(i) {
			return false
		}
	}
	return true
}

// rankIDs ranks the store's ids and gives the ranks to the index as the
// keys of its points, for paging by id (AppendInBound). Until it is done
// pages compare ids.
func (s *Snapshot) rankIDs() {
	s.st.rankIDs()
	s.index.SetKeys(s.st.idRanks())
}

// detach copies a record read into a Record, so that it stays valid when
// the Record is reused.
func detach(st *data.Station) *data.Station {
	c := *st
	for _, p := range [...]**int{&c.CapacityPerDay, &c.Beds, &c.TruckParkingSpaces, &c.AreaM2} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return &c
}

// Version is the change version the snapshot reflects (0 for file data).
func (s *Snapshot) Version() int64 { return s.version }

// LoadedAt is when the snapshot was built.
func (s *Snapshot) LoadedAt() time.Time { return s.loadedAt }

// Len is the number of records.
func (s *Snapshot) Len() int { return s.n }

// Bound is a lon/lat box holding every record (the smallest one until a
// record is deleted or moved), or the whole world when there are none. It
// costs O(1): the index keeps it.
func (s *Snapshot) Bound() orb.Bound {
	if b, ok := s.index.Bound(); ok {
		return b
	}
	return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
}

// slotOf is the slot of the live record with id.
func (s *Snapshot) slotOf(id string) (uint32, bool) {
	if slot, ok := s.added[id]; ok {
		return slot, true
	}
	slot, ok := s.st.lookup(id)
	if !ok {
		return 0, false
	}
	if st, p := s.plain[slot]; p && st == nil {
		return 0, false // deleted since the store was built
	}
	return slot, true
}

// Get returns the record with id, or ErrNotFound.
func (s *Snapshot) Get(id string) (*data.Station, error) {
	slot, ok := s.slotOf(id)
	if !ok {
		return nil, data.ErrNotFound
	}
	return s.Load(slot, new(Record)), nil
}

// Load returns the record in slot (a slot a fast path gave), read into r
// unless it is held as it is. The record is valid until r is reused.
func (s *Snapshot) Load(slot uint32, r *Record) *data.Station {
	if len(s.plain) > 0 {
		if st, ok := s.plain[slot]; ok {
			return st
		}
	}
	return s.st.load(slot, r)
}

// Prefetch touches the memory of the records of hits in the store
// before they are read one by one (Load): at a million records each one
// read is a cache miss or two, and touched together the misses overlap
// instead of following one another. It changes nothing.
func (s *Snapshot) Prefetch(hits []geo.Hit) { s.st.touch(hits) }

// id is the id of the record in slot, without reading the record.
func (s *Snapshot) id(slot uint32) string {
	if len(s.plain) > 0 {
		if st, ok := s.plain[slot]; ok {
			return st.ID
		}
	}
	return s.st.id(slot)
}

// Location is the position of the record in slot (a slot a fast path
// gave), without reading the record: for callers that need positions only.
func (s *Snapshot) Location(slot uint32) orb.Point { return s.location(slot) }

func (s *Snapshot) location(slot uint32) orb.Point {
	if len(s.plain) > 0 {
		if st, ok := s.plain[slot]; ok {
			return st.Location
		}
	}
	return s.st.location(slot)
}

// accept is f as an index filter of slots, nil when f accepts everything.
func (s *Snapshot) accept(f data.Filter) func(uint32) bool {
	if f.AcceptsAll() {
		return nil // before the closure, so that f does not move to the heap
	}
	return s.acceptSome(f)
}

func (s *Snapshot) acceptSome(f data.Filter) func(uint32) bool {
	var tmp data.Station
	return func(slot uint32) bool {
		if len(s.plain) > 0 {
			if st, ok := s.plain[slot]; ok {
				return f.Accepts(st)
			}
		}
		return s.st.accepts(&f, slot, &tmp)
	}
}

func (s *Snapshot) results(p orb.Point, hits []geo.Hit) []Result {
	out := make([]Result, len(hits))
	recs := make([]Record, len(hits))
	for i, h := range hits {
		st := s.Load(h.Slot, &recs[i])
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

// AppendNearest is Nearest appending the slots and distances of the
// records to dst (read them with Load): no record is read or copied.
func (s *Snapshot) AppendNearest(dst []geo.Hit, p orb.Point, k int, maxMeters float64, f data.Filter) []geo.Hit {
	return s.index.AppendNearest(dst, p, k, maxMeters, s.accept(f))
}

// AppendWithin is Within appending slots and distances to dst.
func (s *Snapshot) AppendWithin(dst []geo.Hit, p orb.Point, radius float64, f data.Filter) []geo.Hit {
	return s.index.AppendWithin(dst, p, radius, s.accept(f))
}

// CountWithin is len(Within(p, radius, f)), without collecting, sorting
// or reading the records (see geo.Index.CountWithin).
func (s *Snapshot) CountWithin(p orb.Point, radius float64, f data.Filter) int {
	return s.index.CountWithin(p, radius, s.accept(f))
}

// CountInBound is the total of InBound(b, f, ...), without paging.
func (s *Snapshot) CountInBound(b orb.Bound, f data.Filter) int {
	return s.index.CountInBound(b, s.accept(f))
}

// InBound returns the records passing f inside b, ordered by id so that
// paging with offset and limit is stable, and the total number matched.
// A limit < 0 means no limit.
//
// Only the first offset+limit ids are kept, in a bounded max-heap, and
// only the page is read, so a first page over a million matches costs one
// scan and no full sort; a limit of 0 only counts.
func (s *Snapshot) InBound(b orb.Bound, f data.Filter, offset, limit int) (page []*data.Station, total int) {
	slots, total := s.AppendInBound(nil, b, f, offset, limit)
	if len(slots) == 0 {
		return nil, total
	}
	page = make([]*data.Station, len(slots))
	recs := make([]Record, len(slots))
	for i, slot := range slots {
		page[i] = s.Load(slot, &recs[i])
	}
	return page, total
}

// AppendInBound is InBound appending the page's slots to dst (read the
// records with Load).
func (s *Snapshot) AppendInBound(dst []uint32, b orb.Bound, f data.Filter, offset, limit int) (_ []uint32, total int) {
	acc := s.accept(f)
	if limit == 0 {
		return dst, s.index.CountInBound(b, acc)
	}
	h := idHeaps.Get().(*idHeap)
	defer func() {
		if cap(*h) <= 1<<16 {
			*h = (*h)[:0]
			idHeaps.Put(h)
		}
	}()
	keep := offset + limit
	if limit > 0 && s.unfit == 0 && s.st.idRanks() != nil {
		if slots, total, ok := s.leastInBound(dst, b, acc, offset, keep, h); ok {
			return slots, total
		}
	}
	ranks := s.st.idRanks()
	entry := func(slot uint32) idSlot {
		e := idSlot{id: s.id(slot), slot: slot, rank: -1}
		if ranks != nil && int(slot) < len(ranks) && !s.isPlain(slot) {
			e.rank = int64(ranks[slot])
		}
		return e
	}
	s.index.InBound(b, func(slot uint32, _ orb.Point) bool {
		if acc != nil && !acc(slot) {
			return true
		}
		total++
		switch {
		case limit < 0 || len(*h) < keep:
			*h = append(*h, entry(slot))
			if limit >= 0 {
				h.up(len(*h) - 1)
			}
		default:
			top := &(*h)[0]
			// Ranks order the store's ids as strings do, so comparing
			// ranks where both have one keeps the order of ids.
			if ranks != nil && top.rank >= 0 && int(slot) < len(ranks) && !s.isPlain(slot) {
				if int64(ranks[slot]) >= top.rank {
					return true
				}
			} else if s.id(slot) >= top.id {
				return true
			}
			*top = entry(slot)
			h.down(0)
		}
		return true
	})
	slices.SortFunc(*h, func(a, b idSlot) int { return strings.Compare(a.id, b.id) })
	if offset >= len(*h) {
		return dst, total
	}
	for _, e := range (*h)[offset:] {
		dst = append(dst, e.slot)
	}
	return dst, total
}

// leastInBound is AppendInBound when the index knows the rank of each
// id: the count takes whole nodes, the store's records come in id order
// from the index (geo.Index.LeastInBound), so only the first keep are
// read, and those inserted since the store was built are ranked by id in
// h, then merged. ok is false when the index has no ranks yet.
func (s *Snapshot) leastInBound(dst []uint32, b orb.Bound, acc func(uint32) bool, offset, keep int, h *idHeap) (_ []uint32, total int, ok bool) {
	s.index.InsertedInBound(b, func(slot uint32, _ orb.Point) bool {
		if acc != nil && !acc(slot) {
			return true
		}
		if len(*h) < keep {
			*h = append(*h, idSlot{id: s.id(slot), slot: slot, rank: -1})
			h.up(len(*h) - 1)
		} else if id := s.id(slot); id < (*h)[0].id {
			(*h)[0] = idSlot{id: id, slot: slot, rank: -1}
			h.down(0)
		}
		return true
	})
	inserted := len(*h)
	ok = s.index.LeastInBound(b, acc, func(slot uint32) bool {
		*h = append(*h, idSlot{id: s.id(slot), slot: slot, rank: -1})
		return len(*h)-inserted < keep
	})
	if !ok {
		*h = (*h)[:0]
		return dst, 0, false
	}
	slices.SortFunc(*h, func(a, b idSlot) int { return strings.Compare(a.id, b.id) })
	total = s.index.CountInBound(b, acc)
	if offset < len(*h) {
		for _, e := range (*h)[offset:min(len(*h), keep)] {
			dst = append(dst, e.slot)
		}
	}
	return dst, total, true
}

func (s *Snapshot) isPlain(slot uint32) bool {
	if len(s.plain) == 0 {
		return false
	}
	_, ok := s.plain[slot]
	return ok
}

var idHeaps = sync.Pool{New: func() any { return new(idHeap) }}

// idSlot is a record's id and slot, as InBound ranks them, with the
// rank of the id in the store (-1 for a record held beside it).
type idSlot struct {
	id   string
	slot uint32
	rank int64
}

// after reports whether a's id sorts after b's.
func (a *idSlot) after(b *idSlot) bool {
	if a.rank >= 0 && b.rank >= 0 {
		return a.rank > b.rank
	}
	return a.id > b.id
}

// idHeap is a max-heap by id: its root is the largest id kept.
type idHeap []idSlot

func (hp *idHeap) up(i int) {
	h := *hp
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].after(&h[p]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (hp *idHeap) down(i int) {
	h := *hp
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].after(&h[l]) {
			m = r
		}
		if !h[m].after(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// Scan calls fn for every record passing f inside b, in no particular
// order, until fn returns false. It is InBound without the sort, for
// callers that visit everything anyway (vector tiles).
func (s *Snapshot) Scan(b orb.Bound, f data.Filter, fn func(*data.Station) bool) {
	acc := s.accept(f)
	s.index.InBound(b, func(slot uint32, _ orb.Point) bool {
		if acc != nil && !acc(slot) {
			return true
		}
		return fn(s.Load(slot, new(Record)))
	})
}

// ScanRead is Scan reading each record into one reused Record: the
// record fn is given is valid only until fn returns (its strings stay
// valid), so a scan of many records allocates nothing per record.
func (s *Snapshot) ScanRead(b orb.Bound, f data.Filter, fn func(*data.Station) bool) {
	acc := s.accept(f)
	var r Record
	s.index.InBound(b, func(slot uint32, _ orb.Point) bool {
		if acc != nil && !acc(slot) {
			return true
		}
		return fn(s.Load(slot, &r))
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
