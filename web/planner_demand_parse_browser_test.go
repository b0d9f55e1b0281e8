package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// demandCases are demand files as planners make them, good and bad: the
// page must read each as the API does (all points lie in demandSquare).
var demandCases = []struct {
	name, text string
}{
	{"csv", "lon,lat,weight\n111.7,40.8,10\n111.71,40.81,5\n"},
	{"csv bom crlf quoted", "\uFEFF\"lon\",\"lat\",\"weight\"\r\n\"111.7\",\"40.8\",\"1e3\"\r\n"},
	{"csv aliases no weight", "Longitude,Latitude\n111.7,40.8\n111.72,40.82\n"},
	{"csv lng x y", "y,x\n40.8,111.7\n"},
	{"csv other columns", "name,lon,lat,weight,note\n\"Depot, north\",111.7,40.8,7,\"a \"\"b\"\"\"\n"},
	{"csv blank lines", "lon,lat,weight\n\n111.7,40.8,2\n\n111.7,40.85,3\n"},
	{"csv spaces", "lon , lat , weight\n 111.7 , 40.8 , 5 \n"},
	{"csv zero weight", "lon,lat,weight\n111.7,40.8,0\n"},
	{"csv quoted newline in name", "name,lon,lat,weight\n\"two\nlines\",111.7,40.8,4\n"},
	{"csv not a number", "lon,lat,weight\n111.7,abc,3\n"},
	{"csv hex weight", "lon,lat,weight\n111.7,40.8,0x10\n"},
	{"csv infinite weight", "lon,lat,weight\n111.7,40.8,Infinity\n"},
	{"csv negative weight", "lon,lat,weight\n111.7,40.8,-1\n"},
	{"csv weight too large", "lon,lat,weight\n111.7,40.8,2e9\n"},
	{"csv latitude out of range", "lon,lat,weight\n111.7,95,1\n"},
	{"csv missing value", "lon,lat,weight\n111.7,,1\n"},
	{"csv no lat column", "lon,weight\n111.7,2\n"},
	{"csv header only", "lon,lat,weight\n"},
	{"geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[111.7,40.8]},"properties":{"weight":12.5}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[111.75,40.85,1200]},"properties":{"weight":2,"name":"x"}}]}`},
	{"geojson weight left out", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[111.7,40.8]},"properties":null}]}`},
	{"geojson weight a string", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[111.7,40.8]},"properties":{"weight":"5"}}]}`},
	{"geojson weight null", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[111.7,40.8]},"properties":{"weight":null}}]}`},
	{"geojson a line", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[111.7,40.8],[111.8,40.8]]},"properties":{}}]}`},
	{"geojson not a collection", `{"type":"Feature","geometry":{"type":"Point","coordinates":[111.7,40.8]},"properties":{"weight":1}}`},
	{"geojson no features", `{"type":"FeatureCollection","features":[]}`},
	{"not json", `{"type": "FeatureCollection",`},
}

// demandSquare is the area the API counts the demand in.
const demandSquare = `{"type":"Polygon","coordinates":[[[111.6,40.75],[111.8,40.75],[111.8,40.9],[111.6,40.9],[111.6,40.75]]]}`

// TestDemandFileAsTheAPIReadsIt reads each demand case in the page and
// sends it to the API as the page would (CSV as demand_csv, GeoJSON as
// demand): the page refuses exactly what the API refuses, and counts
// the points and total weight the API counts.
func TestDemandFileAsTheAPIReadsIt(t *testing.T) {
	p, log, base := openView(t, "planner")
	defer log.check(t)
	for _, tc := range demandCases {
		t.Run(tc.name, func(t *testing.T) {
			text, _ := json.Marshal(tc.text)
			got, err := chromedp.Run(p.ctx, chromedp.Evaluate[struct {
				OK    bool    `json:"ok"`
				Count int     `json:"count"`
				Total float64 `json:"total"`
				Error string  `json:"error"`
			}](fmt.Sprintf(`window.yizhan.planner.parseDemand('case', %s)`, text)))
			if err != nil {
				t.Fatalf("parse in the page: %v", err)
			}
			body := map[string]any{"area": json.RawMessage(demandSquare), "minutes": 15, "mode": "drive", "cell_m": 1000}
			if strings.HasPrefix(tc.name, "csv") {
				body["demand_csv"] = tc.text
			} else if json.Valid([]byte(tc.text)) {
				body["demand"] = json.RawMessage(tc.text)
			} else {
				if got.OK {
					t.Errorf("the page reads text that is not JSON as %d points", got.Count)
				}
				return // the page never sends it
			}
			b, _ := json.Marshal(body)
			resp, err := http.Post(base+"v1/coverage/gaps", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var ans struct {
				DemandTotal float64 `json:"demand_total"`
				Demand      struct {
					Points int `json:"points"`
				} `json:"demand"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(raw, &ans); err != nil {
				t.Fatalf("API answer %d: %v\n%s", resp.StatusCode, err, raw)
			}
			apiOK := resp.StatusCode == 200
			if got.OK != apiOK {
				t.Fatalf("page reads it: %v (%s); API: %d %s", got.OK, got.Error, resp.StatusCode, ans.Detail)
			}
			if !got.OK {
				return
			}
			if got.Count != ans.Demand.Points || math.Abs(got.Total-ans.DemandTotal) > 1e-3 {
				t.Errorf("page counts %d points weighing %v; the API %d weighing %v", got.Count, got.Total, ans.Demand.Points, ans.DemandTotal)
			}
		})
	}
}
