package api

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"yizhan/data"
	"yizhan/data/catalog"
)

// fetch requests target with extra headers and returns the raw answer.
func fetch(t testing.TB, s *Server, target string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RequestURI = target
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// tileFeature is a decoded tile feature: where it is in tile units and
// what it says.
type tileFeature struct {
	at    orb.Point
	id    string
	count int64
	props map[string]any
}

// getTile fetches and decodes a tile, checking the media type and, when
// gzip is asked for, the encoding.
func getTile(t *testing.T, s *Server, target string, gzip bool) []tileFeature {
	t.Helper()
	var hdr []string
	if gzip {
		hdr = []string{"Accept-Encoding", "gzip"}
	}
	status, h, body := fetch(t, s, target, hdr...)
	if status != 200 {
		t.Fatalf("GET %s = %d %s; want 200", target, status, body)
	}
	if ct := h.Get("Content-Type"); ct != mediaMVT {
		t.Errorf("GET %s Content-Type = %q; want %s", target, ct, mediaMVT)
	}
	if got := h.Get("Content-Encoding") == "gzip"; got != gzip {
		t.Errorf("GET %s gzip = %v; want %v", target, got, gzip)
	}
	if h.Get("X-Data-Version") != "42" {
		t.Errorf("GET %s X-Data-Version = %q; want 42", target, h.Get("X-Data-Version"))
	}
	var layers mvt.Layers
	var err error
	if gzip {
		layers, err = mvt.UnmarshalGzipped(body)
	} else {
		layers, err = mvt.Unmarshal(body)
	}
	if err != nil {
		t.Fatalf("GET %s: decoding the tile: %v", target, err)
	}
	if len(layers) != 1 || layers[0].Name != TileLayer || layers[0].Extent != TileExtent || layers[0].Version != 2 {
		t.Fatalf("GET %s: layers %+v; want one %q layer, extent %d, version 2", target, layers, TileLayer, TileExtent)
	}
	var out []tileFeature
	for _, f := range layers[0].Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("GET %s: geometry %T; want a Point", target, f.Geometry)
		}
		id, _ := f.Properties["id"].(string)
		out = append(out, tileFeature{at: p, id: id, count: toInt(f.Properties["count"]), props: f.Properties})
	}
	return out
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case uint64:
		return int64(n)
	case float64:
		return int64(n)
	}
	return -1
}

// unitOf is where p falls in tile t, in tile units, computed from orb's
// maptile.Fraction (the tile fraction at zoom z) rather than the server's
// projection.
func unitOf(p orb.Point, t maptile.Tile) orb.Point {
	fr := maptile.Fraction(p, t.Z)
	return orb.Point{
		math.Floor(fr[0]*TileExtent) - float64(t.X)*TileExtent,
		math.Floor(fr[1]*TileExtent) - float64(t.Y)*TileExtent,
	}
}

func inTile(u orb.Point) bool {
	return u[0] >= 0 && u[0] < TileExtent && u[1] >= 0 && u[1] < TileExtent
}

// inBuffer reports whether u lies in the tile or within TileBuffer of it.
func inBuffer(u orb.Point) bool {
	return u[0] >= -TileBuffer && u[0] < TileExtent+TileBuffer && u[1] >= -TileBuffer && u[1] < TileExtent+TileBuffer
}

// TestTilesAgainstBruteForce decodes tiles at every zoom, including the
// ones at the antimeridian and the poles of web mercator, and checks that
// the features inside each tile are exactly the records inside it (one
// per tile unit, the lowest id, with the count of records there), and
// that every buffer feature is a record just across the edge.
func TestTilesAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 2))
	randPoint := func() orb.Point {
		switch rng.IntN(5) {
		case 0: // near the antimeridian
			return orb.Point{179 + rng.Float64() - float64(rng.IntN(2))*359, rng.Float64()*20 - 10}
		case 1: // near the edge of web mercator, and beyond it
			return orb.Point{rng.Float64()*360 - 180, 84 + rng.Float64()*6}
		case 2: // Hohhot, dense
			return orb.Point{111.6 + rng.Float64()*0.2, 40.75 + rng.Float64()*0.15}
		}
		return orb.Point{rng.Float64()*360 - 180, rng.Float64()*170 - 85}
	}
	var stations []*data.Station
	perm := rng.Perm(3000) // ids in an order unrelated to places
	for i := range perm {
		p := randPoint()
		if i%50 == 1 {
			p = stations[i-1].Location // the same place twice
		}
		stations = append(stations, station(t, fmt.Sprintf("s%05d", perm[i]), data.Kinds()[i%len(data.Kinds())], p[0], p[1], "", string(data.Amenities()[i%len(data.Amenities())])))
	}
	s := newTestServer(t, stations, Config{})

	var tiles []maptile.Tile
	for z := maptile.Zoom(0); z <= 14; z++ {
		n := uint32(1) << z
		tiles = append(tiles,
			maptile.New(0, uint32(rng.IntN(int(n))), z),   // west edge
			maptile.New(n-1, uint32(rng.IntN(int(n))), z), // east edge
			maptile.New(uint32(rng.IntN(int(n))), 0, z),   // north edge
			maptile.At(orb.Point{111.67, 40.81}, z),       // Hohhot
			maptile.At(stations[rng.IntN(len(stations))].Location, z),
		)
	}
	tiles = append(tiles, maptile.At(orb.Point{111.67, 40.81}, MaxTileZoom))

	for i, tile := range tiles {
		target := fmt.Sprintf("/tiles/%d/%d/%d.mvt?lang=en", tile.Z, tile.X, tile.Y)
		got := getTile(t, s, target, i%2 == 0)

		type group struct {
			id    string
			count int64
		}
		want := map[orb.Point]*group{}
		for _, st := range stations {
			if math.Abs(st.Location[1]) > 85.0511 {
				continue // outside web mercator
			}
			u := unitOf(st.Location, tile)
			if !inTile(u) {
				continue
			}
			g := want[u]
			if g == nil {
				g = &group{id: st.ID}
				want[u] = g
			}
			g.count++
			g.id = min(g.id, st.ID)
		}
		inside := 0
		for _, f := range got {
			if !inTile(f.at) {
				// A buffer feature: a record within TileBuffer units,
				// possibly across the antimeridian.
				st, err := s.cfg.Catalog.Snapshot().Get(f.id)
				if err != nil {
					t.Fatalf("%s: buffer feature with unknown id %q", target, f.id)
				}
				ok := false
				for _, shift := range []float64{0, -360, 360} {
					u := unitOf(orb.Point{st.Location[0] + shift, st.Location[1]}, tile)
					ok = ok || u == f.at
				}
				if !ok || !inBuffer(f.at) {
					t.Errorf("%s: buffer feature %s at %v; record at %v is not there", target, f.id, f.at, st.Location)
				}
				continue
			}
			inside++
			g := want[f.at]
			if g == nil {
				t.Errorf("%s: feature %s at %v; no record falls on that unit", target, f.id, f.at)
				continue
			}
			if f.id != g.id || f.count != g.count {
				t.Errorf("%s: feature at %v is %s ×%d; want %s ×%d", target, f.at, f.id, f.count, g.id, g.count)
			}
			st, _ := s.cfg.Catalog.Snapshot().Get(f.id)
			wantProps := map[string]any{
				"kind":      string(st.Kind),
				"name":      st.Names.In("en"),
				"status":    string(st.Status),
				"amenities": strings.Join(st.Amenities.Names(), ","),
			}
			for k, v := range wantProps {
				if f.props[k] != v {
					t.Errorf("%s: feature %s %s = %v; want %v", target, f.id, k, f.props[k], v)
				}
			}
		}
		// Every record within the buffer, across the antimeridian too,
		// is drawn at its unit.
		at := map[orb.Point]bool{}
		for _, f := range got {
			at[f.at] = true
		}
		for _, st := range stations {
			for _, shift := range []float64{0, -360, 360} {
				u := unitOf(orb.Point{st.Location[0] + shift, st.Location[1]}, tile)
				if math.Abs(st.Location[1]) <= 85.0511 && !inTile(u) && inBuffer(u) && !at[u] {
					t.Errorf("%s: record %s at %v (shift %v°) falls in the buffer at %v; no feature there", target, st.ID, st.Location, shift, u)
				}
			}
		}
		if inside != len(want) {
			t.Errorf("%s: %d features inside the tile; want %d (one per tile unit holding records)", target, inside, len(want))
		}
	}
}

// TestTileAntimeridianBuffer checks that a record just east of −180°
// appears in the buffer of the easternmost tile, shifted to the east.
func TestTileAntimeridianBuffer(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	// dateline-west (−179.99, 0) lies in tile x=0; at z=4 it is 1.8 tile
	// units from the west edge, so the east edge tile x=15 shows it at
	// 4096 + 1 (in the buffer), and dateline-east at 4095 − 1.
	fs := getTile(t, s, "/tiles/4/15/8.mvt", false)
	byID := map[string]orb.Point{}
	for _, f := range fs {
		byID[f.id] = f.at
	}
	if p, ok := byID["dateline-west"]; !ok || p[0] < TileExtent {
		t.Errorf("tile 4/15/8: dateline-west at %v (present %v); want it in the east buffer", p, ok)
	}
	if p, ok := byID["dateline-east"]; !ok || !inTile(p) {
		t.Errorf("tile 4/15/8: dateline-east at %v (present %v); want it inside", p, ok)
	}
}

func TestTileFilterAndEmpty(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	fs := getTile(t, s, "/tiles/0/0/0.mvt?kind=port", false)
	if len(fs) != 1 || fs[0].id != "erenhot-port" {
		t.Errorf("tile 0/0/0?kind=port = %v; want only erenhot-port", fs)
	}
	// The South Atlantic: no records, a 200 with an empty layer.
	if fs := getTile(t, s, "/tiles/6/28/40.mvt", true); len(fs) != 0 {
		t.Errorf("an empty tile has %d features; want 0", len(fs))
	}
}

func TestTileBadInput(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	tests := []struct {
		target string
		status int
		want   string
	}{
		{"/tiles/23/0/0.mvt", 400, "tile z must be a whole number from 0 to 22"},
		{"/tiles/1/2/0.mvt", 400, "tile x must be a whole number from 0 to 1"},
		{"/tiles/1/0/2.mvt", 400, "tile y"},
		{"/tiles/-1/0/0.mvt", 400, "tile z"},
		{"/tiles/a/0/0.mvt", 400, "tile z"},
		{"/tiles/1/+1/0.mvt", 400, "tile x"},
		{"/tiles/1/0/0.5.mvt", 400, "tile y"},
		{"/tiles/0/0/99999999999999999999.mvt", 400, "tile y"},
		{"/tiles/0/0/0.mvt?kind=nope", 400, "unknown kind"},
		{"/tiles/0/0/0.mvt?bbox=1,2,3,4", 400, "unknown parameter"},
		{"/tiles/0/0/0.mvt?lang=xx", 400, "unknown lang"},
		{"/tiles/0/0/0.png", 404, ""},
		{"/tiles.json?kind=nope", 400, "unknown kind"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			assertProblem(t, get(t, s, tc.target), tc.status, tc.want)
		})
	}
}

func TestTileJSON(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	r := get(t, s, "/tiles.json?lang=en&kind=port")
	if r.status != 200 || r.body["tilejson"] != "3.0.0" {
		t.Fatalf("GET /tiles.json = %d %s; want 200 TileJSON 3.0.0", r.status, r.raw)
	}
	tiles, _ := r.body["tiles"].([]any)
	want := "http://example.com/tiles/{z}/{x}/{y}.mvt?kind=port&lang=en"
	if len(tiles) != 1 || tiles[0] != want {
		t.Errorf("tiles = %v; want [%s]", tiles, want)
	}
	if r.body["minzoom"] != 0.0 || r.body["maxzoom"] != float64(TileJSONMaxZoom) {
		t.Errorf("zooms = %v..%v; want 0..%d", r.body["minzoom"], r.body["maxzoom"], TileJSONMaxZoom)
	}
	vl, _ := r.body["vector_layers"].([]any)
	if len(vl) != 1 || vl[0].(map[string]any)["id"] != TileLayer {
		t.Fatalf("vector_layers = %v; want one %q", vl, TileLayer)
	}
	fields := vl[0].(map[string]any)["fields"].(map[string]any)
	for _, f := range []string{"id", "kind", "name", "status", "amenities", "count"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("vector_layers fields lack %q: %v", f, fields)
		}
	}
}

// FuzzTilePath requests /tiles/{z}/{x}/{y}.mvt with arbitrary path
// segments: the answer is a tile, a 400 or a 404 problem, never a 500.
func FuzzTilePath(f *testing.F) {
	for _, seed := range [][3]string{{"0", "0", "0"}, {"22", "4194303", "4194303"}, {"23", "0", "0"}, {"1", "2", "1"}, {"-1", "0", "0"}, {"01", "1", "1"}, {"1e3", "0", "0"}, {"", "", ""}, {"4", "15", "8"}} {
		f.Add(seed[0], seed[1], seed[2])
	}
	s := newTestServer(f, fixture(f), Config{})
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tile, err := parseTile(z, x, y)
		if err == nil && (!tile.Valid() || tile.Z > MaxTileZoom) {
			t.Fatalf("parseTile(%q, %q, %q) = %v; not a valid tile", z, x, y, tile)
		}
		path := "/tiles/" + z + "/" + x + "/" + y + ".mvt"
		for _, c := range []byte(path) {
			if c <= ' ' || c >= 0x7f || c == '#' || c == '?' || c == '%' {
				t.Skip()
			}
		}
		status, h, body := fetch(t, s, path)
		switch {
		case status == 200 && err == nil:
		case status == 400 && err != nil, status == 404:
			if !strings.Contains(h.Get("Content-Type"), "problem+json") {
				t.Fatalf("GET %s = %d with Content-Type %q; want a problem", path, status, h.Get("Content-Type"))
			}
		default:
			t.Fatalf("GET %s = %d %s (parseTile error %v); want 200 for a valid tile, else 400 or 404", path, status, body, err)
		}
	})
}

// BenchmarkTile renders tiles over 1,000,000 records spread over Inner
// Mongolia and its neighbours: the whole world at z0 (one feature per
// tile unit), a region at z6 and a city block at z14.
func BenchmarkTile(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1_000_000
	stations := make([]*data.Station, n)
	for i := range stations {
		stations[i] = &data.Station{
			ID:        fmt.Sprintf("b%07d", i),
			Location:  orb.Point{97 + rng.Float64()*29, 37 + rng.Float64()*16},
			Kind:      data.Kinds()[i%len(data.Kinds())],
			Names:     data.Names{ZH: "站"},
			Amenities: data.AmenitySet(i & 0x7fff),
			Status:    data.StatusOpen,
		}
	}
	s := newTestServer(b, stations, Config{})
	for _, tile := range []maptile.Tile{{Z: 0}, maptile.At(orb.Point{111.67, 40.81}, 6), maptile.At(orb.Point{111.67, 40.81}, 14)} {
		target := fmt.Sprintf("/tiles/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
		b.Run(fmt.Sprintf("z%d", tile.Z), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				status, _, body := fetch(b, s, target, "Accept-Encoding", "gzip")
				if status != 200 {
					b.Fatalf("GET %s = %d", target, status)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/tile")
		})
	}
	b.Run("ogc-collection-extent", func(b *testing.B) {
		// Two snapshots in turn, so that the extent is computed every
		// time, as after a write.
		snaps := [2]*catalog.Snapshot{s.cfg.Catalog.Snapshot(), catalog.NewSnapshot(stations, 43)}
		i := 0
		for b.Loop() {
			snaps[i%2].Bound()
			i++
		}
	})
}
