package geo

import (
	"context"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// MaxAutoCandidates is how many candidate sites Suggest draws from the
// uncovered cells when asked to (Plan.GridCandidates, or no candidates).
const MaxAutoCandidates = 4000

// MaxDemandPairs bounds the candidate–demand pairs within reach that a
// demand-weighted suggestion holds in memory (4 bytes each): more is a
// *WorkLimitError, found while they are counted, before the greedy starts.
const MaxDemandPairs = 5_000_000

// Site is one proposed new station: where, which candidate it is (its
// index in Plan.Candidates, or -1 for a cell centre), and what it newly
// covers given the stations and the sites chosen before it.
type Site struct {
	Point          orb.Point
	Candidate      int
	NewlyCoveredM2 float64 // area newly covered, square meters (grid cells)
	DemandGain     float64 // demand newly covered, in the demand's unit
}

// Plan is what a suggestion chooses from and for.
type Plan struct {
	N      int     // sites wanted
	Radius float64 // reach of a site, meters
	// Candidates are the allowed sites. GridCandidates adds the centres of
	// uncovered cells on a coarser lattice (at most MaxAutoCandidates);
	// with no Candidates they are always used.
	Candidates     []orb.Point
	GridCandidates bool
	// Demand is the weighted demand; Covered[i] says whether Demand[i] is
	// covered already (by the fixed stations). Suggest marks the demand
	// its sites cover. Nil Demand: area only.
	Demand  []DemandPoint
	Covered []bool
	// Fixed are the stations that stay where they are; sites are spread
	// away from them (and from each other) when gains tie.
	Fixed []orb.Point
}

// Suggest proposes up to n new sites of radius meters among candidates
// (nil: cell centres) that together cover the most uncovered area: the
// area-only form of SuggestPlan.
func (g *Grid) Suggest(ctx context.Context, n int, radius float64, candidates []orb.Point) ([]Site, error) {
	return g.SuggestPlan(ctx, Plan{N: n, Radius: radius, Candidates: candidates})
}

// SuggestPlan proposes up to p.N new sites that together cover the most
// demand (maximal covering location, as MCLP): greedy, each pick covering
// the most demand still uncovered. Covered demand is a monotone
// submodular function of the set of sites, so the greedy choice covers at
// least 1 − 1/e (63%) of what the best choice of p.N sites would cover
// (Nemhauser, Wolsey and Fisher, 1978); on small instances it is usually
// the optimum (see the tests). Gains only shrink as sites are added, so a
// stale gain is an upper bound and is recomputed only when it reaches the
// top of a heap (lazy greedy, CELF), a few recomputations per pick.
//
// Ties in demand (every pick once the demand is covered, or when there is
// none) go to the site covering the most uncovered area, gains within
// areaTie of each other counting as equal; remaining ties go to the site
// farthest from every fixed station and chosen site (spreading them
// apart), then to the one nearest the area's centre. Each part of that
// order only shrinks as sites are added, so the lazy greedy stays exact
// and picks what a plain greedy recomputing every candidate would.
// Picks that would cover neither demand nor area are not made. The grid's
// cells covered by the chosen sites are marked covered, so Summary and
// Gaps afterwards describe the area with the new sites.
//
// The first round (every candidate's first gain) is most of the work: more
// than MaxSuggestWork cell visits by SuggestWork, or more than
// MaxDemandPairs candidate–demand pairs, is a *WorkLimitError, found
// before the greedy starts. ctx is checked before measuring each
// candidate's first gain and before each greedy step; when it ends,
// SuggestPlan returns an error wrapping ctx.Err(), no sites, and a grid
// and Covered partly marked (discard them).
func (g *Grid) SuggestPlan(ctx context.Context, p Plan) ([]Site, error) {
	if p.N <= 0 || p.Radius <= 0 {
		return nil, nil
	}
	s, err := g.newSuggester(ctx, p)
	if err != nil {
		return nil, err
	}
	h := make([]siteKey, len(s.pts))
	for k := range s.pts {
		if err := stopped(ctx, "suggest"); err != nil {
			return nil, err
		}
		h[k] = s.key(k)
	}
	heapify(h, betterSite)
	var sites []Site
	for len(sites) < p.N && len(h) > 0 {
		if err := stopped(ctx, "suggest"); err != nil {
			return nil, err
		}
		top := h[0]
		if top.round != len(sites) {
			h[0] = s.key(top.k)
			h[0].round = len(sites)
			heapDown(h, 0, betterSite)
			continue
		}
		h = heapPop(h, betterSite)
		if top.demand <= 0 && top.areaM2 <= 0 {
			break
		}
		sites = append(sites, s.pick(top))
	}
	return sites, nil
}

// suggester holds one suggestion's candidates and what each can cover.
type suggester struct {
	g      *Grid
	p      Plan
	pts    []orb.Point // candidates, given ones first
	idx    []int       // Plan.Candidates index of pts[k], -1 for a cell centre
	start  []int32     // demand within reach of pts[k]: inc[start[k]:start[k+1]]
	inc    []int32
	fixedM []float64 // meters from pts[k] to the nearest fixed station; +Inf for none
	centre []float64 // meters from pts[k] to the centre of the area's bound
	chosen []orb.Point
	quant  float64 // the area gains within which sites tie, square meters
	cosT   float64
	thetaD float64
}

// areaTie is the share of a full service circle's area within which two
// area gains count as equal, so that the spreading rule decides between
// sites the grid's cells cannot tell apart.
const areaTie = 0.02

func (g *Grid) newSuggester(ctx context.Context, p Plan) (*suggester, error) {
	if len(p.Covered) != len(p.Demand) {
		p.Covered = make([]bool, len(p.Demand))
	}
	s := &suggester{g: g, p: p}
	for i, pt := range p.Candidates {
		if validPoint(pt) {
			s.idx = append(s.idx, i)
			s.pts = append(s.pts, pt)
		}
	}
	given := len(s.pts)
	if p.GridCandidates || len(p.Candidates) == 0 {
		s.pts, s.idx = g.cellCandidates(s.pts, s.idx)
	}
	if err := checkPlanWork(g.bound, g.CellM, p.Radius, s.pts[:given], p.GridCandidates || len(p.Candidates) == 0); err != nil {
		return nil, err
	}
	theta := math.Min(p.Radius/EarthRadius, math.Pi)
	s.cosT, s.thetaD = math.Cos(theta), theta*radToDeg+1e-9
	circle := 2 * math.Pi * EarthRadius * EarthRadius * (1 - math.Cos(theta))
	s.quant = math.Max(areaTie*circle, 2*g.CellM*g.CellM)

	// Demand within reach of each candidate, by index order of the demand
	// so that every sum is taken in one order.
	s.start = make([]int32, len(s.pts)+1)
	if len(p.Demand) > 0 {
		dp := make([]orb.Point, len(p.Demand))
		for i, d := range p.Demand {
			dp[i] = d.Point
		}
		ix := NewIndex(dp)
		var boxes [2]orb.Bound
		for k, pt := range s.pts {
			if err := stopped(ctx, "suggest"); err != nil {
				return nil, err
			}
			first := len(s.inc)
			nb, _ := boundAround(pt, p.Radius, &boxes)
			for _, bx := range boxes[:nb] {
				ix.InBound(bx, func(slot uint32, q orb.Point) bool {
					if Distance(pt, q) <= p.Radius {
						s.inc = append(s.inc, int32(slot))
					}
					return true
				})
			}
			if len(s.inc) > MaxDemandPairs {
				return nil, &WorkLimitError{Work: int64(len(s.inc)), Limit: MaxDemandPairs, Unit: "candidate–demand pairs within reach",
					Else: "give fewer candidates or fewer demand points (aggregate nearby ones), a smaller radius, or a smaller area"}
			}
			slices.Sort(s.inc[first:])
			s.start[k+1] = int32(len(s.inc))
		}
	}
	var fixed *Index
	if len(p.Fixed) > 0 {
		fixed = NewIndex(p.Fixed)
	}
	c := g.bound.Center()
	s.fixedM = make([]float64, len(s.pts))
	s.centre = make([]float64, len(s.pts))
	for k, pt := range s.pts {
		s.fixedM[k] = math.Inf(1)
		if fixed != nil {
			if h := fixed.Nearest(pt, 1, 0, nil); len(h) > 0 {
				s.fixedM[k] = h[0].Meters
			}
		}
		s.centre[k] = Distance(pt, c)
	}
	return s, nil
}

// cellCandidates appends the centres of open cells on a lattice coarse
// enough to give at most MaxAutoCandidates of them.
func (g *Grid) cellCandidates(pts []orb.Point, idx []int) ([]orb.Point, []int) {
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
	return pts, idx
}

// checkPlanWork is CheckSuggestWork for given candidates plus, with grid,
// the automatic ones.
func checkPlanWork(b orb.Bound, cellM, radius float64, given []orb.Point, grid bool) error {
	work := func(s float64) int64 {
		var n int64
		if len(given) > 0 {
			n += SuggestWork(b, s, radius, given)
		}
		if grid {
			n += SuggestWork(b, s, radius, nil)
		}
		return n
	}
	if n := work(cellM); n > MaxSuggestWork {
		return &WorkLimitError{Work: n, Limit: MaxSuggestWork, Unit: "cell visits", CellM: cellM,
			MinCellM: minCellWithin(work, MaxSuggestWork), Else: "or fewer candidates, a smaller radius, or a smaller area"}
	}
	return nil
}

// MinPlanCell is the smallest whole number of meters at which a
// suggestion among candidates (plus the automatic ones with grid) over b
// stays within MaxSuggestWork; 0 when none does.
func MinPlanCell(b orb.Bound, radius float64, candidates []orb.Point, grid bool) float64 {
	return minCellWithin(func(s float64) int64 {
		var n int64
		if len(candidates) > 0 {
			n += SuggestWork(b, s, radius, candidates)
		}
		if grid || len(candidates) == 0 {
			n += SuggestWork(b, s, radius, nil)
		}
		return n
	}, MaxSuggestWork)
}

// CheckPlanWork is nil when SuggestPlan with candidates (plus the
// automatic ones with grid, or with no candidates) on the grid over b at
// cellM is within MaxSuggestWork, else a *WorkLimitError that gives the
// smallest cell size that fits.
func CheckPlanWork(b orb.Bound, cellM, radius float64, candidates []orb.Point, grid bool) error {
	return checkPlanWork(b, cellM, radius, candidates, grid || len(candidates) == 0)
}

// siteKey is a candidate's place in the greedy order, as of one round.
type siteKey struct {
	demand float64 // demand newly covered
	areaQ  float64 // areaM2 in whole quanta (suggester.quant)
	areaM2 float64 // area newly covered, square meters
	spread float64 // meters to the nearest fixed station or chosen site
	centre float64 // meters to the area's centre
	k      int     // candidate number
	round  int     // the number of sites chosen when the key was computed
}

// betterSite is the greedy order: more demand, then more area (in
// quanta), then farther from the others, then nearer the centre, then the
// lower candidate number. Every part but the last two (which never
// change) only shrinks as sites are chosen, so a stale key never ranks
// below its fresh value.
func betterSite(a, b siteKey) bool {
	switch {
	case a.demand != b.demand:
		return a.demand > b.demand
	case a.areaQ != b.areaQ:
		return a.areaQ > b.areaQ
	case a.spread != b.spread:
		return a.spread > b.spread
	case a.centre != b.centre:
		return a.centre < b.centre
	}
	return a.k < b.k
}

// key computes candidate k's key given the sites chosen so far.
func (s *suggester) key(k int) siteKey {
	var d float64
	for _, i := range s.inc[s.start[k]:s.start[k+1]] {
		if !s.p.Covered[i] {
			d += s.p.Demand[i].Weight
		}
	}
	a := s.g.circleArea(s.pts[k], s.cosT, s.thetaD, false)
	spread := s.fixedM[k]
	for _, c := range s.chosen {
		spread = math.Min(spread, Distance(s.pts[k], c))
	}
	return siteKey{demand: d, areaQ: math.Floor(a / s.quant), areaM2: a, spread: spread, centre: s.centre[k], k: k, round: len(s.chosen)}
}

// pick makes the site of key t: its demand and cells become covered.
func (s *suggester) pick(t siteKey) Site {
	for _, i := range s.inc[s.start[t.k]:s.start[t.k+1]] {
		s.p.Covered[i] = true
	}
	s.g.circleArea(s.pts[t.k], s.cosT, s.thetaD, true)
	s.chosen = append(s.chosen, s.pts[t.k])
	return Site{Point: s.pts[t.k], Candidate: s.idx[t.k], NewlyCoveredM2: t.areaM2, DemandGain: t.demand}
}

// circleArea is the area of the open cells whose centres lie within the
// circle around p (cosT: cosine of its angular radius, thetaDeg that
// radius in degrees); with mark it also marks them covered.
func (g *Grid) circleArea(p orb.Point, cosT, thetaDeg float64, mark bool) float64 {
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
