package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// The GeoJSON form of a record (RFC 7946) is a Feature with the id at the
// top level as a string, a Point geometry [lon, lat] and these properties:
//
//	kind, name (Chinese, falling back to any name; written, never read),
//	names {zh, en, ru, mn}, amenities [], opening_hours, capacity_per_day,
//	beds, truck_parking_spaces, area_m2, languages [],
//	port {country, modes, hours}, region, address, phone, operator, status,
//	updated_at (RFC 3339), source, timezone, version.
//
// Optional properties that are empty are left out when writing; amenities
// and languages are always written as arrays. When reading, unknown
// properties are ignored, a numeric id is taken as its decimal text, and
// an id kept in properties.id is used when the Feature has none.

// propsIn is the properties object as read. Name and ID accept any JSON so
// that a derived "name" never makes a record invalid.
type propsIn struct {
	Kind               string          `json:"kind"`
	Names              Names           `json:"names"`
	Amenities          []string        `json:"amenities"`
	OpeningHours       string          `json:"opening_hours"`
	CapacityPerDay     *int            `json:"capacity_per_day"`
	Beds               *int            `json:"beds"`
	TruckParkingSpaces *int            `json:"truck_parking_spaces"`
	AreaM2             *int            `json:"area_m2"`
	Languages          []string        `json:"languages"`
	Port               *PortInfo       `json:"port"`
	Region             string          `json:"region"`
	Address            string          `json:"address"`
	Phone              string          `json:"phone"`
	Operator           string          `json:"operator"`
	Status             string          `json:"status"`
	UpdatedAt          string          `json:"updated_at"`
	Source             string          `json:"source"`
	TimeZone           string          `json:"timezone"`
	Version            int64           `json:"version"`
	ID                 json.RawMessage `json:"id"`
}

// fields maps each property to its destination, for reading property by
// property when the whole object does not fit (to report every bad field).
func (p *propsIn) fields() []struct {
	name string
	dst  any
} {
	return []struct {
		name string
		dst  any
	}{
		{"kind", &p.Kind}, {"names", &p.Names}, {"amenities", &p.Amenities},
		{"opening_hours", &p.OpeningHours}, {"capacity_per_day", &p.CapacityPerDay},
		{"beds", &p.Beds}, {"truck_parking_spaces", &p.TruckParkingSpaces},
		{"area_m2", &p.AreaM2}, {"languages", &p.Languages}, {"port", &p.Port},
		{"region", &p.Region}, {"address", &p.Address}, {"phone", &p.Phone},
		{"operator", &p.Operator}, {"status", &p.Status}, {"updated_at", &p.UpdatedAt},
		{"source", &p.Source}, {"timezone", &p.TimeZone}, {"version", &p.Version},
		{"id", &p.ID},
	}
}

// portOut writes modes as an array even when there are none.
type portOut struct {
	Country string   `json:"country"`
	Modes   []string `json:"modes"`
	Hours   string   `json:"hours,omitempty"`
}

// propsOut is the properties object as written by EncodeStations; it holds
// the same keys as Station.Properties plus name.
type propsOut struct {
	Kind               Kind     `json:"kind"`
	Name               string   `json:"name"`
	Names              Names    `json:"names"`
	Amenities          []string `json:"amenities"`
	OpeningHours       string   `json:"opening_hours,omitempty"`
	CapacityPerDay     *int     `json:"capacity_per_day,omitempty"`
	Beds               *int     `json:"beds,omitempty"`
	TruckParkingSpaces *int     `json:"truck_parking_spaces,omitempty"`
	AreaM2             *int     `json:"area_m2,omitempty"`
	Languages          []string `json:"languages"`
	Port               *portOut `json:"port,omitempty"`
	Region             string   `json:"region,omitempty"`
	Address            string   `json:"address,omitempty"`
	Phone              string   `json:"phone,omitempty"`
	Operator           string   `json:"operator,omitempty"`
	Status             Status   `json:"status"`
	UpdatedAt          string   `json:"updated_at,omitempty"`
	Source             string   `json:"source"`
	TimeZone           string   `json:"timezone,omitempty"`
	Version            int64    `json:"version,omitempty"`
}

type pointOut struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type featureOut struct {
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	Geometry   pointOut `json:"geometry"`
	Properties propsOut `json:"properties"`
}

func (st *Station) port() *portOut {
	if st.Port == nil {
		return nil
	}
	modes := st.Port.Modes
	if modes == nil {
		modes = []string{}
	}
	return &portOut{Country: st.Port.Country, Modes: modes, Hours: st.Port.Hours}
}

func (st *Station) languages() []string {
	if st.Languages == nil {
		return []string{}
	}
	return st.Languages
}

func (st *Station) updatedAt() string {
	if st.UpdatedAt.IsZero() {
		return ""
	}
	return st.UpdatedAt.UTC().Format(time.RFC3339Nano)
}

// Properties returns the record's GeoJSON properties (see the format above)
// without "name", which the caller sets for the requested language. The
// map is new on every call; the caller may add to it.
func (st *Station) Properties() map[string]any {
	p := make(map[string]any, 16)
	p["kind"] = st.Kind
	p["names"] = st.Names
	p["amenities"] = st.Amenities.Names()
	if st.OpeningHours != "" {
		p["opening_hours"] = st.OpeningHours
	}
	for _, c := range []struct {
		key string
		v   *int
	}{{"capacity_per_day", st.CapacityPerDay}, {"beds", st.Beds}, {"truck_parking_spaces", st.TruckParkingSpaces}, {"area_m2", st.AreaM2}} {
		if c.v != nil {
			p[c.key] = *c.v
		}
	}
	p["languages"] = st.languages()
	if port := st.port(); port != nil {
		pm := map[string]any{"country": port.Country, "modes": port.Modes}
		if port.Hours != "" {
			pm["hours"] = port.Hours
		}
		p["port"] = pm
	}
	for _, c := range []struct{ key, v string }{
		{"region", st.Region}, {"address", st.Address}, {"phone", st.Phone}, {"operator", st.Operator},
		{"updated_at", st.updatedAt()}, {"timezone", st.TimeZone},
	} {
		if c.v != "" {
			p[c.key] = c.v
		}
	}
	p["status"] = st.Status
	p["source"] = st.Source
	if st.Version != 0 {
		p["version"] = st.Version
	}
	return p
}

func (st *Station) feature() *featureOut {
	return &featureOut{
		Type:     "Feature",
		ID:       st.ID,
		Geometry: pointOut{Type: "Point", Coordinates: [2]float64{st.Location.Lon(), st.Location.Lat()}},
		Properties: propsOut{
			Kind:               st.Kind,
			Name:               st.Names.In("zh"),
			Names:              st.Names,
			Amenities:          st.Amenities.Names(),
			OpeningHours:       st.OpeningHours,
			CapacityPerDay:     st.CapacityPerDay,
			Beds:               st.Beds,
			TruckParkingSpaces: st.TruckParkingSpaces,
			AreaM2:             st.AreaM2,
			Languages:          st.languages(),
			Port:               st.port(),
			Region:             st.Region,
			Address:            st.Address,
			Phone:              st.Phone,
			Operator:           st.Operator,
			Status:             st.Status,
			UpdatedAt:          st.updatedAt(),
			Source:             st.Source,
			TimeZone:           st.TimeZone,
			Version:            st.Version,
		},
	}
}

// MarshalFeature returns the record as one GeoJSON Feature, in the shape
// DecodeStation reads.
func (st *Station) MarshalFeature() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st.feature()); err != nil {
		return nil, fmt.Errorf("encode record %q: %w", st.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// EncodeStations writes stations as a GeoJSON FeatureCollection, one
// Feature a line, in exactly the shape DecodeStations reads (the export
// format). It streams, so memory does not grow with the number of records.
func EncodeStations(w io.Writer, stations []*Station) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return fmt.Errorf("write feature collection: %w", err)
	}
	for i, st := range stations {
		buf.Reset()
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		if err := enc.Encode(st.feature()); err != nil {
			return fmt.Errorf("encode record %d (id %q): %w", i, st.ID, err)
		}
		if _, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
			return fmt.Errorf("write feature collection: %w", err)
		}
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return fmt.Errorf("write feature collection: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write feature collection: %w", err)
	}
	return nil
}

// DecodeStations reads a GeoJSON FeatureCollection of records, streaming
// feature by feature so that a file of a million records needs memory for
// the records, not for the text. It returns the valid records in input
// order and every problem of every bad record (Index is the feature's
// position, from 0); a bad record never affects the others. A record whose
// id was already used by an earlier feature in the input is refused (the
// first one is kept). The error is non-nil only when the input is not a
// readable FeatureCollection at all (not JSON, not an object, wrong type,
// no features array, truncated).
func DecodeStations(r io.Reader) ([]*Station, []*FieldError, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, fmt.Errorf("read feature collection: %w", err)
	}
	var (
		stations []*Station
		problems []*FieldError
		seen     = make(map[string]int)
		strs     = NewInterner()
		typ      string
		sawType  bool
		sawFeat  bool
		i        int // feature index across the whole input
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("read feature collection: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			sawType = true
			if err := dec.Decode(&typ); err != nil {
				return nil, nil, fmt.Errorf("read feature collection: \"type\" is not a string: %w", err)
			}
			if typ != "FeatureCollection" {
				return nil, nil, fmt.Errorf("read feature collection: type is %q; want \"FeatureCollection\"", typ)
			}
		case "features":
			sawFeat = true
			if err := expectDelim(dec, '['); err != nil {
				return nil, nil, fmt.Errorf("read feature collection: \"features\" must be an array: %w", err)
			}
			for ; dec.More(); i++ {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, nil, fmt.Errorf("read feature %d: %w", i, err)
				}
				st, id, errs := decodeFeature(raw, strs)
				if id != "" {
					if first, dup := seen[id]; dup {
						errs = append(errs, &FieldError{ID: id, Field: "id", Reason: fmt.Sprintf("duplicate id; record %d already uses it", first)})
						st = nil
					} else {
						seen[id] = i
					}
				}
				for _, e := range errs {
					e.Index = i
				}
				problems = append(problems, errs...)
				if st != nil {
					stations = append(stations, st)
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, nil, fmt.Errorf("read feature collection: %w", err)
			}
		default:
			var skip json.RawMessage // bbox, crs, name, foreign members
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, fmt.Errorf("read feature collection: %w", err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, fmt.Errorf("read feature collection: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("read feature collection: unexpected data after the FeatureCollection object")
	}
	switch {
	case !sawType:
		return nil, nil, errors.New(`read feature collection: missing "type": "FeatureCollection"`)
	case !sawFeat:
		return nil, nil, errors.New(`read feature collection: missing the "features" array`)
	}
	return stations, problems, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return errors.New("empty input")
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		what := "an object"
		if want == '[' {
			what = "an array"
		}
		return fmt.Errorf("want %s, got %v", what, describeToken(tok))
	}
	return nil
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", clip(v, 20))
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", v)
	}
}

// DecodeStation reads one GeoJSON Feature and validates it. It returns the
// record, or nil and every problem found (with Index -1).
func DecodeStation(raw []byte) (*Station, []*FieldError) {
	st, _, errs := decodeFeature(raw, nil)
	for _, e := range errs {
		e.Index = -1
	}
	return st, errs
}

type featureIn struct {
	Type       json.RawMessage `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// featureFast is a well-formed Feature read in one pass; a feature that
// does not fit it is read again, part by part, to say what is wrong.
type featureFast struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id"`
	Geometry *struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties *propsIn `json:"properties"`
}

// decodeFeature returns the valid record, or nil and its problems; id is
// the record's id when one could be read, even if the record is invalid.
func decodeFeature(raw []byte, strs *Interner) (st *Station, id string, errs []*FieldError) {
	var (
		p     propsIn
		idRaw json.RawMessage
		loc   orb.Point
	)
	var ff featureFast
	if json.Unmarshal(raw, &ff) == nil && ff.Type == "Feature" && ff.Properties != nil &&
		ff.Geometry != nil && ff.Geometry.Type == "Point" && (len(ff.Geometry.Coordinates) == 2 || len(ff.Geometry.Coordinates) == 3) {
		p, idRaw = *ff.Properties, ff.ID
		loc = orb.Point{ff.Geometry.Coordinates[0], ff.Geometry.Coordinates[1]}
	} else {
		var ok bool
		if p, idRaw, loc, errs, ok = decodeFeatureSlow(raw); !ok {
			return nil, "", append(errs, InvalidUTF8(raw)...)
		}
	}
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}

	if isNull(idRaw) {
		idRaw = p.ID
	}
	if !isNull(idRaw) {
		var s string
		var n json.Number
		if json.Unmarshal(idRaw, &s) == nil {
			id = s
		} else if json.Unmarshal(idRaw, &n) == nil {
			id = n.String()
		} else {
			bad("id", "want a string, got %s", clip(string(idRaw), 40))
		}
	}

	st = &Station{
		ID:                 id,
		Location:           loc,
		Kind:               internKind(Kind(p.Kind)),
		Names:              p.Names,
		OpeningHours:       p.OpeningHours,
		TimeZone:           p.TimeZone,
		CapacityPerDay:     p.CapacityPerDay,
		Beds:               p.Beds,
		TruckParkingSpaces: p.TruckParkingSpaces,
		AreaM2:             p.AreaM2,
		Languages:          nilIfEmpty(p.Languages),
		Port:               p.Port,
		Region:             p.Region,
		Address:            p.Address,
		Phone:              p.Phone,
		Operator:           p.Operator,
		Status:             internStatus(Status(p.Status)),
		Source:             p.Source,
		Version:            p.Version,
	}
	if st.Port != nil {
		st.Port.Modes = nilIfEmpty(st.Port.Modes)
	}
	for _, f := range []*string{&st.OpeningHours, &st.TimeZone, &st.Region, &st.Operator, &st.Source} {
		*f = strs.String(*f)
	}

	for _, name := range p.Amenities {
		a, err := ParseAmenity(name)
		if err != nil {
			bad("amenities", "%v", err)
		}
		st.Amenities |= a
	}

	if p.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, p.UpdatedAt)
		if err != nil {
			bad("updated_at", "%q is not an RFC 3339 time such as 2024-05-01T08:00:00Z", clip(p.UpdatedAt, 40))
		} else {
			st.UpdatedAt = t.UTC()
		}
	}

	// Validation problems, except for fields already reported as unreadable.
	reported := make([]string, len(errs))
	for i, e := range errs {
		reported[i] = e.Field
	}
	st.Normalize()
	for _, e := range st.Validate() {
		if !coveredBy(e.Field, reported) {
			errs = append(errs, e)
		}
	}
	// Bytes that are not UTF-8 were read as U+FFFD above: refuse the
	// record, naming those fields instead of what the replacement made.
	if notUTF8 := InvalidUTF8(raw); notUTF8 != nil {
		bad := make([]string, len(notUTF8))
		for i, e := range notUTF8 {
			bad[i] = e.Field
			if e.Field == "id" || e.Field == "feature" {
				id = "" // not the id that was sent: never match another record by it
			}
		}
		for _, e := range errs {
			if !coveredBy(e.Field, bad) {
				notUTF8 = append(notUTF8, e)
			}
		}
		errs = notUTF8
	}
	for _, e := range errs {
		e.ID = id
	}
	if len(errs) > 0 {
		return nil, id, errs
	}
	return st, id, nil
}

// decodeFeatureSlow reads a feature part by part, reporting every part
// that is wrong. ok is false when raw is not an object at all.
func decodeFeatureSlow(raw []byte) (p propsIn, idRaw json.RawMessage, loc orb.Point, errs []*FieldError, ok bool) {
	var f featureIn
	if err := json.Unmarshal(raw, &f); err != nil || isNull(raw) {
		return p, nil, loc, []*FieldError{{Field: "feature", Reason: "want a GeoJSON Feature object"}}, false
	}
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}

	var typ string
	if json.Unmarshal(f.Type, &typ) != nil || typ != "Feature" {
		bad("type", "want \"Feature\", got %s", clip(string(orNull(f.Type)), 40))
	}

	if l, reason := decodePoint(f.Geometry); reason != "" {
		bad("geometry", "%s", reason)
	} else {
		loc = l
	}

	switch {
	case isNull(f.Properties):
		bad("properties", "missing; want an object with kind, names, source, ...")
	default:
		if err := json.Unmarshal(f.Properties, &p); err != nil {
			// Read property by property to report every bad one.
			var m map[string]json.RawMessage
			if json.Unmarshal(f.Properties, &m) != nil {
				bad("properties", "want an object, got %s", clip(string(f.Properties), 40))
				break
			}
			p = propsIn{}
			for _, fd := range p.fields() {
				v, ok := m[fd.name]
				if !ok {
					continue
				}
				if err := json.Unmarshal(v, fd.dst); err != nil {
					// Leave the zero value so later checks don't repeat the problem.
					reflect.ValueOf(fd.dst).Elem().SetZero()
					bad(fd.name, "%s", describeJSONError(err))
				}
			}
		}
	}
	return p, f.ID, loc, errs, true
}

// internKind and internStatus return the package's constant for a known
// value, so that a million records share one copy of each string.
func internKind(k Kind) Kind {
	for _, c := range kinds {
		if c == k {
			return c
		}
	}
	return k
}

func internStatus(s Status) Status {
	for _, c := range []Status{StatusOpen, StatusClosed, StatusPlanned} {
		if c == s {
			return c
		}
	}
	return s
}

func coveredBy(field string, reported []string) bool {
	for _, r := range reported {
		if field == r || strings.HasPrefix(field, r+".") || r == "properties" {
			return true
		}
	}
	return false
}

// decodePoint reads a GeoJSON Point; reason says what is wrong otherwise.
// An altitude, if given, is ignored.
func decodePoint(raw json.RawMessage) (orb.Point, string) {
	if isNull(raw) {
		return orb.Point{}, "missing; want a Point {\"type\": \"Point\", \"coordinates\": [lon, lat]}"
	}
	var g struct {
		Type        json.RawMessage `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal(raw, &g) != nil {
		return orb.Point{}, "want a Point object, got " + clip(string(raw), 40)
	}
	var typ string
	if json.Unmarshal(g.Type, &typ) != nil || typ != "Point" {
		return orb.Point{}, fmt.Sprintf("type %s; want \"Point\"", clip(string(orNull(g.Type)), 40))
	}
	var c []float64
	if err := json.Unmarshal(g.Coordinates, &c); err != nil || isNull(g.Coordinates) {
		return orb.Point{}, "coordinates must be an array of numbers [lon, lat]"
	}
	if len(c) != 2 && len(c) != 3 {
		return orb.Point{}, fmt.Sprintf("coordinates holds %d values; want exactly [lon, lat]", len(c))
	}
	return orb.Point{c[0], c[1]}, ""
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// describeJSONError turns a decoding error into "want an integer, got
// number 1.5" wording.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := ""
		if te.Field != "" {
			where = " at " + te.Field
		}
		return fmt.Sprintf("want %s%s, got %s", jsonTypeName(te.Type), where, te.Value)
	}
	return err.Error()
}

func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// LoadFile reads a GeoJSON FeatureCollection of records from path (see
// DecodeStations), for serve --data.
func LoadFile(path string) ([]*Station, []*FieldError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load stations: %w", err)
	}
	defer f.Close()
	stations, problems, err := DecodeStations(f)
	if err != nil {
		return nil, nil, fmt.Errorf("load stations from %s: %w", path, err)
	}
	return stations, problems, nil
}
