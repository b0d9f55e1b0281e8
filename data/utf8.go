package data

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// maxUTF8Problems bounds how many invalid strings InvalidUTF8 reports, so
// that a hostile document of a million bad strings costs one short list.
const maxUTF8Problems = 20

// reasonNotUTF8 is the reason given for every value that is not valid UTF-8.
const reasonNotUTF8 = "not valid UTF-8; send text in UTF-8"

// InvalidUTF8 returns one problem per field of raw (a GeoJSON Feature, or
// a partial one such as a merge patch) that holds bytes that are not valid
// UTF-8, or nil when raw is valid UTF-8. encoding/json silently replaces
// such bytes with U+FFFD, so that two different ids could become one and
// a name would be stored other than sent; every reader refuses them
// instead, naming the field as Validate does ("id", "names.zh",
// "port.hours", ...). The problems have Index -1 and no ID.
func InvalidUTF8(raw []byte) []*FieldError {
	if utf8.Valid(raw) {
		return nil
	}
	type frame struct {
		object  bool
		key     string // the member being read, in an object
		wantKey bool   // in an object, between members
		badKey  bool   // the member's name is not valid UTF-8 (reported once)
	}
	var (
		stack    []frame
		problems []*FieldError
		seen     = make(map[string]bool)
	)
	add := func(field, reason string) {
		if seen[field] || len(problems) == maxUTF8Problems {
			return
		}
		seen[field] = true
		problems = append(problems, &FieldError{Index: -1, Field: field, Reason: reason})
	}
	// field names the value at stack[:n]: object members by name, up to
	// the first array (a list is one field); "" under a bad member name,
	// which is reported already.
	field := func(n int) (string, bool) {
		var keys []string
		for _, f := range stack[:n] {
			if f.badKey {
				return "", false
			}
			if !f.object {
				break
			}
			keys = append(keys, f.key)
		}
		return utf8Field(keys), true
	}
	// valueDone moves the innermost object past one member.
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			break // the end, or a syntax error that the caller reports
		}
		end := dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, frame{object: t == '{', wantKey: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			valid := utf8.Valid(raw[start:end])
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				if !valid {
					if f, ok := field(n - 1); ok {
						add(f, "a member name is "+reasonNotUTF8)
					}
				}
				stack[n-1].key, stack[n-1].wantKey, stack[n-1].badKey = t, false, !valid
				continue
			}
			if !valid {
				if f, ok := field(len(stack)); ok {
					add(f, reasonNotUTF8)
				}
			}
			valueDone()
		default:
			valueDone()
		}
	}
	if len(problems) == 0 {
		add("feature", reasonNotUTF8)
	}
	return problems
}

// utf8Field names the record field at the member path keys of a Feature
// the way Validate does: properties without "properties." and nested
// members with dots ("names.zh", "port.hours"); anything in the geometry
// is "geometry".
func utf8Field(keys []string) string {
	switch {
	case len(keys) == 0:
		return "feature"
	case keys[0] == "geometry":
		return "geometry"
	case keys[0] == "properties" && len(keys) > 1:
		if f := strings.Join(keys[1:], "."); f != "" {
			return f
		}
		return "properties"
	}
	if f := strings.Join(keys, "."); f != "" {
		return f
	}
	return "feature" // a member with an empty name

}
