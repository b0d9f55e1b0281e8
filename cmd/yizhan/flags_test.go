package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantN    int
		wantDry  bool
		wantArgs []string
	}{
		{"flags first", []string{"-n", "3", "--dry-run", "a.csv"}, 3, true, []string{"a.csv"}},
		{"flags after", []string{"a.csv", "--dry-run", "-n=4"}, 4, true, []string{"a.csv"}},
		{"interleaved", []string{"a", "-n", "5", "b"}, 5, false, []string{"a", "b"}},
		{"double dash keeps dashes", []string{"-n", "1", "--", "-weird", "--dry-run"}, 1, false, []string{"-weird", "--dry-run"}},
		{"none", nil, 0, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			n := fs.Int("n", 0, "")
			dry := fs.Bool("dry-run", false, "")
			if err := parseFlags(fs, tc.args); err != nil {
				t.Fatalf("parseFlags(%q) = %v", tc.args, err)
			}
			if *n != tc.wantN || *dry != tc.wantDry || !slices.Equal(fs.Args(), tc.wantArgs) {
				t.Errorf("parseFlags(%q): n=%d dry=%v args=%q; want %d %v %q", tc.args, *n, *dry, fs.Args(), tc.wantN, tc.wantDry, tc.wantArgs)
			}
		})
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := parseFlags(fs, []string{"a", "--nope"}); err == nil {
		t.Error("parseFlags with an unknown flag after an argument = nil; want an error")
	}
}
