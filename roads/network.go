package roads

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"yizhan/geo"
)

// MaxEdges bounds a network's size: edge ids and the direction bit share
// a uint32.
const MaxEdges = 1<<31 - 1

// Network is the compact road graph. Nodes are junctions (a node shared by
// two or more ways, or the end of a way); each edge is the stretch of one
// way between two junctions, so degree-2 chains inside a way are one edge
// whose geometry is kept beside the graph. Everything is flat arrays with
// uint32 indices rather than pointers:
//
//   - adjacency in CSR form: the half-edges at node i are
//     adj[first[i]:first[i+1]], each an edge id shifted left with the
//     direction in bit 0 (0: the edge leaves i along its geometry, 1:
//     against it);
//   - per edge its two ends, great-circle length, tag set (attr) and the
//     start of its geometry in pts;
//   - the distinct tag sets (attrs), which a profile turns into a small
//     cost table once, so a search reads one table entry per edge.
//
// A Network is immutable after Build and safe for concurrent searches.
type Network struct {
	first  []uint32    // CSR offsets, len nodes+1
	adj    []uint32    // half-edges: edge<<1 | dir
	adjTo  []uint32    // the node at the far end of each half-edge in adj
	nodePt []orb.Point // junction positions

	from, to []uint32  // edge ends
	length   []float64 // great-circle length of the edge's geometry, metres
	attr     []uint32  // index into attrs
	way      []int64   // OSM way id
	geom     []uint32  // geometry of edge e: pts[geom[e]:geom[e+1]]
	pts      []orb.Point
	cum      []float64 // metres from the start of its edge to each position in pts

	attrs []Way // distinct tag sets: tags only, no id, geometry or nodes

	segs  rtree.RTreeG[uint64] // runs of up to chunkSegs segments of one edge (chunk)
	bound orb.Bound
	ways  int

	tables sync.Map // profile key → *costTable
	comps  sync.Map // access pattern → *components
	compN  atomic.Int32
	tableN atomic.Int32
	// landmarkLegs counts the route legs searched with landmarks.
	landmarkLegs atomic.Int64
	// scratches keeps a few idle search states sized for this network. Not
	// a sync.Pool: a collection empties that, and on a large network a
	// fresh state is tens of megabytes to allocate and clear.
	scratches chan *scratch
	// chLegs counts the route legs searched on a hierarchy; chScratches
	// keeps idle hierarchy query states, like scratches.
	chLegs      atomic.Int64
	chScratches chan *chScratch
}

// Stats describes a network's size.
type Stats struct {
	Nodes int // junctions
	Edges int // directed edges (each way stretch counts twice, one per direction)
	Ways  int // ways it was built from
	// GraphBytes is the memory of the graph proper (adjacency, node
	// positions, per-edge arrays); GeometryBytes that of the geometry and
	// the segment index for snapping.
	GraphBytes, GeometryBytes int64
	Segments                  int
	// Prepared are the modes whose default profile has landmarks
	// (Prepare), LandmarkBytes the memory of every profile's landmark
	// tables, and LandmarkLegs the route legs searched with landmarks so
	// far: what says a served network's routes are the fast ones.
	Prepared      []Mode
	LandmarkBytes int64
	LandmarkLegs  int64
	// Contracted are the modes whose default profile has a contraction
	// hierarchy (Prepare), CHBytes its memory over every profile,
	// CHShortcuts the shortcuts it added (CHArcs counts every arc,
	// shortcuts included) and CHLegs the route legs searched on one.
	Contracted          []Mode
	CHBytes             int64
	CHShortcuts, CHArcs int64
	CHLegs              int64
}

// Stats reports the network's size and memory.
func (n *Network) Stats() Stats {
	u32 := int64(unsafe.Sizeof(uint32(0)))
	edges := int64(len(n.from))
	graph := int64(len(n.first)+len(n.adj)+len(n.adjTo))*u32 + int64(len(n.nodePt))*16 +
		edges*(4*u32+8+8) // from, to, attr, geom; length; way
	// An R-tree item is its box (4 float64) and data (uint32, padded),
	// about 40 bytes, plus nodes above the leaves (~1/fill of that again).
	items := int64(n.segs.Len())
	geom := int64(len(n.pts))*(16+8) + items*48
	segs := int64(len(n.pts) - len(n.from))
	for _, a := range n.attrs {
		graph += int64(unsafe.Sizeof(a)) + int64(len(a.Class)+len(a.MaxSpeed)+len(a.Oneway)+len(a.Access))
	}
	st := Stats{Nodes: len(n.nodePt), Edges: int(2 * edges), Ways: n.ways, GraphBytes: graph, GeometryBytes: geom, Segments: int(segs),
		LandmarkLegs: n.landmarkLegs.Load(), CHLegs: n.chLegs.Load()}
	n.tables.Range(func(_, t any) bool {
		if l := t.(*costTable).lm.Load(); l != nil {
			st.LandmarkBytes += l.bytes()
		}
		if c := t.(*costTable).ch.Load(); c != nil {
			st.CHBytes += c.bytes()
			st.CHShortcuts += c.shortcuts
			st.CHArcs += c.arcs()
		}
		return true
	})
	for _, m := range modes {
		if n.Prepared(DefaultProfile(m)) {
			st.Prepared = append(st.Prepared, m)
		}
		if n.Contracted(DefaultProfile(m)) {
			st.Contracted = append(st.Contracted, m)
		}
	}
	return st
}

// Bound is the box of every road.
func (n *Network) Bound() orb.Bound { return n.bound }

// tagKey is a way's tags, the key that interns tag sets.
type tagKey struct {
	Class, MaxSpeed, Oneway, Junction, Access, MotorVehicle, HGV, Foot, Bicycle, MaxWeight, MaxHeight string
}

func keyOf(w *Way) tagKey {
	return tagKey{w.Class, w.MaxSpeed, w.Oneway, w.Junction, w.Access, w.MotorVehicle, w.HGV, w.Foot, w.Bicycle, w.MaxWeight, w.MaxHeight}
}

func (k tagKey) way() Way {
	return Way{Class: k.Class, MaxSpeed: k.MaxSpeed, Oneway: k.Oneway, Junction: k.Junction, Access: k.Access,
		MotorVehicle: k.MotorVehicle, HGV: k.HGV, Foot: k.Foot, Bicycle: k.Bicycle, MaxWeight: k.MaxWeight, MaxHeight: k.MaxHeight}
}

// MaxWayVertices bounds the vertices of one way. OSM caps a way at 2,000
// nodes; the bound keeps one hand-written row of the roads table, or one
// odd way of an extract, from costing more than a few megabytes.
const MaxWayVertices = 100_000

// CheckWay says why w cannot be built into a network (nor stored in the
// roads table), or "" when it can: a positive OSM way id, a highway class,
// 2 to MaxWayVertices vertices on the globe (lon -180..180, lat -90..90)
// and one node id for each. It is the one rule for road input: Build
// refuses what it refuses, and the importer and the roads table's loader
// report what it refuses.
func CheckWay(w *Way) string {
	switch {
	case w.ID <= 0:
		return fmt.Sprintf("id %d: want a positive OSM way id", w.ID)
	case len(w.Geometry) < 2:
		return fmt.Sprintf("geometry has %d vertices; a road needs at least 2", len(w.Geometry))
	case len(w.Geometry) > MaxWayVertices:
		return fmt.Sprintf("geometry has %d vertices; at most %d are allowed", len(w.Geometry), MaxWayVertices)
	case len(w.Nodes) != len(w.Geometry):
		return fmt.Sprintf("%d node ids for %d vertices; want one per vertex", len(w.Nodes), len(w.Geometry))
	case strings.TrimSpace(w.Class) == "":
		return "no highway class"
	}
	for i, p := range w.Geometry {
		if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
			return fmt.Sprintf("vertex %d (%v, %v) is outside lon -180..180, lat -90..90", i, p[0], p[1])
		}
	}
	return ""
}

// Build makes the graph of ways. A node shared by two or more ways (or
// appearing twice in one), and the ends of every way, become junctions;
// each way is cut at its junctions into edges. Consecutive repeats of one
// node are dropped. A malformed way (one CheckWay refuses) is an error
// naming it:
// the caller's data is wrong, and a silently thinner network would give
// wrong travel times.
func Build(ways []Way) (*Network, error) {
	seen := make(map[int64]uint8, len(ways)*4)
	vertices := 0
	clean := make([]Way, 0, len(ways))
	for i := range ways {
		if reason := CheckWay(&ways[i]); reason != "" {
			return nil, fmt.Errorf("roads: way %d (index %d): %s", ways[i].ID, i, reason)
		}
		w := dedupe(ways[i])
		if len(w.Nodes) < 2 {
			continue // one node repeated: no length, nothing to travel
		}
		clean = append(clean, w)
		vertices += len(w.Nodes)
		last := len(w.Nodes) - 1
		for j, id := range w.Nodes {
			c := seen[id]
			if j == 0 || j == last {
				c += 2
			} else {
				c++
			}
			seen[id] = min(c, 2)
		}
	}
	n := &Network{ways: len(ways), scratches: make(chan *scratch, max(2, runtime.GOMAXPROCS(0))),
		chScratches: make(chan *chScratch, max(2, runtime.GOMAXPROCS(0)))}
	junction := make(map[int64]uint32, len(seen)/4)
	node := func(id int64, p orb.Point) uint32 {
		k, ok := junction[id]
		if !ok {
			k = uint32(len(n.nodePt))
			junction[id] = k
			n.nodePt = append(n.nodePt, p)
		}
		return k
	}
	attrOf := make(map[tagKey]uint32)
	n.pts = make([]orb.Point, 0, vertices+len(seen)/2)
	n.bound = orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	ways = clean
	for i := range ways {
		w := &ways[i]
		k := keyOf(w)
		a, ok := attrOf[k]
		if !ok {
			a = uint32(len(n.attrs))
			attrOf[k] = a
			n.attrs = append(n.attrs, k.way())
		}
		// Each edge holds its own copy of both junction positions, so a
		// segment (a pts index) belongs to exactly one edge.
		u := node(w.Nodes[0], w.Geometry[0])
		start := len(n.pts)
		n.pts = append(n.pts, w.Geometry[0])
		for j := 1; j < len(w.Nodes); j++ {
			p := w.Geometry[j]
			n.pts = append(n.pts, p)
			if seen[w.Nodes[j]] < 2 {
				continue
			}
			if len(n.from) >= MaxEdges || len(n.pts) >= math.MaxUint32-1 {
				return nil, fmt.Errorf("roads: more than %d edges or positions for one network", MaxEdges)
			}
			v := node(w.Nodes[j], p)
			n.from = append(n.from, u)
			n.to = append(n.to, v)
			n.attr = append(n.attr, a)
			n.way = append(n.way, w.ID)
			n.geom = append(n.geom, uint32(start))
			start = len(n.pts)
			if j < len(w.Nodes)-1 {
				n.pts = append(n.pts, p)
			}
			u = v
		}
	}
	n.geom = append(n.geom, uint32(len(n.pts)))

	n.length = make([]float64, len(n.from))
	n.cum = make([]float64, len(n.pts))
	for e := range n.from {
		s, t := n.geom[e], n.geom[e+1]
		var l float64
		for i := s + 1; i < t; i++ {
			l += geo.Distance(n.pts[i-1], n.pts[i])
			n.cum[i] = l
		}
		n.length[e] = l
	}
	// CSR adjacency.
	n.first = make([]uint32, len(n.nodePt)+1)
	for e := range n.from {
		n.first[n.from[e]+1]++
		n.first[n.to[e]+1]++
	}
	for i := 1; i < len(n.first); i++ {
		n.first[i] += n.first[i-1]
	}
	n.adj = make([]uint32, 2*len(n.from))
	n.adjTo = make([]uint32, 2*len(n.from))
	fill := make([]uint32, len(n.nodePt))
	copy(fill, n.first)
	for e := range n.from {
		u, v := n.from[e], n.to[e]
		n.adj[fill[u]], n.adjTo[fill[u]] = uint32(e)<<1, v
		fill[u]++
		n.adj[fill[v]], n.adjTo[fill[v]] = uint32(e)<<1|1, u
		fill[v]++
	}
	// Segment index and bound.
	for e := range n.from {
		s, t := n.geom[e], n.geom[e+1]
		for i := s; i+1 < t; i += chunkSegs {
			j := min(i+chunkSegs, t-1) // segments i … j-1
			lo, hi := [2]float64(n.pts[i]), [2]float64(n.pts[i])
			for _, q := range n.pts[i+1 : j+1] {
				lo = [2]float64{math.Min(lo[0], q[0]), math.Min(lo[1], q[1])}
				hi = [2]float64{math.Max(hi[0], q[0]), math.Max(hi[1], q[1])}
			}
			n.segs.Insert(lo, hi, packChunk(i, j-i))
			n.bound = n.bound.Extend(orb.Point(lo)).Extend(orb.Point(hi))
		}
	}
	if len(n.from) == 0 {
		n.bound = orb.Bound{}
	}
	return n, nil
}

// dedupe drops consecutive repeats of a node from a way, copying its
// slices only when there are some.
func dedupe(w Way) Way {
	dup := false
	for j := 1; j < len(w.Nodes); j++ {
		if w.Nodes[j] == w.Nodes[j-1] {
			dup = true
			break
		}
	}
	if !dup {
		return w
	}
	nodes := make([]int64, 0, len(w.Nodes))
	g := make(orb.LineString, 0, len(w.Nodes))
	for j, id := range w.Nodes {
		if j > 0 && id == w.Nodes[j-1] {
			continue
		}
		nodes = append(nodes, id)
		g = append(g, w.Geometry[j])
	}
	w.Nodes, w.Geometry = nodes, g
	return w
}

// chunkSegs is how many consecutive segments of one edge share one item
// of the snapping index: a tenth of the items of one per segment on
// winding roads, so building is faster and the index smaller, at the cost
// of measuring up to chunkSegs segments when an item is reached.
const chunkSegs = 16

// packChunk is the index item of count segments from pts index start.
func packChunk(start uint32, count uint32) uint64 { return uint64(start)<<5 | uint64(count-1) }

// unpackChunk is packChunk's inverse.
func unpackChunk(c uint64) (start, count uint32) { return uint32(c >> 5), uint32(c&31) + 1 }

// edgePts is edge e's geometry, from its from-node to its to-node.
func (n *Network) edgePts(e uint32) []orb.Point { return n.pts[n.geom[e]:n.geom[e+1]] }

// edgeOfVertex is the edge whose geometry holds pts index i.
func (n *Network) edgeOfVertex(i uint32) uint32 {
	k := sort.Search(len(n.geom), func(k int) bool { return n.geom[k] > i })
	return uint32(k - 1)
}

// costTable is a profile applied to a network's tag sets: for each attr,
// whether each direction is allowed and the seconds per metre.
type costTable struct {
	ok     [][2]bool
	sPerM  [][2]float64
	dir    [][2]float64 // sPerM where allowed, -1 where not: one load in the search loops
	maxKmh float64      // fastest allowed speed, for A*'s bound

	compOnce sync.Once
	main     []bool // nodes of the largest strongly connected component (mainNodes)

	lm atomic.Pointer[landmarks]   // set by Prepare
	ch atomic.Pointer[contraction] // set by Prepare, after lm
}

// maxTables bounds the cache of cost tables (profiles overridden per
// request would otherwise grow it without end).
const maxTables = 64

// table is the cost table of prof on n, cached by the profile's value.
func (n *Network) table(prof *Profile) *costTable {
	key := profileKey(prof)
	if t, ok := n.tables.Load(key); ok {
		return t.(*costTable)
	}
	t := &costTable{ok: make([][2]bool, len(n.attrs)), sPerM: make([][2]float64, len(n.attrs)), dir: make([][2]float64, len(n.attrs))}
	for i := range n.attrs {
		w := &n.attrs[i]
		f, b := prof.Allows(w)
		v := prof.Kmh(w)
		t.dir[i] = [2]float64{-1, -1}
		if !(v > 0) {
			continue
		}
		t.ok[i] = [2]bool{f, b}
		s := 3.6 / v
		t.sPerM[i] = [2]float64{s, s}
		if f {
			t.dir[i][0] = s
		}
		if b {
			t.dir[i][1] = s
		}
		if (f || b) && v > t.maxKmh {
			t.maxKmh = v
		}
	}
	if n.tableN.Load() < maxTables {
		// Another search may have stored one first: use that one, so that
		// landmarks Prepare sets are on the table every search reads.
		if had, loaded := n.tables.LoadOrStore(key, t); loaded {
			return had.(*costTable)
		}
		n.tableN.Add(1)
	}
	return t
}

// profileKey is a string identifying the part of a profile's value that
// makes its cost table: not OffRoadKmh nor MaxSnapM, which only snapping
// reads, so that a request giving its own max_snap_m still finds the
// landmarks prepared for its mode.
func profileKey(p *Profile) string {
	b := make([]byte, 0, 256)
	b = fmt.Appendf(b, "%s|%g|%g|%g|%g", p.Mode, p.MaxKmh, p.FlatKmh, p.WeightT, p.HeightM)
	if p.FlatKmh == 0 {
		keys := make([]string, 0, len(p.Speeds))
		for k := range p.Speeds {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b = fmt.Appendf(b, "|%s=%g", k, p.Speeds[k])
		}
	}
	return string(b)
}

// halfCost is the cost in seconds of travelling half-edge h (edge<<1|dir)
// whole, and whether the profile allows it.
func (n *Network) halfCost(t *costTable, h uint32) (float64, bool) {
	e := h >> 1
	s := t.dir[n.attr[e]][h&1]
	if s < 0 {
		return 0, false
	}
	return n.length[e] * s, true
}

// other is the node at the far end of half-edge h.
func (n *Network) other(h uint32) uint32 {
	if h&1 == 0 {
		return n.to[h>>1]
	}
	return n.from[h>>1]
}
