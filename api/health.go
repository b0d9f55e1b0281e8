package api

import (
	"math"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz answers GET /healthz: the process is alive and serving.
func (s *Server) healthz(c *fiber.Ctx) error {
	return send(c, mediaJSON, cacheNone, map[string]any{"status": "ok"})
}

// readyz answers GET /readyz: 200 when a snapshot is loaded (and the
// database, when there is one, says it is ready), else 503. The body says
// how many records, which version and how old the snapshot is; the
// database part comes from databaseReadiness, the road network's from
// roadsReadiness.
func (s *Server) readyz(c *fiber.Ctx) error {
	body := map[string]any{}
	ready := true
	snap := s.cfg.Catalog.Snapshot()
	if snap == nil {
		ready = false
		body["reason"] = "no snapshot loaded yet"
	} else {
		body["records"] = snap.Len()
		body["version"] = snap.Version()
		body["loaded_at"] = snap.LoadedAt().UTC().Format(time.RFC3339)
		body["snapshot_age_s"] = math.Round(s.now().Sub(snap.LoadedAt()).Seconds()*10) / 10
	}
	if db, ok := s.databaseReadiness(c.UserContext()); db != nil || !ok {
		body["database"] = db
		ready = ready && ok
	}
	if r := s.roadsReadiness(); r != nil {
		body["roads"] = r
	}
	body["status"] = "ready"
	if !ready {
		body["status"] = "not ready"
		c.Status(fiber.StatusServiceUnavailable)
	}
	return send(c, mediaJSON, cacheNone, body)
}
