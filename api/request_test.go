package api

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// sendBody sends body to target with the given header name/value pairs.
func sendBody(t testing.TB, s *Server, method, target string, body []byte, header ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return roundTrip(t, s, req)
}

// gzipBytes is b gzip-compressed.
func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzipBomb is mib MiB of zeros as concatenated gzip members of 1 MiB each
// (a gzip stream may hold any number of members): about 1 KiB on the wire
// for each MiB it inflates to.
func gzipBomb(t testing.TB, mib int) []byte {
	return bytes.Repeat(gzipBytes(t, make([]byte, 1<<20)), mib)
}

// zlibBomb is mib MiB of zeros in one zlib stream (Content-Encoding deflate).
func zlibBomb(t testing.TB, mib int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range mib {
		if _, err := zw.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressedBodyBombs sends bodies that are small on the wire and huge
// once decoded to an endpoint that takes no token, and checks that the
// answer is a prompt problem and that serving it allocated a bounded
// amount of memory: the body limit holds on decoded bytes.
func TestCompressedBodyBombs(t *testing.T) {
	s := plannerServer(t)
	bomb := gzipBomb(t, 250)
	tests := []struct {
		name, encoding string
		body           []byte
		status         int
		detail         string
	}{
		// The body of the report: 250 MiB of zeros, gzip of gzip.
		{"gzip of gzip", "gzip, gzip", gzipBytes(t, bomb), 415, "one content coding"},
		{"gzip of gzip in two headers", "gzip\x00gzip", gzipBytes(t, bomb), 415, "one content coding"},
		{"gzip", "gzip", bomb, 413, fmt.Sprint(BodyLimit)},
		{"x-gzip", "x-gzip", bomb, 413, fmt.Sprint(BodyLimit)},
		{"deflate", "deflate", zlibBomb(t, 64), 413, fmt.Sprint(BodyLimit)},
		{"brotli", "br", []byte{0x1b, 0xff, 0xff, 0x0f}, 415, "gzip"},
		{"unknown coding", "zstd", []byte("{}"), 415, "gzip"},
		{"corrupt gzip", "gzip", []byte("{}"), 400, "gzip"},
		// Many members that decode to nothing: work bounded by the wire size.
		{"empty gzip members", "gzip", bytes.Repeat(gzipBytes(t, nil), (BodyLimit-1)/len(gzipBytes(t, nil))), 400, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.body) > BodyLimit {
				t.Fatalf("the bomb is %d bytes on the wire; want it under the body limit", len(tc.body))
			}
			req := httptest.NewRequest("POST", "/v1/coverage/gaps", bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			for _, e := range strings.Split(tc.encoding, "\x00") {
				req.Header.Add("Content-Encoding", e)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			resp, err := s.App().Test(req, -1)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
			_ = json.Unmarshal(raw, &r.body)
			assertProblem(t, r, tc.status, tc.detail)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("answering a %d-byte %s body allocated %d MiB; want well under 64 MiB", len(tc.body), tc.encoding, grew>>20)
			}
			if took > 5*time.Second {
				t.Errorf("answering a %d-byte %s body took %v; want a prompt answer", len(tc.body), tc.encoding, took)
			}
			if tc.status == 415 && strings.Contains(tc.detail, "coding") || tc.detail == "gzip" && tc.status == 415 {
				if ae := r.header.Get("Accept-Encoding"); !strings.Contains(ae, "gzip") {
					t.Errorf("Accept-Encoding = %q; want the codings accepted", ae)
				}
			}
		})
	}
}

// TestCompressedBodyLimit checks the limit on decoded bytes at its edge,
// and that a compressed body within it is answered like the plain one.
func TestCompressedBodyLimit(t *testing.T) {
	s := plannerServer(t)
	padded := func(n int) []byte { // a JSON object of exactly n bytes
		return []byte(`{"region":"Inner Mongolia","cell_m":20000` + strings.Repeat(" ", n-42) + `}`)
	}
	if got := len(padded(BodyLimit)); got != BodyLimit {
		t.Fatalf("padded(%d) is %d bytes", BodyLimit, got)
	}
	plain := sendBody(t, s, "POST", "/v1/coverage/gaps", padded(BodyLimit), "Content-Type", "application/json")
	if plain.status != 200 {
		t.Fatalf("a plain body of exactly the limit = %d %s; want 200", plain.status, plain.raw)
	}
	for _, enc := range []string{"gzip", "GZip", "deflate", "identity"} {
		t.Run(enc, func(t *testing.T) {
			var body []byte
			switch strings.ToLower(enc) {
			case "gzip":
				body = gzipBytes(t, padded(BodyLimit))
			case "deflate":
				var buf bytes.Buffer
				zw := zlib.NewWriter(&buf)
				zw.Write(padded(BodyLimit))
				zw.Close()
				body = buf.Bytes()
			default:
				body = padded(BodyLimit)
			}
			r := sendBody(t, s, "POST", "/v1/coverage/gaps", body, "Content-Type", "application/json", "Content-Encoding", enc)
			if r.status != 200 || r.body["covered_pct"] != plain.body["covered_pct"] {
				t.Errorf("%s body of exactly the limit = %d %.300s; want 200 and the plain answer", enc, r.status, r.raw)
			}
			if strings.ToLower(enc) == "identity" {
				return
			}
			body = gzipBytes(t, padded(BodyLimit+1))
			r = sendBody(t, s, "POST", "/v1/coverage/gaps", body, "Content-Type", "application/json", "Content-Encoding", "gzip")
			assertProblem(t, r, 413, "after decompression")
		})
	}
	// A plain body over the limit is refused on its length, before it is
	// read: TestWireErrorsAreProblems.
}

// TestCompressedWrites checks that writes get the decoded body.
func TestCompressedWrites(t *testing.T) {
	store, calls := recordingStore()
	s := newTestServer(t, fixture(t), Config{Store: store, WriteTokens: []string{testToken}})
	auth := "Bearer " + testToken
	r := sendBody(t, s, "POST", "/v1/stations", gzipBytes(t, []byte(feature1)),
		"Content-Type", "application/geo+json", "Content-Encoding", "gzip", "Authorization", auth)
	if r.status != 409 || len(calls.created) != 1 || calls.created[0] != "erenhot-1" {
		t.Errorf("gzip POST /v1/stations = %d %s, store saw %q; want the store to get the decoded Feature (409 from the fake)", r.status, r.raw, calls.created)
	}
	patch := `{"properties":{"beds":20}}`
	r = sendBody(t, s, "PATCH", "/v1/stations/x", gzipBytes(t, []byte(patch)),
		"Content-Type", "application/merge-patch+json", "Content-Encoding", "gzip", "Authorization", auth)
	if r.status != 404 || len(calls.patches) != 1 || string(calls.patches[0]) != patch {
		t.Errorf("gzip PATCH = %d %s, store saw %q; want the decoded patch %s", r.status, r.raw, calls.patches, patch)
	}
	// Without a token nothing is decoded or stored.
	r = sendBody(t, s, "POST", "/v1/stations", gzipBomb(t, 64), "Content-Type", "application/geo+json", "Content-Encoding", "gzip")
	assertProblem(t, r, 401, "Bearer")
}

// TestBodyMediaTypes checks that body endpoints take only the media types
// they document, so that a web page on another site cannot make a
// visitor's browser send them "simple" cross-site requests.
func TestBodyMediaTypes(t *testing.T) {
	store, _ := recordingStore()
	s := newTestServer(t, fixture(t), Config{Store: store, WriteTokens: []string{testToken}})
	body := []byte(`{"route":{"type":"LineString","coordinates":[[111.6,40.8],[111.8,40.9]]}}`)
	tests := []struct {
		name, contentType string
		body              []byte
		status            int // 0: anything but 415
	}{
		{"json", "application/json", body, 200},
		{"json utf-8", "application/json; charset=utf-8", body, 200},
		{"json upper case", "Application/JSON; Charset=UTF-8", body, 200},
		{"text/plain", "text/plain", body, 415},
		{"text/plain utf-8", "text/plain;charset=UTF-8", body, 415},
		{"form", "application/x-www-form-urlencoded", body, 415},
		{"multipart", "multipart/form-data; boundary=x", body, 415},
		{"no content type", "", body, 415},
		{"latin-1", "application/json; charset=iso-8859-1", body, 415},
		{"not a media type", "json", body, 415},
		{"geo+json is not documented here", "application/geo+json", body, 415},
		{"empty body without a type", "", nil, 400}, // the 400 says what body to send
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.contentType != "" {
				h = []string{"Content-Type", tc.contentType}
			}
			r := sendBody(t, s, "POST", "/v1/route/stations", tc.body, h...)
			if tc.status == 415 {
				assertProblem(t, r, 415, "application/json")
				if a := r.header.Get("Accept"); a != "application/json" {
					t.Errorf("415 Accept = %q; want application/json", a)
				}
				return
			}
			if r.status != tc.status {
				t.Errorf("Content-Type %q = %d %.300s; want %d", tc.contentType, r.status, r.raw, tc.status)
			}
		})
	}

	// Every body route: each documented type is taken, anything else is a 415.
	doc, _ := loadOpenAPI(t, s)
	bodies := 0
	for _, rt := range s.App().GetRoutes(true) {
		if rt.Method != "POST" && rt.Method != "PUT" && rt.Method != "PATCH" {
			continue
		}
		path := openapiPath(rt.Path)
		var op struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		}
		_ = json.Unmarshal(doc.Paths[path][strings.ToLower(rt.Method)], &op)
		content := op.RequestBody.Content
		if len(content) == 0 {
			t.Errorf("%s %s documents no request body media types", rt.Method, path)
			continue
		}
		bodies++
		target := strings.ReplaceAll(rt.Path, ":id", "x")
		for media := range content {
			r := sendBody(t, s, rt.Method, target, []byte(`{}`), "Content-Type", media, "Authorization", "Bearer "+testToken)
			if r.status == 415 {
				t.Errorf("%s %s with documented %s = 415 %s", rt.Method, target, media, r.raw)
			}
		}
		r := sendBody(t, s, rt.Method, target, []byte(`{}`), "Content-Type", "text/plain", "Authorization", "Bearer "+testToken)
		assertProblem(t, r, 415, "")
	}
	if bodies < 7 {
		t.Errorf("found %d body routes; want the 4 planner and 3 write routes", bodies)
	}
}

// exchange sends raw bytes on a new connection to addr and reads one
// response (skipping a 100 Continue), as a client on the wire would.
func exchange(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%.60q: %v", raw, err)
		}
		if resp.StatusCode != http.StatusContinue {
			return resp
		}
	}
}

// listen serves s on a port of 127.0.0.1 until the test ends.
func listen(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.App().Listener(ln)
	t.Cleanup(func() { _ = s.App().Shutdown() })
	return ln.Addr().String()
}

// wireProblem reads resp as a problem and checks its status and detail.
func wireProblem(t *testing.T, resp *http.Response, status int, detail string) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var p map[string]any
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(raw, &p) != nil ||
		p["status"] != float64(status) || !strings.Contains(fmt.Sprint(p["detail"]), detail) {
		t.Errorf("answer = %d %s %s; want a %d problem whose detail says %q", resp.StatusCode, resp.Header.Get("Content-Type"), raw, status, detail)
	}
	return p
}

// TestWireErrorsAreProblems checks, over a real connection, the answers
// made before any handler runs: unknown methods, oversized or malformed
// request heads, and oversized bodies announced with Expect: 100-continue.
func TestWireErrorsAreProblems(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	addr := listen(t, s)
	tests := []struct {
		name, raw string
		status    int
		detail    string
	}{
		{"PROPFIND", "PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n", 501, "PROPFIND"},
		{"lower-case get", "get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "did you mean GET"},
		{"TRACE", "TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "TRACE"},
		{"long query", "GET /v1/stations/nearest?lon=1&lat=1&kind=" + strings.Repeat("x", HeaderLimit) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, fmt.Sprint(HeaderLimit)},
		{"long header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("x", HeaderLimit) + "\r\n\r\n", 431, "8 KiB"},
		{"not HTTP", "GARBAGE\r\n\r\n", 400, "not a valid HTTP/1.1 request"},
		{"bad chunk", "POST /v1/route/stations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", 400, "not a valid HTTP/1.1 request"},
		{"100-continue over the limit", fmt.Sprintf("POST /v1/route/stations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", BodyLimit+1), 413, fmt.Sprint(BodyLimit)},
		{"body over the limit", fmt.Sprintf("POST /v1/stations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", BodyLimit+1), 413, fmt.Sprint(BodyLimit)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := exchange(t, addr, tc.raw)
			if o := resp.Header.Get("Access-Control-Allow-Origin"); o != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q; want * so that web maps can read the problem", o)
			}
			p := wireProblem(t, resp, tc.status, tc.detail)
			if d := fmt.Sprint(p["detail"]); strings.Contains(d, "Buffer size") || len(d) > 400 {
				t.Errorf("detail = %q; want a short reason without the server's buffer", d)
			}
		})
	}
	// Known methods are routed as before.
	resp := exchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz = %d; want 200", resp.StatusCode)
	}
	wireProblem(t, exchange(t, addr, "DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 405, "DELETE")
}

// timeoutError is a net.Error that timed out, as a read deadline gives.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// TestReadError covers the read errors a test cannot provoke quickly on
// the wire (a client slower than ReadTimeout) beside those it can.
func TestReadError(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		detail string
	}{
		{"slow client", &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}, 408, ReadTimeout.String()},
		{"head too large", &fasthttp.ErrSmallBuffer{}, 431, fmt.Sprint(HeaderLimit)},
		{"body too large", fmt.Errorf("read body: %w", fasthttp.ErrBodyTooLarge), 413, fmt.Sprint(BodyLimit)},
		{"malformed", fmt.Errorf("error when reading request headers: cannot find http request method in %q. Buffer size=7, contents: %q", "GARBAGE", strings.Repeat("x", 9000)),
			400, "cannot find http request method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := readError(tc.err)
			if e.Status != tc.status || !strings.Contains(e.Detail, tc.detail) || len(e.Detail) > 400 || strings.Contains(e.Detail, "Buffer size") {
				t.Errorf("readError(%.80v) = %d %q; want %d, a short detail with %q", tc.err, e.Status, e.Detail, tc.status, tc.detail)
			}
		})
	}
}
