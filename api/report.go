package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"yizhan/data/plan"
	"yizhan/geo"
)

// The report formats of POST /v1/coverage/report?format=…, and the media
// types they are sent as.
const (
	ReportCSV     = "csv"
	ReportGeoJSON = "geojson"
	ReportHTML    = "html"
)

var reportFormats = []string{ReportHTML, ReportCSV, ReportGeoJSON}

const (
	mediaCSV  = "text/csv; charset=utf-8; header=present"
	mediaHTML = "text/html; charset=utf-8"
)

// reportRoute registers POST /v1/coverage/report: the body of
// /v1/coverage/suggest (without n and candidates, gaps only), the format
// in ?format= (html, the default; csv; geojson), and for CSV ?bom=true to
// start the file with a UTF-8 byte-order mark (for spreadsheets that need
// one to read Chinese names). The web map may post the body as a form
// from its own page instead (reportForm), to open the report in a tab.
func (s *Server) reportRoute() {
	s.app.Post("/v1/coverage/report", reportForm, acceptBody(bodyOptions...), s.report)
}

func (s *Server) report(c *fiber.Ctx) error {
	q, err := parseQuery(c, crsParam, "format", "bom")
	if err != nil {
		return err
	}
	format := q.get("format")
	if format == "" {
		format = ReportHTML
	}
	if !slices.Contains(reportFormats, format) {
		return badParam("format", "unknown format %s (allowed: %s)", quote(format), strings.Join(reportFormats, ", "))
	}
	bom := false
	switch v := q.get("bom"); v {
	case "", "false", "0":
	case "true", "1":
		bom = true
	default:
		return badParam("bom", "bom must be true or false, got %s", quote(v))
	}
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	var req plan.SuggestRequest
	if err := decodeBody(c, &req, plan.ReportExample); err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	rep, err := s.planner().Report(c.UserContext(), snap, &req, planCoords(cv))
	if err != nil {
		return err
	}
	body, media, err := RenderReport(rep, format, bom)
	if err != nil {
		return err
	}
	if format == ReportHTML {
		c.Set(fiber.HeaderContentSecurityPolicy, reportCSP)
	}
	c.Set(fiber.HeaderContentType, media)
	c.Set(fiber.HeaderCacheControl, cacheData)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`inline; filename="coverage-report.%s"`, format))
	return c.Send(body)
}

// RenderReport renders rep as format (html, csv or geojson; csv with a
// UTF-8 byte-order mark when bom) and gives its media type: the bytes
// POST /v1/coverage/report answers and `yizhan gaps --report` writes.
func RenderReport(rep *plan.Report, format string, bom bool) ([]byte, string, error) {
	switch format {
	case ReportCSV:
		b, err := ReportCSVBytes(rep, bom)
		return b, mediaCSV, err
	case ReportGeoJSON:
		b, err := reportCollection(rep).appendJSON(nil)
		return b, mediaGeoJSON, err
	case ReportHTML:
		b, err := ReportHTMLBytes(rep)
		return b, mediaHTML, err
	}
	return nil, "", fmt.Errorf("unknown report format %q", format)
}

// ReportColumns are the columns of the report's CSV table: one row per
// gap (type "gap", its centroid as lon and lat), then one per suggested
// site (type "site").
var ReportColumns = []string{
	"type", "rank", "lon", "lat", "name", "uncovered_km2", "closed_by",
	"nearest_station_id", "nearest_station_name", "nearest_station_distance_m",
	"newly_covered_km2", "demand_gain", "candidate", "near_place", "near_place_distance_m",
}

// csvNum is v rounded to digits decimals, as the CSV writes numbers.
func csvNum(v float64, digits int) string {
	return strconv.FormatFloat(geo.Round(v, digits), 'f', -1, 64)
}

// ReportCSVBytes is the report's CSV table (RFC 4180: CRLF line ends,
// quotes where needed, UTF-8; a byte-order mark first when bom), with
// the header ReportColumns. Gaps are the largest MaxGapFeatures.
func ReportCSVBytes(rep *plan.Report, bom bool) ([]byte, error) {
	var buf bytes.Buffer
	if bom {
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(ReportColumns); err != nil {
		return nil, err
	}
	g := rep.Gaps
	for i, gp := range g.Gaps {
		if i == MaxGapFeatures {
			break
		}
		row := make([]string, len(ReportColumns))
		row[0], row[1] = "gap", strconv.Itoa(i+1)
		row[2], row[3] = csvNum(gp.Centroid[0], 6), csvNum(gp.Centroid[1], 6)
		row[5], row[6] = csvNum(gp.AreaM2/1e6, 3), g.ClosedBy[i]
		if n := g.Nearest[i]; n != nil {
			row[7], row[8], row[9] = n.ID, n.Name, csvNum(n.DistanceM, 1)
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	if sug := rep.Suggestion; sug != nil {
		for i, st := range sug.Sites {
			row := make([]string, len(ReportColumns))
			row[0], row[1] = "site", strconv.Itoa(i+1)
			row[2], row[3] = csvNum(st.Point[0], 6), csvNum(st.Point[1], 6)
			if st.Candidate >= 0 {
				row[4], row[12] = sug.Candidates[st.Candidate].Name, sug.Candidates[st.Candidate].ID
			}
			if n := st.Nearest; n != nil {
				row[7], row[8], row[9] = n.ID, n.Name, csvNum(n.DistanceM, 1)
			}
			row[10], row[11] = csvNum(st.NewlyCoveredM2/1e6, 3), csvNum(st.DemandGain, 3)
			if n := st.NearPlace; n != nil {
				row[13], row[14] = n.Name, csvNum(n.DistanceM, 1)
			}
			if err := w.Write(row); err != nil {
				return nil, err
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// reportCollection is the report as one FeatureCollection: the gaps
// (as /v1/coverage/gaps gives them, "type": "gap"), then the sites (as
// /v1/coverage/suggest gives them, "type": "site"), with the gaps'
// summary and the scenarios of the suggestion when there is one.
func reportCollection(rep *plan.Report) collection {
	ga := gapsAnswer(rep.Gaps, coords{})
	feats := ga.features
	for i := range feats {
		feats[i].props = append(feats[i].props, stringProp("type", "gap"))
	}
	sum := newCoverageSummary(&rep.Gaps.Coverage, coords{})
	var sites []feature
	var after *float64
	sitesHow := ""
	if sug := rep.Suggestion; sug != nil {
		sitesHow = sitesMethod(&sug.Coverage)
		sites = suggestAnswer(sug, coords{}).features
		for i := range sites {
			sites[i].props = append(sites[i].props, stringProp("type", "site"))
		}
		sum.Scenarios = newScenarios(&sug.Coverage)
		v := geo.Round(sug.DemandAfter, 3)
		after = &v
	}
	return collection{features: append(feats, sites...), members: struct {
		coverageSummary
		GapsTotal          int      `json:"gaps_total"`
		Sites              int      `json:"sites"`
		DemandCoveredAfter *float64 `json:"demand_covered_after"`
		DataVersion        int64    `json:"data_version"`
		Records            int      `json:"records"`
		NumberReturned     int      `json:"numberReturned"`
		SuggestMethod      string   `json:"suggest_method,omitempty"` // how the sites were chosen, as /v1/coverage/suggest says
	}{sum, len(rep.Gaps.Gaps), len(sites), after, rep.Version, rep.Records, len(feats) + len(sites), sitesHow}}
}

// reportCSP is the Content-Security-Policy of the printable report: the
// server's policy, with the report's one inline style sheet allowed by
// its hash (so the page is one self-contained file, as the command line
// writes it) and nothing else.
var reportCSP = "default-src 'none'; style-src 'sha256-" + styleHash() + "'; img-src 'none'; " +
	"base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'"

func styleHash() string {
	h := sha256.Sum256([]byte(reportStyle))
	return base64.StdEncoding.EncodeToString(h[:])
}
