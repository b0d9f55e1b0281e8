package api

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"yizhan/data/bundled"
	"yizhan/data/plan"
	"yizhan/geo"
)

// The printable report: one self-contained HTML page (html/template, so
// every text from a record, a place or a request is escaped), with the
// map as inline SVG, an inline style sheet for A4 print (allowed by its
// hash in reportCSP), and every word from the map's translations in the
// request's language.

// reportStyle is the report's style sheet. Changing it changes reportCSP.
const reportStyle = `
@page { size: A4; margin: 15mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", Arial, sans-serif; font-size: 10pt; color: #1b1b1b; margin: 0 auto; max-width: 182mm; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 0.4mm solid #777; padding-bottom: 1mm; break-after: avoid; }
p { margin: 1.5mm 0; }
.sub { color: #444; }
.small { font-size: 8.5pt; color: #444; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 0.2mm solid #999; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 2mm 0; break-inside: avoid; }
svg { width: 100%; height: auto; max-height: 150mm; border: 0.2mm solid #999; background: #fbfbf8; }
.area { fill: #e8f1e4; stroke: #4b6b3c; stroke-width: 1; }
.clip { fill: none; stroke: #333; stroke-width: 1; stroke-dasharray: 4 3; }
.gap { fill: #d9534f; fill-opacity: 0.45; stroke: #a33; stroke-width: 0.4; }
.station { fill: #1f5fa8; stroke: #fff; stroke-width: 0.6; }
.planned { fill: #fff; stroke: #1f5fa8; stroke-width: 1.2; }
.site { fill: #f0a202; stroke: #000; stroke-width: 0.8; }
.demand { fill: #6b4fa0; fill-opacity: 0.35; stroke: #6b4fa0; stroke-width: 0.4; }
.label { font-size: 9px; font-weight: bold; fill: #000; }
.legend { list-style: none; padding: 0; margin: 1mm 0; display: flex; flex-wrap: wrap; gap: 2mm 5mm; font-size: 8.5pt; }
.key { display: inline-block; width: 3.2mm; height: 3.2mm; margin-right: 1mm; vertical-align: -0.5mm; border: 0.2mm solid #555; }
.key.area { background: #e8f1e4; } .key.gap { background: #e8a19f; } .key.station { background: #1f5fa8; border-radius: 50%; }
.key.planned { background: #fff; border: 0.4mm solid #1f5fa8; border-radius: 50%; } .key.site { background: #f0a202; }
.key.demand { background: #c9bde0; border-color: #6b4fa0; border-radius: 50%; }
code { font-size: 8.5pt; }
@media print { a { color: inherit; text-decoration: none; } }
`

// reportTemplate is the page. Its data is a reportPage.
var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — {{.AreaName}}</title>
<style>{{.Style}}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.T.area}}: {{.AreaName}}{{if .Clipped}} ({{.Clipped}}){{end}} · {{.Version}}</p>

<h2>{{.T.map}}</h2>
<figure>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.Map.W}} {{.Map.H}}" role="img" aria-label="{{.T.map}}">
{{range .Map.Area}}<path class="area" fill-rule="evenodd" d="{{.}}"/>
{{end}}{{range .Map.Gaps}}<path class="gap" fill-rule="evenodd" d="{{.}}"/>
{{end}}{{range .Map.Clip}}<path class="clip" d="{{.}}"/>
{{end}}{{range .Map.Demand}}<circle class="demand" cx="{{.X}}" cy="{{.Y}}" r="{{.R}}"/>
{{end}}{{range .Map.Stations}}<circle class="station" cx="{{.X}}" cy="{{.Y}}" r="2.6"/>
{{end}}{{range .Map.Planned}}<circle class="planned" cx="{{.X}}" cy="{{.Y}}" r="3"/>
{{end}}{{range .Map.Sites}}<rect class="site" x="{{.X0}}" y="{{.Y0}}" width="9" height="9"/><text class="label" x="{{.LX}}" y="{{.LY}}">{{.Label}}</text>
{{end}}</svg>
<ul class="legend">
<li><span class="key area"></span>{{.T.legend_area}}</li>
<li><span class="key gap"></span>{{.T.legend_gap}}</li>
<li><span class="key station"></span>{{.T.legend_station}}</li>
<li><span class="key planned"></span>{{.T.legend_planned}}</li>
{{if .Map.Demand}}<li><span class="key demand"></span>{{.T.legend_demand}}</li>{{end}}
{{if .Sites}}<li><span class="key site"></span>{{.T.legend_site}}</li>{{end}}
</ul>
</figure>

<h2>{{.T.summary}}</h2>
<table>
<thead><tr><th>{{.T.scenario}}</th><th>{{.T.stations}}</th><th>{{.T.area_covered}}</th><th>{{.T.area_share}}</th><th>{{.T.demand_covered}}</th><th>{{.T.demand_share}}</th><th>{{.T.gaps_closed}}</th></tr></thead>
<tbody>
{{range .Scenarios}}<tr><td>{{.Name}}</td><td class="n">{{.Stations}}</td><td class="n">{{.Area}}</td><td class="n">{{.AreaShare}}</td><td class="n">{{.Demand}}</td><td class="n">{{.DemandShare}}</td><td class="n">{{.Closed}}</td></tr>
{{end}}</tbody>
</table>

<h2>{{.T.method}}</h2>
<p>{{.MethodCells}}</p>
{{if .Sites}}<p>{{.T.method_greedy}}{{if .SitesOnRoads}} {{.T.method_greedy_roads}}{{end}}</p>{{end}}
<p><b>{{.T.demand}}:</b> {{.DemandText}}</p>
<p class="small">{{.T.formula}}: <code>{{.Formula}}</code></p>

<h2>{{.T.gaps}}</h2>
{{if .Gaps}}<table>
<thead><tr><th>{{.T.rank}}</th><th>{{.T.uncovered}}</th><th>{{.T.centre}}</th><th>{{.T.nearest}}</th></tr></thead>
<tbody>
{{range .Gaps}}<tr><td class="n">{{.Rank}}</td><td class="n">{{.Area}}</td><td class="n">{{.Centre}}</td><td>{{.Nearest}}</td></tr>
{{end}}</tbody>
</table>
{{if .MoreGaps}}<p class="small">{{.MoreGaps}}</p>{{end}}{{else}}<p>{{.T.none}}</p>{{end}}

{{if .Sites}}<h2>{{.T.sites}}</h2>
<table>
<thead><tr><th>{{.T.rank}}</th><th>{{.T.centre}}</th><th>{{.T.site_place}}</th><th>{{.T.nearest}}</th><th>{{.T.site_demand}}</th><th>{{.T.site_area}}</th></tr></thead>
<tbody>
{{range .Sites}}<tr><td class="n">{{.Rank}}{{if .Name}} <span class="small">{{.Name}}</span>{{end}}</td><td class="n">{{.Centre}}</td><td>{{.Place}}</td><td>{{.Nearest}}</td><td class="n">{{.Demand}}</td><td class="n">{{.Area}}</td></tr>
{{end}}</tbody>
</table>{{end}}

<h2>{{.T.sources}}</h2>
<ul class="small">
{{range .Sources}}<li>{{.}}</li>
{{end}}</ul>
</body>
</html>
`))

// reportPage is the data of reportTemplate: every text already in the
// report's language.
type reportPage struct {
	Lang, Title, AreaName, Clipped, Version string
	Style                                   template.CSS
	T                                       map[string]string
	Map                                     reportMap
	Scenarios                               []reportScenario
	MethodCells, DemandText, Formula        string
	SitesOnRoads                            bool
	Gaps                                    []reportGap
	MoreGaps                                string
	Sites                                   []reportSite
	Sources                                 []string
}

type reportScenario struct {
	Name                                         string
	Stations                                     int
	Area, AreaShare, Demand, DemandShare, Closed string
}

type reportGap struct {
	Rank                  int
	Area, Centre, Nearest string
}

type reportSite struct {
	Rank                                       int
	Name, Centre, Place, Nearest, Demand, Area string
}

// reportGapRows is how many gaps the report's table lists.
const reportGapRows = 15

// reportMapGaps is how many gaps (the largest) the report's map draws.
const reportMapGaps = 400

// ReportHTMLBytes is the printable report of rep: what
// POST /v1/coverage/report?format=html answers.
func ReportHTMLBytes(rep *plan.Report) ([]byte, error) {
	g := rep.Gaps
	lang := g.Lang
	m := words(lang)
	t := map[string]string{}
	for _, k := range []string{"area", "map", "summary", "scenario", "stations", "area_covered", "area_share", "demand_covered", "demand_share",
		"gaps_closed", "method", "demand", "formula", "gaps", "rank", "uncovered", "centre", "nearest", "sites", "none", "sources"} {
		t[k] = tr(m, "report."+k)
	}
	for k, key := range map[string]string{"legend_area": "report.legend.area", "legend_gap": "report.legend.gap", "legend_station": "report.legend.station",
		"legend_planned": "report.legend.planned", "legend_site": "report.legend.site", "legend_demand": "report.legend.demand", "method_greedy": "report.method.greedy",
		"method_greedy_roads": "report.method.greedy_roads",
		"site_place":          "report.site.place", "site_demand": "report.site.demand", "site_area": "report.site.area"} {
		t[k] = tr(m, key)
	}
	cov := &g.Coverage
	if rep.Suggestion != nil {
		cov = &rep.Suggestion.Coverage
	}
	page := reportPage{
		Lang: lang, Title: tr(m, "report.title"), Style: template.CSS(reportStyle), T: t,
		AreaName:    areaName(&g.Coverage, lang),
		Version:     tr(m, "report.version", "version", strconv.FormatInt(rep.Version, 10), "records", strconv.Itoa(rep.Records)),
		MethodCells: tr(m, "report.method.cells", "method", coverageMethodText(&g.Coverage, lang), "cell", distanceWords(g.Grid.CellM, m)),
		Formula:     coverageFormula(&g.Coverage),
		Map:         newReportMap(rep),
		// Sites by time on the roads are chosen by the circle, measured on the roads.
		SitesOnRoads: cov.Method == plan.MethodNetwork,
	}
	if g.ClippedTo != nil {
		page.Clipped = tr(m, "report.clipped", "region", regionName(g.ClippedTo, lang))
	}
	switch g.Demand.From {
	case plan.DemandDefault:
		page.DemandText = tr(m, "report.demand.default")
		if g.Demand.RoadPoints > 0 {
			page.DemandText += " " + tr(m, "report.demand.default_roads", "per_km", strconv.Itoa(plan.RoadPeoplePerKm))
		}
	case plan.DemandRoads:
		page.DemandText = tr(m, "report.demand.roads")
	case plan.DemandNone:
		page.DemandText = tr(m, "report.demand.none")
	default:
		page.DemandText = tr(m, "report.demand.given", "points", strconv.Itoa(len(g.Demand.Points)))
	}
	total := cov.DemandTotal()
	for _, sc := range cov.Scenarios {
		row := reportScenario{Name: tr(m, "report.scenario."+sc.Name), Stations: sc.Stations,
			Area: thousands(sc.Summary.CoveredM2/1e6, 1), AreaShare: pct(sc.Summary.CoveredPct / 100),
			Demand: thousands(sc.DemandCovered, 0), DemandShare: pct(share(sc.DemandCovered, total)), Closed: strconv.Itoa(sc.GapsClosed)}
		if sc.Name == plan.ScenarioToday {
			row.Closed = "–"
		}
		page.Scenarios = append(page.Scenarios, row)
	}
	for i, gp := range g.Gaps {
		if i == reportGapRows {
			page.MoreGaps = tr(m, "report.gaps.more", "n", strconv.Itoa(len(g.Gaps)-i))
			break
		}
		page.Gaps = append(page.Gaps, reportGap{Rank: i + 1, Area: thousands(gp.AreaM2/1e6, 1),
			Centre: lonLatText(gp.Centroid), Nearest: nearText(g.Nearest[i], m)})
	}
	if sug := rep.Suggestion; sug != nil {
		for i, st := range sug.Sites {
			place := tr(m, "report.none")
			if n := st.NearPlace; n != nil {
				place = n.Name + " (" + distanceWords(n.DistanceM, m) + ")"
			}
			// A given candidate is named by its id; an automatic one's place
			// is in the "near" column already.
			var name string
			if st.Candidate >= 0 && sug.Candidates[st.Candidate].Source == plan.CandidatesGiven {
				name = sug.Candidates[st.Candidate].ID
			}
			page.Sites = append(page.Sites, reportSite{Rank: i + 1, Name: name, Centre: lonLatText(st.Point), Place: place,
				Nearest: nearText(st.Nearest, m), Demand: thousands(st.DemandGain, 0), Area: thousands(st.NewlyCoveredM2/1e6, 1)})
		}
	}
	page.Sources = append([]string{tr(m, "report.sources.records", "records", strconv.Itoa(rep.Records), "version", strconv.FormatInt(rep.Version, 10))},
		reportSources(g.Demand)...)
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

// reportSources lists where the report's layers come from, as their
// files name them (proper names and licences, not translated).
func reportSources(d *plan.Demand) []string {
	demandFrom := d.From
	var out []string
	if l, err := bundled.LoadLayers(); err == nil {
		names := []string{bundled.LayerBoundaryFull, bundled.LayerChina}
		if demandFrom == plan.DemandDefault {
			names = append(names, bundled.LayerPlaces)
		}
		for _, n := range names {
			if info, ok := l.Info(n); ok {
				out = append(out, fmt.Sprintf("%s: %s (%s). %s", info.Title, info.Source, info.License, info.Attribution))
			}
		}
	}
	if demandFrom == plan.DemandDefault {
		out = append(out, "Default demand: "+bundled.DemandSource+".")
	}
	if d.RoadPoints > 0 {
		out = append(out, fmt.Sprintf("Road length (%d points): %s; roads © OpenStreetMap contributors (ODbL).", d.RoadPoints, plan.RoadDemandSource))
	}
	return out
}

func areaName(c *plan.Coverage, lang string) string {
	if c.Region != nil {
		return regionName(c.Region, lang)
	}
	b := c.Area.Bound()
	return fmt.Sprintf("%s – %s", lonLatText(b.Min), lonLatText(b.Max))
}

func regionName(r *bundled.RegionInfo, lang string) string {
	if lang == "zh" {
		return r.NameZH
	}
	return r.NameEN + " (" + r.NameZH + ")"
}

func nearText(n *plan.NearStation, m map[string]string) string {
	if n == nil {
		return tr(m, "report.none")
	}
	if n.ByTime {
		return tr(m, "report.near_time", "name", n.Name, "time", tr(m, "units.min", "n", geo.Num(math.Max(1, math.Round(n.DurationS/60)))),
			"line", distanceWords(n.DistanceM, m))
	}
	return n.Name + " (" + distanceWords(n.DistanceM, m) + ")"
}

func lonLatText(p orb.Point) string {
	return strconv.FormatFloat(p[0], 'f', 4, 64) + ", " + strconv.FormatFloat(p[1], 'f', 4, 64)
}

func pct(share float64) string { return strconv.FormatFloat(100*share, 'f', 1, 64) + "%" }

// thousands formats v with decimals and a thin space between thousands,
// a grouping every one of the report's languages reads.
func thousands(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString("\u2009")
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// reportMap is the report's map: paths and marks in SVG user units.
type reportMap struct {
	W, H              int
	Area, Clip, Gaps  []string
	Demand            []svgDot
	Stations, Planned []svgPoint
	Sites             []svgSite
}

// svgDot is a demand point, its area proportional to its weight.
type svgDot struct{ X, Y, R string }

// reportMapDemand is how many demand points (the heaviest) the map draws.
const reportMapDemand = 3000

type svgPoint struct{ X, Y string }

type svgSite struct {
	X0, Y0, LX, LY, Label string
}

// mapWidth is the width of the report's map in SVG units; its height
// follows the area's shape, at most mapMaxHeight.
const (
	mapWidth     = 700
	mapMaxHeight = 560
)

// projection maps lon/lat to the map: equirectangular, true to scale at
// the middle latitude of the grid.
type projection struct {
	west, north, sx, sy float64
}

func (p projection) xy(pt orb.Point) (float64, float64) {
	return (pt[0] - p.west) * p.sx, (p.north - pt[1]) * p.sy
}

func newReportMap(rep *plan.Report) reportMap {
	g := rep.Gaps.Grid
	west, south := g.West, g.South
	east, north := west+float64(g.Cols)*g.DLon, south+float64(g.Rows)*g.DLat
	k := math.Cos((south + north) / 2 * math.Pi / 180)
	dx, dy := math.Max((east-west)*k, 1e-9), math.Max(north-south, 1e-9)
	w, h := float64(mapWidth), float64(mapWidth)*dy/dx
	if h > mapMaxHeight {
		w, h = w*mapMaxHeight/h, mapMaxHeight
	}
	pr := projection{west: west, north: north, sx: w / (east - west), sy: h / (north - south)}
	out := reportMap{W: int(math.Ceil(w)), H: int(math.Ceil(h))}
	out.Area = pathsOf(rep.Gaps.Area, pr)
	if rep.Gaps.Clip != nil {
		out.Clip = pathsOf(rep.Gaps.Clip, pr)
	}
	// Today's gaps, under the planned records and the sites.
	for i, gp := range rep.Gaps.Gaps {
		if i == reportMapGaps {
			break
		}
		out.Gaps = append(out.Gaps, pathsOf(orb.MultiPolygon{gp.Polygon}, pr)...)
	}
	out.Demand = demandDots(rep.Gaps.Demand, pr)
	pt := func(p orb.Point) svgPoint {
		x, y := pr.xy(p)
		return svgPoint{X: svgNum(x), Y: svgNum(y)}
	}
	for _, p := range rep.Gaps.Stations {
		out.Stations = append(out.Stations, pt(p))
	}
	for _, p := range rep.Gaps.Planned {
		out.Planned = append(out.Planned, pt(p))
	}
	if sug := rep.Suggestion; sug != nil {
		for i, st := range sug.Sites {
			x, y := pr.xy(st.Point)
			out.Sites = append(out.Sites, svgSite{X0: svgNum(x - 4.5), Y0: svgNum(y - 4.5), LX: svgNum(x + 6), LY: svgNum(y + 3.5), Label: strconv.Itoa(i + 1)})
		}
	}
	return out
}

// pathsOf is one SVG path per polygon of mp, dropping positions within
// half a unit of the last one kept (so a 14,000-vertex outline stays a
// few kilobytes).
func pathsOf(mp orb.MultiPolygon, pr projection) []string {
	var out []string
	for _, poly := range mp {
		var b strings.Builder
		for _, ring := range poly {
			lx, ly := math.Inf(1), math.Inf(1)
			n := 0
			for i, p := range ring {
				x, y := pr.xy(p)
				if i != len(ring)-1 && math.Abs(x-lx) < 0.5 && math.Abs(y-ly) < 0.5 {
					continue
				}
				if n == 0 {
					b.WriteString("M")
				} else {
					b.WriteString(" L")
				}
				b.WriteString(svgNum(x) + " " + svgNum(y))
				lx, ly = x, y
				n++
			}
			if n > 0 {
				b.WriteString(" Z ")
			}
		}
		if b.Len() > 0 {
			out = append(out, strings.TrimSpace(b.String()))
		}
	}
	return out
}

func svgNum(v float64) string { return strconv.FormatFloat(geo.Round(v, 1), 'f', -1, 64) }

// demandDots draws the heaviest reportMapDemand demand points, lightest
// first so that heavy ones stay on top, each of radius 1 to 7 units by
// the square root of its share of the heaviest weight.
func demandDots(d *plan.Demand, pr projection) []svgDot {
	idx := make([]int, 0, len(d.Points))
	var maxW float64
	for i, p := range d.Points {
		if p.Weight > 0 {
			idx = append(idx, i)
			maxW = math.Max(maxW, p.Weight)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(d.Points[b].Weight, d.Points[a].Weight) })
	idx = idx[:min(len(idx), reportMapDemand)]
	out := make([]svgDot, len(idx))
	for j, i := range idx {
		x, y := pr.xy(d.Points[i].Point)
		r := 1 + 6*math.Sqrt(d.Points[i].Weight/maxW)
		out[len(idx)-1-j] = svgDot{X: svgNum(x), Y: svgNum(y), R: svgNum(r)}
	}
	return out
}
