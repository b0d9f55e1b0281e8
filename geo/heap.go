package geo

// The one binary heap of geo, over a slice: the nearest search keeps its
// k best hits in one (the worst on top), site suggestion its candidates
// (the largest gain on top). first(a, b) reports whether a belongs nearer
// the top than b; h[0] is then an element no other comes first of.

// heapUp restores the heap after h[i] moved towards the top (appended, say).
func heapUp[T any](h []T, i int, first func(a, b T) bool) {
	for i > 0 {
		parent := (i - 1) / 2
		if !first(h[i], h[parent]) {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

// heapDown restores the heap after h[i] moved away from the top (replaced, say).
func heapDown[T any](h []T, i int, first func(a, b T) bool) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && first(h[r], h[l]) {
			m = r
		}
		if !first(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// heapify makes h a heap.
func heapify[T any](h []T, first func(a, b T) bool) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		heapDown(h, i, first)
	}
}

// heapPop removes the top of h and returns the shortened heap.
func heapPop[T any](h []T, first func(a, b T) bool) []T {
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	heapDown(h, 0, first)
	return h
}
