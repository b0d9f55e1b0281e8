package plan

import (
	"context"
	"math"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/roads"
)

// walkDisc is the land walked off a reached road point: its centre and
// the distance walked in the time left there, in meters.
type walkDisc struct {
	p orb.Point
	r float64
}

// walkOff collects the walk-off discs along the reached roads and covers
// the grid's cells whose centres lie within one. Along a road part the
// radius changes linearly with the distance along it; the part is
// simplified to within ε/2, ε half a cell (as far as the grid's own
// half-cell rounding goes), and discs are kept at its positions and at
// most max(sqrt(4·r·ε), ε/2) apart along each straight stretch, r the
// smallest radius between them: two discs of radius r that far apart
// leave a notch of at most ε/2 between them, so the union of the kept
// discs is the union along the whole road, less about ε, while a walk of
// a kilometre keeps one disc in about every 300 m of road (on 50 m
// cells). A part's ends, mostly junctions shared by the parts meeting
// there, keep one disc each, the largest.
// Radii are shrunk by one part in a thousand, more than the error of
// measuring on the grid's rows (see cover), so a cell is never covered
// farther than the time allows.
type walkOff struct {
	g     *geo.Grid
	eps   float64
	kx    float64 // meters per degree of longitude at the grid's middle latitude
	discs []walkDisc
	ends  map[uint64]int32 // the disc at each part's end, by a hash of its position
	// One part's planar positions, distances along it and kept
	// positions, reused.
	xy   [][2]float64
	at   []float64
	keep []int
}

func newWalkOff(g *geo.Grid) *walkOff {
	mid := (g.South + float64(g.Rows)*g.DLat/2) * math.Pi / 180
	return &walkOff{g: g, eps: g.CellM / 2, kx: degM * max(1e-6, math.Cos(mid)), ends: map[uint64]int32{}}
}

// degM is meters per degree of latitude.
const degM = geo.EarthRadius * math.Pi / 180

// planarM is the distance from a to b in meters, on a plane with kx
// meters per degree of longitude: for fractions along a road and the
// spacing of discs, never for what is covered.
func planarM(a, b orb.Point, kx float64) float64 {
	return math.Hypot((b[0]-a[0])*kx, (b[1]-a[1])*degM)
}

// addPart adds the discs along one reached part: positions pts, lens the
// lengths of its segments (planarM, summing to total), reached at fromS
// seconds at its start and toS at its end, seconds the bound; a point's
// radius is the time left there times walk (m/s), linear along the part.
// The part is first simplified to within ε/2 (roads.Simplify: a curvy
// road has positions metres apart); each kept position gets a disc, and
// each straight stretch between two discs as many more as keep the notch
// between them within ε/2 (see walkOff). Nothing is kept where no time
// is left.
func (w *walkOff) addPart(pts orb.LineString, lens []float64, total, fromS, toS, seconds, walk float64) {
	if len(pts) == 0 {
		return
	}
	rAt := func(along float64) float64 {
		s := toS
		if total > 0 {
			s = fromS + (toS-fromS)*along/total
		}
		return (seconds - s) * walk * (1 - 1e-3)
	}
	tol := w.eps / 2
	// The notch between discs of radius r a gap g apart is g²/(8r).
	gapFor := func(r float64) float64 { return max(math.Sqrt(8*max(0, r)*tol), tol) }
	o := pts[0]
	w.xy, w.at = w.xy[:0], w.at[:0]
	for i, p := range pts {
		w.xy = append(w.xy, [2]float64{(p[0] - o[0]) * w.kx, (p[1] - o[1]) * degM})
		if i == 0 {
			w.at = append(w.at, 0)
		} else {
			w.at = append(w.at, w.at[i-1]+lens[i-1])
		}
	}
	w.keep = roads.Simplify(w.xy, tol, w.keep[:0])
	w.end(pts[0], rAt(0))
	for j := 1; j < len(w.keep); j++ {
		k0, k1 := w.keep[j-1], w.keep[j]
		a, b := pts[k0], pts[k1]
		s0, s1 := w.at[k0], w.at[k1]
		if j > 1 {
			if r := rAt(s0); r > 0 {
				w.discs = append(w.discs, walkDisc{a, r})
			}
		}
		l := math.Hypot(w.xy[k1][0]-w.xy[k0][0], w.xy[k1][1]-w.xy[k0][1])
		if !(l > 0) {
			continue
		}
		// The radius is linear along the stretch, so its least between
		// two discs is at one of them; the gap is found with the radius a
		// first guess of it reaches, no more than the least over it.
		rU := func(u float64) float64 { return rAt(s0 + u*(s1-s0)) }
		lastU, lastR := 0.0, rU(0)
		for {
			u := lastU + gapFor(min(lastR, rU(lastU+gapFor(lastR)/l)))/l
			if u >= 1 {
				break
			}
			r := rU(u)
			if r > 0 {
				w.discs = append(w.discs, walkDisc{orb.Point{a[0] + (b[0]-a[0])*u, a[1] + (b[1]-a[1])*u}, r})
			}
			lastU, lastR = u, r
		}
	}
	w.end(pts[len(pts)-1], rAt(total))
}

// end keeps the disc of radius r at a part's end p, one disc per
// position, the largest.
func (w *walkOff) end(p orb.Point, r float64) {
	if r <= 0 {
		return
	}
	h := math.Float64bits(p[0])*0x9e3779b97f4a7c15 ^ math.Float64bits(p[1])
	if i, ok := w.ends[h]; ok && w.discs[i].p == p {
		w.discs[i].r = max(w.discs[i].r, r)
		return
	} else if !ok {
		w.ends[h] = int32(len(w.discs))
	} // else another position with the same hash: a disc of its own
	w.discs = append(w.discs, walkDisc{p, r})
}

// cover marks the cells of g whose centres lie within a kept disc: row by
// row, each disc's interval of columns added to a difference array. On a
// row at latitude φ the east–west half-width of a disc at latitude φ0 is
// measured at the mean latitude (φ+φ0)/2, which leaves an error of a few
// parts in a million at walking distances. ctx is checked every row. The
// cost is O(disc rows + rows × columns).
func (w *walkOff) cover(ctx context.Context) error {
	g := w.g
	if len(w.discs) == 0 {
		return nil
	}
	type span struct {
		d      walkDisc
		r0, r1 int // rows, inclusive
	}
	// The discs by first row (a counting sort).
	spans := make([]span, 0, len(w.discs))
	first := make([]int32, g.Rows+1)
	for _, d := range w.discs {
		dLat := d.r / degM
		r0 := max(0, int(math.Ceil((d.p[1]-dLat-g.South)/g.DLat-0.5)))
		r1 := min(g.Rows-1, int(math.Floor((d.p[1]+dLat-g.South)/g.DLat-0.5)))
		if r0 <= r1 {
			spans = append(spans, span{d, r0, r1})
			first[r0+1]++
		}
	}
	for r := 1; r <= g.Rows; r++ {
		first[r] += first[r-1]
	}
	sorted := make([]span, len(spans))
	for _, sp := range spans {
		sorted[first[sp.r0]] = sp
		first[sp.r0]++
	}
	spans = sorted
	diff := make([]int32, g.Cols+1)
	var active []span
	var centres []orb.Point
	next := 0
	for r := 0; r < g.Rows; r++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		for next < len(spans) && spans[next].r0 == r {
			active = append(active, spans[next])
			next++
		}
		if len(active) == 0 {
			if next == len(spans) {
				break
			}
			continue
		}
		lat := g.South + (float64(r)+0.5)*g.DLat
		sinL, cosL := math.Sincos(lat * math.Pi / 180)
		// Columns per meter east–west on this row, and the first-order
		// change of it with the half difference of latitude δ:
		// 1/cos(φ−δ) ≈ (1 − tan φ·δ)/cos φ, the second-order rest a few
		// parts in a hundred million at walking distances.
		perM := 1 / (degM * max(1e-6, cosL) * g.DLon)
		tanL := sinL / max(1e-6, cosL)
		x0 := g.West/g.DLon + 0.5 // a longitude over DLon, less x0, is its column
		k := 0
		for _, s := range active {
			if s.r1 < r {
				continue
			}
			active[k] = s
			k++
			dLat := lat - s.d.p[1]
			dy := dLat * degM
			h := s.d.r*s.d.r - dy*dy
			if h < 0 {
				continue
			}
			half := math.Sqrt(h) * perM * (1 - tanL*dLat*(math.Pi/360))
			mid := s.d.p[0]/g.DLon - x0
			c0 := max(0, int(math.Ceil(mid-half)))
			c1 := min(g.Cols-1, int(math.Floor(mid+half)))
			if c0 <= c1 {
				diff[c0]++
				diff[c1+1]--
			}
		}
		active = active[:k]
		centres = centres[:0]
		var run int32
		for c := 0; c < g.Cols; c++ {
			run += diff[c]
			diff[c] = 0
			if run > 0 {
				centres = append(centres, orb.Point{g.West + (float64(c)+0.5)*g.DLon, lat})
			}
		}
		diff[g.Cols] = 0
		g.CoverCells(centres)
	}
	return nil
}
