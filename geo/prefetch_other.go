//go:build !amd64 && !arm64

package geo

import "unsafe"

// prefetchLines does nothing where there is no prefetch in assembly
// (see prefetch.go).
func prefetchLines(a, b unsafe.Pointer) {}
