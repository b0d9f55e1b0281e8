package api

import (
	"github.com/gofiber/fiber/v2"
)

// layerJSON is one entry of the layer list: where to fetch it and the
// credit its licence asks a map to show.
type layerJSON struct {
	Name        string `json:"name"`
	Href        string `json:"href"`
	Title       string `json:"title,omitempty"`
	Source      string `json:"source,omitempty"`
	License     string `json:"license,omitempty"`
	Attribution string `json:"attribution,omitempty"`
}

// layerNames lists the configured layers, sorted; none without Layers.
func (s *Server) layerNames() []string {
	if s.cfg.Layers == nil {
		return nil
	}
	return s.cfg.Layers.Names()
}

// layers answers GET /v1/layers: the reference layers (province boundary,
// border lines, places, ...) the map can draw.
func (s *Server) layers(c *fiber.Ctx) error {
	if _, err := parseQuery(c); err != nil {
		return err
	}
	names := s.layerNames()
	out := make([]layerJSON, len(names))
	for i, n := range names {
		out[i] = layerJSON{Name: n, Href: "/v1/layers/" + n}
		if info, ok := s.cfg.Layers.Info(n); ok {
			out[i].Title, out[i].Source, out[i].License, out[i].Attribution = info.Title, info.Source, info.License, info.Attribution
		}
	}
	return send(c, mediaJSON, cacheStatic, map[string]any{"layers": out})
}

// layer answers GET /v1/layers/{name}: one layer as a GeoJSON
// FeatureCollection, or a 404 problem naming the layers there are.
func (s *Server) layer(c *fiber.Ctx) error {
	if _, err := parseQuery(c); err != nil {
		return err
	}
	name := c.Params("name")
	if s.cfg.Layers != nil {
		if body, ok := s.cfg.Layers.GeoJSON(name); ok {
			c.Set(fiber.HeaderContentType, mediaGeoJSON)
			c.Set(fiber.HeaderCacheControl, cacheStatic)
			return c.Send(body)
		}
	}
	return notFound("no layer named %s (layers: %v)", quote(name), s.layerNames())
}
