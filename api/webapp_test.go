package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
)

// testWeb is a small web map: a page referring to its files, a script
// large enough to be worth compressing, the worker and the manifest.
func testWeb() fstest.MapFS {
	return fstest.MapFS{
		"index.html": {Data: []byte(`<!doctype html><link rel="manifest" href="manifest.webmanifest">` +
			`<link rel="stylesheet" href="static/app.css"><script src="static/app.js"></script>` +
			`<a href="https://example.org/static/x.js">not ours</a>`)},
		"static/app.js":        {Data: bytes.Repeat([]byte("console.log('yizhan map');\n"), 100)},
		"static/app.css":       {Data: []byte("body{margin:0}")},
		"sw.js":                {Data: []byte("'use strict';\n")},
		"manifest.webmanifest": {Data: []byte(`{"name":"yizhan"}`)},
	}
}

// fetchDecoded asks s for target with the given request headers and returns the
// answer with its body decoded from its Content-Encoding.
func fetchDecoded(t *testing.T, s *Server, target string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader
	switch enc := resp.Header.Get("Content-Encoding"); enc {
	case "":
		return resp, raw
	case "br":
		r = brotli.NewReader(bytes.NewReader(raw))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("GET %s: gzip body: %v", target, err)
		}
		r = zr
	default:
		t.Fatalf("GET %s: Content-Encoding %q", target, enc)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("GET %s: decode %s body of %d bytes: %v", target, resp.Header.Get("Content-Encoding"), len(raw), err)
	}
	resp.ContentLength = int64(len(raw))
	return resp, body
}

// TestWebFiles checks how the web map's files are served: versioned
// references in the page, a year of caching for a versioned URL and
// minutes for any other, revalidation of the page and the worker, the
// worker's scope header, the manifest's type, brotli or gzip as asked,
// each encoding with its own entity tag, and 304 for a known one.
func TestWebFiles(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{Web: testWeb()})
	w, err := newWebApp(testWeb())
	if err != nil {
		t.Fatal(err)
	}
	v := w.version

	resp, page := fetchDecoded(t, s, "/", nil)
	for _, want := range []string{`href="manifest.webmanifest?v=` + v + `"`, `href="static/app.css?v=` + v + `"`,
		`src="static/app.js?v=` + v + `"`, `href="https://example.org/static/x.js"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	if got := resp.Header.Get("Cache-Control"); got != cacheRevalidate {
		t.Errorf("page Cache-Control = %q; want %q", got, cacheRevalidate)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("page Content-Type = %q", got)
	}

	js := testWeb()["static/app.js"].Data
	tests := []struct {
		target, accept        string
		wantEncoding, wantTag string
		wantCache             string
	}{
		{"/static/app.js?v=" + v, "gzip, deflate, br", "br", "-br", cacheVersioned},
		{"/static/app.js?v=" + v, "gzip", "gzip", "-gzip", cacheVersioned},
		{"/static/app.js?v=" + v, "br;q=0, gzip", "gzip", "-gzip", cacheVersioned},
		{"/static/app.js?v=" + v, "", "", "", cacheVersioned},
		{"/static/app.js?v=" + v, "identity", "", "", cacheVersioned},
		{"/static/app.js", "br", "br", "-br", cacheWebFile},
		{"/static/app.js?v=old", "br", "br", "-br", cacheWebFile},
	}
	tags := map[string]string{}
	for _, tc := range tests {
		resp, body := fetchDecoded(t, s, tc.target, map[string]string{"Accept-Encoding": tc.accept})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s (%s): status %d", tc.target, tc.accept, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.wantEncoding {
			t.Errorf("%s (Accept-Encoding %q): Content-Encoding %q; want %q", tc.target, tc.accept, got, tc.wantEncoding)
		}
		if !bytes.Equal(body, js) {
			t.Errorf("%s (%s): decoded body differs from the file (%d bytes, want %d)", tc.target, tc.accept, len(body), len(js))
		}
		if tc.wantEncoding != "" && resp.ContentLength >= int64(len(js)) {
			t.Errorf("%s (%s): %d bytes sent for a %d-byte file", tc.target, tc.accept, resp.ContentLength, len(js))
		}
		if got := resp.Header.Get("Cache-Control"); got != tc.wantCache {
			t.Errorf("%s: Cache-Control %q; want %q", tc.target, got, tc.wantCache)
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("%s: Vary %q; want Accept-Encoding", tc.target, got)
		}
		tag := resp.Header.Get("ETag")
		if !strings.HasSuffix(tag, tc.wantTag+`"`) {
			t.Errorf("%s (%s): ETag %s; want one ending %s", tc.target, tc.accept, tag, tc.wantTag)
		}
		tags[tc.wantEncoding] = tag
	}
	if len(tags) != 3 || tags["br"] == tags["gzip"] || tags[""] == tags["br"] {
		t.Errorf("entity tags by encoding %v; want one of its own for each", tags)
	}
	resp, _ = fetchDecoded(t, s, "/static/app.js?v="+v, map[string]string{"Accept-Encoding": "br", "If-None-Match": tags["br"]})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match of the br tag: status %d; want 304", resp.StatusCode)
	}
	resp, _ = fetchDecoded(t, s, "/static/app.js?v="+v, map[string]string{"Accept-Encoding": "br", "If-None-Match": tags["gzip"]})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match of the gzip tag asking br: status %d; want 200", resp.StatusCode)
	}

	resp, _ = fetchDecoded(t, s, "/sw.js?v="+v, nil)
	if got := resp.Header.Get("Cache-Control"); got != cacheRevalidate {
		t.Errorf("sw.js Cache-Control %q; want %q", got, cacheRevalidate)
	}
	if got := resp.Header.Get("Service-Worker-Allowed"); got != "/" {
		t.Errorf("sw.js Service-Worker-Allowed %q; want /", got)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/javascript") {
		t.Errorf("sw.js Content-Type %q; want text/javascript", got)
	}
	resp, _ = fetchDecoded(t, s, "/manifest.webmanifest?v="+v, nil)
	if got := resp.Header.Get("Content-Type"); got != "application/manifest+json" {
		t.Errorf("manifest Content-Type %q; want application/manifest+json", got)
	}
	resp, _ = fetchDecoded(t, s, "/static/missing.js", nil)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("missing file: status %d, %s; want a 404 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestCompressedAnswers checks that JSON answers are compressed for a
// client that asks, decode to what an uncompressed answer holds, and that
// problems stay whole, readable problem documents.
func TestCompressedAnswers(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	const target = "/v1/stations?limit=100"
	_, plain := fetchDecoded(t, s, target, nil)
	for _, enc := range []string{"br", "gzip"} {
		resp, body := fetchDecoded(t, s, target, map[string]string{"Accept-Encoding": enc})
		if got := resp.Header.Get("Content-Encoding"); got != enc {
			t.Errorf("%s with Accept-Encoding %s: Content-Encoding %q", target, enc, got)
		}
		if !bytes.Equal(body, plain) {
			t.Errorf("%s with %s decodes to %d bytes that differ from the plain %d", target, enc, len(body), len(plain))
		}
		if resp.ContentLength >= int64(len(plain)) {
			t.Errorf("%s with %s: %d bytes sent for %d", target, enc, resp.ContentLength, len(plain))
		}
	}
	for _, bad := range []string{"/v1/stations/nearest?lon=abc&lat=1", "/v1/stations/nope", "/v1/stations?kind=" + strings.Repeat("x", 300)} {
		resp, body := fetchDecoded(t, s, bad, map[string]string{"Accept-Encoding": "br, gzip"})
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: status %d; want a 4xx problem", bad, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
			t.Errorf("%s: Content-Type %q; want application/problem+json", bad, got)
		}
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Status != resp.StatusCode || p.Detail == "" {
			t.Errorf("%s: problem %q (%v); want a document with the status and a detail", bad, body, err)
		}
	}
}

func TestAcceptsEncoding(t *testing.T) {
	tests := []struct {
		header, name string
		want         bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"gzip;q=1.0, br;q=0", "br", false},
		{"gzip;q=0.5", "gzip", true},
		{"GZIP", "gzip", true},
		{"*", "br", true},
		{"*;q=0", "br", false},
		{"", "gzip", false},
		{"identity", "gzip", false},
		{"xbr, brx", "br", false},
		{"br ; q=0", "br", false},
		{"br;q=0.000", "br", false},
	}
	for _, tc := range tests {
		if got := acceptsEncoding(tc.header, tc.name); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v; want %v", tc.header, tc.name, got, tc.want)
		}
	}
}
