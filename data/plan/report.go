package plan

import (
	"context"

	"yizhan/data/catalog"
)

// Report is what a planner hands on: the gaps, and the suggested sites
// when the request asked for them, with the data they were computed on.
// It is what POST /v1/coverage/report renders as CSV, GeoJSON or a
// printable page, and what `yizhan gaps --report FILE` writes.
type Report struct {
	Gaps       *Gaps
	Suggestion *Suggestion // nil when no sites were asked for
	Version    int64       // the data version of the snapshot
	Records    int         // records in the snapshot
}

// ReportExample is a report request as JSON, for messages.
const ReportExample = `{"region": "Inner Mongolia", "minutes": 15, "mode": "drive", "n": 5, "lang": "en"}`

// Report answers req over snap: the gaps of req's area and, when req
// gives n or candidates, the suggested sites, both on one grid (the
// suggestion's, which its work limit may make coarser). The request's
// deadline covers both steps.
func (p *Planner) Report(ctx context.Context, snap *catalog.Snapshot, req *SuggestRequest, cv Coords) (*Report, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	rep := &Report{Version: snap.Version(), Records: snap.Len()}
	greq := req.GapsRequest
	if req.N != nil || given(req.Candidates) {
		sug, err := p.Suggest(ctx, snap, req, cv)
		if err != nil {
			return nil, err
		}
		rep.Suggestion = sug
		cell := sug.Grid.CellM
		greq.CellM = &cell
	}
	gaps, err := p.Gaps(ctx, snap, &greq, cv)
	if err != nil {
		return nil, err
	}
	if sug := rep.Suggestion; sug != nil {
		gaps.Auto = sug.Auto
		// The same grid gives the same gaps: say which the sites close.
		if len(sug.ClosedBy) == len(gaps.ClosedBy) {
			gaps.ClosedBy = sug.ClosedBy
			gaps.Scenarios = sug.Scenarios
		}
	}
	rep.Gaps = gaps
	return rep, nil
}
