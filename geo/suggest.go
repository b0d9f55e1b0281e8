package geo

import (
	"context"
	"math"

	"github.com/paulmach/orb"
)

// MaxAutoCandidates is how many candidate sites Suggest draws from the
// uncovered cells when none are given.
const MaxAutoCandidates = 4000

// Site is one proposed new station: where, which candidate it is (its
// index in the candidates given to Suggest, or -1 for a cell centre),
// and the area it newly covers given the sites chosen before it.
type Site struct {
	Point          orb.Point
	Candidate      int
	NewlyCoveredM2 float64
}

// Suggest proposes up to n new sites, each covering radius meters, that
// together cover the most uncovered area of the grid (greedy maximal
// coverage: each pick covers the most area still uncovered; greedy is
// within 1 - 1/e of the best possible choice). Candidates are the given
// points, or, when there are none, the centres of uncovered cells on a
// coarser lattice (at most MaxAutoCandidates of them). Gains only shrink
// as sites are added, so stale gains are recomputed lazily (CELF), which
// keeps it to a few recomputations per pick. Picks that would cover
// nothing are not made. The grid's cells covered by the chosen sites are
// marked covered, so Summary and Gaps afterwards describe the area with
// the new sites.
//
// The first round (every candidate's first gain) is most of the work: more
// than MaxSuggestWork cell visits by SuggestWork is a *WorkLimitError,
// found before any is made. Later rounds revisit a few circles each (at
// worst every candidate once per pick); the deadline of ctx bounds them.
// ctx is checked before measuring each candidate's first gain and before
// each greedy step, and a circle's visit is at most one pass over the
// grid; when it ends,
// Suggest returns an error wrapping ctx.Err(), no sites, and a grid partly
// marked (discard it).
func (g *Grid) Suggest(ctx context.Context, n int, radius float64, candidates []orb.Point) ([]Site, error) {
	if n <= 0 || radius <= 0 {
		return nil, nil
	}
	idx := make([]int, 0, len(candidates))
	pts := make([]orb.Point, 0, len(candidates))
	if len(candidates) > 0 {
		for i, p := range candidates {
			if validPoint(p) {
				idx = append(idx, i)
				pts = append(pts, p)
			}
		}
	} else {
		open := g.Summary().CellsOpen
		stride := max(1, int(math.Ceil(math.Sqrt(float64(open)/MaxAutoCandidates))))
		for r := stride / 2; r < g.Rows; r += stride {
			for c := stride / 2; c < g.Cols; c += stride {
				if g.state[r*g.Cols+c] == cellOpen {
					idx = append(idx, -1)
					pts = append(pts, g.Centre(r, c))
				}
			}
		}
	}
	if err := CheckSuggestWork(g.bound, g.CellM, radius, pts); err != nil {
		return nil, err
	}
	theta := math.Min(radius/EarthRadius, math.Pi)
	cosT := math.Cos(theta)
	thetaDeg := theta*radToDeg + 1e-9
	// visit walks the open cells within the circle around pts[k]; with
	// mark it also marks them covered. It returns their area.
	visit := func(k int, mark bool) float64 {
		p := pts[k]
		sinP, cosP := math.Sincos(p[1] * degToRad)
		r0, r1 := g.rowsNear(p[1], thetaDeg)
		var a float64
		for r := r0; r < r1; r++ {
			row := g.state[r*g.Cols : (r+1)*g.Cols]
			g.circleCols(r, p, sinP, cosP, cosT, func(c0, c1 int) {
				var cnt int
				for c := c0; c < c1; c++ {
					if row[c] == cellOpen {
						cnt++
						if mark {
							row[c] = cellCovered
						}
					}
				}
				a += float64(cnt) * g.rowArea[r]
			})
		}
		return a
	}
	h := make([]gainItem, len(pts))
	for k := range pts {
		if err := stopped(ctx, "suggest"); err != nil {
			return nil, err
		}
		h[k] = gainItem{k: k, gain: visit(k, false)}
	}
	heapify(h, moreGain)
	var sites []Site
	for round := 0; len(sites) < n && len(h) > 0; {
		if err := stopped(ctx, "suggest"); err != nil {
			return nil, err
		}
		top := h[0]
		if top.round != round {
			h[0].gain, h[0].round = visit(top.k, false), round
			heapDown(h, 0, moreGain)
			continue
		}
		h = heapPop(h, moreGain)
		if top.gain <= 0 {
			break
		}
		visit(top.k, true)
		sites = append(sites, Site{Point: pts[top.k], Candidate: idx[top.k], NewlyCoveredM2: top.gain})
		round++
	}
	return sites, nil
}

type gainItem struct {
	k     int
	gain  float64
	round int // the pick number the gain was computed for
}

// moreGain orders the candidates' heap: the largest gain on top, ties
// to the lower candidate number.
func moreGain(a, b gainItem) bool {
	if a.gain != b.gain {
		return a.gain > b.gain
	}
	return a.k < b.k
}
