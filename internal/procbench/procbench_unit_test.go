package procbench

import (
	"testing"
	"time"
)

func TestParseGC(t *testing.T) {
	for _, tc := range []struct {
		line string
		want GC
		ok   bool
	}{
		{"gc 1 @0.012s 3%: 0.018+1.2+0.031 ms clock, 0.037+0.45/1.0/0.11+0.063 ms cpu, 3->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P",
			GC{Pause: 49 * time.Microsecond, LiveMB: 1}, true},
		{"gc 14 @3.551s 9%: 0.10+310+0.22 ms clock, 0.21+12/300/0+0.44 ms cpu, 900->910->455 MB, 910 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)",
			GC{Forced: true, Pause: 320 * time.Microsecond, LiveMB: 455}, true},
		{"time=2026 level=WARN msg=x", GC{}, false},
	} {
		got, ok := parseGC(tc.line)
		if ok != tc.ok || got.Forced != tc.want.Forced || got.LiveMB != tc.want.LiveMB || (got.Pause-tc.want.Pause).Abs() > time.Microsecond {
			t.Errorf("parseGC(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestQuantile(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := quantile(lat, tc.q); got != tc.want {
			t.Errorf("quantile(1..100 ms, %v) = %v; want %v", tc.q, got, tc.want)
		}
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile(nil) = %v; want 0", got)
	}
}

func TestVmRSS(t *testing.T) {
	got, err := vmRSS([]byte("Name:\tyizhan\nVmPeak:\t  99 kB\nVmRSS:\t  123456 kB\n"))
	if err != nil || got != 123456<<10 {
		t.Errorf("vmRSS = %d, %v; want %d", got, err, 123456<<10)
	}
	if _, err := vmRSS([]byte("Name:\tx\n")); err == nil {
		t.Error("vmRSS without the line: no error")
	}
}

func TestStatCPU(t *testing.T) {
	stat := "4242 (yizhan (x) y) S 1 2 3 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 9 0 100 2000000 3000 18446744073709551615\n"
	got, err := statCPU([]byte(stat))
	if want := 3800 * time.Millisecond; err != nil || got != want {
		t.Errorf("statCPU = %v, %v; want %v", got, err, want)
	}
	if _, err := statCPU([]byte("4242 (x")); err == nil {
		t.Error("statCPU of a cut line: no error")
	}
}
