package api

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/data/plan"
	"yizhan/geo"
)

// filterParams are the query parameters every station search takes.
var filterParams = []string{"kind", "amenity", "status", "open_now", "open_at", "lang"}

func params(extra ...string) []string { return append(extra, filterParams...) }

// filterJSON echoes the filters applied.
type filterJSON struct {
	Kind    []data.Kind   `json:"kind,omitempty"`
	Amenity []string      `json:"amenity,omitempty"`
	Status  []data.Status `json:"status,omitempty"`
	OpenAt  string        `json:"open_at,omitempty"`
	Lang    string        `json:"lang"`
}

func newFilterJSON(f data.Filter, lang string) filterJSON {
	out := filterJSON{Kind: f.Kinds, Status: f.Statuses, Lang: lang}
	if f.Amenities != 0 {
		out.Amenity = f.Amenities.Names()
	}
	if !f.OpenAt.IsZero() {
		out.OpenAt = f.OpenAt.Format(time.RFC3339)
	}
	return out
}

// The query parameters of the searches, built once: they are checked on
// every request. nearestByTimeOnly are those of nearest that only a search
// by travel time takes.
var (
	nearestParams     = append(params("lon", "lat", "k", "max_distance_m", "by", "minutes", crsParam), travelParams...)
	nearestByTimeOnly = append([]string{"minutes"}, travelParams...)
	withinParams      = append(params("lon", "lat", "radius_m", "minutes", "limit", "by", crsParam), travelParams...)
	stationsParams    = params("bbox", "limit", "offset", crsParam)
)

// nearest answers GET /v1/stations/nearest: the k records nearest to
// (lon, lat) that pass the filters, nearest first, no farther than
// max_distance_m when given.
func (s *Server) nearest(c *fiber.Ctx) error {
	if byTime, err := orderByTime(c); err != nil {
		return err
	} else if byTime {
		return s.nearestByTime(c) // roads.go
	}
	q, err := parseQuery(c, nearestParams...)
	if err != nil {
		return err
	}
	if err := q.onlyByTime(nearestByTimeOnly...); err != nil {
		return err
	}
	p, err := q.point()
	if err != nil {
		return err
	}
	k, err := q.intIn("k", DefaultK, 1, MaxK)
	if err != nil {
		return err
	}
	maxM, err := q.floatIn("max_distance_m", 0, 0, MaxDistanceM, false, " meters")
	if err != nil {
		return err
	}
	f, lang, err := s.searchFilter(q)
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
	a := getAnswer()
	defer putAnswer(a)
	at := cv.in(p)
	a.hits = snap.AppendNearest(a.hits[:0], at, k, maxM, f)
	e := nearestEcho{Lon: p[0], Lat: p[1], K: k, filterJSON: newFilterJSON(f, lang), pointCRS: cv.echoPoint(p)}
	if maxM > 0 {
		e.MaxDistanceM = &maxM
	}
	var echo [echoSize]byte
	query, err := e.appendJSON(echo[:0])
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return sendCollection(c, mediaGeoJSON, cacheData, &featureCollection{
		Type:           "FeatureCollection",
		Features:       cv.outFeatures(a.found(snap, at, lang)),
		NumberReturned: len(a.hits),
		Method:         plan.MethodStraightLine,
	}, query)
}

// within answers GET /v1/stations/within: every record inside the service
// circle around (lon, lat) that passes the filters, nearest first, with the
// radius used and its derivation in "query". At most MaxWithin (or limit)
// features are returned; numberMatched is the full count.
func (s *Server) within(c *fiber.Ctx) error {
	if byTime, err := orderByTime(c); err != nil {
		return err
	} else if byTime {
		return s.withinByTime(c) // roads.go
	}
	q, err := parseQuery(c, withinParams...)
	if err != nil {
		return err
	}
	if err := q.onlyByTime(roadParams...); err != nil {
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
	limit, err := q.intIn("limit", MaxWithin, 1, MaxWithin)
	if err != nil {
		return err
	}
	f, lang, err := s.searchFilter(q)
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
	a := getAnswer()
	defer putAnswer(a)
	at, radius := cv.in(p), r.Radius()
	var matched int
	if radius > 0 {
		// Count first, without collecting; when more match than are
		// returned, the first limit are the limit nearest within radius.
		if matched = snap.CountWithin(at, radius, f); matched > limit {
			a.hits = snap.AppendNearest(a.hits[:0], at, limit, radius, f)
		} else {
			a.hits = snap.AppendWithin(a.hits[:0], at, radius, f)
		}
	} else {
		a.hits = snap.AppendWithin(a.hits[:0], at, radius, f)
		matched = len(a.hits)
		a.hits = a.hits[:min(limit, matched)]
	}
	var echo [echoSize]byte
	query, err := withinEcho{Lon: p[0], Lat: p[1], reachJSON: newReachJSON(r), Limit: limit, filterJSON: newFilterJSON(f, lang), pointCRS: cv.echoPoint(p)}.appendJSON(echo[:0])
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return sendCollection(c, mediaGeoJSON, cacheData, &featureCollection{
		Type:           "FeatureCollection",
		Features:       cv.outFeatures(a.found(snap, at, lang)),
		NumberMatched:  &matched,
		NumberReturned: len(a.hits),
		Method:         plan.MethodStraightLine,
	}, query)
}

// searchFilter parses the filters and lang shared by every search. The
// clock is read only for open_now, the one filter that means it.
func (s *Server) searchFilter(q query) (data.Filter, string, error) {
	var now time.Time
	if q.has("open_now") {
		now = s.now()
	}
	return q.filter(now)
}

// stationID reads the :id path parameter, percent-decoded.
func stationID(c *fiber.Ctx) (string, error) {
	raw := c.Params("id")
	id, err := url.PathUnescape(raw)
	if err != nil {
		return "", &Error{Status: fiber.StatusBadRequest, Param: "id", Detail: "the station id in the path is not valid percent-encoding: " + quote(raw)}
	}
	if !utf8.ValidString(id) {
		return "", &Error{Status: fiber.StatusBadRequest, Param: "id", Detail: "the station id in the path is not valid UTF-8 once percent-decoded: " + quote(raw) + "; percent-encode the id's UTF-8 bytes"}
	}
	return id, nil
}

// lookup finds the record with the :id of the path, or a 404 problem naming it.
func (s *Server) lookup(c *fiber.Ctx, snap *catalog.Snapshot) (*data.Station, error) {
	id, err := stationID(c)
	if err != nil {
		return nil, err
	}
	st, err := snap.Get(id)
	if err != nil {
		return nil, notFound("no station with id %s", quote(id))
	}
	return st, nil
}

// station answers GET /v1/stations/{id}: one record as a Feature.
func (s *Server) station(c *fiber.Ctx) error {
	q, err := parseQuery(c, "lang", crsParam)
	if err != nil {
		return err
	}
	lang, err := q.lang()
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
	if st.Version > 0 {
		etag := ETag(st.Version)
		c.Set(fiber.HeaderETag, etag)
		// A map frontend that re-polls a record it has gets a 304 until
		// the record changes.
		if noneMatch(c.Get(fiber.HeaderIfNoneMatch), etag) {
			c.Set(fiber.HeaderCacheControl, cacheData)
			return c.SendStatus(fiber.StatusNotModified)
		}
	}
	f := cv.outFeatures([]feature{recordFeature(st, lang)})[0]
	return send(c, mediaGeoJSON, cacheData, f.withMembers(queryMember{cv.echo()}))
}

// noneMatch reports whether an If-None-Match header matches etag: "*", or
// a list holding etag in its strong or weak (W/) form.
func noneMatch(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// stations answers GET /v1/stations: the records in bbox (default the
// whole world) that pass the filters, ordered by id and paged with limit
// and offset, with numberMatched and next/prev links.
func (s *Server) stations(c *fiber.Ctx) error {
	q, err := parseQuery(c, stationsParams...)
	if err != nil {
		return err
	}
	b := geo.World()
	bbox, err := q.one("bbox")
	if err != nil {
		return err
	}
	if bbox != "" {
		if b, err = geo.ParseBBox(bbox); err != nil {
			return badParam("bbox", "%v", err)
		}
	}
	cv, err := s.coords(q)
	if err != nil {
		return err
	}
	limit, err := q.intIn("limit", DefaultLimit, 1, MaxLimit)
	if err != nil {
		return err
	}
	offset, err := q.intIn("offset", 0, 0, MaxOffset)
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
	var (
		fs    []feature
		total int
	)
	if cv.wgs84() || bbox == "" {
		a := getAnswer()
		defer putAnswer(a)
		a.slots, total = snap.AppendInBound(a.slots[:0], b, f, offset, limit)
		fs = cv.outFeatures(a.page(snap, lang))
	} else {
		var page []*data.Station
		page, total = inBoundCRS(snap, b, f, offset, limit, cv)
		fs = cv.outFeatures(recordFeatures(page, lang))
	}
	var links []link
	self := c.BaseURL() + c.Path()
	pageLink := func(rel string, off int) link {
		return link{Rel: rel, Href: q.pageURL(self, limit, off), Type: mediaGeoJSON}
	}
	if offset+len(fs) < total {
		links = append(links, pageLink("next", offset+len(fs)))
	}
	if offset > 0 {
		links = append(links, pageLink("prev", max(0, offset-limit)))
	}
	return sendCollection(c, mediaGeoJSON, cacheData, &featureCollection{
		Type:           "FeatureCollection",
		Features:       fs,
		NumberMatched:  &total,
		NumberReturned: len(fs),
		Links:          links,
		Query:          cv.echo(),
	}, nil)
}

// inBoundCRS pages the records whose position in cv's CRS lies in b, a
// box in that CRS, as InBound pages those whose WGS 84 position does. The
// offset moves points by less than geo.MaxOffsetDeg, so every such record
// lies in b widened by that margin in WGS 84: the records there are
// converted and tested one by one (those deep inside b, farther than the
// margin from its edges, need no test), so the answer is exact.
func inBoundCRS(snap *catalog.Snapshot, b orb.Bound, f data.Filter, offset, limit int, cv coords) ([]*data.Station, int) {
	m := geo.MaxOffsetDeg
	wide := orb.Bound{
		Min: orb.Point{math.Max(-180, b.Min[0]-m), math.Max(-90, b.Min[1]-m)},
		Max: orb.Point{math.Min(180, b.Max[0]+m), math.Min(90, b.Max[1]+m)},
	}
	inner := orb.Bound{Min: orb.Point{b.Min[0] + m, b.Min[1] + m}, Max: orb.Point{b.Max[0] - m, b.Max[1] - m}}
	all, _ := snap.InBound(wide, f, 0, -1)
	in := all[:0:0]
	for _, st := range all {
		if inner.Contains(st.Location) || b.Contains(cv.out(st.Location)) {
			in = append(in, st)
		}
	}
	total := len(in)
	if offset >= total {
		return nil, total
	}
	return in[offset:min(total, offset+limit)], total
}

// echoSize is the room a search's query echo is written into on the
// stack: enough for every echo but those with long filter lists, which
// grow it on the heap.
const echoSize = 512

// nearestEcho is the query member of a nearest answer: the query as
// understood. It writes itself (appendJSON) with the bytes json.Marshal
// writes for it, without encoding/json's reflection on every request.
type nearestEcho struct {
	Lon          float64  `json:"lon"`
	Lat          float64  `json:"lat"`
	K            int      `json:"k"`
	MaxDistanceM *float64 `json:"max_distance_m,omitempty"`
	filterJSON
	pointCRS
}

// appendEchoPoint opens a point search's query echo with its point.
func appendEchoPoint(b []byte, lon, lat float64) ([]byte, error) {
	b = append(b, `{"lon":`...)
	b, err := appendFloat(b, lon)
	if err != nil {
		return b, err
	}
	b = append(b, `,"lat":`...)
	return appendFloat(b, lat)
}

func (e nearestEcho) appendJSON(b []byte) ([]byte, error) {
	b, err := appendEchoPoint(b, e.Lon, e.Lat)
	if err != nil {
		return b, err
	}
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(e.K), 10)
	if e.MaxDistanceM != nil {
		b = append(b, `,"max_distance_m":`...)
		if b, err = appendFloat(b, *e.MaxDistanceM); err != nil {
			return b, err
		}
	}
	b = e.filterJSON.appendMembers(b)
	if b, err = e.pointCRS.appendMembers(b); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendMembers appends the members of f, each after a comma, as
// json.Marshal writes them.
func (f filterJSON) appendMembers(b []byte) []byte {
	if len(f.Kind) > 0 {
		b = append(b, `,"kind":`...)
		b = appendStrings(b, f.Kind)
	}
	if len(f.Amenity) > 0 {
		b = append(b, `,"amenity":`...)
		b = appendStrings(b, f.Amenity)
	}
	if len(f.Status) > 0 {
		b = append(b, `,"status":`...)
		b = appendStrings(b, f.Status)
	}
	if f.OpenAt != "" {
		b = append(b, `,"open_at":`...)
		b = appendString(b, f.OpenAt)
	}
	b = append(b, `,"lang":`...)
	return appendString(b, f.Lang)
}

// appendStrings appends ss as a JSON array of strings.
func appendStrings[S ~string](b []byte, ss []S) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(s))
	}
	return append(b, ']')
}

// withinEcho is the query member of a within answer, written as
// nearestEcho is.
type withinEcho struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
	reachJSON
	Limit int `json:"limit"`
	filterJSON
	pointCRS
}

func (e withinEcho) appendJSON(b []byte) ([]byte, error) {
	b, err := appendEchoPoint(b, e.Lon, e.Lat)
	if err != nil {
		return b, err
	}
	if b, err = e.reachJSON.appendMembers(b); err != nil {
		return b, err
	}
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(e.Limit), 10)
	b = e.filterJSON.appendMembers(b)
	if b, err = e.pointCRS.appendMembers(b); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}
