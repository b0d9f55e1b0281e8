package api

import (
	"math/rand/v2"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// queryPieces are what random query strings are made of: names that
// repeat, empty values, and bytes that need escaping.
var queryPieces = []string{"lon", "lat", "k", "limit", "offset", "bbox", "kind", "a b", "é", "%2C", "+", "&", "=", "", "1,2", "x%zz", "名"}

func randQueryString(rng *rand.Rand) string {
	var b strings.Builder
	for i := range rng.IntN(8) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(queryPieces[rng.IntN(len(queryPieces))])
		if rng.IntN(5) > 0 {
			b.WriteByte('=')
			for range rng.IntN(3) {
				b.WriteString(queryPieces[rng.IntN(len(queryPieces))])
			}
		}
	}
	return b.String()
}

// parsed parses raw as the server does, allowing every name.
func parsed(t *testing.T, app *fiber.App, raw string) (query, url.Values) {
	t.Helper()
	var fctx fasthttp.RequestCtx
	fctx.Request.SetRequestURI("/x?" + raw)
	c := app.AcquireCtx(&fctx)
	defer app.ReleaseCtx(c)
	// What the map-based parser kept: every non-empty value, in order.
	want := url.Values{}
	var names []string
	fctx.QueryArgs().VisitAll(func(k, v []byte) {
		names = append(names, string(k))
		if len(v) > 0 {
			want[string(k)] = append(want[string(k)], string(v))
		}
	})
	q, err := parseQuery(c, names...)
	if err != nil {
		t.Fatalf("parseQuery(%q): %v", raw, err)
	}
	return q, want
}

// TestQueryAsURLValues checks the parsed query against the url.Values the
// parser used to build, and pageURL against url.Values.Encode.
func TestQueryAsURLValues(t *testing.T) {
	app := fiber.New()
	rng := rand.New(rand.NewPCG(3, 9))
	for range 5000 {
		raw := randQueryString(rng)
		q, want := parsed(t, app, raw)
		if got := q.urlValues(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: parsed %v, want %v", raw, got, want)
		}
		for name, vs := range want {
			if !q.has(name) || q.get(name) != vs[0] || !reflect.DeepEqual(q.values(name), vs) {
				t.Fatalf("%q: %s has %v, get %q, values %q; want %q", raw, name, q.has(name), q.get(name), q.values(name), vs)
			}
		}
		if q.has("absent") || q.values("absent") != nil || q.get("absent") != "" {
			t.Fatalf("%q: an absent name is there", raw)
		}
		limit, offset := rng.IntN(200), rng.IntN(1000)
		ref := url.Values{}
		for k, vs := range want {
			ref[k] = vs
		}
		ref.Set("limit", strconv.Itoa(limit))
		ref.Set("offset", strconv.Itoa(offset))
		if got, want := q.pageURL("http://h/v1/stations", limit, offset), "http://h/v1/stations?"+ref.Encode(); got != want {
			t.Fatalf("%q: pageURL = %q, want %q", raw, got, want)
		}
	}
}

// TestQueryOneRepeated checks the answer to a parameter given twice.
func TestQueryOneRepeated(t *testing.T) {
	app := fiber.New()
	for _, tc := range []struct {
		raw, want string
		fails     bool
	}{
		{"k=5", "5", false},
		{"k=5&k=5", "5", false},
		{"k=&k=5", "5", false},
		{"k=5&k=6", "", true},
		{"lon=1", "", false},
	} {
		q, _ := parsed(t, app, tc.raw)
		got, err := q.one("k")
		if got != tc.want || (err != nil) != tc.fails {
			t.Errorf("%q: one(k) = %q, %v; want %q, failing %v", tc.raw, got, err, tc.want, tc.fails)
		}
	}
}
