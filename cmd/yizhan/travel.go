package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"yizhan/data/plan"
	"yizhan/data/source"
	"yizhan/roads"
)

// plannerRoads reads the road network of an OpenStreetMap extract for a
// planner command (--roads FILE.osm.pbf): the network the server serves
// with serve --roads. An empty file name is no network: the planner then
// uses the straight line, as a server without one does.
func plannerRoads(ctx context.Context, file string, stderr io.Writer) (*roads.Network, error) {
	if file == "" {
		return nil, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ways, err := source.ReadRoads(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("read roads from %s: %w", file, err)
	}
	n, err := roads.Build(ways)
	if err != nil {
		return nil, fmt.Errorf("build the road network of %s: %w", file, err)
	}
	st := n.Stats()
	fmt.Fprintf(stderr, "roads: %d ways, %d junctions, %d directed edges from %s\n", st.Ways, st.Nodes, st.Edges, file)
	return n, nil
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
