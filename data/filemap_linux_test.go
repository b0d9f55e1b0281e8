package data

import (
	"os"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"
)

// TestCatchFaultLeavesOtherFaults faults on a page outside the input,
// with faults made panics as in the decoders' goroutines: catchFault must
// let that panic go on, not report it as a changed file.
func TestCatchFaultLeavesOtherFaults(t *testing.T) {
	elsewhere, err := syscall.Mmap(-1, 0, os.Getpagesize(), syscall.PROT_NONE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(elsewhere)
	buf := make([]byte, 4096)
	var faulted atomic.Bool
	defer func() {
		if r := recover(); r == nil || faulted.Load() {
			t.Fatalf("a fault outside the input was caught as one in it (recovered %v, faulted %v)", r, faulted.Load())
		}
	}()
	func() {
		defer catchFault(&faulted, buf)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		faultSink = *(*byte)(unsafe.Pointer(unsafe.SliceData(elsewhere)))
	}()
}

var faultSink byte
