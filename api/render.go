package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	"yizhan/geo"
)

// Media types and cache policies of responses.
const (
	mediaGeoJSON = "application/geo+json"
	mediaJSON    = "application/json"

	// cacheData is for answers read from the catalog: short, because a
	// write is visible in every replica within a second or so and because
	// open_now answers change with the clock.
	cacheData = "public, max-age=5"
	// cacheStatic is for answers that depend on the request alone
	// (/v1/circle) or on the binary (reference layers).
	cacheStatic = "public, max-age=3600"
	// cacheNone is for health checks and problems.
	cacheNone = "no-store"
)

// pointGeometry is a GeoJSON Point, [lon, lat] rounded to 7 decimals (about 1 cm).
type pointGeometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

func newPoint(p orb.Point) pointGeometry {
	return pointGeometry{Type: "Point", Coordinates: lonLat(p)}
}

func lonLat(p orb.Point) [2]float64 { return [2]float64{round7(p[0]), round7(p[1])} }

// feature is a GeoJSON Feature as the API answers it, with a string id.
// There is one kind of feature and one way to render it (appendFeature in
// encode.go): sent alone, inside a collection, or given to json.Marshal
// (MarshalJSON), it writes the same bytes. A feature of a record
// (recordFeature, recordFeatures, resultFeatures) holds the record and
// writes its properties straight from it, without a map per record; any
// other (newFeature) holds its geometry and properties. Properties can be
// added to every feature (with).
type feature struct {
	id      string
	geom    any            // the geometry; nil: the record's point at at, or null without a record
	rec     *data.Station  // the record whose properties are written, if any
	plain   data.PlainText // rec's texts known to be plain JSON (catalog.Record.Plain)
	at      orb.Point      // where the record is drawn: its location, or that converted to the request's CRS
	lang    string         // the language of the record's name
	found   bool           // the record was found from a query point: write distance_m and bearing_deg
	meters  float64        // distance_m, rounded, when found
	bearing float64        // bearing_deg, rounded, when found
	props   []extraProp    // sorted by key, keys unique; a key the record (or found) has is replaced
	members any            // foreign members (RFC 7946 §6.1), an object written after properties; nil for none
}

// newFeature is a feature of any geometry (pointGeometry, lineGeometry,
// polygonGeometry, an orb geojson.Geometry, ...) and properties.
func newFeature(id string, geom any, props map[string]any) feature {
	ps := make([]extraProp, 0, len(props))
	for k, v := range props {
		ps = append(ps, anyProp(k, v))
	}
	slices.SortFunc(ps, func(a, b extraProp) int { return strings.Compare(a.key, b.key) })
	return feature{id: id, geom: geom, props: ps}
}

// recordFeature is the feature of a record, with its name in lang.
func recordFeature(st *data.Station, lang string) feature {
	return feature{id: st.ID, rec: st, at: st.Location, lang: lang}
}

// recordFeatures is recordFeature of each record.
func recordFeatures(sts []*data.Station, lang string) []feature {
	out := make([]feature, len(sts))
	for i, st := range sts {
		out[i] = recordFeature(st, lang)
	}
	return out
}

// resultFeatures renders records found from a query point, adding
// distance_m (0.1 m) and bearing_deg (0.1°, [0, 360)).
func resultFeatures(rs []catalog.Result, lang string) []feature {
	out := make([]feature, len(rs))
	for i, r := range rs {
		out[i] = foundFeature(r.Station, lang, r.Meters, r.Bearing)
	}
	return out
}

// foundFeature is the feature of a record found from a query point at
// meters and bearing (degrees), rounded as answers give them.
func foundFeature(st *data.Station, lang string, meters, bearing float64) feature {
	b := round1(bearing)
	if b >= 360 {
		b -= 360
	}
	f := recordFeature(st, lang)
	f.found, f.meters, f.bearing = true, round1(meters), b
	return f
}

// answer is the memory a search answer is rendered from: the slots found,
// the records read from the snapshot's store and their features. It is
// pooled, so that the hot searches read and render records without an
// allocation per record; it must go back (putAnswer) only once the
// answer is encoded, since the features point into it.
type answer struct {
	hits  []geo.Hit
	slots []uint32
	recs  []catalog.Record
	feats []feature
}

var answers = sync.Pool{New: func() any { return new(answer) }}

// maxPooledRecords bounds the records an answer keeps in the pool.
const maxPooledRecords = 1024

func getAnswer() *answer { return answers.Get().(*answer) }

func putAnswer(a *answer) {
	if cap(a.recs) > maxPooledRecords {
		return
	}
	// Drop what the records point to (a store a newer snapshot may have
	// replaced); entries past len were cleared when they were last used.
	clear(a.feats)
	clear(a.recs)
	a.hits, a.slots, a.feats, a.recs = a.hits[:0], a.slots[:0], a.feats[:0], a.recs[:0]
	answers.Put(a)
}

// records makes room for n records and features.
func (a *answer) records(n int) {
	a.recs = slices.Grow(a.recs[:0], n)[:n]
	a.feats = slices.Grow(a.feats[:0], max(n, 1))[:n] // never nil: an answer's features are an array
}

// found renders a.hits, found from p, as resultFeatures renders results.
func (a *answer) found(snap *catalog.Snapshot, p orb.Point, lang string) []feature {
	a.records(len(a.hits))
	snap.Prefetch(a.hits)
	for i, h := range a.hits {
		st := snap.Load(h.Slot, &a.recs[i])
		a.feats[i] = foundFeature(st, lang, h.Meters, geo.Bearing(p, st.Location))
		a.feats[i].plain = a.recs[i].Plain(st)
	}
	return a.feats
}

// page renders a.slots as recordFeatures renders records.
func (a *answer) page(snap *catalog.Snapshot, lang string) []feature {
	a.records(len(a.slots))
	for i, slot := range a.slots {
		st := snap.Load(slot, &a.recs[i])
		a.feats[i] = recordFeature(st, lang)
		a.feats[i].plain = a.recs[i].Plain(st)
	}
	return a.feats
}

// with returns f with ps added, as setting them one by one on a map of
// its properties would: a key set twice keeps the last value, and a key
// the record already has (say "name") is replaced. When f has no props
// yet, ps is kept (sorted in place), not copied, so that callers building
// many features can carve each one's props from one shared slice.
func (f feature) with(ps ...extraProp) feature {
	if len(f.props) > 0 {
		ps = append(slices.Clip(f.props), ps...)
	}
	// Stable, so that of two props with one key the later stays later;
	// then keep the last of each run of equal keys.
	slices.SortStableFunc(ps, func(a, b extraProp) int { return strings.Compare(a.key, b.key) })
	out := ps[:0]
	for i, p := range ps {
		if i+1 < len(ps) && ps[i+1].key == p.key {
			continue
		}
		out = append(out, p)
	}
	f.props = out
	return f
}

// withMembers returns f with foreign members m: a struct or map that
// encoding/json writes as an object, its members written after properties.
func (f feature) withMembers(m any) feature {
	f.members = m
	return f
}

// MarshalJSON writes f as send does.
func (f feature) MarshalJSON() ([]byte, error) { return appendFeature(nil, &f) }

// queryMember is the foreign member "query" of a feature: the query as
// understood, with the CRS of its coordinates.
type queryMember struct {
	Query any `json:"query"`
}

// extraProp is one property of a feature: a key and a number, a string or any
// other value, rendered as json.Marshal renders a float64, int, string or
// that value.
type extraProp struct {
	key  string
	kind propKind
	f    float64
	i    int64
	s    string
	v    any
}

type propKind uint8

const (
	propFloat propKind = iota
	propInt
	propString
	propAny
)

func floatProp(key string, v float64) extraProp { return extraProp{key: key, kind: propFloat, f: v} }
func intProp(key string, v int) extraProp       { return extraProp{key: key, kind: propInt, i: int64(v)} }
func stringProp(key, v string) extraProp        { return extraProp{key: key, kind: propString, s: v} }

// anyProp is the extraProp of a value of any type.
func anyProp(key string, v any) extraProp {
	switch v := v.(type) {
	case float64:
		return floatProp(key, v)
	case int:
		return intProp(key, v)
	case string:
		return stringProp(key, v)
	}
	return extraProp{key: key, kind: propAny, v: v}
}

// jsonAppender is a response that renders itself with the append encoder
// of encode.go. send uses it for answers that hold features.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// link is an OGC-style hypermedia link.
type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
	Type string `json:"type"`
}

// featureCollection is a GeoJSON FeatureCollection with the foreign members
// yizhan adds: counts as in OGC API Features, paging links, and the query
// as understood (radius used and how it was derived).
type featureCollection struct {
	Type           string    `json:"type"`
	Features       []feature `json:"features"`
	NumberMatched  *int      `json:"numberMatched,omitempty"`
	NumberReturned int       `json:"numberReturned"`
	Links          []link    `json:"links,omitempty"`
	Method         string    `json:"method,omitempty"` // how distances and times were found (plan.MethodNetwork, plan.MethodStraightLine)
	Query          any       `json:"query,omitempty"`
}

// collection is a GeoJSON FeatureCollection with foreign members of any
// shape: members, a struct (or map) that encoding/json writes as an
// object, its members written after the features. The planner answers
// and OGC pages use it.
type collection struct {
	features []feature
	members  any
}

// MarshalJSON writes c as send does.
func (c collection) MarshalJSON() ([]byte, error) { return c.appendJSON(nil) }

// reachJSON says which radius was used and how it was derived. The travel
// fields are absent when the radius was given directly.
type reachJSON struct {
	RadiusM    float64  `json:"radius_m"`
	Minutes    *float64 `json:"minutes,omitempty"`
	Mode       string   `json:"mode,omitempty"`
	SpeedKmh   *float64 `json:"speed_kmh,omitempty"`
	Circuity   *float64 `json:"circuity,omitempty"`
	Derivation string   `json:"derivation"`
}

// appendMembers appends the members of r, each after a comma, as
// json.Marshal writes them.
func (r reachJSON) appendMembers(b []byte) ([]byte, error) {
	b = append(b, `,"radius_m":`...)
	b, err := appendFloat(b, r.RadiusM)
	if err != nil {
		return b, err
	}
	for _, m := range [...]struct {
		key string
		v   *float64
		s   string
	}{{key: `,"minutes":`, v: r.Minutes}, {key: `,"mode":`, s: r.Mode}, {key: `,"speed_kmh":`, v: r.SpeedKmh}, {key: `,"circuity":`, v: r.Circuity}} {
		switch {
		case m.v != nil:
			b = append(b, m.key...)
			if b, err = appendFloat(b, *m.v); err != nil {
				return b, err
			}
		case m.s != "":
			b = append(b, m.key...)
			b = appendString(b, m.s)
		}
	}
	b = append(b, `,"derivation":`...)
	return appendString(b, r.Derivation), nil
}

func newReachJSON(r geo.Reach) reachJSON {
	out := reachJSON{RadiusM: round1(r.Radius()), Derivation: r.Derivation()}
	if r.Minutes > 0 {
		m, v, c := r.Minutes, r.SpeedKmh, r.Circuity
		out.Minutes, out.Mode, out.SpeedKmh, out.Circuity = &m, r.Mode, &v, &c
	}
	return out
}

// send writes v as JSON with the given media type and cache policy.
// FeatureCollections, Features and collections go through the
// append encoder of encode.go into a pooled buffer; anything else through
// encoding/json. Both write the same bytes.
func send(c *fiber.Ctx, media, cache string, v any) error {
	var (
		body []byte
		err  error
		buf  *[]byte
	)
	switch v := v.(type) {
	case featureCollection, *featureCollection, feature, *feature, jsonAppender:
		buf = getBuf()
		defer putBuf(buf)
		body, err = appendResponse((*buf)[:0], v)
		*buf = body
	default:
		body, err = json.Marshal(v)
	}
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	setAnswerHeaders(c, media, cache)
	if buf == nil {
		return c.Send(body)
	}
	// SetBody copies into the response's own (pooled) buffer, so ours can
	// go back to the pool; c.Send would keep a reference to it.
	c.Response().SetBody(body)
	return nil
}

// sendCollection is send of a FeatureCollection, for the searches: fc
// does not escape, so the collection costs no allocation. A query, when
// fc has no Query, is its query member already written: the searches
// write their echo into memory of their own, so that it costs no
// allocation either (an echo in Query is boxed on the heap).
func sendCollection(c *fiber.Ctx, media, cache string, fc *featureCollection, query []byte) error {
	// The answer is written straight into the response's own body memory
	// (SwapBody takes it and gives it back), not into a buffer of ours
	// that SetBody would then copy.
	r := c.Response()
	body, err := appendFeatureCollectionQuery(r.SwapBody(nil)[:0], fc, query)
	r.SwapBody(body)
	if err != nil {
		r.ResetBody()
		return fmt.Errorf("encode response: %w", err)
	}
	setAnswerHeaders(c, media, cache)
	return nil
}

// cacheControlName is the canonical name of the Cache-Control header.
var cacheControlName = []byte(fiber.HeaderCacheControl)

// setAnswerHeaders sets the media type and cache policy of an answer, as
// c.Set does, without normalizing the header names on every request.
func setAnswerHeaders(c *fiber.Ctx, media, cache string) {
	h := &c.Response().Header
	h.SetContentType(media)
	h.SetCanonical(cacheControlName, []byte(cache))
}
