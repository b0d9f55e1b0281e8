package plan

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/roads"
)

// TestWalkOffCover checks walkOff.cover on random discs, shrunk as
// addPart shrinks them, against every cell centre's great-circle
// distance: the cells covered are at least those within the shrunk radius
// (to 1e-5) and at most those within the radius.
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
			w.end(d.p, d.r*(1-1e-3)) // as addPart shrinks them
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
					in = in || dist <= d.r*(1-1e-3)*(1-1e-5)
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

// TestWalkOffPart checks the discs along random road parts against the
// walk-off along the whole road (sampled every metre): every cell within
// it less ε (half a cell) and the shrink is covered, none beyond
// it (to the sampling's 2 m).
func TestWalkOffPart(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := range 16 {
		box := orb.Bound{Min: orb.Point{1.5, 42.5}, Max: orb.Point{1.56, 42.54}}
		cell := 25 + rng.Float64()*100
		g, err := geo.NewGrid(context.Background(), orb.MultiPolygon{box.ToPolygon()}, cell)
		if err != nil {
			t.Fatal(err)
		}
		w := newWalkOff(g)
		part := orb.LineString{{1.52 + rng.Float64()*0.02, 42.51 + rng.Float64()*0.02}}
		for range 1 + rng.IntN(6) {
			q := part[len(part)-1]
			part = append(part, orb.Point{q[0] + (rng.Float64()-0.5)*0.01, q[1] + (rng.Float64()-0.5)*0.008})
		}
		lens := make([]float64, len(part)-1)
		total := 0.0
		for i := range lens {
			lens[i] = planarM(part[i], part[i+1], w.kx)
			total += lens[i]
		}
		seconds, walk := 900.0, 5/3.6
		fromS := rng.Float64() * 400
		toS := fromS + rng.Float64()*(seconds-fromS)*1.2 // may run out of time
		w.addPart(part, lens, total, fromS, toS, seconds, walk)
		type sample struct {
			p orb.Point
			r float64
		}
		var samples []sample
		done := 0.0
		for i, d := range lens {
			k := max(1, int(d/2))
			for j := 0; j <= k; j++ {
				f := float64(j) / float64(k)
				s := fromS + (toS-fromS)*(done+d*f)/total
				a, b := part[i], part[i+1]
				samples = append(samples, sample{orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}, (seconds - s) * walk})
			}
			done += d
		}
		before := g.Summary().CellsOpen
		if err := w.cover(context.Background()); err != nil {
			t.Fatal(err)
		}
		lo, hi := 0, 0
		for r := range g.Rows {
			for c := range g.Cols {
				ctr := g.Centre(r, c)
				in, near := false, false
				for _, s := range samples {
					if s.r <= 0 || math.Abs(s.p[1]-ctr[1])*degM > s.r+2 {
						continue
					}
					dist := geo.Distance(s.p, ctr)
					in = in || dist <= s.r*(1-1e-3)-w.eps-2
					near = near || dist <= s.r+2
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
			t.Errorf("trial %d, cell %.0f m, %d positions: %d cells covered; want %d–%d", trial, cell, len(part), got, lo, hi)
		}
	}
}

// TestRoadCellsDeep checks that leaving the road cells deep inside the
// walk-off unsampled changes nothing: 15 minutes' drive in Andorra on
// 50 m cells covers the same cells either way.
func TestRoadCellsDeep(t *testing.T) {
	n := andorra(t)
	area := orb.MultiPolygon{n.Bound().ToPolygon()}
	prof := capped(roads.DefaultProfile(roads.Drive))
	pts := []orb.Point{{1.5341, 42.5097}, {1.5802, 42.5353}, {1.4912, 42.4637}, {1.7327, 42.5425}}
	var open [2]int
	for i, deep := range []float64{math.Inf(1), 0} {
		g, err := geo.NewGrid(context.Background(), area, 50)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			deep = 2 * g.CellM
		}
		if _, err := coverByTimeDeep(context.Background(), n, g, pts, 900, &prof, deep); err != nil {
			t.Fatal(err)
		}
		open[i] = g.Summary().CellsOpen
	}
	if open[0] != open[1] {
		t.Errorf("%d cells open with every road cell sampled, %d with the deep ones left to the walk-off", open[0], open[1])
	}
}
