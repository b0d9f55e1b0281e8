package plan

import (
	"context"
	"errors"
	"slices"

	"github.com/paulmach/orb"

	"yizhan/geo"
	"yizhan/roads"
)

// Choosing sites by travel time. A search on the roads from every
// candidate would be thousands of searches; instead the straight-line
// greedy of the same minutes draws a shortlist of ShortlistPerSite × n
// sites (at most MaxShortlist), in its order, and each of them is measured
// by one search on the roads bounded by the minutes: the demand it reaches
// by travel time, each demand point snapped once. The greedy then picks n
// of the shortlist by the demand newly reached on the roads (ties to the
// earlier in the shortlist, which holds the area and spreading order of
// the straight-line greedy), and sitesOnRoads measures the picks' area
// and demand on the roads in the order picked.
const (
	// ShortlistPerSite is how many shortlisted sites a suggestion by time
	// measures on the roads for each site it proposes.
	ShortlistPerSite = 4
	// MaxShortlist bounds the shortlist: one search on the roads each.
	MaxShortlist = 100
)

// shortlistN is the length of the shortlist for n sites.
func shortlistN(n int) int { return min(MaxShortlist, ShortlistPerSite*n) }

// pickByTime picks up to n of the shortlisted sites by the demand each
// newly reaches by travel time on p.Roads, given the demand covered
// already (covered; not modified). Each site's search is bounded by c's
// minutes; a demand point counts for a site when its own travel time (as
// demandByTime measures it, snapped once) is within them. Sites whose
// searches reach nothing new keep their shortlist order after those
// that do. The Site values returned are the shortlist's; sitesOnRoads
// measures their gains.
func (p *Planner) pickByTime(ctx context.Context, c *coverage, short []geo.Site, n int, demand []geo.DemandPoint, covered []bool) ([]geo.Site, error) {
	if len(short) <= 1 {
		return short[:min(n, len(short))], nil
	}
	prof := capped(c.travel.profile)
	seconds := c.reach.Minutes * 60
	near := c.nearRadius(p.Roads)
	// The demand not covered yet, indexed once, snapped when first needed.
	var open []int
	var pts []orb.Point
	for i, d := range demand {
		if !covered[i] {
			open = append(open, i)
			pts = append(pts, d.Point)
		}
	}
	ix := geo.NewIndex(pts)
	snaps := make([]roads.Snap, len(open))
	state := make([]int8, len(open)) // 0 not snapped, 1 snapped, -1 no road
	reach := make([][]int32, len(short))
	for k, s := range short {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(open) == 0 {
			break
		}
		tree, err := p.Roads.Search(ctx, []orb.Point{s.Point}, seconds, &prof)
		if errors.Is(err, roads.ErrNoRoad) {
			continue // the site is off the roads: it reaches nothing
		}
		if err != nil {
			return nil, roadStopped(err, "minutes", p.timeout())
		}
		for i, h := range ix.Within(s.Point, near, nil) {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			j := h.Slot
			if state[j] == 0 {
				state[j] = -1
				if sn, err := p.Roads.Snap(pts[j], &prof); err == nil {
					snaps[j], state[j] = sn, 1
				}
			}
			if state[j] < 0 {
				continue
			}
			if t, _, ok := tree.TimeToSnap(&snaps[j]); ok && t <= seconds {
				reach[k] = append(reach[k], int32(j))
			}
		}
		slices.Sort(reach[k])
	}
	// Plain greedy over the shortlist: n × its length gains at most.
	done := make([]bool, len(open))
	used := make([]bool, len(short))
	var out []geo.Site
	for len(out) < n {
		best, bestGain := -1, 0.0
		for k := range short {
			if used[k] {
				continue
			}
			g := 0.0
			for _, j := range reach[k] {
				if !done[j] {
					g += demand[open[j]].Weight
				}
			}
			if best < 0 || g > bestGain {
				best, bestGain = k, g
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		for _, j := range reach[best] {
			done[j] = true
		}
		out = append(out, short[best])
	}
	return out, nil
}
