package source

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"yizhan/data"
)

// CSV columns. A file has a header row naming its columns (case-insensitive,
// in any order) and either both lon and lat or one wkt column. The other
// columns carry the record's properties under their GeoJSON names; list
// cells (amenities, languages, port_modes) separate items with ';' or '|'.
// name is a synonym of name_zh. An empty cell means "not given".
const (
	csvLon = "lon"
	csvLat = "lat"
	csvWKT = "wkt"
)

// csvColumns lists every column ReadCSV understands besides the location:
// the id and the record's members a writer sets (see form.go; not the
// read-only ones), with names flattened to name_zh, name_en, ... (name is
// a synonym of name_zh) and port to port_country, port_modes, port_hours.
var csvColumns = func() []string {
	out := []string{"id"}
	for _, m := range data.Members() {
		switch {
		case m.Derived:
			out = append(out, "name")
		case m.Name == "names":
			for _, l := range data.Languages() {
				out = append(out, "name_"+l)
			}
		case m.Name == "port":
			out = append(out, "port_country", "port_modes", "port_hours")
		case !m.ReadOnly:
			out = append(out, m.Name)
		}
	}
	return out
}()

// ReadCSV reads records from a CSV file with a header row (see csvColumns
// and the lon/lat/wkt columns). Every bad row is reported as one or more
// FieldErrors whose Index is the row's line number in the file (the header
// is line 1) and the row is left out; good rows are returned in file order.
//
// A record with no source cell (or no source column) gets the Source "CSV
// file <base name>" when r has a Name method (an *os.File does), else
// "CSV import".
//
// A row whose id an earlier good row already has is refused, as in
// DecodeStations: the first one is kept.
//
// An unknown column rejects the whole file with an error naming it: a typo
// such as "amenites" would otherwise silently drop that column's data from
// every record. The error is also returned for a missing or ambiguous
// location (neither lon+lat nor wkt, or both), duplicate columns, or an
// unreadable header.
func ReadCSV(r io.Reader) ([]*data.Station, []*data.FieldError, error) {
	br := bufio.NewReader(r)
	// Spreadsheets often save UTF-8 with a byte-order mark; it would
	// otherwise become part of the first column's name.
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked per row, so that a short row is one bad row
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("csv: empty file: want a header row")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("csv: read header: %w", err)
	}
	cols, err := parseCSVHeader(header)
	if err != nil {
		return nil, nil, err
	}
	cols.source = "CSV import"
	if name := fileName(r); name != "" {
		cols.source = "CSV file " + name
	}

	var (
		stations []*data.Station
		problems []*data.FieldError
		firstAt  = data.FirstIDs{}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return stations, problems, fmt.Errorf("csv: read row: %w", err)
			}
			problems = append(problems, &data.FieldError{Index: pe.StartLine, Field: "row", Reason: pe.Err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		st, errs := cols.station(rec, line)
		if len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		if first, ok := firstAt.Keep(st.ID, line); !ok {
			problems = append(problems, data.DuplicateProblem(st.ID, line, fmt.Sprintf("line %d", first)))
			continue
		}
		stations = append(stations, st)
	}
	return stations, problems, nil
}

// csvHeader maps column names to their position in a row.
type csvHeader struct {
	n      int // number of columns
	pos    map[string]int
	source string // Source of records whose source cell is empty
}

func parseCSVHeader(header []string) (*csvHeader, error) {
	known := make(map[string]bool, len(csvColumns)+3)
	for _, c := range csvColumns {
		known[c] = true
	}
	known[csvLon], known[csvLat], known[csvWKT] = true, true, true

	h := &csvHeader{n: len(header), pos: make(map[string]int, len(header))}
	var unknown []string
	for i, raw := range header {
		name := strings.ToLower(strings.TrimSpace(raw))
		if name == "" {
			return nil, fmt.Errorf("csv: header: column %d has no name", i+1)
		}
		if !known[name] {
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(raw)))
			continue
		}
		if _, dup := h.pos[name]; dup {
			return nil, fmt.Errorf("csv: header: column %q appears twice", name)
		}
		h.pos[name] = i
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("csv: header: unknown column %s (known: lon, lat, wkt, %s); rename or remove it so that no data is silently dropped",
			strings.Join(unknown, ", "), strings.Join(csvColumns, ", "))
	}
	_, hasLon := h.pos[csvLon]
	_, hasLat := h.pos[csvLat]
	_, hasWKT := h.pos[csvWKT]
	switch {
	case hasWKT && (hasLon || hasLat):
		return nil, errors.New("csv: header: give either lon and lat columns or a wkt column, not both")
	case !hasWKT && !(hasLon && hasLat):
		return nil, errors.New("csv: header: want lon and lat columns or a wkt column")
	}
	_, hasName := h.pos["name"]
	_, hasNameZH := h.pos["name_zh"]
	if hasName && hasNameZH {
		return nil, errors.New("csv: header: name and name_zh mean the same; give only one")
	}
	return h, nil
}

// get returns the trimmed cell of column name, or "" when the file has no
// such column.
func (h *csvHeader) get(rec []string, name string) string {
	i, ok := h.pos[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// station builds the record of one row; line is the row's line number.
func (h *csvHeader) station(rec []string, line int) (*data.Station, []*data.FieldError) {
	id := h.get(rec, "id")
	var errs []*data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &data.FieldError{Index: line, ID: id, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if len(rec) != h.n {
		bad("row", "has %d columns; the header has %d", len(rec), h.n)
		return nil, errs
	}

	st := &data.Station{ID: id}
	if _, ok := h.pos[csvWKT]; ok {
		p, err := parseWKTPoint(h.get(rec, csvWKT))
		if err != nil {
			bad("wkt", "%v", err)
		}
		st.Location = p
	} else {
		lon, err := parseCoord(h.get(rec, csvLon), 180)
		if err != nil {
			bad("lon", "%v", err)
		}
		lat, err := parseCoord(h.get(rec, csvLat), 90)
		if err != nil {
			bad("lat", "%v", err)
		}
		st.Location = orb.Point{lon, lat}
	}

	for _, m := range data.Members() {
		if m.ReadOnly {
			continue
		}
		cell := h.get(rec, m.Name)
		switch v := st.Field(m.Name).(type) {
		case *string:
			*v = cell
		case *data.Status:
			*v = data.Status(cell)
		case *data.Kind:
			if cell != "" {
				k, err := data.ParseKind(cell)
				if err != nil {
					bad(m.Name, "%v", err)
				}
				*v = k
			}
		case *data.AmenitySet:
			if cell != "" {
				set, err := data.NewAmenitySet(splitList(cell))
				if err != nil {
					bad(m.Name, "%v", err)
				}
				*v = set
			}
		case **int:
			if cell == "" {
				continue
			}
			n, err := strconv.Atoi(cell)
			switch {
			case err != nil:
				bad(m.Name, "%q is not a whole number", cell)
			case n < 0:
				bad(m.Name, "%d is negative", n)
			default:
				*v = &n
			}
		case *[]string:
			if cell != "" {
				*v = splitList(cell)
			}
		case *data.Names:
			*v = data.Names{ZH: h.get(rec, "name_zh"), EN: h.get(rec, "name_en"), RU: h.get(rec, "name_ru"), MN: h.get(rec, "name_mn")}
			if v.ZH == "" {
				v.ZH = h.get(rec, "name")
			}
		case **data.PortInfo:
			country, modes, hours := h.get(rec, "port_country"), h.get(rec, "port_modes"), h.get(rec, "port_hours")
			if country != "" || modes != "" || hours != "" {
				*v = &data.PortInfo{Country: strings.ToUpper(country), Modes: splitList(modes), Hours: hours}
				if (*v).Modes == nil {
					(*v).Modes = []string{}
				}
			}
		default:
			panic(fmt.Sprintf("source: member %q has a type the CSV reader does not know", m.Name))
		}
	}
	if st.Source == "" {
		st.Source = h.source
	}
	// The same rules as every other source of records, skipping fields
	// already reported above so that each problem is reported once.
	reported := map[string]bool{}
	for _, e := range errs {
		reported[e.Field] = true
		if e.Field == csvLon || e.Field == csvLat || e.Field == csvWKT {
			reported["geometry"] = true
		}
	}
	st.Normalize()
	for _, fe := range st.Validate() {
		if !reported[fe.Field] {
			bad(fe.Field, "%s", fe.Reason)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return st, nil
}

// splitList splits a list cell on ';' or '|', dropping blanks.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' })
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseCoord parses a longitude (limit 180) or latitude (limit 90) in degrees.
func parseCoord(s string, limit float64) (float64, error) {
	if s == "" {
		return 0, errors.New("required")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < -limit || v > limit {
		return 0, fmt.Errorf("%s is outside [-%g, %g]", s, limit, limit)
	}
	return v, nil
}

// parseWKTPoint parses "POINT(lon lat)", optionally EWKT-prefixed with
// "SRID=4326;". Any other SRID is refused: reprojecting is not the
// importer's job, and guessing would put the record in the wrong place.
func parseWKTPoint(s string) (orb.Point, error) {
	if s == "" {
		return orb.Point{}, errors.New("required")
	}
	rest := strings.TrimSpace(s)
	if len(rest) >= 5 && strings.EqualFold(rest[:5], "SRID=") {
		srid, tail, ok := strings.Cut(rest[5:], ";")
		if !ok {
			return orb.Point{}, fmt.Errorf("%q: SRID prefix without ';'", s)
		}
		if strings.TrimSpace(srid) != "4326" {
			return orb.Point{}, fmt.Errorf("%q: SRID %s not supported; want 4326 (WGS 84 lon/lat)", s, strings.TrimSpace(srid))
		}
		rest = strings.TrimSpace(tail)
	}
	if len(rest) < 5 || !strings.EqualFold(rest[:5], "POINT") {
		return orb.Point{}, fmt.Errorf("%q: want POINT(lon lat)", s)
	}
	rest = strings.TrimSpace(rest[5:])
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return orb.Point{}, fmt.Errorf("%q: want POINT(lon lat)", s)
	}
	xy := strings.Fields(rest[1 : len(rest)-1])
	if len(xy) != 2 {
		return orb.Point{}, fmt.Errorf("%q: want exactly two coordinates, lon and lat", s)
	}
	lon, err := parseCoord(xy[0], 180)
	if err != nil {
		return orb.Point{}, fmt.Errorf("longitude %v", err)
	}
	lat, err := parseCoord(xy[1], 90)
	if err != nil {
		return orb.Point{}, fmt.Errorf("latitude %v", err)
	}
	return orb.Point{lon, lat}, nil
}
