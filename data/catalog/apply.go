package catalog

import (
	"maps"
	"slices"
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
	// compactMinFree: when more than half the slots are free (deleted
	// records) and at least this many, Apply rebuilds to reclaim them.
	compactMinFree = 4096
)

// Apply returns the snapshot that results from applying changes, in
// order, to s; s itself is never modified, so readers holding it are
// unaffected. Changes at or below s's version are already reflected and
// skipped; the result's version is the highest version applied.
//
// Cost, for n records and k changes: the slot table is cloned (8 bytes a
// record: about 8 MB and a few ms at a million records); the id map is
// cloned only when a change adds or removes an id (tens of ms at a
// million); the index is copied copy-on-write (O(1)) and each changed
// location costs a delete and an insert that copy only the tree nodes on
// their path, O(log n). Large batches (see rebuildMinChanges) rebuild the
// whole snapshot instead, as NewSnapshot does. Deleted records leave free
// slots, reclaimed by a rebuild once they outnumber the records.
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
	if len(live) >= rebuildMinChanges && float64(len(live)) >= rebuildFraction*float64(len(s.byID)) {
		return s.rebuild(live, version)
	}

	ix := s.index.Copy()
	slots := slices.Clone(s.slots)
	byID := s.byID
	cloned := false
	ownMap := func() {
		if !cloned {
			byID = maps.Clone(byID)
			cloned = true
		}
	}
	for _, c := range live {
		slot, ok := byID[c.ID]
		switch {
		case c.Deleted || c.Station == nil:
			if !ok {
				continue
			}
			ownMap()
			ix.Delete(slot, slots[slot].Location)
			slots[slot] = nil
			delete(byID, c.ID)
		case ok:
			old := slots[slot]
			if old.Location != c.Station.Location {
				ix.Delete(slot, old.Location)
				ix.Insert(slot, c.Station.Location)
			}
			slots[slot] = c.Station
		default:
			ownMap()
			slot = uint32(len(slots))
			slots = append(slots, c.Station)
			byID[c.ID] = slot
			ix.Insert(slot, c.Station.Location)
		}
	}
	next := &Snapshot{version: version, loadedAt: time.Now(), slots: slots, byID: byID, index: ix}
	if free := len(slots) - len(byID); free >= compactMinFree && free > len(byID) {
		return next.rebuild(nil, version)
	}
	return next
}

// rebuild makes a fresh snapshot of s's records with changes applied.
func (s *Snapshot) rebuild(changes []Change, version int64) *Snapshot {
	cur := make(map[string]*data.Station, len(s.byID)+len(changes))
	for id, slot := range s.byID {
		cur[id] = s.slots[slot]
	}
	for _, c := range changes {
		if c.Deleted || c.Station == nil {
			delete(cur, c.ID)
		} else {
			cur[c.ID] = c.Station
		}
	}
	stations := make([]*data.Station, 0, len(cur))
	for _, st := range cur {
		stations = append(stations, st)
	}
	return NewSnapshot(stations, version)
}
