package catalog

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/internal/recordtest"
	"yizhan/geo"
	"yizhan/internal/workload"
)

// TestStoreRoundTrip reads every record back from the compact store and
// compares it, field by field, with the record it was given.
func TestStoreRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	sts := make([]*data.Station, 3000)
	for i := range sts {
		sts[i] = recordtest.Rich(r, i)
		switch i % 5 {
		case 0:
			sts[i].UpdatedAt = time.Unix(r.Int64N(2e9), r.Int64N(1e9)).In(time.FixedZone("x", 3600))
		case 1:
			sts[i].Languages = []string{} // empty, not nil
		case 2:
			if sts[i].Hours != nil {
				sts[i].OpeningHours = "" // a schedule without its text: held as it is
			}
		}
	}
	snap := NewSnapshot(sts, 1)
	if snap.unfit == 0 {
		t.Fatal("no record was held beside the store; the test lost its unfit records")
	}
	// Changes to a snapshot with unfit records stay incremental.
	if next := snap.Apply([]Change{{Version: 2, ID: sts[2].ID, Deleted: true}}); next.st != snap.st || next.Len() != len(sts)-1 {
		t.Errorf("one deletion rebuilt the store or lost count: Len %d", next.Len())
	}
	if snap.Len() != len(sts) {
		t.Fatalf("Len = %d; want %d", snap.Len(), len(sts))
	}
	var rec Record
	for _, want := range sts {
		got, err := snap.Get(want.ID)
		if err != nil {
			t.Fatalf("Get(%q): %v", want.ID, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Get(%q) = %+v\nwant %+v", want.ID, got, want)
		}
		slot, _ := snap.slotOf(want.ID)
		if got := snap.Load(slot, &rec); !reflect.DeepEqual(got, want) {
			t.Fatalf("Load(%d) = %+v\nwant %+v", slot, got, want)
		}
	}
	if _, err := snap.Get("absent"); err != data.ErrNotFound {
		t.Errorf("Get(absent) = %v; want ErrNotFound", err)
	}
}

// oracle is the brute-force model of a snapshot: the records by id.
type oracle map[string]*data.Station

type found struct {
	id     string
	meters float64
}

func compareFound(a, b found) int {
	return cmp.Or(cmp.Compare(a.meters, b.meters), strings.Compare(a.id, b.id))
}

func (o oracle) within(p orb.Point, radius float64, f data.Filter) []found {
	var out []found
	for id, st := range o {
		if d := geo.Distance(p, st.Location); d <= radius && f.Accepts(st) {
			out = append(out, found{id, d})
		}
	}
	slices.SortFunc(out, compareFound)
	return out
}

func (o oracle) nearest(p orb.Point, k int, maxM float64, f data.Filter) []found {
	if maxM <= 0 {
		maxM = math.Inf(1)
	}
	out := o.within(p, maxM, f)
	return out[:min(k, len(out))]
}

func (o oracle) inBound(b orb.Bound, f data.Filter) []string {
	var out []string
	for id, st := range o {
		if b.Contains(st.Location) && f.Accepts(st) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func foundOf(rs []Result) []found {
	out := make([]found, len(rs))
	for i, r := range rs {
		out[i] = found{r.Station.ID, r.Meters}
	}
	// Equal distances may come in either order of id (the snapshot breaks
	// ties by slot); the oracle breaks them by id.
	slices.SortStableFunc(out, compareFound)
	return out
}

func randomFilter(r *rand.Rand) data.Filter {
	var f data.Filter
	if r.IntN(3) == 0 {
		f.Kinds = []data.Kind{data.Kinds()[r.IntN(len(data.Kinds()))], data.Kinds()[r.IntN(len(data.Kinds()))]}
	}
	if r.IntN(3) == 0 {
		f.Amenities = 1 << r.IntN(len(data.Amenities()))
	}
	if r.IntN(4) == 0 {
		f.Statuses = []data.Status{data.StatusOpen}
	}
	if r.IntN(4) == 0 {
		f.OpenAt = time.Date(2026, 12, 1, r.IntN(24), 0, 0, 0, time.UTC)
	}
	return f
}

// check compares every query of snap with the oracle at random points of
// the workload.
func check(t *testing.T, r *rand.Rand, w *workload.Workload, snap *Snapshot, o oracle) {
	t.Helper()
	if snap.Len() != len(o) {
		t.Fatalf("Len = %d; want %d", snap.Len(), len(o))
	}
	for id, want := range o {
		if got, err := snap.Get(id); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Get(%q) = %v, %v; want the latest record", id, got, err)
		}
	}
	for _, p := range w.Points(40, r.Uint64()) {
		f := randomFilter(r)
		k := []int{1, 5, 10, 100}[r.IntN(4)]
		maxM := 0.0
		if r.IntN(3) == 0 {
			maxM = r.Float64() * 30000
		}
		if got, want := foundOf(snap.Nearest(p, k, maxM, f)), o.nearest(p, k, maxM, f); !slices.Equal(got, want) {
			t.Fatalf("Nearest(%v, %d, %v, %+v) = %v; want %v", p, k, maxM, f, got, want)
		}
		hits := snap.AppendNearest(nil, p, k, maxM, f)
		if got, want := len(hits), len(o.nearest(p, k, maxM, f)); got != want {
			t.Fatalf("AppendNearest gave %d hits; want %d", got, want)
		}
		radius := r.Float64() * 20000
		want := o.within(p, radius, f)
		if got := foundOf(snap.Within(p, radius, f)); !slices.Equal(got, want) {
			t.Fatalf("Within(%v, %v, %+v) = %d records; want %d", p, radius, f, len(got), len(want))
		}
		if got := snap.CountWithin(p, radius, f); got != len(want) {
			t.Fatalf("CountWithin(%v, %v, %+v) = %d; want %d", p, radius, f, got, len(want))
		}
		if got := snap.AppendWithin(nil, p, radius, f); len(got) != len(want) {
			t.Fatalf("AppendWithin gave %d hits; want %d", len(got), len(want))
		}
		half := r.Float64() * 0.4
		b := orb.Bound{Min: orb.Point{p[0] - half, p[1] - half}, Max: orb.Point{p[0] + half, p[1] + half}}
		ids := o.inBound(b, f)
		offset, limit := r.IntN(len(ids)+5), []int{-1, 0, 1, 10, 50}[r.IntN(5)]
		page, total := snap.InBound(b, f, offset, limit)
		var wantPage []string
		if offset < len(ids) {
			wantPage = ids[offset:]
			if limit >= 0 {
				wantPage = wantPage[:min(limit, len(wantPage))]
			}
		}
		gotPage := make([]string, len(page))
		for i, st := range page {
			gotPage[i] = st.ID
			if !reflect.DeepEqual(st, o[st.ID]) {
				t.Fatalf("InBound gave %q as %+v; want %+v", st.ID, st, o[st.ID])
			}
		}
		if total != len(ids) || !slices.Equal(gotPage, wantPage) {
			t.Fatalf("InBound(%v, %+v, %d, %d) = %v, %d; want %v, %d", b, f, offset, limit, gotPage, total, wantPage, len(ids))
		}
		slots, _ := snap.AppendInBound(nil, b, f, 0, -1)
		if len(slots) != len(ids) {
			t.Fatalf("AppendInBound(%v, %+v, 0, -1) gave %d slots; want %d", b, f, len(slots), len(ids))
		}
		for i, slot := range slots {
			if st := o[ids[i]]; snap.Location(slot) != st.Location {
				t.Fatalf("Location(%d) = %v; want %v, where %q is", slot, snap.Location(slot), st.Location, ids[i])
			}
		}
		for name, scan := range map[string]func(orb.Bound, data.Filter, func(*data.Station) bool){"Scan": snap.Scan, "ScanRead": snap.ScanRead} {
			var seen []string
			scan(b, f, func(st *data.Station) bool {
				if !reflect.DeepEqual(st, o[st.ID]) {
					t.Fatalf("%s gave %q as %+v; want %+v", name, st.ID, st, o[st.ID])
				}
				seen = append(seen, st.ID)
				return true
			})
			slices.Sort(seen)
			if !slices.Equal(seen, ids) {
				t.Fatalf("%s(%v, %+v) = %d records; want %d", name, b, f, len(seen), len(ids))
			}
		}
		if got := snap.CountInBound(b, f); got != len(ids) {
			t.Fatalf("CountInBound(%v, %+v) = %d; want %d", b, f, got, len(ids))
		}
	}
}

// TestSnapshotMatchesOracle runs every query on clustered records against
// the brute-force oracle, then again after each of several batches of
// changes (deletions, updates that move records, new records, revived
// ids), through the incremental path and the rebuilds it triggers.
func TestSnapshotMatchesOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	w := workload.New(21)
	sts := w.Stations(6000, 22)
	for i, st := range sts {
		if i%3 == 0 {
			st.Status = data.StatusClosed
		}
	}
	o := oracle{}
	for _, st := range sts {
		o[st.ID] = st
	}
	snap := NewSnapshot(sts, 0)
	check(t, r, w, snap, o)
	snap.rankIDs() // and again with the ids ranked (they are, soon, in the background)
	if snap.st.idRanks() == nil {
		t.Fatal("rankIDs left no ranks")
	}
	check(t, r, w, snap, o)
	more := w.Stations(20000, 23)
	v := int64(0)
	for round := range 8 {
		var changes []Change
		n := 50 + r.IntN(1500)
		for range n {
			v++
			id := fmt.Sprintf("w%d", r.IntN(9000)) // existing, deleted or never seen
			switch r.IntN(3) {
			case 0:
				changes = append(changes, Change{Version: v, ID: id, Deleted: true})
				delete(o, id)
			default:
				st := *more[r.IntN(len(more))]
				st.ID, st.Version = id, v
				if r.IntN(2) == 0 {
					st.Location = w.Points(1, r.Uint64())[0]
				}
				changes = append(changes, Change{Version: v, ID: id, Station: &st})
				o[id] = &st
			}
		}
		old, oldLen := snap, snap.Len()
		snap = snap.Apply(changes)
		if round%2 == 0 {
			snap.rankIDs()
		}
		if old.Len() != oldLen {
			t.Fatalf("round %d: Apply changed the old snapshot's Len", round)
		}
		check(t, r, w, snap, o)
	}
}

// TestRecordPlain: the texts a Record says are plain JSON are plain, each
// of them (a wrong bit would write a text unescaped), and a record held
// beside the store, not read into the Record, has none.
func TestRecordPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	sts := make([]*data.Station, 2000)
	for i := range sts {
		sts[i] = recordtest.Rich(r, i)
		if i%13 == 0 && sts[i].Hours != nil {
			sts[i].OpeningHours = "" // held as it is
		}
	}
	snap := NewSnapshot(sts, 1)
	var rec Record
	held, plainNames := 0, 0
	for _, want := range sts {
		slot, _ := snap.slotOf(want.ID)
		st := snap.Load(slot, &rec)
		got := rec.Plain(st)
		if st != &rec.st {
			held++
			if got != 0 {
				t.Fatalf("record %q held as it is: Plain = %b; want 0", want.ID, got)
			}
			continue
		}
		for _, f := range []struct {
			s   string
			bit data.PlainText
		}{
			{st.Names.ZH, data.PlainNameZH}, {st.Names.EN, data.PlainNameEN}, {st.Names.RU, data.PlainNameRU}, {st.Names.MN, data.PlainNameMN},
			{string(st.Kind), data.PlainKind}, {string(st.Status), data.PlainStatus}, {st.OpeningHours, data.PlainOpeningHours},
			{st.Source, data.PlainSource}, {st.Region, data.PlainRegion}, {st.Address, data.PlainAddress}, {st.Phone, data.PlainPhone},
			{st.Operator, data.PlainOperator}, {st.TimeZone, data.PlainTimeZone},
		} {
			if want := data.IsPlainJSON(f.s); (got&f.bit != 0) != want {
				t.Fatalf("record %q: Plain bit %b is %v for %q; IsPlainJSON is %v", st.ID, f.bit, got&f.bit != 0, f.s, want)
			}
		}
		if got&data.PlainNames == data.PlainNames {
			plainNames++
		}
	}
	if held == 0 || plainNames == 0 || plainNames == len(sts)-held {
		t.Fatalf("held %d, all names plain in %d of %d: the records lack a case", held, plainNames, len(sts))
	}
}
