package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
	// Snaps keeps the records' snaps to Roads between requests; nil: none (snapcache.go).
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
	Region string          `json:"region"` // or a bundled region by name or code
	CellM  *float64        `json:"cell_m"` // nil: chosen from the area and radius
	Search
}

// GapsExample is a GapsRequest as JSON, for messages.
const GapsExample = `{"region": "Inner Mongolia", "minutes": 15, "mode": "walk"}`

// SuggestRequest asks for up to N new sites that would cover the most of
// what is uncovered: the body of POST /v1/coverage/suggest.
type SuggestRequest struct {
	GapsRequest
	N          *int            `json:"n"`          // nil: DefaultSuggest
	Candidates json.RawMessage `json:"candidates"` // allowed sites; absent: uncovered cell centres
}

// SuggestExample is a SuggestRequest as JSON, for messages.
const SuggestExample = `{"region": "Inner Mongolia", "minutes": 60, "mode": "truck", "n": 5}`

// Coverage is what a coverage answer reports besides its features: the
// grid, the totals, the circle and the filter used.
type Coverage struct {
	Area    orb.MultiPolygon    // WGS 84
	Region  *bundled.RegionInfo // the bundled region named, if one was
	Reach   geo.Reach
	Filter  data.Filter
	Lang    string
	Grid    *geo.Grid
	Auto    bool // the cell size was chosen, not given
	Summary geo.CoverageSummary
	Counted int    // records counted: those passing the filter near the area
	By      string // "time" by travel time, else by distance
	Method  string // MethodNetwork or MethodStraightLine
}

// Gaps is the answer to a GapsRequest.
type Gaps struct {
	Coverage
	Gaps []geo.Gap // every gap, largest first; answers show MaxGapFeatures at most
}

// Suggestion is the answer to a SuggestRequest.
type Suggestion struct {
	Coverage                       // before the sites
	After      geo.CoverageSummary // with the sites
	Sites      []geo.Site
	Candidates []Candidate // as given; Site.Candidate indexes it
}

// coverage is a checked GapsRequest.
type coverage struct {
	area   orb.MultiPolygon
	region *bundled.RegionInfo
	reach  geo.Reach
	filter data.Filter
	lang   string
	cellM  float64 // 0: automatic
	travel *travel // by time; nil: by distance (network.go)
	method string  // MethodNetwork when by time on roads, else MethodStraightLine
}

// check checks a GapsRequest given in cv (nil: WGS 84).
func (p *Planner) check(ctx context.Context, req *GapsRequest, cv Coords) (coverage, error) {
	var c coverage
	var err error
	if c.area, c.region, err = p.areaOf(ctx, req, cv); err != nil {
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
	return c, nil
}

// areaOf resolves a request's area or region. A bundled region is WGS 84
// already; an area is read in cv.
func (p *Planner) areaOf(ctx context.Context, req *GapsRequest, cv Coords) (orb.MultiPolygon, *bundled.RegionInfo, error) {
	hasArea := given(req.Area)
	switch {
	case hasArea && req.Region != "":
		return nil, nil, bad("region", "give area or region, not both")
	case hasArea:
		mp, err := parseArea(ctx, req.Area, cv, p.timeout())
		return mp, nil, err
	case req.Region != "":
		if p.Layers == nil {
			return nil, nil, bad("region", "this server has no bundled regions; send an area polygon instead")
		}
		mp, info, ok := p.Layers.Region(req.Region)
		if !ok {
			var names []string
			for _, r := range p.Layers.Regions() {
				names = append(names, fmt.Sprintf("%s / %s / %s", r.NameEN, r.NameZH, r.Code))
			}
			return nil, nil, bad("region", "unknown region %s (known: %s)", geo.Quote(req.Region), strings.Join(names, "; "))
		}
		return mp, &info, nil
	}
	return nil, nil, bad("area", `give an area (a GeoJSON Polygon or MultiPolygon, or a Feature of one) or a region (e.g. "Inner Mongolia", "内蒙古自治区" or "150000")`)
}

// grid builds the grid of c at cellM (0: automatic).
func (p *Planner) grid(ctx context.Context, c *coverage) (*geo.Grid, bool, error) {
	cell, auto := c.cellM, false
	if cell == 0 {
		cell, auto = geo.AutoCell(c.area, c.reach.Radius()), true
	}
	g, err := geo.NewGrid(ctx, c.area, cell)
	if err != nil {
		return nil, false, gridStopped(err, p.timeout(), cell)
	}
	return g, auto, nil
}

// Gaps answers req over snap: the parts of the area not within the
// service circle of any record passing the filter, largest first. cv is
// the CRS of the request's area (nil: WGS 84).
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
	pts := stationsNear(snap, c.area.Bound(), c.nearRadius(p.Roads), c.filter)
	if err := p.cover(ctx, g, pts, &c); err != nil { // network.go
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	sum := g.Summary()
	gaps, err := g.Gaps(ctx)
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	return &Gaps{Coverage: c.result(g, auto, sum, len(pts)), Gaps: gaps}, nil
}

func (c *coverage) result(g *geo.Grid, auto bool, sum geo.CoverageSummary, counted int) Coverage {
	return Coverage{Area: c.area, Region: c.region, Reach: c.reach, Filter: c.filter, Lang: c.lang,
		Grid: g, Auto: auto, Summary: sum, Counted: counted, By: c.by(), Method: c.method}
}

// Suggest answers req over snap: up to n new sites, in the order chosen,
// each covering the most area still uncovered (greedy maximal coverage).
// cv is the CRS of the request's area and candidates (nil: WGS 84).
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
	// Greedy suggestion measures every candidate's circle: bound the work
	// (geo.SuggestWork) by coarsening an automatic grid, or by refusing a
	// cell_m that would exceed it.
	radius := c.reach.Radius()
	var cpts []orb.Point
	if len(cands) > 0 {
		cpts = make([]orb.Point, len(cands))
		for i, cd := range cands {
			cpts[i] = cd.Point
		}
	}
	b := c.area.Bound()
	if c.cellM == 0 {
		if minCell := geo.MinSuggestCell(b, radius, cpts); geo.AutoCell(c.area, radius) < minCell {
			c.cellM = math.Min(MaxCellM, minCell)
		}
	}
	if c.cellM != 0 {
		if err := geo.CheckSuggestWork(b, c.cellM, radius, cpts); err != nil {
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
	pts := stationsNear(snap, b, c.nearRadius(p.Roads), c.filter)
	if err := p.cover(ctx, g, pts, &c); err != nil { // network.go
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	before := g.Summary()
	sites, err := g.Suggest(ctx, n, radius, cpts)
	if err != nil {
		return nil, gridStopped(err, p.timeout(), g.CellM)
	}
	return &Suggestion{Coverage: c.result(g, auto, before, len(pts)), After: g.Summary(), Sites: sites, Candidates: cands}, nil
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
	page, _ := snap.InBound(wb, f, 0, -1)
	pts := make([]orb.Point, len(page))
	for i, st := range page {
		pts[i] = st.Location
	}
	return pts
}
