package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"

	"yizhan/roads"
)

// MaxRoadWayNodes bounds the node references one extract may hold in its
// road ways, so a hostile or mistaken file cannot make the reader grow
// without end (a 40 MB regional extract holds a few million).
const MaxRoadWayNodes = 200_000_000

// missing marks a needed node not (yet) found: NaN never equals itself.
var missing = orb.Point{math.NaN(), math.NaN()}

// ReadRoads reads the highway=* ways of an OpenStreetMap PBF extract that
// some mode can use (roads.UsableBySome) with their raw tags, in two
// passes: ways first, keeping the node ids they need, then nodes, keeping
// only those coordinates. Memory is the kept ways plus 24 bytes or so for
// each of their nodes. A way cut by the extract's edge (nodes missing) is
// split where nodes are missing; pieces of fewer than 2 nodes are
// dropped. When r is not an io.ReadSeeker it is read into memory first.
// Ways come out in file order.
func ReadRoads(ctx context.Context, r io.Reader) ([]roads.Way, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("roads: read: %w", err)
		}
		rs = bytes.NewReader(b)
	}
	procs := min(runtime.GOMAXPROCS(0), 4)
	// need maps each node the kept ways use to its place in coords. It is
	// written during the way pass only, and read (by the node filter) in
	// the node pass, which writes coords.
	need := map[int64]int32{}
	var coords []orb.Point
	scan := func(ways bool, fn func(osm.Object) error) error {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("roads: rewind: %w", err)
		}
		sc := osmpbf.New(ctx, rs, procs)
		defer sc.Close()
		sc.SkipRelations = true
		sc.SkipNodes, sc.SkipWays = ways, !ways
		// Filters drop what is not needed at decoding, so its memory is
		// reused; they run on the decoders' goroutines and only read.
		sc.FilterWay = func(w *osm.Way) bool { return w.Tags.Find("highway") != "" }
		sc.FilterNode = func(n *osm.Node) bool { _, ok := need[int64(n.ID)]; return ok }
		for sc.Scan() {
			if err := fn(sc.Object()); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("roads: scan: %w", err)
		}
		return ctx.Err()
	}
	var ways []roads.Way
	refs := 0
	err := scan(true, func(o osm.Object) error {
		w, ok := o.(*osm.Way)
		if !ok || len(w.Nodes) < 2 {
			return nil
		}
		t := w.Tags
		rw := roads.Way{
			ID: int64(w.ID), Class: t.Find("highway"),
			MaxSpeed: t.Find("maxspeed"), Oneway: t.Find("oneway"), Junction: t.Find("junction"),
			Access: t.Find("access"), MotorVehicle: t.Find("motor_vehicle"), HGV: t.Find("hgv"),
			Foot: t.Find("foot"), Bicycle: t.Find("bicycle"),
			MaxWeight: t.Find("maxweight"), MaxHeight: t.Find("maxheight"),
		}
		if rw.Class == "" || !roads.UsableBySome(&rw) {
			return nil
		}
		if refs += len(w.Nodes); refs > MaxRoadWayNodes {
			return fmt.Errorf("roads: the extract's road ways hold more than %d node references", MaxRoadWayNodes)
		}
		rw.Nodes = make([]int64, len(w.Nodes))
		for i, n := range w.Nodes {
			rw.Nodes[i] = int64(n.ID)
			if _, ok := need[int64(n.ID)]; !ok {
				need[int64(n.ID)] = int32(len(coords))
				coords = append(coords, missing)
			}
		}
		ways = append(ways, rw)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scan(false, func(o osm.Object) error {
		n, ok := o.(*osm.Node)
		if !ok {
			return nil
		}
		if i, ok := need[int64(n.ID)]; ok {
			coords[i] = osmPoint(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]roads.Way, 0, len(ways))
	for _, w := range ways {
		start := 0
		flush := func(end int) {
			if end-start >= 2 {
				p := w
				p.Nodes = w.Nodes[start:end:end]
				p.Geometry = make(orb.LineString, end-start)
				for i, id := range p.Nodes {
					p.Geometry[i] = coords[need[id]]
				}
				out = append(out, p)
			}
		}
		for i, id := range w.Nodes {
			if math.IsNaN(coords[need[id]][0]) {
				flush(i)
				start = i + 1
			}
		}
		flush(len(w.Nodes))
	}
	return out, nil
}
