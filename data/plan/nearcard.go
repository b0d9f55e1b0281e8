package plan

import (
	"context"

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
	MaxTimedCards = 20
	// CardMinutes is the longest trip a card's nearest station is looked
	// for within on the roads; none within it leaves the straight line.
	CardMinutes = 120
	// maxCardTargets bounds the records a card's search looks for: the
	// nearest in a straight line (a record farther than so many others
	// that is still faster to reach by road is not a planner's worry).
	maxCardTargets = 1000
	// cardShare is the share of a request's time limit its cards may
	// take on the roads together; past it the rest keep the straight line.
	cardShare = 4
)

// timedCards measures the nearest station of up to MaxTimedCards points
// on the roads, when c is by time on p.Roads: near[i] becomes the record
// passing f fastest to reach from pts[i] within CardMinutes, with its
// straight-line distance kept. Each card is one search from its point
// that stops once the fastest of the records is settled (roads.Nearest),
// among the maxCardTargets records passing f nearest in a straight line
// within the distance CardMinutes covers at the fastest speed. The cards
// share a part of the time limit (cardShare); once it is spent, or for a
// point no road reaches, the straight-line card stays. An error is the
// request's own context ending.
func (p *Planner) timedCards(ctx context.Context, snap *catalog.Snapshot, c *coverage, f data.Filter, pts []orb.Point, near []*NearStation) error {
	if c.coverMethod(p.Roads) != MethodNetwork {
		return nil
	}
	bctx, cancel := context.WithTimeout(ctx, p.timeout()/cardShare)
	defer cancel()
	prof := capped(c.travel.profile)
	radius := CardMinutes * 60 * fastestKmh(&prof) / 3.6
	var targets []orb.Point
	for i := range min(len(pts), len(near), MaxTimedCards) {
		if near[i] == nil {
			continue // no record passes the filter
		}
		cands := snap.Within(pts[i], radius, f) // nearest first
		cands = cands[:min(len(cands), maxCardTargets)]
		targets = targets[:0]
		for _, r := range cands {
			targets = append(targets, r.Station.Location)
		}
		hits, err := p.Roads.Nearest(bctx, pts[i], targets, 1, CardMinutes*60, &prof)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if bctx.Err() != nil {
				return nil // the cards' share is spent
			}
			continue // no road near the point
		}
		if len(hits) > 0 {
			h, r := hits[0], cands[hits[0].Index]
			near[i] = &NearStation{ID: r.Station.ID, Name: r.Station.Names.In(c.lang), DistanceM: r.Meters,
				ByTime: true, DurationS: h.Seconds, RoadMeters: h.RoadMeters}
		}
	}
	return nil
}
