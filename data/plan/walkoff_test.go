package plan

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// TestWalkOffCover checks walkOff.cover on random discs against every
// cell centre's great-circle distance: the cells covered are at least
// those whose centres lie within a disc's radius less the shrink of one
// part in a thousand, and at most those within a radius.
func TestWalkOffCover(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	checked := 0
	for trial := range 40 {
		lat0 := -60 + rng.Float64()*120
		box := orb.Bound{Min: orb.Point{10, lat0}, Max: orb.Point{10.05, lat0 + 0.04}}
		cell := 20 + rng.Float64()*200
		g, err := geo.NewGrid(context.Background(), orb.MultiPolygon{box.ToPolygon()}, cell)
		if err != nil {
			t.Fatal(err)
		}
		w := newWalkOff(g)
		var discs []walkDisc
		for range 1 + rng.IntN(12) {
			d := walkDisc{orb.Point{10 + rng.Float64()*0.05, lat0 + rng.Float64()*0.04}, rng.Float64() * 2500}
			discs = append(discs, d)
			w.startPart()
			w.add(d.p, d.r, true)
		}
		before := g.Summary().CellsOpen
		if err := w.cover(context.Background()); err != nil {
			t.Fatal(err)
		}
		lo, hi := 0, 0
		for r := range g.Rows {
			for c := range g.Cols {
				ctr := g.Centre(r, c)
				if !g.Inside(ctr) {
					continue
				}
				in, near := false, false
				for _, d := range discs {
					dist := geo.Distance(d.p, ctr)
					in = in || dist <= d.r*(1-1e-3)*(1-1e-6)
					near = near || dist <= d.r
				}
				if in {
					lo++
				}
				if near {
					hi++
				}
			}
		}
		got := before - g.Summary().CellsOpen
		if got < lo || got > hi {
			t.Errorf("trial %d at %.1f°, cell %.0f m: %d cells covered; want %d–%d", trial, lat0, cell, got, lo, hi)
		}
		if hi > 0 {
			checked++
		}
	}
	if checked == 0 {
		t.Error("no trial covered a cell")
	}
}
