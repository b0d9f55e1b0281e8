package data

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"yizhan/geo"
)

// readOnlyProperties are the properties a record is written with but that
// no writer sets, with the reason a patch may not name them.
var readOnlyProperties = map[string]string{
	"name":        "derived from names and the requested lang; patch names instead",
	"version":     "set by the database on every change; send the version you read as If-Match instead",
	"updated_at":  "set by the database on every change",
	"distance_m":  "computed per query; it is not part of the record",
	"bearing_deg": "computed per query; it is not part of the record",
}

// patchableProperties are the properties a merge patch may set or remove:
// the ones DecodeStation reads, less the read-only ones and "id" (which
// only identifies the record).
var patchableProperties = func() []string {
	var out []string
	for _, name := range readMembers {
		if _, ro := readOnlyProperties[name]; !ro && name != "id" {
			out = append(out, name)
		}
	}
	return out
}()

// The members a patch may name at the other levels of a Feature.
var (
	patchFeatureMembers  = []string{"type", "id", "geometry", "properties"}
	patchGeometryMembers = []string{"type", "coordinates"}
	patchPortMembers     = []string{"country", "modes", "hours"}
)

// patchMembers returns a problem for every member of the merge patch p
// that names nothing a writer can change: unknown members at any level
// (a property, a names language, a port or geometry member), read-only
// properties, and an id other than the record's. Without this, such a
// patch would be merged into the record and then dropped when it is
// decoded: an answer of 200 that changed nothing the client asked for.
func patchMembers(id string, p map[string]any) []*FieldError {
	return memberProblems(id, p, true)
}

// UnknownMembers returns a problem for every member of the whole record f
// (a decoded GeoJSON Feature, as a PUT or POST sends it) that names
// nothing a record has: an unknown property, names language, port or
// geometry member. Read-only properties (name, version, updated_at,
// distance_m, bearing_deg) are allowed and ignored, so that a record as
// read can be changed and sent back. Without this check a misspelt
// property ("bed": 20) would be dropped and the write answered 200.
func UnknownMembers(id string, f map[string]any) []*FieldError {
	return memberProblems(id, f, false)
}

// memberProblems checks the members of a Feature: of a merge patch
// (patch: read-only properties and id changes are refused too) or of a
// whole record (read-only properties are ignored, and so are the bbox and
// query members of a record as the API answers it).
func memberProblems(id string, p map[string]any, patch bool) []*FieldError {
	var errs []*FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Index: -1, ID: id, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	unknown := func(prefix string, m map[string]any, allowed []string, what string) {
		for _, k := range sortedKeys(m) {
			if !slices.Contains(allowed, k) {
				bad(prefix+memberName(k), "unknown %s (allowed: %s)", what, strings.Join(allowed, ", "))
			}
		}
	}
	featureMembers := patchFeatureMembers
	if !patch {
		// A record as the API answers it: bbox, and the query its answer
		// echoes (GET /v1/stations/{id} carries query.crs).
		featureMembers = append(slices.Clone(patchFeatureMembers), "bbox", "query")
	}
	unknown("", p, featureMembers, "member of a Feature")
	if v, ok := p["id"]; ok && patch && v != id {
		bad("id", "a patch cannot change the id")
	}
	if t, ok := p["type"]; ok && t != "Feature" {
		bad("type", "want \"Feature\" or leave it out")
	}
	if g, ok := p["geometry"].(map[string]any); ok {
		unknown("geometry.", g, patchGeometryMembers, "member of a Point")
	}
	props, _ := p["properties"].(map[string]any)
	for _, k := range sortedKeys(props) {
		switch reason, ro := readOnlyProperties[k]; {
		case ro && !patch:
			// A record as read; its derived members are ignored.
		case ro:
			bad(k, "read-only: %s", reason)
		case k == "id":
			if patch && props[k] != id {
				bad("id", "a patch cannot change the id")
			}
		case !slices.Contains(patchableProperties, k):
			bad(memberName(k), "unknown property (allowed: %s)", strings.Join(patchableProperties, ", "))
		}
	}
	if names, ok := props["names"].(map[string]any); ok {
		unknown("names.", names, languages, "name language")
	}
	if port, ok := props["port"].(map[string]any); ok {
		unknown("port.", port, patchPortMembers, "member of port")
	}
	return errs
}

// memberName is k as a field name; an empty member name is shown as "".
func memberName(k string) string {
	if k == "" {
		return `""`
	}
	return k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MergePatch returns cur with the JSON merge patch (RFC 7396) applied,
// checked and normalized as a new record; cur is not modified. The patch
// is a partial GeoJSON Feature (see postgis.DB.Patch): its members are
// decoded by the record's one form straight onto a copy of cur, member by
// member, so that each bad member is reported as a reader reports it.
// The derived and database-set members (name, version, updated_at) are
// not part of the result.
func MergePatch(cur *Station, patch []byte) (*Station, []*FieldError) {
	bad := func(field, reason string) (*Station, []*FieldError) {
		return nil, []*FieldError{{Index: -1, ID: cur.ID, Field: field, Reason: reason}}
	}
	if problems := InvalidUTF8(patch); problems != nil {
		for _, e := range problems {
			e.ID = cur.ID
		}
		return nil, problems
	}
	var p map[string]any
	if err := json.Unmarshal(patch, &p); err != nil || p == nil {
		return bad("patch", "want a JSON object: a partial GeoJSON Feature such as {\"properties\": {\"status\": \"closed\"}}")
	}
	if problems := patchMembers(cur.ID, p); problems != nil {
		return nil, problems
	}
	if g, ok := p["geometry"]; ok && g == nil {
		return bad("geometry", "cannot be removed; every record needs a Point")
	}
	if props, ok := p["properties"]; ok && props == nil {
		return bad("properties", "cannot be removed; patch single properties instead")
	}
	var doc struct {
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(patch, &doc); err != nil {
		return bad("patch", err.Error())
	}
	var props map[string]json.RawMessage
	if doc.Properties != nil && json.Unmarshal(doc.Properties, &props) != nil {
		return bad("properties", "want an object, got "+geo.Clip(string(doc.Properties), 40))
	}

	next := *cur
	next.Version, next.UpdatedAt = 0, time.Time{}
	if cur.Port != nil {
		port := *cur.Port
		port.Modes = slices.Clone(port.Modes)
		next.Port = &port
	}
	var errs []*FieldError
	fail := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if doc.Geometry != nil {
		point := map[string]any{"type": "Point", "coordinates": []float64{cur.Location.Lon(), cur.Location.Lat()}}
		var g any
		_ = json.Unmarshal(doc.Geometry, &g) // the whole patch is valid JSON
		merged, err := json.Marshal(mergePatch(point, g))
		if err != nil {
			return bad("geometry", err.Error())
		}
		if loc, reason := decodePoint(merged); reason != "" {
			fail("geometry", "%s", reason)
		} else {
			next.Location = loc
		}
	}

	in := propsIn{stationProps: (*stationProps)(&next), Amenities: cur.Amenities.Names()}
	for _, f := range in.fields() {
		v, ok := props[f.name]
		if !ok || f.name == "id" {
			continue
		}
		dst := reflect.ValueOf(f.dst).Elem()
		if isNull(v) {
			dst.SetZero()
			continue
		}
		if err := mergeMember(dst, v); err != nil {
			dst.SetZero() // so that later checks don't repeat the problem
			fail(f.name, "%s", describeJSONError(err))
		}
	}
	errs = completeRecord(&next, &in, errs, nil)
	for _, e := range errs {
		e.Index, e.ID = -1, cur.ID
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &next, nil
}

// mergeMember applies the patch value v to the member dst: an object
// merges into a nested object (names, port; a null member removes that
// member), anything else replaces the value. Nested objects must be the
// patched record's own (MergePatch copies port).
func mergeMember(dst reflect.Value, v json.RawMessage) error {
	target := dst
	if target.Kind() == reflect.Pointer && target.Type().Elem().Kind() == reflect.Struct {
		if target.IsNil() {
			target.Set(reflect.New(target.Type().Elem()))
		}
		target = target.Elem()
	}
	if target.Kind() != reflect.Struct {
		// A value replaces: decoding into the record's pointer or slice
		// would write through to the record patched.
		dst.SetZero()
		return json.Unmarshal(v, dst.Addr().Interface())
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(v, &members) == nil {
		t := target.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			m, ok := members[name]
			if f := target.Field(i); ok && (isNull(m) || f.Kind() == reflect.Slice || f.Kind() == reflect.Pointer) {
				f.SetZero()
			}
		}
	}
	return json.Unmarshal(v, dst.Addr().Interface())
}

// mergePatch is RFC 7396's MergePatch(target, patch), for the geometry.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}
