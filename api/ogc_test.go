package api

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
)

// linkTo returns the request target (path and query) of the link with rel
// in body's links, or "" when there is none; it fails on links that leave
// the server.
func linkTo(t *testing.T, body map[string]any, rel string) string {
	t.Helper()
	links, _ := body["links"].([]any)
	for _, l := range links {
		m := l.(map[string]any)
		if m["rel"] != rel {
			continue
		}
		href, _ := m["href"].(string)
		u, err := url.Parse(href)
		if err != nil || u.Scheme != "http" || u.Host != "example.com" {
			t.Fatalf("link %s = %q; want an absolute link to this server", rel, href)
		}
		if m["type"] == nil {
			t.Errorf("link %s has no type", rel)
		}
		return u.RequestURI()
	}
	return ""
}

func TestOGCLandingAndConformance(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	r := get(t, s, "/ogc")
	if r.status != 200 || r.header.Get("Content-Type") != mediaJSON {
		t.Fatalf("GET /ogc = %d %s %s; want 200 JSON", r.status, r.header.Get("Content-Type"), r.raw)
	}
	for rel, want := range map[string]string{"self": "/ogc", "service-desc": "/openapi.json", "conformance": "/ogc/conformance", "data": "/ogc/collections"} {
		if got := linkTo(t, r.body, rel); got != want {
			t.Errorf("GET /ogc link %s = %q; want %q", rel, got, want)
		}
	}
	r = get(t, s, "/ogc/conformance?f=json")
	classes, _ := r.body["conformsTo"].([]any)
	for _, c := range []string{"core", "geojson", "oas30"} {
		want := "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/" + c
		if !slices.Contains(classes, any(want)) {
			t.Errorf("conformsTo = %v; want it to hold %s", classes, want)
		}
	}
}

func TestOGCCollection(t *testing.T) {
	stations := fixture(t)
	s := newTestServer(t, stations, Config{})
	want := stations[0].Location.Bound()
	for _, st := range stations {
		want = want.Extend(st.Location)
	}
	r := get(t, s, "/ogc/collections")
	list, _ := r.body["collections"].([]any)
	if r.status != 200 || len(list) != 1 {
		t.Fatalf("GET /ogc/collections = %d %s; want 200 with one collection", r.status, r.raw)
	}
	for _, target := range []string{"", "/ogc/collections/stations"} {
		c := list[0].(map[string]any)
		if target != "" {
			r := get(t, s, target)
			if r.status != 200 || r.header.Get("X-Data-Version") != "42" {
				t.Fatalf("GET %s = %d %s; want 200 with X-Data-Version 42", target, r.status, r.raw)
			}
			c = r.body
		}
		if c["id"] != OGCCollection || c["itemType"] != "feature" {
			t.Errorf("collection id, itemType = %v, %v; want stations, feature", c["id"], c["itemType"])
		}
		spatial := c["extent"].(map[string]any)["spatial"].(map[string]any)
		bbox := spatial["bbox"].([]any)[0].([]any)
		got := orb.Bound{Min: orb.Point{bbox[0].(float64), bbox[1].(float64)}, Max: orb.Point{bbox[2].(float64), bbox[3].(float64)}}
		if got != want || spatial["crs"] != crs84 {
			t.Errorf("extent = %v %v; want %v %s", got, spatial["crs"], want, crs84)
		}
		if linkTo(t, c, "items") != "/ogc/collections/stations/items" {
			t.Errorf("collection items link = %q", linkTo(t, c, "items"))
		}
	}
}

// randomStations builds n records with ids in random order, spread over
// the world with a cluster around Hohhot and some near the antimeridian.
func randomStations(t *testing.T, rng *rand.Rand, n int) []*data.Station {
	perm := rng.Perm(n)
	out := make([]*data.Station, n)
	for i := range out {
		var p orb.Point
		switch rng.IntN(3) {
		case 0:
			p = orb.Point{111 + rng.Float64()*2, 40 + rng.Float64()*2}
		case 1:
			p = orb.Point{179 + rng.Float64() - float64(rng.IntN(2))*359, rng.Float64()*10 - 5}
		default:
			p = orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		}
		out[i] = station(t, fmt.Sprintf("r%04d", perm[i]), data.Kinds()[rng.IntN(len(data.Kinds()))], p[0], p[1], "", string(data.Amenities()[rng.IntN(3)]))
	}
	return out
}

// walk follows next links from target and returns the ids seen, failing
// on a page whose numberMatched or numberReturned is off.
func walk(t *testing.T, s *Server, target string) []string {
	t.Helper()
	var seen []string
	matched := -1.0
	for pages := 0; target != ""; pages++ {
		if pages > 1000 {
			t.Fatalf("more than 1000 pages from %s", target)
		}
		r := get(t, s, target)
		if r.status != 200 || r.header.Get("Content-Type") != mediaGeoJSON {
			t.Fatalf("GET %s = %d %s %s; want 200 geo+json", target, r.status, r.header.Get("Content-Type"), r.raw)
		}
		fs := r.features(t)
		if r.body["numberReturned"] != float64(len(fs)) {
			t.Fatalf("GET %s numberReturned = %v; %d features", target, r.body["numberReturned"], len(fs))
		}
		if matched >= 0 && r.body["numberMatched"] != matched {
			t.Fatalf("GET %s numberMatched = %v; the first page said %v", target, r.body["numberMatched"], matched)
		}
		matched, _ = r.body["numberMatched"].(float64)
		if ts, _ := r.body["timeStamp"].(string); ts != "2024-05-06T02:00:00Z" {
			t.Errorf("GET %s timeStamp = %q; want the server clock in UTC", target, ts)
		}
		if self := linkTo(t, r.body, "self"); self == "" {
			t.Errorf("GET %s has no self link", target)
		}
		seen = append(seen, ids(fs)...)
		target = linkTo(t, r.body, "next")
	}
	if int(matched) != len(seen) {
		t.Errorf("walk: numberMatched %v; saw %d features", matched, len(seen))
	}
	return seen
}

// TestOGCPagingAndBBox pages through items with next links, with and
// without filters, and checks every record in the box passing the filter
// comes exactly once, in id order, against a brute-force scan.
func TestOGCPagingAndBBox(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 3))
	stations := randomStations(t, rng, 600)
	s := newTestServer(t, stations, Config{})
	type box struct{ minLon, minLat, maxLon, maxLat float64 }
	boxes := []*box{nil, {110, 39, 114, 43}, {170, -10, -170, 10}, {-180, -90, 180, 90}, {111.5, 40.5, 111.6, 40.6}}
	for i := 0; i < 20; i++ {
		a, b := rng.Float64()*360-180, rng.Float64()*360-180
		lat1, lat2 := rng.Float64()*180-90, rng.Float64()*180-90
		boxes = append(boxes, &box{a, min(lat1, lat2), b, max(lat1, lat2)})
	}
	for i, bx := range boxes {
		v := url.Values{}
		inBox := func(p orb.Point) bool { return true }
		if bx != nil {
			v.Set("bbox", fmt.Sprintf("%v,%v,%v,%v", bx.minLon, bx.minLat, bx.maxLon, bx.maxLat))
			inBox = func(p orb.Point) bool {
				inLon := p[0] >= bx.minLon && p[0] <= bx.maxLon
				if bx.minLon > bx.maxLon {
					inLon = p[0] >= bx.minLon || p[0] <= bx.maxLon
				}
				return inLon && p[1] >= bx.minLat && p[1] <= bx.maxLat
			}
		}
		kind := data.Kind("")
		if i%3 == 1 {
			kind = data.Kinds()[i%len(data.Kinds())]
			v.Set("kind", string(kind))
		}
		v.Set("limit", []string{"7", "10", "50", "1000"}[i%4])
		var want []string
		for _, st := range stations {
			if inBox(st.Location) && (kind == "" || st.Kind == kind) {
				want = append(want, st.ID)
			}
		}
		slices.Sort(want)
		got := walk(t, s, "/ogc/collections/stations/items?"+v.Encode())
		if !slices.Equal(got, want) {
			t.Errorf("items?%s: paged %d ids; want %d (each record in the box once, in id order)\n got %v\nwant %v", v.Encode(), len(got), len(want), got, want)
		}
	}
}

func TestOGCPrevAndClamp(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 4))
	s := newTestServer(t, randomStations(t, rng, 120), Config{})
	r := get(t, s, "/ogc/collections/stations/items?offset=25&limit=10")
	if got := linkTo(t, r.body, "prev"); !strings.Contains(got, "offset=15") || !strings.Contains(got, "limit=10") {
		t.Errorf("prev link = %q; want offset=15, limit=10", got)
	}
	if got := linkTo(t, r.body, "next"); !strings.Contains(got, "offset=35") {
		t.Errorf("next link = %q; want offset=35", got)
	}
	r = get(t, s, "/ogc/collections/stations/items")
	if r.body["numberReturned"] != float64(OGCDefaultLimit) || linkTo(t, r.body, "prev") != "" {
		t.Errorf("items with no limit: numberReturned %v, prev %q; want %d and no prev", r.body["numberReturned"], linkTo(t, r.body, "prev"), OGCDefaultLimit)
	}
	// Above the maximum, limit is lowered to it, not refused.
	for _, l := range []string{"20000", "99999999999999999999999"} {
		r = get(t, s, "/ogc/collections/stations/items?limit="+l)
		if r.status != 200 || r.body["numberReturned"] != 120.0 {
			t.Errorf("items?limit=%s = %d, %v returned; want 200 with all 120", l, r.status, r.body["numberReturned"])
		}
	}
	// Six numbers: heights are ignored.
	r = get(t, s, "/ogc/collections/stations/items?bbox=-180,-90,-100,180,90,100&limit=1000&bbox-crs="+url.QueryEscape(crs84))
	if r.status != 200 || r.body["numberMatched"] != 120.0 {
		t.Errorf("items with a 6-number bbox = %d %v; want 200 matching all 120", r.status, r.body["numberMatched"])
	}
}

func TestOGCItem(t *testing.T) {
	stations := fixture(t)
	stations = append(stations, station(t, "a b/c", data.KindPort, 1, 2, ""))
	s := newTestServer(t, stations, Config{})
	r := get(t, s, "/ogc/collections/stations/items/mzl-driver?lang=ru")
	if r.status != 200 || r.body["id"] != "mzl-driver" || prop(r.body, "name") != "Маньчжурия" || r.header.Get("Content-Type") != mediaGeoJSON {
		t.Errorf("GET item = %d %s; want mzl-driver with its Russian name as geo+json", r.status, r.raw)
	}
	if self := linkTo(t, r.body, "self"); self != "/ogc/collections/stations/items/mzl-driver" {
		t.Errorf("item self link = %q", self)
	}
	r = get(t, s, "/ogc/collections/stations/items/a%20b%2Fc")
	if r.status != 200 || r.body["id"] != "a b/c" {
		t.Errorf("GET item with an escaped id = %d %s; want a b/c", r.status, r.raw)
	}
	if self := linkTo(t, r.body, "self"); self != "/ogc/collections/stations/items/a%20b%2Fc" {
		t.Errorf("escaped item self link = %q", self)
	}
}

func TestOGCBadInput(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	items := "/ogc/collections/stations/items"
	tests := []struct {
		target string
		status int
		want   string
	}{
		{"/ogc/collections/ports", 404, "no collection"},
		{"/ogc/collections/ports/items", 404, "no collection"},
		{"/ogc/collections/ports/items/x", 404, "no collection"},
		{items + "/nope", 404, "no feature with id"},
		{items + "/%zz", 400, "percent-encoding"},
		{items + "?bbox=1,2,3", 400, "bbox"},
		{items + "?bbox=1,2,3,x", 400, "bbox"},
		{items + "?bbox=0,10,1,5", 400, "minLat"},
		{items + "?bbox=1,2,nan,3,4,5", 400, "height"},
		{items + "?limit=0", 400, "at least 1"},
		{items + "?limit=-5", 400, "at least 1"},
		{items + "?limit=ten", 400, "whole number"},
		{items + "?offset=-1", 400, "offset"},
		{items + "?bbox-crs=EPSG:4326", 400, "CRS84"},
		{items + "?crs=http://www.opengis.net/def/crs/EPSG/0/3857", 400, "CRS84"},
		{items + "?f=html", 400, "only JSON"},
		{"/ogc?f=xml", 400, "only JSON"},
		{"/ogc/collections?f=geojson", 400, "f=json"},
		{items + "?datetime=yesterday", 400, "RFC 3339"},
		{items + "?datetime=../..", 400, "RFC 3339"},
		{items + "?kind=nope", 400, "unknown kind"},
		{items + "?properties=name", 400, "unknown parameter"},
		{items + "?limit=1&limit=2", 400, "different values"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			assertProblem(t, get(t, s, tc.target), tc.status, tc.want)
		})
	}
	for _, ok := range []string{items + "?datetime=2024-05-01T00:00:00Z", items + "?datetime=2024-05-01/..", items + "?datetime=../2024-05-01T00:00:00%2B08:00", items + "?f=geojson", "/ogc/?f=json", items + "?crs=" + url.QueryEscape(crs84)} {
		if r := get(t, s, ok); r.status != 200 {
			t.Errorf("GET %s = %d %s; want 200", ok, r.status, r.raw)
		}
	}
}

// TestOGCClientSequence makes the requests QGIS's OAPIF provider makes
// when a layer is added and panned: landing page, API definition,
// conformance, collections, the collection, a first page to sample, then
// bbox pages followed through next links, each link found in the
// previous answer rather than built.
func TestOGCClientSequence(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 5))
	stations := randomStations(t, rng, 300)
	s := openapiServer(t, stations)

	landing := get(t, s, "/ogc")
	api := get(t, s, linkTo(t, landing.body, "service-desc"))
	if api.status != 200 || api.body["openapi"] == nil {
		t.Fatalf("service-desc = %d; want the OpenAPI document", api.status)
	}
	conf := get(t, s, linkTo(t, landing.body, "conformance"))
	if conf.status != 200 {
		t.Fatalf("conformance = %d", conf.status)
	}
	colls := get(t, s, linkTo(t, landing.body, "data"))
	c := colls.body["collections"].([]any)[0].(map[string]any)
	coll := get(t, s, linkTo(t, c, "self"))
	itemsURL := linkTo(t, coll.body, "items")
	sample := get(t, s, itemsURL+"?limit=10")
	if len(sample.features(t)) != 10 {
		t.Fatalf("sample page has %d features; want 10", len(sample.features(t)))
	}
	got := walk(t, s, itemsURL+"?bbox=110,39,114,43&limit=25")
	var want []string
	for _, st := range stations {
		if p := st.Location; p[0] >= 110 && p[0] <= 114 && p[1] >= 39 && p[1] <= 43 {
			want = append(want, st.ID)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("bbox pages = %v; want %v", got, want)
	}
	item := get(t, s, itemsURL+"/"+want[0])
	if item.status != 200 || item.body["id"] != want[0] {
		t.Errorf("item %s = %d %s", want[0], item.status, item.raw)
	}
}

func FuzzOGCItemsQuery(f *testing.F) {
	fuzzQuery(f, "/ogc/collections/stations/items", false,
		"bbox=110,39,114,43&limit=25&offset=5",
		"bbox=170,-10,-170,10&kind=port&amenity=shower&lang=ru",
		"limit=99999999999999999999&datetime=2024-05-01/..",
		"bbox=1,2,3,4,5,6&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&f=json",
	)
}
