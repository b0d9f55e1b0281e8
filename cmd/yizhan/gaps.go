package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"yizhan/api"
	"yizhan/data/bundled"
	"yizhan/data/plan"
	"yizhan/geo"
)

// runGaps is `yizhan gaps`: the parts of a region or area outside every
// record's service circle, as a summary table and a GeoJSON file, by the
// planning pipeline the server runs for POST /v1/coverage/gaps (and, with
// --suggest, /v1/coverage/suggest).
func runGaps(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("gaps", "(--region NAME | --area FILE | both) [flags]", `Finds the parts of the area that no open record's service circle reaches and prints a
summary; with --out it also writes the gaps as GeoJSON polygons (largest first), the
same GeoJSON POST /v1/coverage/gaps answers. With both --area and --region, the area
is clipped to the region. With --report it writes the report POST /v1/coverage/report
answers, byte for byte: a printable HTML page, a CSV table or GeoJSON (by the file's
extension, or --report-format).

example: yizhan gaps --region "Inner Mongolia" --minutes 15 --mode drive --suggest 5 --report report.html --lang en`, stderr)
	pf := newPlanFlags(fs)
	region := fs.String("region", "", `bundled region by English or Chinese name or GB/T 2260 code ("Inner Mongolia", "内蒙古自治区", "150000")`)
	areaFile := fs.String("area", "", "GeoJSON file holding the area: a Polygon or MultiPolygon, or a Feature of one")
	rf := addReachFlags(pf)
	cellM := fs.Float64("cell-m", 0, "grid cell size in meters (default: chosen from the area and radius)")
	kind := fs.String("kind", "", "count only records of these kinds (comma-separated)")
	amenity := fs.String("amenity", "", "count only records with all of these amenities (comma-separated)")
	suggest := fs.Int("suggest", 0, fmt.Sprintf("also propose this many new sites (1 to %d) that would cover the most uncovered area", plan.MaxSuggest))
	out := fs.String("out", "", `also write the gaps as GeoJSON to this file ("-" for standard output, then the summary goes to standard error)`)
	suggestOut := fs.String("suggest-out", "", "with --suggest, also write the sites as GeoJSON to this file (as POST /v1/coverage/suggest answers)")
	dataFile := fs.String("data", "", "GeoJSON FeatureCollection of records (default: the bundled data set)")
	demand := fs.String("demand", "", `weighted demand: a GeoJSON FeatureCollection of Points with a numeric "weight" (.geojson, .json) or a CSV with lon,lat,weight columns (.csv); "none" for area only; "roads" for the length of the loaded roads (--roads), in km (default: the bundled places and border ports, and with --roads the roads at 10 people a km)`)
	candidates := fs.String("candidates", "", "with --suggest, a GeoJSON file of the allowed sites (Points; default: bundled places, demand points, road junctions with --roads, and a grid)")
	lang := fs.String("lang", "", "language of names and of the report: zh, en, ru, mn (default zh)")
	report := fs.String("report", "", "also write the report to this file: .html (printable), .csv or .geojson")
	reportFormat := fs.String("report-format", "", "the report's format, html, csv or geojson (default: from the --report file's extension)")
	csvBOM := fs.Bool("csv-bom", false, "start a CSV report with a UTF-8 byte-order mark (for spreadsheets that need one to read Chinese names)")
	by := fs.String("by", "distance", "distance (the service circle) or time (travel on the roads of --roads; the circle without it)")
	roadsFile := fs.String("roads", "", "OpenStreetMap extract (.osm.pbf) whose roads --by time travels on")
	timeout := fs.Duration("timeout", plan.Timeout, "how long the planning may take; the server's own limit by default, so that the answer is the one a server gives")
	for flag, field := range map[string]string{"region": "region", "area": "area", "cell-m": "cell_m", "kind": "kind", "amenity": "amenity", "suggest": "n",
		"demand": "demand", "candidates": "candidates", "lang": "lang", "by": "by"} {
		pf.field(flag, field)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pf.parsed()
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("gaps: unexpected argument %q", fs.Arg(0))
	}
	if *region == "" && *areaFile == "" {
		fs.Usage()
		return errors.New("gaps: give --region NAME or --area FILE (or both: the area clipped to the region)")
	}
	format, err := reportFormatOf(*report, *reportFormat)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	req := plan.GapsRequest{Region: *region, CellM: pf.float("cell-m", cellM), Search: rf.search(pf, *kind, *amenity)}
	req.Lang = *lang
	if err := readDemand(&req, *demand); err != nil {
		return fmt.Errorf("gaps: --demand: %w", err)
	}
	if pf.set["by"] {
		req.By = *by
	}
	label := *areaFile
	if *areaFile != "" {
		raw, err := os.ReadFile(*areaFile)
		if err != nil {
			return fmt.Errorf("gaps: %w", err)
		}
		req.Area = raw
	}
	layers, err := bundled.LoadLayers()
	if err != nil {
		return fmt.Errorf("gaps: load bundled layers: %w", err)
	}
	snap, source, err := plannerStations(*dataFile, stderr)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	table := stdout
	if *out == "-" {
		table = stderr
	}
	net, err := plannerRoads(ctx, *roadsFile, stderr)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	if *timeout <= 0 {
		return fmt.Errorf("gaps: --timeout must be positive, got %v", *timeout)
	}
	planner := &plan.Planner{Layers: layers, Roads: net, Timeout: *timeout}
	// ctx ends on Ctrl-C: each grid step stops within a grid row of it.
	bar := newStageBar(stderr, 2, "finding gaps")
	res, err := planner.Gaps(ctx, snap, &req, nil)
	if err != nil {
		bar.finish()
		return pf.explain("gaps", err)
	}
	var sug *plan.Suggestion
	sreq := plan.SuggestRequest{GapsRequest: req}
	if *candidates != "" {
		raw, err := os.ReadFile(*candidates)
		if err != nil {
			bar.finish()
			return fmt.Errorf("gaps: --candidates: %w", err)
		}
		sreq.Candidates = raw
	}
	if pf.set["suggest"] {
		bar.step("suggesting sites")
		// The same request as POST /v1/coverage/suggest: the grid may be
		// coarser, to keep within the suggestion's work limit.
		sreq.N = suggest
		if sug, err = planner.Suggest(ctx, snap, &sreq, nil); err != nil {
			bar.finish()
			return pf.explain("gaps", err)
		}
	}
	writtenReport := ""
	if *report != "" {
		// The same request and the same bytes as POST /v1/coverage/report.
		rep, err := planner.Report(ctx, snap, &sreq, nil)
		if err != nil {
			bar.finish()
			return pf.explain("gaps", err)
		}
		b, _, err := api.RenderReport(rep, format, *csvBOM)
		if err != nil {
			bar.finish()
			return fmt.Errorf("gaps: %w", err)
		}
		if writtenReport, err = writeGeoJSON(*report, b, stdout); err != nil {
			bar.finish()
			return fmt.Errorf("gaps: %w", err)
		}
	}
	bar.finish()
	if res.Region != nil {
		label = fmt.Sprintf("%s (%s, %s)", res.Region.NameEN, res.Region.NameZH, res.Region.Code)
	}
	if res.ClippedTo != nil {
		label += fmt.Sprintf(", clipped to %s (%s, %s)", res.ClippedTo.NameEN, res.ClippedTo.NameZH, res.ClippedTo.Code)
	}

	b, err := api.GapsGeoJSON(res)
	if err != nil {
		return fmt.Errorf("gaps: encode GeoJSON: %w", err)
	}
	written, err := writeGeoJSON(*out, b, stdout)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	writtenSites := ""
	if sug != nil && *suggestOut != "" {
		b, err := api.SuggestGeoJSON(sug)
		if err != nil {
			return fmt.Errorf("gaps: encode GeoJSON: %w", err)
		}
		if writtenSites, err = writeGeoJSON(*suggestOut, b, stdout); err != nil {
			return fmt.Errorf("gaps: %w", err)
		}
	}

	sum, g := res.Summary, res.Grid
	tw := tabwriter.NewWriter(table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "area\t%s\n", label)
	fmt.Fprintf(tw, "records\t%d of %d pass the filter (%s)\n", passing(snap, res.Filter), snap.Len(), source)
	if res.By == "time" && res.Method == plan.MethodNetwork {
		fmt.Fprintf(tw, "reach\twithin %s minutes (%s) on the roads (one search from every record), then on foot\n", trimFloat(res.Reach.Minutes), res.Reach.Mode)
	} else {
		fmt.Fprintf(tw, "reach\t%s\n", planMethod(res.Reach))
		fmt.Fprintf(tw, "radius\t%s\n", res.Reach.Derivation())
	}
	how := "given"
	if res.Auto {
		how = "automatic"
	}
	fmt.Fprintf(tw, "cell\t%s m (%s); grid %d × %d, %d cells inside\n", trimFloat(g.CellM), how, g.Rows, g.Cols, sum.CellsInside)
	fmt.Fprintf(tw, "area_km2\t%s\n", thousands(sum.AreaM2/1e6, 1))
	fmt.Fprintf(tw, "covered_km2\t%s (%.2f%%)\n", thousands(sum.CoveredM2/1e6, 1), sum.CoveredPct)
	fmt.Fprintf(tw, "uncovered_km2\t%s\n", thousands(sum.UncoveredM2/1e6, 1))
	if d := res.Demand; d.From != plan.DemandNone {
		fmt.Fprintf(tw, "demand\t%s of %s %s covered (%.1f%%; %d points, %s)\n", thousands(res.DemandCovered, 0), thousands(res.DemandTotal(), 0),
			d.Unit, 100*res.DemandCovered/math.Max(res.DemandTotal(), 1e-300), len(d.Points), d.From)
	}
	for _, sc := range res.Scenarios {
		fmt.Fprintf(tw, "scenario %s\t%d stations: %s km² (%.2f%%), demand %s, closes %d gaps\n", sc.Name, sc.Stations,
			thousands(sc.Summary.CoveredM2/1e6, 1), sc.Summary.CoveredPct, thousands(sc.DemandCovered, 0), sc.GapsClosed)
	}
	fmt.Fprintf(tw, "gaps\t%d\n", len(res.Gaps))
	for i, gp := range res.Gaps {
		if i == 5 {
			fmt.Fprintf(tw, "\t... and %d more\n", len(res.Gaps)-i)
			break
		}
		c := gp.Centroid
		fmt.Fprintf(tw, "  #%d\t%s km² around %.3f, %.3f\n", i+1, thousands(gp.AreaM2/1e6, 1), c[0], c[1])
	}
	if sug != nil {
		fmt.Fprintf(tw, "sites\ton a %s m grid, covered %.2f%% → %.2f%%\n", trimFloat(sug.Grid.CellM), sug.Summary.CoveredPct, sug.After.CoveredPct)
		for i, s := range sug.Sites {
			near := ""
			if s.NearPlace != nil {
				near = fmt.Sprintf(" near %s (%.1f km)", s.NearPlace.Name, s.NearPlace.DistanceM/1000)
			}
			fmt.Fprintf(tw, "site #%d\t%.4f, %.4f%s newly covers %s km² and %s demand\n", i+1, s.Point[0], s.Point[1], near,
				thousands(s.NewlyCoveredM2/1e6, 1), thousands(s.DemandGain, 0))
		}
	}
	for _, w := range []string{written, writtenSites, writtenReport} {
		if w != "" {
			fmt.Fprintf(tw, "written\t%s\n", w)
		}
	}
	return tw.Flush()
}

// reportFormatOf is the report format to write to file: given, or by the
// file's extension.
func reportFormatOf(file, given string) (string, error) {
	if given != "" {
		switch given {
		case api.ReportHTML, api.ReportCSV, api.ReportGeoJSON:
			return given, nil
		}
		return "", fmt.Errorf("--report-format must be html, csv or geojson, got %q", given)
	}
	if file == "" {
		return "", nil
	}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".html", ".htm":
		return api.ReportHTML, nil
	case ".csv":
		return api.ReportCSV, nil
	case ".geojson", ".json":
		return api.ReportGeoJSON, nil
	}
	return "", fmt.Errorf("--report %s: say the format with --report-format html|csv|geojson (or name the file .html, .csv or .geojson)", file)
}

// readDemand fills req's demand from --demand: "none", "default",
// "roads", a CSV file (.csv) or a GeoJSON file.
func readDemand(req *plan.GapsRequest, file string) error {
	switch {
	case file == "":
		return nil
	case file == plan.DemandNone || file == plan.DemandDefault || file == plan.DemandRoads:
		req.Demand = []byte(`"` + file + `"`)
		return nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if strings.EqualFold(filepath.Ext(file), ".csv") {
		req.DemandCSV = string(raw)
	} else {
		req.Demand = raw
	}
	return nil
}

// planMethod is the plain-words circle, in English for the table.
func planMethod(r geo.Reach) string {
	if r.Minutes <= 0 {
		return fmt.Sprintf("within %s m in a straight line", geo.Num(geo.Round1(r.Radius())))
	}
	return fmt.Sprintf("within %s minutes (%s) at %s km/h on roads about %s times longer than the straight line", geo.Num(r.Minutes), r.Mode, geo.Num(r.SpeedKmh), geo.Num(r.Circuity))
}
