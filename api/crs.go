package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data/bundled"
	"yizhan/data/plan"
	"yizhan/geo"
)

// crsParam is the query parameter that names the coordinate reference
// system of every coordinate a request gives and its answer returns:
// wgs84 (the default), gcj02 (Amap, Tencent, Apple maps in China) or bd09
// (Baidu). Records are stored and indexed in WGS 84 only; the offset is
// applied at the edge, and only inside mainland China (the bundled China
// outline), so points in Mongolia, Russia or anywhere else pass unchanged.
const crsParam = "crs"

// crsDoc describes crs for the OpenAPI document and for problems.
const crsDoc = "coordinate reference system of every coordinate in the request and the answer: wgs84 (default, RFC 7946), gcj02 (Amap, Tencent) or bd09 (Baidu). " +
	"Records are stored in WGS 84; the offset is applied only inside mainland China (the bundled Natural Earth outline, without Hong Kong, Macao and Taiwan), " +
	"so points elsewhere pass unchanged. Input is converted with an iterated inverse accurate to under 0.05 m."

// coords converts the coordinates of one request between WGS 84 and the
// CRS it asked for. The zero value is WGS 84, which converts nothing.
type coords struct {
	crs geo.CRS
	off *geo.Offsets
}

// wgs84 reports whether nothing needs converting.
func (cv coords) wgs84() bool { return cv.crs == geo.WGS84 }

// in converts a point given in the request's CRS to WGS 84.
func (cv coords) in(p orb.Point) orb.Point {
	if cv.wgs84() {
		return p
	}
	return cv.off.ToWGS84(p, cv.crs)
}

// out converts a WGS 84 point to the request's CRS.
func (cv coords) out(p orb.Point) orb.Point {
	if cv.wgs84() {
		return p
	}
	return cv.off.FromWGS84(p, cv.crs)
}

// inGeom converts every position of g, given in the request's CRS, to WGS 84.
func (cv coords) inGeom(g orb.Geometry) orb.Geometry {
	if cv.wgs84() {
		return g
	}
	return geo.Geometry(g, cv.in)
}

// outGeom converts every position of g, in WGS 84, to the request's CRS.
func (cv coords) outGeom(g orb.Geometry) orb.Geometry {
	if cv.wgs84() {
		return g
	}
	return geo.Geometry(g, cv.out)
}

// outFeatures sets the position every record feature of fs is drawn at:
// its record's location converted to the request's CRS.
func (cv coords) outFeatures(fs []feature) []feature {
	if cv.wgs84() {
		return fs
	}
	for i := range fs {
		if fs[i].rec != nil {
			fs[i].at = cv.out(fs[i].rec.Location)
		}
	}
	return fs
}

// crsJSON echoes the CRS of an answer's coordinates in its query member.
type crsJSON struct {
	CRS string `json:"crs"`
}

func (cv coords) echo() crsJSON { return crsJSON{CRS: cv.crs.String()} }

// pointCRS echoes the CRS of a query point and, when it is not WGS 84,
// the WGS 84 position it was read as.
type pointCRS struct {
	CRS   string      `json:"crs"`
	WGS84 *[2]float64 `json:"wgs84,omitempty"`
}

func (cv coords) echoPoint(p orb.Point) pointCRS {
	e := pointCRS{CRS: cv.crs.String()}
	if !cv.wgs84() {
		w := lonLat(cv.in(p))
		e.WGS84 = &w
	}
	return e
}

// newOffsets prepares the China outline of layers for the conversions; nil
// when the server has no layers, and then only crs=wgs84 is offered.
func newOffsets(layers *bundled.Layers) *geo.Offsets {
	if layers == nil || len(layers.China()) == 0 {
		return nil
	}
	return geo.NewOffsets(geo.NewOutline(layers.China()))
}

// coords parses crs from q.
func (s *Server) coords(q query) (coords, error) {
	v, err := q.one(crsParam)
	if err != nil || v == "" {
		return coords{}, err
	}
	crs, ok := geo.ParseCRS(strings.ToLower(strings.TrimSpace(v)))
	if !ok {
		return coords{}, badParam(crsParam, "unknown crs %s (allowed: %s; wgs84 when absent)", quote(v), strings.Join(geo.CRSNames(), ", "))
	}
	if crs != geo.WGS84 && s.offsets == nil {
		return coords{}, badParam(crsParam, "this server has no China outline loaded (it runs without the bundled layers), so it cannot apply the %s offset; use crs=wgs84", crs)
	}
	return coords{crs: crs, off: s.offsets}, nil
}

// bodyCoords parses crs, the only query parameter of a request whose
// parameters are in its JSON body.
func (s *Server) bodyCoords(c *fiber.Ctx) (coords, error) {
	q, err := parseQuery(c, crsParam)
	if err != nil {
		return coords{}, err
	}
	return s.coords(q)
}

// refuseWriteCRS answers writes that name a crs other than wgs84 with a
// 400 problem: stored records are WGS 84 only, and a record written in an
// offset system would be stored hundreds of meters off.
func refuseWriteCRS(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if v := strings.ToLower(strings.TrimSpace(c.Query(crsParam))); v != "" && v != geo.WGS84.String() {
		return badParam(crsParam, "writes take WGS 84 coordinates only (records are stored in WGS 84), got crs=%s; send the record's WGS 84 position: "+
			"any read with crs=%s and lon, lat (such as GET /v1/circle) echoes the WGS 84 position of that point as query.wgs84", quote(v), v)
	}
	return c.Next()
}

// ToWGS84 converts p, given in the request's CRS, to WGS 84 (plan.Coords).
func (cv coords) ToWGS84(p orb.Point) orb.Point { return cv.in(p) }

// String names the request's CRS.
func (cv coords) String() string { return cv.crs.String() }

// Interface guard: the planner converts a request's positions with coords.
var _ plan.Coords = coords{}

// appendMembers appends the members of e, each after a comma, as
// json.Marshal writes them.
func (e pointCRS) appendMembers(b []byte) ([]byte, error) {
	b = append(b, `,"crs":`...)
	b = appendString(b, e.CRS)
	if e.WGS84 == nil {
		return b, nil
	}
	b = append(b, `,"wgs84":[`...)
	b, err := appendFloat(b, e.WGS84[0])
	if err != nil {
		return b, err
	}
	b = append(b, ',')
	if b, err = appendFloat(b, e.WGS84[1]); err != nil {
		return b, err
	}
	return append(b, ']'), nil
}
