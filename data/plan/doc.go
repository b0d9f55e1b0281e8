// Package plan is yizhan's planning pipeline: coverage gaps and
// demand-weighted site suggestions with their scenarios (today, with the
// planned records, with the suggested sites), the report that hands them
// on, the records along a route and a rest plan, from the
// request (what an HTTP body or the command line's flags say) to the
// result (what both render). It sits above data and geo and below api and
// cmd/yizhan, so that the server and the command line check the same
// limits, say the same things when a request is refused, and compute the
// same answers: every planner limit and message is defined here once.
//
// A request is refused with an *Error: a bad or over-limit input names
// the field at fault; work stopped by its deadline or by cancellation is
// marked Unavailable and wraps the context's error. Coordinates are WGS 84
// throughout; a caller that reads another CRS converts positions in with
// a Coords and converts the result's geometry out itself.
package plan
