// Command workload-geojson writes the clustered benchmark records (see
// package workload) as a GeoJSON FeatureCollection, the file that
// `yizhan serve --data` and `yizhan import` read:
//
//	go run ./internal/workload/cmd/workload-geojson -n 1000000 -seed 1 -o /tmp/stations-1m.geojson
package main

import (
	"flag"
	"fmt"
	"os"

	"yizhan/internal/workload"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "workload-geojson:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("workload-geojson", flag.ContinueOnError)
	n := fs.Int("n", 1_000_000, "how many records")
	seed := fs.Uint64("seed", 1, "seed of the towns and the records")
	out := fs.String("o", "", "output file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *n < 0 {
		return fmt.Errorf("give -o FILE and -n >= 0")
	}
	return workload.WriteGeoJSON(*out, *n, *seed)
}
