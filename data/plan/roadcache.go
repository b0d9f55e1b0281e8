package plan

import (
	"context"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/roads"
)

// maxCachedBoxes bounds the area boxes a SnapCache keeps road demand and
// junction candidates for (each at most MaxRoadDemandPoints points or
// MaxJunctionCandidates candidates, so a few MB in all); past it the
// oldest box goes.
const maxCachedBoxes = 32

// boxKey is what road demand and junction candidates depend on besides
// the network: the profile (snapKey), the box, and the demand's weight
// per km (0 for candidates).
type boxKey struct {
	prof  string
	b     orb.Bound
	perKm float64
}

// boxCache keeps values by boxKey, forgetting the oldest past
// maxCachedBoxes. Its owner's lock guards it.
type boxCache[T any] struct {
	m     map[boxKey]T
	order []boxKey
}

func (bc *boxCache[T]) get(k boxKey) (T, bool) {
	v, ok := bc.m[k]
	return v, ok
}

func (bc *boxCache[T]) put(k boxKey, v T) {
	if bc.m == nil {
		bc.m = map[boxKey]T{}
	}
	if _, ok := bc.m[k]; ok {
		return
	}
	if len(bc.order) >= maxCachedBoxes {
		delete(bc.m, bc.order[0])
		bc.order = bc.order[1:]
	}
	bc.m[k] = v
	bc.order = append(bc.order, k)
}

// forNet empties c if it holds another network's values, and makes net
// its network. c.mu must be held for writing.
func (c *SnapCache) forNet(net *roads.Network) {
	if c.net != net {
		c.net, c.byKey, c.n = net, map[string]map[orb.Point]cachedSnap{}, 0
		c.demand, c.junctions = boxCache[[]geo.DemandPoint]{}, boxCache[[]Candidate]{}
	}
}

// cachedDemand is roadDemand kept per network, profile, box and weight:
// the same area asked again (a planner's map redrawn, a report after the
// gaps) does not walk the network again. The points returned are shared:
// callers copy them before changing any. A nil c computes each time.
func (c *SnapCache) cachedDemand(ctx context.Context, net *roads.Network, b orb.Bound, prof *roads.Profile, perKm float64) ([]geo.DemandPoint, error) {
	if c == nil {
		return roadDemand(ctx, net, b, prof, perKm)
	}
	k := boxKey{snapKey(prof), b, perKm}
	c.mu.RLock()
	if c.net == net {
		if v, ok := c.demand.get(k); ok {
			c.mu.RUnlock()
			return v, nil
		}
	}
	c.mu.RUnlock()
	v, err := roadDemand(ctx, net, b, prof, perKm)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forNet(net)
	c.demand.put(k, v)
	return v, nil
}

// cachedJunctions is compute's junction candidates kept per network,
// profile and box, as cachedDemand keeps demand; candidates cut short by
// ctx are not kept. The candidates returned are shared: callers copy
// them before changing any.
func (c *SnapCache) cachedJunctions(ctx context.Context, net *roads.Network, b orb.Bound, prof *roads.Profile, compute func() []Candidate) []Candidate {
	if c == nil {
		return compute()
	}
	k := boxKey{prof: snapKey(prof), b: b}
	c.mu.RLock()
	if c.net == net {
		if v, ok := c.junctions.get(k); ok {
			c.mu.RUnlock()
			return v
		}
	}
	c.mu.RUnlock()
	v := compute()
	if ctx.Err() != nil {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forNet(net)
	c.junctions.put(k, v)
	return v
}
