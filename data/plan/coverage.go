package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/geo"
	"yizhan/roads"
)

// Limits of coverage gaps and suggestions, besides the work limits of geo
// (geo.MaxAreaVertices, geo.MaxGridCells, geo.MaxGridCrossings,
// geo.MaxCoverWork, geo.MaxSuggestWork, ...), which bound the work of any
// request to about a second each.
const (
	// MaxCellM bounds cell_m in meters; geo.MinCellMeters is the least.
	MaxCellM = 100_000
	// DefaultSuggest and MaxSuggest bound n, the sites a suggestion proposes.
	DefaultSuggest = 5
	MaxSuggest     = 50
	// MaxCandidates bounds the candidate sites given to a suggestion.
	MaxCandidates = 10_000
	// MaxGapFeatures caps the gap polygons of one answer: the largest are
	// returned, gaps_total says how many there are.
	MaxGapFeatures = 5_000
)

// Timeout bounds the work of one planner request (from the area's
// validation on). The work limits of geo bound the work of any request to
// about a second each on an idle server, but many of them at once, on a
// loaded server, could each run far longer and hold a core while later
// requests queue; past this time an answer is worth less than the
// capacity it takes, so the work stops with an Unavailable error saying
// how to ask for less. It is below the HTTP server's 30 s write timeout so
// that the answer still reaches the client.
const Timeout = 10 * time.Second

// Planner answers planning requests over a snapshot of the records.
type Planner struct {
	// Layers holds the bundled regions a request may name; nil: none.
	Layers *bundled.Layers
	// Timeout bounds each request's work; 0 means Timeout.
	Timeout time.Duration
	// Now is the instant open_now means; nil means time.Now.
	Now func() time.Time
	// Roads is the road network travel uses; nil: none, the straight line (network.go).
	Roads *roads.Network
	// Snaps keeps the snaps to Roads of records and demand points, and the
	// road demand and junction candidates of area boxes, between requests;
	// nil: none (snapcache.go, roadcache.go).
	Snaps *SnapCache
}

func (p *Planner) timeout() time.Duration {
	if p.Timeout == 0 {
		return Timeout
	}
	return p.Timeout
}

func (p *Planner) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// GapsRequest asks for the parts of an area outside every service circle.
// It is the body of POST /v1/coverage/gaps, and what `yizhan gaps` fills
// from its flags.
type GapsRequest struct {
	Area   json.RawMessage `json:"area"`   // a GeoJSON Polygon or MultiPolygon, or a Feature of one
	Region string          `json:"region"` // a bundled region by name or code; with area, the area is clipped to it
	CellM  *float64        `json:"cell_m"` // nil: chosen from the area and radius
	// Demand is a GeoJSON FeatureCollection of Points with a numeric
	// "weight", or "none" (area only) or "default"; absent, the bundled
	// default (bundled.DefaultDemand). DemandCSV gives it as CSV instead.
	Demand    json.RawMessage `json:"demand"`
	DemandCSV string          `json:"demand_csv"`
	Search
}

// GapsExample is a GapsRequest as JSON, for messages.
const GapsExample = `{"region": "Inner Mongolia", "minutes": 15, "mode": "walk"}`

// SuggestRequest asks for up to N new sites that would cover the most of
// what is uncovered: the body of POST /v1/coverage/suggest.
type SuggestRequest struct {
	GapsRequest
	N          *int            `json:"n"`          // nil: DefaultSuggest
	Candidates json.RawMessage `json:"candidates"` // allowed sites; absent: bundled places, demand points and uncovered cell centres
}

// SuggestExample is a SuggestRequest as JSON, for messages.
const SuggestExample = `{"region": "Inner Mongolia", "minutes": 60, "mode": "truck", "n": 5}`

// The scenarios every coverage answer compares, in this order.
const (
	ScenarioToday         = "today"          // the open records passing the filter
	ScenarioWithPlanned   = "with_planned"   // and the planned ones
	ScenarioWithSuggested = "with_suggested" // and the suggested sites (suggestions only)
)

// Scenario is the coverage of one set of stations.
type Scenario struct {
	Name          string
	Stations      int // stations (and sites) counted
	Summary       geo.CoverageSummary
	DemandCovered float64
	GapsClosed    int // gaps of today that this scenario covers entirely
}

// Coverage is what a coverage answer reports besides its features: the
// grid, the totals, the circle, the filter and the demand used, and the
// scenarios.
type Coverage struct {
	Area      orb.MultiPolygon    // WGS 84, as given or as the region's outline
	Clip      orb.MultiPolygon    // the outline of ClippedTo, nil when not clipped
	Region    *bundled.RegionInfo // the bundled region named, if one was
	ClippedTo *bundled.RegionInfo // the region the area was clipped to, if it was
	Reach     geo.Reach
	Filter    data.Filter // the records counted today
	Lang      string
	Grid      *geo.Grid
	Auto      bool                // the cell size was chosen, not given
	Summary   geo.CoverageSummary // today
	Counted   int                 // records counted today: those passing the filter near the area
	Demand    *Demand             // the demand inside the area
	// DemandCovered is the demand covered today.
	DemandCovered float64
	Scenarios     []Scenario
	// Stations and Planned are where the records counted today and the
	// planned ones are (near the area), for maps.
	Stations, Planned []orb.Point
	By                string // "time" by travel time, else "distance"
	Method            string // MethodNetwork or MethodStraightLine
}

// DemandTotal is the weight of the demand inside the area.
func (c *Coverage) DemandTotal() float64 {
	t, _ := geo.DemandSum(c.Demand.Points, nil)
	return t
}

// Gaps is the answer to a GapsRequest.
type Gaps struct {
	Coverage
	Gaps     []geo.Gap // every gap, largest first; answers show MaxGapFeatures at most
	ClosedBy []string  // per gap: the first scenario that closes it, "" for none
	// Nearest is, for each of the first MaxGapFeatures gaps, the record
	// counted today nearest its centroid; nil for none.
	Nearest []*NearStation
}

// Suggestion is the answer to a SuggestRequest.
type Suggestion struct {
	Coverage                     // before the sites (today)
	After    geo.CoverageSummary // with the planned records and the sites
	// DemandAfter is the demand covered with the planned records and the sites.
	DemandAfter float64
	Sites       []SiteCard
	Candidates  []Candidate // Site.Candidate indexes it
	From        []string    // where the candidates came from: CandidatesGiven, or places, demand and grid
	// ClosedBy is, per gap of today on this grid (largest first, as Gaps
	// gives them), the first scenario that closes it, "" for none.
	ClosedBy []string
}

// SiteCard is one suggested site and what a planner wants to know of it.
type SiteCard struct {
	geo.Site
	Nearest   *NearStation // the nearest record counted today; nil for none
	NearPlace *NearPlace   // the nearest bundled populated place; nil for none
}

// NearStation is the nearest record to a site or gap: by straight-line
// distance, or, with ByTime, by travel time on the roads (nearcard.go).
type NearStation struct {
	ID        string
	Name      string  // in the request's language
	DistanceM float64 // the straight line to it, meters
	// ByTime: found on the roads, DurationS the trip to it (the off-road
	// parts included) and RoadMeters its road part.
	ByTime     bool
	DurationS  float64
	RoadMeters float64
}

// NearPlace is the populated place nearest a site.
type NearPlace struct {
	Name      string // in the request's language
	DistanceM float64
}

// Where candidates come from, as Suggestion.From names them.
const (
	CandidatesGiven  = "given"
	CandidatesPlaces = "places"
	CandidatesDemand = "demand"
	CandidatesGrid   = "grid"
	// CandidatesJunctions are road junctions of the loaded network
	// (junctionCandidates, roaddemand.go).
	CandidatesJunctions = "junctions"
)

// coverage is a checked GapsRequest.
type coverage struct {
	area      orb.MultiPolygon
	clip      orb.MultiPolygon // the region to clip area to, nil for none
	region    *bundled.RegionInfo
	clippedTo *bundled.RegionInfo
	reach     geo.Reach
	filter    data.Filter
	lang      string
	cellM     float64 // 0: automatic
	demand    *Demand
	travel    *travel // by time; nil: by distance (network.go)
	method    string  // MethodNetwork when by time on roads, else MethodStraightLine
}

// check checks a GapsRequest given in cv (nil: WGS 84).
func (p *Planner) check(ctx context.Context, req *GapsRequest, cv Coords) (coverage, error) {
	var c coverage
	var err error
	if err = p.areaOf(ctx, req, cv, &c); err != nil {
		return c, err
	}
	if c.reach, err = req.reach().Parse(); err != nil {
		return c, err
	}
	if c.filter, c.lang, err = req.filter().Parse(p.now()); err != nil {
		return c, err
	}
	if c.travel, err = req.timeTravel(); err != nil {
		return c, err
	}
	c.method = c.coverMethod(p.Roads)
	if req.CellM != nil {
		if !(*req.CellM >= geo.MinCellMeters && *req.CellM <= MaxCellM) {
			return c, bad("cell_m", "cell_m must be from %d to %d meters, got %s (leave it out to choose automatically)", geo.MinCellMeters, MaxCellM, geo.Num(*req.CellM))
		}
		c.cellM = *req.CellM
	}
	if c.demand, err = p.parseDemand(ctx, req, cv, &c); err != nil {
		return c, err
	}
	return c, nil
}

// areaOf resolves a request's area and region into c. A bundled region is
// WGS 84 already; an area is read in cv. Both: the area clipped to the
// region.
func (p *Planner) areaOf(ctx context.Context, req *GapsRequest, cv Coords, c *coverage) error {
	hasArea := given(req.Area)
	var region orb.MultiPolygon
	if req.Region != "" {
		if p.Layers == nil {
			return bad("region", "this server has no bundled regions; send an area polygon instead")
		}
		mp, info, ok := p.Layers.Region(req.Region)
		if !ok {
			var names []string
			for _, r := range p.Layers.Regions() {
				names = append(names, fmt.Sprintf("%s / %s / %s", r.NameEN, r.NameZH, r.Code))
			}
			return bad("region", "unknown region %s (known: %s)", geo.Quote(req.Region), strings.Join(names, "; "))
		}
		region, c.region = mp, &info
	}
	switch {
	case hasArea:
		mp, err := parseArea(ctx, req.Area, cv, p.timeout())
		if err != nil {
			return err
		}
		c.area = mp
		if region != nil {
			c.clip, c.clippedTo, c.region = region, c.region, nil
		}
		return nil
	case region != nil:
		c.area = region
		return nil
	}
	return bad("area", `give an area (a GeoJSON Polygon or MultiPolygon, or a Feature of one) or a region (e.g. "Inner Mongolia", "内蒙古自治区" or "150000"), or both (the area clipped to the region)`)
}

// grid builds the grid of c at cellM (0: automatic).
func (p *Planner) grid(ctx context.Context, c *coverage) (*geo.Grid, bool, error) {
	cell, auto := c.cellM, false
	if cell == 0 {
		cell, auto = geo.AutoCell(c.area, c.reach.Radius()), true
	}
	var g *geo.Grid
	var err error
	if c.clip != nil {
		g, err = geo.NewClippedGrid(ctx, c.area, c.clip, cell)
	} else {
		g, err = geo.NewGrid(ctx, c.area, cell)
	}
	if err != nil {
		return nil, false, gridStopped(err, p.timeout(), cell)
	}
	if c.clip != nil && g.Summary().CellsInside == 0 {
		return nil, false, bad("area", "the area and the region %s do not overlap: nothing is left to analyse", geo.Quote(c.clippedTo.NameEN))
	}
	return g, auto, nil
}

// analysis is the state of one coverage analysis: today's grid and the
// grid with the planned records, and the demand covered by each.
type analysis struct {
	today, planned       *geo.Grid
	todayPts, plannedPts []orb.Point
	coveredToday         []bool
	coveredPlanned       []bool
}

// todayFilter is the filter of the records counted today: f, with only
// open records when f names no status. plannedFilter is f's records that
// are planned.
func todayFilter(f data.Filter) data.Filter {
	if len(f.Statuses) == 0 {
		f.Statuses = []data.Status{data.StatusOpen}
	}
	return f
}

func plannedFilter(f data.Filter) data.Filter {
	f.Statuses = []data.Status{data.StatusPlanned}
	return f
}

// analyse covers g with today's records and, on a clone, with the
// planned ones too, and measures both scenarios: within the service
// circle, or by time on the roads (coverFrom, network.go).
func (p *Planner) analyse(ctx context.Context, snap *catalog.Snapshot, c *coverage, g *geo.Grid, auto bool) (*analysis, Coverage, error) {
	near := c.nearRadius(p.Roads)
	b := c.area.Bound()
	a := &analysis{today: g}
	tf := todayFilter(c.filter)
	d := c.demand.inside(g)
	a.todayPts = stationsNear(snap, b, near, tf)
	a.coveredToday = make([]bool, len(d.Points))
	if err := p.coverFrom(ctx, g, a.todayPts, c, d.Points, a.coveredToday); err != nil {
		return nil, Coverage{}, gridStopped(err, p.timeout(), g.CellM)
	}
	// Coverage from today's and the planned records is the union of the
	// coverage from each (a multi-source search's time is the least over
	// its sources), so the planned records cover a clone of today's grid.
	a.plannedPts = stationsNear(snap, b, near, plannedFilter(c.filter))
	a.planned = g.Clone()
	a.coveredPlanned = slices.Clone(a.coveredToday)
	if err := p.coverFrom(ctx, a.planned, a.plannedPts, c, d.Points, a.coveredPlanned); err != nil {
		return nil, Coverage{}, gridStopped(err, p.timeout(), g.CellM)
	}
	_, covToday := geo.DemandSum(d.Points, a.coveredToday)
	_, covPlanned := geo.DemandSum(d.Points, a.coveredPlanned)
	sum := g.Summary()
	cov := Coverage{Area: c.area, Clip: c.clip, Region: c.region, ClippedTo: c.clippedTo, Reach: c.reach, Filter: tf, Lang: c.lang,
		Grid: g, Auto: auto, Summary: sum, Counted: len(a.todayPts), Demand: d, DemandCovered: covToday,
		Stations: a.todayPts, Planned: a.plannedPts, By: c.by(), Method: c.method,
		Scenarios: []Scenario{
			{Name: ScenarioToday, Stations: len(a.todayPts), Summary: sum, DemandCovered: covToday},
			{Name: ScenarioWithPlanned, Stations: len(a.todayPts) + len(a.plannedPts), Summary: a.planned.Summary(), DemandCovered: covPlanned},
		}}
	return a, cov, nil
}

// closedBy says, per gap of today, the first of the grids (named by
// names) that covers it entirely, "" for none, and counts the gaps each
// grid closes into the scenarios named so.
func closedBy(ctx context.Context, today *geo.Grid, gaps []geo.Gap, cov *Coverage, grids map[string]*geo.Grid) ([]string, error) {
	out := make([]string, len(gaps))
	for i := range cov.Scenarios {
		sc := &cov.Scenarios[i]
		after, ok := grids[sc.Name]
		if !ok {
			continue
		}
		closed, err := today.GapsClosed(ctx, gaps, after)
		if err != nil {
			return nil, err
		}
		for k, cl := range closed {
			if cl {
				sc.GapsClosed++
				if out[k] == "" {
					out[k] = sc.Name
				}
			}
		}
	}
	return out, nil
}

// Gaps answers req over snap: the parts of the area not within the
// service circle of any open record passing the filter, largest first,
// with the scenarios today and with the planned records. cv is the CRS of
// the request's area and demand (nil: WGS 84).
func (p *Planner) Gaps(ctx context.Context, snap *catalog.Snapshot, req *GapsRequest, cv Coords) (*Gaps, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	c, err := p.check(ctx, req, cv)
	if err != nil {
		return nil, err
	}
	g, auto, err := p.grid(ctx, &c)
	if err != nil {
		return nil, err
	}
	a, cov, err := p.analyse(ctx, snap, &c, g, auto)
	if err != nil {
		return nil, err
	}
	gaps, err := g.Gaps(ctx)
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	by, err := closedBy(ctx, g, gaps, &cov, map[string]*geo.Grid{ScenarioWithPlanned: a.planned})
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	near := make([]*NearStation, min(len(gaps), MaxGapFeatures))
	for i := range near {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, gridStopped(err, p.timeout(), g.CellM)
			}
		}
		near[i] = nearestStation(snap, gaps[i].Centroid, cov.Filter, c.lang)
	}
	centroids := make([]orb.Point, min(len(near), MaxTimedCards))
	for i := range centroids {
		centroids[i] = gaps[i].Centroid
	}
	if err := p.timedCards(ctx, snap, &c, cov.Filter, centroids, near); err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	return &Gaps{Coverage: cov, Gaps: gaps, ClosedBy: by, Nearest: near}, nil
}

// nearestStation is the record passing f nearest p, nil for none.
func nearestStation(snap *catalog.Snapshot, p orb.Point, f data.Filter, lang string) *NearStation {
	if hits := snap.Nearest(p, 1, 0, f); len(hits) > 0 {
		return &NearStation{ID: hits[0].Station.ID, Name: hits[0].Station.Names.In(lang), DistanceM: hits[0].Meters}
	}
	return nil
}

// Suggest answers req over snap: up to n new sites, in the order chosen,
// each covering the most demand still uncovered with today's and the
// planned records fixed (then the most area, then spread apart: see
// geo.Grid.SuggestPlan). cv is the CRS of the request's area, demand and
// candidates (nil: WGS 84).
func (p *Planner) Suggest(ctx context.Context, snap *catalog.Snapshot, req *SuggestRequest, cv Coords) (*Suggestion, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	c, err := p.check(ctx, &req.GapsRequest, cv)
	if err != nil {
		return nil, err
	}
	n := DefaultSuggest
	if req.N != nil {
		if *req.N < 1 || *req.N > MaxSuggest {
			return nil, bad("n", "n must be from 1 to %d, got %d", MaxSuggest, *req.N)
		}
		n = *req.N
	}
	cands, err := parseCandidates(req.Candidates, cv)
	if err != nil {
		return nil, err
	}
	from := []string{CandidatesGiven}
	useGrid := false
	if len(cands) == 0 {
		cands, from = p.autoCandidates(ctx, &c), []string{CandidatesPlaces, CandidatesDemand, CandidatesGrid}
		if p.Roads != nil {
			from = []string{CandidatesPlaces, CandidatesDemand, CandidatesJunctions, CandidatesGrid}
		}
		useGrid = true
	}
	// Greedy suggestion measures every candidate's circle: bound the work
	// (geo.SuggestWork) by coarsening an automatic grid, or by refusing a
	// cell_m that would exceed it.
	radius := c.reach.Radius()
	cpts := make([]orb.Point, len(cands))
	for i, cd := range cands {
		cpts[i] = cd.Point
	}
	b := c.area.Bound()
	if c.cellM == 0 {
		if minCell := geo.MinPlanCell(b, radius, cpts, useGrid); geo.AutoCell(c.area, radius) < minCell {
			c.cellM = math.Min(MaxCellM, minCell)
		}
	}
	if c.cellM != 0 {
		if err := geo.CheckPlanWork(b, c.cellM, radius, cpts, useGrid); err != nil {
			// The cell size to give must fit the grid's own limits too.
			var wl *geo.WorkLimitError
			if errors.As(err, &wl) && wl.MinCellM > 0 {
				wl.MinCellM = math.Max(wl.MinCellM, geo.MinCellForArea(c.area))
			}
			return nil, gridStopped(err, p.timeout(), c.cellM)
		}
	}
	g, auto, err := p.grid(ctx, &c)
	if err != nil {
		return nil, err
	}
	auto = auto || req.CellM == nil
	a, cov, err := p.analyse(ctx, snap, &c, g, auto)
	if err != nil {
		return nil, err
	}
	if useGrid {
		// Automatic candidates outside the (clipped) area are no sites.
		cands = slices.DeleteFunc(cands, func(cd Candidate) bool { return !g.Inside(cd.Point) })
		cpts = cpts[:0]
		for _, cd := range cands {
			cpts = append(cpts, cd.Point)
		}
	}
	gaps, err := g.Gaps(ctx)
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	after := a.planned.Clone()
	covered := slices.Clone(a.coveredPlanned)
	fixed := append(slices.Clone(a.todayPts), a.plannedPts...)
	picks := n
	if c.method == MethodNetwork {
		picks = shortlistN(n) // a shortlist, picked from on the roads (roadsites.go)
	}
	sites, err := after.SuggestPlan(ctx, geo.Plan{N: picks, Radius: radius, Candidates: cpts, GridCandidates: useGrid,
		Demand: cov.Demand.Points, Covered: covered, Fixed: fixed})
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	if c.method == MethodNetwork {
		// Shortlisted by the straight-line circle of the same minutes,
		// picked by the demand each reaches on the roads (pickByTime), and
		// measured on the roads, each site in turn (sitesOnRoads, network.go).
		if sites, err = p.pickByTime(ctx, &c, sites, n, cov.Demand.Points, a.coveredPlanned); err != nil {
			return nil, gridStopped(err, p.timeout(), g.CellM)
		}
		if after, covered, err = p.sitesOnRoads(ctx, a, &c, sites, cov.Demand.Points); err != nil {
			return nil, gridStopped(err, p.timeout(), g.CellM)
		}
	}
	_, covAfter := geo.DemandSum(cov.Demand.Points, covered)
	afterSum := after.Summary()
	cov.Scenarios = append(cov.Scenarios, Scenario{Name: ScenarioWithSuggested, Stations: len(fixed) + len(sites), Summary: afterSum, DemandCovered: covAfter})
	by, err := closedBy(ctx, g, gaps, &cov, map[string]*geo.Grid{ScenarioWithPlanned: a.planned, ScenarioWithSuggested: after})
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	cards := make([]SiteCard, len(sites))
	pts := make([]orb.Point, len(sites))
	near := make([]*NearStation, len(sites))
	for i, s := range sites {
		cards[i] = p.card(snap, s, cov.Filter, c.lang)
		pts[i], near[i] = s.Point, cards[i].Nearest
	}
	if err := p.timedCards(ctx, snap, &c, cov.Filter, pts, near); err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	for i := range cards {
		cards[i].Nearest = near[i]
	}
	return &Suggestion{Coverage: cov, After: afterSum, DemandAfter: covAfter, Sites: cards, Candidates: cands, From: from, ClosedBy: by}, nil
}

// autoCandidates are the sites a suggestion tries when none are given
// (besides the grid's cell centres): the bundled places in the area's
// bound, the demand points there (the heaviest MaxCandidates; for the
// default demand the ports), and the road junctions there where a network
// is loaded.
func (p *Planner) autoCandidates(ctx context.Context, c *coverage) []Candidate {
	b := c.area.Bound()
	var out []Candidate
	if p.Layers != nil {
		if places, err := p.Layers.Places(); err == nil {
			for _, pl := range places {
				if b.Contains(pl.Point) {
					out = append(out, Candidate{ID: "place-" + pl.ID, Point: pl.Point, Source: CandidatesPlaces, Name: pl.Names.In(c.lang)})
				}
			}
		}
	}
	if c.demand.From != DemandDefault { // the default demand is the places and ports (and the roads)
		idx := make([]int, 0, len(c.demand.Points))
		// Points of road length are left to the junctions.
		for i, d := range c.demand.Points[:len(c.demand.Points)-c.demand.RoadPoints] {
			if b.Contains(d.Point) {
				idx = append(idx, i)
			}
		}
		slices.SortStableFunc(idx, func(i, j int) int { return cmpDesc(c.demand.Points[i].Weight, c.demand.Points[j].Weight) })
		for _, i := range idx[:min(len(idx), MaxCandidates)] {
			out = append(out, Candidate{ID: "demand-" + strconv.Itoa(i), Point: c.demand.Points[i].Point, Source: CandidatesDemand, Name: c.demand.Names[i].In(c.lang)})
		}
	} else if p.Layers != nil {
		if pts, err := p.Layers.DefaultDemand(); err == nil {
			for i, d := range pts {
				if d.Kind == "port" && b.Contains(d.Point) {
					out = append(out, Candidate{ID: "port-" + strconv.Itoa(i), Point: d.Point, Source: CandidatesDemand, Name: d.Name.In(c.lang)})
				}
			}
		}
	}
	return append(out, p.junctionCandidates(ctx, c)...)
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// card describes site s: the nearest record counted today and the
// nearest bundled place.
func (p *Planner) card(snap *catalog.Snapshot, s geo.Site, f data.Filter, lang string) SiteCard {
	sc := SiteCard{Site: s, Nearest: nearestStation(snap, s.Point, f, lang)}
	if p.Layers != nil {
		if places, err := p.Layers.Places(); err == nil {
			best := -1
			var bestM float64
			for i, pl := range places {
				if d := geo.Distance(s.Point, pl.Point); best < 0 || d < bestM {
					best, bestM = i, d
				}
			}
			if best >= 0 {
				sc.NearPlace = &NearPlace{Name: places[best].Names.In(lang), DistanceM: bestM}
			}
		}
	}
	return sc
}

// stationsNear returns the positions of the records passing f that can
// cover some of b: those inside b widened by radius meters.
func stationsNear(snap *catalog.Snapshot, b orb.Bound, radius float64, f data.Filter) []orb.Point {
	dLat := radius / geo.EarthRadius * 180 / math.Pi
	maxLat := math.Min(89.9, math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))+dLat)
	dLon := dLat / math.Cos(maxLat*math.Pi/180)
	wb := orb.Bound{
		Min: orb.Point{math.Max(-180, b.Min[0]-dLon), math.Max(-90, b.Min[1]-dLat)},
		Max: orb.Point{math.Min(180, b.Max[0]+dLon), math.Min(90, b.Max[1]+dLat)},
	}
	if maxLat >= 89.9 || dLon >= 180 {
		wb.Min[0], wb.Max[0] = -180, 180
	}
	// Slots in id order, as InBound pages them, and their positions alone:
	// no record is read.
	slots, _ := snap.AppendInBound(nil, wb, f, 0, -1)
	pts := make([]orb.Point, len(slots))
	for i, slot := range slots {
		pts[i] = snap.Location(slot)
	}
	return pts
}
