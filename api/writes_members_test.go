package api

import (
	"strings"
	"testing"

	"yizhan/data/bundled"
)

// TestWholeRecordWritesRefuseUnknownMembers: a POST or PUT whose record
// names a property, name language, port or geometry member that no record
// has is a 400 naming each, and nothing reaches the store; a record as
// read back (with its derived name, version and updated_at) is accepted.
func TestWholeRecordWritesRefuseUnknownMembers(t *testing.T) {
	store, calls := recordingStore()
	layers, err := bundled.LoadLayers() // the China outline, for crs=gcj02
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, fixture(t), Config{Store: store, WriteTokens: []string{testToken}, Layers: layers})
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
	// A record read in GCJ-02 holds offset coordinates: sending it back
	// would move the record, so it is refused.
	offset := get(t, s, "/v1/stations/erenhot-port?crs=gcj02")
	r = sendBody(t, s, "POST", "/v1/stations", offset.raw, "Content-Type", "application/geo+json", "Authorization", auth)
	assertProblem(t, r, 400, "WGS 84 only")
	// A record exactly as GET answers it, in every language (the
	// answer carries query and the derived name), can be sent back.
	for _, target := range []string{"/v1/stations/mzl-driver", "/v1/stations/mzl-driver?lang=ru", "/v1/stations/erenhot-port?lang=en"} {
		got := get(t, s, target)
		if got.status != 200 {
			t.Fatalf("GET %s = %d %s", target, got.status, got.raw)
		}
		before := len(calls.created)
		r := sendBody(t, s, "POST", "/v1/stations", got.raw, "Content-Type", "application/geo+json", "Authorization", auth)
		if r.status != 409 || len(calls.created) != before+1 {
			t.Errorf("POST of the answer to GET %s = %d %s; want it to reach the store (409 from the fake)", target, r.status, r.raw)
		}
	}
}
