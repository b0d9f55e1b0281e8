package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/plan"
	"yizhan/data/source"
	"yizhan/geo"
)

// The planner commands (gaps, route) fill a plan request from their flags,
// run the one planning pipeline of data/plan, print a table of the result
// and write, with --out, the GeoJSON the server answers for the same
// request (api.GapsGeoJSON, api.RouteGeoJSON): same limits, same
// messages, same bytes.

// planFlags maps the flags of a planner command to the request fields
// they fill, so that a refusal names the flag given.
type planFlags struct {
	fs      *flag.FlagSet
	byField map[string]string // request field -> flag name
	set     map[string]bool   // flags given on the command line
}

func newPlanFlags(fs *flag.FlagSet) *planFlags {
	return &planFlags{fs: fs, byField: map[string]string{}}
}

// field records that flag fills the request field.
func (p *planFlags) field(flag, field string) { p.byField[field] = flag }

// parsed notes which flags were given; call it after parseFlags.
func (p *planFlags) parsed() {
	p.set = map[string]bool{}
	p.fs.Visit(func(f *flag.Flag) { p.set[f.Name] = true })
}

// float is the value of a float flag when it was given, else nil, so
// that the request's defaults (and the derivations that say "default")
// are the server's.
func (p *planFlags) float(name string, v *float64) *float64 {
	if !p.set[name] {
		return nil
	}
	return v
}

// explain prefixes a planner refusal with the command and the flag at fault.
func (p *planFlags) explain(cmd string, err error) error {
	var pe *plan.Error
	if errors.As(err, &pe) && p.byField[pe.Field] != "" {
		return fmt.Errorf("%s: --%s: %w", cmd, p.byField[pe.Field], err)
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

// reachFlags are the service-circle flags shared by the planner commands.
type reachFlags struct {
	minutes, speed, circuity, radius *float64
	mode                             *string
}

func addReachFlags(p *planFlags) reachFlags {
	fs := p.fs
	for flag, field := range map[string]string{"minutes": "minutes", "mode": "mode", "speed-kmh": "speed_kmh", "circuity": "circuity", "radius-m": "radius_m"} {
		p.field(flag, field)
	}
	return reachFlags{
		minutes:  fs.Float64("minutes", plan.DefaultMinutes, "travel time of the service circle in minutes"),
		mode:     fs.String("mode", plan.DefaultMode, "travel mode: walk (5 km/h), cycle (15), drive (40), truck (50)"),
		speed:    fs.Float64("speed-kmh", 0, "travel speed in km/h (overrides the mode's)"),
		circuity: fs.Float64("circuity", geo.DefaultCircuity, "road distance / straight-line distance"),
		radius:   fs.Float64("radius-m", 0, "service circle radius in meters (instead of minutes and mode)"),
	}
}

// search is the request's filter and circle as the flags give them.
func (f reachFlags) search(p *planFlags, kinds, amenities string) plan.Search {
	s := plan.Search{
		BodyFilter: plan.BodyFilter{Kind: plan.StringList{kinds}, Amenity: plan.StringList{amenities}},
		RadiusM:    p.float("radius-m", f.radius), Minutes: p.float("minutes", f.minutes),
		SpeedKmh: p.float("speed-kmh", f.speed), Circuity: p.float("circuity", f.circuity),
	}
	if p.set["mode"] {
		s.Mode = *f.mode
	}
	return s
}

// splitList reads a comma-separated flag value.
func splitList(s string) []string { return plan.List([]string{s}) }

// plannerStations reads --data FILE (invalid records are reported on
// stderr and left out) or the bundled data set, as a snapshot.
func plannerStations(file string, stderr io.Writer) (*catalog.Snapshot, string, error) {
	if file == "" {
		st, err := bundled.Stations()
		if err != nil {
			return nil, "", fmt.Errorf("load bundled data set: %w", err)
		}
		return catalog.NewSnapshot(st, 0), "bundled data set", nil
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
	return catalog.NewSnapshot(st, 0), file, nil
}

// passing counts the records of snap that pass f.
func passing(snap *catalog.Snapshot, f data.Filter) int {
	_, n := snap.InBound(geo.World(), f, 0, 0)
	return n
}

// writeGeoJSON writes b to path ("-": stdout; "": nowhere, the file was
// not asked for) and says which file it wrote ("" for none).
func writeGeoJSON(path string, b []byte, stdout io.Writer) (string, error) {
	if path == "" {
		return "", nil
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
