package api

import "context"

// Seams for the parts of the API built alongside the read API. Each method
// registers its routes on s.app and is called from routes(); each moves
// into its owner's file (writes.go, route.go/coverage.go, ogc.go,
// tiles.go, metrics.go), and this file goes away.

// writeRoutes registers the authorised writes on /v1/stations.
// Filled by the PostGIS work.
func (s *Server) writeRoutes() {}

// planRoutes registers POST /v1/coverage/gaps and POST /v1/route/stations.
// Filled by the planner work.
func (s *Server) planRoutes() {}

// ogcRoutes registers OGC API – Features under /ogc.
// Filled by the OGC work.
func (s *Server) ogcRoutes() {}

// tileRoutes registers GET /tiles/{z}/{x}/{y}.mvt.
// Filled by the tiles work.
func (s *Server) tileRoutes() {}

// metricsRoutes registers /metrics (and /openapi.json).
// Filled by the PostGIS/metrics work.
func (s *Server) metricsRoutes() {}

// databaseReadiness is the database part of /readyz: a JSON value
// describing the link (nil for none) and whether it is ready. With no
// database (Config.Health nil) there is nothing to report.
// Filled by the PostGIS work, from Config.Health.
func (s *Server) databaseReadiness(ctx context.Context) (status any, ready bool) {
	return nil, true
}
