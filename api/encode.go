package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"yizhan/data"
)

// This file is a hand-written, append-style GeoJSON encoder for records.
// The hot read endpoints (nearest, within) answer small FeatureCollections
// thousands of times a second; encoding/json over the map of
// (*data.Station).Properties spent more time than the search itself. The
// encoder writes the same bytes json.Marshal wrote for those maps (keys in
// sorted order, HTML-safe string escapes, the same float format), so
// clients see no change; encode_test.go holds it to that byte for byte.

// errNonFinite is data's error for a NaN or infinite number, which JSON
// cannot carry (json.Marshal refuses them too).
var errNonFinite = data.ErrNonFinite

// bufPool holds response buffers, so that a steady load encodes without
// allocating. Buffers that grew past maxPooledBuf (a huge page of
// features) are dropped rather than pinned in the pool.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

const maxPooledBuf = 1 << 20 // bytes

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// appendResponse appends v, a featureCollection or feature (or a pointer
// to one), or a jsonAppender, as json.Marshal would.
func appendResponse(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case featureCollection:
		return appendFeatureCollection(b, &v)
	case *featureCollection:
		return appendFeatureCollection(b, v)
	case feature:
		return appendFeature(b, &v)
	case *feature:
		return appendFeature(b, v)
	case jsonAppender:
		return v.appendJSON(b)
	}
	return appendMarshal(b, v)
}

// appendFeatures appends fs as a JSON array; nil is null.
func appendFeatures(b []byte, fs []feature) ([]byte, error) {
	if fs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendFeature(b, &fs[i]); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendFeatureCollection appends fc as json.Marshal would.
func appendFeatureCollection(b []byte, fc *featureCollection) ([]byte, error) {
	return appendFeatureCollectionQuery(b, fc, nil)
}

// appendFeatureCollectionQuery is appendFeatureCollection with, when fc
// has no Query, query (if any) as the query member, already written.
func appendFeatureCollectionQuery(b []byte, fc *featureCollection, query []byte) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, fc.Type)
	b = append(b, `,"features":`...)
	b, err := appendFeatures(b, fc.Features)
	if err != nil {
		return b, err
	}
	if fc.NumberMatched != nil {
		b = append(b, `,"numberMatched":`...)
		b = strconv.AppendInt(b, int64(*fc.NumberMatched), 10)
	}
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(fc.NumberReturned), 10)
	if len(fc.Links) > 0 {
		b = append(b, `,"links":[`...)
		for i, l := range fc.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"rel":`...)
			b = appendString(b, l.Rel)
			b = append(b, `,"href":`...)
			b = appendString(b, l.Href)
			b = append(b, `,"type":`...)
			b = appendString(b, l.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if fc.Method != "" {
		b = append(b, `,"method":`...)
		b = appendString(b, fc.Method)
	}
	if fc.Query == nil && query != nil {
		b = append(b, `,"query":`...)
		b = append(b, query...)
	}
	if fc.Query != nil {
		b = append(b, `,"query":`...)
		if q, ok := fc.Query.(jsonAppender); ok {
			b, err = q.appendJSON(b)
		} else {
			b, err = appendMarshal(b, fc.Query)
		}
		if err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendJSON appends c: its features, then its foreign members.
func (c collection) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"type":"FeatureCollection","features":`...)
	if c.features == nil {
		c.features = []feature{}
	}
	b, err := appendFeatures(b, c.features)
	if err != nil {
		return b, err
	}
	if b, err = appendMembers(b, c.members); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendMembers appends the members of m, a value encoding/json writes as
// an object, each after a comma: the one place where members are spliced
// into an object being written. A nil m or an empty object adds nothing.
func appendMembers(b []byte, m any) ([]byte, error) {
	if m == nil {
		return b, nil
	}
	n := len(b)
	b, err := appendMarshal(b, m)
	if err != nil {
		return b, err
	}
	obj := b[n:]
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return b[:n], fmt.Errorf("foreign members of %T are not a JSON object", m)
	}
	if len(obj) == 2 {
		return b[:n], nil
	}
	obj[0] = ',' // the object's members, after a comma
	return b[:len(b)-1], nil
}

// appendFeature appends f: its geometry, its record's properties merged
// with its props in sorted key order, then its foreign members.
func appendFeature(b []byte, f *feature) ([]byte, error) {
	b = append(b, `{"type":"Feature"`...)
	if f.id != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, f.id)
	}
	b = append(b, `,"geometry":`...)
	var err error
	switch g := f.geom.(type) {
	case nil:
		if f.rec != nil {
			b, err = appendLonLat(b, f.at)
		} else {
			b = append(b, "null"...)
		}
	case pointGeometry:
		b, err = appendPoint(b, g.Coordinates)
	case lineGeometry:
		b, err = appendLine(b, &g)
	default:
		b, err = appendMarshal(b, g)
	}
	if err != nil {
		return b, err
	}
	b = append(b, `,"properties":{`...)
	w := propWriter{b: b, extra: f.props}
	if f.rec != nil {
		appendRecordProps(&w, f)
	}
	w.flush("")
	if w.err != nil {
		return w.b, w.err
	}
	b = append(w.b, '}')
	if b, err = appendMembers(b, f.members); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// jsonEncoder is an encoding/json Encoder with its buffer, pooled so that
// the small values the encoder hands to encoding/json (the query echo)
// cost no allocation for the output.
type jsonEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonEncoders = sync.Pool{New: func() any {
	e := &jsonEncoder{}
	e.enc = json.NewEncoder(&e.buf) // HTML-safe, as json.Marshal
	return e
}}

// appendMarshal appends v encoded by encoding/json, the same bytes as
// json.Marshal.
func appendMarshal(b []byte, v any) ([]byte, error) {
	e := jsonEncoders.Get().(*jsonEncoder)
	defer func() {
		if e.buf.Cap() <= maxPooledBuf {
			jsonEncoders.Put(e)
		}
	}()
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(e.buf.Bytes(), []byte{'\n'})...), nil
}

// appendPoint appends a GeoJSON Point geometry with the given (already
// rounded) coordinates.
func appendPoint(b []byte, c [2]float64) ([]byte, error) {
	b = append(b, `{"type":"Point","coordinates":[`...)
	var err error
	if b, err = appendFloat(b, c[0]); err != nil {
		return b, err
	}
	b = append(b, ',')
	if b, err = appendFloat(b, c[1]); err != nil {
		return b, err
	}
	return append(b, "]}"...), nil
}

// appendLonLat appends a GeoJSON Point geometry at p rounded to 7
// decimals: appendPoint(b, lonLat(p)), rounding each coordinate once
// instead of once in round7 and again in appendFloat.
func appendLonLat(b []byte, p [2]float64) ([]byte, error) {
	b = append(b, `{"type":"Point","coordinates":[`...)
	var err error
	if b, err = appendRounded7(b, p[0]); err != nil {
		return b, err
	}
	b = append(b, ',')
	if b, err = appendRounded7(b, p[1]); err != nil {
		return b, err
	}
	return append(b, "]}"...), nil
}

// appendRounded7 appends round7(v) as appendFloat does. The quotient
// n/1e7 is the float nearest to n/10⁷, which is what appendFloat checks
// before it writes n itself.
func appendRounded7(b []byte, v float64) ([]byte, error) {
	n := math.Round(v * 1e7)
	f := n / 1e7
	if a := math.Abs(f); a >= 1e-6 && a < 1e8 {
		return appendDecimal7(b, int64(n)), nil
	}
	return data.AppendJSONFloat(b, f)
}

// appendRecordProps writes the properties of f's record, with its name in
// f.lang (and, when f.found, distance_m and bearing_deg), through w: the
// record's members come from its one JSON form (data.AppendMember, in
// sorted order, HTML-safe), so a new property needs no change here; the
// bytes are those json.Marshal writes for the map of
// (*data.Station).Properties with "name" set.
func appendRecordProps(w *propWriter, f *feature) {
	o := data.FeatureOptions{Lang: f.lang, Sorted: true, EscapeHTML: true, Plain: f.plain}
	keys := recordKeys
	if f.found {
		keys = foundKeys
	}
	for i := range keys {
		k := &keys[i]
		if len(w.extra) == 0 {
			// Nothing left to merge in (a search's features have no
			// props): write the member without looking for a prop.
			switch k.found {
			case foundBearing:
				w.sep()
				w.b = append(w.b, `"bearing_deg":`...)
				w.float(f.bearing)
			case foundDistance:
				w.sep()
				w.b = append(w.b, `"distance_m":`...)
				w.float(f.meters)
			default:
				w.member(f.rec, &k.Member, &o)
			}
			continue
		}
		switch k.found {
		case foundBearing:
			if w.key(k.Name) {
				w.float(f.bearing)
			}
		case foundDistance:
			if w.key(k.Name) {
				w.float(f.meters)
			}
		default:
			w.flush(k.Name)
			if len(w.extra) > 0 && w.extra[0].key == k.Name { // a prop replaces the member
				w.sep()
				w.writeProp(w.extra[0])
				w.extra = w.extra[1:]
				continue
			}
			w.member(f.rec, &k.Member, &o)
		}
	}
}

// member writes the record's member m, unless it is left out (empty and
// optional).
func (w *propWriter) member(st *data.Station, m *data.Member, o *data.FeatureOptions) {
	mark := len(w.b)
	if w.comma {
		w.b = append(w.b, ',')
	}
	var ok bool
	if w.b, ok = st.AppendMember(w.b, m, o); ok {
		w.comma = true
	} else {
		w.b = w.b[:mark]
	}
}

// propKey is a member of a record's properties as a feature writes it:
// one of the record's own, or one a found feature adds (found).
type propKey struct {
	data.Member
	found foundMember
}

// foundMember says which member a found feature adds, if any.
type foundMember uint8

const (
	recordMember foundMember = iota
	foundBearing
	foundDistance
)

// recordKeys are a record's members in sorted order; foundKeys add the
// members of a record found from a query point.
var recordKeys, foundKeys = func() (rec, found []propKey) {
	for _, m := range data.SortedMembers() {
		rec = append(rec, propKey{Member: m})
	}
	found = append(slices.Clone(rec), propKey{Member: data.Member{Name: "bearing_deg"}, found: foundBearing}, propKey{Member: data.Member{Name: "distance_m"}, found: foundDistance})
	slices.SortFunc(found, func(a, b propKey) int { return strings.Compare(a.Name, b.Name) })
	return rec, found
}()

// propWriter writes the members of a properties object in sorted key
// order, merging a feature's extra props (sorted, unique keys) in among
// the record's own keys, which its caller hands to key in sorted order.
type propWriter struct {
	b     []byte
	extra []extraProp // not yet written
	comma bool        // a member has been written
	err   error       // the first error: a non-finite number, or a value encoding/json refuses
}

// key writes the extra props that sort before k, then, unless an extra
// prop replaces k, the member name k; it reports whether the caller is to
// write k's value. k is a plain ASCII name that JSON does not escape.
func (w *propWriter) key(k string) bool {
	w.flush(k)
	w.sep()
	if len(w.extra) > 0 && w.extra[0].key == k {
		w.writeProp(w.extra[0])
		w.extra = w.extra[1:]
		return false
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	return true
}

func (w *propWriter) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
}

// flush writes the extra props with keys before k; all of them when k is "".
func (w *propWriter) flush(k string) {
	for len(w.extra) > 0 && (k == "" || w.extra[0].key < k) {
		w.sep()
		w.writeProp(w.extra[0])
		w.extra = w.extra[1:]
	}
}

func (w *propWriter) writeProp(p extraProp) {
	w.b = appendString(w.b, p.key)
	w.b = append(w.b, ':')
	switch p.kind {
	case propString:
		w.b = appendString(w.b, p.s)
	case propInt:
		w.b = strconv.AppendInt(w.b, p.i, 10)
	case propFloat:
		w.float(p.f)
	default:
		var err error
		if w.b, err = appendMarshal(w.b, p.v); err != nil && w.err == nil {
			w.err = err
		}
	}
}

func (w *propWriter) float(f float64) {
	var err error
	if w.b, err = appendFloat(w.b, f); err != nil && w.err == nil {
		w.err = err
	}
}

// appendLine appends a GeoJSON LineString geometry with the given
// (already rounded) coordinates, as json.Marshal writes lineGeometry.
func appendLine(b []byte, g *lineGeometry) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, g.Type)
	b = append(b, `,"coordinates":`...)
	if g.Coordinates == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	var err error
	for i, c := range g.Coordinates {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		if b, err = appendFloat(b, c[0]); err != nil {
			return b, err
		}
		b = append(b, ',')
		if b, err = appendFloat(b, c[1]); err != nil {
			return b, err
		}
		b = append(b, ']')
	}
	return append(b, "]}"...), nil
}

// appendFloat appends f as encoding/json writes a float64 (data's one
// writer of JSON numbers, data.AppendJSONFloat). Nearly every number an
// answer holds is rounded to 7 decimals (coordinates) or 1 (meters,
// degrees), and those are written without strconv's search for the
// shortest digits, a fifth of a nearest answer's rendering: when f is the
// float nearest to n/10⁷ for an integer n and 1e-6 ≤ |f| < 1e8, the
// shortest decimal that reads back as f is n/10⁷ itself with its trailing
// zeros dropped. Any other decimal of at most 7 decimals is at least 1e-7
// from it, while below 1e8 half a unit in the last place of f is under
// 1.5e-8, so none of those reads back as f, and one of more decimals has
// more digits. (Below 1e-6 encoding/json writes an exponent.)
func appendFloat(b []byte, f float64) ([]byte, error) {
	if a := math.Abs(f); a >= 1e-6 && a < 1e8 {
		if n := math.Round(f * 1e7); n/1e7 == f {
			return appendDecimal7(b, int64(n)), nil
		}
	}
	return data.AppendJSONFloat(b, f)
}

// appendDecimal7 appends n/10⁷ in plain decimal notation without trailing
// zeros ("-12.5", "100.3461034", "510"). The seven decimals are written
// two at a time from a table of digit pairs, the few divisions by
// constants the compiler turns into multiplications.
func appendDecimal7(b []byte, n int64) []byte {
	u := uint64(n)
	if n < 0 {
		b = append(b, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	b = appendUint(b, u/1e7)
	frac := u % 1e7
	if frac == 0 {
		return b
	}
	hi, lo := frac/10000, frac%10000 // the first three decimals, the last four
	d := [8]byte{'.', byte('0' + hi/100)}
	d[2], d[3] = digitPairs[hi%100*2], digitPairs[hi%100*2+1]
	d[4], d[5] = digitPairs[lo/100*2], digitPairs[lo/100*2+1]
	d[6], d[7] = digitPairs[lo%100*2], digitPairs[lo%100*2+1]
	end := len(d)
	for d[end-1] == '0' {
		end--
	}
	return append(b, d[:end]...)
}

// digitPairs holds "00" to "99" back to back.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendUint appends u in decimal: the numbers of answers (degrees,
// meters) have at most a few digits, written from digitPairs.
func appendUint(b []byte, u uint64) []byte {
	switch {
	case u < 10:
		return append(b, byte('0'+u))
	case u < 100:
		return append(b, digitPairs[u*2], digitPairs[u*2+1])
	case u < 1000:
		return append(b, byte('0'+u/100), digitPairs[u%100*2], digitPairs[u%100*2+1])
	}
	return strconv.AppendUint(b, u, 10)
}

// appendString appends s as a JSON string as encoding/json writes it by
// default, HTML-safe (data's one writer of JSON strings).
func appendString(b []byte, s string) []byte { return data.AppendJSONString(b, s, true) }
