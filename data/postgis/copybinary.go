package postgis

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// copyBinary is an io.Reader of rows in PostgreSQL's binary COPY format,
// encoded straight from the values appendRowValues gives, one row at a
// time as the reader is read: at a million rows, pgx's general encoding
// of every value costs seconds of CPU that this does not.
//
// types are the staged columns' SQL types, in order; each row's values
// must match them: text and jsonb a string, float8 a float64, integer an
// int32 or a *int (nil for NULL), bigint an int64, text[] a []string,
// geometry an orb.Point (in SRID 4326), and nil for NULL.
type copyBinary struct {
	types []string
	next  func(dst []any) ([]any, error) // the next row's values appended to dst, or nil at the end
	vals  []any
	buf   []byte
	off   int
	done  bool
}

// copyHeader starts binary COPY data: the signature, no flags, no extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// textOID is the element type of a text[] (pg_type.oid of text).
const textOID = 25

func newCopyBinary(types []string, next func(dst []any) ([]any, error)) *copyBinary {
	return &copyBinary{types: types, next: next, buf: append(make([]byte, 0, 1<<16), copyHeader...)}
}

// Read implements io.Reader.
func (c *copyBinary) Read(p []byte) (int, error) {
	if c.off > 0 && len(c.buf)-c.off < len(p) && !c.done {
		// Keep what is left at the front, so that the buffer does not grow.
		c.buf, c.off = c.buf[:copy(c.buf, c.buf[c.off:])], 0
	}
	for len(c.buf)-c.off < len(p) && !c.done {
		vals, err := c.next(c.vals[:0])
		if err != nil {
			return 0, err
		}
		if vals == nil {
			c.buf = binary.BigEndian.AppendUint16(c.buf, 0xffff) // the trailer: -1
			c.done = true
			break
		}
		c.vals = vals
		if c.buf, err = c.appendRow(c.buf, vals); err != nil {
			return 0, err
		}
	}
	if c.off == len(c.buf) {
		return 0, io.EOF
	}
	n := copy(p, c.buf[c.off:])
	c.off += n
	return n, nil
}

// appendRow appends one row: the field count, then each field as its
// length (-1 for NULL) and its bytes.
func (c *copyBinary) appendRow(b []byte, vals []any) ([]byte, error) {
	if len(vals) != len(c.types) {
		return nil, fmt.Errorf("copy: %d values for %d columns", len(vals), len(c.types))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(vals)))
	for i, v := range vals {
		if v == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
			continue
		}
		switch c.types[i] {
		case "text", "jsonb":
			s, ok := v.(string)
			if !ok {
				return nil, c.mismatch(i, v)
			}
			if c.types[i] == "jsonb" {
				b = binary.BigEndian.AppendUint32(b, uint32(1+len(s)))
				b = append(b, 1) // the jsonb format version
			} else {
				b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
			}
			b = append(b, s...)
		case "float8":
			f, ok := v.(float64)
			if !ok {
				return nil, c.mismatch(i, v)
			}
			b = binary.BigEndian.AppendUint32(b, 8)
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(f))
		case "integer":
			var n int64
			switch x := v.(type) {
			case int32:
				n = int64(x)
			case *int:
				if x == nil {
					b = binary.BigEndian.AppendUint32(b, math.MaxUint32)
					continue
				}
				n = int64(*x)
			default:
				return nil, c.mismatch(i, v)
			}
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("copy: column %d: %d does not fit an integer", i+1, n)
			}
			b = binary.BigEndian.AppendUint32(b, 4)
			b = binary.BigEndian.AppendUint32(b, uint32(int32(n)))
		case "bigint":
			n, ok := v.(int64)
			if !ok {
				return nil, c.mismatch(i, v)
			}
			b = binary.BigEndian.AppendUint32(b, 8)
			b = binary.BigEndian.AppendUint64(b, uint64(n))
		case "geometry":
			p, ok := v.(orb.Point)
			if !ok {
				return nil, c.mismatch(i, v)
			}
			b = appendEWKBPoint(b, p)
		case "text[]":
			list, ok := v.([]string)
			if !ok {
				return nil, c.mismatch(i, v)
			}
			b = appendTextArray(b, list)
		default:
			return nil, fmt.Errorf("copy: column %d: no binary encoding for %s", i+1, c.types[i])
		}
	}
	return b, nil
}

func (c *copyBinary) mismatch(i int, v any) error {
	return fmt.Errorf("copy: column %d (%s): cannot encode a %T", i+1, c.types[i], v)
}

// appendEWKBPoint appends a point in SRID 4326 as PostGIS's binary
// input of geometry reads it, with its length: extended WKB, little
// endian, the SRID flag set on the type.
func appendEWKBPoint(b []byte, p orb.Point) []byte {
	const (
		pointType = 1
		sridFlag  = 0x20000000
		srid      = 4326
	)
	b = binary.BigEndian.AppendUint32(b, 1+4+4+8+8)
	b = append(b, 1) // little endian
	b = binary.LittleEndian.AppendUint32(b, pointType|sridFlag)
	b = binary.LittleEndian.AppendUint32(b, srid)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Lon()))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Lat()))
}

// appendTextArray appends a one-dimensional text[] without NULLs (an
// empty one has no dimension), with its length.
func appendTextArray(b []byte, list []string) []byte {
	size := 12
	if len(list) > 0 {
		size += 8
	}
	for _, s := range list {
		size += 4 + len(s)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	ndim := uint32(0)
	if len(list) > 0 {
		ndim = 1
	}
	b = binary.BigEndian.AppendUint32(b, ndim)
	b = binary.BigEndian.AppendUint32(b, 0) // no NULLs
	b = binary.BigEndian.AppendUint32(b, textOID)
	if len(list) > 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(len(list)))
		b = binary.BigEndian.AppendUint32(b, 1) // lower bound
	}
	for _, s := range list {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// stageTypes are the SQL types of the staged columns, in stageNames order.
var stageTypes = stageEntries(func(s string) string { _, typ, _ := strings.Cut(s, " "); return typ })
