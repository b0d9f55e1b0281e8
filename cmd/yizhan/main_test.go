package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

// TestHelp: "-h" on every subcommand is a success (flag.ErrHelp, which main
// turns into exit status 0) that prints one usage line, a description and
// the flags, the same way for every command.
func TestHelp(t *testing.T) {
	for name := range commands {
		for _, arg := range []string{"-h", "--help"} {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{name, arg}, func(string) string { return "" }, &stdout, &stderr)
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("yizhan %s %s = %v; want flag.ErrHelp (exit 0)", name, arg, err)
			}
			out := stderr.String()
			lines := strings.Split(out, "\n")
			if !strings.HasPrefix(lines[0], "usage: yizhan "+name+" ") {
				t.Errorf("yizhan %s %s: first line %q; want the usage line", name, arg, lines[0])
			}
			if len(lines) < 3 || lines[1] != "" || len(strings.TrimSpace(lines[2])) < 20 {
				t.Errorf("yizhan %s %s: no description after the usage line:\n%s", name, arg, out)
			}
			if !strings.Contains(out, "\nflags:\n  -") {
				t.Errorf("yizhan %s %s: no flag list:\n%s", name, arg, out)
			}
			if strings.Contains(out, "Usage of") {
				t.Errorf("yizhan %s %s: the flag package's default usage, not ours:\n%s", name, arg, out)
			}
		}
	}
}

// TestPlannerCommandsWriteNoFileUnlessAsked: gaps and route print their
// summary and write a GeoJSON file only when --out asks for one.
func TestPlannerCommandsWriteNoFileUnlessAsked(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"gaps", "--region", "Inner Mongolia", "--minutes", "60", "--mode", "truck", "--cell-m", "20000"},
		{"route", "hohhot-erenhot"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("yizhan %v: %v\n%s", args, err, stderr.String())
		}
		if strings.Contains(stdout.String(), "written") {
			t.Errorf("yizhan %v says it wrote a file:\n%s", args, stdout.String())
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("a file was written without --out: %s", e.Name())
	}
}
