package catalog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
)

// TestInBoundPaging checks InBound's pages against sorting every match,
// for random boxes, filters, offsets and limits (0, past the end, none).
func TestInBoundPaging(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sts := make([]*data.Station, 2000)
	for i := range sts {
		sts[i] = &data.Station{
			ID:       fmt.Sprintf("s%05d", r.IntN(1e5)*10+i%10), // random order, unique
			Location: orb.Point{r.Float64()*40 + 100, r.Float64()*20 + 35},
			Kind:     data.Kinds()[r.IntN(len(data.Kinds()))],
			Status:   data.StatusOpen,
		}
	}
	snap := NewSnapshot(sts, 0)
	for trial := 0; trial < 500; trial++ {
		lon, lat := r.Float64()*40+100, r.Float64()*20+35
		b := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + r.Float64()*30, lat + r.Float64()*15}}
		var f data.Filter
		if r.IntN(2) == 0 {
			f.Kinds = []data.Kind{data.Kinds()[r.IntN(len(data.Kinds()))]}
		}
		var want []*data.Station
		for _, st := range sts {
			if b.Contains(st.Location) && f.Accepts(st) {
				want = append(want, st)
			}
		}
		slices.SortFunc(want, func(a, b *data.Station) int { return strings.Compare(a.ID, b.ID) })
		offset, limit := r.IntN(len(want)+20), r.IntN(300)-1 // limit -1: all
		page, total := snap.InBound(b, f, offset, limit)
		if total != len(want) {
			t.Fatalf("InBound(%v, offset %d, limit %d) total = %d; want %d", b, offset, limit, total, len(want))
		}
		var wantPage []*data.Station
		if offset < len(want) {
			wantPage = want[offset:]
			if limit >= 0 && limit < len(wantPage) {
				wantPage = wantPage[:limit]
			}
		}
		if !sameRecords(page, wantPage) {
			t.Fatalf("InBound(%v, offset %d, limit %d) = %d records; want %d in id order", b, offset, limit, len(page), len(wantPage))
		}
	}
}

// sameRecords reports whether got holds records equal to want's, in order:
// the snapshot reads its records back from its store, so they are equal
// to those it was given, not the same pointers.
func sameRecords(got, want []*data.Station) bool {
	return slices.EqualFunc(got, want, func(a, b *data.Station) bool { return reflect.DeepEqual(a, b) })
}
