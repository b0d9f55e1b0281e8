package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"yizhan/data/hours"
)

// Limits on record fields.
const (
	MaxIDBytes   = 128 // bytes of UTF-8
	MaxNameRunes = 200 // characters, per language

	// Limits on the free-text fields, in bytes of UTF-8. They are far above
	// any real value and only stop mistakes (a whole document pasted into
	// a phone number) from being stored and served.
	MaxSourceBytes       = 500
	MaxRegionBytes       = 200
	MaxAddressBytes      = 1000
	MaxPhoneBytes        = 200
	MaxOperatorBytes     = 500
	MaxOpeningHoursBytes = 1000
	MaxTimeZoneBytes     = 64
	MaxPortHoursBytes    = 500

	// MaxCount is the largest value of the integer fields (capacity_per_day,
	// beds, truck_parking_spaces, area_m2): they are stored as PostgreSQL
	// integer, a signed 32-bit number.
	MaxCount = math.MaxInt32
)

// ReservedIDs are the ids that are fixed path segments under /v1/stations/
// in the HTTP API (GET /v1/stations/nearest, /v1/stations/within): a record
// with one of them could be written but never read back by id, since the
// route answers instead. They are refused in any letter case, because
// paths match without regard to case. The API's tests check this list
// against its route table; a new fixed route there belongs here too.
var reservedIDs = []string{"nearest", "within"}

// ReservedIDs returns the ids Validate refuses because a fixed route of
// the API answers them (see reservedIDs), a copy each call.
func ReservedIDs() []string { return slices.Clone(reservedIDs) }

// idPathProblem says why id cannot be the {id} of /v1/stations/{id}, or
// "": a reserved id, or a dot segment, which URLs resolve away ("/a/.."
// is "/"), however it is escaped.
func idPathProblem(id string) string {
	if id == "." || id == ".." {
		return fmt.Sprintf("%q cannot be a URL path segment (clients resolve /v1/stations/%s away); choose another id", id, id)
	}
	for _, r := range reservedIDs {
		if strings.EqualFold(id, r) {
			return fmt.Sprintf("%q is reserved: GET /v1/stations/%s is a route of the API, so the record could never be read back by id; choose another id", id, r)
		}
	}
	return ""
}

// portModes are the transport modes a border port may serve.
var portModes = []string{"road", "rail", "air"}

// PortModes returns the transport modes a border port may serve, a copy
// each call.
func PortModes() []string { return slices.Clone(portModes) }

// portCountries are the neighbours a port may face. "" is allowed for an
// international airport, which faces no single neighbour.
var portCountries = []string{"MN", "RU", ""}

// PortCountries returns the neighbours a port may face ("" for an
// international airport), a copy each call.
func PortCountries() []string { return slices.Clone(portCountries) }

// Validate checks every field of s and returns every problem found, not
// only the first; nil means valid. The FieldErrors have Index -1 (the
// caller knows the record's position) and the record's ID. It does not
// change s: Normalize completes a record.
func (s *Station) Validate() []*FieldError { return s.validate(true, checkAll) }

// Normalize completes a record as a source gives it: it sets s.Hours from
// s.OpeningHours (nil when empty or not understood) and an empty s.Status
// to StatusOpen, because a record that a source lists without a status is
// a record in service. Every reader normalizes what it reads; a record
// built in code is normalized before Validate so that it is checked as it
// will be stored.
func (s *Station) Normalize() {
	s.Hours = nil
	if s.OpeningHours != "" {
		if h, err := hours.Parse(s.OpeningHours); err == nil {
			s.Hours = h
		}
	}
	if s.Status == "" {
		s.Status = StatusOpen
	}
}

// ValidateStored checks a record read from the database, which may have
// been written by plain SQL or by an older release with looser rules. It
// is Validate without re-parsing the opening hours (the decoder parsed
// them already; hours a newer parser refuses are served as unknown), and
// it tolerates free text that breaks only the text rules (a control
// character or an over-long phone, address, ...): such a record can still
// be served, and hiding it from every replica would lose it. Only
// problems that make a record unservable are returned.
func (s *Station) ValidateStored() []*FieldError {
	return s.keepStored(s.validate(false, checkAll))
}

// Known are parts of a record, each a value that a reader of many
// records shares between them (a chain's names, a zone, a source), whose
// stored checks the reader has already run on that value: see
// ValidateStoredKnown.
type Known uint16

// The parts of a record ValidateStoredKnown may skip. The rule that only
// a record of kind port has port details is the record's, not the port's.
const (
	KnownNames     Known = 1 << iota // Names: names and names.*
	KnownKind                        // Kind
	KnownStatus                      // Status
	KnownTimeZone                    // TimeZone
	KnownLanguages                   // Languages
	KnownPort                        // Port: port.country and port.modes
	KnownSource                      // Source: whether it is given

	// checkRecord are the checks of the record's own fields (id, point,
	// amenities, counts, version, port on another kind), checkTolerated
	// those whose problems ValidateStored drops; checkAll is every check.
	checkRecord
	checkTolerated
	checkAll = 1<<iota - 1
)

// ValidateStoredKnown is ValidateStored, problem for problem, without the
// checks of the parts in known, which the caller has found valid before
// (StoredValid) on the very values s holds, and without the checks whose
// problems ValidateStored drops. A load of a million records checks each
// shared value once this way, and each record's own fields.
func (s *Station) ValidateStoredKnown(known Known) []*FieldError {
	problems := s.validate(false, checkAll&^checkTolerated&^known)
	if len(problems) == 0 {
		return nil
	}
	return s.keepStored(problems)
}

// StoredValid reports whether the parts of s in parts pass the checks of
// ValidateStored: a reader calls it once for a value it shares between
// records and keeps the answer beside the value, for ValidateStoredKnown.
func (s *Station) StoredValid(parts Known) bool {
	return len(s.validate(false, parts&^checkRecord&^checkTolerated)) == 0
}

// keepStored drops from problems (of s) those a stored record may keep
// (see storedTextTolerated), in place.
func (s *Station) keepStored(problems []*FieldError) []*FieldError {
	kept := problems[:0]
	for _, p := range problems {
		if storedTextTolerated(p, s) {
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

// storedTextTolerated reports whether p is a free-text problem that a
// stored record may keep, or an id that only the API's paths cannot
// name (reserved after the record was stored): it is still served in
// every search, list and tile.
func storedTextTolerated(p *FieldError, s *Station) bool {
	switch p.Field {
	case "id":
		return idPathProblem(s.ID) != ""
	case "region", "address", "phone", "operator", "port.hours", "opening_hours":
		return true
	case "source":
		return strings.TrimSpace(s.Source) != "" // a source is still required
	}
	return false
}

// validate is Validate; reparseHours false skips parsing the opening
// hours again (see ValidateStored). Only the checks of the parts in check
// run (see Known; checkAll runs every one).
func (s *Station) validate(reparseHours bool, check Known) []*FieldError {
	var errs []*FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Index: -1, ID: s.ID, Field: field, Reason: fmt.Sprintf(format, args...)})
	}

	switch {
	case check&checkRecord == 0:
	case s.ID == "":
		bad("id", "missing; every record needs a stable id")
	case check&checkTolerated == 0 && len(s.ID) <= MaxIDBytes && plainID(s.ID):
		// Every check below passes, in one pass over the id.
	case len(s.ID) > MaxIDBytes:
		bad("id", "%d bytes long; at most %d allowed", len(s.ID), MaxIDBytes)
	case !utf8.ValidString(s.ID):
		bad("id", "not valid UTF-8")
	case hasControl(s.ID, nil):
		bad("id", "contains a control character")
	case strings.TrimSpace(s.ID) != s.ID:
		bad("id", "has leading or trailing spaces")
	case check&checkTolerated != 0 && idPathProblem(s.ID) != "":
		bad("id", "%s", idPathProblem(s.ID))
	}

	lon, lat := s.Location.Lon(), s.Location.Lat()
	switch {
	case check&checkRecord == 0:
	case math.IsNaN(lon) || math.IsInf(lon, 0) || math.IsNaN(lat) || math.IsInf(lat, 0):
		bad("geometry", "coordinates must be finite numbers")
	case lon < -180 || lon > 180:
		bad("geometry", "longitude %v out of range [-180, 180] (coordinates are [lon, lat])", lon)
	case lat < -90 || lat > 90:
		bad("geometry", "latitude %v out of range [-90, 90] (coordinates are [lon, lat])", lat)
	}

	if check&KnownKind == 0 {
	} else if _, err := ParseKind(string(s.Kind)); err != nil {
		if s.Kind == "" {
			bad("kind", "missing (allowed: %s)", KindList())
		} else {
			bad("kind", "%v", err)
		}
	}

	// One pass over each name gives every fact its checks need (see
	// scanText), and the field names are constants: a load validates a
	// million records, and this runs for every one of them.
	if check&KnownNames != 0 {
		names := [...]struct {
			field, name string
			facts       textFacts
		}{{field: "names.zh", name: s.Names.ZH}, {field: "names.en", name: s.Names.EN}, {field: "names.ru", name: s.Names.RU}, {field: "names.mn", name: s.Names.MN}}
		for i := range names {
			names[i].facts = scanText(names[i].name)
		}
		if names[0].facts.blank && names[1].facts.blank {
			bad("names", "needs a Chinese (zh) or English (en) name")
		}
		for _, n := range names {
			switch {
			case n.name == "":
			case n.facts.invalid:
				bad(n.field, "not valid UTF-8")
			case n.facts.runes > MaxNameRunes:
				bad(n.field, "%d characters long; at most %d allowed", n.facts.runes, MaxNameRunes)
			case n.facts.control:
				bad(n.field, "contains a control character")
			case n.facts.blank:
				bad(n.field, "only spaces; leave it out instead")
			}
		}
	}

	if extra := s.Amenities &^ (1<<len(amenities) - 1); check&checkRecord != 0 && extra != 0 {
		bad("amenities", "unknown amenity bits %#x", uint32(extra))
	}

	// Stored records (reparseHours false) keep the hours their decoder
	// parsed: hours that a newer parser refuses are served as unknown.
	if check&checkTolerated == 0 {
	} else if p := checkText(s.OpeningHours, MaxOpeningHoursBytes); p != "" {
		bad("opening_hours", "%s", p)
	} else if reparseHours && s.OpeningHours != "" {
		if _, err := hours.Parse(s.OpeningHours); err != nil {
			bad("opening_hours", "%v", err)
		}
	}

	if check&KnownTimeZone != 0 && s.TimeZone != "" {
		if p := checkText(s.TimeZone, MaxTimeZoneBytes); p != "" {
			bad("timezone", "%s", p)
		} else if s.TimeZone == "Local" {
			bad("timezone", "\"Local\" depends on the server; give an IANA zone such as Asia/Shanghai")
		} else if err := checkZone(s.TimeZone); err != nil {
			bad("timezone", "unknown time zone %q; give an IANA zone such as Asia/Shanghai", s.TimeZone)
		}
	}

	if check&KnownLanguages != 0 {
		checkList(bad, "languages", s.Languages, languages)
	}

	if s.Port != nil {
		if check&checkRecord != 0 && s.Kind != KindPort {
			bad("port", "port details are only allowed on records of kind port, not %q", s.Kind)
		}
		if check&KnownPort != 0 {
			if !slices.Contains(portCountries, s.Port.Country) {
				bad("port.country", "unknown country %q (allowed: MN, RU, or empty for an airport)", s.Port.Country)
			}
			checkList(bad, "port.modes", s.Port.Modes, portModes)
		}
		if check&checkTolerated == 0 {
		} else if p := checkText(s.Port.Hours, MaxPortHoursBytes); p != "" {
			bad("port.hours", "%s", p)
		}
	}

	if check&checkRecord != 0 {
		for _, c := range [...]struct {
			field string
			v     *int
		}{
			{"capacity_per_day", s.CapacityPerDay},
			{"beds", s.Beds},
			{"truck_parking_spaces", s.TruckParkingSpaces},
			{"area_m2", s.AreaM2},
		} {
			switch {
			case c.v == nil:
			case *c.v < 0:
				bad(c.field, "%d is negative; counts must be 0 or more", *c.v)
			case *c.v > MaxCount:
				bad(c.field, "%d is too large; at most %d allowed", *c.v, MaxCount)
			}
		}
	}

	if check&checkTolerated != 0 {
		for _, t := range [...]struct {
			field, problem string
		}{
			{"region", checkText(s.Region, MaxRegionBytes)},
			{"address", checkAddress(s.Address, MaxAddressBytes)},
			{"phone", checkText(s.Phone, MaxPhoneBytes)},
			{"operator", checkText(s.Operator, MaxOperatorBytes)},
		} {
			if t.problem != "" {
				bad(t.field, "%s", t.problem)
			}
		}
	}

	if check&KnownStatus != 0 && s.Status != "" {
		if _, err := ParseStatus(string(s.Status)); err != nil {
			bad("status", "%v", err)
		}
	}

	switch {
	case check&KnownSource == 0:
	case strings.TrimSpace(s.Source) == "":
		bad("source", "missing; every record says where it comes from")
	case check&checkTolerated == 0:
	default:
		if p := checkText(s.Source, MaxSourceBytes); p != "" {
			bad("source", "%s", p)
		}
	}
	if check&checkRecord != 0 && s.Version < 0 {
		bad("version", "%d is negative", s.Version)
	}
	return errs
}

// checkText returns why a free-text value is refused, or "": it must be
// valid UTF-8 of at most maxBytes bytes without control characters (C0,
// DEL or C1: PostgreSQL refuses NUL in text, and the others have no
// meaning in a name, number or zone and break the terminals and logs
// they end up in).
func checkText(v string, maxBytes int) string {
	return checkTextFunc(v, maxBytes, nil)
}

// checkAddress is checkText for postal addresses, which may span lines
// (a quoted CSV cell, say): tab, line feed and carriage return are
// allowed; every other control character is not.
func checkAddress(v string, maxBytes int) string {
	return checkTextFunc(v, maxBytes, func(r rune) bool {
		return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
	})
}

// checkTextFunc is checkText with the control characters refused given
// by refused; nil refuses all of them (unicode.IsControl).
func checkTextFunc(v string, maxBytes int, refused func(rune) bool) string {
	switch {
	case v == "":
		return ""
	case !utf8.ValidString(v):
		return "not valid UTF-8"
	case len(v) > maxBytes:
		return fmt.Sprintf("%d bytes long; at most %d allowed", len(v), maxBytes)
	case hasControl(v, refused):
		return "contains a control character"
	}
	return ""
}

func checkZone(name string) error {
	_, err := loadZone(name)
	return err
}

// checkList reports values not in allowed, and values given twice.
func checkList(bad func(field, format string, args ...any), field string, values, allowed []string) {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			bad(field, "unknown value %q (allowed: %s)", v, strings.Join(allowed, ", "))
		} else if slices.Contains(values[:i], v) {
			bad(field, "%q listed twice", v)
		}
	}
}

// plainID reports whether a non-empty id is printable ASCII that neither
// starts nor ends with a space: then it is valid UTF-8 without a control
// character, and TrimSpace leaves it as it is.
func plainID(id string) bool {
	if id[0] == ' ' || id[len(id)-1] == ' ' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// textFacts are what the checks of a name need to know of it, as
// scanText finds them in one pass: whether it is valid UTF-8
// (utf8.ValidString), its length in characters (utf8.RuneCountInString),
// whether it holds a control character (unicode.IsControl) and whether it
// is empty or only spaces (strings.TrimSpace gives "").
type textFacts struct {
	invalid, control, blank bool
	runes                   int
}

// scanText returns the textFacts of s, reading ASCII without decoding.
func scanText(s string) textFacts {
	f := textFacts{blank: true}
	for i := 0; i < len(s); {
		f.runes++
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if c < 0x20 || c == 0x7f {
				f.control = true
			}
			if f.blank && !asciiSpace(c) {
				f.blank = false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			f.invalid = true
		}
		if unicode.IsControl(r) {
			f.control = true
		}
		if f.blank && !unicode.IsSpace(r) {
			f.blank = false
		}
	}
	return f
}

// asciiSpace is unicode.IsSpace for an ASCII byte.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// hasControl reports whether v holds a rune refused reports, or with
// refused nil a control character (unicode.IsControl): it is
// strings.IndexFunc(v, refused) >= 0 that tests ASCII without decoding or
// calling refused, since the text of a million records is checked on every
// load.
func hasControl(v string, refused func(rune) bool) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= utf8.RuneSelf {
			if refused == nil {
				return strings.IndexFunc(v[i:], unicode.IsControl) >= 0
			}
			return strings.IndexFunc(v[i:], refused) >= 0
		}
		if c < 0x20 || c == 0x7f {
			if refused == nil || refused(rune(c)) {
				return true
			}
		}
	}
	return false
}
