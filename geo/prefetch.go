//go:build amd64 || arm64

package geo

import "unsafe"

// prefetchLines asks the processor to bring into its caches the two
// cache lines from a (the 128 bytes of eight points or eight nodes) and
// the line at b (their slots), without waiting for them. It is a hint:
// it never faults, whatever the addresses, and changes no result. It is
// written in assembly (prefetch_amd64.s, prefetch_arm64.s) because Go
// has no prefetch of its own; elsewhere (prefetch_other.go) it does
// nothing.
//
//go:noescape
func prefetchLines(a, b unsafe.Pointer)
