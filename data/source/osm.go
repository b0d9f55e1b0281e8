package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"yizhan/data"
	"yizhan/data/hours"
)

// OSMAttribution is the credit every record read from OpenStreetMap
// carries in its Source, as the ODbL requires.
const OSMAttribution = "OpenStreetMap contributors, ODbL 1.0"

// ReadOSM reads rest areas, service areas and border crossings from an
// OpenStreetMap PBF extract (.osm.pbf):
//
//   - highway=services or highway=rest_area becomes a rest_stop;
//   - barrier=border_control becomes a port (mode road, neighbour unknown).
//
// Nodes are placed where they are; ways and multipolygon relations at
// their centroid (area-weighted for closed rings, length-weighted for open
// ways), computed in lon/lat, which is exact enough for objects a few
// hundred metres across. Ids are "osm:node/123", "osm:way/123" and
// "osm:relation/123". See osmStation for names, amenities and hours.
//
// The returned problems are of two sorts: objects that could not become a
// record (no coordinates in the extract, or failing validation) are left
// out; an opening_hours value yizhan cannot parse only drops that field,
// reported as a warning (IsWarning), because a rest area with unknown hours
// is still worth finding. FieldError.Index is -1: OSM objects have no line.
//
// The file is read in three passes (relations, then ways, then nodes) so
// that only the coordinates of nodes that matching objects use are kept in
// memory. When r is not an io.ReadSeeker (an *os.File is) it is read into
// memory first. When r has a Name method (an *os.File does) the file's base
// name goes into each record's Source with the extract's timestamp.
func ReadOSM(ctx context.Context, r io.Reader) ([]*data.Station, []*data.FieldError, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, nil, fmt.Errorf("osm: read: %w", err)
		}
		rs = bytes.NewReader(b)
	}
	procs := min(runtime.GOMAXPROCS(0), 4)
	var header time.Time
	open := func(p osmPass) (osm.Scanner, error) {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("osm: rewind: %w", err)
		}
		sc := osmpbf.New(ctx, rs, procs)
		sc.SkipNodes, sc.SkipWays, sc.SkipRelations = p != passNodes, p != passWays, p != passRelations
		h, err := sc.Header()
		if err != nil {
			sc.Close()
			return nil, fmt.Errorf("osm: read pbf header: %w", err)
		}
		if h != nil && !h.ReplicationTimestamp.IsZero() {
			header = h.ReplicationTimestamp
		}
		return sc, nil
	}
	return readOSM(ctx, open, fileName(r), func() time.Time { return header })
}

// ReadOSMXML is ReadOSM for the OSM XML format (.osm), as written by the
// OSM editors and osmium; it is read into memory.
func ReadOSMXML(ctx context.Context, r io.Reader) ([]*data.Station, []*data.FieldError, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("osm: read: %w", err)
	}
	open := func(osmPass) (osm.Scanner, error) {
		return osmxml.New(ctx, bytes.NewReader(b)), nil
	}
	return readOSM(ctx, open, fileName(r), func() time.Time { return time.Time{} })
}

func fileName(r io.Reader) string {
	if n, ok := r.(interface{ Name() string }); ok {
		return filepath.Base(n.Name())
	}
	return ""
}

// osmPass says which element type a scan is after.
type osmPass int

const (
	passRelations osmPass = iota
	passWays
	passNodes
)

// osmReader holds the state of the three passes.
type osmReader struct {
	relations []*osm.Relation            // matching multipolygon relations
	ways      []*osm.Way                 // matching ways
	wayNodes  map[osm.WayID][]osm.NodeID // node lists of matching ways and of the relations' member ways
	nodes     []*osm.Node                // matching nodes
	coords    map[osm.NodeID]orb.Point
	newest    time.Time // newest object timestamp: the extract's age when the header has none
}

func readOSM(ctx context.Context, open func(osmPass) (osm.Scanner, error), file string, headerTime func() time.Time) ([]*data.Station, []*data.FieldError, error) {
	rd := &osmReader{wayNodes: map[osm.WayID][]osm.NodeID{}, coords: map[osm.NodeID]orb.Point{}}
	needWays := map[osm.WayID]bool{}
	needNodes := map[osm.NodeID]bool{}

	scan := func(p osmPass, fn func(osm.Object)) error {
		sc, err := open(p)
		if err != nil {
			return err
		}
		defer sc.Close()
		for sc.Scan() {
			fn(sc.Object())
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("osm: scan: %w", err)
		}
		return ctx.Err()
	}

	err := scan(passRelations, func(o osm.Object) {
		r, ok := o.(*osm.Relation)
		if !ok || osmKind(r.Tags) == "" || r.Tags.Find("type") != "multipolygon" {
			return
		}
		rd.seen(r.Timestamp)
		rd.relations = append(rd.relations, r)
		for _, m := range r.Members {
			if m.Type == osm.TypeWay {
				needWays[osm.WayID(m.Ref)] = true
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	err = scan(passWays, func(o osm.Object) {
		w, ok := o.(*osm.Way)
		if !ok {
			return
		}
		match := osmKind(w.Tags) != ""
		if !match && !needWays[w.ID] {
			return
		}
		if match {
			rd.seen(w.Timestamp)
			rd.ways = append(rd.ways, w)
		}
		ids := make([]osm.NodeID, len(w.Nodes))
		for i, n := range w.Nodes {
			ids[i] = n.ID
			needNodes[n.ID] = true
		}
		rd.wayNodes[w.ID] = ids
	})
	if err != nil {
		return nil, nil, err
	}
	err = scan(passNodes, func(o osm.Object) {
		n, ok := o.(*osm.Node)
		if !ok {
			return
		}
		if needNodes[n.ID] {
			rd.coords[n.ID] = osmPoint(n)
		}
		if osmKind(n.Tags) != "" {
			rd.seen(n.Timestamp)
			rd.nodes = append(rd.nodes, n)
		}
	})
	if err != nil {
		return nil, nil, err
	}

	asOf := headerTime()
	if asOf.IsZero() {
		asOf = rd.newest
	}
	source := osmSource(file, asOf)

	var (
		stations []*data.Station
		problems []*data.FieldError
	)
	add := func(id string, p orb.Point, ok bool, tags osm.Tags) {
		if !ok {
			problems = append(problems, &data.FieldError{Index: -1, ID: id, Field: "geometry",
				Reason: "none of its nodes are in the extract, so it has no position"})
			return
		}
		st, warns := osmStation(id, p, tags, source)
		st.Normalize()
		if errs := st.Validate(); len(errs) > 0 {
			for _, fe := range errs {
				problems = append(problems, &data.FieldError{Index: -1, ID: id, Field: fe.Field, Reason: fe.Reason})
			}
			return
		}
		problems = append(problems, warns...)
		stations = append(stations, st)
	}
	for _, n := range rd.nodes {
		add(fmt.Sprintf("osm:node/%d", n.ID), osmPoint(n), true, n.Tags)
	}
	for _, w := range rd.ways {
		p, ok := rd.wayCentroid(w.ID)
		add(fmt.Sprintf("osm:way/%d", w.ID), p, ok, w.Tags)
	}
	for _, r := range rd.relations {
		p, ok := rd.relationCentroid(r)
		add(fmt.Sprintf("osm:relation/%d", r.ID), p, ok, r.Tags)
	}
	return stations, problems, nil
}

// osmPoint is a node's position rounded to OSM's 7 decimals (about 1 cm),
// dropping the float noise of the PBF's integer-to-degree scaling.
func osmPoint(n *osm.Node) orb.Point {
	round := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	return orb.Point{round(n.Lon), round(n.Lat)}
}

func (rd *osmReader) seen(t time.Time) {
	if t.After(rd.newest) {
		rd.newest = t
	}
}

// osmSource is the provenance of every record of one extract.
func osmSource(file string, asOf time.Time) string {
	var parts []string
	if file != "" {
		parts = append(parts, file)
	}
	if !asOf.IsZero() {
		parts = append(parts, asOf.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return OSMAttribution
	}
	return OSMAttribution + " (" + strings.Join(parts, ", ") + ")"
}

// osmKind maps an object's tags to a record kind, "" when it is not one.
func osmKind(tags osm.Tags) data.Kind {
	if tags.Find("barrier") == "border_control" {
		return data.KindPort
	}
	switch tags.Find("highway") {
	case "services", "rest_area":
		return data.KindRestStop
	}
	return ""
}

// points returns the coordinates of a way's nodes that the extract holds;
// nodes cut off at the extract's edge are skipped.
func (rd *osmReader) points(id osm.WayID) []orb.Point {
	ids := rd.wayNodes[id]
	pts := make([]orb.Point, 0, len(ids))
	for _, n := range ids {
		if p, ok := rd.coords[n]; ok {
			pts = append(pts, p)
		}
	}
	return pts
}

// wayCentroid is the area-weighted centroid of a closed way, the
// length-weighted centroid of an open one, or its one point.
func (rd *osmReader) wayCentroid(id osm.WayID) (orb.Point, bool) {
	pts := rd.points(id)
	switch {
	case len(pts) == 0:
		return orb.Point{}, false
	case len(pts) == 1:
		return pts[0], true
	}
	if len(pts) >= 4 && pts[0] == pts[len(pts)-1] {
		if c, a := planar.CentroidArea(orb.Polygon{orb.Ring(pts)}); a != 0 {
			return c, true
		}
	}
	c, _ := planar.CentroidArea(orb.LineString(pts))
	return c, true
}

// relationCentroid is the centroid of a multipolygon: its member ways are
// joined into rings, and the outer rings' area-weighted centroids count
// positively, the inner rings' negatively. When no ring closes (members
// cut off by the extract) it is the centre of the members' bounding box.
func (rd *osmReader) relationCentroid(r *osm.Relation) (orb.Point, bool) {
	var outer, inner [][]orb.Point
	var all orb.MultiPoint
	for _, m := range r.Members {
		if m.Type != osm.TypeWay {
			continue
		}
		pts := rd.points(osm.WayID(m.Ref))
		if len(pts) == 0 {
			continue
		}
		all = append(all, pts...)
		if m.Role == "inner" {
			inner = append(inner, pts)
		} else {
			outer = append(outer, pts)
		}
	}
	if len(all) == 0 {
		return orb.Point{}, false
	}
	var sx, sy, sa float64
	for _, g := range []struct {
		rings []orb.Ring
		sign  float64
	}{{joinRings(outer), 1}, {joinRings(inner), -1}} {
		for _, ring := range g.rings {
			c, a := planar.CentroidArea(orb.Polygon{ring})
			a = math.Abs(a) * g.sign
			sx += c[0] * a
			sy += c[1] * a
			sa += a
		}
	}
	if sa > 0 {
		return orb.Point{sx / sa, sy / sa}, true
	}
	return all.Bound().Center(), true
}

// joinRings chains way segments end to end into closed rings; chains that
// do not close are dropped.
func joinRings(segs [][]orb.Point) []orb.Ring {
	var rings []orb.Ring
	open := make([][]orb.Point, 0, len(segs))
	for _, s := range segs {
		if len(s) >= 4 && s[0] == s[len(s)-1] {
			rings = append(rings, orb.Ring(s))
		} else if len(s) >= 2 {
			open = append(open, s)
		}
	}
	for len(open) > 0 {
		chain := append([]orb.Point(nil), open[0]...)
		open = open[1:]
		for chain[0] != chain[len(chain)-1] {
			end := chain[len(chain)-1]
			found := -1
			for i, s := range open {
				if s[0] == end {
					chain = append(chain, s[1:]...)
					found = i
					break
				}
				if s[len(s)-1] == end {
					for j := len(s) - 2; j >= 0; j-- {
						chain = append(chain, s[j])
					}
					found = i
					break
				}
			}
			if found < 0 {
				break
			}
			open = append(open[:found], open[found+1:]...)
		}
		if len(chain) >= 4 && chain[0] == chain[len(chain)-1] {
			rings = append(rings, orb.Ring(chain))
		}
	}
	return rings
}

// osmStation builds a record from an object's tags.
//
// Names: name:zh, name:en, name:ru and name:mn fill their languages. The
// plain name tag fills the language its script suggests, when that
// language has no name yet: Han → zh, traditional Mongolian script → mn,
// Cyrillic → ru (Mongolian Cyrillic cannot be told apart from Russian by
// script alone; tag name:mn for it), anything else (Latin and the rest) →
// en. So an Andorran "Aduana" is the English-slot name, and a Chinese
// "服务区" the Chinese one.
//
// An object with neither a Chinese nor an English name (after the rule
// above) gets a generic one in both, from its tags: "Border control"
// 边境检查站, "Service area" 服务区, "Rest area" 休息区.
//
// Amenities come from tags on the same object (see osmAmenities); every
// rest_stop also has rest_area. Ports get mode road (barrier=border_control
// sits on a road) and no neighbour country, which OSM does not say.
// opening_hours is kept when hours.Parse accepts it; otherwise the
// field is dropped and a warning returned.
func osmStation(id string, p orb.Point, tags osm.Tags, source string) (*data.Station, []*data.FieldError) {
	st := &data.Station{
		ID:       id,
		Location: p,
		Kind:     osmKind(tags),
		Names: data.Names{
			ZH: tags.Find("name:zh"),
			EN: tags.Find("name:en"),
			RU: tags.Find("name:ru"),
			MN: tags.Find("name:mn"),
		},
		Status:   data.StatusOpen,
		Source:   source,
		Operator: tags.Find("operator"),
		Phone:    firstTag(tags, "phone", "contact:phone"),
		Address:  osmAddress(tags),
	}
	if name := strings.TrimSpace(tags.Find("name")); name != "" {
		slot := &st.Names.EN
		switch nameScript(name) {
		case "zh":
			slot = &st.Names.ZH
		case "mn":
			slot = &st.Names.MN
		case "ru":
			slot = &st.Names.RU
		}
		if *slot == "" {
			*slot = name
		}
	}
	if st.Names.ZH == "" && st.Names.EN == "" {
		// Many OSM rest areas and border controls carry no name, and a
		// record needs one; a plain description is better than losing them.
		st.Names.EN, st.Names.ZH = osmGenericName(tags)
	}
	st.Amenities = osmAmenities(tags)
	if st.Kind == data.KindRestStop {
		st.Amenities |= amenityBit("rest_area")
	}
	if st.Kind == data.KindPort {
		st.Port = &data.PortInfo{Modes: []string{"road"}}
	}
	if n, ok := positiveInt(tags.Find("capacity:hgv")); ok {
		st.TruckParkingSpaces = &n
		st.Amenities |= amenityBit("truck_parking")
	}
	if n, ok := positiveInt(tags.Find("beds")); ok {
		st.Beds = &n
		st.Amenities |= amenityBit("beds")
	}

	var warns []*data.FieldError
	if oh := strings.TrimSpace(tags.Find("opening_hours")); oh != "" {
		h, err := parseHoursSafely(oh)
		if err != nil {
			warns = append(warns, &data.FieldError{Index: -1, ID: id, Field: "opening_hours",
				Severity: data.SeverityWarning, Reason: fmt.Sprintf("%q not understood (%v); record kept without opening hours", oh, err)})
		} else {
			st.OpeningHours, st.Hours = oh, h
		}
	}
	return st, warns
}

// osmGenericName is the English and Chinese description of an unnamed object.
func osmGenericName(tags osm.Tags) (en, zh string) {
	switch {
	case tags.Find("barrier") == "border_control":
		return "Border control", "边境检查站"
	case tags.Find("highway") == "services":
		return "Service area", "服务区"
	default:
		return "Rest area", "休息区"
	}
}

// parseHoursSafely turns a panic in the hours parser into an error, so
// that one odd OSM value cannot stop an import.
func parseHoursSafely(s string) (h *hours.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("parser failed: %v", r)
		}
	}()
	return hours.Parse(s)
}

// osmAmenities maps OSM tags on one object to yizhan amenities.
func osmAmenities(tags osm.Tags) data.AmenitySet {
	var set data.AmenitySet
	has := func(key string) bool { return osmYes(tags.Find(key)) }
	amenity := tags.Find("amenity")
	add := func(name string, ok bool) {
		if ok {
			set |= amenityBit(name)
		}
	}
	add("toilet", has("toilets") || amenity == "toilets")
	add("shower", has("shower") || amenity == "shower")
	add("drinking_water", has("drinking_water") || amenity == "drinking_water")
	add("truck_parking", has("hgv") || has("parking:hgv") || has("hgv:parking"))
	switch tags.Find("internet_access") {
	case "wlan", "wifi", "yes", "free", "public":
		set |= amenityBit("wifi")
	}
	add("hot_meal", has("food") || has("restaurant") || has("hot_meal") ||
		amenity == "restaurant" || amenity == "fast_food" || amenity == "food_court" || amenity == "cafe")
	add("microwave", has("microwave"))
	add("first_aid", has("first_aid") || tags.Find("emergency") == "first_aid_kit" || tags.Find("healthcare") == "first_aid")
	add("laundry", has("laundry") || tags.Find("shop") == "laundry")
	add("phone_charging", has("device_charging") || amenity == "device_charging_station")
	add("wifi", has("wifi"))
	return set
}

// osmYes reports whether an OSM value means the feature is there.
func osmYes(v string) bool {
	switch v {
	case "yes", "designated", "customers", "permissive", "public", "free", "limited":
		return true
	}
	return false
}

func amenityBit(name string) data.AmenitySet {
	a, err := data.ParseAmenity(name)
	if err != nil {
		panic("data: unknown amenity in OSM mapping: " + name) // a programming error, caught by tests
	}
	return a
}

func positiveInt(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n > 0
}

func firstTag(tags osm.Tags, keys ...string) string {
	for _, k := range keys {
		if v := tags.Find(k); v != "" {
			return v
		}
	}
	return ""
}

// osmAddress is addr:full, or "street housenumber, postcode city" from the
// parts present.
func osmAddress(tags osm.Tags) string {
	if v := tags.Find("addr:full"); v != "" {
		return v
	}
	street := strings.TrimSpace(tags.Find("addr:street") + " " + tags.Find("addr:housenumber"))
	city := strings.TrimSpace(tags.Find("addr:postcode") + " " + tags.Find("addr:city"))
	var parts []string
	for _, s := range []string{street, city} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// nameScript guesses a name's language slot from its letters: "zh", "mn"
// (traditional Mongolian script), "ru" (Cyrillic) or "" (anything else).
func nameScript(s string) string {
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			return "zh"
		case unicode.Is(unicode.Mongolian, r):
			return "mn"
		case unicode.Is(unicode.Cyrillic, r):
			return "ru"
		}
	}
	return ""
}
