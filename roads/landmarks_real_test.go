package roads_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/roads"
)

// TestLandmarksOnRealNetworks: on the real extracts, every mode's routes
// between random junctions take the same time with landmarks, and on the
// contraction hierarchy, as without either (A* on the great-circle bound
// alone), to 1e-9 relative: the float32 landmark tables only ever lower
// the bound, so they cannot make a route slower, and a hierarchy's route
// is timed along the half-edges it unpacks to.
func TestLandmarksOnRealNetworks(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{andorraPBF, liechtensteinPBF} {
		n, _ := network(t, path)
		rng := rand.New(rand.NewPCG(testSeed(t), 13))
		for _, m := range roads.Modes() {
			with := roads.DefaultProfile(m)
			if _, err := n.Prepare(ctx, &with); err != nil {
				t.Fatal(err)
			}
			without := with
			without.MaxKmh = 999 // no road is that fast: the same costs, a table of its own, not prepared
			if m == roads.Truck {
				without.MaxKmh = roads.TruckMaxKmh + 1e-12
			}
			if !n.Contracted(with) || n.Prepared(without) || n.Contracted(without) {
				t.Fatal("the profile without landmarks is prepared")
			}
			js := usableJunctions(n, &with)
			worst := 0.0
			for range 800 {
				a, b := js[rng.IntN(len(js))], js[rng.IntN(len(js))]
				pts := []orb.Point{n.NodePoint(a), n.NodePoint(b)}
				r0, err0 := n.Route(ctx, pts, &without)
				for _, algo := range []string{"landmarks", "ch"} {
					r1, err1 := n.RouteBy(ctx, pts, &with, algo)
					if (err1 == nil) != (err0 == nil) {
						t.Fatalf("%s %s %d→%d: by %s %v, by A* alone %v", path, m, a, b, algo, err1, err0)
					}
					if err1 != nil {
						continue
					}
					rel := math.Abs(r1.DurationS-r0.DurationS) / math.Max(1e-9, r0.DurationS)
					worst = max(worst, rel)
					if rel > 1e-9 {
						t.Errorf("%s %s %d→%d: %.9f s by %s, %.9f s by A* alone (%.2g relative)", path, m, a, b, r1.DurationS, algo, r0.DurationS, rel)
					}
				}
			}
			t.Logf("%s %s: worst relative difference %.2g", path, m, worst)
		}
	}
}
