package roads

import "github.com/paulmach/orb"

// Junctions calls fn with the position of each node inside b where three
// or more stretches of road that prof may travel (in either direction)
// meet, in node order, until fn returns false: crossroads, from which a
// site is reached from the most directions. It reads every node once
// (O(nodes)); fn may stop it early.
func (n *Network) Junctions(b orb.Bound, prof *Profile, fn func(orb.Point) bool) {
	t := n.table(prof)
	for i, p := range n.nodePt {
		if !b.Contains(p) {
			continue
		}
		deg := 0
		for _, h := range n.adj[n.first[i]:n.first[i+1]] {
			if ok := t.ok[n.attr[h>>1]]; ok[0] || ok[1] {
				deg++
			}
		}
		if deg >= 3 && !fn(p) {
			return
		}
	}
}
