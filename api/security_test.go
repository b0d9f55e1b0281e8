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

// wantSecurity are the security headers every response must carry.
var wantSecurity = map[string]string{
	"Content-Security-Policy": ContentSecurityPolicy,
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "strict-origin-when-cross-origin",
	"X-Frame-Options":         "DENY",
}

func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	for name, want := range wantSecurity {
		if got := h.Get(name); got != want {
			t.Errorf("%s %s = %q; want %q", what, name, got, want)
		}
	}
}

// TestSecurityHeaders checks that the web map, its files, data answers
// and problems of every kind carry the security headers.
func TestSecurityHeaders(t *testing.T) {
	web := fstest.MapFS{
		"index.html":    {Data: []byte("<!doctype html><title>map</title><script src=static/app.js></script>")},
		"static/app.js": {Data: []byte("'use strict';\n")},
	}
	s := newTestServer(t, fixture(t), Config{Web: web})
	tests := []struct {
		method, target string
		status         int
	}{
		{http.MethodGet, "/", 200},
		{http.MethodGet, "/index.html", 200},
		{http.MethodGet, "/static/app.js", 200},
		{http.MethodGet, "/v1/stations/nearest?lon=111.9&lat=43.6&k=2", 200},
		{http.MethodGet, "/v1/stations/erenhot-port", 200},
		{http.MethodGet, "/ogc/collections", 200},
		{http.MethodGet, "/openapi.json", 200},
		{http.MethodGet, "/healthz", 200},
		{http.MethodGet, "/metrics", 200},
		{http.MethodGet, "/v1/stations/nearest?lon=x&lat=1", 400},
		{http.MethodGet, "/v1/stations/nope", 404},
		{http.MethodGet, "/static/nope.js", 404},
		{http.MethodPost, "/v1/stations/nearest?lon=1&lat=1", 405},
		{http.MethodPost, "/v1/stations", 503}, // read-only
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			resp, err := s.App().Test(httptest.NewRequest(tc.method, tc.target, nil), -1)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.method, tc.target, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s = %d; want %d", tc.method, tc.target, resp.StatusCode, tc.status)
			}
			checkSecurityHeaders(t, tc.method+" "+tc.target, resp.Header)
		})
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
