package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
	openinghours "yizhan/data/hours"
)

// testNow is the clock of test servers: Monday 6 May 2024, 10:00 in Beijing.
var testNow = time.Date(2024, 5, 6, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// station builds a test record; hours may be "".
func station(t testing.TB, id string, kind data.Kind, lon, lat float64, hours string, amenities ...string) *data.Station {
	t.Helper()
	set, err := data.NewAmenitySet(amenities)
	if err != nil {
		t.Fatal(err)
	}
	st := &data.Station{
		ID:        id,
		Location:  orb.Point{lon, lat},
		Kind:      kind,
		Names:     data.Names{ZH: id + "-zh", EN: id + "-en"},
		Amenities: set,
		Status:    data.StatusOpen,
		Source:    "test",
	}
	if hours != "" {
		h, err := openinghours.Parse(hours)
		if err != nil {
			t.Fatalf("openinghours.Parse(%q): %v", hours, err)
		}
		st.OpeningHours, st.Hours = hours, h
	}
	return st
}

// fixture is a small fixed catalog around Hohhot, Erenhot and Manzhouli,
// plus two records either side of the antimeridian.
func fixture(t testing.TB) []*data.Station {
	closed := station(t, "closed-stop", data.KindRestStop, 111.685, 40.825, "24/7", "toilet")
	closed.Status = data.StatusClosed
	ru := station(t, "mzl-driver", data.KindDriverHome, 117.3786, 49.5978, "24/7", "shower", "beds", "truck_parking", "hot_meal")
	ru.Names.RU = "Маньчжурия"
	return []*data.Station{
		ru,
		station(t, "mzl-union", data.KindUnionStation, 117.45, 49.59, "Mo-Fr 08:00-18:00", "drinking_water", "toilet"),
		station(t, "erenhot-driver", data.KindDriverHome, 111.977, 43.653, "24/7", "shower", "beds"),
		station(t, "erenhot-port", data.KindPort, 111.95, 43.66, ""),
		station(t, "hohhot-union", data.KindUnionStation, 111.6708, 40.8183, "Mo-Su 07:00-22:00", "drinking_water", "microwave"),
		station(t, "hohhot-worker", data.KindWorkerHome, 111.70, 40.84, "Mo-Fr 09:00-17:00", "library"),
		closed,
		station(t, "dateline-east", data.KindRestStop, 179.99, 0, "24/7"),
		station(t, "dateline-west", data.KindRestStop, -179.99, 0, "24/7"),
	}
}

func newTestServer(t testing.TB, stations []*data.Station, cfg Config) *Server {
	t.Helper()
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.NewCatalog(catalog.NewSnapshot(stations, 42))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return testNow }
	return s
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func do(t testing.TB, s *Server, method, target string) response {
	t.Helper()
	// RequestURI goes on the wire as is, so that malformed targets such
	// as "/v1/stations/%zz" reach the server.
	req := httptest.NewRequest(method, "/", nil)
	req.RequestURI = target
	return roundTrip(t, s, req)
}

// roundTrip sends req to s and reads the answer, whose body, when there is
// one, must be a JSON object.
func roundTrip(t testing.TB, s *Server, req *http.Request) response {
	t.Helper()
	method, target := req.Method, req.RequestURI
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, target, err, raw)
		}
	}
	return r
}

func get(t testing.TB, s *Server, target string) response {
	t.Helper()
	return do(t, s, http.MethodGet, target)
}

// features returns the features of a FeatureCollection body.
func (r response) features(t testing.TB) []map[string]any {
	t.Helper()
	if r.body["type"] != "FeatureCollection" {
		t.Fatalf("type = %v; want FeatureCollection\n%s", r.body["type"], r.raw)
	}
	list, ok := r.body["features"].([]any)
	if !ok {
		t.Fatalf("features is %T; want an array\n%s", r.body["features"], r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, f := range list {
		out[i] = f.(map[string]any)
	}
	return out
}

func ids(fs []map[string]any) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i], _ = f["id"].(string)
	}
	return out
}

func prop(f map[string]any, name string) any {
	return f["properties"].(map[string]any)[name]
}

func TestNewRequiresCatalog(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Errorf("New(Config{}) = nil error; want one naming the catalog")
	}
}

func TestRoutesUnknownAndMethod(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	tests := []struct {
		method, target string
		status         int
	}{
		{http.MethodGet, "/nope", 404},
		{http.MethodGet, "/v1/nope", 404},
		{http.MethodPost, "/v1/stations/nearest?lon=1&lat=1", 405},
		{http.MethodDelete, "/healthz", 405},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			r := do(t, s, tc.method, tc.target)
			assertProblem(t, r, tc.status, "")
		})
	}
}

func TestHealth(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	r := get(t, s, "/healthz")
	if r.status != 200 || r.body["status"] != "ok" {
		t.Errorf("GET /healthz = %d %s; want 200 status ok", r.status, r.raw)
	}
	r = get(t, s, "/readyz")
	if r.status != 200 || r.body["status"] != "ready" || r.body["records"] != 9.0 || r.body["version"] != 42.0 {
		t.Errorf("GET /readyz = %d %s; want 200 ready, 9 records, version 42", r.status, r.raw)
	}
	if _, ok := r.body["snapshot_age_s"].(float64); !ok {
		t.Errorf("GET /readyz snapshot_age_s = %v; want a number", r.body["snapshot_age_s"])
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET /readyz Cache-Control = %q; want no-store", cc)
	}

	empty := newTestServer(t, nil, Config{Catalog: &catalog.Catalog{}})
	r = get(t, empty, "/readyz")
	if r.status != 503 || r.body["status"] != "not ready" {
		t.Errorf("GET /readyz without a snapshot = %d %s; want 503 not ready", r.status, r.raw)
	}
	r = get(t, empty, "/v1/stations/nearest?lon=1&lat=1")
	assertProblem(t, r, 503, "no data loaded")
}

// TestLimits checks, over a real connection, that an oversized request
// head or body gets a problem answer, not a dropped connection.
func TestLimits(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.App().Listener(ln)
	defer s.App().Shutdown()
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + "/v1/stations/nearest?lon=1&lat=1&kind=" + strings.Repeat("x", HeaderLimit))
	if err != nil {
		t.Fatal(err)
	}
	checkProblem(t, resp, 431)

	// A body over the limit is refused on its Content-Length, before it is
	// read, with a 413 problem.
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
	checkProblem(t, resp, 413) // the detail names the limit
}

func checkProblem(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var p map[string]any
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil || p["status"] != float64(status) {
		t.Errorf("answer = %d %s %s; want a %d problem", resp.StatusCode, resp.Header.Get("Content-Type"), body, status)
	}
}
