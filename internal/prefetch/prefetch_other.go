//go:build !amd64 && !arm64

// Package prefetch asks the processor for cache lines a search will read
// soon (see prefetch.go); here, without a prefetch in assembly, it does
// nothing.
package prefetch

import "unsafe"

// Lines does nothing where there is no prefetch in assembly.
func Lines(a, b unsafe.Pointer) {}
