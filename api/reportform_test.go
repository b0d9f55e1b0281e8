package api

import (
	"bytes"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// postForm posts fields as an HTML form to target with headers.
func postForm(t *testing.T, s *Server, target string, fields url.Values, headers map[string]string) response {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, raw: raw}
}

// TestReportForm: the map page's form post of a report request gives
// the same bytes as the JSON post, with the report's own policy; a form
// from another site's page, or one that does not say where it comes
// from, is refused as a JSON-only planner request is, and a form without
// the request field is a 400 that names it.
func TestReportForm(t *testing.T) {
	s := plannerServer(t)
	want := postRaw(t, s, "/v1/coverage/report?format=html", reportBody("ru"))
	if want.status != 200 {
		t.Fatalf("JSON post: status %d\n%s", want.status, want.raw)
	}
	body := url.Values{reportFormField: {reportBody("ru")}}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}, 200},
		{"same host, no Sec-Fetch-Site", map[string]string{"Origin": "http://example.com"}, 200},
		{"another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, 415},
		{"a sibling site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://a.example.com"}, 415},
		{"another host, no Sec-Fetch-Site", map[string]string{"Origin": "http://evil.example"}, 415},
		{"no origin at all", nil, 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := postForm(t, s, "/v1/coverage/report?format=html", body, tc.headers)
			if got.status != tc.status {
				t.Fatalf("status %d; want %d\n%s", got.status, tc.status, got.raw)
			}
			if tc.status != 200 {
				if !strings.Contains(string(got.raw), "own map page") {
					t.Errorf("refusal %s does not say why", got.raw)
				}
				return
			}
			if !bytes.Equal(got.raw, want.raw) {
				t.Errorf("the form gives another report than the JSON post")
			}
			if csp := got.header.Get("Content-Security-Policy"); csp != reportCSP {
				t.Errorf("CSP %q; want the report's %q", csp, reportCSP)
			}
		})
	}
	got := postForm(t, s, "/v1/coverage/report?format=html", url.Values{"other": {"x"}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if got.status != 400 || !strings.Contains(string(got.raw), reportFormField) {
		t.Errorf("a form without %s: status %d %s; want 400 naming the field", reportFormField, got.status, got.raw)
	}
}
