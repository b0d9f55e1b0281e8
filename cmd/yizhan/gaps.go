package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/schollz/progressbar/v3"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/source"
	"yizhan/geo"
)

// runGaps is `yizhan gaps`: the parts of a region or area outside every
// record's service circle, as a summary table and a GeoJSON file.
func runGaps(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := newFlagSet("gaps", "(--region NAME | --area FILE) [flags]", `Finds the parts of the area that no record's service circle reaches and prints a
summary; with --out it also writes the gaps as GeoJSON polygons (largest first).

example: yizhan gaps --region "Inner Mongolia" --minutes 60 --mode truck`, stderr)
	region := fs.String("region", "", `bundled region by English or Chinese name or GB/T 2260 code ("Inner Mongolia", "内蒙古自治区", "150000")`)
	areaFile := fs.String("area", "", "GeoJSON file holding the area: a Polygon or MultiPolygon, or a Feature of one")
	rf := addReachFlags(fs)
	cellM := fs.Float64("cell-m", 0, "grid cell size in meters (default: chosen from the area and radius)")
	kind := fs.String("kind", "", "count only records of these kinds (comma-separated)")
	amenity := fs.String("amenity", "", "count only records with all of these amenities (comma-separated)")
	suggest := fs.Int("suggest", 0, "also propose this many new sites that would cover the most uncovered area")
	out := fs.String("out", "", `also write the gaps as GeoJSON to this file ("-" for standard output, then the summary goes to standard error)`)
	dataFile := fs.String("data", "", "GeoJSON FeatureCollection of records (default: the bundled data set)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("gaps: unexpected argument %q", fs.Arg(0))
	}
	if (*region == "") == (*areaFile == "") {
		fs.Usage()
		return errors.New("gaps: give --region NAME or --area FILE (one of them)")
	}
	if *suggest < 0 || *suggest > 50 {
		return fmt.Errorf("gaps: --suggest %d: want 0 to 50 sites", *suggest)
	}
	reach, err := rf.reach()
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	filter, err := parseFilterFlags(*kind, *amenity)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	table := stdout
	if *out == "-" {
		table = stderr
	}
	bar := newStageBar(stderr, 5, "loading")

	var area orb.MultiPolygon
	label := ""
	if *region != "" {
		layers, err := bundled.LoadLayers()
		if err != nil {
			return fmt.Errorf("gaps: load bundled layers: %w", err)
		}
		mp, info, ok := layers.Region(*region)
		if !ok {
			var names []string
			for _, r := range layers.Regions() {
				names = append(names, fmt.Sprintf("%q (%s, %s)", r.NameEN, r.NameZH, r.Code))
			}
			return fmt.Errorf("gaps: unknown region %q; known: %s", *region, strings.Join(names, ", "))
		}
		area, label = mp, fmt.Sprintf("%s (%s, %s)", info.NameEN, info.NameZH, info.Code)
	} else {
		area, err = readArea(*areaFile)
		if err != nil {
			return fmt.Errorf("gaps: %w", err)
		}
		label = *areaFile
	}
	stations, source, err := plannerStations(*dataFile, stderr)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}
	radius := reach.Radius()
	var pts []orb.Point
	for _, st := range stations {
		if filter.Accepts(st) {
			pts = append(pts, st.Location)
		}
	}
	cell, auto := *cellM, false
	if cell <= 0 {
		cell, auto = geo.AutoCell(area, radius), true
		// Suggesting measures a circle per candidate: coarsen the grid to
		// stay within the work limit, as the server does.
		if m := geo.MinSuggestCell(area.Bound(), radius, nil); *suggest > 0 && cell < m {
			cell = m
		}
	}
	// ctx ends on Ctrl-C: each grid step stops within a grid row of it.
	bar.step("building grid")
	g, err := geo.NewGrid(ctx, area, cell)
	if err != nil {
		bar.finish()
		return fmt.Errorf("gaps: %w", err)
	}
	bar.step("covering")
	if err := g.Cover(ctx, pts, radius); err != nil {
		bar.finish()
		return fmt.Errorf("gaps: %w", err)
	}
	bar.step("measuring")
	sum := g.Summary()
	var sites []geo.Site
	if *suggest > 0 {
		bar.step("suggesting sites")
		if sites, err = g.Suggest(ctx, *suggest, radius, nil); err != nil {
			bar.finish()
			return fmt.Errorf("gaps: %w", err)
		}
	}
	bar.step("tracing gaps")
	// With sites, the gaps drawn are those left after building them; the
	// summary stays that of today.
	gaps, err := g.Gaps(ctx)
	bar.finish()
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}

	fc := geojson.NewFeatureCollection()
	for i, gp := range gaps {
		f := geojson.NewFeature(gp.Polygon)
		f.ID = fmt.Sprintf("gap-%d", i+1)
		f.Properties["role"] = "gap"
		f.Properties["rank"] = i + 1
		f.Properties["uncovered_km2"] = round(gp.AreaM2/1e6, 3)
		fc.Append(f)
	}
	for i, s := range sites {
		f := geojson.NewFeature(s.Point)
		f.ID = fmt.Sprintf("site-%d", i+1)
		f.Properties["role"] = "suggested_site"
		f.Properties["rank"] = i + 1
		f.Properties["newly_covered_km2"] = round(s.NewlyCoveredM2/1e6, 3)
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{
		"area":             label,
		"area_km2":         round(sum.AreaM2/1e6, 3),
		"covered_km2":      round(sum.CoveredM2/1e6, 3),
		"covered_pct":      round(sum.CoveredPct, 3),
		"uncovered_km2":    round(sum.UncoveredM2/1e6, 3),
		"cell_m":           cell,
		"cell_m_auto":      auto,
		"radius_m":         round(radius, 1),
		"reach":            reach.Derivation(),
		"stations_counted": len(pts),
		"data":             source,
	}
	written, err := writeGeoJSON(*out, fc, stdout)
	if err != nil {
		return fmt.Errorf("gaps: %w", err)
	}

	tw := tabwriter.NewWriter(table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "area\t%s\n", label)
	fmt.Fprintf(tw, "records\t%d of %d pass the filter (%s)\n", len(pts), len(stations), source)
	fmt.Fprintf(tw, "radius\t%s\n", reach.Derivation())
	how := "given"
	if auto {
		how = "automatic"
	}
	fmt.Fprintf(tw, "cell\t%s m (%s); grid %d × %d, %d cells inside\n", trimFloat(cell), how, g.Rows, g.Cols, sum.CellsInside)
	fmt.Fprintf(tw, "area_km2\t%s\n", thousands(sum.AreaM2/1e6, 1))
	fmt.Fprintf(tw, "covered_km2\t%s (%.2f%%)\n", thousands(sum.CoveredM2/1e6, 1), sum.CoveredPct)
	fmt.Fprintf(tw, "uncovered_km2\t%s\n", thousands(sum.UncoveredM2/1e6, 1))
	fmt.Fprintf(tw, "gaps\t%d\n", len(gaps))
	for i, gp := range gaps {
		if i == 5 {
			fmt.Fprintf(tw, "\t... and %d more\n", len(gaps)-i)
			break
		}
		c := gp.Polygon.Bound().Center()
		fmt.Fprintf(tw, "  #%d\t%s km² around %.3f, %.3f\n", i+1, thousands(gp.AreaM2/1e6, 1), c[0], c[1])
	}
	for i, s := range sites {
		fmt.Fprintf(tw, "site #%d\t%.4f, %.4f newly covers %s km²\n", i+1, s.Point[0], s.Point[1], thousands(s.NewlyCoveredM2/1e6, 1))
	}
	if written != "" {
		fmt.Fprintf(tw, "written\t%s\n", written)
	}
	return tw.Flush()
}

// reachFlags are the service-circle flags shared by the planner commands.
type reachFlags struct {
	minutes, speed, circuity, radius *float64
	mode                             *string
}

func addReachFlags(fs *flag.FlagSet) reachFlags {
	return reachFlags{
		minutes:  fs.Float64("minutes", 15, "travel time of the service circle in minutes"),
		mode:     fs.String("mode", "walk", "travel mode: walk (5 km/h), cycle (15), drive (40), truck (50)"),
		speed:    fs.Float64("speed-kmh", 0, "travel speed in km/h (overrides the mode's)"),
		circuity: fs.Float64("circuity", geo.DefaultCircuity, "road distance / straight-line distance"),
		radius:   fs.Float64("radius-m", 0, "service circle radius in meters (instead of minutes and mode)"),
	}
}

func (f reachFlags) reach() (geo.Reach, error) {
	if *f.radius > 0 {
		if *f.radius > 500_000 {
			return geo.Reach{}, fmt.Errorf("--radius-m %v: want at most 500000 meters", *f.radius)
		}
		return geo.RadiusReach(*f.radius), nil
	}
	if *f.minutes <= 0 || *f.minutes > 600 {
		return geo.Reach{}, fmt.Errorf("--minutes %v: want more than 0 and at most 600", *f.minutes)
	}
	if *f.circuity < 1 || *f.circuity > 3 {
		return geo.Reach{}, fmt.Errorf("--circuity %v: want 1 to 3", *f.circuity)
	}
	r, err := geo.NewReach(*f.mode, *f.minutes, *f.speed, *f.circuity)
	if err != nil {
		return geo.Reach{}, err
	}
	if r.RadiusM > 500_000 {
		return geo.Reach{}, fmt.Errorf("the radius %.0f m is above 500000 m; lower --minutes or --speed-kmh", r.RadiusM)
	}
	return r, nil
}

// parseFilterFlags reads comma-separated kinds and amenities.
func parseFilterFlags(kinds, amenities string) (data.Filter, error) {
	var f data.Filter
	for _, k := range splitList(kinds) {
		kk, err := data.ParseKind(k)
		if err != nil {
			return f, err
		}
		f.Kinds = append(f.Kinds, kk)
	}
	set, err := data.NewAmenitySet(splitList(amenities))
	if err != nil {
		return f, err
	}
	f.Amenities = set
	return f, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// plannerStations reads --data FILE (invalid records are reported on
// stderr and left out) or the bundled data set.
func plannerStations(file string, stderr io.Writer) ([]*data.Station, string, error) {
	if file == "" {
		st, err := bundled.Stations()
		if err != nil {
			return nil, "", fmt.Errorf("load bundled data set: %w", err)
		}
		return st, "bundled data set", nil
	}
	st, problems, err := source.LoadFile(file)
	if err != nil {
		return nil, "", err
	}
	for i, p := range problems {
		if i == 5 {
			fmt.Fprintf(stderr, "  ... and %d more invalid records\n", len(problems)-i)
			break
		}
		fmt.Fprintf(stderr, "skipping invalid record: %s\n", p)
	}
	return st, file, nil
}

// readGeometry reads a GeoJSON file holding one geometry, a Feature, or a
// FeatureCollection of exactly one Feature.
func readGeometry(path string) (orb.Geometry, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%s is not GeoJSON: %v", path, err)
	}
	switch head.Type {
	case "Feature":
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		return f.Geometry, nil
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if len(fc.Features) != 1 {
			return nil, fmt.Errorf("%s holds %d features; want one", path, len(fc.Features))
		}
		return fc.Features[0].Geometry, nil
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return g.Geometry(), nil
}

func readArea(path string) (orb.MultiPolygon, error) {
	g, err := readGeometry(path)
	if err != nil {
		return nil, err
	}
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, fmt.Errorf("%s: want a Polygon or MultiPolygon, got %T", path, g)
	}
	if err := geo.ValidateArea(mp); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return mp, nil
}

// writeGeoJSON writes v to path ("-": stdout; "": nowhere, the file was
// not asked for) and says which file it wrote ("" for none).
func writeGeoJSON(path string, v any, stdout io.Writer) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode GeoJSON: %w", err)
	}
	if path == "-" {
		_, err := stdout.Write(append(b, '\n'))
		return "", err
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return "", err
	}
	return path, nil
}

// stageBar is a progress bar over the stages of a long run, shown only
// when stderr is a terminal.
type stageBar struct{ bar *progressbar.ProgressBar }

func newStageBar(stderr io.Writer, stages int, first string) *stageBar {
	if !isTerminal(stderr) {
		return &stageBar{}
	}
	return &stageBar{bar: progressbar.NewOptions(stages,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(first),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
	)}
}

func (s *stageBar) step(desc string) {
	if s.bar != nil {
		s.bar.Describe(desc)
		_ = s.bar.Add(1)
	}
}

func (s *stageBar) finish() {
	if s.bar != nil {
		_ = s.bar.Finish()
	}
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func trimFloat(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") }

// thousands formats v with the given decimals and comma thousands separators.
func thousands(v float64, decimals int) string {
	s := fmt.Sprintf("%.*f", decimals, v)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}
