package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"yizhan/data"
)

// openapiServer is a test server with GET /openapi.json and the example
// routes, registering them when routes() does not (yet) do so itself.
func openapiServer(t *testing.T, stations []*data.Station) *Server {
	t.Helper()
	s := newTestServer(t, stations, Config{})
	has := func(path string) bool {
		for _, r := range s.App().GetRoutes(true) {
			if r.Method == http.MethodGet && r.Path == path {
				return true
			}
		}
		return false
	}
	if !has("/openapi.json") {
		s.openapiRoutes()
	}
	if !has("/v1/routes") {
		s.exampleRoutes()
	}
	return s
}

type openapiDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

type openapiParam struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Ref      string `json:"$ref"`
}

func loadOpenAPI(t *testing.T, s *Server) (openapiDoc, []byte) {
	t.Helper()
	status, h, body := fetch(t, s, "/openapi.json")
	if status != 200 || h.Get("Content-Type") != mediaOAS30 {
		t.Fatalf("GET /openapi.json = %d %s; want 200 %s", status, h.Get("Content-Type"), mediaOAS30)
	}
	if !json.Valid(body) {
		t.Fatalf("GET /openapi.json is not valid JSON")
	}
	var doc openapiDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET /openapi.json: %v", err)
	}
	return doc, body
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes checks that the document declares OpenAPI 3.0
// and that its operations are exactly the routes the app registers, so
// that neither can change without the other.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := openapiServer(t, fixture(t))
	doc, _ := loadOpenAPI(t, s)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi = %q; want 3.0.x", doc.OpenAPI)
	}

	routes := map[string]bool{}
	for _, r := range s.App().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue // Fiber adds HEAD to every GET
		}
		routes[strings.ToLower(r.Method)+" "+openapiPath(r.Path)] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for m := range item {
			if slices.Contains(httpMethods, m) {
				documented[m+" "+path] = true
			}
		}
	}
	var missing, extra []string
	for r := range routes {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from /openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("/openapi.json documents routes the app does not have: %v", extra)
	}
	if len(routes) < 25 {
		t.Errorf("only %d routes registered; want every route of routes() (%v)", len(routes), routes)
	}
}

// TestOpenAPIWellFormed checks what a client generator relies on: every
// path template variable is a required path parameter, every $ref
// resolves, and every operation has responses.
func TestOpenAPIWellFormed(t *testing.T) {
	s := openapiServer(t, fixture(t))
	doc, raw := loadOpenAPI(t, s)
	vars := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc.Paths {
		var shared []openapiParam
		if p, ok := item["parameters"]; ok {
			if err := json.Unmarshal(p, &shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for m, opRaw := range item {
			if !slices.Contains(httpMethods, m) {
				continue
			}
			var op struct {
				Parameters []openapiParam `json:"parameters"`
				Responses  map[string]any `json:"responses"`
			}
			if err := json.Unmarshal(opRaw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s has no responses", m, path)
			}
			params := append(slices.Clone(shared), op.Parameters...)
			for _, v := range vars.FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(params, func(p openapiParam) bool { return p.Name == v[1] && p.In == "path" && p.Required }) {
					t.Errorf("%s %s: path variable %s is not a required path parameter", m, path, v[1])
				}
			}
		}
	}
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/(\w+)/(\w+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components[m[1]][m[2]]; !ok {
			t.Errorf("$ref #/components/%s/%s does not resolve", m[1], m[2])
		}
	}
}

// TestOpenAPIQueryParamsAccepted sends every documented query parameter
// of every GET to its route: none may be refused as unknown, so the
// document names only parameters the handlers take.
func TestOpenAPIQueryParamsAccepted(t *testing.T) {
	s := openapiServer(t, fixture(t))
	doc, _ := loadOpenAPI(t, s)
	fill := strings.NewReplacer("/v1/routes/{id}", "/v1/routes/x", "{id}", "mzl-driver", "{featureId}", "mzl-driver", "{collectionId}", OGCCollection, "{name}", "x", "{z}", "0", "{x}", "0", "{y}", "0")
	checked := 0
	for path, item := range doc.Paths {
		opRaw, ok := item["get"]
		if !ok {
			continue
		}
		var op struct {
			Parameters []openapiParam `json:"parameters"`
		}
		if err := json.Unmarshal(opRaw, &op); err != nil {
			t.Fatal(err)
		}
		for _, p := range op.Parameters {
			if p.In != "query" {
				continue
			}
			target := fill.Replace(path) + "?" + url.Values{p.Name: {"1"}}.Encode()
			_, _, body := fetch(t, s, target)
			if strings.Contains(string(body), "unknown parameter") {
				t.Errorf("GET %s: documented parameter %s refused as unknown: %s", target, p.Name, body)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("checked %d documented query parameters; want the lot", checked)
	}
}

func TestOpenAPIPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/v1/stations/:id", "/v1/stations/{id}"},
		{"/v1/stations/:id/circle", "/v1/stations/{id}/circle"},
		{"/tiles/:z/:x/:y.mvt", "/tiles/{z}/{x}/{y}.mvt"},
		{"/ogc", "/ogc"},
	}
	for _, tc := range tests {
		if got := openapiPath(tc.in); got != tc.want {
			t.Errorf("openapiPath(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
