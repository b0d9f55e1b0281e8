package source

import (
	"bytes"
	"context"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"

	"yizhan/roads"
)

const (
	andorraRoadsPBF       = "../osm/andorra-2022-09-20.osm.pbf"
	liechtensteinRoadsPBF = "../osm/liechtenstein-2013-08-03.osm.pbf"
)

func readRoadsFile(t *testing.T, path string) []roads.Way {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ways, err := ReadRoads(context.Background(), f)
	if err != nil {
		t.Fatalf("ReadRoads(%s): %v", path, err)
	}
	return ways
}

// expectedRoads scans the extract independently of ReadRoads (one pass,
// every node in memory) and returns the highway ways some mode can use,
// by id, and the coordinates of every node.
func expectedRoads(t *testing.T, path string) (map[int64]*osm.Way, map[osm.NodeID][2]float64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := osmpbf.New(context.Background(), bytes.NewReader(raw), 1)
	defer sc.Close()
	ways := map[int64]*osm.Way{}
	nodes := map[osm.NodeID][2]float64{}
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			nodes[o.ID] = [2]float64{math.Round(o.Lon*1e7) / 1e7, math.Round(o.Lat*1e7) / 1e7}
		case *osm.Way:
			tg := o.Tags
			w := roads.Way{Class: tg.Find("highway"), Access: tg.Find("access"), MotorVehicle: tg.Find("motor_vehicle"),
				Foot: tg.Find("foot"), Bicycle: tg.Find("bicycle"), HGV: tg.Find("hgv"), MaxWeight: tg.Find("maxweight"), MaxHeight: tg.Find("maxheight")}
			if w.Class != "" && roads.UsableBySome(&w) && len(o.Nodes) >= 2 {
				ways[int64(o.ID)] = o
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ways, nodes
}

func TestReadRoadsAgainstOneScan(t *testing.T) {
	for _, path := range []string{andorraRoadsPBF, liechtensteinRoadsPBF} {
		got := readRoadsFile(t, path)
		want, nodes := expectedRoads(t, path)
		pieces := map[int64][]roads.Way{}
		for _, w := range got {
			pieces[w.ID] = append(pieces[w.ID], w)
		}
		for id, ow := range want {
			// The pieces are the runs of nodes the extract holds.
			var runs [][]osm.NodeID
			var run []osm.NodeID
			for _, n := range ow.Nodes {
				if _, ok := nodes[n.ID]; ok {
					run = append(run, n.ID)
					continue
				}
				if len(run) >= 2 {
					runs = append(runs, run)
				}
				run = nil
			}
			if len(run) >= 2 {
				runs = append(runs, run)
			}
			ps := pieces[id]
			if len(ps) != len(runs) {
				t.Fatalf("%s way %d: %d pieces, want %d", path, id, len(ps), len(runs))
			}
			for i, p := range ps {
				if len(p.Nodes) != len(runs[i]) || len(p.Geometry) != len(p.Nodes) {
					t.Fatalf("%s way %d piece %d: %d nodes, %d positions; want %d", path, id, i, len(p.Nodes), len(p.Geometry), len(runs[i]))
				}
				for j, n := range runs[i] {
					if p.Nodes[j] != int64(n) || [2]float64(p.Geometry[j]) != nodes[n] {
						t.Fatalf("%s way %d piece %d vertex %d: node %d at %v, want %d at %v", path, id, i, j, p.Nodes[j], p.Geometry[j], n, nodes[n])
					}
				}
				tg := ow.Tags
				wantTags := roads.Way{ID: id, Class: tg.Find("highway"), MaxSpeed: tg.Find("maxspeed"), Oneway: tg.Find("oneway"),
					Junction: tg.Find("junction"), Access: tg.Find("access"), MotorVehicle: tg.Find("motor_vehicle"), HGV: tg.Find("hgv"),
					Foot: tg.Find("foot"), Bicycle: tg.Find("bicycle"), MaxWeight: tg.Find("maxweight"), MaxHeight: tg.Find("maxheight")}
				p.Nodes, p.Geometry = nil, nil
				if !reflect.DeepEqual(p, wantTags) {
					t.Fatalf("%s way %d tags %+v, want %+v", path, id, p, wantTags)
				}
			}
			delete(pieces, id)
		}
		for id := range pieces {
			t.Fatalf("%s: way %d read but not a usable highway", path, id)
		}
		t.Logf("%s: %d ways in %d pieces", path, len(want), len(got))
	}
}

func TestReadRoadsAndorraClasses(t *testing.T) {
	ways := readRoadsFile(t, andorraRoadsPBF)
	classes := map[string]int{}
	for _, w := range ways {
		classes[w.Class]++
	}
	// Andorra has trunk, primary and residential roads and footways, but
	// nothing that no mode may use (proposed, construction, platform).
	for _, c := range []string{"trunk", "primary", "secondary", "residential", "footway", "track"} {
		if classes[c] == 0 {
			t.Errorf("no %s ways read (classes %v)", c, classes)
		}
	}
	for _, c := range []string{"proposed", "construction", "platform", "bus_stop"} {
		if classes[c] > 0 {
			t.Errorf("%d %s ways read; no mode uses them", classes[c], c)
		}
	}
}

func TestReadRoadsFromStream(t *testing.T) {
	f, err := os.Open(liechtensteinRoadsPBF)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadRoads(context.Background(), notSeeker{f})
	if err != nil {
		t.Fatal(err)
	}
	if want := readRoadsFile(t, liechtensteinRoadsPBF); len(got) != len(want) {
		t.Fatalf("from a stream %d ways, from the file %d", len(got), len(want))
	}
}

func TestReadRoadsCancelled(t *testing.T) {
	f, err := os.Open(andorraRoadsPBF)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadRoads(ctx, f); err == nil {
		t.Error("ReadRoads(cancelled context) error = nil; want one")
	}
}

func TestReadRoadsNotPBF(t *testing.T) {
	for _, in := range []string{"", "id,lon,lat\n", "\x00\x00\x00\x0dOSMHeader"} {
		if ways, err := ReadRoads(context.Background(), strings.NewReader(in)); err == nil && len(ways) > 0 {
			t.Errorf("ReadRoads(%q) = %d ways, nil error", in, len(ways))
		}
	}
}

// FuzzReadRoads feeds the reader damaged extracts (prefixes of a real
// one and bytes flipped in it): it must return ways or an error, never
// panic or hang, and whatever ways it returns must build a network.
func FuzzReadRoads(f *testing.F) {
	raw, err := os.ReadFile(liechtensteinRoadsPBF)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw[:4096])
	f.Add(raw[:len(raw)/3])
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00\x0e\x0a\x09OSMHeader\x18\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10e9)
		defer cancel()
		ways, err := ReadRoads(ctx, bytes.NewReader(b))
		if err != nil {
			return
		}
		if _, err := roads.Build(ways); err != nil {
			t.Fatalf("ReadRoads gave ways Build refuses: %v", err)
		}
	})
}
