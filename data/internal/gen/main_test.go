package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir is the shared source data beside the checkout (CI has
// ../shared next to the repository root), seen from this package.
var sharedDir = filepath.Join("..", "..", "..", "..", "shared", "data")

// bundledDir is the committed output.
var bundledDir = filepath.Join("..", "..", "bundled")

// TestGoldenBundled re-runs the generator and checks that its output is
// byte-identical to the committed data/bundled files, so the embedded data
// set is always reproducible from its sources. To update after a change:
// go run ./data/internal/gen (from the repository root).
func TestGoldenBundled(t *testing.T) {
	if _, err := os.Stat(sharedDir); err != nil {
		t.Skipf("shared source data not found at %s (%v); the golden check needs ../shared/data beside the checkout", sharedDir, err)
	}
	files, err := generate(sharedDir)
	if err != nil {
		t.Fatalf("generate(%s) error: %v", sharedDir, err)
	}
	again, err := generate(sharedDir)
	if err != nil {
		t.Fatalf("second generate(%s) error: %v", sharedDir, err)
	}
	for name, b := range files {
		if !bytes.Equal(b, again[name]) {
			t.Errorf("%s: two runs differ; the generator is not deterministic", name)
		}
		committed, err := os.ReadFile(filepath.Join(bundledDir, name))
		if err != nil {
			t.Errorf("%s: generated but not committed: %v", name, err)
			continue
		}
		if !bytes.Equal(b, committed) {
			t.Errorf("%s: committed file differs from the generator output (%d vs %d bytes); run go run ./data/internal/gen", name, len(committed), len(b))
		}
	}
	entries, err := os.ReadDir(bundledDir)
	if err != nil {
		t.Fatalf("read %s: %v", bundledDir, err)
	}
	for _, e := range entries {
		if _, ok := files[e.Name()]; !ok && strings.HasSuffix(e.Name(), ".geojson") {
			t.Errorf("%s: committed but not generated; remove it", e.Name())
		}
	}
}

func TestExamplesCoverEveryTemplateAndTown(t *testing.T) {
	usedTpl := map[string]bool{}
	usedTown := map[string]bool{}
	for _, ex := range examples {
		usedTpl[ex.tpl] = true
		usedTown[ex.town] = true
	}
	for name := range templates {
		if !usedTpl[name] {
			t.Errorf("template %s unused", name)
		}
	}
	for _, tw := range towns {
		if !usedTown[tw.key] {
			t.Errorf("town %s unused", tw.key)
		}
	}
}

func TestScale(t *testing.T) {
	tests := []struct{ v, pct, step, want int }{
		{0, 100, 10, 0},
		{800, 100, 10, 800},
		{800, 70, 10, 560},
		{16, 130, 2, 20},
		{3, 70, 10, 10},
	}
	for _, tc := range tests {
		if got := scale(tc.v, tc.pct, tc.step); got != tc.want {
			t.Errorf("scale(%d, %d, %d) = %d; want %d", tc.v, tc.pct, tc.step, got, tc.want)
		}
	}
}

// TestChinaExcerpt re-extracts the committed China excerpt from the npm
// file, when YIZHAN_WORLD_ATLAS names countries-10m.json of world-atlas
// 2.0.2 (npm pack world-atlas@2.0.2), and checks it is byte-identical.
func TestChinaExcerpt(t *testing.T) {
	path := os.Getenv("YIZHAN_WORLD_ATLAS")
	if path == "" {
		t.Skip("YIZHAN_WORLD_ATLAS is not set; set it to world-atlas 2.0.2's countries-10m.json to check the excerpt")
	}
	out := filepath.Join(t.TempDir(), "china.json")
	if err := extractChina(path, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, chinaSource) {
		t.Fatalf("the excerpt of %s differs from %s (%d vs %d bytes); run go run ./data/internal/gen -extract-china %s", path, chinaSourceName, len(got), len(chinaSource), path)
	}
}

// TestBuildChinaRefusesOtherSources checks the excerpt's origin is checked.
func TestBuildChinaRefusesOtherSources(t *testing.T) {
	bad := bytes.Replace(chinaSource, []byte(worldAtlasSHA256), []byte(strings.Repeat("0", 64)), 1)
	if _, err := buildChina(bad); err == nil {
		t.Fatal("buildChina accepted an excerpt of another file")
	}
	if err := extractChina(filepath.Join(bundledDir, "china.geojson"), filepath.Join(t.TempDir(), "x")); err == nil {
		t.Fatal("extractChina accepted a file that is not world-atlas 2.0.2")
	}
}
