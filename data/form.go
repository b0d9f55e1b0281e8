package data

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/paulmach/orb"
)

// The JSON form of a record is defined once, by the json tags on Station:
// its "properties" are Station's tagged fields in their order, plus the
// derived "name" (the name in the requested language, written after kind
// and never read). Empty optional members (omitempty, omitzero) are left
// out when writing; amenities and languages are always arrays, port.modes
// too. Everything that reads or writes the form is derived from the tags:
// the GeoJSON reader's per-member checks, the writers (EncodeStations,
// MarshalFeature, AppendFeature for the API), Properties, and the merge
// patch's list of writable members. A new property of a type the form
// knows (string, Kind, Status, *int, int64, []string, time.Time) is one
// tagged field.

// member is one member of a record's properties object.
type member struct {
	name   string
	field  int  // index of the Station field; -1 for the derived "name"
	omit   bool // omitempty or omitzero: left out when empty
	kind   fieldKind
	offset uintptr   // of the field in Station, for appendMember
	key    string    // the member's name as JSON writes it before a value: "name":
	plain  PlainText // the bit of FeatureOptions.Plain that says the field's text is plain; 0 for none
}

// fieldKind is the type of a member's field, one of formTypes.
type fieldKind uint8

const (
	kindDerived fieldKind = iota // the derived name: no field
	kindString
	kindKind
	kindStatus
	kindIntPtr
	kindInt64
	kindStrings
	kindAmenities
	kindNames
	kindPort
	kindTime
)

// derivedName is the member holding the record's name in the requested
// language: written, never read.
const derivedName = "name"

// recordMembers are the members in declared order, sortedMembers in the
// order encoding/json writes a map's keys.
var recordMembers, sortedMembers = buildMembers()

func buildMembers() (declared, sorted []member) {
	t := reflect.TypeFor[Station]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		if formTypes[f.Type] == kindDerived {
			panic(fmt.Sprintf("data: Station.%s has type %v, which the record's JSON form does not know (see form.go)", f.Name, f.Type))
		}
		declared = append(declared, member{name: name, field: i, omit: strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero"), kind: formTypes[f.Type], offset: f.Offset, key: `"` + name + `":`, plain: plainFields[f.Name]})
		if name == "kind" {
			declared = append(declared, member{name: derivedName, field: -1, key: `"` + derivedName + `":`})
		}
	}
	sorted = slices.Clone(declared)
	slices.SortFunc(sorted, func(a, b member) int { return cmp.Compare(a.name, b.name) })
	return declared, sorted
}

// amenityJSON is each amenity's name as a JSON string, by bit: the names
// are plain ASCII, the same with or without escapeHTML, so an amenities
// array is written by copying.
var amenityJSON = func() (out [len(amenities)]string) {
	for i, a := range amenities {
		if !IsPlainJSON(string(a)) {
			panic(fmt.Sprintf("data: amenity %q is not plain JSON", a))
		}
		out[i] = string(appendPlain(nil, string(a)))
	}
	return out
}()

// formTypes are the field types the form reads and writes (see
// appendMember and Properties).
var (
	typString    = reflect.TypeFor[string]()
	typKind      = reflect.TypeFor[Kind]()
	typStatus    = reflect.TypeFor[Status]()
	typIntPtr    = reflect.TypeFor[*int]()
	typInt64     = reflect.TypeFor[int64]()
	typStrings   = reflect.TypeFor[[]string]()
	typAmenities = reflect.TypeFor[AmenitySet]()
	typNames     = reflect.TypeFor[Names]()
	typPort      = reflect.TypeFor[*PortInfo]()
	typTime      = reflect.TypeFor[time.Time]()
	formTypes    = map[reflect.Type]fieldKind{
		typString: kindString, typKind: kindKind, typStatus: kindStatus, typIntPtr: kindIntPtr, typInt64: kindInt64,
		typStrings: kindStrings, typAmenities: kindAmenities, typNames: kindNames, typPort: kindPort, typTime: kindTime,
	}
)

// pointer returns a pointer to m's field of st, typed as the field is
// (*string, **int, ...). It computes the address from the field's offset,
// which reflect gave at start-up for a type formTypes lists, instead of
// going through reflect for every member of every record written: the
// API's hot path writes records through here.
func (m member) pointer(st *Station) any {
	p := unsafe.Add(unsafe.Pointer(st), m.offset)
	switch m.kind {
	case kindString:
		return (*string)(p)
	case kindKind:
		return (*Kind)(p)
	case kindStatus:
		return (*Status)(p)
	case kindIntPtr:
		return (**int)(p)
	case kindInt64:
		return (*int64)(p)
	case kindStrings:
		return (*[]string)(p)
	case kindAmenities:
		return (*AmenitySet)(p)
	case kindNames:
		return (*Names)(p)
	case kindPort:
		return (**PortInfo)(p)
	case kindTime:
		return (*time.Time)(p)
	}
	panic(fmt.Sprintf("data: member %q has a type the record's JSON form does not know", m.name))
}

// PropertyNames returns the members of a record's properties object in
// their declared order, the derived "name" included.
func PropertyNames() []string {
	out := make([]string, len(recordMembers))
	for i, m := range recordMembers {
		out[i] = m.name
	}
	return out
}

// Extra is a member a caller adds to a record's properties (the API's
// distance_m, say): a number or a string, written as encoding/json writes
// a float64, an int64 or a string. An Extra with the key of a record's
// member replaces it.
type Extra struct {
	Key   string
	Kind  ExtraKind
	Float float64
	Int   int64
	Str   string
}

// ExtraKind says which value of an Extra is written.
type ExtraKind uint8

// The kinds of Extra.
const (
	ExtraFloat ExtraKind = iota
	ExtraInt
	ExtraString
)

// FeatureOptions say how AppendFeature writes a record.
type FeatureOptions struct {
	// Lang is the language of the derived "name" (see Names.In); "" is zh.
	Lang string
	// Sorted writes the members of properties and of port in sorted key
	// order, as encoding/json writes the maps of Properties; otherwise
	// they come in declared order.
	Sorted bool
	// EscapeHTML escapes <, > and & in strings, as encoding/json does by
	// default.
	EscapeHTML bool
	// Plain are the record's text fields known to be plain JSON (see
	// PlainText), written without a look for characters to escape.
	Plain PlainText
	// Position, when HasPosition is set, is written instead of the
	// record's location (a position converted to another CRS).
	Position    orb.Point
	HasPosition bool
	// Extra are members to add; with Sorted they must be sorted by key,
	// with unique keys.
	Extra []Extra
}

// AppendFeature appends the record as a GeoJSON Feature in its one JSON
// form. It fails only for a coordinate or an Extra that is not a finite
// number, which JSON cannot carry.
func (st *Station) AppendFeature(b []byte, o *FeatureOptions) ([]byte, error) {
	b = append(b, `{"type":"Feature"`...)
	if st.ID != "" {
		b = append(b, `,"id":`...)
		b = AppendJSONString(b, st.ID, o.EscapeHTML)
	}
	at := st.Location
	if o.HasPosition {
		at = o.Position
	}
	b = append(b, `,"geometry":{"type":"Point","coordinates":[`...)
	var err error
	if b, err = AppendJSONFloat(b, at.Lon()); err != nil {
		return b, fmt.Errorf("encode record %q: %w", st.ID, err)
	}
	b = append(b, ',')
	if b, err = AppendJSONFloat(b, at.Lat()); err != nil {
		return b, fmt.Errorf("encode record %q: %w", st.ID, err)
	}
	b = append(b, `]},"properties":{`...)
	if b, err = st.AppendProperties(b, o); err != nil {
		return b, fmt.Errorf("encode record %q: %w", st.ID, err)
	}
	return append(b, "}}"...), nil
}

// AppendProperties appends the members of the record's properties object,
// without the braces (see AppendFeature).
func (st *Station) AppendProperties(b []byte, o *FeatureOptions) ([]byte, error) {
	members := recordMembers
	if o.Sorted {
		members = sortedMembers
	}
	extra := o.Extra
	used := 0 // declared order: a bit per replaced Extra (at most 64 looked at)
	first := true
	var err error
	writeExtra := func(e Extra) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendJSONString(b, e.Key, o.EscapeHTML)
		b = append(b, ':')
		var ferr error
		if b, ferr = e.append(b, o.EscapeHTML); ferr != nil && err == nil {
			err = ferr
		}
	}
	for mi := range members {
		m := &members[mi]
		if o.Sorted {
			for len(extra) > 0 && extra[0].Key < m.name {
				writeExtra(extra[0])
				extra = extra[1:]
			}
			if len(extra) > 0 && extra[0].Key == m.name {
				writeExtra(extra[0])
				extra = extra[1:]
				continue
			}
		} else if i := slices.IndexFunc(extra, func(e Extra) bool { return e.Key == m.name }); i >= 0 && i < 64 {
			writeExtra(extra[i])
			used |= 1 << i
			continue
		}
		mark := len(b)
		if !first {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = st.appendMember(b, &members[mi], o); ok {
			first = false
		} else {
			b = b[:mark]
		}
	}
	for i, e := range extra {
		if o.Sorted || i >= 64 || used&(1<<i) == 0 {
			writeExtra(e)
		}
	}
	return b, err
}

// appendMember appends member m, "name":value; ok is false, and nothing
// is appended, when the member is left out (empty and optional). Like
// pointer, it reads the field at its offset.
func (st *Station) appendMember(b []byte, m *member, o *FeatureOptions) (_ []byte, ok bool) {
	esc := o.EscapeHTML
	p := unsafe.Add(unsafe.Pointer(st), m.offset)
	switch m.kind {
	case kindDerived:
		lang := o.Lang
		if lang == "" {
			lang = "zh"
		}
		if o.Plain&PlainNames == PlainNames {
			return appendPlain(append(b, m.key...), st.Names.In(lang)), true
		}
		return AppendJSONString(append(b, m.key...), st.Names.In(lang), esc), true
	case kindString, kindKind, kindStatus: // string, Kind and Status share a layout
		v := *(*string)(p)
		if m.omit && v == "" {
			return b, false
		}
		if o.Plain&m.plain != 0 {
			return appendPlain(append(b, m.key...), v), true
		}
		return AppendJSONString(append(b, m.key...), v, esc), true
	case kindIntPtr:
		v := *(**int)(p)
		if v == nil {
			if m.omit {
				return b, false
			}
			return append(append(b, m.key...), "null"...), true
		}
		return strconv.AppendInt(append(b, m.key...), int64(*v), 10), true
	case kindInt64:
		v := *(*int64)(p)
		if m.omit && v == 0 {
			return b, false
		}
		return strconv.AppendInt(append(b, m.key...), v, 10), true
	case kindStrings:
		return appendJSONStrings(append(b, m.key...), *(*[]string)(p), esc), true
	case kindAmenities:
		set := uint64(*(*AmenitySet)(p)) & (1<<len(amenities) - 1) // bits of no amenity are not written
		b = append(append(b, m.key...), '[')
		for n := 0; set != 0; n++ {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, amenityJSON[bits.TrailingZeros64(set)]...)
			set &= set - 1
		}
		return append(b, ']'), true
	case kindNames:
		v := (*Names)(p)
		b = append(append(b, m.key...), '{')
		n := 0
		for _, l := range [...]struct {
			key, v string
			plain  PlainText
		}{{`"zh":`, v.ZH, PlainNameZH}, {`"en":`, v.EN, PlainNameEN}, {`"ru":`, v.RU, PlainNameRU}, {`"mn":`, v.MN, PlainNameMN}} {
			if l.v == "" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, l.key...)
			if o.Plain&l.plain != 0 {
				b = appendPlain(b, l.v)
			} else {
				b = AppendJSONString(b, l.v, esc)
			}
		}
		return append(b, '}'), true
	case kindPort:
		port := *(**PortInfo)(p)
		if port == nil {
			if m.omit {
				return b, false
			}
			return append(append(b, m.key...), "null"...), true
		}
		b = append(append(b, m.key...), `{"country":`...)
		b = AppendJSONString(b, port.Country, esc)
		if o.Sorted && port.Hours != "" {
			b = append(b, `,"hours":`...)
			b = AppendJSONString(b, port.Hours, esc)
		}
		b = append(b, `,"modes":`...)
		b = appendJSONStrings(b, port.Modes, esc)
		if !o.Sorted && port.Hours != "" {
			b = append(b, `,"hours":`...)
			b = AppendJSONString(b, port.Hours, esc)
		}
		return append(b, '}'), true
	case kindTime:
		v := (*time.Time)(p)
		if m.omit && v.IsZero() {
			return b, false
		}
		// RFC 3339 output holds only digits, letters and -:.+, none of
		// which JSON escapes.
		b = append(append(b, m.key...), '"')
		b = v.UTC().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"'), true
	}
	panic(fmt.Sprintf("data: member %q has a type the record's JSON form does not know", m.name))
}

func (e Extra) append(b []byte, esc bool) ([]byte, error) {
	switch e.Kind {
	case ExtraString:
		return AppendJSONString(b, e.Str, esc), nil
	case ExtraInt:
		return strconv.AppendInt(b, e.Int, 10), nil
	}
	return AppendJSONFloat(b, e.Float)
}

func appendJSONStrings(b []byte, ss []string, esc bool) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, s, esc)
	}
	return append(b, ']')
}

// Properties returns the record's properties (see the form above) as a
// map, without "name", which the caller sets for the requested language;
// encoding/json writes it as AppendProperties with Sorted and EscapeHTML
// does. The map is new on every call; the caller may add to it.
func (st *Station) Properties() map[string]any {
	p := make(map[string]any, len(recordMembers)+2)
	for _, m := range recordMembers {
		if m.field < 0 {
			continue
		}
		switch v := m.pointer(st).(type) {
		case *string:
			if !m.omit || *v != "" {
				p[m.name] = *v
			}
		case *Kind:
			if !m.omit || *v != "" {
				p[m.name] = *v
			}
		case *Status:
			if !m.omit || *v != "" {
				p[m.name] = *v
			}
		case **int:
			if *v != nil {
				p[m.name] = **v
			} else if !m.omit {
				p[m.name] = nil
			}
		case *int64:
			if !m.omit || *v != 0 {
				p[m.name] = *v
			}
		case *[]string:
			p[m.name] = nonNil(*v)
		case *AmenitySet:
			p[m.name] = v.Names()
		case *Names:
			p[m.name] = *v
		case **PortInfo:
			if port := *v; port != nil {
				pm := map[string]any{"country": port.Country, "modes": nonNil(port.Modes)}
				if port.Hours != "" {
					pm["hours"] = port.Hours
				}
				p[m.name] = pm
			} else if !m.omit {
				p[m.name] = nil
			}
		case *time.Time:
			if !m.omit || !v.IsZero() {
				p[m.name] = v.UTC().Format(time.RFC3339Nano)
			}
		default:
			panic(fmt.Sprintf("data: member %q has a type the record's JSON form does not know", m.name))
		}
	}
	return p
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stationProps is Station without its methods, so that a properties
// object decodes into a record directly by Station's json tags.
type stationProps Station

// propsIn is the properties object as read: the record's members straight
// into the record, except those read as text to be checked first
// (amenities, updated_at). Name and ID accept any JSON, so that a derived
// "name" never makes a record invalid.
type propsIn struct {
	*stationProps
	Amenities []string        `json:"amenities"`
	UpdatedAt string          `json:"updated_at"`
	Name      json.RawMessage `json:"name"`
	ID        json.RawMessage `json:"id"`
}

// propField is one member of propsIn and where it decodes to.
type propField struct {
	name string
	dst  any
}

// fields maps each member to its destination, in declared order and then
// "id", for reading member by member when the whole object does not fit
// (to report every bad member). The derived "name" is not read.
func (p *propsIn) fields() []propField {
	out := make([]propField, 0, len(recordMembers)+1)
	st := (*Station)(p.stationProps)
	for _, m := range recordMembers {
		switch {
		case m.field < 0:
			continue
		case m.name == "amenities":
			out = append(out, propField{m.name, &p.Amenities})
		case m.name == "updated_at":
			out = append(out, propField{m.name, &p.UpdatedAt})
		default:
			out = append(out, propField{m.name, m.pointer(st)})
		}
	}
	return append(out, propField{"id", &p.ID})
}

// readMembers are the members a reader takes from a properties object:
// the record's own, without the derived name, and "id".
var readMembers = func() []string {
	var out []string
	for _, f := range (&propsIn{stationProps: &stationProps{}}).fields() {
		out = append(out, f.name)
	}
	return out
}()

// Member is one member of a record's properties object.
type Member struct {
	Name string
	// ReadOnly: no reader or writer sets it (derived, or set by the
	// database); see UnknownMembers.
	ReadOnly bool
	// Derived: computed when writing (the name in the requested
	// language), never read.
	Derived bool

	m member
}

// Members returns the members of a record's properties object in their
// declared order, for readers of other formats (CSV) that follow the one
// form.
func Members() []Member { return publicMembers(recordMembers) }

// SortedMembers returns the members in sorted order, for writers that
// merge members of their own among a record's (see AppendMember).
func SortedMembers() []Member { return publicMembers(sortedMembers) }

func publicMembers(ms []member) []Member {
	out := make([]Member, len(ms))
	for i, m := range ms {
		_, ro := readOnlyProperties[m.name]
		out[i] = Member{Name: m.name, ReadOnly: ro, Derived: m.field < 0, m: m}
	}
	return out
}

// AppendMember appends the member m of st, "name":value, as
// AppendProperties writes it with o; ok is false, and nothing is
// appended, when the member is left out (empty and optional).
func (st *Station) AppendMember(b []byte, m *Member, o *FeatureOptions) (_ []byte, ok bool) {
	return st.appendMember(b, &m.m, o)
}

// Field returns a pointer to the field of st that holds the member name
// (a *string, *Kind, *Status, **int, *int64, *[]string, *AmenitySet,
// *Names, **PortInfo or *time.Time), or nil for a derived or unknown
// member.
func (st *Station) Field(name string) any {
	for _, m := range recordMembers {
		if m.name == name && m.field >= 0 {
			return m.pointer(st)
		}
	}
	return nil
}
