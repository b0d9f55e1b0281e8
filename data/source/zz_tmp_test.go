package source

import (
	"syscall"
	"testing"
	"time"

	"yizhan/data/catalog"
)

func cpu() time.Duration {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func TestZZLoad(t *testing.T) {
	start, c := time.Now(), cpu()
	st, _, err := LoadFile("/tmp/yzload-1m.geojson")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("decode %v cpu %v", time.Since(start), cpu()-c)
	start, c = time.Now(), cpu()
	catalog.NewSnapshot(st, 0)
	t.Logf("snapshot %v cpu %v", time.Since(start), cpu()-c)
}
