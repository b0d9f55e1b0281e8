package data

import (
	"fmt"
	"slices"
	"sort"
	"strings"
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
	for _, f := range (&propsIn{}).fields() {
		if _, ro := readOnlyProperties[f.name]; !ro && f.name != "id" {
			out = append(out, f.name)
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
		unknown("names.", names, Languages, "name language")
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
