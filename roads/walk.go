package roads

import "github.com/paulmach/orb"

// Junctions calls fn with the position of every junction of the network
// in b where three or more stretches of road usable by prof meet (in
// either direction; nil prof: every road), and how many meet there, in
// node order, until fn returns false. A node where two ways merely join
// end to end is no junction, nor is a dead end: planners look for places
// where roads cross or branch, which is where a station serves most
// directions at once.
func (n *Network) Junctions(b orb.Bound, prof *Profile, fn func(p orb.Point, degree int) bool) {
	var ok [][2]bool
	if prof != nil {
		ok = n.table(prof).ok
	}
	for v, p := range n.nodePt {
		if !b.Contains(p) {
			continue
		}
		deg := 0
		for _, h := range n.adj[n.first[v]:n.first[v+1]] {
			if ok == nil {
				deg++
				continue
			}
			if a := ok[n.attr[h>>1]]; a[0] || a[1] {
				deg++
			}
		}
		if deg >= 3 && !fn(p, deg) {
			return
		}
	}
}

// Edges calls fn with the geometry and great-circle length (metres) of
// every edge usable by prof (in either direction; nil prof: every edge)
// whose box meets b, in edge order, until fn returns false. The geometry
// is the network's own: fn must not modify or keep it.
func (n *Network) Edges(b orb.Bound, prof *Profile, fn func(line orb.LineString, lengthM float64) bool) {
	var ok [][2]bool
	if prof != nil {
		ok = n.table(prof).ok
	}
	for e := range n.from {
		if ok != nil {
			if a := ok[n.attr[e]]; !a[0] && !a[1] {
				continue
			}
		}
		pts := n.edgePts(uint32(e))
		eb := orb.LineString(pts).Bound()
		if !b.Intersects(eb) {
			continue
		}
		if !fn(pts, n.length[e]) {
			return
		}
	}
}
