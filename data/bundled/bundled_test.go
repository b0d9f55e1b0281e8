package bundled

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"yizhan/data"
)

// sourcedPorts are the ports of shared/data/ports/inner_mongolia_ports.geojson
// that have a sourced position: all of them must be bundled.
var sourcedPorts = map[string]struct {
	country string
	modes   []string
}{
	"port-manzhouli-road": {"RU", []string{"road"}},
	"port-manzhouli-rail": {"RU", []string{"rail"}},
	"port-erenhot-road":   {"MN", []string{"road"}},
	"port-erenhot-rail":   {"MN", []string{"rail"}},
	"port-ceke":           {"MN", []string{"road", "rail"}},
	"port-zhuengadabuqi":  {"MN", []string{"road"}},
	"port-heishantou":     {"RU", []string{"road"}},
	"port-shiwei":         {"RU", []string{"road"}},
	"port-hohhot-air":     {"", []string{"air"}},
	"port-hailar-air":     {"", []string{"air"}},
	"port-manzhouli-air":  {"", []string{"air"}},
	"port-baotou-air":     {"", []string{"air"}},
	"port-ordos-air":      {"", []string{"air"}},
	"port-erenhot-air":    {"", []string{"air"}},
}

func bundledOrFatal(t *testing.T) []*data.Station {
	t.Helper()
	stations, err := Stations()
	if err != nil {
		t.Fatalf("Stations() error: %v", err)
	}
	return stations
}

func TestBundledDecodesWithoutProblems(t *testing.T) {
	raw := StationsGeoJSON()
	stations, problems, err := data.DecodeStations(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("DecodeStations(bundled) error: %v", err)
	}
	for _, p := range problems {
		t.Errorf("bundled record problem: %v", p)
	}
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("bundled stations are not JSON: %v", err)
	}
	if len(stations) != len(fc.Features) {
		t.Errorf("DecodeStations(bundled) = %d records; want all %d features", len(stations), len(fc.Features))
	}
	if n := len(bundledOrFatal(t)); n < 40 || n > 120 {
		t.Errorf("len(Stations()) = %d; want 40..120", n)
	}
}

func TestBundledIDsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range bundledOrFatal(t) {
		if s.ID == "" {
			t.Errorf("record %+v has no id", s.Names)
		}
		if seen[s.ID] {
			t.Errorf("id %q used twice", s.ID)
		}
		seen[s.ID] = true
	}
}

func TestBundledEveryRecordComplete(t *testing.T) {
	for _, s := range bundledOrFatal(t) {
		if s.Names.ZH == "" || s.Names.EN == "" {
			t.Errorf("%s: names = %+v; want zh and en", s.ID, s.Names)
		}
		if strings.TrimSpace(s.Source) == "" {
			t.Errorf("%s: no source", s.ID)
		}
		if s.Region == "" {
			t.Errorf("%s: no region", s.ID)
		}
		if s.UpdatedAt.IsZero() || s.UpdatedAt.After(time.Now().Add(24*time.Hour)) {
			t.Errorf("%s: updated_at = %v; want a past time", s.ID, s.UpdatedAt)
		}
		if s.OpeningHours != "" && s.Hours == nil {
			t.Errorf("%s: opening_hours %q not parsed", s.ID, s.OpeningHours)
		}
	}
}

// TestBundledInsideProvince checks every record against the province
// outline: inside its bounding box, and inside the polygon itself.
func TestBundledInsideProvince(t *testing.T) {
	layers, err := LoadLayers()
	if err != nil {
		t.Fatalf("LoadLayers() error: %v", err)
	}
	area, _, ok := layers.Region("150000")
	if !ok {
		t.Fatal(`Region("150000") not found`)
	}
	box := area.Bound()
	for _, s := range bundledOrFatal(t) {
		if !box.Contains(s.Location) {
			t.Errorf("%s at %v: outside the province bbox %v", s.ID, s.Location, box)
			continue
		}
		if !planar.MultiPolygonContains(area, s.Location) {
			t.Errorf("%s at %v: outside the province outline", s.ID, s.Location)
		}
	}
}

var geonameIDInSource = regexp.MustCompile(`GeoNames cities500 town centre of (.+) \(geonameid (\d+)\)`)

// TestBundledExamplesAreLabelled checks that every record that is not a
// sourced port is an example that says so, and that it sits exactly on the
// GeoNames point of the town its source names: no coordinate is invented.
func TestBundledExamplesAreLabelled(t *testing.T) {
	layers, err := LoadLayers()
	if err != nil {
		t.Fatalf("LoadLayers() error: %v", err)
	}
	places := placesByGeonameID(t, layers)
	for _, s := range bundledOrFatal(t) {
		if _, ok := sourcedPorts[s.ID]; ok {
			continue
		}
		if !strings.HasPrefix(s.ID, "example-") {
			t.Errorf("%s: neither a sourced port nor an example- id", s.ID)
			continue
		}
		if !strings.Contains(s.Source, "Illustrative example, not a surveyed site") {
			t.Errorf("%s: source %q does not say it is an example", s.ID, s.Source)
		}
		if !strings.Contains(s.Names.ZH, "示例") || !strings.Contains(s.Names.EN, "(example)") {
			t.Errorf("%s: names %+v do not say example", s.ID, s.Names)
		}
		if s.Kind == data.KindPort {
			t.Errorf("%s: an example must not be a port", s.ID)
		}
		m := geonameIDInSource.FindStringSubmatch(s.Source)
		if m == nil {
			t.Errorf("%s: source %q names no GeoNames town", s.ID, s.Source)
			continue
		}
		id, _ := strconv.Atoi(m[2])
		p, ok := places[id]
		if !ok {
			t.Errorf("%s: geonameid %d not in the places layer", s.ID, id)
			continue
		}
		if p.name != m[1] || p.point != s.Location {
			t.Errorf("%s at %v (%s): places layer has geonameid %d = %s at %v", s.ID, s.Location, m[1], id, p.name, p.point)
		}
	}
}

type place struct {
	name  string
	point orb.Point
}

func placesByGeonameID(t *testing.T, l *Layers) map[int]place {
	t.Helper()
	raw, ok := l.GeoJSON(LayerPlaces)
	if !ok {
		t.Fatal("no places layer")
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates orb.Point `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				GeonameID int    `json:"geonameid"`
				Name      string `json:"name"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("decode places: %v", err)
	}
	out := map[int]place{}
	for _, f := range fc.Features {
		out[f.Properties.GeonameID] = place{f.Properties.Name, f.Geometry.Coordinates}
	}
	return out
}

func TestBundledPorts(t *testing.T) {
	found := map[string]bool{}
	for _, s := range bundledOrFatal(t) {
		want, sourced := sourcedPorts[s.ID]
		if s.Kind != data.KindPort {
			if s.Port != nil {
				t.Errorf("%s: kind %s has port info", s.ID, s.Kind)
			}
			continue
		}
		if !sourced {
			t.Errorf("%s: port not in the sourced list", s.ID)
			continue
		}
		found[s.ID] = true
		if s.Port == nil {
			t.Errorf("%s: port without port info", s.ID)
			continue
		}
		if s.Port.Country != want.country || fmt.Sprint(s.Port.Modes) != fmt.Sprint(want.modes) {
			t.Errorf("%s: port = %+v; want country %q modes %v", s.ID, *s.Port, want.country, want.modes)
		}
		if !strings.Contains(s.Source, "not the checkpoint") {
			t.Errorf("%s: source %q does not say the point is not the checkpoint", s.ID, s.Source)
		}
		if !strings.Contains(s.Source, "GeoNames") && !strings.Contains(s.Source, "UN/LOCODE") && !strings.Contains(s.Source, "OurAirports") {
			t.Errorf("%s: source %q names no coordinate source", s.ID, s.Source)
		}
	}
	for id := range sourcedPorts {
		if !found[id] {
			t.Errorf("sourced port %s missing from the bundled set", id)
		}
	}
}

func TestBundledKindsRepresented(t *testing.T) {
	count := map[data.Kind]int{}
	for _, s := range bundledOrFatal(t) {
		count[s.Kind]++
	}
	for _, k := range data.Kinds() {
		if count[k] == 0 {
			t.Errorf("no bundled record of kind %s", k)
		}
	}
}

// TestBundledDriverStations checks the stations the brief names: 24/7
// driver homes with showers, beds and truck parking at Manzhouli and Erenhot.
func TestBundledDriverStations(t *testing.T) {
	want, err := data.NewAmenitySet([]string{"shower", "beds", "truck_parking"})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*data.Station{}
	for _, s := range bundledOrFatal(t) {
		byID[s.ID] = s
	}
	for _, id := range []string{"example-driver-home-manzhouli", "example-driver-home-erenhot"} {
		s, ok := byID[id]
		if !ok {
			t.Errorf("%s missing", id)
			continue
		}
		if s.Kind != data.KindDriverHome || !s.Amenities.Has(want) || s.OpeningHours != "24/7" {
			t.Errorf("%s: kind %s amenities %v hours %q; want driver_home with shower, beds, truck_parking, 24/7",
				id, s.Kind, s.Amenities.Names(), s.OpeningHours)
		}
		if s.Beds == nil || s.TruckParkingSpaces == nil {
			t.Errorf("%s: beds and truck_parking_spaces must be set", id)
		}
		for _, lang := range []string{"zh", "ru", "mn"} {
			if !strings.Contains(strings.Join(s.Languages, ","), lang) {
				t.Errorf("%s: languages %v lack %s", id, s.Languages, lang)
			}
		}
	}
}

func TestBundledReturnsFreshCopies(t *testing.T) {
	a := bundledOrFatal(t)
	a[0].Names.ZH = "changed"
	b := bundledOrFatal(t)
	if b[0].Names.ZH == "changed" {
		t.Error("Stations() shares records between calls")
	}
}

// TestReadmeDocumentsBundledSet checks that data/README.md (which
// describes the whole data tree) lists every
// example station, every bundled file and the ports known to be missing,
// so the documentation cannot fall behind the data.
func TestReadmeDocumentsBundledSet(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	readme := string(raw)
	for _, s := range bundledOrFatal(t) {
		if !strings.Contains(readme, "`"+s.ID+"`") {
			t.Errorf("README.md does not list record %s", s.ID)
		}
	}
	entries, err := bundledFS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.Contains(readme, "`bundled/"+e.Name()+"`") {
			t.Errorf("README.md does not describe bundled/%s", e.Name())
		}
	}
	for _, port := range []string{"ganqimaodu", "arihashate", "ebuduge", "arxan", "mandula", "wuliji", "erka", "hulieyetu"} {
		if !strings.Contains(readme, "`"+port+"`") {
			t.Errorf("README.md does not list missing port %s", port)
		}
	}
	for _, notice := range []string{"CC BY 4.0", "LGPL-3.0-or-later", "Natural Earth", "OurAirports", "UN/LOCODE", "ODbL"} {
		if !strings.Contains(readme, notice) {
			t.Errorf("README.md lacks the %s notice", notice)
		}
	}
	for _, f := range []string{"../LICENSES/LGPL-3.0.txt", "../LICENSES/GPL-3.0.txt", "../LICENSES/NOTICE.md"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("licence file missing: %v", err)
		}
	}
}
