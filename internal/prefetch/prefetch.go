//go:build amd64 || arm64

// Package prefetch asks the processor for cache lines a search will read
// soon, without waiting for them, so that their misses overlap with the
// work before: the index's searches and the store's reads of their hits
// spend most of their time waiting for memory otherwise. Reading the
// lines instead holds the processor up at every read that misses.
package prefetch

import "unsafe"

// Lines asks for the two cache lines from a (128 bytes: eight points or
// eight nodes of the index, or a record of the store) and the line at b.
// It is a hint: it never faults, whatever the addresses, and changes no
// result. It is written in assembly (prefetch_amd64.s, prefetch_arm64.s)
// because Go has no prefetch of its own; elsewhere (prefetch_other.go)
// it does nothing.
//
//go:noescape
func Lines(a, b unsafe.Pointer)
