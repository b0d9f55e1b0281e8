package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRouteBundled(t *testing.T) {
	out := filepath.Join(t.TempDir(), "route.geojson")
	var stdout, stderr bytes.Buffer
	err := runRoute(context.Background(), []string{"--corridor-m", "20000", "--prefer", "truck_parking", "--out", out, "hohhot-erenhot"},
		func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runRoute: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"Hohhot → Erenhot port", "straight segments", "along_km", "rest plan", "written"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	raw, _ := os.ReadFile(out)
	var fc map[string]any
	if err := json.Unmarshal(raw, &fc); err != nil || fc["type"] != "FeatureCollection" {
		t.Fatalf("output %v: %.200s", err, raw)
	}
	t.Log("\n" + stdout.String())
}

func TestRunRouteNoPlan(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := runRoute(context.Background(), []string{"--corridor-m", "100", "--kind", "rest_stop", "--out", "-", "hohhot-manzhouli"},
		func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runRoute: %v", err)
	}
	if !strings.Contains(stderr.String(), "no plan possible") || !strings.Contains(stderr.String(), "exceeds the 200 km reachable in 240 min at 50 km/h") {
		t.Fatalf("summary does not explain the missing plan:\n%s", stderr.String())
	}
	if !json.Valid(stdout.Bytes()) {
		t.Fatalf("--out - did not write GeoJSON to stdout")
	}
}

func TestRunRouteErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give one route FILE"},
		{[]string{"nowhere-to-go"}, "neither a file nor a bundled route"},
		{[]string{"--prefer", "sauna", "hohhot-erenhot"}, "unknown amenity"},
		{[]string{"--corridor-m", "0", "hohhot-erenhot"}, "--corridor-m"},
	} {
		var stdout, stderr bytes.Buffer
		err := runRoute(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("runRoute(%v) = %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
}
