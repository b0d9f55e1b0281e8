package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"yizhan/api"
	"yizhan/data/bundled"
	"yizhan/data/plan"
)

// runRoute is `yizhan route FILE`: the records along a route, the long
// stretches without one, and a rest plan for a truck driver, by the
// planning pipeline the server runs for POST /v1/route/stations.
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
	desc.WriteString("\nOr, instead of FILE, --from and --to (and --via) find the route: on the roads of --roads\n" +
		"FILE.osm.pbf (the rest plan then by driving time), else the straight line through the points.\n")
	desc.WriteString("\nexample: yizhan route hohhot-erenhot --corridor-m 5000 --prefer truck_parking,shower\n" +
		"         yizhan route --roads andorra.osm.pbf --from 1.4732,42.4357 --to 1.7351,42.5438 --mode truck")
	fs := newFlagSet("route", "[flags] FILE|ROUTE-ID | --from LON,LAT --to LON,LAT", desc.String(), stderr)
	var from, to positionFlag
	var via positionsFlag
	fs.Var(&from, "from", "start of a route to find: lon,lat (instead of FILE)")
	fs.Var(&to, "to", "end of a route to find: lon,lat")
	fs.Var(&via, "via", "a point the route found passes, lon,lat; repeat for more")
	mode := fs.String("mode", plan.DefaultRouteMode, "with --from: travel mode on the roads (walk, cycle, drive, truck)")
	weight := fs.Float64("weight-t", 0, "with --from and --mode truck: the vehicle's weight in tonnes, against maxweight")
	height := fs.Float64("height-m", 0, "with --from and --mode truck: the vehicle's height in meters, against maxheight")
	roadsFile := fs.String("roads", "", "OpenStreetMap extract (.osm.pbf) whose roads --from and --to are routed on")
	pf := newPlanFlags(fs)
	corridor := fs.Float64("corridor-m", plan.DefaultCorridorM, "meters either side of the route to look for records")
	maxGapKm := fs.Float64("max-gap-km", plan.DefaultMaxGapKm, "report stretches longer than this with no record")
	maxGapMin := fs.Float64("max-gap-minutes", 0, "report stretches longer than this many minutes at --speed-kmh (instead of --max-gap-km)")
	speed := fs.Float64("speed-kmh", plan.DefaultRouteSpeedKmh, "planning speed in km/h")
	driveMin := fs.Float64("max-drive-minutes", plan.DefaultMaxDriveMinutes, "longest continuous drive in minutes (China: 4 hours, then at least 20 minutes of rest)")
	prefer := fs.String("prefer", "", "amenities a rest stop should have, preferred when choosing (comma-separated, e.g. truck_parking,shower,beds)")
	kind := fs.String("kind", "", "only records of these kinds (comma-separated)")
	amenity := fs.String("amenity", "", "only records with all of these amenities (comma-separated)")
	lang := fs.String("lang", "en", "language of names: zh, en, ru, mn")
	out := fs.String("out", "", `also write the route, its records, gaps and rest stops as GeoJSON to this file ("-" for standard output, then the summary goes to standard error)`)
	dataFile := fs.String("data", "", "GeoJSON FeatureCollection of records (default: the bundled data set)")
	for flag, field := range map[string]string{"corridor-m": "corridor_m", "max-gap-km": "max_gap_km", "max-gap-minutes": "max_gap_minutes",
		"speed-kmh": "speed_kmh", "max-drive-minutes": "max_drive_minutes", "prefer": "prefer_amenities", "kind": "kind", "amenity": "amenity", "lang": "lang",
		"from": "from", "to": "to", "via": "via", "mode": "mode", "weight-t": "weight_t", "height-m": "height_m"} {
		pf.field(flag, field)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pf.parsed()
	finding := pf.set["from"] || pf.set["to"] || pf.set["via"]
	var (
		line  *plan.Line
		label string
		err   error
	)
	switch {
	case finding && fs.NArg() > 0:
		fs.Usage()
		return errors.New("route: give a route FILE or ROUTE-ID, or --from and --to; not both")
	case !finding && fs.NArg() != 1:
		fs.Usage()
		return errors.New("route: give one route FILE or bundled ROUTE-ID, or --from and --to")
	case !finding:
		if line, label, err = loadRouteArg(fs.Arg(0)); err != nil {
			return fmt.Errorf("route: %w", err)
		}
	}
	net, err := plannerRoads(ctx, *roadsFile, stderr)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	req := plan.RouteRequest{
		Route: line, CorridorM: pf.float("corridor-m", corridor), MaxGapKm: pf.float("max-gap-km", maxGapKm),
		MaxGapMinutes: pf.float("max-gap-minutes", maxGapMin), SpeedKmh: pf.float("speed-kmh", speed),
		MaxDriveMinutes: pf.float("max-drive-minutes", driveMin), PreferAmenities: plan.StringList{*prefer},
		BodyFilter: plan.BodyFilter{Kind: plan.StringList{*kind}, Amenity: plan.StringList{*amenity}, Lang: *lang},
	}
	if finding {
		req.RoadTrip = plan.RoadTrip{From: from.pos, To: to.pos, Via: via.list, WeightT: pf.float("weight-t", weight), HeightM: pf.float("height-m", height)}
		if pf.set["mode"] {
			req.Mode = *mode
		}
	}
	snap, source, err := plannerStations(*dataFile, stderr)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	table := stdout
	if *out == "-" {
		table = stderr
	}
	res, err := (&plan.Planner{Roads: net}).Route(ctx, snap, &req, nil)
	if err != nil {
		return pf.explain("route", err)
	}
	if t := res.Trip; t != nil {
		how := "on the roads"
		if t.Method != plan.MethodNetwork {
			how = "straight line: no --roads given"
		}
		label = fmt.Sprintf("from %s to %s by %s (%s), %s min", from.String(), to.String(), t.Mode, how, thousands(t.DurationS/60, 0))
	}
	b, err := api.RouteGeoJSON(res)
	if err != nil {
		return fmt.Errorf("route: encode GeoJSON: %w", err)
	}
	written, err := writeGeoJSON(*out, b, stdout)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}

	r, rp := res.Route, &res.Rest
	tw := tabwriter.NewWriter(table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "route\t%s, %s km\n", label, thousands(r.Length()/1000, 1))
	fmt.Fprintf(tw, "records\t%d within %s m of the route (of %d passing the filter; %s)\n", len(res.Hits), trimFloat(res.CorridorM), passing(snap, res.Filter), source)
	fmt.Fprintln(tw, "\nalong_km\toffset_m\tside\tstop\tkind\tname")
	for i, h := range res.Hits {
		st := res.Station(i)
		stop := ""
		if n := rp.StopAt(i); n > 0 {
			stop = fmt.Sprintf("#%d", n)
		}
		fmt.Fprintf(tw, "%.1f\t%.0f\t%s\t%s\t%s\t%s\n", h.AlongM/1000, h.OffsetM, h.Side, stop, st.Kind, st.Names.In(res.Lang))
	}
	fmt.Fprintf(tw, "\ngaps\t%d stretch(es) longer than %s km with no record\n", len(res.Gaps), trimFloat(res.MaxGapM/1000))
	for _, g := range res.Gaps {
		fmt.Fprintf(tw, "\talong %.1f–%.1f km: %.1f km\n", g.FromM/1000, g.ToM/1000, g.LengthM()/1000)
	}
	fmt.Fprintf(tw, "\nrest plan\tat most %s min (%s km at %s km/h) per leg, then at least %d min rest\n",
		trimFloat(rp.MaxDriveMinutes), trimFloat(rp.MaxLegKm), trimFloat(rp.SpeedKmh), plan.MinRestMinutes)
	for i, s := range rp.Stops {
		pref := ""
		if s.Preferred {
			pref = " (has " + strings.Join(rp.PreferAmenities, ", ") + ")"
		}
		fmt.Fprintf(tw, "  stop #%d\talong %.1f km after %.1f km (%.0f min): %s%s\n", i+1, s.AlongM/1000, s.LegKm, s.DriveMinutes, s.Name, pref)
	}
	switch {
	case !rp.Feasible:
		fmt.Fprintln(tw, "  no plan possible:")
		for _, p := range rp.Problems {
			fmt.Fprintf(tw, "  \t%s\n", p.Detail)
		}
	case len(rp.Stops) == 0:
		fmt.Fprintln(tw, "  no stop needed")
	default:
		fmt.Fprintf(tw, "  last leg\t%.1f km to the end\n", rp.FinalLegKm)
	}
	if written != "" {
		fmt.Fprintf(tw, "\nwritten\t%s\n", written)
	}
	return tw.Flush()
}

// loadRouteArg reads a route file, or a bundled route by id when no such file exists.
func loadRouteArg(arg string) (*plan.Line, string, error) {
	raw, err := os.ReadFile(arg)
	if err != nil {
		if br, ok := bundled.FindRoute(arg); ok {
			return plan.NewLine(br.Line), br.NameEN + " (bundled; straight segments, not a surveyed road)", nil
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", fmt.Errorf("%s is neither a file nor a bundled route id (run 'yizhan route -h' for the list)", arg)
		}
		return nil, "", err
	}
	var l plan.Line
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, "", fmt.Errorf("%s is not a GeoJSON LineString (or a Feature of one): %v", arg, err)
	}
	return &l, arg, nil
}
