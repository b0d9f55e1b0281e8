package api

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzQuery requests path?raw and fails unless the answer is 200 or 400
// (404 when allowed) with a JSON body: no input may make a 500 or a crash.
func fuzzQuery(f *testing.F, path string, allow404 bool, seeds ...string) {
	fuzzQueryOn(f, newTestServer(f, fixture(f), Config{}), path, allow404, seeds...)
}

// fuzzQueryOn is fuzzQuery against the server s.
func fuzzQueryOn(f *testing.F, s *Server, path string, allow404 bool, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// Only what can travel in a request line: the HTTP client would
		// refuse the rest before it reached the server.
		for _, c := range []byte(raw) {
			if c <= ' ' || c >= 0x7f || c == '#' {
				t.Skip()
			}
		}
		// Longer request heads get 431 before routing (TestHeaderTooLarge);
		// app.Test reports that as an error instead of the answer.
		if len(raw) > HeaderLimit-200 {
			t.Skip()
		}
		req := httptest.NewRequest("GET", path, nil)
		req.URL.RawQuery = raw
		req.RequestURI = ""
		resp, err := s.App().Test(req, -1)
		if err != nil {
			t.Fatalf("GET %s?%s: %v", path, quote(raw), err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		ok := resp.StatusCode == 200 || resp.StatusCode == 400 || allow404 && resp.StatusCode == 404
		if !ok {
			t.Fatalf("GET %s?%s = %d; want 200 or 400\n%s", path, quote(raw), resp.StatusCode, body)
		}
		if !json.Valid(body) {
			t.Fatalf("GET %s?%s body is not JSON: %s", path, quote(raw), body)
		}
		if resp.StatusCode != 200 && !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Fatalf("GET %s?%s = %d with Content-Type %q; want a problem", path, quote(raw), resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

func FuzzNearestQuery(f *testing.F) {
	fuzzQuery(f, "/v1/stations/nearest", false,
		"lon=111.67&lat=40.81",
		"lon=111.67&lat=40.81&k=100&kind=port,driver_home&amenity=shower",
		"lon=179.99&lat=0&k=5&max_distance_m=1e7",
		"lon=-180&lat=90&open_now=true&lang=ru",
		"lon=NaN&lat=1",
		"lon=1e309&lat=1",
		"lon=0x1p-2&lat=1",
		"lon=1&lat=1&open_at=2024-05-05T10:00:00%2B08:00",
		"lon=1&lat=1&k=9223372036854775808",
		"lon=%ff&lat=%00",
		"lon=1&lat=1&lon=2",
		"lon=1&lat=1&&&=&kind=,,,",
	)
}

func FuzzWithinQuery(f *testing.F) {
	fuzzQuery(f, "/v1/stations/within", false,
		"lon=111.67&lat=40.81",
		"lon=111.67&lat=40.81&radius_m=500000",
		"lon=111.67&lat=40.81&minutes=15&mode=walk",
		"lon=111.67&lat=40.81&minutes=600&speed_kmh=0.001&circuity=3",
		"lon=179.99&lat=89.999&minutes=599&mode=truck",
		"lon=0&lat=-90&radius_m=1e-300",
		"lon=1&lat=1&radius_m=5&minutes=5",
		"lon=1&lat=1&minutes=15&mode=fly&limit=1",
		"lon=1&lat=1&radius_m=4.9e-324",
	)
}

func FuzzStationsBBox(f *testing.F) {
	fuzzQuery(f, "/v1/stations", false,
		"bbox=97,37,127,54",
		"bbox=179,-1,-179,1&limit=1&offset=1",
		"bbox=-180,-90,180,90&limit=10000&offset=100000000",
		"bbox=1,2,3",
		"bbox=nan,0,1,1",
		"bbox=1,1,1,1&kind=port&amenity=wifi&open_now=1",
		"bbox=%20-180%20,-90,180,90",
		"offset=-0&limit=+5",
	)
}
