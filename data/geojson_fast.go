package data

import (
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/paulmach/orb"
)

// The fast reader of one Feature. A million-record file spends most of
// its start-up in encoding/json's reflection; records as yizhan and most
// tools write them have one plain shape, which decodeFeatureFast reads
// by hand in one pass. It only ever declines: anything it is not sure to
// read exactly as encoding/json would (a key in another case or given
// twice, an unknown member, a null, an escape in a string, a number out
// of range, bytes that are not UTF-8, ...) makes it return ok false, and
// the feature is read by encoding/json as before. Where it accepts, the
// record and its problems are the ones encoding/json's path gives (a
// property test and a fuzz target compare the two).

// fastMembers maps each member a properties object may hold to its
// position in recordMembers, which says how the fast reader stores it: the record's members (from recordMembers, so a
// new tagged field is known here too) and the derived "name", read and
// dropped as the slow path drops it.
var fastMembers = func() map[string]int {
	m := make(map[string]int, len(recordMembers))
	for i, rm := range recordMembers {
		m[rm.name] = i
	}
	return m
}()

// featureScanner reads JSON from b at i. Every method returns false when
// the text is not in the plain shape the fast reader takes.
type featureScanner struct {
	b []byte
	i int
}

func (s *featureScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c,
// consuming it if so.
func (s *featureScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// rawString reads a string without escapes or control characters and
// returns its bytes, which alias b.
func (s *featureScanner) rawString() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			out := s.b[start:s.i]
			s.i++
			return out, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

func (s *featureScanner) str() (string, bool) {
	b, ok := s.rawString()
	return string(b), ok
}

// constant reads a string that is usually one of known (a kind, a
// status) and returns the package's copy of it, else the text through strs.
func constant[T ~string](s *featureScanner, known []T, strs *Interner) (T, bool) {
	b, ok := s.rawString()
	for _, k := range known {
		if string(k) == string(b) {
			return k, ok
		}
	}
	return T(strs.Bytes(b)), ok
}

// interned is str through strs, allocating nothing for a text seen before.
func (s *featureScanner) interned(strs *Interner) (string, bool) {
	b, ok := s.rawString()
	return strs.Bytes(b), ok
}

// number reads a JSON number (RFC 8259 syntax) and returns its text;
// integer reports that it has no fraction or exponent.
func (s *featureScanner) number() (text []byte, integer, ok bool) {
	s.ws()
	b, start := s.b, s.i
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	s.i = i
	return b[start:i], integer, true
}

// float reads a number as encoding/json reads it into a float64.
func (s *featureScanner) float() (float64, bool) {
	t, _, ok := s.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(t), len(t)), 64)
	return f, err == nil
}

// integer reads a number as encoding/json reads it into an int64.
func (s *featureScanner) integer() (int64, bool) {
	t, integer, ok := s.number()
	if !ok || !integer {
		return 0, false
	}
	n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(t), len(t)), 10, 64)
	return n, err == nil
}

// strings reads an array of strings; an empty array is a non-nil empty
// slice, as encoding/json gives it.
func (s *featureScanner) strings() ([]string, bool) {
	if !s.next('[') {
		return nil, false
	}
	out := []string{}
	if s.next(']') {
		return out, true
	}
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if s.next(']') {
			return out, true
		}
		if !s.next(',') {
			return nil, false
		}
	}
}

// object reads an object whose members member reads, each key at most
// once (seen has a bit per key, which member sets through its index).
// The key aliases b.
func (s *featureScanner) object(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.rawString()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// once marks bit in seen and reports whether it was not set before: a
// member given twice is read by encoding/json in ways (later wins, or
// objects merge) that the fast reader leaves to it.
func once(seen *uint64, bit uint) bool {
	if *seen&(1<<bit) != 0 {
		return false
	}
	*seen |= 1 << bit
	return true
}

// decodeFeatureFast reads raw into p (and the record it points to) when
// raw is a Feature in the plain shape: a string id, a Point geometry and
// properties holding only known members with values of their own type.
// ok false means raw is left to encoding/json; p is then partly written.
func decodeFeatureFast(raw []byte, p *propsIn, strs *Interner) (id string, ok bool) {
	if !utf8.Valid(raw) {
		return "", false
	}
	s := featureScanner{b: raw}
	st := (*Station)(p.stationProps)
	var seen uint64
	sawID := false
	ok = s.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			t, ok := s.rawString()
			return once(&seen, 0) && ok && string(t) == "Feature"
		case "id":
			var ok bool
			id, ok = s.str()
			sawID = true
			return once(&seen, 1) && ok
		case "geometry":
			return once(&seen, 2) && s.point(&st.Location)
		case "properties":
			return once(&seen, 3) && s.properties(p, strs)
		}
		return false
	})
	s.ws()
	return id, ok && s.i == len(raw) && seen == 0b1111 && sawID
}

// point reads a Point geometry with 2 or 3 coordinates.
func (s *featureScanner) point(dst *orb.Point) bool {
	var seen uint64
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			t, ok := s.rawString()
			return once(&seen, 0) && ok && string(t) == "Point"
		case "coordinates":
			if !once(&seen, 1) || !s.next('[') {
				return false
			}
			var c [3]float64
			n := 0
			for {
				if n == len(c) {
					return false
				}
				v, ok := s.float()
				if !ok {
					return false
				}
				c[n] = v
				n++
				if s.next(']') {
					break
				}
				if !s.next(',') {
					return false
				}
			}
			if n < 2 {
				return false
			}
			*dst = orb.Point{c[0], c[1]}
			return true
		}
		return false
	}) && seen == 0b11
}

// properties reads a properties object of known members. Strings that
// repeat across records (see sharedText) come from strs.
func (s *featureScanner) properties(p *propsIn, strs *Interner) bool {
	st := (*Station)(p.stationProps)
	var seen uint64
	guess := 0 // members come in declared order in exports: try the next one first
	return s.object(func(key []byte) bool {
		i := guess
		if i >= len(recordMembers) || recordMembers[i].name != string(key) {
			var known bool
			if i, known = fastMembers[string(key)]; !known {
				return false
			}
		}
		guess = i + 1
		m := recordMembers[i]
		if !once(&seen, uint(m.field+1)) {
			return false
		}
		var ok bool
		switch m.kind {
		case kindDerived: // "name": any string, not kept
			_, ok = s.rawString()
		case kindString:
			dst := m.pointer(st).(*string)
			if sharedText(st, dst) {
				*dst, ok = s.interned(strs)
			} else {
				*dst, ok = s.str()
			}
		case kindKind:
			*m.pointer(st).(*Kind), ok = constant(s, kinds[:], strs)
		case kindStatus:
			*m.pointer(st).(*Status), ok = constant(s, statuses, strs)
		case kindIntPtr:
			var n int64
			n, ok = s.integer()
			v := int(n)
			*m.pointer(st).(**int) = &v
		case kindInt64:
			*m.pointer(st).(*int64), ok = s.integer()
		case kindStrings:
			*m.pointer(st).(*[]string), ok = s.strings()
		case kindAmenities: // read as text, checked by completeRecord
			p.Amenities, ok = s.strings()
		case kindTime: // read as text, checked by completeRecord
			p.UpdatedAt, ok = s.str()
		case kindNames:
			ok = s.names(m.pointer(st).(*Names))
		case kindPort:
			port := new(PortInfo)
			ok = s.port(port)
			*m.pointer(st).(**PortInfo) = port
		}
		return ok
	})
}

func (s *featureScanner) names(n *Names) bool {
	var seen uint64
	return s.object(func(key []byte) bool {
		var dst *string
		var bit uint
		switch string(key) {
		case "zh":
			dst, bit = &n.ZH, 0
		case "en":
			dst, bit = &n.EN, 1
		case "ru":
			dst, bit = &n.RU, 2
		case "mn":
			dst, bit = &n.MN, 3
		default:
			return false
		}
		var ok bool
		*dst, ok = s.str()
		return once(&seen, bit) && ok
	})
}

func (s *featureScanner) port(p *PortInfo) bool {
	var seen uint64
	return s.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "country":
			p.Country, ok = s.str()
			return once(&seen, 0) && ok
		case "modes":
			p.Modes, ok = s.strings()
			return once(&seen, 1) && ok
		case "hours":
			p.Hours, ok = s.str()
			return once(&seen, 2) && ok
		}
		return false
	})
}
