package api

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/geo"
)

// assertProblem checks an RFC 7807 answer: status, media type, members,
// and a detail containing want.
func assertProblem(t *testing.T, r response, status int, want string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d; want %d\n%s", r.status, status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q; want application/problem+json", ct)
	}
	if r.body["status"] != float64(status) || r.body["title"] == "" || r.body["type"] == nil {
		t.Errorf("problem body %s; want type, title and status %d", r.raw, status)
	}
	detail, _ := r.body["detail"].(string)
	if detail == "" || !strings.Contains(detail, want) {
		t.Errorf("detail = %q; want it to contain %q", detail, want)
	}
}

func TestNearest(t *testing.T) {
	stations := fixture(t)
	byID := map[string]*data.Station{}
	for _, st := range stations {
		byID[st.ID] = st
	}
	s := newTestServer(t, stations, Config{})
	hohhot := "lon=111.6708&lat=40.8183"
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"k=3 from Hohhot", hohhot + "&k=3", []string{"hohhot-union", "closed-stop", "hohhot-worker"}},
		{"default k is 10", hohhot, []string{"hohhot-union", "closed-stop", "hohhot-worker", "erenhot-driver", "erenhot-port", "mzl-driver", "mzl-union", "dateline-east", "dateline-west"}},
		{"kind", hohhot + "&kind=driver_home", []string{"erenhot-driver", "mzl-driver"}},
		{"kinds comma-separated, any of", hohhot + "&kind=driver_home,port&k=2", []string{"erenhot-driver", "erenhot-port"}},
		{"kinds repeated, any of", hohhot + "&kind=driver_home&kind=worker_home", []string{"hohhot-worker", "erenhot-driver", "mzl-driver"}},
		{"amenity all of", hohhot + "&amenity=shower,hot_meal", []string{"mzl-driver"}},
		{"amenity repeated all of", hohhot + "&amenity=shower&amenity=beds", []string{"erenhot-driver", "mzl-driver"}},
		{"filters far away still fill k", "lon=-70&lat=-30&amenity=shower&k=1", []string{"mzl-driver"}},
		{"open now (Monday 10:00 Beijing)", "lon=117.45&lat=49.59&open_now=true&k=2", []string{"mzl-union", "mzl-driver"}},
		{"closed status never open", "lon=111.685&lat=40.825&open_now=true&k=1", []string{"hohhot-union"}},
		{"open_at Sunday", "lon=117.45&lat=49.59&open_at=2024-05-05T10:00:00%2B08:00&k=2", []string{"mzl-driver", "erenhot-driver"}},
		{"open_at with an unencoded +", "lon=117.45&lat=49.59&open_at=2024-05-05T10:00:00+08:00&k=2", []string{"mzl-driver", "erenhot-driver"}},
		{"open_now=false is no filter", "lon=117.45&lat=49.59&open_now=false&k=1", []string{"mzl-union"}},
		{"max_distance_m", hohhot + "&max_distance_m=2000", []string{"hohhot-union", "closed-stop"}},
		{"across the antimeridian", "lon=179.99&lat=0&k=2&kind=rest_stop", []string{"dateline-east", "dateline-west"}},
		{"from the west side", "lon=-180&lat=0.001&k=2&kind=rest_stop", []string{"dateline-west", "dateline-east"}},
		{"empty filter values are absent", hohhot + "&kind=&amenity=&k=1", []string{"hohhot-union"}},
		{"nothing matches", hohhot + "&kind=labour_station", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, s, "/v1/stations/nearest?"+tc.query)
			if r.status != 200 {
				t.Fatalf("status = %d; want 200\n%s", r.status, r.raw)
			}
			fs := r.features(t)
			if got := ids(fs); !slices.Equal(got, tc.want) {
				t.Errorf("nearest?%s ids = %v; want %v", tc.query, got, tc.want)
			}
			if r.body["numberReturned"] != float64(len(tc.want)) {
				t.Errorf("numberReturned = %v; want %d", r.body["numberReturned"], len(tc.want))
			}
			q, _ := url.ParseQuery(tc.query)
			lon, _ := strconv.ParseFloat(q.Get("lon"), 64)
			lat, _ := strconv.ParseFloat(q.Get("lat"), 64)
			p := orb.Point{lon, lat}
			for _, f := range fs {
				st := byID[f["id"].(string)]
				assertResultFeature(t, f, st, p)
			}
		})
	}
}

// assertResultFeature checks a feature found from p against its record.
func assertResultFeature(t *testing.T, f map[string]any, st *data.Station, p orb.Point) {
	t.Helper()
	if f["type"] != "Feature" {
		t.Errorf("%s type = %v; want Feature", st.ID, f["type"])
	}
	g := f["geometry"].(map[string]any)
	c := g["coordinates"].([]any)
	if g["type"] != "Point" || c[0] != st.Location[0] || c[1] != st.Location[1] {
		t.Errorf("%s geometry = %v; want Point %v", st.ID, g, st.Location)
	}
	if got, want := prop(f, "distance_m"), round1(geo.Distance(p, st.Location)); got != want {
		t.Errorf("%s distance_m = %v; want %v", st.ID, got, want)
	}
	want := round1(geo.Bearing(p, st.Location))
	if want == 360 {
		want = 0
	}
	if got := prop(f, "bearing_deg"); got != want {
		t.Errorf("%s bearing_deg = %v; want %v", st.ID, got, want)
	}
	if got := prop(f, "kind"); got != string(st.Kind) {
		t.Errorf("%s kind = %v; want %v", st.ID, got, st.Kind)
	}
}

func TestNearestResponse(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	r := get(t, s, "/v1/stations/nearest?lon=117.3786&lat=49.5978&k=1&lang=ru")
	if r.status != 200 {
		t.Fatalf("status = %d\n%s", r.status, r.raw)
	}
	for h, want := range map[string]string{
		"Content-Type":   "application/geo+json",
		"X-Data-Version": "42",
		"Cache-Control":  cacheData,
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q; want %q", h, got, want)
		}
	}
	f := r.features(t)[0]
	if f["id"] != "mzl-driver" || prop(f, "name") != "Маньчжурия" || prop(f, "distance_m") != 0.0 {
		t.Errorf("feature = %v; want mzl-driver named in Russian at 0 m", f)
	}
	q := r.body["query"].(map[string]any)
	if q["k"] != 1.0 || q["lang"] != "ru" || q["lon"] != 117.3786 {
		t.Errorf("query = %v; want k 1, lang ru, lon 117.3786", q)
	}
	// Falling back to Chinese when the language has no name.
	r = get(t, s, "/v1/stations/nearest?lon=111.6708&lat=40.8183&k=1&lang=mn")
	if got := prop(r.features(t)[0], "name"); got != "hohhot-union-zh" {
		t.Errorf("name in mn = %v; want the zh fallback", got)
	}
	r = get(t, s, "/v1/stations/nearest?lon=111.6708&lat=40.8183&k=1&lang=en")
	if got := prop(r.features(t)[0], "name"); got != "hohhot-union-en" {
		t.Errorf("name in en = %v; want hohhot-union-en", got)
	}
}

func TestWithin(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	hohhot := "lon=111.6708&lat=40.8183"
	tests := []struct {
		name       string
		query      string
		want       []string
		radius     float64
		derivation string
	}{
		{"radius", hohhot + "&radius_m=5000", []string{"hohhot-union", "closed-stop", "hohhot-worker"}, 5000, "radius_m = 5000 (given)"},
		{"default 15 min walk", hohhot, []string{"hohhot-union"}, 961.5, "radius_m = 5 km/h × 1000 × 15 min / 60 / 1.3 circuity = 961.5 (walk)"},
		{"15 min walk explicit", hohhot + "&minutes=15&mode=walk", []string{"hohhot-union"}, 961.5, "(walk)"},
		{"15 min cycle", hohhot + "&minutes=15&mode=cycle", []string{"hohhot-union", "closed-stop"}, 2884.6, "15 km/h"},
		{"drive with speed override", hohhot + "&minutes=15&mode=drive&speed_kmh=20&circuity=1", []string{"hohhot-union", "closed-stop", "hohhot-worker"}, 5000, "20 km/h × 1000 × 15 min / 60 / 1 circuity"},
		{"speed without mode", hohhot + "&minutes=60&speed_kmh=4", []string{"hohhot-union", "closed-stop"}, 3076.9, "4 km/h × 1000 × 60 min / 60 / 1.3 circuity = 3076.9"},
		{"6 h at 80 km/h reaches Erenhot", hohhot + "&minutes=360&mode=truck&speed_kmh=80&kind=driver_home,port", []string{"erenhot-driver", "erenhot-port"}, 369230.8, "80 km/h × 1000 × 360 min / 60 / 1.3 circuity = 369230.8 (truck)"},
		{"filters", hohhot + "&radius_m=5000&amenity=library", []string{"hohhot-worker"}, 5000, ""},
		{"limit keeps the nearest", hohhot + "&radius_m=5000&limit=2", []string{"hohhot-union", "closed-stop"}, 5000, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, s, "/v1/stations/within?"+tc.query)
			if r.status != 200 {
				t.Fatalf("status = %d; want 200\n%s", r.status, r.raw)
			}
			if got := ids(r.features(t)); !slices.Equal(got, tc.want) {
				t.Errorf("within?%s ids = %v; want %v", tc.query, got, tc.want)
			}
			q := r.body["query"].(map[string]any)
			if q["radius_m"] != tc.radius {
				t.Errorf("query.radius_m = %v; want %v", q["radius_m"], tc.radius)
			}
			if d, _ := q["derivation"].(string); !strings.Contains(d, tc.derivation) {
				t.Errorf("query.derivation = %q; want it to contain %q", d, tc.derivation)
			}
		})
	}
	r := get(t, s, "/v1/stations/within?"+hohhot+"&radius_m=5000&limit=2")
	if r.body["numberMatched"] != 3.0 || r.body["numberReturned"] != 2.0 {
		t.Errorf("numberMatched, numberReturned = %v, %v; want 3, 2", r.body["numberMatched"], r.body["numberReturned"])
	}
	r = get(t, s, "/v1/stations/within?"+hohhot+"&minutes=10&mode=drive")
	q := r.body["query"].(map[string]any)
	if q["minutes"] != 10.0 || q["mode"] != "drive" || q["speed_kmh"] != 40.0 || q["circuity"] != 1.3 {
		t.Errorf("query = %v; want minutes 10, mode drive, speed_kmh 40, circuity 1.3", q)
	}
}

func TestStation(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	r := get(t, s, "/v1/stations/mzl-driver?lang=en")
	if r.status != 200 || r.body["type"] != "Feature" || r.body["id"] != "mzl-driver" {
		t.Fatalf("GET /v1/stations/mzl-driver = %d %s; want the Feature", r.status, r.raw)
	}
	if got := r.body["properties"].(map[string]any)["name"]; got != "mzl-driver-en" {
		t.Errorf("name = %v; want mzl-driver-en", got)
	}
	if _, ok := r.body["properties"].(map[string]any)["distance_m"]; ok {
		t.Errorf("a record without a query point has distance_m")
	}
	if r.header.Get("X-Data-Version") != "42" || r.header.Get("Content-Type") != "application/geo+json" {
		t.Errorf("headers = %v; want X-Data-Version 42 and application/geo+json", r.header)
	}
	assertProblem(t, get(t, s, "/v1/stations/no-such-id"), 404, `"no-such-id"`)
	assertProblem(t, get(t, s, "/v1/stations/%E4%B8%AD"), 404, `"中"`)
	assertProblem(t, get(t, s, "/v1/stations/mzl-driver?lang=fr"), 400, "lang")
}

func TestStationsPaging(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	// Inner Mongolia's records, ordered by id.
	all := []string{"closed-stop", "erenhot-driver", "erenhot-port", "hohhot-union", "hohhot-worker", "mzl-driver", "mzl-union"}
	var got []string
	next := "/v1/stations?bbox=97,37,127,54&limit=3"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := get(t, s, next)
		if r.status != 200 {
			t.Fatalf("GET %s = %d\n%s", next, r.status, r.raw)
		}
		if r.body["numberMatched"] != float64(len(all)) {
			t.Errorf("numberMatched = %v; want %d", r.body["numberMatched"], len(all))
		}
		fs := r.features(t)
		if r.body["numberReturned"] != float64(len(fs)) {
			t.Errorf("numberReturned = %v; want %d", r.body["numberReturned"], len(fs))
		}
		got = append(got, ids(fs)...)
		next = ""
		links, _ := r.body["links"].([]any)
		for _, l := range links {
			l := l.(map[string]any)
			if l["rel"] == "next" {
				u, err := url.Parse(l["href"].(string))
				if err != nil {
					t.Fatal(err)
				}
				next = u.RequestURI()
			}
		}
	}
	if !slices.Equal(got, all) {
		t.Errorf("paged ids = %v; want %v", got, all)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", append(append([]string{}, all[:2]...), "dateline-east", "dateline-west", "erenhot-port", "hohhot-union", "hohhot-worker", "mzl-driver", "mzl-union")},
		{"bbox=179,-1,-179,1", []string{"dateline-east", "dateline-west"}},
		{"bbox=97,37,127,54&kind=driver_home", []string{"erenhot-driver", "mzl-driver"}},
		{"bbox=97,37,127,54&offset=5", []string{"mzl-driver", "mzl-union"}},
		{"bbox=97,37,127,54&offset=50", []string{}},
		{"open_now=true&amenity=toilet", []string{"mzl-union"}},
	}
	// The whole world, sorted by id.
	tests[0].want = []string{"closed-stop", "dateline-east", "dateline-west", "erenhot-driver", "erenhot-port", "hohhot-union", "hohhot-worker", "mzl-driver", "mzl-union"}
	for _, tc := range tests {
		r := get(t, s, "/v1/stations?"+tc.query)
		if r.status != 200 {
			t.Errorf("GET /v1/stations?%s = %d\n%s", tc.query, r.status, r.raw)
			continue
		}
		if got := ids(r.features(t)); !slices.Equal(got, tc.want) {
			t.Errorf("stations?%s = %v; want %v", tc.query, got, tc.want)
		}
	}
	r := get(t, s, "/v1/stations?bbox=97,37,127,54&offset=3&limit=2")
	var rels []string
	for _, l := range r.body["links"].([]any) {
		l := l.(map[string]any)
		rels = append(rels, fmt.Sprint(l["rel"], " ", l["href"]))
	}
	wantRels := []string{
		"next http://example.com/v1/stations?bbox=97%2C37%2C127%2C54&limit=2&offset=5",
		"prev http://example.com/v1/stations?bbox=97%2C37%2C127%2C54&limit=2&offset=1",
	}
	if !slices.Equal(rels, wantRels) {
		t.Errorf("links = %v; want %v", rels, wantRels)
	}
}

func TestBadInput(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	ok := "lon=111.67&lat=40.81"
	tests := []struct {
		target string
		status int
		want   string // in detail
	}{
		{"/v1/stations/nearest", 400, "lon is required"},
		{"/v1/stations/nearest?lon=111", 400, "lat is required"},
		{"/v1/stations/nearest?lon=abc&lat=40", 400, `lon must be a number, got "abc"`},
		{"/v1/stations/nearest?lon=NaN&lat=40", 400, "finite"},
		{"/v1/stations/nearest?lon=111&lat=Inf", 400, "finite"},
		{"/v1/stations/nearest?lon=111&lat=-infinity", 400, "finite"},
		{"/v1/stations/nearest?lon=111&lat=1e999", 400, "finite"},
		{"/v1/stations/nearest?lon=180.0001&lat=40", 400, "lon must be from -180 to 180"},
		{"/v1/stations/nearest?lon=111&lat=-90.5", 400, "lat must be from -90 to 90"},
		{"/v1/stations/nearest?lon=111&lat=40&lat=41", 400, "lat is given 2 times"},
		{"/v1/stations/nearest?" + ok + "&k=0", 400, "k must be from 1 to 100"},
		{"/v1/stations/nearest?" + ok + "&k=101", 400, "k must be from 1 to 100"},
		{"/v1/stations/nearest?" + ok + "&k=-1", 400, "k must be from 1 to 100"},
		{"/v1/stations/nearest?" + ok + "&k=2.5", 400, "whole number"},
		{"/v1/stations/nearest?" + ok + "&k=99999999999999999999999", 400, "k must be from 1 to 100"},
		{"/v1/stations/nearest?" + ok + "&kind=hotel", 400, `unknown kind "hotel"`},
		{"/v1/stations/nearest?" + ok + "&kind=port,hotel", 400, "allowed: port"},
		{"/v1/stations/nearest?" + ok + "&amenity=sauna", 400, `unknown amenity "sauna"`},
		{"/v1/stations/nearest?" + ok + "&lang=fr", 400, "allowed: zh, en, ru, mn"},
		{"/v1/stations/nearest?" + ok + "&open_now=yes", 400, "open_now must be true or false"},
		{"/v1/stations/nearest?" + ok + "&open_at=tomorrow", 400, "RFC 3339"},
		{"/v1/stations/nearest?" + ok + "&open_now=true&open_at=2024-05-05T10:00:00Z", 400, "not both"},
		{"/v1/stations/nearest?" + ok + "&max_distance_m=-5", 400, "max_distance_m must be > 0"},
		{"/v1/stations/nearest?" + ok + "&max_distance_m=1e12", 400, "max_distance_m must be > 0 and <= 20100000"},
		{"/v1/stations/nearest?" + ok + "&radius=5", 400, `unknown parameter "radius"`},
		{"/v1/stations/within", 400, "lon is required"},
		{"/v1/stations/within?" + ok + "&radius_m=-1", 400, "radius_m must be >= 1"},
		{"/v1/stations/within?" + ok + "&radius_m=0", 400, "radius_m must be >= 1"},
		{"/v1/stations/within?" + ok + "&radius_m=0.001", 400, "radius_m must be >= 1"},
		{"/v1/stations/within?" + ok + "&minutes=0.0001", 400, "below the minimum"},
		{"/v1/stations/nearest?lon=1_0&lat=40", 400, "plain decimal"},
		{"/v1/stations/nearest?lon=0x1p3&lat=40", 400, "plain decimal"},
		{"/v1/stations/within?" + ok + "&radius_m=600000", 400, "<= 500000 meters"},
		{"/v1/stations/within?" + ok + "&radius_m=nan", 400, "finite"},
		{"/v1/stations/within?" + ok + "&radius_m=100&minutes=15", 400, "not both"},
		{"/v1/stations/within?" + ok + "&radius_m=100&mode=walk", 400, "not both"},
		{"/v1/stations/within?" + ok + "&minutes=0", 400, "minutes must be > 0"},
		{"/v1/stations/within?" + ok + "&minutes=-15", 400, "minutes must be > 0"},
		{"/v1/stations/within?" + ok + "&minutes=601", 400, "<= 600 minutes"},
		{"/v1/stations/within?" + ok + "&minutes=15&mode=swim", 400, `unknown mode "swim" (allowed: walk, cycle, drive, truck`},
		{"/v1/stations/within?" + ok + "&minutes=15&speed_kmh=0", 400, "speed_kmh must be > 0"},
		{"/v1/stations/within?" + ok + "&minutes=15&speed_kmh=1000", 400, "<= 200 km/h"},
		{"/v1/stations/within?" + ok + "&minutes=15&circuity=0.5", 400, "circuity must be >= 1"},
		{"/v1/stations/within?" + ok + "&minutes=15&circuity=10", 400, "circuity must be >= 1 and <= 3"},
		{"/v1/stations/within?" + ok + "&minutes=600&speed_kmh=100", 400, "derived radius 769230.8 m is above the maximum 500000 m"},
		{"/v1/stations/within?" + ok + "&minutes=15&mode=walk&mode=drive", 400, "mode is given 2 times"},
		{"/v1/stations/within?" + ok + "&limit=0", 400, "limit must be from 1 to 10000"},
		{"/v1/stations?bbox=1,2,3", 400, "has 3 values"},
		{"/v1/stations?bbox=a,b,c,d", 400, `bbox minLon "a"`},
		{"/v1/stations?bbox=0,10,1,5", 400, "minLat"},
		{"/v1/stations?bbox=0,0,200,1", 400, "out of range"},
		{"/v1/stations?limit=0", 400, "limit must be from 1 to 10000"},
		{"/v1/stations?limit=10001", 400, "limit must be from 1 to 10000"},
		{"/v1/stations?offset=-1", 400, "offset must be from 0"},
		{"/v1/stations?offset=x", 400, "offset must be a whole number"},
		{"/v1/circle?lon=1", 400, "lat is required"},
		{"/v1/circle?lon=1&lat=1&minutes=abc", 400, "minutes must be a number"},
		{"/v1/circle?lon=1&lat=1&kind=port", 400, `unknown parameter "kind"`},
		{"/v1/stations/mzl-driver/circle?radius_m=1e9", 400, "radius_m must be >= 1"},
		{"/v1/stations/no-such/circle", 404, `no station with id "no-such"`},
		{"/v1/stations/%zz", 400, "percent-encoding"},
		{"/v1/layers/none", 404, `no layer named "none"`},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			assertProblem(t, get(t, s, tc.target), tc.status, tc.want)
		})
	}
}

// seed returns the random seed of a property test: $SEED, or a fixed one.
func seed(t *testing.T) uint64 {
	v, err := strconv.ParseUint(os.Getenv("SEED"), 10, 64)
	if err != nil {
		v = 20240506
	}
	t.Logf("SEED=%d", v)
	return v
}

// TestAgainstBruteForce compares nearest and within over HTTP with a
// brute-force great-circle scan on random worldwide records, with
// duplicate coordinates and records near the poles and the antimeridian.
func TestAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 1))
	randPoint := func() orb.Point {
		switch rng.IntN(4) {
		case 0: // near the antimeridian
			return orb.Point{179.5 + rng.Float64()*0.5 - float64(rng.IntN(2))*359.5, rng.Float64()*20 - 10}
		case 1: // near a pole
			return orb.Point{rng.Float64()*360 - 180, 85 + rng.Float64()*5}
		}
		return orb.Point{rng.Float64()*360 - 180, math.Asin(rng.Float64()*2-1) * 180 / math.Pi}
	}
	var stations []*data.Station
	for i := 0; i < 400; i++ {
		p := randPoint()
		if i > 0 && rng.IntN(10) == 0 {
			p = stations[rng.IntN(i)].Location // a duplicate coordinate
		}
		kind := data.Kinds()[rng.IntN(len(data.Kinds()))]
		st := station(t, fmt.Sprintf("s%03d", i), kind, p[0], p[1], "")
		st.Amenities = data.AmenitySet(rng.Uint32()) & (1<<len(data.Amenities()) - 1)
		stations = append(stations, st)
	}
	s := newTestServer(t, stations, Config{})

	type hit struct {
		id string
		d  float64
	}
	brute := func(p orb.Point, kind data.Kind, amen data.AmenitySet) []hit {
		var hs []hit
		for _, st := range stations {
			if (kind == "" || st.Kind == kind) && st.Amenities.Has(amen) {
				hs = append(hs, hit{st.ID, geo.Distance(p, st.Location)})
			}
		}
		sort.Slice(hs, func(i, j int) bool { return hs[i].d < hs[j].d || hs[i].d == hs[j].d && hs[i].id < hs[j].id })
		return hs
	}
	// check compares an answer with the brute-force hits: the same
	// distances in the same order, and each id's distance its own.
	check := func(t *testing.T, target string, fs []map[string]any, want []hit, p orb.Point) {
		t.Helper()
		if len(fs) != len(want) {
			t.Fatalf("%s returned %d; brute force %d", target, len(fs), len(want))
		}
		dist := map[string]float64{}
		for _, h := range want {
			dist[h.id] = h.d
		}
		for i, f := range fs {
			id := f["id"].(string)
			d, ok := dist[id]
			if !ok {
				t.Errorf("%s [%d] = %s; brute force has no such hit", target, i, id)
				continue
			}
			if got := prop(f, "distance_m"); got != round1(want[i].d) || got != round1(d) {
				t.Errorf("%s [%d] %s distance_m = %v; brute force %v at this rank, %v for this id", target, i, id, got, round1(want[i].d), round1(d))
			}
		}
	}
	for i := 0; i < 300; i++ {
		p := randPoint()
		var kind data.Kind
		var amen data.AmenitySet
		filter := ""
		if rng.IntN(3) == 0 {
			kind = data.Kinds()[rng.IntN(len(data.Kinds()))]
			filter += "&kind=" + string(kind)
		}
		if rng.IntN(3) == 0 {
			amen = 1 << rng.IntN(len(data.Amenities()))
			filter += "&amenity=" + amen.Names()[0]
		}
		all := brute(p, kind, amen)
		k := 1 + rng.IntN(20)
		target := fmt.Sprintf("/v1/stations/nearest?lon=%v&lat=%v&k=%d%s", p[0], p[1], k, filter)
		r := get(t, s, target)
		if r.status != 200 {
			t.Fatalf("GET %s = %d\n%s", target, r.status, r.raw)
		}
		check(t, target, r.features(t), all[:min(k, len(all))], p)

		radius := math.Exp(rng.Float64()*math.Log(MaxRadiusM-1)) + 1
		target = fmt.Sprintf("/v1/stations/within?lon=%v&lat=%v&radius_m=%v%s", p[0], p[1], radius, filter)
		r = get(t, s, target)
		if r.status != 200 {
			t.Fatalf("GET %s = %d\n%s", target, r.status, r.raw)
		}
		var in []hit
		for _, h := range all {
			if math.Abs(h.d-radius) < 1e-6 {
				t.Logf("skipping %s: a record lies on the circle", target)
				in = nil
				break
			}
			if h.d <= radius {
				in = append(in, h)
			}
		}
		check(t, target, r.features(t), in, p)
	}
}
