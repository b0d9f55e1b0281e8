package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"yizhan/geo"
)

// The GeoJSON form of a record (RFC 7946) is a Feature with the id at the
// top level as a string, a Point geometry [lon, lat] and the properties of
// the record's one JSON form (see form.go). When reading, unknown
// properties are ignored (the API refuses them first, see UnknownMembers),
// a numeric id is taken as its decimal text, and an id kept in
// properties.id is used when the Feature has none.

// MarshalFeature returns the record as one GeoJSON Feature, in the shape
// DecodeStation reads.
func (st *Station) MarshalFeature() ([]byte, error) {
	return st.AppendFeature(nil, &exportForm)
}

// exportForm is how files are written: declared order, no HTML escapes.
var exportForm = FeatureOptions{}

// EncodeStations writes stations as a GeoJSON FeatureCollection, one
// Feature a line, in exactly the shape DecodeStations reads (the export
// format). It streams, so memory does not grow with the number of records.
func EncodeStations(w io.Writer, stations []*Station) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return fmt.Errorf("write feature collection: %w", err)
	}
	buf := make([]byte, 0, 1024)
	for i, st := range stations {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		var err error
		if buf, err = st.AppendFeature(buf, &exportForm); err != nil {
			return fmt.Errorf("encode record %d (id %q): %w", i, st.ID, err)
		}
		if _, err := bw.Write(buf); err != nil {
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

// DecodeStations reads a GeoJSON FeatureCollection of records. It returns
// the valid records in input order and every problem of every bad record
// (Index is the feature's position, from 0); a bad record never affects
// the others. A record whose id was already used by an earlier feature in
// the input is refused (the first one is kept; see FirstIDs). The error is
// non-nil only when the input is not a readable FeatureCollection at all
// (not JSON, not an object, wrong type, no features array, truncated).
//
// It holds the whole text while it reads (a file of a million records is
// some 400 MB, released when it returns; a large regular file is mapped,
// see inputText, and one that shrinks meanwhile is an error, not a
// crash) and reads the features on every
// core (see decodeParallel); a text that is not a plain, well-formed
// FeatureCollection is read again feature by feature, so that its errors
// are the same whatever the number of cores.
func DecodeStations(r io.Reader) ([]*Station, []*FieldError, error) {
	in, err := readInput(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read feature collection: %w", err)
	}
	defer in.release()
	return decodeInput(in)
}

// decodeInput is DecodeStations of a text read or mapped.
func decodeInput(in inputText) (stations []*Station, problems []*FieldError, err error) {
	var faulted atomic.Bool
	if in.mapped {
		// Deferred in this order, they run the other way: the fault
		// setting is put back, a fault's panic caught, and the answer
		// replaced by the error.
		defer func() {
			if faulted.Load() {
				stations, problems, err = nil, nil, fmt.Errorf("read feature collection: %w", errFileChanged)
			}
		}()
		defer catchFault(&faulted, in.b)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	}
	stations, problems, ok, fault := decodeParallel(in.b)
	if fault {
		faulted.Store(true)
		return nil, nil, nil
	}
	if ok {
		return stations, problems, nil
	}
	return decodeStream(bytes.NewReader(in.b))
}

// decodeStream is DecodeStations feature by feature, with encoding/json's
// errors for a text that is not a FeatureCollection.
func decodeStream(r io.Reader) ([]*Station, []*FieldError, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, fmt.Errorf("read feature collection: %w", err)
	}
	var (
		stations []*Station
		problems []*FieldError
		seen     = FirstIDs{}
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
					if first, ok := seen.Keep(id, i); !ok {
						errs = append(errs, DuplicateProblem(id, i, fmt.Sprintf("record %d", first)))
						st = nil
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
		return fmt.Sprintf("the string %q", geo.Clip(v, 20))
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
	return decodeFeatureInto(raw, strs, true, new(Station))
}

// decodeFeatureWith is decodeFeature; fast says whether to try
// decodeFeatureFast first (tests compare the two readers).
func decodeFeatureWith(raw []byte, strs *Interner, fast bool) (st *Station, id string, errs []*FieldError) {
	return decodeFeatureInto(raw, strs, fast, new(Station))
}

// decodeFeatureInto is decodeFeatureWith reading into st, a zero Station
// the caller provides (and may reuse when the record is refused).
func decodeFeatureInto(raw []byte, strs *Interner, fast bool, st *Station) (_ *Station, id string, errs []*FieldError) {
	p := propsIn{stationProps: (*stationProps)(st)}
	if fast {
		if id, ok := decodeFeatureFast(raw, &p, strs); ok {
			st.ID = id
			// The fast reader interned the shared texts already; only
			// the schedule is left to share.
			errs = completeRecord(st, &p, nil, nil)
			st.Hours = strs.Schedule(st.OpeningHours, st.Hours)
			if len(errs) > 0 {
				for _, e := range errs {
					e.ID = id
				}
				return nil, id, errs
			}
			return st, id, nil
		}
		*st = Station{}
		p = propsIn{stationProps: (*stationProps)(st)}
	}
	var idRaw json.RawMessage
	ff := featureFast{Properties: &p}
	if json.Unmarshal(raw, &ff) == nil && ff.Type == "Feature" && ff.Properties != nil &&
		ff.Geometry != nil && ff.Geometry.Type == "Point" && (len(ff.Geometry.Coordinates) == 2 || len(ff.Geometry.Coordinates) == 3) {
		idRaw = ff.ID
		st.Location = orb.Point{ff.Geometry.Coordinates[0], ff.Geometry.Coordinates[1]}
	} else {
		*st = Station{} // what the fast attempt read, if anything
		p = propsIn{stationProps: (*stationProps)(st)}
		var ok bool
		if idRaw, errs, ok = decodeFeatureSlow(raw, &p); !ok {
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
			bad("id", "want a string, got %s", geo.Clip(string(idRaw), 40))
		}
	}

	st.ID = id
	errs = completeRecord(st, &p, errs, strs)
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

// completeRecord finishes a record read through p: it interns the
// strings that repeat, parses the members read as text (amenities,
// updated_at), normalizes the record and adds its validation problems to
// errs, the problems found reading it, except for fields already reported
// as unreadable.
func completeRecord(st *Station, p *propsIn, errs []*FieldError, strs *Interner) []*FieldError {
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	st.Kind = internKind(st.Kind)
	st.Status = internStatus(st.Status)
	st.Languages = nilIfEmpty(st.Languages)
	if st.Port != nil {
		st.Port.Modes = nilIfEmpty(st.Port.Modes)
	}
	for _, f := range sharedTexts(st) {
		*f = strs.String(*f)
	}

	st.Amenities = 0
	for _, name := range p.Amenities {
		a, err := ParseAmenity(name)
		if err != nil {
			bad("amenities", "%v", err)
		}
		st.Amenities |= a
	}

	st.UpdatedAt = time.Time{}
	if p.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, p.UpdatedAt)
		if err != nil {
			bad("updated_at", "%q is not an RFC 3339 time such as 2024-05-01T08:00:00Z", geo.Clip(p.UpdatedAt, 40))
		} else {
			st.UpdatedAt = t.UTC()
		}
	}

	reported := make([]string, len(errs))
	for i, e := range errs {
		reported[i] = e.Field
	}
	st.Normalize()
	st.Hours = strs.Schedule(st.OpeningHours, st.Hours)
	for _, e := range st.Validate() {
		if !coveredBy(e.Field, reported) {
			errs = append(errs, e)
		}
	}
	return errs
}

// sharedTexts are the string fields of st whose values repeat across
// many records, which readers intern.
func sharedTexts(st *Station) [5]*string {
	return [5]*string{&st.OpeningHours, &st.TimeZone, &st.Region, &st.Operator, &st.Source}
}

// sharedText reports whether f is one of sharedTexts(st).
func sharedText(st *Station, f *string) bool {
	for _, s := range sharedTexts(st) {
		if s == f {
			return true
		}
	}
	return false
}

// decodeFeatureSlow reads a feature part by part, reporting every part
// that is wrong. ok is false when raw is not an object at all.
func decodeFeatureSlow(raw []byte, p *propsIn) (idRaw json.RawMessage, errs []*FieldError, ok bool) {
	var f featureIn
	if err := json.Unmarshal(raw, &f); err != nil || isNull(raw) {
		return nil, []*FieldError{{Field: "feature", Reason: "want a GeoJSON Feature object"}}, false
	}
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}

	var typ string
	if json.Unmarshal(f.Type, &typ) != nil || typ != "Feature" {
		bad("type", "want \"Feature\", got %s", geo.Clip(string(orNull(f.Type)), 40))
	}

	if l, reason := decodePoint(f.Geometry); reason != "" {
		bad("geometry", "%s", reason)
	} else {
		p.stationProps.Location = l
	}

	switch {
	case isNull(f.Properties):
		bad("properties", "missing; want an object with kind, names, source, ...")
	default:
		loc := p.stationProps.Location
		if err := json.Unmarshal(f.Properties, p); err != nil {
			// Read property by property to report every bad one.
			*p.stationProps = stationProps{Location: loc}
			p.Amenities, p.UpdatedAt, p.Name, p.ID = nil, "", nil, nil
			var m map[string]json.RawMessage
			if json.Unmarshal(f.Properties, &m) != nil {
				bad("properties", "want an object, got %s", geo.Clip(string(f.Properties), 40))
				break
			}
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
	return f.ID, errs, true
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
	for _, c := range statuses {
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
		return orb.Point{}, "want a Point object, got " + geo.Clip(string(raw), 40)
	}
	var typ string
	if json.Unmarshal(g.Type, &typ) != nil || typ != "Point" {
		return orb.Point{}, fmt.Sprintf("type %s; want \"Point\"", geo.Clip(string(orNull(g.Type)), 40))
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
