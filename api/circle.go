package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"yizhan/data/plan"
	"yizhan/geo"
)

// circleSegments is the number of polygon vertices of a service circle:
// the chord falls short of the true circle by r·(1−cos(π/128)) ≈ 0.03 % of
// the radius (0.3 m at 1 km).
const circleSegments = 128

// reachParams are the query parameters of a service circle.
var reachParams = []string{"radius_m", "minutes", "mode", "speed_kmh", "circuity"}

// circleFeature renders the service circle around center as a Feature
// whose geometry is geo.Circle's geodesic polygon (split in two at the
// antimeridian, as geo.Circle does), with the radius and its derivation.
func circleFeature(center orb.Point, r geo.Reach, id string, cv coords) feature {
	g := orb.Round(cv.outGeom(geo.Circle(center, r.Radius(), circleSegments)), 1e7)
	props := map[string]any{"center": lonLat(cv.out(center)), "method": plan.MethodStraightLine}
	rj := newReachJSON(r)
	props["radius_m"] = rj.RadiusM
	props["derivation"] = rj.Derivation
	if rj.Minutes != nil {
		props["minutes"] = *rj.Minutes
		if rj.Mode != "" {
			props["mode"] = rj.Mode
		}
		props["speed_kmh"] = *rj.SpeedKmh
		props["circuity"] = *rj.Circuity
	}
	if id != "" {
		props["station_id"] = id
	}
	return newFeature("", geojson.NewGeometry(g), props).withMembers(queryMember{cv.echo()})
}

// circle answers GET /v1/circle: the service circle around (lon, lat).
// Without radius_m or minutes it is the 15-minute walking circle.
func (s *Server) circle(c *fiber.Ctx) error {
	q, err := parseQuery(c, append([]string{"lon", "lat", crsParam}, reachParams...)...)
	if err != nil {
		return err
	}
	p, err := q.point()
	if err != nil {
		return err
	}
	r, err := q.reach()
	if err != nil {
		return err
	}
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	f := circleFeature(cv.in(p), r, "", cv).withMembers(queryMember{cv.echoPoint(p)})
	return send(c, mediaGeoJSON, cacheStatic, f)
}

// stationCircle answers GET /v1/stations/{id}/circle: the service circle
// around a record.
func (s *Server) stationCircle(c *fiber.Ctx) error {
	q, err := parseQuery(c, append([]string{crsParam}, reachParams...)...)
	if err != nil {
		return err
	}
	r, err := q.reach()
	if err != nil {
		return err
	}
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	snap, err := s.snapshot(c)
	if err != nil {
		return err
	}
	st, err := s.lookup(c, snap)
	if err != nil {
		return err
	}
	return send(c, mediaGeoJSON, cacheData, circleFeature(st.Location, r, st.ID, cv))
}
