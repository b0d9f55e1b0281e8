package api

// Seams for the parts of the API built alongside the read API. Each method
// registers its routes on s.app and is called from routes(); each moves
// into its owner's file (writes.go, route.go/coverage.go, ogc.go,
// tiles.go, metrics.go), and this file goes away.

// ogcRoutes registers OGC API – Features under /ogc.
// Filled by the OGC work.
func (s *Server) ogcRoutes() {}
