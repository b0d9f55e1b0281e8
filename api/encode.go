package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"yizhan/data"
)

// This file is a hand-written, append-style GeoJSON encoder for records.
// The hot read endpoints (nearest, within) answer small FeatureCollections
// thousands of times a second; encoding/json over the map of
// (*data.Station).Properties spent more time than the search itself. The
// encoder writes the same bytes json.Marshal wrote for those maps (keys in
// sorted order, HTML-safe string escapes, the same float format), so
// clients see no change; encode_test.go holds it to that byte for byte.

// errNonFinite is returned for a NaN or infinite number, which JSON cannot
// carry (json.Marshal refuses them too).
var errNonFinite = errors.New("json: unsupported value: NaN or Inf")

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
// to one), as json.Marshal would.
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
	}
	return appendMarshal(b, v)
}

// appendFeatureCollection appends fc as json.Marshal would, rendering
// records of lazy features (see resultFeatures) directly.
func appendFeatureCollection(b []byte, fc *featureCollection) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, fc.Type)
	b = append(b, `,"features":`...)
	if fc.Features == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range fc.Features {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendFeature(b, &fc.Features[i]); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
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
	if fc.Query != nil {
		b = append(b, `,"query":`...)
		var err error
		if b, err = appendMarshal(b, fc.Query); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendFeature appends f as json.Marshal would. A lazy feature (rec set)
// is rendered from its record; any other goes through encoding/json for
// its geometry and properties.
func appendFeature(b []byte, f *feature) ([]byte, error) {
	if f.rec != nil {
		return appendRecord(b, f.rec, f.lang, f.found, f.meters, f.bearing)
	}
	b = append(b, `{"type":`...)
	b = appendString(b, f.Type)
	if f.ID != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, f.ID)
	}
	b = append(b, `,"geometry":`...)
	var err error
	switch g := f.Geometry.(type) {
	case pointGeometry:
		b, err = appendPoint(b, g.Coordinates)
	case nil:
		b = append(b, "null"...)
	default:
		b, err = appendMarshal(b, g)
	}
	if err != nil {
		return b, err
	}
	b = append(b, `,"properties":`...)
	if f.Properties == nil {
		b = append(b, "null"...)
	} else if b, err = appendMarshal(b, f.Properties); err != nil {
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

// appendRecord appends st as a GeoJSON Feature with its name in lang, the
// same bytes json.Marshal writes for stationFeature(st, lang) or, when
// found, resultFeature for a result meters away at bearing degrees.
// Property keys are written in sorted order, as json.Marshal writes a map.
func appendRecord(b []byte, st *data.Station, lang string, found bool, meters, bearing float64) ([]byte, error) {
	b = append(b, `{"type":"Feature"`...)
	if st.ID != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, st.ID)
	}
	b = append(b, `,"geometry":`...)
	var err error
	if b, err = appendPoint(b, lonLat(st.Location)); err != nil {
		return b, err
	}
	b = append(b, `,"properties":{`...)
	// The first key needs no comma; "amenities" is always present and only
	// "address" sorts before it.
	if st.Address != "" {
		b = append(b, `"address":`...)
		b = appendString(b, st.Address)
		b = append(b, ',')
	}
	b = append(b, `"amenities":[`...)
	first := true
	for i, a := range data.Amenities {
		if st.Amenities&(1<<i) == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, string(a))
	}
	b = append(b, ']')
	b = appendOptInt(b, `,"area_m2":`, st.AreaM2)
	if found {
		bd := round1(bearing)
		if bd >= 360 {
			bd -= 360
		}
		b = append(b, `,"bearing_deg":`...)
		if b, err = appendFloat(b, bd); err != nil {
			return b, err
		}
	}
	b = appendOptInt(b, `,"beds":`, st.Beds)
	b = appendOptInt(b, `,"capacity_per_day":`, st.CapacityPerDay)
	if found {
		b = append(b, `,"distance_m":`...)
		if b, err = appendFloat(b, round1(meters)); err != nil {
			return b, err
		}
	}
	b = append(b, `,"kind":`...)
	b = appendString(b, string(st.Kind))
	b = append(b, `,"languages":`...)
	b = appendStrings(b, st.Languages)
	b = append(b, `,"name":`...)
	b = appendString(b, st.Names.In(lang))
	b = append(b, `,"names":`...)
	b = appendNames(b, st.Names)
	b = appendOptString(b, `,"opening_hours":`, st.OpeningHours)
	b = appendOptString(b, `,"operator":`, st.Operator)
	b = appendOptString(b, `,"phone":`, st.Phone)
	if p := st.Port; p != nil {
		b = append(b, `,"port":{"country":`...)
		b = appendString(b, p.Country)
		b = appendOptString(b, `,"hours":`, p.Hours)
		b = append(b, `,"modes":`...)
		b = appendStrings(b, p.Modes)
		b = append(b, '}')
	}
	b = appendOptString(b, `,"region":`, st.Region)
	b = append(b, `,"source":`...)
	b = appendString(b, st.Source)
	b = append(b, `,"status":`...)
	b = appendString(b, string(st.Status))
	b = appendOptString(b, `,"timezone":`, st.TimeZone)
	b = appendOptInt(b, `,"truck_parking_spaces":`, st.TruckParkingSpaces)
	if !st.UpdatedAt.IsZero() {
		b = append(b, `,"updated_at":"`...)
		// RFC 3339 output holds only digits, letters and -:.+, none of
		// which JSON escapes.
		b = st.UpdatedAt.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if st.Version != 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, st.Version, 10)
	}
	return append(b, "}}"...), nil
}

// appendNames appends n as json.Marshal writes data.Names (fields in
// declaration order, empty ones omitted).
func appendNames(b []byte, n data.Names) []byte {
	b = append(b, '{')
	comma := false
	for _, kv := range [...]struct{ k, v string }{{`"zh":`, n.ZH}, {`"en":`, n.EN}, {`"ru":`, n.RU}, {`"mn":`, n.MN}} {
		if kv.v == "" {
			continue
		}
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = append(b, kv.k...)
		b = appendString(b, kv.v)
	}
	return append(b, '}')
}

// appendStrings appends ss as a JSON array; nil is [] (never null), as the
// record format promises lists.
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendOptString(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(append(b, key...), v)
}

func appendOptInt(b []byte, key string, v *int) []byte {
	if v == nil {
		return b
	}
	return strconv.AppendInt(append(b, key...), int64(*v), 10)
}

// appendFloat appends f formatted as encoding/json formats a float64: the
// shortest decimal that round-trips, in exponent form only below 1e-6 or
// from 1e21.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: %v", errNonFinite, f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// safeASCII marks the ASCII bytes that go into a JSON string as they are
// under encoding/json's default HTML-safe escaping: printable, and not
// one of " \ < > &.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// appendString appends s as a JSON string exactly as encoding/json does by
// default: control characters, quotes, backslashes and <, >, & escaped,
// U+2028 and U+2029 escaped for JavaScript, and each byte of invalid UTF-8
// replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedASCII(b, c)
			i++
			start = i
			continue
		}
		// Fast paths for the valid sequences names are made of: two-byte
		// (Cyrillic, Latin accents) and three-byte with plain continuation
		// ranges (CJK). Leads E0 and ED restrict their second byte, and E2
		// starts U+2028/U+2029: those go the slow way.
		if c >= 0xc2 && c <= 0xdf && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
			i += 2
			continue
		}
		if c >= 0xe1 && c <= 0xef && c != 0xe2 && c != 0xed && i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEscapedASCII appends the escape of an ASCII byte JSON (HTML-safe)
// does not write as is.
func appendEscapedASCII(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
