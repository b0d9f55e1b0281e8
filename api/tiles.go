package api

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"yizhan/data"
	"yizhan/data/catalog"
)

// Vector tiles: GET /tiles/{z}/{x}/{y}.mvt serves the records as Mapbox
// vector tiles (MVT 2.1) in the web-mercator XYZ scheme every map library
// and QGIS read; GET /tiles.json describes them as TileJSON 3.0.0.
const (
	// MaxTileZoom is the deepest zoom served. At 22 a tile is about 10 m
	// across at the equator; nothing finer is useful for points.
	MaxTileZoom = 22
	// TileJSONMaxZoom is the maxzoom /tiles.json advertises: at 16 one
	// tile unit (1/4096 of a tile) is about 15 cm at the equator, so
	// clients overzoom beyond it losing nothing and fetching fewer tiles.
	TileJSONMaxZoom = 16
	// TileExtent is the width of a tile in tile units (the MVT default).
	TileExtent = mvt.DefaultExtent
	// TileBuffer is how far, in tile units, records beyond a tile's edge
	// are still drawn into it, so that a symbol centred just across the
	// edge is not cut in half (64 units = 1/64 of a tile, ~4 px on a
	// 256 px tile, the Mapbox default).
	TileBuffer = 64
	// TileLayer is the name of the one layer of a tile.
	TileLayer = "stations"

	mediaMVT = "application/vnd.mapbox-vector-tile"
)

// tileParams are the query parameters of the tile routes.
var tileParams = params()

// tileRoutes registers GET /tiles/{z}/{x}/{y}.mvt and GET /tiles.json.
func (s *Server) tileRoutes() {
	s.app.Get("/tiles.json", s.tileJSON)
	s.app.Get("/tiles/:z/:x/:y.mvt", s.tile)
}

// parseTile checks the z, x and y of a tile path: decimal digits only,
// z from 0 to MaxTileZoom, x and y from 0 to 2^z − 1 (y counted from the
// north, as in XYZ tiles, not TMS).
func parseTile(zs, xs, ys string) (maptile.Tile, error) {
	z, err := tileNumber("z", zs, MaxTileZoom)
	if err != nil {
		return maptile.Tile{}, err
	}
	maxXY := uint64(1)<<z - 1
	x, err := tileNumber("x", xs, maxXY)
	if err != nil {
		return maptile.Tile{}, err
	}
	y, err := tileNumber("y", ys, maxXY)
	if err != nil {
		return maptile.Tile{}, err
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// tileNumber parses one path number of a tile in [0, hi].
func tileNumber(name, s string, hi uint64) (uint64, error) {
	bad := func() error {
		return badParam(name, "tile %s must be a whole number from 0 to %d, got %s (path /tiles/{z}/{x}/{y}.mvt, z from 0 to %d, x and y below 2^z)", name, hi, quote(s), MaxTileZoom)
	}
	if s == "" || len(s) > 12 || strings.Trim(s, "0123456789") != "" {
		return 0, bad()
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > hi {
		return 0, bad()
	}
	return v, nil
}

// tile answers GET /tiles/{z}/{x}/{y}.mvt: one layer, TileLayer, of
// Point features with properties id, kind, name (in lang), status,
// amenities (comma-joined) and count. Records that fall on the same
// tile unit (which happens at low zooms, where a unit is kilometres) are
// drawn once, as the one with the lowest id, and count says how many
// share that unit. Records within TileBuffer units of the edge are drawn
// too; across the ±180° meridian they come from the other side of the
// world, shifted by 360°. Records north of 85.0511° or south of −85.0511°
// lie outside web mercator and appear in no tile.
//
// A tile with no records is a 200 with an empty layer, which every client
// reads, rather than a 204 some older clients treat as an error. The body
// is gzip-compressed (Content-Encoding: gzip) when the client accepts it.
func (s *Server) tile(c *fiber.Ctx) error {
	t, err := parseTile(c.Params("z"), c.Params("x"), c.Params("y"))
	if err != nil {
		return err
	}
	q, err := parseQuery(c, tileParams...)
	if err != nil {
		return err
	}
	f, lang, err := s.searchFilter(q)
	if err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	layer := tileLayer(snap, t, f, lang)
	layers := mvt.Layers{layer}
	var body []byte
	c.Vary(fiber.HeaderAcceptEncoding)
	// An absent Accept-Encoding means identity here, not "anything"
	// (which is how AcceptsEncodings reads it).
	if c.Get(fiber.HeaderAcceptEncoding) != "" && c.AcceptsEncodings("gzip") == "gzip" {
		body, err = mvt.MarshalGzipped(layers)
		c.Set(fiber.HeaderContentEncoding, "gzip")
	} else {
		body, err = mvt.Marshal(layers)
	}
	if err != nil {
		c.Response().Header.Del(fiber.HeaderContentEncoding)
		return err // a 500: every property is a string or a number
	}
	c.Set(fiber.HeaderContentType, mediaMVT)
	c.Set(fiber.HeaderCacheControl, cacheData)
	return c.Send(body)
}

// tileLayer builds the stations layer of t in tile units.
func tileLayer(snap *catalog.Snapshot, t maptile.Tile, f data.Filter, lang string) *mvt.Layer {
	layer := &mvt.Layer{Name: TileLayer, Version: 2, Extent: TileExtent}
	b := t.Bound(float64(TileBuffer) / TileExtent)
	// The pieces of the buffered bound on the globe: the bound itself cut
	// to [−180°, 180°], and what spills across the ±180° meridian, looked
	// up on the other side and shifted back by ∓360°.
	type piece struct {
		b     orb.Bound
		shift float64
	}
	pieces := []piece{{orb.Bound{Min: orb.Point{max(b.Min[0], -180), b.Min[1]}, Max: orb.Point{min(b.Max[0], 180), b.Max[1]}}, 0}}
	if b.Min[0] < -180 {
		pieces = append(pieces, piece{orb.Bound{Min: orb.Point{b.Min[0] + 360, b.Min[1]}, Max: orb.Point{180, b.Max[1]}}, -360})
	}
	if b.Max[0] > 180 {
		pieces = append(pieces, piece{orb.Bound{Min: orb.Point{-180, b.Min[1]}, Max: orb.Point{b.Max[0] - 360, b.Max[1]}}, 360})
	}
	at := map[orb.Point]*geojson.Feature{} // by tile unit
	project := tileProjection(t)
	for _, pc := range pieces {
		// Records sharing a tile unit are drawn once, as the lowest id,
		// whatever order the index visits them in.
		snap.ScanRead(pc.b, f, func(st *data.Station) bool { // st is not kept: its fields are copied
			p := project(orb.Point{st.Location[0] + pc.shift, st.Location[1]})
			if p[0] < -TileBuffer || p[0] >= TileExtent+TileBuffer || p[1] < -TileBuffer || p[1] >= TileExtent+TileBuffer {
				return true // the bound's corners are rounded outward
			}
			if g := at[p]; g != nil {
				count := g.Properties["count"].(int) + 1
				if st.ID < g.Properties["id"].(string) {
					g.Properties = tileProperties(st, lang)
				}
				g.Properties["count"] = count
				return true
			}
			g := geojson.NewFeature(p)
			g.Properties = tileProperties(st, lang)
			g.Properties["count"] = 1
			at[p] = g
			layer.Features = append(layer.Features, g)
			return true
		})
	}
	return layer
}

// tileProperties are the properties of a record's point in a tile,
// without count.
func tileProperties(st *data.Station, lang string) geojson.Properties {
	return geojson.Properties{
		"id":        st.ID,
		"kind":      string(st.Kind),
		"name":      st.Names.In(lang),
		"status":    string(st.Status),
		"amenities": strings.Join(st.Amenities.Names(), ","),
	}
}

// tileProjection maps [lon, lat] to integer tile units of t, as
// mvt.Layer.ProjectToTile does: spherical web mercator at zoom z+12
// (TileExtent units a tile), floored, relative to the tile's north-west
// corner, y growing south. Longitudes beyond ±180° continue linearly, for
// the buffer across the antimeridian.
func tileProjection(t maptile.Tile) func(orb.Point) orb.Point {
	const shift = 12                       // log2(TileExtent)
	world := math.Ldexp(1, int(t.Z)+shift) // tile units around the world
	minX, minY := float64(uint64(t.X)<<shift), float64(uint64(t.Y)<<shift)
	return func(p orb.Point) orb.Point {
		x := (p[0]/360 + 0.5) * world
		sin := math.Sin(p[1] * math.Pi / 180)
		y := (0.5 + 0.5*math.Log((1+sin)/(1-sin))/(-2*math.Pi)) * world // as maptile.Fraction
		return orb.Point{math.Floor(x) - minX, math.Floor(y) - minY}
	}
}

// tileJSON answers GET /tiles.json: a TileJSON 3.0.0 document for the
// tiles, whose URL template is absolute on the request's host and carries
// the request's query (lang, kind, amenity, ...) so that a map styled from
// /tiles.json?lang=en&kind=port draws English names of ports.
func (s *Server) tileJSON(c *fiber.Ctx) error {
	q, err := parseQuery(c, tileParams...)
	if err != nil {
		return err
	}
	if _, _, err := s.searchFilter(q); err != nil {
		return err
	}
	tmpl := c.BaseURL() + "/tiles/{z}/{x}/{y}.mvt"
	if len(q.pairs) > 0 {
		tmpl += "?" + q.encode()
	}
	fields := map[string]string{
		"id":        "String: the record's id, as in /v1/stations/{id}",
		"kind":      "String: " + data.KindList(),
		"name":      "String: the name in lang (default " + DefaultLang + ")",
		"status":    "String: open, closed or planned",
		"amenities": "String: the amenities, comma-separated",
		"count":     "Number: records drawn at this point (more than 1 where records share a tile unit)",
	}
	return send(c, mediaJSON, cacheStatic, map[string]any{
		"tilejson":    "3.0.0",
		"name":        "yizhan stations",
		"description": "Service points for truck drivers and workers: border ports, rest stops, driver homes, union stations.",
		"scheme":      "xyz",
		"tiles":       []string{tmpl},
		"minzoom":     0,
		"maxzoom":     TileJSONMaxZoom,
		"bounds":      []float64{-180, -85.0511, 180, 85.0511},
		"vector_layers": []map[string]any{{
			"id":          TileLayer,
			"description": "One point per record (per tile unit where records coincide).",
			"minzoom":     0,
			"maxzoom":     TileJSONMaxZoom,
			"fields":      fields,
		}},
	})
}
