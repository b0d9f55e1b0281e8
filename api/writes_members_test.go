package api

import (
	"strings"
	"testing"
)

// TestWholeRecordWritesRefuseUnknownMembers: a POST or PUT whose record
// names a property, name language, port or geometry member that no record
// has is a 400 naming each, and nothing reaches the store; a record as
// read back (with its derived name, version and updated_at) is accepted.
func TestWholeRecordWritesRefuseUnknownMembers(t *testing.T) {
	store, calls := recordingStore()
	s := newTestServer(t, fixture(t), Config{Store: store, WriteTokens: []string{testToken}})
	auth := "Bearer " + testToken
	record := func(extraProps, extraFeature string) string {
		return `{"type":"Feature","id":"new-1",` + extraFeature + `"geometry":{"type":"Point","coordinates":[111.98,43.65]},` +
			`"properties":{"kind":"driver_home","names":{"zh":"驿站"},"source":"test"` + extraProps + `}}`
	}
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"misspelt property", record(`,"bed":20`, ""), []string{"bed"}},
		{"unknown name language", record(`,"names":{"zh":"驿站","fr":"relais"}`, ""), []string{"names.fr"}},
		{"unknown feature member", record("", `"foo":1,`), []string{"foo"}},
		{"several", record(`,"bed":1,"wifi":true`, `"foo":1,`), []string{"foo", "bed", "wifi"}},
	}
	for _, tc := range tests {
		for _, method := range []string{"POST", "PUT"} {
			path := "/v1/stations"
			if method == "PUT" {
				path += "/new-1"
			}
			r := sendBody(t, s, method, path, []byte(tc.body), "Content-Type", "application/geo+json", "Authorization", auth)
			assertProblem(t, r, 400, "unknown")
			for _, f := range tc.fields {
				if !strings.Contains(string(r.raw), `"field":"`+f+`"`) {
					t.Errorf("%s %s (%s) = %s; want a problem naming %s", method, path, tc.name, r.raw, f)
				}
			}
		}
	}
	if len(calls.created) != 0 {
		t.Fatalf("the store was given %q for refused bodies", calls.created)
	}
	// A record as read: derived members are ignored, not refused.
	asRead := record(`,"name":"驿站","version":7,"updated_at":"2026-01-01T00:00:00Z","distance_m":1,"bearing_deg":2`, `"bbox":[111.98,43.65,111.98,43.65],`)
	r := sendBody(t, s, "POST", "/v1/stations", []byte(asRead), "Content-Type", "application/geo+json", "Authorization", auth)
	if r.status != 409 || len(calls.created) != 1 {
		t.Fatalf("POST of a record as read = %d %s; want it to reach the store (409 from the fake)", r.status, r.raw)
	}
}
