package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/geo"
)

// runRoute is `yizhan route FILE`: the records along a route, the long
// stretches without one, and a rest plan for a truck driver.
func runRoute(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	var desc strings.Builder
	desc.WriteString("Lists the records along a route, the long stretches without one and a rest plan for a\n" +
		"truck driver. FILE is GeoJSON holding a LineString (or a Feature of one); ROUTE-ID names\n" +
		"a bundled example route (straight segments between real places, not surveyed roads):\n")
	if rs, err := bundled.Routes(); err == nil {
		for _, r := range rs {
			fmt.Fprintf(&desc, "  %-24s %s, %.0f km\n", r.ID, r.NameEN, r.LengthKm)
		}
	}
	desc.WriteString("\nexample: yizhan route hohhot-erenhot --corridor-m 5000 --prefer truck_parking,shower")
	fs := newFlagSet("route", "[flags] FILE|ROUTE-ID", desc.String(), stderr)
	corridor := fs.Float64("corridor-m", 2000, "meters either side of the route to look for records")
	maxGapKm := fs.Float64("max-gap-km", 50, "report stretches longer than this with no record")
	maxGapMin := fs.Float64("max-gap-minutes", 0, "report stretches longer than this many minutes at --speed-kmh (instead of --max-gap-km)")
	speed := fs.Float64("speed-kmh", 50, "planning speed in km/h")
	driveMin := fs.Float64("max-drive-minutes", 240, "longest continuous drive in minutes (China: 4 hours, then at least 20 minutes of rest)")
	prefer := fs.String("prefer", "", "amenities a rest stop should have, preferred when choosing (comma-separated, e.g. truck_parking,shower,beds)")
	kind := fs.String("kind", "", "only records of these kinds (comma-separated)")
	amenity := fs.String("amenity", "", "only records with all of these amenities (comma-separated)")
	lang := fs.String("lang", "en", "language of names: zh, en, ru, mn")
	out := fs.String("out", "", `also write the route, its records, gaps and rest stops as GeoJSON to this file ("-" for standard output, then the summary goes to standard error)`)
	dataFile := fs.String("data", "", "GeoJSON FeatureCollection of records (default: the bundled data set)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("route: give one route FILE or bundled ROUTE-ID")
	}
	switch {
	case !(*corridor > 0 && *corridor <= 50_000):
		return fmt.Errorf("route: --corridor-m %v: want more than 0 and at most 50000", *corridor)
	case !(*speed > 0 && *speed <= 200):
		return fmt.Errorf("route: --speed-kmh %v: want more than 0 and at most 200", *speed)
	case !(*driveMin > 0 && *driveMin <= 1440):
		return fmt.Errorf("route: --max-drive-minutes %v: want more than 0 and at most 1440", *driveMin)
	case !(*maxGapKm > 0) || *maxGapMin < 0:
		return errors.New("route: --max-gap-km and --max-gap-minutes must be positive")
	}
	filter, err := parseFilterFlags(*kind, *amenity)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	preferSet, err := data.NewAmenitySet(splitList(*prefer))
	if err != nil {
		return fmt.Errorf("route: --prefer: %w", err)
	}
	table := stdout
	if *out == "-" {
		table = stderr
	}

	line, label, err := loadRouteArg(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	r, err := geo.NewRoute(line)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	stations, source, err := plannerStations(*dataFile, stderr)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var sts []*data.Station
	var pts []orb.Point
	for _, st := range stations {
		if filter.Accepts(st) {
			sts = append(sts, st)
			pts = append(pts, st.Location)
		}
	}
	hits, err := r.NearContext(ctx, pts, *corridor)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	maxGapM := *maxGapKm * 1000
	if *maxGapMin > 0 {
		maxGapM = *speed * 1000 * *maxGapMin / 60
	}
	alongs := make([]float64, len(hits))
	cands := make([]geo.RestCandidate, len(hits))
	for i, h := range hits {
		alongs[i] = h.AlongM
		cands[i] = geo.RestCandidate{AlongM: h.AlongM, Preferred: preferSet != 0 && sts[h.Index].Amenities.Has(preferSet)}
	}
	gaps := r.Gaps(alongs, maxGapM)
	maxLeg := *speed * 1000 * *driveMin / 60
	plan := geo.PlanRest(r.Length(), cands, maxLeg)
	stopOf := map[int]int{}
	for i, s := range plan.Stops {
		stopOf[s.Index] = i + 1
	}

	fc := geojson.NewFeatureCollection()
	rf := geojson.NewFeature(r.Line())
	rf.ID = "route"
	rf.Properties["role"] = "route"
	rf.Properties["name"] = label
	rf.Properties["length_km"] = round(r.Length()/1000, 3)
	fc.Append(rf)
	for i, h := range hits {
		st := sts[h.Index]
		f := geojson.NewFeature(st.Location)
		f.ID = st.ID
		f.Properties = geojson.Properties(st.Properties())
		f.Properties["name"] = st.Names.In(*lang)
		f.Properties["role"] = "station"
		f.Properties["along_m"] = round(h.AlongM, 1)
		f.Properties["offset_m"] = round(h.OffsetM, 1)
		f.Properties["side"] = h.Side
		if n, ok := stopOf[i]; ok {
			f.Properties["rest_stop"] = n
		}
		fc.Append(f)
	}
	for i, g := range gaps {
		f := geojson.NewFeature(g.Line)
		f.ID = fmt.Sprintf("gap-%d", i+1)
		f.Properties["role"] = "gap"
		f.Properties["from_along_m"] = round(g.FromM, 1)
		f.Properties["to_along_m"] = round(g.ToM, 1)
		f.Properties["length_km"] = round(g.LengthM()/1000, 3)
		fc.Append(f)
	}
	problems := make([]string, len(plan.Problems))
	for i, p := range plan.Problems {
		problems[i] = restProblemText(p, r.Length(), maxLeg, *driveMin, *speed)
	}
	fc.ExtraMembers = geojson.Properties{
		"route_length_km": round(r.Length()/1000, 3),
		"corridor_m":      *corridor,
		"stations_count":  len(hits),
		"max_gap_m":       round(maxGapM, 1),
		"gaps_count":      len(gaps),
		"rest_plan": map[string]any{
			"max_drive_minutes": *driveMin, "speed_kmh": *speed, "max_leg_km": round(maxLeg/1000, 3),
			"feasible": plan.Feasible, "stops": len(plan.Stops), "problems": problems,
		},
		"data": source,
	}
	written, err := writeGeoJSON(*out, fc, stdout)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}

	tw := tabwriter.NewWriter(table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "route\t%s, %s km\n", label, thousands(r.Length()/1000, 1))
	fmt.Fprintf(tw, "records\t%d within %s m of the route (of %d passing the filter; %s)\n", len(hits), trimFloat(*corridor), len(sts), source)
	fmt.Fprintln(tw, "\nalong_km\toffset_m\tside\tstop\tkind\tname")
	for i, h := range hits {
		st := sts[h.Index]
		stop := ""
		if n, ok := stopOf[i]; ok {
			stop = fmt.Sprintf("#%d", n)
		}
		fmt.Fprintf(tw, "%.1f\t%.0f\t%s\t%s\t%s\t%s\n", h.AlongM/1000, h.OffsetM, h.Side, stop, st.Kind, st.Names.In(*lang))
	}
	fmt.Fprintf(tw, "\ngaps\t%d stretch(es) longer than %s km with no record\n", len(gaps), trimFloat(maxGapM/1000))
	for _, g := range gaps {
		fmt.Fprintf(tw, "\talong %.1f–%.1f km: %.1f km\n", g.FromM/1000, g.ToM/1000, g.LengthM()/1000)
	}
	fmt.Fprintf(tw, "\nrest plan\tat most %s min (%s km at %s km/h) per leg, then at least 20 min rest\n", trimFloat(*driveMin), trimFloat(maxLeg/1000), trimFloat(*speed))
	for i, s := range plan.Stops {
		pref := ""
		if s.Preferred {
			pref = " (has " + strings.Join(preferSet.Names(), ", ") + ")"
		}
		fmt.Fprintf(tw, "  stop #%d\talong %.1f km after %.1f km (%.0f min): %s%s\n", i+1, s.AlongM/1000, s.LegM/1000, s.LegM/1000 / *speed * 60, sts[hits[s.Index].Index].Names.In(*lang), pref)
	}
	switch {
	case !plan.Feasible:
		fmt.Fprintln(tw, "  no plan possible:")
		for _, p := range problems {
			fmt.Fprintf(tw, "  \t%s\n", p)
		}
	case len(plan.Stops) == 0:
		fmt.Fprintln(tw, "  no stop needed")
	default:
		fmt.Fprintf(tw, "  last leg\t%.1f km to the end\n", plan.FinalLegM/1000)
	}
	if written != "" {
		fmt.Fprintf(tw, "\nwritten\t%s\n", written)
	}
	return tw.Flush()
}

// restProblemText says plainly why no rest plan fits a stretch.
func restProblemText(p geo.RestProblem, length, maxLeg, driveMin, speed float64) string {
	start := fmt.Sprintf("along %.1f km", p.FromM/1000)
	if p.FromM == 0 {
		start = "the start"
	}
	end := fmt.Sprintf("the next stop at along %.1f km", p.ToM/1000)
	if p.ToM >= length {
		end = fmt.Sprintf("the end at along %.1f km", p.ToM/1000)
	}
	return fmt.Sprintf("a stretch of %.1f km with no stop exceeds the %s km reachable in %s min at %s km/h, between %s and %s",
		(p.ToM-p.FromM)/1000, trimFloat(maxLeg/1000), trimFloat(driveMin), trimFloat(speed), start, end)
}

// loadRouteArg reads a route file, or a bundled route by id when no such file exists.
func loadRouteArg(arg string) (orb.LineString, string, error) {
	if _, err := os.Stat(arg); err != nil {
		if br, ok := bundled.FindRoute(arg); ok {
			return br.Line, br.NameEN + " (bundled; straight segments, not a surveyed road)", nil
		}
		return nil, "", fmt.Errorf("%s is neither a file nor a bundled route id (run 'yizhan route -h' for the list)", arg)
	}
	g, err := readGeometry(arg)
	if err != nil {
		return nil, "", err
	}
	ls, ok := g.(orb.LineString)
	if !ok {
		return nil, "", fmt.Errorf("%s: want a LineString (or a Feature of one), got %T", arg, g)
	}
	return ls, arg, nil
}
