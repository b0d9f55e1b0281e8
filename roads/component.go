package roads

import "sync"

// The largest strongly connected component of a profile's graph is where
// snapping prefers to join: a point beside a dual carriageway whose
// nearest side is a one-way stub running out of the extract, or beside a
// footway fragment joined to nothing, would otherwise snap where no
// route leaves. A nearer road outside it still wins when the component is
// more than mainSlackM farther.
const mainSlackM = 250

// components caches the main-component marks by the allowed-direction
// pattern, which is all they depend on (speeds do not change them).
type components struct {
	once sync.Once
	main []bool // per node
}

// mainNodes marks the nodes of the largest strongly connected component
// of the graph of half-edges t allows, computed once per access pattern.
func (n *Network) mainNodes(t *costTable) []bool {
	t.compOnce.Do(func() {
		key := make([]byte, len(t.ok))
		for i, ok := range t.ok {
			if ok[0] {
				key[i] |= 1
			}
			if ok[1] {
				key[i] |= 2
			}
		}
		c := &components{}
		if v, ok := n.comps.Load(string(key)); ok {
			c = v.(*components)
		} else if n.compN.Load() < maxTables {
			// Bounded like the cost tables: beyond it each table computes
			// its own.
			if v, loaded := n.comps.LoadOrStore(string(key), c); loaded {
				c = v.(*components)
			} else {
				n.compN.Add(1)
			}
		}
		c.once.Do(func() { c.main = n.largestSCC(t) })
		t.main = c.main
	})
	return t.main
}

// largestSCC is Tarjan's algorithm without recursion over the allowed
// half-edges; it returns the members of the largest component, measured
// by the length of the usable edges inside it (a count of junctions would
// depend on how ways happen to be cut).
func (n *Network) largestSCC(t *costTable) []bool {
	N := len(n.nodePt)
	const unvisited = -1
	index := make([]int32, N)
	low := make([]int32, N)
	for i := range index {
		index[i] = unvisited
	}
	onStack := make([]bool, N)
	comp := make([]int32, N)
	var stack []uint32
	type frame struct {
		v uint32
		k uint32 // next half-edge index to look at
	}
	var call []frame
	next := int32(0)
	ncomp := int32(0)
	var sizes []float64
	for s := range N {
		if index[s] != unvisited {
			continue
		}
		call = append(call[:0], frame{uint32(s), n.first[s]})
		index[s], low[s] = next, next
		next++
		stack = append(stack, uint32(s))
		onStack[s] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.k < n.first[v+1] {
				k := f.k
				f.k++
				h := n.adj[k]
				if t.dir[n.attr[h>>1]][h&1] < 0 {
					continue
				}
				w := n.adjTo[k]
				if index[w] == unvisited {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, n.first[w]})
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			// v is finished.
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == v {
						break
					}
				}
				sizes = append(sizes, 0)
				ncomp++
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				low[u] = min(low[u], low[v])
			}
		}
	}
	for e := range n.from {
		ok := t.ok[n.attr[e]]
		if c := comp[n.from[e]]; (ok[0] || ok[1]) && c == comp[n.to[e]] {
			sizes[c] += n.length[e]
		}
	}
	best := int32(0)
	for i, s := range sizes {
		if s > sizes[best] {
			best = int32(i)
		}
	}
	main := make([]bool, N)
	for v := range main {
		main[v] = comp[v] == best
	}
	return main
}
