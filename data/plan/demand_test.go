package plan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/geo"
)

func TestParseDemand(t *testing.T) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Layers: layers}
	fc := func(feats ...string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`)
	}
	pt := func(lon, lat float64, props string) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":%s}`, lon, lat, props)
	}
	for _, tc := range []struct {
		name   string
		req    GapsRequest
		from   string
		points int
		total  float64
		field  string // "" when accepted
		detail string
	}{
		{"absent: the default", GapsRequest{}, DemandDefault, 340 + 14, 0, "", ""},
		{"default by name", GapsRequest{Demand: []byte(`"default"`)}, DemandDefault, 354, 0, "", ""},
		{"none", GapsRequest{Demand: []byte(`"None"`)}, DemandNone, 0, 0, "", ""},
		{"null is absent", GapsRequest{Demand: []byte(`null`)}, DemandDefault, 354, 0, "", ""},
		{"geojson", GapsRequest{Demand: fc(pt(111, 40, `{"weight":2.5}`), pt(112, 41, `{"name":"x"}`))}, DemandGiven, 2, 3.5, "", ""},
		{"csv", GapsRequest{DemandCSV: "\ufeffLat,Lon,Weight,Name\r\n40,111,10,\"a, b\"\r\n41,112,5,c\r\n\r\n"}, DemandCSV, 2, 15, "", ""},
		{"csv without weight", GapsRequest{DemandCSV: "lon,lat\n111,40\n112,41\n"}, DemandCSV, 2, 2, "", ""},
		{"both", GapsRequest{Demand: []byte(`"none"`), DemandCSV: "lon,lat\n1,2\n"}, "", 0, 0, "demand", "not both"},
		{"unknown word", GapsRequest{Demand: []byte(`"people"`)}, "", 0, 0, "demand", `got "people"`},
		{"a polygon", GapsRequest{Demand: []byte(`{"type":"Polygon","coordinates":[]}`)}, "", 0, 0, "demand", "FeatureCollection of Point features"},
		{"a line feature", GapsRequest{Demand: fc(`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{}}`)}, "", 0, 0, "demand", "must be a Point"},
		{"string weight", GapsRequest{Demand: fc(pt(111, 40, `{"weight":"3"}`))}, "", 0, 0, "demand", `"weight" must be a number, got a string`},
		{"negative weight", GapsRequest{Demand: fc(pt(111, 40, `{"weight":-1}`))}, "", 0, 0, "demand", "from 0 to"},
		{"huge weight", GapsRequest{Demand: fc(pt(111, 40, `{"weight":1e300}`))}, "", 0, 0, "demand", "from 0 to"},
		{"out of range", GapsRequest{Demand: fc(pt(200, 40, `{}`))}, "", 0, 0, "demand", "out of range"},
		{"empty collection", GapsRequest{Demand: fc()}, "", 0, 0, "demand", `"none"`},
		{"csv no lat", GapsRequest{DemandCSV: "lon,weight\n1,2\n"}, "", 0, 0, "demand_csv", "must name a lon and a lat column"},
		{"csv not a number", GapsRequest{DemandCSV: "lon,lat,weight\n111,40,NaN\n"}, "", 0, 0, "demand_csv", "line 2"},
		{"csv infinite", GapsRequest{DemandCSV: "lon,lat,weight\n111,40,Inf\n"}, "", 0, 0, "demand_csv", "is not a number"},
		{"csv short row", GapsRequest{DemandCSV: "lon,lat,weight\n111\n"}, "", 0, 0, "demand_csv", "no lat value"},
		{"csv out of range", GapsRequest{DemandCSV: "lon,lat\n111,95\n"}, "", 0, 0, "demand_csv", "line 2: demand point 0"},
		{"csv no rows", GapsRequest{DemandCSV: "lon,lat\n"}, "", 0, 0, "demand_csv", "no rows"},
		{"csv bad quotes", GapsRequest{DemandCSV: "lon,lat\n\"1,2\n"}, "", 0, 0, "demand_csv", "demand_csv"},
	} {
		d, err := p.parseDemand(context.Background(), &tc.req, nil, &coverage{})
		if tc.field != "" {
			var pe *Error
			if !errors.As(err, &pe) || pe.Field != tc.field || !strings.Contains(pe.Detail, tc.detail) {
				t.Errorf("%s: parseDemand = %v; want a refusal of %s saying %q", tc.name, err, tc.field, tc.detail)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: parseDemand = %v", tc.name, err)
			continue
		}
		total, _ := geo.DemandSum(d.Points, nil)
		if d.From != tc.from || len(d.Points) != tc.points || len(d.Names) != len(d.Points) || (tc.total > 0 && total != tc.total) {
			t.Errorf("%s: parseDemand = from %s, %d points, total %v; want %s, %d, %v", tc.name, d.From, len(d.Points), total, tc.from, tc.points, tc.total)
		}
	}
	// The CSV's name column and coordinates, in lon/lat order whatever the columns' order.
	d, _ := p.parseDemand(context.Background(), &GapsRequest{DemandCSV: "lat,lon,weight,name\n40,111,10,\"a, b\"\n"}, nil, &coverage{})
	if d.Points[0].Point != (orb.Point{111, 40}) || d.Names[0].ZH != "a, b" {
		t.Errorf("CSV point %v name %q; want [111 40] and \"a, b\"", d.Points[0].Point, d.Names[0].ZH)
	}
	// A server without bundled layers counts no demand by default.
	if d, err := (&Planner{}).parseDemand(context.Background(), &GapsRequest{}, nil, &coverage{}); err != nil || d.From != DemandNone {
		t.Errorf("no layers: %+v, %v; want no demand", d, err)
	}
}

// TestParseDemandLimit: more than MaxDemandPoints rows is refused.
func TestParseDemandLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("lon,lat,weight\n")
	for i := 0; i <= MaxDemandPoints; i++ {
		b.WriteString("111,40,1\n")
	}
	_, err := parseDemandCSV(b.String(), nil)
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Detail, "the limit is 100000") {
		t.Fatalf("parseDemandCSV(%d rows) = %v; want the limit", MaxDemandPoints+1, err)
	}
}

// FuzzDemandCSV: any text is refused with a field or read into points in
// range with weights from 0 to MaxDemandWeight; nothing panics.
func FuzzDemandCSV(f *testing.F) {
	for _, s := range []string{"lon,lat,weight\n111,40,1\n", "\ufefflat,lon\n1,2\n", "x,y,weight,name\n1,2,3,\"q\"\"\"\n", "lon,lat\n\"", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDemandCSV(s, nil)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Field == "" || pe.Detail == "" {
				t.Fatalf("parseDemandCSV(%q) = %v; want a refusal naming the field", s, err)
			}
			return
		}
		checkDemand(t, d)
	})
}

// FuzzDemandGeoJSON is FuzzDemandCSV for the GeoJSON form.
func FuzzDemandGeoJSON(f *testing.F) {
	for _, s := range []string{`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"weight":3}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":null}]}`, `{"type":"FeatureCollection"}`, `[]`, `{"type":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDemandGeoJSON([]byte(s), nil)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Field != "demand" || pe.Detail == "" {
				t.Fatalf("parseDemandGeoJSON(%q) = %v; want a refusal of demand", s, err)
			}
			return
		}
		checkDemand(t, d)
	})
}

func checkDemand(t *testing.T, d *Demand) {
	t.Helper()
	if len(d.Points) == 0 || len(d.Points) > MaxDemandPoints || len(d.Names) != len(d.Points) {
		t.Fatalf("%d points, %d names", len(d.Points), len(d.Names))
	}
	for _, p := range d.Points {
		if !(p.Point[0] >= -180 && p.Point[0] <= 180 && p.Point[1] >= -90 && p.Point[1] <= 90) || !(p.Weight >= 0 && p.Weight <= MaxDemandWeight) {
			t.Fatalf("accepted point %+v", p)
		}
	}
}

// TestClippedAreaMonteCarlo: a rectangle across the border of Inner
// Mongolia with Mongolia, clipped to the province, measures what a
// Monte-Carlo estimate over the province finds inside both (within
// sampling error), and less than the rectangle.
func TestClippedAreaMonteCarlo(t *testing.T) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	province, _, _ := layers.Region("150000")
	rect := `{"type":"Polygon","coordinates":[[[110,42],[113,42],[113,45],[110,45],[110,42]]]}`
	p := &Planner{Layers: layers}
	snap := catalog.NewSnapshot(nil, 0)
	res, err := p.Gaps(context.Background(), snap, &GapsRequest{Area: []byte(rect), Region: "150000", CellM: f(1000), Demand: []byte(`"none"`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ClippedTo == nil || res.ClippedTo.Code != "150000" || res.Region != nil {
		t.Fatalf("clipped_to %+v region %+v; want clipped to 150000", res.ClippedTo, res.Region)
	}
	box := orb.MultiPolygon{{{{110, 42}, {113, 42}, {113, 45}, {110, 45}, {110, 42}}}}
	// Sample uniformly on the sphere inside the rectangle: uniform in
	// longitude and in sin(latitude).
	rng := rand.New(rand.NewPCG(7, 11))
	const n = 40_000
	outline := geo.NewOutline(province)
	in := 0
	s0, s1 := math.Sin(42*math.Pi/180), math.Sin(45*math.Pi/180)
	for i := 0; i < n; i++ {
		pt := orb.Point{110 + 3*rng.Float64(), math.Asin(s0+(s1-s0)*rng.Float64()) * 180 / math.Pi}
		if outline.Contains(pt) {
			in++
		}
	}
	share := float64(in) / n
	want := geo.Area(box) * share
	se := geo.Area(box) * math.Sqrt(share*(1-share)/n)
	got := res.Summary.AreaM2
	if math.Abs(got-want) > 4*se+0.002*want {
		t.Fatalf("clipped area %.0f km²; Monte-Carlo %.0f ± %.0f km²", got/1e6, want/1e6, se/1e6)
	}
	if got >= geo.Area(box)*0.95 {
		t.Fatalf("clipped area %.0f km² is nearly the rectangle's %.0f km²", got/1e6, geo.Area(box)/1e6)
	}
	t.Logf("clipped area %.0f km²; Monte-Carlo %.0f ± %.0f km² (%d samples); rectangle %.0f km²", got/1e6, want/1e6, se/1e6, n, geo.Area(box)/1e6)

	// Areas that do not meet are refused.
	far := `{"type":"Polygon","coordinates":[[[10,42],[13,42],[13,45],[10,45],[10,42]]]}`
	_, err = p.Gaps(context.Background(), snap, &GapsRequest{Area: []byte(far), Region: "150000", CellM: f(5000)}, nil)
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != "area" || !strings.Contains(pe.Detail, "do not overlap") {
		t.Fatalf("disjoint area and region: %v", err)
	}
}

// station is a valid open record at p.
func station(id string, p orb.Point, status data.Status) *data.Station {
	return &data.Station{ID: id, Kind: data.KindUnionStation, Location: p, Names: data.Names{ZH: id, EN: id}, Status: status, Source: "test"}
}

// TestScenarios: the planned record adds its coverage and demand in
// with_planned and closes the gap it sits in; the suggested sites add the
// rest in with_suggested; the demand each site claims adds up; closed
// records count in no scenario.
func TestScenarios(t *testing.T) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	// Three towns in a 1°×1° square; an open station covers the first, a
	// planned one the second, and a closed one the third.
	towns := []orb.Point{{111.2, 41.2}, {111.8, 41.8}, {111.2, 41.8}}
	snap := catalog.NewSnapshot([]*data.Station{
		station("open", towns[0], data.StatusOpen),
		station("planned", towns[1], data.StatusPlanned),
		station("closed", towns[2], data.StatusClosed),
	}, 7)
	area := `{"type":"Polygon","coordinates":[[[111,41],[112,41],[112,42],[111,42],[111,41]]]}`
	demand := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[111.2,41.2]},"properties":{"weight":100}},` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[111.8,41.8]},"properties":{"weight":50}},` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[111.2,41.8]},"properties":{"weight":20}},` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[120,41.8]},"properties":{"weight":1000}}]}`
	p := &Planner{Layers: layers}
	n := 1
	req := SuggestRequest{GapsRequest: GapsRequest{Area: []byte(area), Demand: []byte(demand), CellM: f(500),
		Search: Search{RadiusM: f(5000)}}, N: &n}
	res, err := p.Suggest(context.Background(), snap, &req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.DemandTotal() != 170 || res.DemandCovered != 100 || res.Counted != 1 {
		t.Fatalf("demand %v covered %v counted %d; want 170 (the point outside the area left out), 100, 1 (the open record only)", res.DemandTotal(), res.DemandCovered, res.Counted)
	}
	sc := res.Scenarios
	if len(sc) != 3 || sc[0].Name != ScenarioToday || sc[1].Name != ScenarioWithPlanned || sc[2].Name != ScenarioWithSuggested {
		t.Fatalf("scenarios %+v", sc)
	}
	if sc[1].DemandCovered != 150 || sc[2].DemandCovered != 170 || res.DemandAfter != 170 {
		t.Fatalf("demand covered %v, %v, %v; want 100, 150, 170", sc[0].DemandCovered, sc[1].DemandCovered, sc[2].DemandCovered)
	}
	if len(res.Sites) != 1 || res.Sites[0].DemandGain != 20 || geo.Distance(res.Sites[0].Point, towns[2]) > 5000 {
		t.Fatalf("sites %+v; want one covering the third town", res.Sites)
	}
	if s := res.Sites[0]; s.Nearest == nil || s.Nearest.ID != "open" || s.NearPlace == nil {
		t.Fatalf("site card %+v %+v; want the open record nearest, and a place", s.Nearest, s.NearPlace)
	}
	if !(sc[0].Summary.CoveredM2 < sc[1].Summary.CoveredM2 && sc[1].Summary.CoveredM2 < sc[2].Summary.CoveredM2) {
		t.Fatalf("covered area %v, %v, %v; want growing", sc[0].Summary.CoveredM2, sc[1].Summary.CoveredM2, sc[2].Summary.CoveredM2)
	}
	if sc[1].GapsClosed != 0 || sc[2].GapsClosed != 0 {
		t.Fatalf("gaps closed %d, %d; want 0 (the square stays mostly uncovered)", sc[1].GapsClosed, sc[2].GapsClosed)
	}

	// A gap closed: a small area around the planned record only.
	small := `{"type":"Polygon","coordinates":[[[111.78,41.78],[111.82,41.78],[111.82,41.82],[111.78,41.82],[111.78,41.78]]]}`
	gaps, err := p.Gaps(context.Background(), snap, &GapsRequest{Area: []byte(small), CellM: f(100), Search: Search{RadiusM: f(5000)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps.Gaps) != 1 || gaps.Scenarios[1].GapsClosed != 1 || gaps.ClosedBy[0] != ScenarioWithPlanned || gaps.Scenarios[1].Summary.CoveredPct != 100 {
		t.Fatalf("gaps %d, closed %d by %v, with_planned covers %v%%; want one gap, closed by with_planned", len(gaps.Gaps), gaps.Scenarios[1].GapsClosed, gaps.ClosedBy, gaps.Scenarios[1].Summary.CoveredPct)
	}
	if gaps.Nearest[0] == nil || gaps.Nearest[0].ID != "open" {
		t.Fatalf("the gap's nearest record %+v; want the open one (planned records do not serve today)", gaps.Nearest[0])
	}

	// A report with one site: around the closed record's town the site
	// closes the one gap, and the report's gaps say so.
	third := `{"type":"Polygon","coordinates":[[[111.18,41.78],[111.22,41.78],[111.22,41.82],[111.18,41.82],[111.18,41.78]]]}`
	rep, err := p.Report(context.Background(), snap, &SuggestRequest{GapsRequest: GapsRequest{Area: []byte(third), CellM: f(100), Search: Search{RadiusM: f(5000)}}, N: &n}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps.Gaps) != 1 || rep.Gaps.ClosedBy[0] != ScenarioWithSuggested || rep.Gaps.Scenarios[2].GapsClosed != 1 || rep.Version != 7 || rep.Records != 3 {
		t.Fatalf("report: %d gaps closed by %v, scenarios %+v, version %d, %d records; want one gap closed with_suggested, version 7, 3 records",
			len(rep.Gaps.Gaps), rep.Gaps.ClosedBy, rep.Gaps.Scenarios, rep.Version, rep.Records)
	}
}

// BenchmarkSuggestInnerMongolia: ten sites for the whole province with
// the bundled records and the default demand, candidates the bundled
// places, ports and the grid, as POST /v1/coverage/suggest runs it.
func BenchmarkSuggestInnerMongolia(b *testing.B) {
	layers, err := bundled.LoadLayers()
	if err != nil {
		b.Fatal(err)
	}
	sts, err := bundled.Stations()
	if err != nil {
		b.Fatal(err)
	}
	snap := catalog.NewSnapshot(sts, 0)
	p := &Planner{Layers: layers}
	for _, tc := range []struct {
		name    string
		minutes float64
		mode    string
	}{{"15min-drive", 15, "drive"}, {"60min-truck", 60, "truck"}} {
		b.Run(tc.name, func(b *testing.B) {
			n := 10
			req := SuggestRequest{GapsRequest: GapsRequest{Region: "150000", Search: Search{Minutes: f(tc.minutes), Mode: tc.mode}}, N: &n}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := p.Suggest(context.Background(), snap, &req, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
