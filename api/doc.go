// Package api is yizhan's HTTP interface, and only that: a Fiber app that
// answers station queries from the in-memory catalog (catalog.Snapshot),
// renders GeoJSON, OGC API – Features, vector tiles and the OpenAPI
// document, takes authorised writes through the Store interface when a
// database is configured, and reports health and metrics.
//
// Its pieces, each defined once: the request rules every request must
// pass (request.go, cors.go, security.go); query parameters (params.go)
// and the CRS of coordinates (crs.go), converted at the edges; one error
// handler that renders every problem as application/problem+json
// (errors.go); one feature type and one record encoder (render.go,
// encode.go). The planner endpoints run the planning pipeline of
// data/plan and render its results (coverage.go, route.go); the command
// line writes the same bytes through GapsGeoJSON, SuggestGeoJSON and
// RouteGeoJSON.
package api
