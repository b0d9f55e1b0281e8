package data

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only and has the kernel fill in the
// whole mapping at once (MAP_POPULATE): the file's text is then the
// kernel's own cached pages, neither copied into the heap nor faulted in
// a page at a time, which at 400 MB was a third of a second of start-up
// on two cores. ok false leaves the caller to read the file.
func mapFile(f *os.File, size int64) (b []byte, ok bool) {
	if size < minMappedFile || size != int64(int(size)) {
		return nil, false
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, false
	}
	return b, true
}

// unmapFile gives back a mapping of mapFile.
func unmapFile(b []byte) { _ = syscall.Munmap(b) }
