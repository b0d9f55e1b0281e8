package catalog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
	"yizhan/geo"
)

// TestSnapshotApply checks Apply against a snapshot built from scratch,
// and that the snapshot it started from is untouched.
func TestSnapshotApply(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base := recordtest.Random(r, 2000)
	for i, st := range base {
		st.Version = int64(i + 1)
	}
	old := NewSnapshot(base, int64(len(base)))
	want := map[string]*data.Station{}
	for _, st := range base {
		want[st.ID] = st
	}
	oldNearest := old.Nearest(orb.Point{111, 43}, 20, 0, data.Filter{})

	snap := old
	v := int64(len(base))
	for round := range 20 {
		var changes []Change
		for range 50 {
			v++
			switch op := r.IntN(3); {
			case op == 0: // delete an existing id
				id := base[r.IntN(len(base))].ID
				changes = append(changes, Change{Version: v, ID: id, Deleted: true})
				delete(want, id)
			case op == 1: // update or revive an id, often moving it
				id := base[r.IntN(len(base))].ID
				st := recordtest.Station(id, orb.Point{97 + r.Float64()*29, 37 + r.Float64()*16})
				st.Version = v
				changes = append(changes, Change{Version: v, ID: id, Station: st})
				want[id] = st
			default: // a new id
				id := fmt.Sprintf("new-%d-%d", round, v)
				st := recordtest.Station(id, orb.Point{97 + r.Float64()*29, 37 + r.Float64()*16})
				st.Version = v
				changes = append(changes, Change{Version: v, ID: id, Station: st})
				want[id] = st
			}
		}
		// A change already reflected is skipped.
		changes = append(changes, Change{Version: 1, ID: base[0].ID, Deleted: true})
		snap = snap.Apply(changes)
		if snap.Version() != v {
			t.Fatalf("round %d: version %d; want %d", round, snap.Version(), v)
		}
		checkSnapshot(t, snap, want)
	}
	if got := old.Nearest(orb.Point{111, 43}, 20, 0, data.Filter{}); !slices.EqualFunc(got, oldNearest, func(a, b Result) bool { return reflect.DeepEqual(a, b) }) {
		t.Errorf("Apply changed the snapshot it started from")
	}
	if old.Len() != len(base) {
		t.Errorf("old snapshot Len = %d; want %d", old.Len(), len(base))
	}
}

// checkSnapshot compares snap with the records it should hold: Get, Len,
// and nearest-k against a brute-force scan.
func checkSnapshot(t *testing.T, snap *Snapshot, want map[string]*data.Station) {
	t.Helper()
	if snap.Len() != len(want) {
		t.Fatalf("Len = %d; want %d", snap.Len(), len(want))
	}
	for id, st := range want {
		got, err := snap.Get(id)
		if err != nil || !reflect.DeepEqual(got, st) {
			t.Fatalf("Get(%s) = %v, %v; want the latest record", id, got, err)
		}
	}
	p := orb.Point{110, 42}
	var all []*data.Station
	for _, st := range want {
		all = append(all, st)
	}
	sort.Slice(all, func(i, j int) bool { return geo.Distance(p, all[i].Location) < geo.Distance(p, all[j].Location) })
	got := snap.Nearest(p, 10, 0, data.Filter{})
	if len(got) != min(10, len(all)) {
		t.Fatalf("Nearest returned %d; want %d", len(got), min(10, len(all)))
	}
	for i, r := range got {
		if !reflect.DeepEqual(r.Station, all[i]) {
			t.Fatalf("Nearest[%d] = %s; want %s", i, r.Station.ID, all[i].ID)
		}
	}
}

func TestSnapshotApplyLargeBatchRebuilds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	base := recordtest.Random(r, 1000)
	snap := NewSnapshot(base[:10], 10)
	var changes []Change
	want := map[string]*data.Station{}
	for _, st := range base[:10] {
		want[st.ID] = st
	}
	for i := range rebuildMinChanges {
		st := recordtest.Station(fmt.Sprintf("bulk-%d", i), orb.Point{97 + r.Float64()*29, 37 + r.Float64()*16})
		changes = append(changes, Change{Version: int64(11 + i), ID: st.ID, Station: st})
		want[st.ID] = st
	}
	next := snap.Apply(changes)
	checkSnapshot(t, next, want)
}
