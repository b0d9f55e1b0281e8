package postgis

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"yizhan/roads"
)

// RoadChannel is the NOTIFY channel the roads triggers signal on (see
// migrations/0004_roads.sql).
const RoadChannel = "yizhan_roads"

// roadLockKey is the transaction advisory lock the roads triggers take per
// writing statement; ReplaceRoads takes it first, in the same order.
const roadLockKey = 7263540915042002

// MaxRoadVertices bounds the vertices of one stored way: roads.MaxWayVertices,
// which the table's CHECK constraint repeats.
const MaxRoadVertices = roads.MaxWayVertices

// roadColumn is one written column of the roads table: its name, the type
// of its staging column, and the value ReplaceRoads sends for a way (part
// numbers the pieces of one way id, see the migration). The
// list is the one definition of the table's shape in Go: the staging
// table, COPY, the UPDATE and INSERT lists and the change check are built
// from it, and LoadRoads reads the same columns in the same order.
type roadColumn struct {
	name, typ string
	value     func(w *roads.Way, part int32) any
	// text, for the raw tag columns, is the field a read fills.
	text func(w *roads.Way) *string
}

func tagColumn(name string, f func(w *roads.Way) *string) roadColumn {
	return roadColumn{name: name, typ: "text", value: func(w *roads.Way, _ int32) any { return *f(w) }, text: f}
}

var roadColumns = []roadColumn{
	{name: "id", typ: "bigint", value: func(w *roads.Way, _ int32) any { return w.ID }},
	{name: "part", typ: "integer", value: func(_ *roads.Way, part int32) any { return part }},
	{name: "geom", typ: "geometry(LineString, 4326)", value: func(w *roads.Way, _ int32) any { return lineEWKB(w.Geometry) }},
	{name: "nodes", typ: "bigint[]", value: func(w *roads.Way, _ int32) any { return w.Nodes }},
	tagColumn("class", func(w *roads.Way) *string { return &w.Class }),
	tagColumn("maxspeed", func(w *roads.Way) *string { return &w.MaxSpeed }),
	tagColumn("oneway", func(w *roads.Way) *string { return &w.Oneway }),
	tagColumn("junction", func(w *roads.Way) *string { return &w.Junction }),
	tagColumn("access", func(w *roads.Way) *string { return &w.Access }),
	tagColumn("motor_vehicle", func(w *roads.Way) *string { return &w.MotorVehicle }),
	tagColumn("hgv", func(w *roads.Way) *string { return &w.HGV }),
	tagColumn("foot", func(w *roads.Way) *string { return &w.Foot }),
	tagColumn("bicycle", func(w *roads.Way) *string { return &w.Bicycle }),
	tagColumn("maxweight", func(w *roads.Way) *string { return &w.MaxWeight }),
	tagColumn("maxheight", func(w *roads.Way) *string { return &w.MaxHeight }),
}

// The SQL built from roadColumns.
var (
	roadNames = func() []string {
		out := make([]string, len(roadColumns))
		for i, c := range roadColumns {
			out[i] = c.name
		}
		return out
	}()
	roadStageSQL = func() string {
		parts := make([]string, len(roadColumns))
		for i, c := range roadColumns {
			parts[i] = c.name + " " + c.typ
		}
		return strings.Join(parts, ", ")
	}()
	// roadSetSQL sets every written column (but the key) from staging row i.
	roadSetSQL = func() string {
		var parts []string
		for _, c := range roadColumns[2:] {
			parts = append(parts, c.name+" = i."+c.name)
		}
		return strings.Join(parts, ", ")
	}()
	// roadChangedSQL is true when staging row i differs from stored row r.
	roadChangedSQL = func() string {
		var parts []string
		for _, c := range roadColumns[2:] {
			parts = append(parts, "r."+c.name+" IS DISTINCT FROM i."+c.name)
		}
		return strings.Join(parts, " OR ")
	}()
	// roadSelectSQL reads a stored way: the id, the geometry as plain
	// WKB, then every later written column in roadColumns order, then the
	// version.
	roadSelectSQL = func() string {
		parts := []string{"id", "ST_AsBinary(geom)"}
		parts = append(parts, roadNames[3:]...)
		return strings.Join(append(parts, "version"), ", ")
	}()
)

// RoadImport says what ReplaceRoads did to the roads table.
type RoadImport struct {
	Region    string        `json:"region"`
	Ways      int           `json:"ways"`      // ways (pieces of ways) given and written, Rejected aside
	Inserted  int64         `json:"inserted"`  // ways new to the table (a tombstone revived is Updated)
	Updated   int64         `json:"updated"`   // stored ways that changed
	Deleted   int64         `json:"deleted"`   // ways of the region the input no longer has, now tombstones
	Unchanged int64         `json:"unchanged"` // ways stored as given: they keep their version
	Rejected  []RoadProblem `json:"rejected,omitempty"`
	Version   int64         `json:"version"` // the table's highest version after the import
}

// Changed counts the ways whose rows changed: what followers rebuild for.
func (r *RoadImport) Changed() int64 { return r.Inserted + r.Updated + r.Deleted }

// RoadProblem is a way that cannot be stored or served, and why.
type RoadProblem struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
}

func (p RoadProblem) String() string { return fmt.Sprintf("way %d: %s", p.ID, p.Reason) }

// ReplaceRoads makes ways the roads of region, in one transaction: ways
// new to the table are inserted, stored ways that differ are updated
// (whatever region held them before: the latest import to carry a way
// owns it), and the live ways of region that ways does not hold become
// tombstones. Ways stored as given are left alone and keep their version,
// so importing the same file again changes nothing and wakes no server.
// Other regions are untouched. Ways that roads.CheckWay refuses are reported
// in Rejected and not written (a stored way of region with their id is
// then deleted, as the input no longer has a usable one). A way id given
// several times is a way in pieces (cut by the extract's edge): each
// piece is stored, numbered in input order. Followers see the whole
// import at once, never a part of it.
//
// Rows go through COPY into a temporary table and three set-based
// statements, so 10^5 ways take seconds.
func (db *DB) ReplaceRoads(ctx context.Context, region string, ways []roads.Way) (RoadImport, error) {
	rep := RoadImport{Region: region}
	if strings.TrimSpace(region) == "" {
		return rep, errors.New("replace roads: no region: every import of roads names the region it replaces")
	}
	// part[i] numbers ways[i] among the pieces of its id.
	part := make([]int32, len(ways))
	pieces := make(map[int64]int32, len(ways))
	keep := make([]int, 0, len(ways))
	for i := range ways {
		id := ways[i].ID
		part[i] = pieces[id]
		pieces[id]++
		if reason := roads.CheckWay(&ways[i]); reason != "" {
			rep.Rejected = append(rep.Rejected, RoadProblem{ID: id, Reason: reason})
			continue
		}
		keep = append(keep, i)
	}
	rep.Ways = len(keep)

	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(roadLockKey)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL yizhan.roads_upsert = 'on'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE roads_in (`+roadStageSQL+`) ON COMMIT DROP`); err != nil {
			return err
		}
		next := 0
		row := make([]any, len(roadColumns))
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if next == len(keep) {
				return nil, nil
			}
			if next%4096 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			k := keep[next]
			next++
			for i, c := range roadColumns {
				row[i] = c.value(&ways[k], part[k])
			}
			return row, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"roads_in"}, roadNames, src); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		// The index keeps every plan below linear work per row: the
		// planner cannot know how many rows of the region this
		// transaction has just written (the table's statistics predate
		// them), and with a guess of one it would scan the whole staging
		// table once for each of them to find the ways to delete.
		if _, err := tx.Exec(ctx, `CREATE UNIQUE INDEX ON roads_in (id, part); ANALYZE roads_in (id, part)`); err != nil {
			return err
		}
		// Updates first (tombstones of the same id included), then
		// inserts of the ids the table has never held: an INSERT ... ON
		// CONFLICT would run the version trigger's per-row lookup, which
		// yizhan.roads_upsert skips on that promise.
		updated, err := tx.Exec(ctx, `UPDATE roads AS r SET `+roadSetSQL+`, region = $1, deleted = false
			FROM roads_in AS i WHERE r.id = i.id AND r.part = i.part AND (r.deleted OR r.region IS DISTINCT FROM $1 OR `+roadChangedSQL+`)`, region)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		inserted, err := tx.Exec(ctx, `INSERT INTO roads (`+strings.Join(roadNames, ", ")+`, region)
			SELECT `+strings.Join(prefixed("i.", roadNames), ", ")+`, $1
			FROM roads_in AS i WHERE NOT EXISTS (SELECT 1 FROM roads AS r WHERE r.id = i.id AND r.part = i.part)`, region)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		deleted, err := tx.Exec(ctx, `UPDATE roads AS r SET deleted = true
			WHERE r.region = $1 AND NOT r.deleted AND NOT EXISTS (SELECT 1 FROM roads_in AS i WHERE i.id = r.id AND i.part = r.part)`, region)
		if err != nil {
			return fmt.Errorf("delete the ways the input no longer has: %w", err)
		}
		rep.Inserted, rep.Deleted = inserted.RowsAffected(), deleted.RowsAffected()
		// A region-only change (a way moving to this region) is an update
		// of a row, but not of the way: the trigger counts it as a change
		// all the same, since the row differs.
		rep.Updated = updated.RowsAffected()
		rep.Unchanged = int64(len(keep)) - rep.Inserted - rep.Updated
		return tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM roads").Scan(&rep.Version)
	})
	if err != nil {
		return rep, fmt.Errorf("replace roads of region %q: %w", region, classify(err))
	}
	return rep, nil
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// RoadsVersion is the highest version in the roads table, tombstones
// included: it moves with every change, so a server whose network was
// built at a lower one rebuilds.
func (db *DB) RoadsVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM roads").Scan(&v); err != nil {
		return 0, fmt.Errorf("read roads version: %w", classifyRead(err))
	}
	return v, nil
}

// LoadRoads reads every live way and the highest version in the table
// (tombstones included), in one repeatable-read snapshot so that the two
// agree. A stored way that cannot be served (roads.CheckWay, or a geometry that
// is not a line) is left out and returned in skipped with its reason;
// it never stops the others.
func (db *DB) LoadRoads(ctx context.Context) (ways []roads.Way, version int64, skipped []RoadProblem, err error) {
	err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var estimate float32
		if err := tx.QueryRow(ctx, `SELECT (SELECT coalesce(max(version), 0) FROM roads),
			(SELECT reltuples FROM pg_class WHERE oid = 'roads'::regclass)`).Scan(&version, &estimate); err != nil {
			return err
		}
		ways = make([]roads.Way, 0, max(0, int(estimate))+16)
		rows, err := tx.Query(ctx, "SELECT "+roadSelectSQL+" FROM roads WHERE NOT deleted",
			pgx.QueryResultFormats{pgx.BinaryFormatCode})
		if err != nil {
			return err
		}
		defer rows.Close()
		intern := map[string]string{}
		var (
			wkb     []byte
			rowVer  int64
			w       roads.Way
			targets = make([]any, 0, len(roadColumns)+1)
		)
		targets = append(targets, &w.ID, &wkb, &w.Nodes)
		for _, c := range roadColumns[4:] {
			targets = append(targets, c.text(&w))
		}
		targets = append(targets, &rowVer)
		for n := 0; rows.Next(); n++ {
			if n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			w = roads.Way{}
			if err := rows.Scan(targets...); err != nil {
				return fmt.Errorf("scan way: %w", err)
			}
			line, err := decodeLineWKB(wkb)
			if err != nil {
				skipped = append(skipped, RoadProblem{ID: w.ID, Reason: fmt.Sprintf("version %d: geometry: %v", rowVer, err)})
				continue
			}
			w.Geometry = line
			if reason := roads.CheckWay(&w); reason != "" {
				skipped = append(skipped, RoadProblem{ID: w.ID, Reason: fmt.Sprintf("version %d: %s", rowVer, reason)})
				continue
			}
			// Tag values repeat across most ways (a few dozen classes,
			// "yes", "no", "50"): one copy of each.
			for _, c := range roadColumns[4:] {
				p := c.text(&w)
				if *p == "" {
					continue
				}
				if s, ok := intern[*p]; ok {
					*p = s
				} else if len(intern) < 1<<16 {
					intern[*p] = *p
				}
			}
			ways = append(ways, w)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, nil, fmt.Errorf("load roads: %w", classifyRead(err))
	}
	return ways, version, skipped, nil
}

// classifyRead is classify for reads of the roads table, where a missing
// privilege is the grant a serving role lacks, not a write privilege.
func classifyRead(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return fmt.Errorf("this server's database role may not read the roads table (GRANT SELECT ON roads TO the role, as the table's owner): %w", err)
	}
	return classify(err)
}

// WKB geometry type codes and the EWKB flag that an SRID follows.
const (
	wkbLineString = 2
	ewkbSRIDFlag  = 0x20000000
	srid4326      = 4326
)

// lineEWKB encodes ls as little-endian EWKB with SRID 4326, the binary
// form PostGIS reads for a geometry column (COPY in binary format).
func lineEWKB(ls orb.LineString) []byte {
	b := make([]byte, 0, 13+16*len(ls))
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint32(b, wkbLineString|ewkbSRIDFlag)
	b = binary.LittleEndian.AppendUint32(b, srid4326)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ls)))
	for _, p := range ls {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
	}
	return b
}

// decodeLineWKB decodes a 2D LineString from WKB (or EWKB with an SRID),
// either byte order. Anything else is an error: the column's type allows
// only LineStrings, but the bytes are checked before a single vertex is
// allocated, so no input makes it allocate more than it holds.
func decodeLineWKB(b []byte) (orb.LineString, error) {
	if len(b) < 9 {
		return nil, fmt.Errorf("%d bytes of WKB; a line string needs at least 9", len(b))
	}
	var order binary.ByteOrder
	switch b[0] {
	case 0:
		order = binary.BigEndian
	case 1:
		order = binary.LittleEndian
	default:
		return nil, fmt.Errorf("WKB byte order %d: want 0 or 1", b[0])
	}
	typ := order.Uint32(b[1:])
	b = b[5:]
	if typ&ewkbSRIDFlag != 0 {
		if len(b) < 4 {
			return nil, errors.New("WKB ends inside the SRID")
		}
		typ &^= ewkbSRIDFlag
		b = b[4:]
	}
	if typ != wkbLineString {
		return nil, fmt.Errorf("WKB geometry type %#x: want a 2D LineString (2)", typ)
	}
	if len(b) < 4 {
		return nil, errors.New("WKB ends before the vertex count")
	}
	n := order.Uint32(b)
	b = b[4:]
	if uint64(len(b)) != 16*uint64(n) {
		return nil, fmt.Errorf("WKB holds %d bytes for %d vertices; want %d", len(b), n, 16*uint64(n))
	}
	ls := make(orb.LineString, n)
	for i := range ls {
		ls[i] = orb.Point{
			math.Float64frombits(order.Uint64(b[16*i:])),
			math.Float64frombits(order.Uint64(b[16*i+8:])),
		}
	}
	return ls, nil
}
