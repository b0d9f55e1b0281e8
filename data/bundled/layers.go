package bundled

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Layers holds the bundled reference layers: not records, but context for
// maps and for coverage (the province boundary, border lines, league seats,
// populated places, airports). A Layers is immutable and safe for
// concurrent use.
type Layers struct {
	raw     map[string][]byte // layer name -> FeatureCollection bytes
	info    map[string]LayerInfo
	names   []string // sorted
	regions []region
	china   orb.MultiPolygon
}

// RegionInfo names a region that Layers.Region can resolve.
type RegionInfo struct {
	Code   string // GB/T 2260 administrative division code, e.g. "150000"
	NameZH string // official Chinese name, e.g. "内蒙古自治区"
	NameEN string // English name, e.g. "Inner Mongolia"
}

// region is a resolvable area: its full-resolution outline and the names
// and codes it answers to.
type region struct {
	info    RegionInfo
	aliases []string // lower-cased, trimmed
	area    orb.MultiPolygon
}

// The bundled layers. "boundary" is the province outline simplified for
// the web map (Douglas-Peucker, 0.005°); "boundary_full" keeps every
// vertex of the source and is the outline Region returns.
const (
	LayerBoundary     = "boundary"
	LayerBoundaryFull = "boundary_full"
	LayerBorders      = "borders"
	LayerLeagueSeats  = "league_seats"
	LayerPlaces       = "places"
	LayerAirports     = "airports"
	// LayerChina is mainland China (without Hong Kong, Macao and Taiwan),
	// the region where the GCJ-02 and BD-09 offsets apply; China returns it.
	LayerChina = "china"
)

var bundledLayerNames = []string{
	LayerAirports, LayerBorders, LayerBoundary, LayerBoundaryFull, LayerChina, LayerLeagueSeats, LayerPlaces,
}

// bundledRegions are the regions the bundled boundary layer defines, with
// the names and codes each one answers to (compared case-insensitively).
var bundledRegions = []struct {
	info    RegionInfo
	aliases []string
	gbCode  string // matched against the boundary feature's gb_code
}{
	{
		info: RegionInfo{Code: "150000", NameZH: "内蒙古自治区", NameEN: "Inner Mongolia"},
		aliases: []string{
			"150000", "CN-NM", "CN-15",
			"内蒙古自治区", "内蒙古", "內蒙古自治區", "內蒙古",
			"Inner Mongolia", "Inner Mongolia Autonomous Region",
			"Nei Mongol", "Nei Mongol Zizhiqu", "Nei Menggu", "Neimenggu",
		},
		gbCode: "150000",
	},
}

var (
	bundledLayersOnce sync.Once
	bundledLayers     *Layers
	bundledLayersErr  error
)

// LoadLayers returns the reference layers embedded in the binary. They
// are parsed once; every call returns the same *Layers.
func LoadLayers() (*Layers, error) {
	bundledLayersOnce.Do(func() {
		bundledLayers, bundledLayersErr = loadBundledLayers()
	})
	return bundledLayers, bundledLayersErr
}

func loadBundledLayers() (*Layers, error) {
	l := &Layers{
		raw:  make(map[string][]byte, len(bundledLayerNames)),
		info: make(map[string]LayerInfo, len(bundledLayerNames)),
	}
	for _, name := range bundledLayerNames {
		raw, err := bundledFS.ReadFile(name + ".geojson")
		if err != nil {
			return nil, fmt.Errorf("read layer %s: %w", name, err)
		}
		var h layerHeader
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("decode layer %s: %w", name, err)
		}
		if h.Type != "FeatureCollection" {
			return nil, fmt.Errorf("layer %s: type %q, want FeatureCollection", name, h.Type)
		}
		l.raw[name] = raw
		l.info[name] = LayerInfo{Name: name, Title: h.Title, Source: h.Source, License: h.License, Attribution: h.Attribution}
	}
	l.names = slices.Sorted(maps.Keys(l.raw))

	fc, err := geojson.UnmarshalFeatureCollection(l.raw[LayerBoundaryFull])
	if err != nil {
		return nil, fmt.Errorf("decode layer %s: %w", LayerBoundaryFull, err)
	}
	for _, r := range bundledRegions {
		area, err := regionArea(fc, r.gbCode)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.info.NameEN, err)
		}
		aliases := make([]string, len(r.aliases))
		for i, a := range r.aliases {
			aliases[i] = normalizeRegionName(a)
		}
		l.regions = append(l.regions, region{info: r.info, aliases: aliases, area: area})
	}

	cn, err := geojson.UnmarshalFeatureCollection(l.raw[LayerChina])
	if err != nil {
		return nil, fmt.Errorf("decode layer %s: %w", LayerChina, err)
	}
	if len(cn.Features) != 1 {
		return nil, fmt.Errorf("layer %s: %d features, want 1", LayerChina, len(cn.Features))
	}
	mp, ok := cn.Features[0].Geometry.(orb.MultiPolygon)
	if !ok {
		return nil, fmt.Errorf("layer %s: geometry %s, want a MultiPolygon", LayerChina, cn.Features[0].Geometry.GeoJSONType())
	}
	l.china = mp
	return l, nil
}

// China returns the outline of mainland China (Natural Earth 1:10m, without
// Hong Kong, Macao and Taiwan) in [lon, lat] WGS 84 degrees: the region
// where the GCJ-02 and BD-09 offsets apply (geo.Offsets). The outline is
// shared: callers must not modify it.
func (l *Layers) China() orb.MultiPolygon {
	return l.china
}

// regionArea returns the (Multi)Polygon of the feature whose gb_code
// property is code, as a MultiPolygon.
func regionArea(fc *geojson.FeatureCollection, code string) (orb.MultiPolygon, error) {
	for _, f := range fc.Features {
		if f.Properties.MustString("gb_code", "") != code {
			continue
		}
		switch g := f.Geometry.(type) {
		case orb.MultiPolygon:
			return g, nil
		case orb.Polygon:
			return orb.MultiPolygon{g}, nil
		default:
			return nil, fmt.Errorf("geometry is %s, want a (Multi)Polygon", f.Geometry.GeoJSONType())
		}
	}
	return nil, fmt.Errorf("no feature with gb_code %s", code)
}

// normalizeRegionName folds case and spacing so that "inner  MONGOLIA"
// matches "Inner Mongolia".
func normalizeRegionName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// Names returns the layer names, sorted. The slice is a copy.
func (l *Layers) Names() []string {
	return slices.Clone(l.names)
}

// GeoJSON returns layer name as the bytes of an RFC 7946
// FeatureCollection, ready to serve as application/geo+json. The
// collection carries "source", "license" and "attribution" members naming
// its origin. The bytes are shared: callers must not modify them.
func (l *Layers) GeoJSON(name string) ([]byte, bool) {
	raw, ok := l.raw[name]
	return raw, ok
}

// Region resolves a region by its Chinese name (内蒙古, 内蒙古自治区), its
// English name (Inner Mongolia, Nei Mongol; case-insensitive) or its
// GB/T 2260 code (150000), and returns its full-resolution outline in
// [lon, lat] WGS 84 degrees. The outline is a copy the caller may modify.
func (l *Layers) Region(name string) (orb.MultiPolygon, RegionInfo, bool) {
	key := normalizeRegionName(name)
	for _, r := range l.regions {
		if slices.Contains(r.aliases, key) {
			return r.area.Clone(), r.info, true
		}
	}
	if slices.Contains(chinaAliases, key) {
		return l.china.Clone(), ChinaRegion, true
	}
	return nil, RegionInfo{}, false
}

// ChinaRegion names the outline China returns as a region, to clip an
// area to the country.
var ChinaRegion = RegionInfo{Code: "CN", NameZH: "中国", NameEN: "China"}

// chinaAliases are the names Region resolves to China (normalized).
var chinaAliases = []string{"cn", "china", "中国", "中華人民共和國", "中华人民共和国", "people's republic of china", "prc"}

// Regions lists the regions Region can resolve, in a stable order.
func (l *Layers) Regions() []RegionInfo {
	out := make([]RegionInfo, len(l.regions), len(l.regions)+1)
	for i, r := range l.regions {
		out[i] = r.info
	}
	return append(out, ChinaRegion)
}

// layerHeader is the part of a bundled layer that says where it comes from.
type layerHeader struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Source      string `json:"source"`
	License     string `json:"license"`
	Attribution string `json:"attribution"`
}

// LayerInfo describes a bundled layer for attribution on maps.
type LayerInfo struct {
	Name        string
	Title       string
	Source      string
	License     string
	Attribution string // the credit line the layer's licence asks for
}

// Info returns the title, source, licence and attribution of layer name.
func (l *Layers) Info(name string) (LayerInfo, bool) {
	info, ok := l.info[name]
	return info, ok
}
