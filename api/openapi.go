package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/plan"
	"yizhan/geo"
)

// The OpenAPI 3.0 document at /openapi.json describes every route of
// routes(), with the limits and defaults taken from the constants the
// handlers check, so that it cannot state a range the server does not
// enforce. A test compares its paths with the routes the app registers.

// OpenAPIVersion is the OpenAPI version the document follows.
const OpenAPIVersion = "3.0.3"

// openapiRoutes registers GET /openapi.json. The document is built once:
// it depends on the binary only.
func (s *Server) openapiRoutes() {
	oaBody, err := json.Marshal(openapiDocument())
	if err != nil { // cannot happen: the document is maps, slices, strings and numbers
		panic(fmt.Sprintf("api: encode the OpenAPI document: %v", err))
	}
	s.app.Get("/openapi.json", func(c *fiber.Ctx) error {
		if _, err := parseQuery(c); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, mediaOAS30)
		c.Set(fiber.HeaderCacheControl, cacheStatic)
		return c.Send(oaBody)
	})
}

// obj is a JSON object of the document.
type obj = map[string]any

// Schemas.

// oaRef refers to the schema name of the document's components.
func oaRef(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// oaStr is a string schema.
func oaStr(desc string) obj { return obj{"type": "string", "description": desc} }

// oaEnum is a string schema of one of values, def when absent ("" for none).
func oaEnum[T ~string](values []T, def string) obj {
	o := obj{"type": "string", "enum": values}
	if def != "" {
		o["default"] = def
	}
	return o
}

// oaWith304 adds the 304 answer of a conditional GET to responses.
func oaWith304(responses obj) obj {
	responses["304"] = obj{"description": "Not modified: the record still has the version in If-None-Match."}
	return responses
}

// oaNum is a number in (lo, hi], or [lo, hi] when loIncl; def < 0 means no default.
func oaNum(lo, hi float64, loIncl bool, def float64, unit string) obj {
	o := obj{"type": "number", "minimum": lo, "maximum": hi, "description": unit}
	if !loIncl {
		o["exclusiveMinimum"] = true
	}
	if def >= 0 {
		o["default"] = def
	}
	return o
}

// oaInt is an integer in [lo, hi]; def < 0 means no default.
func oaInt(lo, hi, def int) obj {
	o := obj{"type": "integer", "minimum": lo, "maximum": hi}
	if def >= 0 {
		o["default"] = def
	}
	return o
}

// oaList is a query array sent comma-separated (and/or repeated).
func oaList(items obj) obj { return obj{"type": "array", "items": items} }

// Parameters.

// oaQuery is a query parameter; arrays are sent comma-separated.
func oaQuery(name, desc string, schema obj) obj {
	p := obj{"name": name, "in": "query", "description": desc, "schema": schema}
	if schema["type"] == "array" {
		p["style"], p["explode"] = "form", false
	}
	return p
}

// oaRequired marks the parameter p required.
func oaRequired(p obj) obj { p["required"] = true; return p }

// oaPathParam is a path parameter.
func oaPathParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
}

var (
	oaLon = oaRequired(oaQuery("lon", "Longitude in degrees, in crs (WGS 84 by default; 111.67 is Hohhot).", oaNum(-180, 180, true, -1, "degrees")))
	oaLat = oaRequired(oaQuery("lat", "Latitude in degrees, in crs (WGS 84 by default; 40.81 is Hohhot).", oaNum(-90, 90, true, -1, "degrees")))
	// oaCRS is the crs parameter of every /v1 endpoint that takes or
	// returns coordinates (crs.go). OGC API items and vector tiles stay in
	// WGS 84 (CRS84) and the tile grid; reference layers and example
	// routes are WGS 84.
	oaCRS     = oaQuery(crsParam, crsDoc, oaEnum(geo.CRSNames(), geo.WGS84.String()))
	oaKind    = oaQuery("kind", "Only records of any of these kinds (comma-separated or repeated).", oaList(oaEnum(data.Kinds(), "")))
	oaAmenity = oaQuery("amenity", "Only records with all of these amenities (comma-separated or repeated).", oaList(oaEnum(data.Amenities(), "")))
	oaOpenNow = oaQuery("open_now", "Only records known to be open now (status open and opening hours say so; unknown hours count as closed). Not with open_at.", obj{"type": "boolean", "default": false})
	oaOpenAt  = oaQuery("open_at", "Only records known to be open at this RFC 3339 time, e.g. 2024-05-01T08:30:00+08:00. Not with open_now.", obj{"type": "string", "format": "date-time"})
	oaLang    = oaQuery("lang", "Language of names (falling back to Chinese, then any name).", oaEnum(data.Languages(), DefaultLang))
	oaStatus  = oaQuery("status", "Only records with any of these statuses (repeat, or comma-separated), e.g. status=open to leave out closed and planned records. Default: all.", oaList(oaEnum(data.Statuses(), "")))
	oaFilters = []obj{oaKind, oaAmenity, oaStatus, oaOpenNow, oaOpenAt, oaLang}

	oaReach = []obj{
		oaQuery("radius_m", "Radius of the service circle in meters; not with minutes, mode, speed_kmh or circuity.", oaNum(MinRadiusM, MaxRadiusM, true, -1, "meters")),
		oaQuery("minutes", fmt.Sprintf("Travel time in minutes; the radius is minutes × speed ÷ circuity (at most %d m). Without radius_m and minutes: %d minutes %s.", MaxRadiusM, DefaultMinutes, DefaultMode), oaNum(0, MaxMinutes, false, DefaultMinutes, "minutes")),
		oaQuery("mode", "Travel mode giving the speed when speed_kmh is absent.", oaEnum(geo.Modes(), DefaultMode)),
		oaQuery("speed_kmh", "Travel speed in km/h, overriding mode's.", oaNum(0, MaxSpeedKmh, false, -1, "km/h")),
		oaQuery("circuity", "Road distance over straight-line distance.", oaNum(MinCircuity, MaxCircuity, true, geo.DefaultCircuity, "ratio")),
	}
	oaBBox = oaQuery("bbox", "minLon,minLat,maxLon,maxLat in WGS 84 degrees; minLon > maxLon crosses the ±180° meridian.",
		obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}})
	oaBBoxCRS = oaQuery("bbox", "minLon,minLat,maxLon,maxLat in degrees, in crs (WGS 84 by default); minLon > maxLon crosses the ±180° meridian. "+
		"In gcj02 or bd09 the box is taken in that CRS: a record is in it when its converted position is (exact, not the box's corners converted).",
		obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}})
	oaOffset = oaQuery("offset", "Records to skip (in id order).", oaInt(0, MaxOffset, 0))
	oaID     = oaPathParam("id", "Station id (percent-encoded).", obj{"type": "string"})
	oaF      = oaQuery("f", "Format: JSON only (f=html is a 400).", obj{"type": "string", "enum": []string{"json"}})
)

// oaWith joins parameter lists.
func oaWith(ps ...[]obj) []obj {
	var out []obj
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// Responses.

// oaContent is a body of media with schema.
func oaContent(media string, schema obj) obj { return obj{media: obj{"schema": schema}} }

// oaAnswer is a response with a body of media.
func oaAnswer(desc, media string, schema obj) obj {
	return obj{"description": desc, "content": oaContent(media, schema)}
}

// oaProblem refers to the problem response name of the document's components.
func oaProblem(name string) obj { return obj{"$ref": "#/components/responses/" + name} }

// oaRead is the answers of a data read: ok, and the problems every read
// may give (400, 503), plus those of more (such as "404").
func oaRead(ok obj, more ...string) obj {
	r := obj{"200": ok, "400": oaProblem("BadRequest"), "503": oaProblem("Unavailable")}
	for _, m := range more {
		r[m] = oaProblem(map[string]string{"404": "NotFound"}[m])
	}
	return r
}

// oaCoverage is the answers of the planner endpoints: those of a read,
// with a 503 that may also mean the work passed CoverageTimeout.
func oaCoverage(ok obj) obj {
	r := oaRead(ok)
	r["503"] = oaProblem("CoverageUnavailable")
	return r
}

// oaGet is a GET operation.
func oaGet(summary, desc string, params []obj, responses obj) obj {
	op := obj{"summary": summary, "description": desc, "responses": responses}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return obj{"get": op}
}

// oaBody is a request body of one of media (the list the route checks).
func oaBody(desc string, media []string, schema obj) obj {
	content := obj{}
	for _, m := range media {
		content[m] = obj{"schema": schema}
	}
	desc += fmt.Sprintf(" At most %d MiB, counted after decompression; may be sent with Content-Encoding %s.", BodyLimit>>20, orList(contentCodings))
	return obj{"required": true, "description": desc, "content": content}
}

// oaWithBody adds the answers of a route that reads a body to responses.
func oaWithBody(responses obj) obj {
	responses["413"] = oaProblem("ContentTooLarge")
	responses["415"] = oaProblem("UnsupportedMediaType")
	return responses
}

// openapiDocument builds the document.
func openapiDocument() obj {
	fc := oaAnswer("A GeoJSON FeatureCollection.", mediaGeoJSON, oaRef("FeatureCollection"))
	feat := oaAnswer("A GeoJSON Feature.", mediaGeoJSON, oaRef("Feature"))
	polygonFeature := oaAnswer("A GeoJSON Feature whose geometry is a geodesic polygon (split at ±180°).", mediaGeoJSON, obj{"type": "object"})
	anyJSON := func(desc string) obj { return oaAnswer(desc, mediaJSON, obj{"type": "object"}) }

	writeAnswers := func(ok obj, codes ...string) obj {
		r := obj{
			"400": oaProblem("BadRequest"), "401": oaProblem("Unauthorized"), "403": oaProblem("Forbidden"),
			"503": oaProblem("Unavailable"),
		}
		for _, c := range codes {
			r[c] = oaProblem(map[string]string{"404": "NotFound", "409": "Conflict", "412": "PreconditionFailed"}[c])
		}
		for k, v := range ok {
			r[k] = v
		}
		return r
	}
	ifMatch := obj{"name": "If-Match", "in": "header", "description": "Only if the record is at this version (its ETag), or * for any existing version.", "schema": obj{"type": "string"}}
	bearer := []obj{{"bearer": []string{}}}
	stored := obj{"description": "The stored record, once this server's answers reflect it. ETag is its version.", "headers": obj{"ETag": obj{"schema": obj{"type": "string"}}}, "content": oaContent(mediaGeoJSON, oaRef("Feature"))}

	searchFields := obj{
		"kind":      obj{"oneOf": []obj{oaEnum(data.Kinds(), ""), oaList(oaEnum(data.Kinds(), ""))}},
		"amenity":   obj{"oneOf": []obj{oaEnum(data.Amenities(), ""), oaList(oaEnum(data.Amenities(), ""))}},
		"status":    obj{"oneOf": []obj{oaEnum(data.Statuses(), ""), oaList(oaEnum(data.Statuses(), ""))}},
		"open_now":  obj{"type": "boolean"},
		"open_at":   obj{"type": "string", "format": "date-time"},
		"lang":      oaEnum(data.Languages(), DefaultLang),
		"radius_m":  oaNum(MinRadiusM, MaxRadiusM, true, -1, "meters"),
		"minutes":   oaNum(0, MaxMinutes, false, DefaultMinutes, "minutes"),
		"mode":      oaEnum(geo.Modes(), DefaultMode),
		"speed_kmh": oaNum(0, MaxSpeedKmh, false, -1, "km/h"),
		"circuity":  oaNum(MinCircuity, MaxCircuity, true, geo.DefaultCircuity, "ratio"),
	}
	coverageFields := obj{
		"area":   obj{"type": "object", "description": fmt.Sprintf("A GeoJSON Polygon or MultiPolygon (or a Feature of one), at most %d positions. Give area or region.", MaxAreaVertices)},
		"region": oaStr("A bundled region (\"Inner Mongolia\", \"150000\", or \"China\" for the country's outline) instead of area; with area, the area clipped to it (the answer's clipped_to names it)."),
		"demand": obj{"description": fmt.Sprintf("Weighted demand: a GeoJSON FeatureCollection of at most %d Points, each with a numeric \"weight\" property (default 1) and an optional \"name\"; "+
			"or \"none\" (area only), \"default\", or \"roads\" (where a road network is loaded: the length of the roads the mode can use, in km). Absent: the bundled populated places weighted by population (%d where the source has none) and the border ports (%d each), "+
			"and where a road network is loaded its roads the mode can use, each km counting as %d people. "+
			"Answers report demand_total, demand_covered and the scenarios in the demand's unit (demand.unit: people, km of road or weight).", plan.MaxDemandPoints, bundled.PlaceMinWeight, bundled.PortWeight, plan.RoadPeoplePerKm),
			"oneOf": []obj{{"type": "object"}, {"type": "string", "enum": []string{plan.DemandNone, plan.DemandDefault, plan.DemandRoads}}}},
		"demand_csv": oaStr("Demand as CSV instead (RFC 4180, a UTF-8 byte-order mark allowed): a header naming lon, lat and weight columns (weight optional, a name column optional), then one row a point; the same limits as demand."),
		"cell_m":     oaNum(geo.MinCellMeters, MaxCellM, true, -1, "Grid cell size in meters; chosen automatically when absent."),
	}
	for k, v := range searchFields {
		coverageFields[k] = v
	}
	suggestFields := obj{
		"n":          oaInt(1, MaxSuggest, DefaultSuggest),
		"candidates": obj{"type": "object", "description": fmt.Sprintf("Allowed sites: a FeatureCollection of Points or a MultiPoint, at most %d; without it, the bundled places, the demand points, the road junctions where a road network is loaded (at most %d, thinned on a lattice) and uncovered cell centres.", MaxCandidates, plan.MaxJunctionCandidates)},
	}
	for k, v := range coverageFields {
		suggestFields[k] = v
	}
	routeFields := obj{
		"route":             obj{"type": "object", "description": fmt.Sprintf("A GeoJSON LineString (or a Feature, or a FeatureCollection of one Feature) of at most %d positions.", geo.MaxRouteVertices)},
		"corridor_m":        oaNum(0, MaxCorridorM, false, DefaultCorridorM, "Meters either side of the route."),
		"max_gap_km":        obj{"type": "number", "exclusiveMinimum": true, "minimum": 0, "default": DefaultMaxGapKm, "description": "Report stretches longer than this with no record, km."},
		"max_gap_minutes":   oaNum(0, MaxDriveMinutes, false, -1, "The gap as driving minutes at speed_kmh, instead of max_gap_km."),
		"speed_kmh":         oaNum(0, MaxSpeedKmh, false, DefaultRouteSpeedKmh, "Planning speed, km/h."),
		"max_drive_minutes": oaNum(0, MaxDriveMinutes, false, DefaultMaxDriveMinutes, fmt.Sprintf("Longest continuous drive before a rest of at least %d minutes.", MinRestMinutes)),
		"prefer_amenities":  oaList(oaEnum(data.Amenities(), "")),
		"kind":              searchFields["kind"],
		"amenity":           searchFields["amenity"],
		"status":            searchFields["status"],
		"open_now":          searchFields["open_now"],
		"open_at":           searchFields["open_at"],
		"lang":              searchFields["lang"],
	}
	routeOp := obj{"post": obj{
		"summary":     "Records along a route, gaps and a rest plan",
		"description": "Records within corridor_m of the route ordered by distance along it (along_m, offset_m), the stretches longer than the allowed gap with none, and a rest plan for a driver.",
		"parameters":  []obj{oaCRS},
		"requestBody": oaBody("The route (in crs) and options.", bodyOptions, obj{"type": "object", "required": []string{"route"}, "additionalProperties": false, "properties": routeFields}),
		"responses":   oaWithBody(oaRead(anyJSON("Records along the route, gaps and the rest plan."))),
	}}

	ogcItems := []obj{oaBBox,
		oaQuery("bbox-crs", "The CRS of bbox; only CRS84 is offered.", obj{"type": "string", "enum": []string{crs84}}),
		oaQuery("crs", "The CRS of the answer (OGC API – Features Part 2); only CRS84 is offered. The /v1 endpoints offer gcj02 and bd09.", obj{"type": "string", "enum": []string{crs84}}),
		oaQuery("limit", fmt.Sprintf("Features a page; values above %d are lowered to it.", OGCMaxLimit), obj{"type": "integer", "minimum": 1, "maximum": OGCMaxLimit, "default": OGCDefaultLimit}),
		oaOffset,
		oaQuery("datetime", "An RFC 3339 instant or interval (.. for an open end); checked, but records carry no valid time, so every record matches.", obj{"type": "string"}),
		oaQuery("f", "Format: json or geojson.", obj{"type": "string", "enum": []string{"json", "geojson"}}),
	}
	pCollection := oaPathParam("collectionId", "The collection: "+OGCCollection+".", obj{"type": "string", "enum": []string{OGCCollection}})

	paths := obj{
		"/healthz": oaGet("Liveness", "200 while the process serves.", nil, obj{"200": anyJSON("{\"status\": \"ok\"}")}),
		"/readyz": oaGet("Readiness", "200 when a snapshot is loaded (and the database, if any, is ready), else 503; the body says records, version and snapshot age, and where a road network is configured its source, size, build, landmarks and contraction hierarchies (roads).", nil,
			obj{"200": anyJSON("Ready."), "503": anyJSON("Not ready.")}),
		"/metrics":      oaGet("Prometheus metrics", "Request counts and latencies by route, snapshot version, records and age, database state.", nil, obj{"200": obj{"description": "Prometheus text format.", "content": obj{"text/plain": obj{"schema": obj{"type": "string"}}}}}),
		"/openapi.json": oaGet("This document", "The OpenAPI 3.0 definition of the API.", nil, obj{"200": oaAnswer("OpenAPI 3.0 JSON.", mediaOAS30, obj{"type": "object"})}),

		"/v1/stations/nearest": oaGet("Nearest records", "The k records nearest to (lon, lat) that pass the filters, nearest first, each with distance_m and bearing_deg.",
			oaWith([]obj{oaLon, oaLat,
				oaQuery("k", "How many records.", oaInt(1, MaxK, DefaultK)),
				oaQuery("max_distance_m", "No farther than this, meters.", oaNum(0, MaxDistanceM, false, -1, "meters")),
			}, oaFilters, []obj{oaCRS}), oaRead(fc)),
		"/v1/stations/within": oaGet("Records within a service circle", "Every record inside the service circle around (lon, lat) that passes the filters, nearest first, with the radius used and its derivation in query.",
			oaWith([]obj{oaLon, oaLat}, oaReach, []obj{oaQuery("limit", "At most this many features; numberMatched counts all.", oaInt(1, MaxWithin, MaxWithin))}, oaFilters, []obj{oaCRS}), oaRead(fc)),
		"/v1/stations": obj{
			"get": oaGet("Records in a box", "The records in bbox that pass the filters, in id order, paged with limit and offset, with numberMatched and next/prev links.",
				oaWith([]obj{oaBBoxCRS, oaQuery("limit", "Features a page.", oaInt(1, MaxLimit, DefaultLimit)), oaOffset}, oaFilters, []obj{oaCRS}), oaRead(fc))["get"],
			"post": obj{
				"summary": "Create a record", "description": "Body: one GeoJSON Feature with an id, in WGS 84 (writes refuse crs other than wgs84). Needs a database and a bearer token.",
				"security":    bearer,
				"requestBody": oaBody("The record.", bodyFeature, oaRef("Feature")),
				"responses":   oaWithBody(writeAnswers(obj{"201": stored}, "409")),
			},
		},
		"/v1/stations/{id}": obj{
			"parameters": []obj{oaID},
			"get": oaGet("One record", "One record as a Feature, with its version as ETag; If-None-Match with that ETag answers 304 until the record changes.",
				[]obj{oaLang, oaCRS, {"name": "If-None-Match", "in": "header", "required": false, "schema": obj{"type": "string"}, "description": "An ETag from an earlier answer."}},
				oaWith304(oaRead(feat, "404")))["get"],
			"put": obj{
				"summary": "Replace or create a record", "description": "Body: the whole record as a Feature (its id, if any, must match the path). Without If-Match a missing record is created (201).",
				"security": bearer, "parameters": []obj{ifMatch},
				"requestBody": oaBody("The whole record.", bodyFeature, oaRef("Feature")),
				"responses":   oaWithBody(writeAnswers(obj{"200": stored, "201": stored}, "404", "412")),
			},
			"patch": obj{
				"summary": "Change a record", "description": "Body: a JSON merge patch (RFC 7396) of the Feature, e.g. {\"properties\": {\"status\": \"closed\"}}. Unknown members and read-only properties (version, updated_at, name) are refused with a 400 naming each; a patch that changes nothing keeps the version.",
				"security": bearer, "parameters": []obj{ifMatch},
				"requestBody": oaBody("A merge patch of the Feature.", bodyPatch, obj{"type": "object"}),
				"responses":   oaWithBody(writeAnswers(obj{"200": stored}, "404", "412")),
			},
			"delete": obj{
				"summary": "Delete a record", "security": bearer, "parameters": []obj{ifMatch},
				"responses": writeAnswers(obj{"204": obj{"description": "Deleted."}}, "404", "412"),
			},
		},
		"/v1/stations/{id}/circle": obj{"parameters": []obj{oaID}, "get": oaGet("A record's service circle", "The service circle around a record as a polygon Feature.", oaWith(oaReach, []obj{oaCRS}), oaRead(polygonFeature, "404"))["get"]},
		"/v1/circle":               oaGet("A service circle", "The service circle around (lon, lat) as a geodesic polygon Feature; without radius_m or minutes, 15 minutes on foot.", oaWith([]obj{oaLon, oaLat}, oaReach, []obj{oaCRS}), obj{"200": polygonFeature, "400": oaProblem("BadRequest")}),
		"/v1/layers":               oaGet("Reference layers", "The reference layers (province boundary, border lines, places) with their source and licence.", nil, obj{"200": anyJSON("{\"layers\": [...]}")}),
		"/v1/layers/{name}": obj{"parameters": []obj{oaPathParam("name", "Layer name, from /v1/layers.", obj{"type": "string"})},
			"get": oaGet("One reference layer", "A layer as a GeoJSON FeatureCollection.", nil, obj{"200": fc, "404": oaProblem("NotFound")})["get"]},

		"/v1/routes": oaGet("Example routes", "The bundled example routes to try the route tools on (straight segments between sourced points, not surveyed roads).", nil, obj{"200": anyJSON("{\"routes\": [...]}")}),
		"/v1/routes/{id}": obj{"parameters": []obj{oaPathParam("id", "Example route id, from /v1/routes.", obj{"type": "string"})},
			"get": oaGet("One example route", "The route as a GeoJSON LineString Feature, ready to send as the route of /v1/route/stations.", nil, obj{"200": oaAnswer("A GeoJSON Feature.", mediaGeoJSON, obj{"type": "object"}), "404": oaProblem("NotFound")})["get"]},
		"/v1/regions": oaGet("Named regions", "The regions /v1/coverage/gaps and /v1/coverage/suggest resolve by name.", nil, obj{"200": anyJSON("{\"regions\": [...]}")}),

		"/v1/coverage/gaps": obj{"post": obj{
			"summary": "Coverage gaps", "description": "The parts of an area outside every open record's service circle, largest first (closed_by names the scenario that closes a gap), with area_km2, covered_km2, covered_pct, " +
				"demand_total, demand_covered, demand_share, clipped_to, method_text (plain words in lang) and formula, and the scenarios today and with_planned: " +
				"{name, stations, area_km2_covered, covered_share, demand_covered, demand_share, gaps_closed, adds_km2, adds_demand}.",
			"parameters":  []obj{oaCRS},
			"requestBody": oaBody("Area (in crs; or a bundled region), service circle and filters.", bodyOptions, obj{"type": "object", "additionalProperties": false, "properties": coverageFields}),
			"responses":   oaWithBody(oaCoverage(oaAnswer("Gaps as Polygon features with the summary as foreign members.", mediaGeoJSON, obj{"type": "object"}))),
		}},
		"/v1/coverage/suggest": obj{"post": obj{
			"summary": "Suggest new sites", "description": "Up to n sites that would cover the most demand still uncovered, today's and the planned records fixed: greedy with lazy evaluation (CELF), " +
				"which covers at least 1 - 1/e (63%) of what the best n sites would; ties go to the most uncovered area, then to the site farthest from every record and site. " +
				"Each site has demand_gain, newly_covered_km2, nearest_station {id, name, distance_m, and by time on a road network duration_s and road_distance_m} and near_place {name, distance_m}; the answer adds demand_covered_before and _after and the scenario with_suggested; suggest_method says how the sites were chosen (method, as in gaps, how travel was measured).",
			"parameters":  []obj{oaCRS},
			"requestBody": oaBody("As for gaps, plus n and candidates (in crs).", bodyOptions, obj{"type": "object", "additionalProperties": false, "properties": suggestFields}),
			"responses":   oaWithBody(oaCoverage(oaAnswer("Suggested sites as Point features.", mediaGeoJSON, obj{"type": "object"}))),
		}},
		"/v1/coverage/report": obj{"post": obj{
			"summary": "Coverage report", "description": "The report to hand on, for the body of /v1/coverage/suggest (without n and candidates: gaps only): " +
				"html, a printable A4 page in lang with an SVG map, the scenarios, the method in plain words, the largest gaps and the sites, and the data sources and version; " +
				"csv, one table (RFC 4180, UTF-8, CRLF) with the columns " + strings.Join(ReportColumns, ", ") + ", a row per gap then per site; " +
				"geojson, the gaps and sites as one FeatureCollection. `yizhan gaps --report FILE` writes the same bytes.",
			"parameters": []obj{oaCRS,
				oaQuery("format", "The report's format.", oaEnum(reportFormats, ReportHTML)),
				oaQuery("bom", "For csv: start with a UTF-8 byte-order mark, for spreadsheets that need one to read Chinese names.", obj{"type": "boolean", "default": false})},
			"requestBody": oaBody("As for suggest (in crs).", bodyOptions, obj{"type": "object", "additionalProperties": false, "properties": suggestFields}),
			"responses": oaWithBody(oaCoverage(obj{"description": "The report.", "content": obj{
				mediaHTML: obj{"schema": obj{"type": "string"}}, mediaCSV: obj{"schema": obj{"type": "string"}}, mediaGeoJSON: obj{"schema": obj{"type": "object"}}}})),
		}},
		"/v1/route/stations": routeOp,
		"/v1/route/plan":     routeOp,

		"/ogc":             oaGet("OGC API landing page", "Links to the API definition, conformance and collections.", []obj{oaF}, obj{"200": anyJSON("Landing page."), "400": oaProblem("BadRequest")}),
		"/ogc/conformance": oaGet("OGC API conformance", "The conformance classes implemented: core, geojson, oas30.", []obj{oaF}, obj{"200": anyJSON("{\"conformsTo\": [...]}"), "400": oaProblem("BadRequest")}),
		"/ogc/collections": oaGet("OGC API collections", "The one collection, stations.", []obj{oaF}, oaRead(anyJSON("Collections."))),
		"/ogc/collections/{collectionId}": obj{"parameters": []obj{pCollection},
			"get": oaGet("OGC API collection", "The collection with its extent.", []obj{oaF}, oaRead(anyJSON("Collection."), "404"))["get"]},
		"/ogc/collections/{collectionId}/items": obj{"parameters": []obj{pCollection},
			"get": oaGet("OGC API items", "Records in bbox passing the filters, in id order, with numberMatched, numberReturned, timeStamp and next/prev links.",
				oaWith(ogcItems, oaFilters), oaRead(fc, "404"))["get"]},
		"/ogc/collections/{collectionId}/items/{featureId}": obj{"parameters": []obj{pCollection, oaPathParam("featureId", "Station id (percent-encoded).", obj{"type": "string"})},
			"get": oaGet("OGC API item", "One record as a Feature with self and collection links.", []obj{oaLang, ogcItems[len(ogcItems)-1]}, oaRead(feat, "404"))["get"]},

		"/tiles.json": oaGet("TileJSON", "A TileJSON 3.0.0 document for the vector tiles; the tiles URL carries this request's query.", oaFilters, obj{"200": anyJSON("TileJSON 3.0.0."), "400": oaProblem("BadRequest")}),
		"/tiles/{z}/{x}/{y}.mvt": oaGet("Vector tile", fmt.Sprintf("A Mapbox vector tile (XYZ scheme) with one layer, %q, of points with id, kind, name, status, amenities and count; extent %d, buffer %d. gzip-encoded when accepted. A tile with no records is an empty layer.", TileLayer, TileExtent, TileBuffer),
			oaWith([]obj{
				oaPathParam("z", "Zoom.", oaInt(0, MaxTileZoom, -1)),
				oaPathParam("x", "Column, 0 to 2^z − 1.", obj{"type": "integer", "minimum": 0}),
				oaPathParam("y", "Row from the north, 0 to 2^z − 1.", obj{"type": "integer", "minimum": 0}),
			}, oaFilters),
			oaRead(obj{"description": "The tile.", "content": obj{mediaMVT: obj{"schema": obj{"type": "string", "format": "binary"}}}})),
	}

	oaRoadPaths(paths) // travel on roads (openapi_roads.go)

	problemAnswer := func(desc string) obj { return oaAnswer(desc, "application/problem+json", oaRef("Problem")) }
	return obj{
		"openapi": OpenAPIVersion,
		"info": obj{
			"title":       "yizhan",
			"version":     "1",
			"description": "Service points for truck drivers and workers (border ports, rest stops, driver homes, union stations): nearest and service-circle search, coverage planning, routes, OGC API – Features and vector tiles. Errors are RFC 7807 problems. By default pages of any origin may GET the read API (CORS); other cross-origin requests need an origin the operator trusts.",
		},
		"servers": []obj{{"url": "/"}},
		"paths":   paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "description": "A token from YIZHAN_WRITE_TOKENS."}},
			"responses": obj{
				"BadRequest":         problemAnswer("Bad input: detail says what is wrong and what is allowed; param names the parameter."),
				"NotFound":           problemAnswer("No such resource."),
				"Unauthorized":       problemAnswer("No valid bearer token."),
				"Forbidden":          problemAnswer("The token may not write."),
				"Conflict":           problemAnswer("A record with that id exists."),
				"PreconditionFailed": problemAnswer("The record changed since the If-Match version."),
				"Unavailable":        problemAnswer("No data loaded yet, or (writes) no database, the database unreachable or not answering, the database a read-only replica, or the database busy (the write lock not granted in time); the title says which. Retry-After, when present, says when to retry."),
				"CoverageUnavailable": problemAnswer(fmt.Sprintf("No data loaded yet, or the grid work took longer than %v (or the request was canceled) and was stopped: "+
					"use a larger cell_m or a smaller area (for suggestions also a smaller n or fewer candidates). Retry-After says when to retry.", CoverageTimeout)),
				"ContentTooLarge": problemAnswer(fmt.Sprintf("The body is larger than %d bytes (%d MiB), on the wire or once decompressed.", BodyLimit, BodyLimit>>20)),
				"UnsupportedMediaType": problemAnswer(fmt.Sprintf("The Content-Type is not one the operation lists (Accept names them), "+
					"or the Content-Encoding is not %s or is more than one coding (Accept-Encoding names them).", orList(contentCodings))),
			},
			"schemas": obj{
				"Problem": obj{"type": "object", "required": []string{"type", "title", "status", "detail"}, "properties": obj{
					"type": obj{"type": "string"}, "title": obj{"type": "string"}, "status": obj{"type": "integer"},
					"detail": obj{"type": "string"}, "param": obj{"type": "string", "description": "The parameter or body field at fault."},
					"errors": obj{"type": "array", "description": "Every field problem of an invalid record.", "items": obj{"type": "object", "properties": obj{
						"field": obj{"type": "string"}, "reason": obj{"type": "string"}}}},
				}},
				"Point": obj{"type": "object", "required": []string{"type", "coordinates"}, "properties": obj{
					"type":        obj{"type": "string", "enum": []string{"Point"}},
					"coordinates": obj{"type": "array", "minItems": 2, "maxItems": 2, "items": obj{"type": "number"}, "description": "[lon, lat] in degrees: WGS 84, or the crs the request named."},
				}},
				"Feature": obj{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": obj{
					"type":     obj{"type": "string", "enum": []string{"Feature"}},
					"id":       obj{"type": "string"},
					"geometry": oaRef("Point"),
					"properties": obj{"type": "object", "properties": obj{
						"kind":            oaEnum(data.Kinds(), ""),
						"name":            oaStr("The name in lang."),
						"names":           obj{"type": "object", "properties": obj{"zh": obj{"type": "string"}, "en": obj{"type": "string"}, "ru": obj{"type": "string"}, "mn": obj{"type": "string"}}},
						"amenities":       oaList(oaEnum(data.Amenities(), "")),
						"status":          oaEnum([]data.Status{data.StatusOpen, data.StatusClosed, data.StatusPlanned}, ""),
						"opening_hours":   oaStr("OSM opening_hours syntax."),
						"distance_m":      obj{"type": "number", "description": "From the query point, meters (searches from a point only)."},
						"bearing_deg":     obj{"type": "number", "description": "From the query point, degrees from north in [0, 360) (searches from a point only)."},
						"duration_s":      obj{"type": "number", "description": "Travel time from the query point, seconds (by=time only; on the straight line an estimate)."},
						"road_distance_m": obj{"type": "number", "description": "Length of the road part of the trip from the query point, meters (by=time on a road network only)."},
					}},
				}},
				"FeatureCollection": obj{"type": "object", "required": []string{"type", "features"}, "properties": obj{
					"type":           obj{"type": "string", "enum": []string{"FeatureCollection"}},
					"features":       obj{"type": "array", "items": oaRef("Feature")},
					"numberMatched":  obj{"type": "integer"},
					"numberReturned": obj{"type": "integer"},
					"timeStamp":      obj{"type": "string", "format": "date-time"},
					"links": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
						"href": obj{"type": "string"}, "rel": obj{"type": "string"}, "type": obj{"type": "string"}, "title": obj{"type": "string"},
					}}},
					"query": obj{"type": "object", "description": "The query as understood, with crs (the CRS of every coordinate of the answer) and, for a query point in gcj02 or bd09, wgs84: the WGS 84 position it was read as."},
				}},
			},
		},
	}
}

// openapiPath turns a Fiber route pattern into an OpenAPI path template:
// /v1/stations/:id → /v1/stations/{id}.
func openapiPath(route string) string {
	var b strings.Builder
	for i := 0; i < len(route); i++ {
		if route[i] != ':' {
			b.WriteByte(route[i])
			continue
		}
		j := i + 1
		for j < len(route) && route[j] != '/' && route[j] != '.' && route[j] != '-' {
			j++
		}
		b.WriteString("{" + route[i+1:j] + "}")
		i = j - 1
	}
	return b.String()
}
