package postgis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// copyRows is an io.Writer that takes the data of a binary COPY ... TO
// STDOUT as it streams in (pgconn's CopyTo writes it message by message)
// and hands each complete row to row, as a scanner of its fields. At a
// million rows pgx's general scanning (a plan per field, through
// interfaces) costs a good part of the load; this reads the few types
// the rowDecoder's targets take (see copyRow.Scan) straight from the
// bytes.
type copyRows struct {
	row    func(r *copyRow) error
	buf    []byte // the start of a row that has not fully arrived
	header bool   // the header was read
	done   bool   // the trailer was read
	r      copyRow
}

func newCopyRows(row func(r *copyRow) error) *copyRows { return &copyRows{row: row} }

// errCopyFormat is COPY data that does not parse.
var errCopyFormat = errors.New("binary copy data malformed")

// Write implements io.Writer.
func (c *copyRows) Write(p []byte) (int, error) {
	data := p
	if len(c.buf) > 0 {
		c.buf = append(c.buf, p...)
		data = c.buf
	}
	rest, err := c.parse(data)
	if err != nil {
		return 0, err
	}
	// Keep what is left of a row (pgconn reuses p once Write returns).
	c.buf = append(c.buf[:0], rest...)
	return len(p), nil
}

// parse reads every complete row of data and returns what is left.
func (c *copyRows) parse(data []byte) ([]byte, error) {
	if !c.header {
		// The signature, the flags, the length of the extension and the
		// extension itself.
		if len(data) < len(copyHeader) {
			return data, nil
		}
		if !bytes.HasPrefix(data, []byte(copyHeader[:11])) {
			return nil, fmt.Errorf("%w: no signature", errCopyFormat)
		}
		ext := int(binary.BigEndian.Uint32(data[15:19]))
		if len(data) < 19+ext {
			return data, nil
		}
		data, c.header = data[19+ext:], true
	}
	for len(data) > 0 {
		if c.done {
			return nil, fmt.Errorf("%w: data after the trailer", errCopyFormat)
		}
		if len(data) < 2 {
			return data, nil
		}
		n := int16(binary.BigEndian.Uint16(data))
		if n == -1 {
			c.done = true
			data = data[2:]
			continue
		}
		if n < 0 {
			return nil, fmt.Errorf("%w: %d fields", errCopyFormat, n)
		}
		fields, off := c.r.fields[:0], 2
		complete := true
		for range n {
			if len(data) < off+4 {
				complete = false
				break
			}
			size := int32(binary.BigEndian.Uint32(data[off:]))
			off += 4
			if size < 0 {
				fields = append(fields, nil) // NULL
				continue
			}
			if len(data) < off+int(size) {
				complete = false
				break
			}
			// A field is never nil unless NULL, even when empty.
			fields = append(fields, data[off:off+int(size):off+int(size)])
			off += int(size)
		}
		c.r.fields = fields
		if !complete {
			return data, nil
		}
		if err := c.row(&c.r); err != nil {
			return nil, err
		}
		data = data[off:]
	}
	return data, nil
}

// finish reports data that ended inside a row or before the trailer.
func (c *copyRows) finish() error {
	if len(c.buf) > 0 || !c.done {
		return fmt.Errorf("%w: it ends early", errCopyFormat)
	}
	return nil
}

// copyRow is one row of binary COPY data, as a scanner.
type copyRow struct {
	fields [][]byte // nil for NULL; valid during copyRows.row only
}

// pgEpoch is the zero of PostgreSQL's timestamps, in Unix microseconds.
const pgEpoch = 946_684_800_000_000

// Scan decodes the row's fields into dest, one each, of the kinds
// rowDecoder's targets are: a BytesScanner takes the bytes of text (nil
// for NULL), an Int64Scanner an integer, *pgtype.Float8 a float8, and
// *int64, *bool and *time.Time a bigint, a boolean and a timestamptz that
// are not NULL. Anything else is an error, as is a field of the wrong
// size.
func (r *copyRow) Scan(dest ...any) error {
	if len(dest) != len(r.fields) {
		return fmt.Errorf("%w: %d fields for %d targets", errCopyFormat, len(r.fields), len(dest))
	}
	for i, d := range dest {
		f := r.fields[i]
		var err error
		switch t := d.(type) {
		case pgtype.BytesScanner:
			err = t.ScanBytes(f)
		case *pgtype.Float8:
			switch {
			case f == nil:
				*t = pgtype.Float8{}
			case len(f) == 8:
				*t = pgtype.Float8{Float64: math.Float64frombits(binary.BigEndian.Uint64(f)), Valid: true}
			default:
				err = errFieldSize
			}
		case pgtype.Int64Scanner:
			switch len(f) {
			case 0:
				if f != nil {
					err = errFieldSize
					break
				}
				err = t.ScanInt64(pgtype.Int8{})
			case 2:
				err = t.ScanInt64(pgtype.Int8{Int64: int64(int16(binary.BigEndian.Uint16(f))), Valid: true})
			case 4:
				err = t.ScanInt64(pgtype.Int8{Int64: int64(int32(binary.BigEndian.Uint32(f))), Valid: true})
			case 8:
				err = t.ScanInt64(pgtype.Int8{Int64: int64(binary.BigEndian.Uint64(f)), Valid: true})
			default:
				err = errFieldSize
			}
		case *int64:
			if len(f) != 8 {
				err = errFieldSize
				break
			}
			*t = int64(binary.BigEndian.Uint64(f))
		case *bool:
			if len(f) != 1 {
				err = errFieldSize
				break
			}
			*t = f[0] != 0
		case *time.Time:
			if len(f) != 8 {
				err = errFieldSize
				break
			}
			us := int64(binary.BigEndian.Uint64(f))
			if us == math.MaxInt64 || us == math.MinInt64 || us > math.MaxInt64-pgEpoch {
				err = errors.New("an infinite time")
				break
			}
			*t = time.UnixMicro(pgEpoch + us).UTC()
		default:
			err = fmt.Errorf("cannot decode into %T", d)
		}
		if err != nil {
			return fmt.Errorf("field %d: %w", i+1, err)
		}
	}
	return nil
}

// errFieldSize is a field whose size does not fit its target (or NULL
// where none may be).
var errFieldSize = errors.New("a field of the wrong size, or NULL")
