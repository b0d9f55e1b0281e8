package postgis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/catalog"
)

// column is one column of the stations table as every statement reads
// and writes it. columns is the one list of them: the SELECT list, the
// scan targets, the COPY staging table, the INSERT and UPDATE lists and
// the change check are all built from it, so that a new property is one
// entry here (and its migration).
type column struct {
	name string // the stations column

	// read are the expressions the SELECT list reads for the column, and
	// scan the targets pgx scans them into, one per expression.
	read []string
	scan func(d *rowDecoder, st *data.Station) []any

	// Written columns (stage set; version, updated_at and deleted are set
	// by the database) send one value per stage entry ("name type", the
	// staging table's column), from value, and build the column from them
	// with expr, a format whose %s are the staged values in order ("%s"
	// when empty).
	stage []string
	value func(dst []any, st *data.Station) ([]any, error) // appends to dst
	expr  string

	// A written column staged in parts, or as a value other than the
	// column's, gives the column's own value for a COPY straight into
	// stations (see insertIntoEmpty): its copyBinary type and the value.
	directType string
	direct     func(st *data.Station) any
}

// columns are the stations columns in the order every read selects them.
var columns = []column{
	{
		name: "id", read: []string{"id"}, stage: []string{"id text"},
		scan:  func(d *rowDecoder, st *data.Station) []any { return []any{arenaText{d, &st.ID}} },
		value: one(func(st *data.Station) any { return st.ID }),
	},
	{
		name: "geom", read: []string{"ST_X(geom)", "ST_Y(geom)"}, stage: []string{"lon float8", "lat float8"},
		expr: "ST_SetSRID(ST_MakePoint(%s, %s), 4326)",
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{&d.lon, &d.lat} },
		value: func(dst []any, st *data.Station) ([]any, error) {
			return append(dst, st.Location.Lon(), st.Location.Lat()), nil
		},
		directType: "geometry",
		direct:     func(st *data.Station) any { return st.Location },
	},
	{
		name: "kind", read: []string{"kind"}, stage: []string{"kind text"},
		scan:  func(d *rowDecoder, st *data.Station) []any { return []any{interned(d, &st.Kind, data.KnownKind)} },
		value: one(func(st *data.Station) any { return string(st.Kind) }),
	},
	{
		// Names come out as the jsonb's text, read by namesScan: four
		// ->> extractions cost the server more per row than all the
		// other columns.
		name: "names",
		read: []string{"names::text"},
		scan: func(d *rowDecoder, st *data.Station) []any {
			return []any{namesScan{d, &st.Names}}
		},
		stage: []string{"names jsonb"},
		value: func(dst []any, st *data.Station) ([]any, error) {
			return append(dst, namesJSON(st.Names)), nil
		},
	},
	{
		// The lists are read as one text each (split on listSep), which
		// pgx scans without building an array per row.
		name: "amenities", read: []string{"array_to_string(amenities, " + listSepSQL + ")"}, stage: []string{"amenities text[]"},
		scan:  func(d *rowDecoder, st *data.Station) []any { return []any{&amenityScan{d: d, set: &st.Amenities}} },
		value: one(func(st *data.Station) any { return st.Amenities.Names() }),
	},
	textColumn("opening_hours", func(st *data.Station) *string { return &st.OpeningHours }, true, 0),
	textColumn("time_zone", func(st *data.Station) *string { return &st.TimeZone }, true, data.KnownTimeZone),
	countColumn("capacity_per_day", func(st *data.Station) **int { return &st.CapacityPerDay }),
	countColumn("beds", func(st *data.Station) **int { return &st.Beds }),
	countColumn("truck_parking_spaces", func(st *data.Station) **int { return &st.TruckParkingSpaces }),
	countColumn("area_m2", func(st *data.Station) **int { return &st.AreaM2 }),
	{
		name: "languages", read: []string{"array_to_string(languages, " + listSepSQL + ")"}, stage: []string{"languages text[]"},
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{&languageScan{d: d, dst: &st.Languages}} },
		value: one(func(st *data.Station) any {
			if st.Languages == nil {
				return []string{}
			}
			return st.Languages
		}),
	},
	{
		name: "port", read: []string{"port::text"}, stage: []string{"port jsonb"},
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{&portScan{d: d, dst: &st.Port}} },
		value: func(dst []any, st *data.Station) ([]any, error) {
			if st.Port == nil {
				return append(dst, nil), nil // NULL
			}
			b, err := json.Marshal(st.Port)
			if err != nil {
				return nil, fmt.Errorf("encode port: %w", err)
			}
			return append(dst, string(b)), nil
		},
	},
	textColumn("region", func(st *data.Station) *string { return &st.Region }, true, 0),
	textColumn("address", func(st *data.Station) *string { return &st.Address }, false, 0),
	textColumn("phone", func(st *data.Station) *string { return &st.Phone }, false, 0),
	textColumn("operator", func(st *data.Station) *string { return &st.Operator }, true, 0),
	{
		name: "status", read: []string{"status"}, stage: []string{"status text"},
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{interned(d, &st.Status, data.KnownStatus)} },
		value: one(func(st *data.Station) any {
			if st.Status == "" {
				return string(data.StatusOpen)
			}
			return string(st.Status)
		}),
	},
	{
		name: "updated_at", read: []string{"updated_at"},
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{&st.UpdatedAt} },
	},
	textColumn("source", func(st *data.Station) *string { return &st.Source }, true, data.KnownSource),
	{
		name: "version", read: []string{"version"},
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{&st.Version} },
	},
	{
		name: "deleted", read: []string{"deleted"},
		scan: func(d *rowDecoder, st *data.Station) []any { return []any{&d.deleted} },
	},
}

// one is a value function for a column written from one value.
func one(f func(st *data.Station) any) func(dst []any, st *data.Station) ([]any, error) {
	return func(dst []any, st *data.Station) ([]any, error) { return append(dst, f(st)), nil }
}

// textColumn is a text column holding the string field f; shared values
// (repeated across many records) are interned, and checked once as the
// part of a record they are (part, when not 0; see internedText).
func textColumn(name string, f func(st *data.Station) *string, shared bool, part data.Known) column {
	return column{
		name: name, read: []string{name}, stage: []string{name + " text"},
		scan: func(d *rowDecoder, st *data.Station) []any {
			if shared {
				return []any{interned(d, f(st), part)}
			}
			return []any{arenaText{d, f(st)}}
		},
		value: one(func(st *data.Station) any { return *f(st) }),
	}
}

// countColumn is an integer column holding the optional count f.
func countColumn(name string, f func(st *data.Station) **int) column {
	return column{
		name: name, read: []string{name}, stage: []string{name + " integer"},
		scan:  func(d *rowDecoder, st *data.Station) []any { return []any{&countScan{d: d, dst: f(st)}} },
		value: one(func(st *data.Station) any { return *f(st) }),
	}
}

// The SQL the statements share, built from columns.
var (
	// selectColumns is the SELECT list of every read.
	selectColumns = joinColumns(func(c column) []string { return c.read })
	// writtenColumns are the columns a write sets.
	writtenColumns = func() []column {
		var out []column
		for _, c := range columns {
			if c.stage != nil {
				out = append(out, c)
			}
		}
		return out
	}()
	// columnListSQL names the written columns (INSERT INTO stations (...)).
	columnListSQL = strings.Join(columnNames(writtenColumns), ", ")
	// stageSQL declares the staging table's columns (UpsertStations).
	stageSQL = strings.Join(stageEntries(func(s string) string { return s }), ", ")
	// stageNames are the staging table's columns, in COPY order.
	stageNames = stageEntries(func(s string) string { name, _, _ := strings.Cut(s, " "); return name })
	// valuesSQL is the VALUES list for one record given as $1, $2, ... in
	// rowValues order.
	valuesSQL = func() string {
		n := 0
		return "(" + strings.Join(columnExprs(func(stage string) string {
			n++
			_, typ, _ := strings.Cut(stage, " ")
			return fmt.Sprintf("$%d::%s", n, typ)
		}), ", ") + ")"
	}()
	// setColumnsSQL assigns every written column from EXCLUDED (upserts).
	setColumnsSQL = setColumnsFrom("EXCLUDED.", false)
)

func joinColumns(f func(column) []string) string {
	var parts []string
	for _, c := range columns {
		parts = append(parts, f(c)...)
	}
	return strings.Join(parts, ", ")
}

func columnNames(cs []column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

func stageEntries(f func(string) string) []string {
	var out []string
	for _, c := range writtenColumns {
		for _, s := range c.stage {
			out = append(out, f(s))
		}
	}
	return out
}

// columnExprs is each written column's value, its staged values named by ref.
func columnExprs(ref func(stage string) string) []string {
	out := make([]string, len(writtenColumns))
	for i, c := range writtenColumns {
		refs := make([]any, len(c.stage))
		for j, s := range c.stage {
			refs[j] = ref(s)
		}
		expr := c.expr
		if expr == "" {
			expr = "%s"
		}
		out[i] = fmt.Sprintf(expr, refs...)
	}
	return out
}

// stagedFrom names the staged values as columns of src (a table alias
// with its dot, or "EXCLUDED."), or the already built column values of src
// when built is false.
func stagedFrom(src string, staged bool) []string {
	if staged {
		return columnExprs(func(stage string) string { name, _, _ := strings.Cut(stage, " "); return src + name })
	}
	out := columnNames(writtenColumns)
	for i := range out {
		out[i] = src + out[i]
	}
	return out
}

// setColumnsFrom assigns every written column but id from src (see
// stagedFrom) and revives a tombstone.
func setColumnsFrom(src string, staged bool) string {
	vals := stagedFrom(src, staged)
	var b strings.Builder
	for i, c := range writtenColumns {
		if c.name == "id" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s", c.name, vals[i])
	}
	b.WriteString(", deleted = false")
	return b.String()
}

// changedFrom is true when writing the columns from src (see stagedFrom)
// would change the stored row s, so that importing the same file twice
// does not touch its rows. (The version trigger skips updates that change
// nothing as well; this keeps them from reaching it.)
func changedFrom(src string, staged bool) string {
	vals := stagedFrom(src, staged)
	var l, r []string
	for i, c := range writtenColumns {
		if c.name == "id" {
			continue
		}
		l, r = append(l, "s."+c.name), append(r, vals[i])
	}
	return fmt.Sprintf("s.deleted OR (%s) IS DISTINCT FROM (%s)", strings.Join(l, ", "), strings.Join(r, ", "))
}

// rowValues is a record as the write statements take it: the staged
// values of every written column, in stageNames order.
func rowValues(st *data.Station) ([]any, error) {
	return appendRowValues(make([]any, 0, len(stageNames)), st)
}

// appendRowValues is rowValues appending to out.
func appendRowValues(out []any, st *data.Station) ([]any, error) {
	for _, c := range writtenColumns {
		var err error
		if out, err = c.value(out, st); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// directTypes are the copyBinary types of a row written by COPY straight
// into stations: every written column (columnListSQL), then its version.
var directTypes = func() []string {
	var out []string
	for _, c := range writtenColumns {
		switch {
		case c.directType != "":
			out = append(out, c.directType)
		case len(c.stage) == 1 && c.expr == "":
			_, typ, _ := strings.Cut(c.stage[0], " ")
			out = append(out, typ)
		default:
			panic("postgis: column " + c.name + " is staged in parts and has no direct type")
		}
	}
	return append(out, "bigint")
}()

// appendDirectValues appends a record's values as a COPY straight into
// stations takes them (directTypes), with its version.
func appendDirectValues(out []any, st *data.Station, version int64) ([]any, error) {
	for _, c := range writtenColumns {
		if c.direct != nil {
			out = append(out, c.direct(st))
			continue
		}
		var err error
		if out, err = c.value(out, st); err != nil {
			return nil, err
		}
	}
	return append(out, version), nil
}

// rowDecoder scans rows of selectColumns into Stations with pgx. It
// interns the strings that repeat across records (kind, status, source,
// region, operator, zone) and shares parsed opening hours, staff
// language lists and ports between records, which saves memory and time at a
// million records.
//
// For the full load (slab set), records and their optional counts are
// carved out of chunks: one allocation per decodeChunk records instead of
// several per record, which at a million records saves much of the load
// time in allocation and garbage collection. A chunk stays alive while
// any of its records does, so the memory held is at most that of the
// initial load. Small reads (changes, single records) allocate normally.
type rowDecoder struct {
	strs  *data.Interner
	langs map[string]shared[[]string]
	ports map[string]shared[*data.PortInfo] // parsed ports by their JSON text
	names map[string]shared[data.Names]     // read names by their JSON text (see namesScan)

	namesShared            bool // names is consulted
	namesHits, namesMisses int
	slab                   bool
	stations               []data.Station
	ints                   []int
	arena                  []byte // the chunk texts are copied into (text)

	// The scratch of one row, which targets (the scan targets of
	// columns, built once) point into: the record as scanned, the values
	// that are not a Station field as stored, the first amenity not in
	// the list, and a port that is not valid JSON.
	cur      data.Station
	known    data.Known // the parts of cur found valid before (see shared)
	targets  []any
	lon, lat pgtype.Float8
	deleted  bool
	unknown  []byte
	portErr  error
	namesErr error
}

// shared is a value the decoder shares between records, with whether it
// passes the checks of ValidateStored as the part of a record it is
// (Station.StoredValid): each distinct value is checked once, when first
// read, and each record that shares it then skips its checks
// (Station.ValidateStoredKnown).
type shared[T any] struct {
	v  T
	ok bool
}

// newShared is v with its checks as part of a record: s is a record that
// holds v and nothing else.
func newShared[T any](v T, s *data.Station, part data.Known) shared[T] {
	return shared[T]{v: v, ok: s.StoredValid(part)}
}

// decodeChunk is how many records (and counts) one slab allocation holds.
const decodeChunk = 256

func newRowDecoder() *rowDecoder {
	d := &rowDecoder{strs: data.NewInterner(), langs: make(map[string]shared[[]string]), names: make(map[string]shared[data.Names]), namesShared: true}
	for _, c := range columns {
		d.targets = append(d.targets, c.scan(d, &d.cur)...)
	}
	return d
}

func (d *rowDecoder) newStation() *data.Station {
	if !d.slab {
		return new(data.Station)
	}
	if len(d.stations) == 0 {
		d.stations = make([]data.Station, decodeChunk)
	}
	st := &d.stations[0]
	d.stations = d.stations[1:]
	return st
}

// arenaChunk is the size of the byte chunks the full load copies the
// texts of its records into (see arenaText).
const arenaChunk = 64 << 10

// text returns b as a string. For the full load (slab set) its bytes are
// copied into a shared chunk, which the string then points into (and
// which nothing writes again): one allocation per arenaChunk bytes of
// text instead of one per text, like the slabs of records.
func (d *rowDecoder) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !d.slab {
		return string(b)
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, max(arenaChunk, len(b)))
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b))
}

// arenaText scans text into *dst through rowDecoder.text.
type arenaText struct {
	d   *rowDecoder
	dst *string
}

// ScanBytes implements pgtype.BytesScanner.
func (t arenaText) ScanBytes(b []byte) error {
	*t.dst = t.d.text(b)
	return nil
}

func (d *rowDecoder) newInt(n int) *int {
	if !d.slab {
		p := new(int)
		*p = n
		return p
	}
	if len(d.ints) == 0 {
		d.ints = make([]int, decodeChunk)
	}
	p := &d.ints[0]
	d.ints = d.ints[1:]
	*p = n
	return p
}

// errUndecodable marks a stored row this binary cannot decode: a problem
// with the data, not with reaching the database.
var errUndecodable = errors.New("stored record cannot be decoded")

// scanner is what the decoder needs of pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// change scans one row as a change-feed entry. A tombstone's payload is
// not checked (only its id and version matter), and a live row that cannot
// be decoded or fails validation becomes a Change with Invalid set rather
// than an error. The error is only for a row pgx cannot scan at all.
func (d *rowDecoder) change(rows scanner) (catalog.Change, error) {
	st, err := d.scan(rows)
	if err != nil {
		return catalog.Change{}, err
	}
	c := catalog.Change{ID: st.ID, Version: st.Version, Deleted: d.deleted}
	if c.Deleted {
		return c, nil
	}
	if err := d.finish(st); err != nil {
		c.Invalid = err.Error()
		return c, nil
	}
	if problems := st.ValidateStoredKnown(d.known); len(problems) > 0 {
		c.Invalid = (&data.ValidationError{Problems: problems}).Error()
		return c, nil
	}
	c.Station = st
	return c, nil
}

// station scans one row as a record (deleted or not); a record that
// cannot be decoded is an errUndecodable error.
func (d *rowDecoder) station(rows scanner) (*data.Station, error) {
	st, err := d.scan(rows)
	if err != nil {
		return nil, err
	}
	if err := d.finish(st); err != nil {
		return nil, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	return st, nil
}

// scan reads one row into a new Station and the decoder's scratch.
func (d *rowDecoder) scan(rows scanner) (*data.Station, error) {
	d.cur = data.Station{}
	d.lon, d.lat, d.deleted, d.unknown, d.portErr, d.namesErr, d.known = pgtype.Float8{}, pgtype.Float8{}, false, nil, nil, nil, 0
	if err := rows.Scan(d.targets...); err != nil {
		return nil, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	st := d.newStation()
	*st = d.cur
	return st, nil
}

// finish completes a scanned record from the scratch: its point, parsed
// hours, and the checks that make a stored row unservable.
func (d *rowDecoder) finish(st *data.Station) error {
	if !d.lon.Valid || !d.lat.Valid { // ST_X and ST_Y of POINT EMPTY
		return fmt.Errorf("decode station %q: geometry: the point is empty; every record needs coordinates", st.ID)
	}
	st.Location = orb.Point{d.lon.Float64, d.lat.Float64}
	// An amenity outside the list (stored before migration 0003 refused
	// them) makes the record unservable: serving it without the amenity
	// would answer filters wrongly, and nothing would say so.
	if d.unknown != nil {
		_, err := data.ParseAmenity(string(d.unknown))
		return fmt.Errorf("decode station %q: amenities: %w", st.ID, err)
	}
	if d.portErr != nil {
		return fmt.Errorf("decode station %q: port: %w", st.ID, d.portErr)
	}
	if d.namesErr != nil {
		return fmt.Errorf("decode station %q: names: %w", st.ID, d.namesErr)
	}
	st.UpdatedAt = st.UpdatedAt.UTC()
	// Hours a newer parser refuses (stored before a parser change) are
	// served as unknown.
	st.Normalize()
	return nil
}

// namesScan scans the text of the names (a jsonb object, as jsonb's
// output gives it: `{"en": "...", "zh": "..."}`) into Names, with the
// values ->> would give: a string unquoted, null as "", any other value
// as its JSON text; keys other than the four are ignored. The usual text,
// without a backslash, is read without a JSON decoder; anything else goes
// through encoding/json. Text that is not a JSON object is noted for
// finish, like a port that does not parse.
type namesScan struct {
	d   *rowDecoder
	dst *data.Names
}

// ScanBytes implements pgtype.BytesScanner.
//
// Names that repeat (a chain's or a town's) are read once and shared,
// up to maxSharedNames of them per decoder, like ports; once the table is
// full and few rows find their names in it, it is no longer consulted.
func (n namesScan) ScanBytes(b []byte) error {
	d := n.d
	if d.namesShared {
		if nm, ok := d.names[string(b)]; ok {
			*n.dst = nm.v
			if nm.ok {
				d.known |= data.KnownNames
			}
			d.namesHits++
			return nil
		}
		d.namesMisses++
	}
	*n.dst = data.Names{}
	if !n.fast(b) {
		if err := n.slow(b); err != nil {
			d.namesErr = err
			return nil
		}
	}
	switch {
	case !d.namesShared:
	case len(d.names) < maxSharedNames:
		d.names[string(b)] = newShared(*n.dst, &data.Station{Names: *n.dst}, data.KnownNames)
	case d.namesMisses > 8*d.namesHits+maxSharedNames:
		d.namesShared = false
	}
	return nil
}

// maxSharedNames bounds the names a rowDecoder shares between records.
const maxSharedNames = 1000

// fast reads b when it has the form jsonb's output gives an object of
// strings without escapes, reporting false (having set nothing that slow
// does not set again) when it has not.
func (n namesScan) fast(b []byte) bool {
	if bytes.IndexByte(b, '\\') >= 0 || len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	// jsonb writes control characters escaped and only valid UTF-8; any
	// other text is left to encoding/json, which refuses or replaces it.
	for _, c := range b {
		if c < 0x20 {
			return false
		}
	}
	if !utf8.Valid(b) {
		return false
	}
	rest := b[1 : len(b)-1]
	for len(rest) > 0 {
		// "key": "value", then ", " or the end.
		if rest[0] != '"' {
			return false
		}
		k := bytes.IndexByte(rest[1:], '"')
		if k < 0 {
			return false
		}
		key := rest[1 : 1+k]
		rest = rest[2+k:]
		if len(rest) < 3 || rest[0] != ':' || rest[1] != ' ' || rest[2] != '"' {
			return false
		}
		rest = rest[3:]
		v := bytes.IndexByte(rest, '"')
		if v < 0 {
			return false
		}
		value := rest[:v]
		rest = rest[v+1:]
		if len(rest) > 0 {
			if len(rest) < 2 || rest[0] != ',' || rest[1] != ' ' {
				return false
			}
			rest = rest[2:]
		}
		if dst := n.field(key); dst != nil {
			*dst = n.d.text(value)
		}
	}
	return true
}

// field is the Names field of key, or nil.
func (n namesScan) field(key []byte) *string {
	switch string(key) {
	case "zh":
		return &n.dst.ZH
	case "en":
		return &n.dst.EN
	case "ru":
		return &n.dst.RU
	case "mn":
		return &n.dst.MN
	}
	return nil
}

func (n namesScan) slow(b []byte) error {
	*n.dst = data.Names{}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		return errors.New("not a JSON object")
	}
	for key, raw := range m {
		dst := n.field([]byte(key))
		if dst == nil {
			continue
		}
		switch {
		case string(raw) == "null":
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			*dst = n.d.text([]byte(s))
		default:
			*dst = n.d.text(raw)
		}
	}
	return nil
}

// internedText scans text into *dst through the decoder's Interner,
// without allocating for a value seen before. The column's last value is
// compared first: most of these columns hold one value in row after row,
// and the comparison costs less than the Interner's hash; then the few
// values before it (a kind column alternates between its seven kinds).
// When the column is a part of the record that ValidateStoredKnown may
// skip (part not 0), each of these values keeps beside it the answer of
// its checks, run when it entered.
type internedText[T ~string] struct {
	d      *rowDecoder
	dst    *T
	part   data.Known
	last   string
	ok     bool              // last passes its checks
	recent [8]shared[string] // values before, replaced in turn
	n      int               // recent[:n] are filled
	next   int
}

func interned[T ~string](d *rowDecoder, dst *T, part data.Known) *internedText[T] {
	return &internedText[T]{d: d, dst: dst, part: part, ok: part != 0 && partValid(part, "")}
}

// ScanBytes implements pgtype.BytesScanner.
func (t *internedText[T]) ScanBytes(b []byte) error {
	if string(b) != t.last {
		t.last, t.ok = t.lookup(b)
	}
	if t.ok {
		t.d.known |= t.part
	}
	*t.dst = T(t.last)
	return nil
}

// lookup gives the shared copy of b and whether it passes its checks.
func (t *internedText[T]) lookup(b []byte) (string, bool) {
	for _, r := range t.recent[:t.n] {
		if r.v == string(b) {
			return r.v, r.ok
		}
	}
	v := t.d.strs.Bytes(b)
	ok := t.part != 0 && partValid(t.part, v)
	t.recent[t.next] = shared[string]{v: v, ok: ok}
	t.next = (t.next + 1) % len(t.recent)
	t.n = min(t.n+1, len(t.recent))
	return v, ok
}

// partValid is Station.StoredValid of a record that holds v as the part
// of it that part names, and nothing else.
func partValid(part data.Known, v string) bool {
	var s data.Station
	switch part {
	case data.KnownKind:
		s.Kind = data.Kind(v)
	case data.KnownStatus:
		s.Status = data.Status(v)
	case data.KnownTimeZone:
		s.TimeZone = v
	case data.KnownSource:
		s.Source = v
	default:
		return false
	}
	return s.StoredValid(part)
}

// countScan scans a nullable integer into an optional count.
type countScan struct {
	d   *rowDecoder
	dst **int
}

// ScanInt64 implements pgtype.Int64Scanner.
func (c *countScan) ScanInt64(v pgtype.Int8) error {
	if !v.Valid {
		*c.dst = nil
		return nil
	}
	*c.dst = c.d.newInt(int(v.Int64))
	return nil
}

// listSep separates the items of a list column as read (see columns): a
// control character, which no amenity or language name holds.
const (
	listSep    = "\x1f"
	listSepSQL = `E'\x1f'`
)

// amenityScan scans the amenities, joined by listSep, into an
// AmenitySet, noting the first name not in the list (see
// rowDecoder.finish).
type amenityScan struct {
	d   *rowDecoder
	set *data.AmenitySet
}

// ScanBytes implements pgtype.BytesScanner. Stored lists are in the
// canonical order (the bits' order, as AmenitySet.Names gives them), so
// each name is first matched against the names after the last one found,
// in place: a few comparisons of short strings instead of a split and a
// hash per name (91 ns of CPU for a list of 7 or 8 names, 112 before; see
// BenchmarkAmenityScan). Any other name is split off and looked up.
func (a *amenityScan) ScanBytes(b []byte) error {
	*a.set = 0
	next := 0
	for len(b) > 0 {
		if j, rest, ok := nextAmenity(b, next); ok {
			*a.set |= 1 << j
			b, next = rest, j+1
			continue
		}
		name := b
		if i := bytes.IndexByte(b, listSep[0]); i >= 0 {
			name, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if bit, ok := amenityBits[string(name)]; ok {
			*a.set |= bit
		} else if a.d.unknown == nil {
			a.d.unknown = append([]byte{}, name...)
		}
	}
	return nil
}

// nextAmenity matches the name b starts with (ended by listSep or the
// end of b) against amenityNames from index from on, giving its index and
// the text after it and its separator.
func nextAmenity(b []byte, from int) (int, []byte, bool) {
	for j := from; j < len(amenityNames); j++ {
		n := amenityNames[j]
		if len(b) < len(n) || b[0] != n[0] || string(b[:len(n)]) != n {
			continue
		}
		switch {
		case len(b) == len(n):
			return j, nil, true
		case b[len(n)] == listSep[0]:
			return j, b[len(n)+1:], true
		}
	}
	return 0, nil, false
}

// amenityNames are the amenities' names, in the order of their bits.
var amenityNames = func() []string {
	var out []string
	for _, a := range data.Amenities() {
		out = append(out, string(a))
	}
	return out
}()

// amenityBits maps each amenity name to its bit in an AmenitySet.
var amenityBits = func() map[string]data.AmenitySet {
	all := data.Amenities()
	m := make(map[string]data.AmenitySet, len(all))
	for i, a := range all {
		m[string(a)] = 1 << i
	}
	return m
}()

// languageScan scans the staff languages, joined by listSep. The few
// distinct lists are shared between records (records never modify them).
type languageScan struct {
	d   *rowDecoder
	dst *[]string
}

// ScanBytes implements pgtype.BytesScanner.
func (l *languageScan) ScanBytes(b []byte) error {
	if len(b) == 0 {
		*l.dst = nil
		return nil
	}
	d := l.d
	if list, ok := d.langs[string(b)]; ok {
		*l.dst = list.v
		if list.ok {
			d.known |= data.KnownLanguages
		}
		return nil
	}
	list := strings.Split(string(b), listSep)
	for i, s := range list {
		list[i] = d.strs.String(s)
	}
	if len(d.langs) < 1000 {
		d.langs[string(b)] = newShared(list, &data.Station{Languages: list}, data.KnownLanguages)
	}
	*l.dst = list
	return nil
}

// portScan scans the port column, JSON text or NULL, into a *PortInfo. A
// value that does not fit (written by plain SQL) is noted for finish, so
// that it makes its record unservable rather than the whole read fail.
type portScan struct {
	d   *rowDecoder
	dst **data.PortInfo
}

// ScanBytes implements pgtype.BytesScanner. The few distinct ports (a
// country and its modes) are parsed once and shared between records,
// which never modify them, like the staff languages.
func (p *portScan) ScanBytes(b []byte) error {
	if b == nil {
		*p.dst = nil
		return nil
	}
	d := p.d
	if port, ok := d.ports[string(b)]; ok {
		*p.dst = port.v
		if port.ok {
			d.known |= data.KnownPort
		}
		return nil
	}
	port := new(data.PortInfo)
	if err := json.Unmarshal(b, port); err != nil {
		d.portErr = err
		return nil
	}
	if d.ports == nil {
		d.ports = make(map[string]shared[*data.PortInfo])
	}
	if len(d.ports) < 1000 {
		d.ports[string(b)] = newShared(port, &data.Station{Port: port}, data.KnownPort)
	}
	*p.dst = port
	return nil
}

// namesJSON is json.Marshal(n) without reflection, byte for byte (a test
// compares them): an import encodes a million of them.
func namesJSON(n data.Names) string {
	b := make([]byte, 0, 16+len(n.ZH)+len(n.EN)+len(n.RU)+len(n.MN))
	b = append(b, '{')
	for _, m := range [...]struct{ key, value string }{{`"zh":`, n.ZH}, {`"en":`, n.EN}, {`"ru":`, n.RU}, {`"mn":`, n.MN}} {
		if m.value == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, m.key...)
		b = data.AppendJSONString(b, m.value, true)
	}
	return string(append(b, '}'))
}
