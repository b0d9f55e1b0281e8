package catalog

import (
	"cmp"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/hours"
	"yizhan/geo"
)

// store is the compact form of a snapshot's records, by slot. A million
// records as *data.Station are millions of pointers the garbage collector
// marks on every cycle; here they are a few flat arrays without pointers
// (the fixed fields of each record, the bytes of every text, offsets into
// them and an open-addressing id table), plus small tables of the values
// records share (names, opening hours with their parsed schedule, ports,
// staff languages, time zones of updated_at). A record is read back into
// a data.Station whose strings point into the arenas (load), so reading
// allocates nothing and gives back the fields it was built from.
//
// A store is never modified once built: snapshots share it, and a change
// is held beside it (see Snapshot.plain) until the next rebuild.
type store struct {
	recs  []rec
	ids   []byte   // every id, back to back
	idEnd []uint32 // end of slot i's id in ids; it starts at idEnd[i-1]
	table []uint32 // slot+1 of each id by hash, 0 for empty; len is a power of 2
	seed  maphash.Seed

	text    []byte   // every distinct text, back to back; ref 0 is ""
	textEnd []uint32 // end of text ref r in text; it starts at textEnd[r-1]
	// plainJSON has bit r set when text ref r is plain JSON (data.IsPlainJSON),
	// checked once as it is interned, so that rendering copies it.
	plainJSON []uint64

	kinds    []data.Kind
	statuses []data.Status
	// plainKinds and plainStatuses are data.PlainKind and PlainStatus,
	// or 0, for each entry of kinds and statuses.
	plainKinds    []data.PlainText
	plainStatuses []data.PlainText
	names         [][4]uint32 // text refs of zh, en, ru, mn
	hours         []hoursEntry
	ports         []*data.PortInfo // index 0 is nil
	langs         [][]string       // index 0 is nil
	locs          []*time.Location // of updated_at; index 0 is the zero time
	extras        []extra          // index 0 is none

	// ranks, once rankIDs has run, is the position of each slot's id in
	// the sorted ids of the store, so that paging by id compares numbers.
	ranks atomic.Pointer[[]uint32]
}

// rankMinRecords: a store of fewer records pages by comparing ids.
const rankMinRecords = 4096

// idRanks is ranks, or nil until they are computed.
func (s *store) idRanks() []uint32 {
	if r := s.ranks.Load(); r != nil {
		return *r
	}
	return nil
}

// rankIDs sorts the store's ids and publishes their ranks. It runs once
// per store, beside the readers, which compare ids until it is done.
func (s *store) rankIDs() {
	type keyed struct {
		prefix uint64 // the id's first 8 bytes, big-endian, zero-padded
		slot   uint32
	}
	order := make([]keyed, len(s.recs))
	for i := range order {
		id := s.id(uint32(i))
		var p uint64
		for j := 0; j < 8; j++ {
			p <<= 8
			if j < len(id) {
				p |= uint64(id[j])
			}
		}
		order[i] = keyed{p, uint32(i)}
	}
	slices.SortFunc(order, func(a, b keyed) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		return strings.Compare(s.id(a.slot), s.id(b.slot))
	})
	ranks := make([]uint32, len(s.recs))
	for i, k := range order {
		ranks[k.slot] = uint32(i)
	}
	s.ranks.Store(&ranks)
}

// rec is the fixed part of one record: no pointers, so an array of them
// is one object the collector does not look into.
type rec struct {
	lon, lat float64
	updSec   int64 // updated_at, Unix seconds and nanoseconds
	version  int64
	updNsec  uint32
	amen     data.AmenitySet
	names    uint32 // index in store.names
	hours    uint32 // index in store.hours
	source   uint32 // text ref
	extra    uint32 // index in store.extras; 0: none of the rarer fields
	port     uint32 // index in store.ports
	kind     uint8  // index in store.kinds
	status   uint8  // index in store.statuses
	updLoc   uint8  // index in store.locs
}

// extra holds the fields most records leave empty.
type extra struct {
	region, address, phone, operator, zone uint32 // text refs
	langs                                  uint32 // index in store.langs
	has                                    uint8  // bit i: ints[i] is set
	ints                                   [4]int64
}

// hoursEntry is one distinct opening_hours text with its parsed schedule.
type hoursEntry struct {
	text  uint32 // text ref
	sched *hours.Schedule
}

// Record is memory a record is read into (Snapshot.Load): the record and
// the numbers its optional counts point to. Reusing one Record reads
// records without allocating.
type Record struct {
	st        data.Station
	ints      [4]int
	plainJSON data.PlainText // of st's texts (see Plain)
}

// Plain are the text fields of st, a record Load returned for r, that are
// plain JSON, for data.FeatureOptions.Plain: the store checked its texts
// when it interned them. A record held as it is, not read into r, has
// none.
func (r *Record) Plain(st *data.Station) data.PlainText {
	if st != &r.st {
		return 0
	}
	return r.plainJSON
}

// builder makes a store, interning as it goes.
type builder struct {
	s     *store
	seed  maphash.Seed // of texts
	texts refTable     // text refs
	names refTable     // indexes in s.names, plus one, by namesHash
	key   []byte       // scratch for the keys of the maps below

	// The last value of each text field (source, region, address, phone,
	// operator, zone), of the names and of the hours, with its ref:
	// records in a row often share them (a decoder gives them one
	// interned string), and comparing is cheaper than hashing.
	last      [6]lastText
	lastNames struct {
		n   data.Names
		ref uint32
		ok  bool
	}
	lastHours lastHours
	kinds     map[data.Kind]uint8
	stats     map[data.Status]uint8
	hours     map[string]uint32
	ports     map[string]uint32
	langs     map[string]uint32
	locs      map[*time.Location]uint8
	extras    map[extra]uint32
}

func newBuilder(n int) *builder {
	s := &store{
		recs:      make([]rec, 0, n),
		idEnd:     make([]uint32, 0, n),
		seed:      maphash.MakeSeed(),
		textEnd:   []uint32{0},
		plainJSON: []uint64{1}, // ref 0, "", is plain
		hours:     []hoursEntry{{}},
		ports:     []*data.PortInfo{nil},
		langs:     [][]string{nil},
		locs:      []*time.Location{nil},
		extras:    []extra{{}},
	}
	return &builder{
		s: s, seed: maphash.MakeSeed(), texts: newRefTable(n), names: newRefTable(n), kinds: map[data.Kind]uint8{}, stats: map[data.Status]uint8{},
		hours: map[string]uint32{"": 0}, ports: map[string]uint32{},
		langs: map[string]uint32{}, locs: map[*time.Location]uint8{}, extras: map[extra]uint32{{}: 0},
	}
}

// fits reports whether st can be held compactly: a store has room for 256
// kinds, statuses and time zones and 4 GiB of text, far beyond any valid
// data; a record that does not fit is kept as it is (Snapshot.plain).
func (b *builder) fits(st *data.Station) bool {
	_, k := b.kinds[st.Kind]
	_, s := b.stats[st.Status]
	_, l := b.locs[st.UpdatedAt.Location()]
	if (!k && len(b.s.kinds) >= 256) || (!s && len(b.s.statuses) >= 256) || (!l && len(b.s.locs) >= 256) {
		return false
	}
	if st.OpeningHours == "" && st.Hours != nil {
		return false // a schedule without its text cannot be interned by it
	}
	texts := len(st.Names.ZH) + len(st.Names.EN) + len(st.Names.RU) + len(st.Names.MN) + len(st.OpeningHours) +
		len(st.Source) + len(st.Region) + len(st.Address) + len(st.Phone) + len(st.Operator) + len(st.TimeZone)
	return len(b.s.ids)+len(st.ID) < math.MaxUint32 && len(b.s.text)+texts < math.MaxUint32
}

// text is the ref of s in the store's text arena, appended there when it
// is new.
func (b *builder) text(s string) uint32 {
	if s == "" {
		return 0
	}
	st := b.s
	h := uint32(maphash.String(b.seed, s) >> 32)
	if r, ok := b.texts.find(h, func(r uint32) bool { return st.str(r) == s }); ok {
		return r
	}
	r := b.appendText(s)
	b.texts.add(h, r)
	return r
}

// appendText appends s to the text arena and returns its ref, without
// looking for it there (0 for "").
func (b *builder) appendText(s string) uint32 {
	if s == "" {
		return 0
	}
	st := b.s
	st.text = append(st.text, s...)
	st.textEnd = append(st.textEnd, uint32(len(st.text)))
	r := uint32(len(st.textEnd) - 1)
	if int(r/64) == len(st.plainJSON) {
		st.plainJSON = append(st.plainJSON, 0)
	}
	if data.IsPlainJSON(s) {
		st.plainJSON[r/64] |= 1 << (r % 64)
	}
	return r
}

// lastText is a text with its ref.
type lastText struct {
	s   string
	ref uint32
}

// lastHours is an opening_hours text, whether it came without a
// schedule, and its index in store.hours.
type lastHours struct {
	s     string
	plain bool
	ref   uint32
}

// textOf is text(s), remembering it in last.
func (b *builder) textOf(last *lastText, s string) uint32 {
	if s == last.s {
		return last.ref
	}
	r := b.text(s)
	*last = lastText{s, r}
	return r
}

// namesOf is the index in store.names of n, appended when new. Names
// are found as a whole, by the hash of their four texts, and a new one
// appends its texts without looking for them among the store's others:
// where every record has names of its own (most data), that is one
// lookup per record instead of one per name and one for the four.
func (b *builder) namesOf(n data.Names) uint32 {
	if l := &b.lastNames; l.ok && l.n == n {
		return l.ref
	}
	s := b.s
	h := uint32(namesHash(b.seed, n) >> 32)
	ref, ok := b.names.find(h, func(ref uint32) bool {
		nm := &s.names[ref-1]
		return s.str(nm[0]) == n.ZH && s.str(nm[1]) == n.EN && s.str(nm[2]) == n.RU && s.str(nm[3]) == n.MN
	})
	if !ok {
		s.names = append(s.names, [4]uint32{b.appendText(n.ZH), b.appendText(n.EN), b.appendText(n.RU), b.appendText(n.MN)})
		ref = uint32(len(s.names))
		b.names.add(h, ref)
	}
	b.lastNames.n, b.lastNames.ref, b.lastNames.ok = n, ref-1, true
	return ref - 1
}

// namesHash hashes the four texts of n, each told from the next.
func namesHash(seed maphash.Seed, n data.Names) uint64 {
	h := maphash.String(seed, n.ZH)
	for _, t := range [...]string{n.EN, n.RU, n.MN} {
		h = (h ^ maphash.String(seed, t)) * 0x9e3779b97f4a7c15
	}
	return h
}

// refTable finds the values a store already holds (texts, names): an
// open-addressing table of their refs by hash, each entry the ref in its
// low 32 bits and the top of the value's hash in the high ones, so that
// most mismatches are told without reading the value. A Go map would
// hold every distinct text once more, as a key of its own that the
// collector traces; at a million records with names of their own (every
// record distinct) its lookups and growth were most of the build.
type refTable struct {
	entries []uint64 // 0 for empty
	n       int
}

// newRefTable sizes a table for about n records' distinct values
// without growing where they are shared (it grows as needed).
func newRefTable(n int) refTable {
	size := 1024
	for size < n/2 {
		size *= 2
	}
	return refTable{entries: make([]uint64, size)}
}

// find is the ref with hash h for which same is true, if there is one.
func (t *refTable) find(h uint32, same func(ref uint32) bool) (uint32, bool) {
	mask := uint32(len(t.entries) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.entries[i]
		if e == 0 {
			return 0, false
		}
		if uint32(e>>32) == h && same(uint32(e)) {
			return uint32(e), true
		}
	}
}

// add records ref (not 0) with hash h, which find did not find.
func (t *refTable) add(h, ref uint32) {
	t.insert(uint64(h)<<32 | uint64(ref))
	t.n++
	if 2*t.n > len(t.entries) {
		old := t.entries
		t.entries = make([]uint64, 2*len(old))
		for _, e := range old {
			if e != 0 {
				t.insert(e)
			}
		}
	}
}

// insert puts e in the first empty entry from its hash on.
func (t *refTable) insert(e uint64) {
	mask := uint32(len(t.entries) - 1)
	i := uint32(e>>32) & mask
	for t.entries[i] != 0 {
		i = (i + 1) & mask
	}
	t.entries[i] = e
}

// add appends st as the next slot; the caller checked fits.
func (b *builder) add(st *data.Station) {
	s := b.s
	r := rec{lon: st.Location[0], lat: st.Location[1], version: st.Version, amen: st.Amenities}
	if !st.UpdatedAt.IsZero() {
		r.updSec, r.updNsec = st.UpdatedAt.Unix(), uint32(st.UpdatedAt.Nanosecond())
		loc := st.UpdatedAt.Location()
		i, ok := b.locs[loc]
		if !ok {
			s.locs = append(s.locs, loc)
			i = uint8(len(s.locs) - 1)
			b.locs[loc] = i
		}
		r.updLoc = i
	}
	k, ok := b.kinds[st.Kind]
	if !ok {
		s.kinds = append(s.kinds, st.Kind)
		s.plainKinds = append(s.plainKinds, plainIf(string(st.Kind), data.PlainKind))
		k = uint8(len(s.kinds) - 1)
		b.kinds[st.Kind] = k
	}
	r.kind = k
	stat, ok := b.stats[st.Status]
	if !ok {
		s.statuses = append(s.statuses, st.Status)
		s.plainStatuses = append(s.plainStatuses, plainIf(string(st.Status), data.PlainStatus))
		stat = uint8(len(s.statuses) - 1)
		b.stats[st.Status] = stat
	}
	r.status = stat
	r.names = b.namesOf(st.Names)
	if st.OpeningHours == b.lastHours.s && (st.Hours == nil) == b.lastHours.plain && st.OpeningHours != "" {
		r.hours = b.lastHours.ref
	} else if st.OpeningHours != "" {
		b.key = b.key[:0]
		if st.Hours == nil {
			b.key = append(b.key, 0) // the text without a schedule (not parsed)
		}
		b.key = append(b.key, st.OpeningHours...)
		if r.hours, ok = b.hours[string(b.key)]; !ok {
			s.hours = append(s.hours, hoursEntry{text: b.text(st.OpeningHours), sched: st.Hours})
			r.hours = uint32(len(s.hours) - 1)
			b.hours[string(b.key)] = r.hours
		}
		b.lastHours = lastHours{st.OpeningHours, st.Hours == nil, r.hours}
	}
	r.source = b.textOf(&b.last[0], st.Source)
	if p := st.Port; p != nil {
		b.key = append(append(append(append(b.key[:0], p.Country...), 0), p.Hours...), 0)
		b.key = appendListKey(b.key, p.Modes)
		if r.port, ok = b.ports[string(b.key)]; !ok {
			s.ports = append(s.ports, &data.PortInfo{Country: strings.Clone(p.Country), Modes: cloneList(p.Modes), Hours: strings.Clone(p.Hours)})
			r.port = uint32(len(s.ports) - 1)
			b.ports[string(b.key)] = r.port
		}
	}
	x := extra{region: b.textOf(&b.last[1], st.Region), address: b.textOf(&b.last[2], st.Address), phone: b.textOf(&b.last[3], st.Phone),
		operator: b.textOf(&b.last[4], st.Operator), zone: b.textOf(&b.last[5], st.TimeZone)}
	if st.Languages != nil {
		b.key = appendListKey(b.key[:0], st.Languages)
		if x.langs, ok = b.langs[string(b.key)]; !ok {
			s.langs = append(s.langs, cloneList(st.Languages))
			x.langs = uint32(len(s.langs) - 1)
			b.langs[string(b.key)] = x.langs
		}
	}
	for i, p := range [4]*int{st.CapacityPerDay, st.Beds, st.TruckParkingSpaces, st.AreaM2} {
		if p != nil {
			x.has |= 1 << i
			x.ints[i] = int64(*p)
		}
	}
	if r.extra, ok = b.extras[x]; !ok {
		s.extras = append(s.extras, x)
		r.extra = uint32(len(s.extras) - 1)
		b.extras[x] = r.extra
	}
	s.recs = append(s.recs, r)
	s.ids = append(s.ids, st.ID...)
	s.idEnd = append(s.idEnd, uint32(len(s.ids)))
}

// plainIf is bit if text is plain JSON, else 0.
func plainIf(text string, bit data.PlainText) data.PlainText {
	if data.IsPlainJSON(text) {
		return bit
	}
	return 0
}

// appendListKey appends a key for a list of strings that tells nil from
// empty (built in scratch, so that a list seen before costs no allocation).
func appendListKey(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "nil"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, s...)
	}
	return b
}

func cloneList(l []string) []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.Clone(s)
	}
	return out
}

// skip appends a slot that the store does not hold (its record is plain,
// or it is free): an empty id no lookup finds.
func (b *builder) skip() {
	b.s.recs = append(b.s.recs, rec{})
	b.s.idEnd = append(b.s.idEnd, uint32(len(b.s.ids)))
}

// permute renumbers the slots added so far: slot i becomes the one that
// was slot order[i] (order is a permutation of them).
func (b *builder) permute(order []uint32) {
	s := b.s
	recs := make([]rec, len(order))
	ids := make([]byte, 0, len(s.ids))
	idEnd := make([]uint32, len(order))
	for i, old := range order {
		recs[i] = s.recs[old]
		ids = append(ids, s.id(old)...)
		idEnd[i] = uint32(len(ids))
	}
	s.recs, s.ids, s.idEnd = recs, ids, idEnd
}

// finish builds the id table over the slots whose ids are given (held
// reports which), and says how many distinct ids it holds.
func (b *builder) finish(held func(slot uint32) bool) (_ *store, ids int) {
	s := b.s
	size := 16
	for size < 2*len(s.recs) {
		size *= 2
	}
	s.table = make([]uint32, size)
	mask := uint64(size - 1)
	for slot := range s.recs {
		if !held(uint32(slot)) {
			continue
		}
		id := s.id(uint32(slot))
		for h := maphash.String(s.seed, id) & mask; ; h = (h + 1) & mask {
			if v := s.table[h]; v == 0 || s.id(v-1) == id {
				if v == 0 {
					ids++
				}
				s.table[h] = uint32(slot) + 1 // a repeated id: the last one wins
				break
			}
		}
	}
	return s, ids
}

// id is slot's id, pointing into the arena.
func (s *store) id(slot uint32) string {
	start := uint32(0)
	if slot > 0 {
		start = s.idEnd[slot-1]
	}
	return arenaString(s.ids, start, s.idEnd[slot])
}

// plainText is data.PlainText bit if text ref is plain JSON, else 0.
func (s *store) plainText(ref uint32, bit data.PlainText) data.PlainText {
	if s.plainJSON[ref/64]&(1<<(ref%64)) != 0 {
		return bit
	}
	return 0
}

func (s *store) str(ref uint32) string {
	if ref == 0 {
		return ""
	}
	return arenaString(s.text, s.textEnd[ref-1], s.textEnd[ref])
}

// arenaString is b[start:end] as a string without a copy: the arenas are
// never written once the store is built.
func arenaString(b []byte, start, end uint32) string {
	if start == end {
		return ""
	}
	return unsafe.String(&b[start], int(end-start))
}

// lookup is the slot of id, if the store holds it.
func (s *store) lookup(id string) (uint32, bool) {
	if len(s.table) == 0 {
		return 0, false
	}
	mask := uint64(len(s.table) - 1)
	for h := maphash.String(s.seed, id) & mask; ; h = (h + 1) & mask {
		v := s.table[h]
		if v == 0 {
			return 0, false
		}
		if s.id(v-1) == id {
			return v - 1, true
		}
	}
}

func (s *store) location(slot uint32) orb.Point {
	r := &s.recs[slot]
	return orb.Point{r.lon, r.lat}
}

// touch reads a word of the fixed fields and of the id of each hit's
// record and returns their sum, which no caller needs: not inlined, so
// that the reads are made (see Snapshot.Prefetch).
//
//go:noinline
func (s *store) touch(hits []geo.Hit) (sum uint32) {
	for _, h := range hits {
		if int(h.Slot) >= len(s.recs) {
			continue
		}
		end := s.idEnd[h.Slot]
		sum += s.recs[h.Slot].names + end
		if end > 0 {
			sum += uint32(s.ids[end-1])
		}
	}
	return sum
}

// load reads slot's record into r and returns it.
func (s *store) load(slot uint32, r *Record) *data.Station {
	x := &s.recs[slot]
	nm := &s.names[x.names]
	h := &s.hours[x.hours]
	e := &s.extras[x.extra]
	st := &r.st
	*st = data.Station{
		ID:           s.id(slot),
		Location:     orb.Point{x.lon, x.lat},
		Kind:         s.kinds[x.kind],
		Names:        data.Names{ZH: s.str(nm[0]), EN: s.str(nm[1]), RU: s.str(nm[2]), MN: s.str(nm[3])},
		Amenities:    x.amen,
		OpeningHours: s.str(h.text),
		Hours:        h.sched,
		Languages:    s.langs[e.langs],
		Port:         s.ports[x.port],
		Region:       s.str(e.region),
		Address:      s.str(e.address),
		Phone:        s.str(e.phone),
		Operator:     s.str(e.operator),
		Status:       s.statuses[x.status],
		Source:       s.str(x.source),
		TimeZone:     s.str(e.zone),
		Version:      x.version,
	}
	r.plainJSON = s.plainText(nm[0], data.PlainNameZH) | s.plainText(nm[1], data.PlainNameEN) |
		s.plainText(nm[2], data.PlainNameRU) | s.plainText(nm[3], data.PlainNameMN) |
		s.plainText(h.text, data.PlainOpeningHours) | s.plainText(x.source, data.PlainSource) |
		s.plainKinds[x.kind] | s.plainStatuses[x.status]
	if x.extra != 0 {
		r.plainJSON |= s.plainText(e.region, data.PlainRegion) | s.plainText(e.address, data.PlainAddress) |
			s.plainText(e.phone, data.PlainPhone) | s.plainText(e.operator, data.PlainOperator) |
			s.plainText(e.zone, data.PlainTimeZone)
	} else {
		r.plainJSON |= data.PlainRegion | data.PlainAddress | data.PlainPhone | data.PlainOperator | data.PlainTimeZone // all ""
	}
	if x.updLoc != 0 {
		st.UpdatedAt = time.Unix(x.updSec, int64(x.updNsec)).In(s.locs[x.updLoc])
	}
	if e.has != 0 {
		ptrs := [4]**int{&st.CapacityPerDay, &st.Beds, &st.TruckParkingSpaces, &st.AreaM2}
		for i, p := range ptrs {
			if e.has&(1<<i) != 0 {
				r.ints[i] = int(e.ints[i])
				*p = &r.ints[i]
			}
		}
	}
	return st
}

// accepts is f.Accepts for slot's record, reading only what f asks about;
// tmp is scratch for the opening-hours test.
func (s *store) accepts(f *data.Filter, slot uint32, tmp *data.Station) bool {
	x := &s.recs[slot]
	if len(f.Kinds) > 0 && !containsKind(f.Kinds, s.kinds[x.kind]) {
		return false
	}
	if !x.amen.Has(f.Amenities) {
		return false
	}
	status := s.statuses[x.status]
	if len(f.Statuses) > 0 && !containsStatus(f.Statuses, status) {
		return false
	}
	if !f.OpenAt.IsZero() {
		*tmp = data.Station{Status: status, Hours: s.hours[x.hours].sched, TimeZone: s.str(s.extras[x.extra].zone)}
		return tmp.OpenAt(f.OpenAt)
	}
	return true
}

func containsKind(ks []data.Kind, k data.Kind) bool {
	for _, v := range ks {
		if v == k {
			return true
		}
	}
	return false
}

func containsStatus(ss []data.Status, s data.Status) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}
