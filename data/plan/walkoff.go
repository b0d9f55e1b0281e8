package plan

import (
	"context"
	"math"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// walkDisc is the land walked off a reached road point: its centre and
// the distance walked in the time left there, in meters.
type walkDisc struct {
	p orb.Point
	r float64
}

// walkOff collects the walk-off discs along the reached roads and covers
// the grid's cells whose centres lie within one. Consecutive discs along
// a road are kept no closer than the road is sampled and no farther than
// sqrt(8·r·ε) apart, ε a quarter of a cell: two discs of radius r that far
// apart leave a notch of at most ε between them, so the union of the kept
// discs is the union along the whole road, less at most ε, while a walk
// of a kilometre keeps one disc in about every 300 m of road instead of
// one a sample. Radii are shrunk by one part in a thousand, more than the
// error of measuring on the grid's rows (see cover), so a cell is never
// covered farther than the time allows.
type walkOff struct {
	g     *geo.Grid
	eps   float64
	kx    float64 // meters per degree of longitude at the grid's middle latitude
	discs []walkDisc
	last  walkDisc // the last disc kept on the current road part
	has   bool
}

func newWalkOff(g *geo.Grid) *walkOff {
	mid := (g.South + float64(g.Rows)*g.DLat/2) * math.Pi / 180
	return &walkOff{g: g, eps: g.CellM / 4, kx: degM * math.Max(1e-6, math.Cos(mid))}
}

// degM is meters per degree of latitude.
const degM = geo.EarthRadius * math.Pi / 180

// planarM is the distance from a to b in meters, on a plane with kx
// meters per degree of longitude: for fractions along a road and the
// spacing of discs, never for what is covered.
func planarM(a, b orb.Point, kx float64) float64 {
	return math.Hypot((b[0]-a[0])*kx, (b[1]-a[1])*degM)
}

// startPart begins a new reached road part.
func (w *walkOff) startPart() { w.has = false }

// add offers the disc of radius r (meters) at p, the next point along the
// current part; r <= 0 is no disc. It keeps it when it is far enough
// from the last kept (see walkOff), or when final (a part's last point).
func (w *walkOff) add(p orb.Point, r float64, final bool) {
	r *= 1 - 1e-3
	if r <= 0 {
		return
	}
	d := walkDisc{p, r}
	if w.has && !final {
		gap := math.Sqrt(8 * math.Min(r, w.last.r) * w.eps)
		if planarM(w.last.p, p, w.kx) < gap {
			return
		}
	}
	w.discs = append(w.discs, d)
	w.last, w.has = d, true
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
		k := 0
		for _, s := range active {
			if s.r1 < r {
				continue
			}
			active[k] = s
			k++
			dy := (lat - s.d.p[1]) * degM
			h := s.d.r*s.d.r - dy*dy
			if h < 0 {
				continue
			}
			// cos((φ+φ0)/2) to first order in the half difference.
			cosM := max(1e-6, cosL+sinL*(lat-s.d.p[1])/2*math.Pi/180)
			half := math.Sqrt(h) / (degM * cosM)
			c0 := max(0, int(math.Ceil((s.d.p[0]-half-g.West)/g.DLon-0.5)))
			c1 := min(g.Cols-1, int(math.Floor((s.d.p[0]+half-g.West)/g.DLon-0.5)))
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
				centres = append(centres, g.Centre(r, c))
			}
		}
		diff[g.Cols] = 0
		g.CoverCells(centres)
	}
	return nil
}
