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
	"sync"
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

// fileRoads is the road network of serve --roads FILE: served for the
// life of the process, with what /readyz and /metrics say of it.
type fileRoads struct {
	net    *roads.Network
	status roads.SourceStatus
}

// Network is the one network.
func (f *fileRoads) Network() *roads.Network { return f.net }

// Status says which file it came from and what was built.
func (f *fileRoads) Status() roads.SourceStatus { return f.status }

// serveRoadFile loads the network of --roads FILE, prepares it with prep
// and serves it for the life of the process.
func serveRoadFile(ctx context.Context, path string, prep *roadPreparer, logger *slog.Logger) (*fileRoads, error) {
	start := time.Now()
	net, err := loadRoadFile(ctx, path, logger)
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	prep.prepare(net)
	st := net.Stats()
	return &fileRoads{net: net, status: roads.SourceStatus{Source: "file", File: path, Ways: st.Ways,
		Stats: st, Built: time.Now(), BuildTook: took, Connected: true}}, nil
}

// landmarkModes are the modes whose default profile (roads.DefaultProfile)
// a server prepares landmarks and a contraction hierarchy for: every
// mode, as a request without overrides uses one of them. The landmark
// tables take 64 bytes per junction and mode, a hierarchy 16 bytes per
// arc (about 2.3 arcs per directed edge on a lattice, fewer on real
// roads).
var landmarkModes = roads.Modes()

// inlinePrepareJunctions: a network of up to this many junctions is
// prepared before it is served (Andorra's 9,000 take about 0.1 s of
// landmarks and 0.15 s of hierarchies for the four modes, so this is
// about a second and a half); a larger one is served at once and prepared
// in the background, its routes taking the landmarks, then the
// hierarchy, as each mode's is ready.
const inlinePrepareJunctions = 50_000

// roadPreparer prepares the landmarks and hierarchies of each network a server is about
// to serve. A new network cancels the preparation of the one before it,
// which is no longer served.
type roadPreparer struct {
	ctx    context.Context
	log    *slog.Logger
	inline int // the largest network, in junctions, prepared before it is served
	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newRoadPreparer(ctx context.Context, logger *slog.Logger) *roadPreparer {
	return &roadPreparer{ctx: ctx, log: logger.With("component", "roads"), inline: inlinePrepareJunctions}
}

// prepare prepares net: before returning when it is small, else in the
// background. A failure is logged; the network's routes are then as
// exact, only slower on long ones.
func (p *roadPreparer) prepare(net *roads.Network) {
	if net == nil {
		return
	}
	p.mu.Lock()
	if p.cancel != nil {
		p.cancel()
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel = cancel
	p.mu.Unlock()
	run := func() {
		start := time.Now()
		bytes, err := net.PrepareDefaults(ctx, landmarkModes...)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Error("road landmarks and hierarchies not prepared; routes stay exact, slower on long ones", "error", err)
			}
			return
		}
		st := net.Stats()
		p.log.Info("road landmarks and hierarchies prepared", "modes", fmt.Sprint(landmarkModes), "bytes", bytes,
			"landmark_bytes", st.LandmarkBytes, "hierarchy_bytes", st.CHBytes, "shortcuts", st.CHShortcuts,
			"took", time.Since(start).Round(time.Millisecond))
	}
	if net.Stats().Nodes <= p.inline {
		run()
		return
	}
	p.wg.Go(run)
}

// stop cancels any preparation running and waits for it.
func (p *roadPreparer) stop() {
	p.mu.Lock()
	if p.cancel != nil {
		p.cancel()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// startRoadFollower loads the roads table of db, builds its network and
// follows the table until ctx is done, listening for changes on primary
// when it is not nil (db being a replica). Every network it builds is
// prepared (roadPreparer) as it is swapped in. stop stops it and waits.
func startRoadFollower(ctx context.Context, db, primary *postgis.DB, logger *slog.Logger) (rf *postgis.RoadFollower, stop func(), err error) {
	rf = postgis.NewRoadFollower(db, logger)
	prep := newRoadPreparer(ctx, logger)
	rf.Build = func(ways []roads.Way) (*roads.Network, error) {
		net, err := roads.Build(ways)
		if err == nil {
			prep.prepare(net)
		}
		return net, err
	}
	if primary != nil {
		rf.ListenOn(primary)
	}
	lctx, cancel := context.WithTimeout(ctx, initialLoadTimeout)
	err = rf.Load(lctx)
	cancel()
	if err != nil {
		prep.stop()
		return nil, nil, fmt.Errorf("serve: load the road network: %w", err)
	}
	fctx, cancelRun := context.WithCancel(ctx)
	go func() {
		if err := rf.Run(fctx); err != nil && ctx.Err() == nil {
			logger.Error("road follower stopped", "error", err)
		}
	}()
	return rf, func() { cancelRun(); <-rf.Done(); prep.stop() }, nil
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

// roadsToImport are the road ways an import read from an extract, read
// before any record is written, so that an unreadable file (or, with
// --strict, one bad way) stops the import before it changes anything.
type roadsToImport struct {
	path, region string
	ways         []roads.Way
	rejected     []postgis.RoadProblem // what ReplaceRoads will refuse
	read         time.Duration
}

// readRoadsToImport reads and checks the road ways of the extract at path.
func readRoadsToImport(ctx context.Context, path, region string, strict bool) (*roadsToImport, error) {
	start := time.Now()
	ways, err := readRoadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	in := &roadsToImport{path: path, region: region, ways: ways}
	for i := range ways {
		if reason := roads.CheckWay(&ways[i]); reason != "" {
			in.rejected = append(in.rejected, postgis.RoadProblem{ID: ways[i].ID, Reason: reason})
		}
	}
	in.read = time.Since(start)
	if strict && len(in.rejected) > 0 {
		return nil, fmt.Errorf("import: --strict: %d road ways rejected (the first: %s); nothing was written", len(in.rejected), in.rejected[0])
	}
	return in, nil
}

// importRoads makes the ways read the roads of their region in dst (with
// dryRun, only reports them). A file with no road leaves the table alone
// rather than deleting the region's roads: an extract without highways is
// far more likely a mistake than a region whose roads were all removed.
func importRoads(ctx context.Context, dst roadReplacer, in *roadsToImport, dryRun bool, stdout, stderr io.Writer) error {
	if len(in.ways) == 0 {
		fmt.Fprintf(stdout, "roads: %s has no road (no usable highway=* way); the roads of region %q are left as they are\n", in.path, in.region)
		return nil
	}
	for i, p := range in.rejected {
		if i == maxShownProblems {
			fmt.Fprintf(stderr, "roads: ... and %d more rejected ways\n", len(in.rejected)-i)
			break
		}
		fmt.Fprintf(stderr, "roads: %s\n", p)
	}
	if dryRun {
		fmt.Fprintf(stdout, "roads: dry run: %d ways for region %q, rejected %d, in %s\n", len(in.ways)-len(in.rejected), in.region,
			len(in.rejected), in.read.Round(time.Millisecond))
		return nil
	}
	if dst == nil {
		return errors.New("import: roads: no database to write to")
	}
	start := time.Now()
	rep, err := dst.ReplaceRoads(ctx, in.region, in.ways)
	if err != nil {
		return fmt.Errorf("import: roads: %w", err)
	}
	fmt.Fprintf(stdout, "roads: region %q: %d ways (%d new, %d changed, %d deleted, %d unchanged), rejected %d; roads version %d, in %s\n",
		in.region, rep.Ways, rep.Inserted, rep.Updated, rep.Deleted, rep.Unchanged, len(rep.Rejected), rep.Version,
		(in.read + time.Since(start)).Round(time.Millisecond))
	return nil
}
