package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// corsAnswer sends method target with the header name/value pairs and
// returns the answer's status and headers.
func corsAnswer(t *testing.T, s *Server, method, target string, header ...string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	resp.Body.Close()
	h := map[string]string{}
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
		"Access-Control-Expose-Headers", "Access-Control-Allow-Credentials", "Access-Control-Max-Age", "Vary", "Content-Type"} {
		h[k] = strings.Join(resp.Header.Values(k), ", ")
	}
	return resp.StatusCode, h
}

// TestCORS checks the matrix: reads open to any origin by default, and
// everything else only to trusted origins, never with credentials.
func TestCORS(t *testing.T) {
	const (
		trusted = "https://map.union.example"
		other   = "https://elsewhere.example"
	)
	open := newTestServer(t, fixture(t), Config{})
	withTrusted := newTestServer(t, fixture(t), Config{CORSOrigins: []string{trusted}})
	listed := newTestServer(t, fixture(t), Config{CORSReadOrigins: []string{"HTTPS://Map.Union.Example/"}})
	closed := newTestServer(t, fixture(t), Config{CORSReadOrigins: []string{}})
	preflight := func(method string) []string {
		return []string{"Access-Control-Request-Method", method, "Access-Control-Request-Headers", "content-type"}
	}
	tests := []struct {
		name           string
		s              *Server
		method, target string
		origin         string
		extra          []string
		status         int
		allow          string // Access-Control-Allow-Origin; "" none
		vary           bool   // Vary: Origin
		methods        string // Access-Control-Allow-Methods must contain this
	}{
		{"read", open, "GET", "/v1/stations/nearest?lon=111.7&lat=40.8", other, nil, 200, "*", false, ""},
		{"read without Origin", open, "GET", "/v1/stations/nearest?lon=111.7&lat=40.8", "", nil, 200, "*", false, ""},
		{"read HEAD", open, "HEAD", "/v1/stations/hohhot-union", other, nil, 200, "*", false, ""},
		{"read error", open, "GET", "/v1/stations/nearest?lon=200&lat=40", other, nil, 400, "*", false, ""},
		{"OGC", open, "GET", "/ogc/collections/stations/items?limit=1", other, nil, 200, "*", false, ""},
		{"OGC landing", open, "GET", "/ogc", other, nil, 200, "*", false, ""},
		{"tile", open, "GET", "/tiles/0/0/0.mvt", other, nil, 200, "*", false, ""},
		{"TileJSON", open, "GET", "/tiles.json", other, nil, 200, "*", false, ""},
		{"OpenAPI", open, "GET", "/openapi.json", other, nil, 200, "*", false, ""},
		{"health is not the read API", open, "GET", "/healthz", other, nil, 200, "", false, ""},
		{"metrics are not the read API", open, "GET", "/metrics", other, nil, 200, "", false, ""},
		{"planner POST", open, "POST", "/v1/route/stations", other, nil, 400, "", false, ""},
		{"read preflight", open, "OPTIONS", "/v1/stations/nearest", other, preflight("GET"), 204, "*", true, "GET"},
		{"planner preflight", open, "OPTIONS", "/v1/coverage/gaps", other, preflight("POST"), 403, "", true, ""},
		{"write preflight", open, "OPTIONS", "/v1/stations/x", other, preflight("DELETE"), 403, "", true, ""},
		{"preflight for a GET outside the read API", open, "OPTIONS", "/metrics", other, preflight("GET"), 403, "", true, ""},
		{"OPTIONS that is no preflight", open, "OPTIONS", "/v1/stations/nearest", "", nil, 405, "", false, ""},

		{"trusted write preflight", withTrusted, "OPTIONS", "/v1/stations/x", trusted, preflight("PATCH"), 204, trusted, true, "PATCH"},
		{"trusted planner preflight", withTrusted, "OPTIONS", "/v1/coverage/gaps", trusted, preflight("POST"), 204, trusted, true, "POST"},
		{"untrusted write preflight", withTrusted, "OPTIONS", "/v1/stations/x", other, preflight("PUT"), 403, "", true, ""},
		{"trusted planner POST", withTrusted, "POST", "/v1/route/stations", trusted, nil, 400, trusted, true, ""},
		{"untrusted planner POST", withTrusted, "POST", "/v1/route/stations", other, nil, 400, "", true, ""},
		{"trusted read", withTrusted, "GET", "/v1/stations/hohhot-union", trusted, nil, 200, "*", false, ""},
		{"trusted health", withTrusted, "GET", "/readyz", trusted, nil, 200, trusted, true, ""},

		{"listed read", listed, "GET", "/v1/stations/hohhot-union", "https://map.union.example", nil, 200, "https://map.union.example", true, ""},
		{"unlisted read", listed, "GET", "/v1/stations/hohhot-union", other, nil, 200, "", true, ""},
		{"listed read preflight", listed, "OPTIONS", "/ogc/collections", "https://map.union.example", preflight("GET"), 204, "https://map.union.example", true, "GET"},
		{"unlisted read preflight", listed, "OPTIONS", "/ogc/collections", other, preflight("GET"), 403, "", true, ""},
		{"no cross-origin reads", closed, "GET", "/v1/stations/hohhot-union", other, nil, 200, "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := append([]string{}, tc.extra...)
			if tc.origin != "" {
				h = append(h, "Origin", tc.origin)
			}
			status, got := corsAnswer(t, tc.s, tc.method, tc.target, h...)
			if status != tc.status {
				t.Errorf("%s %s from %s = %d; want %d", tc.method, tc.target, tc.origin, status, tc.status)
			}
			if got["Access-Control-Allow-Origin"] != tc.allow {
				t.Errorf("Access-Control-Allow-Origin = %q; want %q", got["Access-Control-Allow-Origin"], tc.allow)
			}
			if v := strings.Contains(got["Vary"], "Origin"); v != tc.vary {
				t.Errorf("Vary = %q; want Origin in it: %v", got["Vary"], tc.vary)
			}
			if c := got["Access-Control-Allow-Credentials"]; c != "" {
				t.Errorf("Access-Control-Allow-Credentials = %q; want none, ever", c)
			}
			if !strings.Contains(got["Access-Control-Allow-Methods"], tc.methods) {
				t.Errorf("Access-Control-Allow-Methods = %q; want %s in it", got["Access-Control-Allow-Methods"], tc.methods)
			}
			switch {
			case status == 204:
				if got["Access-Control-Max-Age"] == "" {
					t.Errorf("a preflight answer has no Access-Control-Max-Age")
				}
				if tc.methods != "GET" && !strings.Contains(got["Access-Control-Allow-Headers"], "Authorization") {
					t.Errorf("Access-Control-Allow-Headers = %q; want Authorization, Content-Type, If-Match", got["Access-Control-Allow-Headers"])
				}
				if tc.methods == "GET" && strings.Contains(got["Access-Control-Allow-Methods"], "POST") {
					t.Errorf("a read preflight allows %q; want only GET and HEAD", got["Access-Control-Allow-Methods"])
				}
			case tc.allow != "":
				if !strings.Contains(got["Access-Control-Expose-Headers"], "X-Data-Version") || !strings.Contains(got["Access-Control-Expose-Headers"], "ETag") {
					t.Errorf("Access-Control-Expose-Headers = %q; want X-Data-Version and ETag", got["Access-Control-Expose-Headers"])
				}
			case status == 403:
				if got["Content-Type"] != "application/problem+json" {
					t.Errorf("a refused preflight is %q; want a problem", got["Content-Type"])
				}
			}
		})
	}
}

func TestCORSConfig(t *testing.T) {
	tests := []struct {
		name          string
		read, trusted []string
		ok            bool
	}{
		{"defaults", nil, nil, true},
		{"origins", []string{"https://a.example", "http://localhost:8081"}, []string{"https://b.example:8443"}, true},
		{"star reads", []string{"*"}, nil, true},
		{"star trusted", nil, []string{"*"}, false},
		{"path", nil, []string{"https://a.example/map"}, false},
		{"no scheme", []string{"a.example"}, nil, false},
		{"null", nil, []string{"null"}, false},
		{"file", []string{"file:///tmp"}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Catalog: newTestServer(t, nil, Config{}).cfg.Catalog, CORSReadOrigins: tc.read, CORSOrigins: tc.trusted})
			if (err == nil) != tc.ok {
				t.Errorf("New(CORSReadOrigins %q, CORSOrigins %q) error = %v; want ok %v", tc.read, tc.trusted, err, tc.ok)
			}
		})
	}
}
