package api

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"yizhan/data"
)

// zigzagArea is a Polygon of n positions alternating between latitudes
// lat0 and lat1 while creeping east over width degrees from lon0 (every
// edge crosses every row between lat0 and lat1), closed below lat0.
func zigzagArea(n int, lon0, width, lat0, lat1 float64) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i < n; i++ {
		y := lat0
		if i%2 == 1 {
			y = lat1
		}
		fmt.Fprintf(&b, "[%.7f,%v],", lon0+float64(i)*width/float64(n), y)
	}
	fmt.Fprintf(&b, "[%.7f,%v],[%v,%v],[%v,%v]]]}", lon0+float64(n-1)*width/float64(n), lat0-0.01, lon0, lat0-0.01, lon0, lat0)
	return b.String()
}

// holeyArea is a square with n positions along its southern edge and
// holes×holes small square holes.
func holeyArea(n, holes int) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[%.7f,40],", 111+float64(i)/float64(n))
	}
	b.WriteString("[112,40],[112,41],[111,41],[111,40]]")
	d := 1.0 / float64(holes+1)
	for i := 1; i <= holes; i++ {
		for j := 1; j <= holes; j++ {
			x, y, h := 111+float64(i)*d, 40+float64(j)*d, d/4
			fmt.Fprintf(&b, ",[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]", x, y, x, y+h, x+h, y+h, x+h, y, x, y)
		}
	}
	b.WriteString("]}")
	return b.String()
}

// zigzagRoute is a LineString of n positions alternating between
// latitudes lat0 and lat1 while creeping east over one degree from 111°E.
func zigzagRoute(n int, lat0, lat1 float64) string {
	var b strings.Builder
	b.WriteString(`{"type":"LineString","coordinates":[`)
	for i := 0; i < n; i++ {
		y := lat0
		if i%2 == 1 {
			y = lat1
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.7f,%v]", 111+float64(i)/float64(n), y)
	}
	b.WriteString("]}")
	return b.String()
}

// poleward is a MultiPoint of n candidates at 79.5°N.
func poleward(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"MultiPoint","coordinates":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.5f,79.5]", 0.5+8*float64(i)/float64(n))
	}
	b.WriteString("]}")
	return b.String()
}

// TestPlannerWorkLimits sends legal bodies whose work has no bound unless
// it is counted first: zig-zag areas whose edges each cross thousands of
// rows (a 93 KB body took 1.1 GB and 1.1 s, a 2.5 MB one was a 500 from
// makeslice), many holes, candidates where the grid's cells are narrow,
// routes folded into their own corridor. Each must be a 400 problem that
// says what to change, quickly, or (with the cell size left automatic) an
// answer.
func TestPlannerWorkLimits(t *testing.T) {
	s := plannerServer(t)
	// Records spread over the zig-zag route's square degree, for the route cases.
	rng := rand.New(rand.NewPCG(7, 7))
	var sts []*data.Station
	for i := 0; i < 3000; i++ {
		sts = append(sts, station(t, fmt.Sprintf("zz%04d", i), data.KindRestStop, 111+rng.Float64(), 40+5*rng.Float64(), "24/7"))
	}
	routes := newTestServer(t, sts, Config{})
	tests := []struct {
		name   string
		srv    *Server
		path   string
		body   string
		status int
		detail []string
	}{
		{"zig-zag 93 KB, 10 m cells", s, "/v1/coverage/gaps",
			`{"radius_m":5000,"cell_m":10,"area":` + zigzagArea(5600, 111, 0.02, 40, 42) + `}`, 400,
			[]string{"edge–row crossings at cell_m=10; the work limit is 100000000 edge–row crossings: use cell_m >= ", "simplify the polygon"}},
		{"zig-zag 150,000 positions, 10 m cells", s, "/v1/coverage/gaps",
			`{"radius_m":5000,"cell_m":10,"area":` + zigzagArea(150_000, 111, 0.012, 40, 45) + `}`, 400,
			[]string{"8339700222 edge–row crossings", "use cell_m >= "}},
		{"zig-zag 150,000 positions, automatic cells", s, "/v1/coverage/gaps",
			`{"radius_m":5000,"area":` + zigzagArea(150_000, 111, 0.012, 40, 45) + `}`, 200, nil},
		{"zig-zag 150,000 positions, suggest", s, "/v1/coverage/suggest",
			`{"radius_m":5000,"cell_m":10,"n":3,"area":` + zigzagArea(150_000, 111, 0.012, 40, 45) + `}`, 400,
			[]string{"cell visits at cell_m=10", "use cell_m >= 835 for this area"}},
		{"sliver 80° tall, automatic cells", s, "/v1/coverage/gaps",
			`{"radius_m":5000,"area":{"type":"Polygon","coordinates":[[[111,-40],[111.0001,-40],[111.0001,40],[111,40],[111,-40]]]}}`, 200, nil},
		{"2,500 holes in a 100,000-position ring", s, "/v1/coverage/gaps",
			`{"radius_m":5000,"area":` + holeyArea(100_000, 50) + `}`, 400,
			[]string{"hole tests", "the work limit is 200000000", "drop small holes"}},
		{"10,000 candidates where cells are narrow", s, "/v1/coverage/suggest",
			`{"radius_m":50000,"cell_m":1000,"n":5,"area":{"type":"Polygon","coordinates":[[[0,10],[9,10],[9,80],[0,80],[0,10]]]},"candidates":` + poleward(10_000) + `}`, 400,
			[]string{"cell visits at cell_m=1000; the work limit is 100000000 cell visits: use cell_m >= ", "fewer candidates"}},
		{"route folded 100,000 times into its corridor", routes, "/v1/route/stations",
			`{"corridor_m":50000,"route":` + zigzagRoute(100_000, 40, 45) + `}`, 400,
			[]string{"the corridor of this route holds more than 200000 records", "narrower corridor_m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := post(t, tc.srv, tc.path, tc.body)
			took := time.Since(start)
			t.Logf("%d KB body: %d in %v", len(tc.body)>>10, r.status, took.Round(time.Millisecond))
			if tc.status != 400 {
				if r.status != tc.status {
					t.Fatalf("POST %s = %d; want %d\n%.400s", tc.path, r.status, tc.status, r.raw)
				}
				return
			}
			for _, d := range tc.detail {
				assertProblem(t, r, 400, d)
			}
			if r.body["param"] == nil && r.body["invalid-params"] == nil {
				t.Logf("problem %s", r.raw)
			}
		})
	}
}
