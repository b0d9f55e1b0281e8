package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunGapsRegion(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gaps.geojson")
	var stdout, stderr bytes.Buffer
	err := runGaps(context.Background(), []string{"--region", "Inner Mongolia", "--minutes", "60", "--mode", "truck", "--suggest", "2", "--out", out},
		func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runGaps: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"Inner Mongolia", "radius_m = 50 km/h × 1000 × 60 min / 60 / 1.3 circuity = 38461.5 (truck)", "area_km2", "1,144,", "site #2", "written"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type       string           `json:"type"`
		Features   []map[string]any `json:"features"`
		CoveredPct float64          `json:"covered_pct"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) == 0 || fc.CoveredPct <= 0 {
		t.Fatalf("output: %v %s %d features covered %v", err, fc.Type, len(fc.Features), fc.CoveredPct)
	}
	t.Log("\n" + stdout.String())
}

func TestRunGapsErrors(t *testing.T) {
	dir := t.TempDir()
	bow := filepath.Join(dir, "bow.geojson")
	os.WriteFile(bow, []byte(`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`), 0o644)
	// 5,600 positions zig-zagging 2° north and south: 125 million
	// edge–row crossings at 10 m cells.
	var zz strings.Builder
	zz.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i < 5600; i++ {
		fmt.Fprintf(&zz, "[%.7f,%d],", 111+float64(i)*0.02/5600, 40+2*(i%2))
	}
	fmt.Fprintf(&zz, "[%.7f,39.99],[111,39.99],[111,40]]]}", 111+5599*0.02/5600)
	zigzag := filepath.Join(dir, "zigzag.geojson")
	os.WriteFile(zigzag, []byte(zz.String()), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "give --region NAME or --area FILE"},
		{[]string{"--region", "Atlantis"}, "unknown region"},
		{[]string{"--area", bow}, "self-intersection"},
		{[]string{"--region", "150000", "--mode", "fly"}, "unknown mode"},
		{[]string{"--region", "150000", "--kind", "castle"}, "unknown kind"},
		{[]string{"--region", "150000", "--cell-m", "100"}, "use cell_m >="},
		{[]string{"--area", zigzag, "--cell-m", "10"}, "edge–row crossings at cell_m=10; the work limit is 100000000"},
		{[]string{"--region", "150000", "--kind", "port", "--radius-m", "200000", "--cell-m", "1000", "--suggest", "2"}, "cell visits at cell_m=1000"},
		{[]string{"--region", "150000", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"--region", "150000", "--timeout", "1ns"}, "longer than the limit of 1ns"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		err := runGaps(context.Background(), append(tc.args, "--out", filepath.Join(dir, "x.geojson")), func(string) string { return "" }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("runGaps(%v) = %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// TestRunGapsCanceled checks that a stopped command (Ctrl-C cancels its
// context) ends with the context's error and writes no file.
func TestRunGapsCanceled(t *testing.T) {
	for _, args := range [][]string{
		{"--region", "Inner Mongolia", "--minutes", "60", "--mode", "truck"},
		{"--region", "Inner Mongolia", "--minutes", "60", "--mode", "truck", "--suggest", "2"},
	} {
		out := filepath.Join(t.TempDir(), "gaps.geojson")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var stdout, stderr bytes.Buffer
		err := runGaps(ctx, append(args, "--out", out), func(string) string { return "" }, &stdout, &stderr)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("runGaps(%v) with a canceled context = %v; want an error wrapping context.Canceled", args, err)
		}
		if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("runGaps(%v) with a canceled context left %s (stat: %v)", args, out, serr)
		}
	}
}
