package data

import (
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data/hours"
)

// ErrNotFound is returned when a record with the requested id does not exist.
var ErrNotFound = errors.New("data: record not found")

// Kind is the kind of a record.
type Kind string

// The kinds of record yizhan knows. Anything else is a validation error.
const (
	KindPort          Kind = "port"
	KindRestStop      Kind = "rest_stop"
	KindDriverHome    Kind = "driver_home"
	KindUnionStation  Kind = "union_station"
	KindWorkerHome    Kind = "worker_home"
	KindLabourStation Kind = "labour_station"
	KindServiceCenter Kind = "service_center"
)

// kinds lists every valid kind in a stable order (for docs and errors).
var kinds = [...]Kind{KindPort, KindRestStop, KindDriverHome, KindUnionStation, KindWorkerHome, KindLabourStation, KindServiceCenter}

// Kinds returns every valid kind in a stable order (for docs and errors).
// The slice is new on every call, so no caller can change the list.
func Kinds() []Kind { return slices.Clone(kinds[:]) }

// ParseKind checks s against the known kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind %q (allowed: %s)", s, KindList())
}

// KindList names the kinds, comma-separated, for messages and docs.
func KindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Amenity is one service a record offers.
type Amenity string

// amenities lists every valid amenity; its position is the amenity's bit
// in an AmenitySet, so append only.
var amenities = [...]Amenity{
	"drinking_water", "hot_meal", "microwave", "toilet", "rest_area", "shower",
	"beds", "truck_parking", "wifi", "phone_charging", "first_aid",
	"counselling", "library", "laundry", "legal_aid",
}

// Amenities returns every valid amenity in the canonical order (an
// amenity's position is its bit in an AmenitySet). The slice is new on
// every call, so no caller can change the list.
func Amenities() []Amenity { return slices.Clone(amenities[:]) }

// AmenitySet is a bit set of amenities, so that "has all of these" filters
// during an index search cost one AND.
type AmenitySet uint32

// ParseAmenity returns the set holding only the named amenity.
func ParseAmenity(s string) (AmenitySet, error) {
	for i, a := range amenities {
		if string(a) == s {
			return 1 << i, nil
		}
	}
	all := make([]string, len(amenities))
	for i, a := range amenities {
		all[i] = string(a)
	}
	return 0, fmt.Errorf("unknown amenity %q (allowed: %s)", s, strings.Join(all, ", "))
}

// NewAmenitySet parses a list of amenity names; the first unknown one is an error.
func NewAmenitySet(names []string) (AmenitySet, error) {
	var set AmenitySet
	for _, n := range names {
		a, err := ParseAmenity(n)
		if err != nil {
			return 0, err
		}
		set |= a
	}
	return set, nil
}

// Has reports whether s holds every amenity of want.
func (s AmenitySet) Has(want AmenitySet) bool { return s&want == want }

// Names returns the amenity names in s in the canonical order.
func (s AmenitySet) Names() []string {
	out := make([]string, 0, bits.OnesCount32(uint32(s)))
	for a := range s.All() {
		out = append(out, a)
	}
	return out
}

// All yields the amenity names in s in the canonical order, without
// allocating (for encoders on the hot path).
func (s AmenitySet) All() iter.Seq[string] {
	return func(yield func(string) bool) {
		for i, a := range amenities {
			if s&(1<<i) != 0 && !yield(string(a)) {
				return
			}
		}
	}
}

// Status says whether a record is in service.
type Status string

// The statuses a record may have.
const (
	StatusOpen    Status = "open"
	StatusClosed  Status = "closed"
	StatusPlanned Status = "planned"
)

// statuses lists every Status, in the order messages name them.
var statuses = []Status{StatusOpen, StatusClosed, StatusPlanned}

// ParseStatus returns the Status named s, or an error listing the statuses.
func ParseStatus(s string) (Status, error) {
	for _, st := range statuses {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, len(statuses))
	for i, st := range statuses {
		names[i] = string(st)
	}
	return "", fmt.Errorf("unknown status %q (allowed: %s)", s, strings.Join(names, ", "))
}

// Statuses returns every status a record may have (a copy).
func Statuses() []string {
	out := make([]string, len(statuses))
	for i, st := range statuses {
		out[i] = string(st)
	}
	return out
}

// Names holds a record's names by language, following OSM's name:xx keys.
type Names struct {
	ZH string `json:"zh,omitempty"`
	EN string `json:"en,omitempty"`
	RU string `json:"ru,omitempty"`
	MN string `json:"mn,omitempty"`
}

// In returns the name in lang ("zh", "en", "ru", "mn"), falling back to
// Chinese, then to any name present.
func (n Names) In(lang string) string {
	var s string
	switch lang {
	case "en":
		s = n.EN
	case "ru":
		s = n.RU
	case "mn":
		s = n.MN
	}
	if s != "" {
		return s
	}
	for _, s := range []string{n.ZH, n.EN, n.RU, n.MN} {
		if s != "" {
			return s
		}
	}
	return ""
}

// languages are the language codes used for names and staff languages.
var languages = []string{"zh", "en", "ru", "mn"}

// Languages returns the language codes used for names and staff languages,
// a copy each call, so that no caller can change what Validate accepts.
func Languages() []string { return slices.Clone(languages) }

// IsLanguage reports whether s is one of Languages, without a copy.
func IsLanguage(s string) bool { return slices.Contains(languages, s) }

// PortInfo describes a border port.
type PortInfo struct {
	Country string   `json:"country"`         // neighbour: "MN" or "RU" (or "" for an airport port)
	Modes   []string `json:"modes"`           // "road", "rail", "air"
	Hours   string   `json:"hours,omitempty"` // free text as published by the port
}

// Station is one record: a border port, rest stop, driver home, union
// station or other service point. It is immutable once in a snapshot.
//
// Its json tags are the one definition of the record's JSON form, the
// "properties" of its GeoJSON Feature (see form.go): the readers, the
// writers, the merge patch and the API's rendering all follow them, in
// this order. ID and Location are the Feature's id and geometry; Hours is
// derived from OpeningHours.
type Station struct {
	ID                 string          `json:"-"`
	Location           orb.Point       `json:"-"` // [lon, lat], WGS 84
	Kind               Kind            `json:"kind"`
	Names              Names           `json:"names"`
	Amenities          AmenitySet      `json:"amenities"`
	OpeningHours       string          `json:"opening_hours,omitempty"` // OSM opening_hours syntax; "" means unknown
	Hours              *hours.Schedule `json:"-"`
	CapacityPerDay     *int            `json:"capacity_per_day,omitempty"`
	Beds               *int            `json:"beds,omitempty"`
	TruckParkingSpaces *int            `json:"truck_parking_spaces,omitempty"`
	AreaM2             *int            `json:"area_m2,omitempty"`
	Languages          []string        `json:"languages"`
	Port               *PortInfo       `json:"port,omitempty"`
	Region             string          `json:"region,omitempty"`
	Address            string          `json:"address,omitempty"`
	Phone              string          `json:"phone,omitempty"`
	Operator           string          `json:"operator,omitempty"`
	Status             Status          `json:"status"`
	UpdatedAt          time.Time       `json:"updated_at,omitzero"`
	Source             string          `json:"source"`
	TimeZone           string          `json:"timezone,omitempty"` // IANA zone for opening hours; "" means Asia/Shanghai
	Version            int64           `json:"version,omitempty"`  // change version from the source of truth; 0 for files
}

// Severity says what a problem costs its record.
type Severity string

// The severities of a FieldError. The zero value is SeverityError.
const (
	// SeverityError: the record is refused.
	SeverityError Severity = ""
	// SeverityWarning: the record is kept without the field (for example
	// OSM opening hours yizhan cannot parse).
	SeverityWarning Severity = "warning"
)

// FieldError says which field of which record is wrong and why.
type FieldError struct {
	Index    int    // position in the input (feature index or line), -1 if unknown
	ID       string // record id, if it had one
	Field    string // property name, e.g. "amenities" or "geometry"
	Reason   string
	Severity Severity
}

// IsWarning reports whether p only warns: its record is kept.
func IsWarning(p *FieldError) bool { return p.Severity == SeverityWarning }

// Message is the reason as shown to a person: a warning says so first.
func (e *FieldError) Message() string {
	if e.Severity == SeverityWarning {
		return "warning: " + e.Reason
	}
	return e.Reason
}

func (e *FieldError) Error() string {
	var where []string
	if e.Index >= 0 {
		where = append(where, fmt.Sprintf("record %d", e.Index))
	}
	if e.ID != "" {
		where = append(where, fmt.Sprintf("id %q", e.ID))
	}
	if len(where) == 0 {
		where = append(where, "record")
	}
	return fmt.Sprintf("%s: %s: %s", strings.Join(where, " "), e.Field, e.Message())
}

// ValidationError collects every problem found in a batch of records.
type ValidationError struct {
	Problems []*FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Error()
	}
	msgs := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		msgs = append(msgs, p.Error())
	}
	sort.Strings(msgs)
	return fmt.Sprintf("%d invalid records: %s", len(e.Problems), strings.Join(msgs, "; "))
}
