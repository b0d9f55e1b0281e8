package api

import (
	"encoding/json"
	"testing"

	"yizhan/data/bundled"
)

func TestLayers(t *testing.T) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, fixture(t), Config{Layers: layers})
	r := get(t, s, "/v1/layers")
	if r.status != 200 {
		t.Fatalf("GET /v1/layers = %d\n%s", r.status, r.raw)
	}
	list := r.body["layers"].([]any)
	if len(list) != len(layers.Names()) || len(list) == 0 {
		t.Fatalf("GET /v1/layers lists %d layers; want %d", len(list), len(layers.Names()))
	}
	for _, l := range list {
		href := l.(map[string]any)["href"].(string)
		r := get(t, s, href)
		if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" || r.body["type"] != "FeatureCollection" {
			t.Errorf("GET %s = %d %s; want a FeatureCollection", href, r.status, r.header.Get("Content-Type"))
		}
		if !json.Valid(r.raw) {
			t.Errorf("GET %s body is not JSON", href)
		}
	}
	assertProblem(t, get(t, s, "/v1/layers/nope"), 404, "boundary")

	none := newTestServer(t, fixture(t), Config{})
	r = get(t, none, "/v1/layers")
	if r.status != 200 || len(r.body["layers"].([]any)) != 0 {
		t.Errorf("GET /v1/layers without layers = %d %s; want an empty list", r.status, r.raw)
	}
	assertProblem(t, get(t, none, "/v1/layers/boundary"), 404, `"boundary"`)
}
