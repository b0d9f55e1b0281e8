package catalog

import (
	"maps"
	"time"

	"yizhan/data"
)

// Thresholds for Apply.
const (
	// rebuildMinChanges and rebuildFraction: a batch this large (and at
	// least this fraction of the records) is applied by rebuilding the
	// snapshot, which bulk-loads the index, instead of one index update per
	// change (a re-import of a whole region, say).
	rebuildMinChanges = 50_000
	rebuildFraction   = 0.10
	// compactMinChanged and compactFraction: once the records changed
	// since the store was built (held beside it, and in the index's tree
	// of inserted points) are at least this many and this fraction of the
	// records, Apply rebuilds, so that reads stay on the compact store and
	// the packed tree and a change stays cheap to copy.
	compactMinChanged = 4096
	compactFraction   = 1.0 / 16
)

// Apply returns the snapshot that results from applying changes, in
// order, to s; s itself is never modified, so readers holding it are
// unaffected. Changes at or below s's version are already reflected and
// skipped; the result's version is the highest version applied.
//
// Cost, for n records and k changes, c of them made since the store was
// last built: the records stay in the shared store; the map of changed
// records is copied (O(c)), and the map of added ids when a change adds
// or removes one; the index is copied copy-on-write (O(1), plus n/8
// bytes of deletion marks on the first deletion) and each changed
// location costs a delete and an insert, O(log n). Once c passes
// compactMinChanged and compactFraction of n, or for a large batch (see
// rebuildMinChanges), the snapshot is rebuilt as NewSnapshot builds one,
// reading the current records from the store.
func (s *Snapshot) Apply(changes []Change) *Snapshot {
	version := s.version
	live := changes[:0:0]
	for _, c := range changes {
		if c.Version > s.version {
			live = append(live, c)
			version = max(version, c.Version)
		}
	}
	if len(live) == 0 {
		return s
	}
	if len(live) >= rebuildMinChanges && float64(len(live)) >= rebuildFraction*float64(s.n) {
		return s.rebuild(live, version)
	}

	next := *s
	next.version, next.loadedAt = version, time.Now()
	next.index = s.index.Copy()
	next.plain = maps.Clone(s.plain)
	ownAdded := false
	own := func() {
		if !ownAdded {
			next.added = maps.Clone(s.added)
			ownAdded = true
		}
	}
	for _, c := range live {
		slot, ok := next.slotOf(c.ID)
		switch {
		case c.Deleted || c.Station == nil:
			if !ok {
				continue
			}
			next.index.Delete(slot, next.location(slot))
			if _, a := next.added[c.ID]; a {
				own()
				delete(next.added, c.ID)
			}
			if int(slot) < len(next.st.recs) {
				next.plain[slot] = nil // the store's id table still finds it
			} else {
				delete(next.plain, slot)
			}
			next.n--
		case ok:
			if old := next.location(slot); old != c.Station.Location {
				next.index.Delete(slot, old)
				next.index.Insert(slot, c.Station.Location)
			}
			next.plain[slot] = c.Station
		default:
			own()
			slot = next.slots
			next.slots++
			next.plain[slot] = c.Station
			next.added[c.ID] = slot
			next.index.Insert(slot, c.Station.Location)
			next.n++
		}
	}
	if changed := max(len(next.plain)-next.unfit, next.index.Changed()); changed >= compactMinChanged && float64(changed) >= compactFraction*float64(next.n) {
		return next.rebuild(nil, version)
	}
	return &next
}

// rebuild makes a fresh snapshot of s's records with changes applied,
// reading each record from the store into one scratch Record.
func (s *Snapshot) rebuild(changes []Change, version int64) *Snapshot {
	last := make(map[string]*data.Station, len(changes))
	for _, c := range changes {
		if c.Deleted || c.Station == nil {
			last[c.ID] = nil
		} else {
			last[c.ID] = c.Station
		}
	}
	var r Record
	return build(s.n+len(changes), func(yield func(*data.Station, bool)) {
		for slot := uint32(0); slot < s.slots; slot++ {
			if !s.live(slot) {
				continue
			}
			st := s.Load(slot, &r)
			if _, changed := last[st.ID]; changed {
				continue
			}
			yield(st, st == &r.st)
		}
		for _, c := range changes {
			if st := last[c.ID]; st != nil && st == c.Station {
				yield(st, false)
				delete(last, c.ID) // an id changed twice is yielded once
			}
		}
	}, version)
}

// live reports whether slot holds a current record.
func (s *Snapshot) live(slot uint32) bool {
	if st, ok := s.plain[slot]; ok {
		return st != nil
	}
	if int(slot) >= len(s.st.recs) {
		return false
	}
	got, ok := s.st.lookup(s.st.id(slot))
	return ok && got == slot
}
