package api

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
)

// OGC API – Features – Part 1: Core, under /ogc, so that QGIS, ArcGIS,
// GDAL/OGR and OpenLayers read the records as a feature service with no
// yizhan-specific code. One collection, "stations", holds every record;
// kind, amenity, open_now, open_at and lang work on its items as they do
// on /v1/stations.
//
// Decisions where the standard leaves a choice:
//   - JSON only: f=json (or f=geojson on items) is accepted, f=html and any
//     other format is a 400 problem pointing at the web map; the Accept
//     header is not consulted.
//   - limit defaults to OGCDefaultLimit; above OGCMaxLimit it is lowered
//     to OGCMaxLimit (as the standard's permission allows), below 1 or not
//     a number it is a 400 problem.
//   - bbox takes 4 numbers, or 6 (with heights, which are ignored);
//     bbox-crs and crs (of Part 2, which clients send when a collection
//     lists its crs), if given, must be CRS84.
//   - datetime is checked (an RFC 3339 instant, or an interval with ".."
//     for an open end) but selects every record: records carry no valid
//     time.
//   - Unknown query parameters are a 400 problem, as the standard requires.
const (
	OGCDefaultLimit = 10
	OGCMaxLimit     = 10_000
	// OGCCollection is the id of the one collection.
	OGCCollection = "stations"

	crs84      = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	mediaOAS30 = "application/vnd.oai.openapi+json;version=3.0"
)

// ogcConformance are the conformance classes yizhan implements.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// ogcItemParams are the query parameters of the items route.
var ogcItemParams = params("bbox", "bbox-crs", "crs", "limit", "offset", "datetime")

// ogcRoutes registers OGC API – Features under /ogc.
func (s *Server) ogcRoutes() {
	s.app.Get("/ogc", s.ogcLanding)
	g := s.app.Group("/ogc")
	g.Get("/conformance", s.ogcConformance)
	g.Get("/collections", s.ogcCollections)
	g.Get("/collections/:collectionId", s.ogcCollection)
	g.Get("/collections/:collectionId/items", s.ogcItems)
	g.Get("/collections/:collectionId/items/:featureId", s.ogcItem)
}

// ogcLink is a link with the members OGC API clients read.
type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcQuery parses the query of a route, checking f: "json" (and, where
// geoJSON is true, "geojson") or absent.
func ogcQuery(c *fiber.Ctx, geoJSON bool, allowed ...string) (query, error) {
	q, err := parseQuery(c, append(allowed, "f")...)
	if err != nil {
		return q, err
	}
	f, err := q.one("f")
	if err != nil {
		return q, err
	}
	switch strings.ToLower(f) {
	case "", "json":
	case "geojson":
		if !geoJSON {
			return q, badParam("f", "f=geojson is offered on items only; use f=json here")
		}
	default:
		return q, badParam("f", "only JSON is offered (f=json, or leave f out), got f=%s; for a map of the records open / in a browser", quote(f))
	}
	return q, nil
}

// ogcLanding answers GET /ogc: the landing page.
func (s *Server) ogcLanding(c *fiber.Ctx) error {
	if _, err := ogcQuery(c, false); err != nil {
		return err
	}
	base := c.BaseURL()
	return send(c, mediaJSON, cacheStatic, map[string]any{
		"title":       "yizhan",
		"description": "Service points for truck drivers and workers (border ports, rest stops, driver homes, union stations) as OGC API – Features.",
		"links": []ogcLink{
			{Href: base + "/ogc", Rel: "self", Type: mediaJSON, Title: "This document"},
			{Href: base + "/openapi.json", Rel: "service-desc", Type: mediaOAS30, Title: "The API definition (OpenAPI 3.0)"},
			{Href: base + "/ogc/conformance", Rel: "conformance", Type: mediaJSON, Title: "Conformance classes implemented"},
			{Href: base + "/ogc/collections", Rel: "data", Type: mediaJSON, Title: "The feature collections"},
		},
	})
}

// ogcConformance answers GET /ogc/conformance.
func (s *Server) ogcConformance(c *fiber.Ctx) error {
	if _, err := ogcQuery(c, false); err != nil {
		return err
	}
	return send(c, mediaJSON, cacheStatic, map[string]any{"conformsTo": ogcConformance})
}

// ogcCollections answers GET /ogc/collections.
func (s *Server) ogcCollections(c *fiber.Ctx) error {
	if _, err := ogcQuery(c, false); err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	base := c.BaseURL()
	return send(c, mediaJSON, cacheData, map[string]any{
		"links":       []ogcLink{{Href: base + "/ogc/collections", Rel: "self", Type: mediaJSON, Title: "This document"}},
		"collections": []any{collectionJSON(base, snap)},
	})
}

// ogcCollection answers GET /ogc/collections/{collectionId}.
func (s *Server) ogcCollection(c *fiber.Ctx) error {
	if _, err := ogcQuery(c, false); err != nil {
		return err
	}
	if err := checkCollection(c); err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	return send(c, mediaJSON, cacheData, collectionJSON(c.BaseURL(), snap))
}

// checkCollection is a 404 problem unless the path names OGCCollection.
func checkCollection(c *fiber.Ctx) error {
	id, err := url.PathUnescape(c.Params("collectionId"))
	if err != nil || id != OGCCollection {
		return notFound("no collection %s; the one collection is %q (see /ogc/collections)", quote(c.Params("collectionId")), OGCCollection)
	}
	return nil
}

// collectionJSON describes the stations collection, with the extent of snap.
func collectionJSON(base string, snap *catalog.Snapshot) map[string]any {
	b := snap.Bound()
	self := base + "/ogc/collections/" + OGCCollection
	return map[string]any{
		"id":          OGCCollection,
		"title":       "Stations",
		"description": "Every record: kind is one of " + data.KindList() + ". Names are in lang (zh, en, ru, mn).",
		"extent": map[string]any{
			"spatial": map[string]any{
				"bbox": [][4]float64{{round7(b.Min[0]), round7(b.Min[1]), round7(b.Max[0]), round7(b.Max[1])}},
				"crs":  crs84,
			},
		},
		"itemType": "feature",
		"crs":      []string{crs84},
		"links": []ogcLink{
			{Href: self, Rel: "self", Type: mediaJSON, Title: "This collection"},
			{Href: self + "/items", Rel: "items", Type: mediaGeoJSON, Title: "The records"},
		},
	}
}

// ogcItems answers GET /ogc/collections/{collectionId}/items: the records
// in bbox passing the filters, in id order, a page of limit from offset,
// with numberMatched, numberReturned, timeStamp and next/prev links that
// repeat the query.
func (s *Server) ogcItems(c *fiber.Ctx) error {
	if err := checkCollection(c); err != nil {
		return err
	}
	q, err := ogcQuery(c, true, ogcItemParams...)
	if err != nil {
		return err
	}
	b, err := ogcBBox(q)
	if err != nil {
		return err
	}
	limit, err := ogcLimit(q)
	if err != nil {
		return err
	}
	offset, err := q.intIn("offset", 0, 0, MaxOffset)
	if err != nil {
		return err
	}
	if err := checkDatetime(q); err != nil {
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
	page, total := snap.InBound(b, f, offset, limit)
	fs := recordFeatures(page, lang)

	items := c.BaseURL() + "/ogc/collections/" + OGCCollection + "/items"
	self := items
	if len(q.pairs) > 0 {
		self += "?" + q.encode()
	}
	links := []ogcLink{
		{Href: self, Rel: "self", Type: mediaGeoJSON, Title: "This page"},
		{Href: c.BaseURL() + "/ogc/collections/" + OGCCollection, Rel: "collection", Type: mediaJSON, Title: "The collection"},
	}
	if offset+len(page) < total {
		links = append(links, ogcLink{Href: q.pageURL(items, limit, offset+len(page)), Rel: "next", Type: mediaGeoJSON, Title: "Next page"})
	}
	if offset > 0 {
		links = append(links, ogcLink{Href: q.pageURL(items, limit, max(0, offset-limit)), Rel: "prev", Type: mediaGeoJSON, Title: "Previous page"})
	}
	return send(c, mediaGeoJSON, cacheData, collection{features: fs, members: struct {
		NumberMatched  int       `json:"numberMatched"`
		NumberReturned int       `json:"numberReturned"`
		TimeStamp      string    `json:"timeStamp"`
		Links          []ogcLink `json:"links"`
	}{total, len(fs), s.now().UTC().Format(time.RFC3339), links}})
}

// ogcBBox parses bbox (4 numbers, or 6 with heights, which are ignored)
// and checks bbox-crs and crs; the whole world when bbox is absent.
func ogcBBox(q query) (orb.Bound, error) {
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	for _, name := range []string{"bbox-crs", "crs"} {
		crs, err := q.one(name)
		if err != nil {
			return world, err
		}
		if crs != "" && crs != crs84 {
			return world, badParam(name, "only %s (longitude, latitude in WGS 84 degrees) is offered for %s here, got %s; GCJ-02 and BD-09 (crs=gcj02, crs=bd09) are offered by the /v1 endpoints", crs84, name, quote(crs))
		}
	}
	s, err := q.one("bbox")
	if err != nil || s == "" {
		return world, err
	}
	if parts := strings.Split(s, ","); len(parts) == 6 {
		for _, h := range []string{parts[2], parts[5]} {
			if v, err := strconv.ParseFloat(strings.TrimSpace(h), 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return world, badParam("bbox", "bbox height %s is not a finite number; want minLon,minLat,minHeight,maxLon,maxLat,maxHeight", quote(h))
			}
		}
		s = strings.Join([]string{parts[0], parts[1], parts[3], parts[4]}, ",")
	}
	b, err := geo.ParseBBox(s)
	if err != nil {
		return world, badParam("bbox", "%v", err)
	}
	return b, nil
}

// ogcLimit parses limit: OGCDefaultLimit when absent, lowered to
// OGCMaxLimit when above it, a 400 problem below 1 or when not a whole number.
func ogcLimit(q query) (int, error) {
	s, err := q.one("limit")
	if err != nil || s == "" {
		return OGCDefaultLimit, err
	}
	s = strings.TrimSpace(s)
	v, perr := strconv.ParseInt(s, 10, 64)
	switch {
	case perr != nil && isRangeErr(perr) && v > 0:
		return OGCMaxLimit, nil
	case perr != nil:
		return 0, badParam("limit", "limit must be a whole number from 1 (larger values than %d are lowered to it), got %s", OGCMaxLimit, quote(s))
	case v < 1:
		return 0, badParam("limit", "limit must be at least 1, got %s", quote(s))
	}
	return int(min(v, OGCMaxLimit)), nil
}

// checkDatetime checks datetime: an RFC 3339 date-time or date, or an
// interval of two such joined by "/" where ".." or "" is an open end.
func checkDatetime(q query) error {
	s, err := q.one("datetime")
	if err != nil || s == "" {
		return err
	}
	instant := func(v string) bool {
		if _, err := time.Parse(time.RFC3339, v); err == nil {
			return true
		}
		_, err := time.Parse(time.DateOnly, v)
		return err == nil
	}
	bad := badParam("datetime", "datetime must be an RFC 3339 time such as 2024-05-01T08:30:00Z, or an interval start/end with .. for an open end, got %s", quote(s))
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		if !instant(s) {
			return bad
		}
	case 2:
		open := func(v string) bool { return v == "" || v == ".." }
		if open(parts[0]) && open(parts[1]) {
			return bad
		}
		for _, p := range parts {
			if !open(p) && !instant(p) {
				return bad
			}
		}
	default:
		return bad
	}
	return nil
}

// ogcItem answers GET /ogc/collections/{collectionId}/items/{featureId}:
// one record as a Feature with self and collection links.
func (s *Server) ogcItem(c *fiber.Ctx) error {
	if err := checkCollection(c); err != nil {
		return err
	}
	q, err := ogcQuery(c, true, "lang")
	if err != nil {
		return err
	}
	lang, err := q.lang()
	if err != nil {
		return err
	}
	raw := c.Params("featureId")
	id, err := url.PathUnescape(raw)
	if err != nil {
		return &Error{Status: fiber.StatusBadRequest, Param: "featureId", Detail: "the feature id in the path is not valid percent-encoding: " + quote(raw)}
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	st, err := snap.Get(id)
	if err != nil {
		return notFound("no feature with id %s in collection %q", quote(id), OGCCollection)
	}
	coll := c.BaseURL() + "/ogc/collections/" + OGCCollection
	// The Feature as /v1/stations/{id} renders it, plus a links member.
	return send(c, mediaGeoJSON, cacheData, recordFeature(st, lang).withMembers(struct {
		Links []ogcLink `json:"links"`
	}{[]ogcLink{
		{Href: coll + "/items/" + url.PathEscape(st.ID), Rel: "self", Type: mediaGeoJSON, Title: "This feature"},
		{Href: coll, Rel: "collection", Type: mediaJSON, Title: "The collection"},
	}}))
}
