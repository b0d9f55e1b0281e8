// Package roads is the road network: the ways read from OpenStreetMap, the
// compact graph built from them, the travel profiles (walk, cycle, drive,
// truck), and the searches on it (snapping, routes, reach). It is pure
// computation over memory; reading PBF files lives in data/source and the
// roads table in data/postgis.
package roads

import "github.com/paulmach/orb"

// Way is one OSM way with a highway=* tag, as read from a PBF file or the
// roads table: its geometry, the OSM node ids of its vertices (ways join
// where they share a node) and the raw tags a profile reads. Tags are kept
// raw, not decided at read time, so a profile overridden per request or
// per deployment sees them as OSM wrote them.
type Way struct {
	ID       int64          `json:"id"`
	Geometry orb.LineString `json:"-"`
	// Nodes are the OSM node ids of Geometry's vertices, one for each.
	Nodes []int64 `json:"nodes"`
	// Class is the highway=* value: motorway, trunk_link, residential …
	Class string `json:"class"`
	// The tags below are OSM's raw values, "" when the way lacks the tag.
	MaxSpeed     string `json:"maxspeed,omitempty"`
	Oneway       string `json:"oneway,omitempty"`
	Junction     string `json:"junction,omitempty"`
	Access       string `json:"access,omitempty"`
	MotorVehicle string `json:"motor_vehicle,omitempty"`
	HGV          string `json:"hgv,omitempty"`
	Foot         string `json:"foot,omitempty"`
	Bicycle      string `json:"bicycle,omitempty"`
	MaxWeight    string `json:"maxweight,omitempty"`
	MaxHeight    string `json:"maxheight,omitempty"`
}
