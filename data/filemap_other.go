//go:build !linux

package data

import "os"

// mapFile maps files only on Linux (filemap_linux.go); elsewhere they
// are read.
func mapFile(*os.File, int64) ([]byte, bool) { return nil, false }

func unmapFile([]byte) {}
