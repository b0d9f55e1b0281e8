// Command yizhan is the service-station locator: one binary whose
// subcommands serve the HTTP API and web map (serve), manage the PostGIS
// source of truth (migrate, import, export) and answer planners' questions
// on the command line (gaps, route). It only wires the packages together:
// flags and the environment become configuration and requests; the work
// is done by api, data, data/plan and geo, and what it prints is read off
// their results.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	_ "time/tzdata" // opening hours need Asia/Shanghai even on machines without zoneinfo
)

// env gives configuration from the environment (os.Getenv in main, a map in tests).
type env func(string) string

// command is one subcommand: it reads its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error
}

// commands lists every subcommand; each lives in its own file.
var commands = map[string]command{
	"serve":   {"serve the HTTP API and web map", runServe},
	"migrate": {"create or upgrade the PostGIS schema", runMigrate},
	"import":  {"load a GeoJSON, CSV or OpenStreetMap file into PostGIS", runImport},
	"gaps":    {"find the parts of a region or area outside every service circle", runGaps},
	"route":   {"list the records along a route, its long gaps and a rest plan", runRoute},
	"export":  {"write every record as GeoJSON (from PostGIS, a file or the bundled set)", runExport},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp): // -h asked for the usage, which was printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "yizhan:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, args[1:], getenv, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: yizhan <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'yizhan <command> -h' for a command's flags.")
}

// newFlagSet is the flag set of one subcommand, with the usage every
// subcommand prints for -h: a usage line, what the command does, then its
// flags. synopsis follows "yizhan NAME" in the usage line.
func newFlagSet(name, synopsis, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: yizhan %s %s\n\n%s\n\nflags:\n", name, synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs, allowing flags after positional arguments
// (`yizhan import stations.csv --dry-run`), as people type them. A "--"
// ends flag parsing. The positional arguments are left in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}
