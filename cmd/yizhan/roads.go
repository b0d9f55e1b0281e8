package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"yizhan/data/postgis"
	"yizhan/data/source"
	"yizhan/roads"
)

// loadRoadFile reads the road ways of an OpenStreetMap PBF extract and
// builds their network, for serve --roads: a network served from a file,
// read-only, with no database. It logs what it built and how long each
// step took.
func loadRoadFile(ctx context.Context, path string, logger *slog.Logger) (*roads.Network, error) {
	start := time.Now()
	ways, err := readRoadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	if len(ways) == 0 {
		return nil, fmt.Errorf("%s has no road a walker, cyclist, driver or truck may use (no highway=* way)", path)
	}
	read := time.Since(start)
	net, err := roads.Build(ways)
	if err != nil {
		return nil, fmt.Errorf("build the road network of %s: %w", path, err)
	}
	logNetwork(logger, "road network loaded", net, "source", path, "read", read.Round(time.Millisecond),
		"build", (time.Since(start) - read).Round(time.Millisecond))
	return net, nil
}

// readRoadFile reads the road ways of the PBF extract at path.
func readRoadFile(ctx context.Context, path string) ([]roads.Way, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open road network: %w", err)
	}
	defer f.Close()
	ways, err := source.ReadRoads(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("read roads from %s: %w", path, err)
	}
	return ways, nil
}

// logNetwork logs one line describing net, with args before its figures.
func logNetwork(logger *slog.Logger, msg string, net *roads.Network, args ...any) {
	st := net.Stats()
	logger.Info(msg, append(args, "ways", st.Ways, "nodes", st.Nodes, "edges", st.Edges,
		"graph_bytes", st.GraphBytes, "geometry_bytes", st.GeometryBytes)...)
}

// staticRoads serves one network for the life of the process.
func staticRoads(net *roads.Network) func() *roads.Network {
	return func() *roads.Network { return net }
}

// startRoadFollower loads the roads table of db, builds its network and
// follows the table until ctx is done, listening for changes on primary
// when it is not nil (db being a replica). stop stops it and waits.
func startRoadFollower(ctx context.Context, db, primary *postgis.DB, logger *slog.Logger) (rf *postgis.RoadFollower, stop func(), err error) {
	rf = postgis.NewRoadFollower(db, logger)
	if primary != nil {
		rf.ListenOn(primary)
	}
	lctx, cancel := context.WithTimeout(ctx, initialLoadTimeout)
	err = rf.Load(lctx)
	cancel()
	if err != nil {
		return nil, nil, fmt.Errorf("serve: load the road network: %w", err)
	}
	fctx, cancelRun := context.WithCancel(ctx)
	go func() {
		if err := rf.Run(fctx); err != nil && ctx.Err() == nil {
			logger.Error("road follower stopped", "error", err)
		}
	}()
	return rf, func() { cancelRun(); <-rf.Done() }, nil
}

// roadsRegion is the region an import of path replaces when no
// --roads-region is given: the file's name without .osm.pbf (or .pbf),
// so that importing andorra-latest.osm.pbf again replaces the roads of
// the last import of that file and no other.
func roadsRegion(path string) string {
	name := filepath.Base(path)
	for _, ext := range []string{".osm.pbf", ".pbf"} {
		if len(name) > len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}

// roadReplacer replaces the roads of a region; *postgis.DB implements it.
type roadReplacer interface {
	ReplaceRoads(ctx context.Context, region string, ways []roads.Way) (postgis.RoadImport, error)
}

// importRoads reads the road ways of the PBF extract at path and makes
// them the roads of region in dst (with dryRun, only reads and counts
// them). A file with no road leaves the table alone rather than deleting
// the region's roads: an extract without highways is far more likely a
// mistake than a region whose roads were all removed.
func importRoads(ctx context.Context, dst roadReplacer, path, region string, dryRun bool, stdout, stderr io.Writer) error {
	start := time.Now()
	ways, err := readRoadFile(ctx, path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if len(ways) == 0 {
		fmt.Fprintf(stdout, "roads: %s has no road (no usable highway=* way); the roads of region %q are left as they are\n", path, region)
		return nil
	}
	if dryRun {
		rejected := 0
		for i := range ways {
			if reason := postgis.CheckWay(&ways[i]); reason != "" {
				if rejected < maxShownProblems {
					fmt.Fprintf(stderr, "roads: way %d: %s\n", ways[i].ID, reason)
				}
				rejected++
			}
		}
		fmt.Fprintf(stdout, "roads: dry run: %d ways for region %q, rejected %d, in %s\n", len(ways)-rejected, region, rejected,
			time.Since(start).Round(time.Millisecond))
		return nil
	}
	if dst == nil {
		return errors.New("import: roads: no database to write to")
	}
	rep, err := dst.ReplaceRoads(ctx, region, ways)
	if err != nil {
		return fmt.Errorf("import: roads: %w", err)
	}
	for i, p := range rep.Rejected {
		if i == maxShownProblems {
			fmt.Fprintf(stderr, "roads: ... and %d more rejected ways\n", len(rep.Rejected)-i)
			break
		}
		fmt.Fprintf(stderr, "roads: %s\n", p)
	}
	fmt.Fprintf(stdout, "roads: region %q: %d ways (%d new, %d changed, %d deleted, %d unchanged), rejected %d; roads version %d, in %s\n",
		region, rep.Ways, rep.Inserted, rep.Updated, rep.Deleted, rep.Unchanged, len(rep.Rejected), rep.Version,
		time.Since(start).Round(time.Millisecond))
	return nil
}
