package plan

import (
	"context"
	"math"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
)

// A card's nearest station by travel time. Where a network is loaded and
// coverage is by time, the station a planner would send a gap's or a
// site's people to is the one fastest to reach on the roads, not the one
// nearest as the crow flies: across a ridge or a river the two differ.
const (
	// MaxTimedCards bounds the cards whose nearest station is measured on
	// the roads: every suggested site and the largest gaps (an answer's
	// first); the rest keep the straight line (NearStation.ByTime false).
	MaxTimedCards = 50
	// CardMinutes is the longest trip a card's nearest station is looked
	// for within on the roads; none within it leaves the straight line.
	CardMinutes = 120
	// cardShare is the share of a request's time limit its cards may
	// take on the roads together; past it the rest keep the straight line.
	cardShare = 4
)

// timedCards measures the nearest station of up to MaxTimedCards points
// on the roads, when c is by time on p.Roads: near[i] becomes the record
// passing f fastest to reach from pts[i] (searches starting at c's
// minutes, doubled up to CardMinutes), with its straight-line distance
// kept. The cards share a part of the time limit (cardShare); once it is
// spent, or for a point no road reaches, the straight-line card stays.
// An error is the request's own context ending.
func (p *Planner) timedCards(ctx context.Context, snap *catalog.Snapshot, c *coverage, f data.Filter, pts []orb.Point, near []*NearStation) error {
	if c.coverMethod(p.Roads) != MethodNetwork {
		return nil
	}
	bctx, cancel := context.WithTimeout(ctx, p.timeout()/cardShare)
	defer cancel()
	prof := capped(c.travel.profile)
	start := math.Min(CardMinutes, math.Max(c.reach.Minutes, FirstSearchMinutes))
	for i := range min(len(pts), len(near), MaxTimedCards) {
		req := &TimedRequest{From: pts[i], K: 1, Filter: f}
		for limit := start; ; limit = math.Min(2*limit, CardMinutes) {
			rs, err := p.timed(bctx, snap, req, &prof, limit*60)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if bctx.Err() != nil {
					return nil // the cards' share is spent
				}
				break // no road near the point
			}
			if len(rs) > 0 {
				r := rs[0]
				near[i] = &NearStation{ID: r.Station.ID, Name: r.Station.Names.In(c.lang), DistanceM: r.Meters,
					ByTime: true, DurationS: r.DurationS, RoadMeters: r.RoadMeters}
				break
			}
			if limit >= CardMinutes {
				break
			}
		}
	}
	return nil
}
