package main

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// The China outline decides where the GCJ-02 and BD-09 offsets apply
// (geo.Offsets). It is mainland China as Natural Earth 1:10m admin-0
// draws it: the feature "China" (ISO 3166-1 numeric 156) of npm
// world-atlas 2.0.2 countries-10m.json, which leaves out Hong Kong (344),
// Macao (446) and Taiwan (158), as the libraries that test a China polygon
// rather than a rectangle do.
//
// The whole world-atlas file is 3.6 MB, so the repository keeps an
// excerpt of it (chinaSource): the TopoJSON transform, China's geometry
// object and the arcs it uses, the arcs' quantized deltas copied number
// for number and renumbered in order of first use. extractChina makes the
// excerpt from the npm file (go run ./data/internal/gen -extract-china
// FILE) and refuses any other file than the one whose sha256 is below.

// worldAtlasSHA256 is the sha256 of countries-10m.json in npm world-atlas 2.0.2.
const worldAtlasSHA256 = "3bc6f1d367a9bcec479841bae0e76092f512838411d0cef124e92eec4db45f79"

// chinaSourceName is the excerpt's file name under sources/.
const chinaSourceName = "sources/china_ne10m_topo.json"

//go:embed sources/china_ne10m_topo.json
var chinaSource []byte

// chinaTolerance is the Douglas-Peucker tolerance, in degrees, of the
// bundled China outline: 0.001° (about 100 m) is well below the source's
// own accuracy (1:10m generalisation, quantised to 0.0036° × 0.0017°), so
// the border stays where Natural Earth draws it, while the straight runs
// of the quantised arcs lose their redundant vertices.
const chinaTolerance = 0.001

// chinaSpec is the header of the bundled China outline.
var chinaSpec = layerSpec{
	name:        "china",
	title:       "Mainland China (without Hong Kong, Macao and Taiwan): where the GCJ-02 and BD-09 offsets apply",
	source:      "Natural Earth 1:10m admin-0 v4.1.0 via npm world-atlas 2.0.2 countries-10m.json, feature China (156); TopoJSON decoded, positions rounded to 7 decimals, each ring simplified with Douglas-Peucker at 0.001 degrees (orb/simplify)",
	license:     "Public domain (Natural Earth); ISC (world-atlas)",
	attribution: "China outline: Natural Earth",
}

// topology is the part of a TopoJSON file the outline needs.
type topology struct {
	Type      string `json:"type"`
	Transform struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects map[string]struct {
		Geometries []struct {
			Type       string            `json:"type"`
			ID         string            `json:"id"`
			Properties map[string]string `json:"properties"`
			Arcs       json.RawMessage   `json:"arcs"` // its shape depends on Type
		} `json:"geometries"`
	} `json:"objects"`
	Arcs [][][2]int64 `json:"arcs"`
}

type topoGeometry struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	Arcs       [][][]int         `json:"arcs"` // MultiPolygon: polygons of rings of arc refs
}

// chinaExcerpt is the committed excerpt.
type chinaExcerpt struct {
	Source    string       `json:"source"`
	SHA256    string       `json:"sha256"`
	Transform any          `json:"transform"`
	Geometry  topoGeometry `json:"geometry"`
	Arcs      [][][2]int64 `json:"arcs"`
}

// extractChina writes the excerpt of the world-atlas file at path to out.
func extractChina(path, out string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read world-atlas: %w", err)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != worldAtlasSHA256 {
		return fmt.Errorf("%s has sha256 %s; want countries-10m.json of npm world-atlas 2.0.2 (%s)", path, got, worldAtlasSHA256)
	}
	var topo topology
	if err := json.Unmarshal(raw, &topo); err != nil {
		return fmt.Errorf("decode world-atlas: %w", err)
	}
	var china *topoGeometry
	for _, g := range topo.Objects["countries"].Geometries {
		if g.ID == "156" && g.Type == "MultiPolygon" {
			china = &topoGeometry{Type: g.Type, ID: g.ID, Properties: g.Properties}
			if err := json.Unmarshal(g.Arcs, &china.Arcs); err != nil {
				return fmt.Errorf("China's arcs: %w", err)
			}
		}
	}
	if china == nil {
		return fmt.Errorf("no MultiPolygon with id 156 (China) in %s", path)
	}
	ex := chinaExcerpt{
		Source:    "npm world-atlas 2.0.2 countries-10m.json (Natural Earth 1:10m admin-0 v4.1.0), object countries, geometry id 156",
		SHA256:    worldAtlasSHA256,
		Transform: topo.Transform,
		Geometry:  topoGeometry{Type: china.Type, ID: china.ID, Properties: china.Properties},
	}
	renum := map[int]int{}
	for _, poly := range china.Arcs {
		var p [][]int
		for _, ring := range poly {
			var r []int
			for _, ref := range ring {
				i, rev := ref, false
				if i < 0 {
					i, rev = ^i, true
				}
				if i >= len(topo.Arcs) {
					return fmt.Errorf("arc %d out of range", i)
				}
				n, ok := renum[i]
				if !ok {
					n = len(ex.Arcs)
					renum[i] = n
					ex.Arcs = append(ex.Arcs, topo.Arcs[i])
				}
				if rev {
					n = ^n
				}
				r = append(r, n)
			}
			p = append(p, r)
		}
		ex.Geometry.Arcs = append(ex.Geometry.Arcs, p)
	}
	var buf bytes.Buffer
	h, err := marshal(struct {
		Source    string       `json:"source"`
		SHA256    string       `json:"sha256"`
		Transform any          `json:"transform"`
		Geometry  topoGeometry `json:"geometry"`
	}{ex.Source, ex.SHA256, ex.Transform, ex.Geometry})
	if err != nil {
		return err
	}
	buf.Write(h[:len(h)-1])
	buf.WriteString(",\"arcs\":[\n")
	for i, a := range ex.Arcs {
		b, err := marshal(a)
		if err != nil {
			return err
		}
		buf.Write(b)
		if i < len(ex.Arcs)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// buildChina decodes the excerpt into the bundled outline: a Feature with
// one MultiPolygon, rings closed and counter-clockwise (holes clockwise),
// as RFC 7946 asks, each simplified at chinaTolerance.
func buildChina(src []byte) ([]byte, error) {
	var ex chinaExcerpt
	if err := json.Unmarshal(src, &ex); err != nil {
		return nil, fmt.Errorf("decode %s: %w", chinaSourceName, err)
	}
	if ex.SHA256 != worldAtlasSHA256 {
		return nil, fmt.Errorf("%s is an excerpt of sha256 %s; want %s", chinaSourceName, ex.SHA256, worldAtlasSHA256)
	}
	var tr struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	}
	tb, _ := json.Marshal(ex.Transform)
	if err := json.Unmarshal(tb, &tr); err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	// Decode each arc once: delta-encoded quantized positions.
	arcs := make([][]orb.Point, len(ex.Arcs))
	for i, a := range ex.Arcs {
		var x, y int64
		arcs[i] = make([]orb.Point, len(a))
		for j, d := range a {
			x, y = x+d[0], y+d[1]
			arcs[i][j] = orb.Point{
				round7(float64(x)*tr.Scale[0] + tr.Translate[0]),
				round7(float64(y)*tr.Scale[1] + tr.Translate[1]),
			}
		}
	}
	dp := simplify.DouglasPeucker(chinaTolerance)
	var mp orb.MultiPolygon
	for _, poly := range ex.Geometry.Arcs {
		var p orb.Polygon
		for k, refs := range poly {
			var ring orb.Ring
			for _, ref := range refs {
				var pts []orb.Point
				if ref >= 0 {
					pts = arcs[ref]
				} else {
					src := arcs[^ref]
					pts = make([]orb.Point, len(src))
					for j := range src {
						pts[j] = src[len(src)-1-j]
					}
				}
				// Consecutive arcs share their joining position.
				if len(ring) > 0 && len(pts) > 0 && ring[len(ring)-1] == pts[0] {
					pts = pts[1:]
				}
				ring = append(ring, pts...)
			}
			if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
				ring = append(ring, ring[0])
			}
			if len(ring) < 4 {
				return nil, fmt.Errorf("ring of %d positions", len(ring))
			}
			if s := dp.Ring(ring.Clone()); len(s) >= 4 {
				ring = s
			}
			// RFC 7946: exterior rings counter-clockwise, holes clockwise.
			if (k == 0) != (ring.Orientation() == orb.CCW) {
				ring.Reverse()
			}
			p = append(p, ring)
		}
		mp = append(mp, p)
	}
	coords := make([][][][2]float64, len(mp))
	for i, p := range mp {
		coords[i] = make([][][2]float64, len(p))
		for j, r := range p {
			coords[i][j] = make([][2]float64, len(r))
			for k, pt := range r {
				coords[i][j][k] = [2]float64{pt[0], pt[1]}
			}
		}
	}
	geom, err := marshal(struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	}{"MultiPolygon", coords})
	if err != nil {
		return nil, err
	}
	feat, err := marshal(struct {
		Type       string            `json:"type"`
		ID         string            `json:"id"`
		Geometry   json.RawMessage   `json:"geometry"`
		Properties map[string]string `json:"properties"`
	}{"Feature", "CN", geom, map[string]string{"iso_a2": "CN", "iso_n3": ex.Geometry.ID, "name": ex.Geometry.Properties["name"], "name_zh": "中国大陆"}})
	if err != nil {
		return nil, err
	}
	return writeCollection(chinaSpec, []json.RawMessage{feat})
}

// round7 rounds degrees to 7 decimals (about 1 cm): the decoded positions
// k·scale + translate carry 17 digits of which only the first few mean
// anything (the quantisation step is 0.0036°).
func round7(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(v*1e7)/1e7, 'f', 7, 64), 64)
	return r
}
