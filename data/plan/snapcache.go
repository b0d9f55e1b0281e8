package plan

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/roads"
)

// MaxCachedSnaps bounds the records' snaps a SnapCache holds (about
// 100 bytes each); past it the cache starts again empty.
const MaxCachedSnaps = 1_000_000

// maxSnapProfiles bounds the profiles a SnapCache keeps snaps for: the
// modes with their defaults, and a few overrides.
const maxSnapProfiles = 16

// SnapCache keeps where each record joins the road network, per network
// and profile, so that searches by travel time from one point to many
// records snap each record once, not once a request: snapping is most of
// their work. A snap depends only on the record's position (and the
// network and profile), so snaps are kept by position: a moved record is
// a new key and a cached snap is never stale. (Records are not keyed by
// pointer: a snapshot may decode a new *data.Station for every search.)
// It keeps the network's road demand and junction candidates per area
// box too (roadcache.go). A nil *SnapCache caches nothing. It is safe for concurrent use.
type SnapCache struct {
	mu    sync.RWMutex
	net   *roads.Network
	byKey map[string]map[orb.Point]cachedSnap
	n     int
	// The network's road demand and junction candidates per area box
	// (roadcache.go), emptied with the snaps when the network changes.
	demand    boxCache[[]geo.DemandPoint]
	junctions boxCache[[]Candidate]
}

type cachedSnap struct {
	snap roads.Snap
	ok   bool // false: no usable road within the profile's snap distance
}

// NewSnapCache is an empty cache.
func NewSnapCache() *SnapCache { return &SnapCache{} }

// snapKey identifies what a snap depends on: every field of the profile.
func snapKey(p *roads.Profile) string {
	key := fmt.Sprintf("%s|%g|%g|%g|%g|%g|%g", p.Mode, p.MaxKmh, p.FlatKmh, p.WeightT, p.HeightM, p.OffRoadKmh, p.MaxSnapM)
	for _, c := range slices.Sorted(maps.Keys(p.Speeds)) {
		key += fmt.Sprintf("|%s=%g", c, p.Speeds[c])
	}
	return key
}

// snapper returns the snap of a record's position on net by prof:
// cached, or computed and kept.
func (c *SnapCache) snapper(net *roads.Network, prof *roads.Profile) func(st orb.Point) (roads.Snap, bool) {
	compute := func(st orb.Point) (roads.Snap, bool) {
		s, err := net.Snap(st, prof)
		return s, err == nil
	}
	if c == nil {
		return compute
	}
	key := snapKey(prof)
	return func(st orb.Point) (roads.Snap, bool) {
		c.mu.RLock()
		if c.net == net {
			if e, ok := c.byKey[key][st]; ok {
				c.mu.RUnlock()
				return e.snap, e.ok
			}
		}
		c.mu.RUnlock()
		s, ok := compute(st)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.forNet(net) // a new network: the last one asked for wins
		if c.n >= MaxCachedSnaps {
			c.byKey, c.n = map[string]map[orb.Point]cachedSnap{}, 0
		}
		m := c.byKey[key]
		if m == nil {
			if len(c.byKey) >= maxSnapProfiles {
				return s, ok
			}
			m = map[orb.Point]cachedSnap{}
			c.byKey[key] = m
		}
		if _, had := m[st]; !had {
			m[st] = cachedSnap{s, ok}
			c.n++
		}
		return s, ok
	}
}
