package bundled

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

//go:embed routes/*.geojson
var routesFS embed.FS

// Waypoint is one sourced place a bundled route passes.
type Waypoint struct {
	NameEN string    `json:"name_en"`
	NameZH string    `json:"name_zh"`
	Point  orb.Point `json:"-"`
	Source string    `json:"source"` // which file and record the position comes from
}

// Route is a bundled example route: straight great-circle segments
// between real, sourced town and port points (league seats, GeoNames
// places, ports), NOT a surveyed road. It is there so that people can try
// the route tools on something real.
type Route struct {
	ID        string
	NameEN    string
	NameZH    string
	Line      orb.LineString
	Waypoints []Waypoint
	LengthKm  float64 // straight-line length, km
	Note      string  // says plainly that the segments are straight
	Raw       []byte  // the GeoJSON Feature as bundled
}

// routeFile is the on-disk shape of data/bundled/routes/*.geojson.
type routeFile struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Geometry struct {
		Type        string       `json:"type"`
		Coordinates [][2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		NameEN    string  `json:"name_en"`
		NameZH    string  `json:"name_zh"`
		Note      string  `json:"note"`
		LengthKm  float64 `json:"length_km"`
		Waypoints []struct {
			Waypoint
			Coordinates [2]float64 `json:"coordinates"`
		} `json:"waypoints"`
	} `json:"properties"`
}

// Routes returns the example routes embedded in the binary, ordered by id.
func Routes() ([]Route, error) {
	names, err := fs.Glob(routesFS, "routes/*.geojson")
	if err != nil {
		return nil, fmt.Errorf("list bundled routes: %w", err)
	}
	var out []Route
	for _, name := range names {
		raw, err := routesFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read bundled route %s: %w", name, err)
		}
		var f routeFile
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("decode bundled route %s: %w", name, err)
		}
		if f.Type != "Feature" || f.Geometry.Type != "LineString" || len(f.Geometry.Coordinates) < 2 {
			return nil, fmt.Errorf("bundled route %s: want a Feature with a LineString of at least 2 positions", name)
		}
		r := Route{ID: f.ID, NameEN: f.Properties.NameEN, NameZH: f.Properties.NameZH,
			LengthKm: f.Properties.LengthKm, Note: f.Properties.Note, Raw: raw}
		if r.ID == "" {
			r.ID = strings.TrimSuffix(path.Base(name), ".geojson")
		}
		for _, c := range f.Geometry.Coordinates {
			r.Line = append(r.Line, orb.Point(c))
		}
		for _, w := range f.Properties.Waypoints {
			wp := w.Waypoint
			wp.Point = orb.Point(w.Coordinates)
			r.Waypoints = append(r.Waypoints, wp)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Route) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// FindRoute returns the bundled route with id.
func FindRoute(id string) (Route, bool) {
	rs, err := Routes()
	if err != nil {
		return Route{}, false
	}
	for _, r := range rs {
		if r.ID == id {
			return r, true
		}
	}
	return Route{}, false
}
