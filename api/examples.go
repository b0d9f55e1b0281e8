package api

import (
	"github.com/gofiber/fiber/v2"

	"yizhan/data/bundled"
)

// exampleRouteJSON is one entry of GET /v1/routes: a bundled example
// route a person can try the route tools on.
type exampleRouteJSON struct {
	ID       string  `json:"id"`
	Href     string  `json:"href"`
	NameEN   string  `json:"name_en"`
	NameZH   string  `json:"name_zh"`
	LengthKm float64 `json:"length_km"` // straight-line length, km
	Note     string  `json:"note"`      // says the segments are straight, not roads
}

// regionInfoJSON is one entry of GET /v1/regions.
type regionInfoJSON struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// exampleRoutes registers the read-only lists the planner page offers:
// GET /v1/routes (the bundled example routes), GET /v1/routes/{id} (one
// of them as a GeoJSON Feature, ready to send as a route body) and
// GET /v1/regions (the regions /v1/coverage/gaps resolves by name).
func (s *Server) exampleRoutes() {
	v1 := s.app.Group("/v1")
	v1.Get("/routes", s.listExampleRoutes)
	v1.Get("/routes/:id", s.exampleRoute)
	v1.Get("/regions", s.listRegions)
}

// listExampleRoutes answers GET /v1/routes.
func (s *Server) listExampleRoutes(c *fiber.Ctx) error {
	if _, err := parseQuery(c); err != nil {
		return err
	}
	rs, err := bundled.Routes()
	if err != nil {
		return err // a broken binary: a 500, logged
	}
	out := make([]exampleRouteJSON, len(rs))
	for i, r := range rs {
		out[i] = exampleRouteJSON{ID: r.ID, Href: "/v1/routes/" + r.ID, NameEN: r.NameEN, NameZH: r.NameZH,
			LengthKm: r.LengthKm, Note: r.Note}
	}
	return send(c, mediaJSON, cacheStatic, map[string]any{"routes": out})
}

// exampleRoute answers GET /v1/routes/{id}: the route's Feature as
// bundled, or a 404 problem naming the routes there are.
func (s *Server) exampleRoute(c *fiber.Ctx) error {
	if _, err := parseQuery(c); err != nil {
		return err
	}
	id := c.Params("id")
	r, ok := bundled.FindRoute(id)
	if !ok {
		rs, _ := bundled.Routes()
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		return notFound("no example route %s (routes: %v)", quote(id), ids)
	}
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	c.Set(fiber.HeaderCacheControl, cacheStatic)
	return c.Send(r.Raw)
}

// listRegions answers GET /v1/regions; the list is empty on a server
// without bundled layers.
func (s *Server) listRegions(c *fiber.Ctx) error {
	if _, err := parseQuery(c); err != nil {
		return err
	}
	out := []regionInfoJSON{}
	if s.cfg.Layers != nil {
		for _, r := range s.cfg.Layers.Regions() {
			out = append(out, regionInfoJSON{Code: r.Code, NameZH: r.NameZH, NameEN: r.NameEN})
		}
	}
	return send(c, mediaJSON, cacheStatic, map[string]any{"regions": out})
}
