package api

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// wantSecurity are the security headers every response must carry, with
// the API's Content-Security-Policy; a page or a script carries
// ContentSecurityPolicy instead (checkPageSecurityHeaders).
var wantSecurity = map[string]string{
	"Content-Security-Policy": APIContentSecurityPolicy,
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "strict-origin-when-cross-origin",
	"X-Frame-Options":         "DENY",
}

func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	checkSecurityHeadersCSP(t, what, h, APIContentSecurityPolicy)
}

func checkSecurityHeadersCSP(t *testing.T, what string, h http.Header, csp string) {
	t.Helper()
	for name, want := range wantSecurity {
		if name == "Content-Security-Policy" {
			want = csp
		}
		if got := h.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s %s = %q; want once %q", what, name, got, want)
		}
	}
}

// TestSecurityHeaders checks that the web map, its files, data answers
// and problems of every kind carry the security headers, and the web
// map's policy exactly on its pages and scripts (a 304 of the page too,
// since a browser takes the stored page's headers from it).
func TestSecurityHeaders(t *testing.T) {
	web := fstest.MapFS{
		"index.html":       {Data: []byte("<!doctype html><title>map</title><script src=static/app.js></script>")},
		"static/app.js":    {Data: []byte("'use strict';\n")},
		"static/style.css": {Data: []byte("body{margin:0}\n")},
		"sw.js":            {Data: []byte("'use strict';\n")},
	}
	s := newTestServer(t, fixture(t), Config{Web: web})
	page := func(t *testing.T) string {
		resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("ETag")
	}
	tests := []struct {
		method, target string
		status         int
		csp            string
		noneMatch      bool // send the page's ETag as If-None-Match
	}{
		{http.MethodGet, "/", 200, ContentSecurityPolicy, false},
		{http.MethodGet, "/", 304, ContentSecurityPolicy, true},
		{http.MethodGet, "/index.html", 200, ContentSecurityPolicy, false},
		{http.MethodGet, "/static/app.js", 200, ContentSecurityPolicy, false},
		{http.MethodGet, "/sw.js", 200, ContentSecurityPolicy, false},
		{http.MethodGet, "/static/style.css", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/v1/stations/nearest?lon=111.9&lat=43.6&k=2", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/v1/stations/erenhot-port", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/ogc/collections", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/openapi.json", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/healthz", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/metrics", 200, APIContentSecurityPolicy, false},
		{http.MethodGet, "/v1/stations/nearest?lon=x&lat=1", 400, APIContentSecurityPolicy, false},
		{http.MethodGet, "/v1/stations/nope", 404, APIContentSecurityPolicy, false},
		{http.MethodGet, "/static/nope.js", 404, APIContentSecurityPolicy, false},
		{http.MethodPost, "/v1/stations/nearest?lon=1&lat=1", 405, APIContentSecurityPolicy, false},
		{http.MethodPost, "/v1/stations", 503, APIContentSecurityPolicy, false}, // read-only
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.noneMatch {
				req.Header.Set("If-None-Match", page(t))
			}
			resp, err := s.App().Test(req, -1)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.method, tc.target, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s = %d; want %d", tc.method, tc.target, resp.StatusCode, tc.status)
			}
			checkSecurityHeadersCSP(t, tc.method+" "+tc.target, resp.Header, tc.csp)
		})
	}
}

// TestSecurityPolicyFor checks which media types get the web map's
// policy: HTML and JavaScript, whatever their parameters and case.
func TestSecurityPolicyFor(t *testing.T) {
	tests := []struct {
		ctype string
		page  bool
	}{
		{"text/html; charset=utf-8", true},
		{"TEXT/HTML", true},
		{" text/html ;charset=utf-8", true},
		{"text/javascript; charset=utf-8", true},
		{"application/javascript", true},
		{"application/json", false},
		{"application/geo+json", false},
		{"application/problem+json", false},
		{"application/vnd.mapbox-vector-tile", false},
		{"text/csv; charset=utf-8", false},
		{"text/plain; charset=utf-8", false},
		{"text/htmlx", false},
		{"text/css", false},
		{"image/svg+xml", false},
		{"", false},
	}
	for _, tc := range tests {
		want := APIContentSecurityPolicy
		if tc.page {
			want = ContentSecurityPolicy
		}
		if got := string(securityPolicyFor([]byte(tc.ctype))); got != want {
			t.Errorf("securityPolicyFor(%q) = %q; want %q", tc.ctype, got, want)
		}
	}
}

// TestContentSecurityPolicy checks the policy's directives: the web map
// works only from its own files, and nothing inline runs.
func TestContentSecurityPolicy(t *testing.T) {
	directives := map[string]string{}
	for _, d := range strings.Split(ContentSecurityPolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		if _, dup := directives[name]; dup {
			t.Errorf("directive %s given twice in %q", name, ContentSecurityPolicy)
		}
		directives[name] = value
	}
	want := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"img-src":         "'self' https://tile.openstreetmap.org",
		"connect-src":     "'self'",
		"worker-src":      "'self'",
		"manifest-src":    "'self'",
		"base-uri":        "'none'",
		"form-action":     "'self'",
		"object-src":      "'none'",
		"frame-ancestors": "'none'",
	}
	for name, v := range want {
		if got, ok := directives[name]; !ok || got != v {
			t.Errorf("directive %s = %q (present %v); want %q", name, got, ok, v)
		}
	}
	for name := range directives {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected directive %s %q", name, directives[name])
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe-") {
		t.Errorf("policy %q allows unsafe-inline or unsafe-eval", ContentSecurityPolicy)
	}
	// The API's policy: nothing loads from an answer, nobody frames it.
	if APIContentSecurityPolicy != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("API policy %q; want default-src 'none'; frame-ancestors 'none'", APIContentSecurityPolicy)
	}
}

// TestSecurityHeadersBeforeRouting checks, over a real connection, the
// problems fasthttp answers before any middleware runs: a request head
// or a body over the limit.
func TestSecurityHeadersBeforeRouting(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.App().Listener(ln)
	defer s.App().Shutdown()

	resp, err := http.Get("http://" + ln.Addr().String() + "/v1/stations/nearest?lon=1&lat=1&kind=" + strings.Repeat("x", HeaderLimit))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 431 {
		t.Errorf("oversized head = %d; want 431", resp.StatusCode)
	}
	checkSecurityHeaders(t, "oversized head", resp.Header)

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/stations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", BodyLimit+1)
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("oversized body = %d; want 413", resp.StatusCode)
	}
	checkSecurityHeaders(t, "oversized body", resp.Header)
}
