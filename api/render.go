package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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

// feature is a GeoJSON Feature with a string id.
//
// A feature made by resultFeatures or recordFeatures is lazy: it holds its
// record (rec) instead of Geometry and Properties, and send renders it
// straight from the record with the encoder in encode.go, which skips
// building a map per record. Lazy features must reach the client through
// send, as a featureCollection or a feature; encoding/json alone would
// render them with null geometry and properties.
type feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty"`
	Geometry   any            `json:"geometry"`
	Properties map[string]any `json:"properties"`
	// Query is a foreign member (RFC 7946 §6.1) of a Feature answered on
	// its own: the query as understood, with the CRS of its coordinates.
	Query any `json:"query,omitempty"`

	rec     *data.Station // set only on lazy features
	at      orb.Point     // where a lazy feature is drawn, when shifted
	shifted bool          // at replaces rec.Location (another CRS than WGS 84)
	lang    string        // name language of a lazy feature
	found   bool          // a lazy feature carries distance_m and bearing_deg
	meters  float64       // distance from the query point, when found
	bearing float64       // degrees from north, when found
	extra   []extraProp   // extra properties of a lazy feature, sorted by key, keys unique
}

// extraProp is one extra property of a lazy feature: a key and a number or a
// string, rendered as json.Marshal renders a float64, int or string.
type extraProp struct {
	key  string
	kind propKind
	f    float64
	i    int64
	s    string
}

type propKind uint8

const (
	propFloat propKind = iota
	propInt
	propString
)

func floatProp(key string, v float64) extraProp { return extraProp{key: key, kind: propFloat, f: v} }
func intProp(key string, v int) extraProp       { return extraProp{key: key, kind: propInt, i: int64(v)} }
func stringProp(key, v string) extraProp        { return extraProp{key: key, kind: propString, s: v} }

// withProps adds ps to the lazy feature f, as setting them on the
// Properties map of its eager form would: a key set twice keeps the last
// value, and a key the record already has (say "name") is replaced. ps is
// kept (sorted in place), not copied; callers building many features can
// carve each one's props from one shared slice.
func withProps(f feature, ps []extraProp) feature {
	if f.rec == nil {
		panic("api: withProps on a feature that is not lazy")
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
	f.extra = out
	return f
}

// jsonAppender is a response that renders itself with the append encoder
// of encode.go, the same bytes json.Marshal would write for its eager
// form. send uses it for answers that hold lazy features.
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
	Query          any       `json:"query,omitempty"`
}

// stationFeature renders a record with its name in lang.
func stationFeature(st *data.Station, lang string) feature {
	props := st.Properties() // a new map, ours to add to
	props["name"] = st.Names.In(lang)
	return feature{Type: "Feature", ID: st.ID, Geometry: newPoint(st.Location), Properties: props}
}

// stationFeatureIn renders a record as stationFeature does, at its
// position in the request's CRS.
func stationFeatureIn(st *data.Station, lang string, cv coords) feature {
	f := stationFeature(st, lang)
	if !cv.wgs84() {
		f.Geometry = newPoint(cv.out(st.Location))
	}
	return f
}

// resultFeature renders a record found from a query point, adding
// distance_m (0.1 m) and bearing_deg (0.1°, [0, 360)).
func resultFeature(r catalog.Result, lang string) feature {
	f := stationFeature(r.Station, lang)
	f.Properties["distance_m"] = round1(r.Meters)
	b := round1(r.Bearing)
	if b >= 360 {
		b -= 360
	}
	f.Properties["bearing_deg"] = b
	return f
}

// resultFeatures renders results as resultFeature does, lazily: the
// features have no Properties map to add to (see feature) and are
// rendered by send.
func resultFeatures(rs []catalog.Result, lang string) []feature {
	out := make([]feature, len(rs))
	for i, r := range rs {
		out[i] = feature{Type: "Feature", ID: r.Station.ID, rec: r.Station, lang: lang, found: true, meters: r.Meters, bearing: r.Bearing}
	}
	return out
}

// recordFeature renders st as stationFeature does, lazily (see feature).
func recordFeature(st *data.Station, lang string) feature {
	return feature{Type: "Feature", ID: st.ID, rec: st, lang: lang}
}

// recordFeatures renders records as stationFeature does, lazily: the
// features have no Properties map to add to (see feature) and are
// rendered by send. Paged lists that add no properties should use it.
func recordFeatures(sts []*data.Station, lang string) []feature {
	out := make([]feature, len(sts))
	for i, st := range sts {
		out[i] = feature{Type: "Feature", ID: st.ID, rec: st, lang: lang}
	}
	return out
}

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

func newReachJSON(r geo.Reach) reachJSON {
	out := reachJSON{RadiusM: round1(r.Radius()), Derivation: r.Derivation()}
	if r.Minutes > 0 {
		m, v, c := r.Minutes, r.SpeedKmh, r.Circuity
		out.Minutes, out.Mode, out.SpeedKmh, out.Circuity = &m, r.Mode, &v, &c
	}
	return out
}

// send writes v as JSON with the given media type and cache policy.
// FeatureCollections and Features (lazy ones included) go through the
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
	c.Set(fiber.HeaderContentType, media)
	c.Set(fiber.HeaderCacheControl, cache)
	if buf == nil {
		return c.Send(body)
	}
	// SetBody copies into the response's own (pooled) buffer, so ours can
	// go back to the pool; c.Send would keep a reference to it.
	c.Response().SetBody(body)
	return nil
}
