package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"yizhan/data/plan"
	"yizhan/roads"
)

// plannerRoads reads the road network of an OpenStreetMap extract for a
// planner command (--roads FILE.osm.pbf): the network serve --roads
// serves, read by the same loadRoadFile, which logs what it built to
// stderr. An empty file name is no network: the planner then uses the
// straight line, as a server without one does. A planner answers a few
// questions, so unlike serve it prepares no landmarks.
func plannerRoads(ctx context.Context, file string, stderr io.Writer) (*roads.Network, error) {
	if file == "" {
		return nil, nil
	}
	return loadRoadFile(ctx, file, slog.New(slog.NewTextHandler(stderr, nil)))
}

// positionFlag is a flag holding one "lon,lat" position, as the JSON
// position [lon, lat] a route body takes; it is checked by the planner.
type positionFlag struct{ pos []float64 }

func (f *positionFlag) String() string {
	if f == nil || f.pos == nil {
		return ""
	}
	return fmt.Sprintf("%v,%v", f.pos[0], f.pos[1])
}

func (f *positionFlag) Set(s string) error {
	p, err := plan.ParsePosition("position", s)
	if err != nil {
		return fmt.Errorf("want lon,lat in degrees, e.g. 1.5218,42.5063")
	}
	f.pos = []float64{p[0], p[1]}
	return nil
}

// positionsFlag is a repeatable positionFlag (--via).
type positionsFlag struct{ list [][]float64 }

func (f *positionsFlag) String() string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, p := range f.list {
		parts = append(parts, fmt.Sprintf("%v,%v", p[0], p[1]))
	}
	return strings.Join(parts, " ")
}

func (f *positionsFlag) Set(s string) error {
	var one positionFlag
	if err := one.Set(s); err != nil {
		return err
	}
	f.list = append(f.list, one.pos)
	return nil
}
