package postgis

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"yizhan/data/internal/recordtest"
)

// stagedCopyData is binary COPY data of n records as the staging table
// takes them (copyBinary): text, float8, integer and array fields, NULLs
// among them.
func stagedCopyData(t testing.TB, n int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(41, 42))
	stations := recordtest.Random(r, n/2)
	for i := range n - n/2 {
		stations = append(stations, recordtest.Rich(r, i))
	}
	next := 0
	raw, err := io.ReadAll(newCopyBinary(stageTypes, func(dst []any) ([]any, error) {
		if next == len(stations) {
			return nil, nil
		}
		next++
		return appendRowValues(dst, stations[next-1])
	}))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// readCopyRows feeds data to a copyRows in pieces cut at cuts and returns
// every row's fields as text (NULL and empty told apart), or the error.
func readCopyRows(data []byte, cuts []int) ([]string, error) {
	var rows []string
	c := newCopyRows(func(r *copyRow) error {
		var b bytes.Buffer
		for _, f := range r.fields {
			if f == nil {
				b.WriteString("NULL|")
				continue
			}
			fmt.Fprintf(&b, "%q|", f)
		}
		rows = append(rows, b.String())
		return nil
	})
	prev := 0
	for _, cut := range append(cuts, len(data)) {
		cut = max(prev, min(cut, len(data)))
		if _, err := c.Write(data[prev:cut]); err != nil {
			return nil, err
		}
		prev = cut
	}
	return rows, c.finish()
}

// TestCopyRowsPieces: rows read from COPY data are the same whether it
// comes in one piece, one byte at a time or cut anywhere, and are the
// rows written; data cut short is an error, not rows lost in silence.
func TestCopyRowsPieces(t *testing.T) {
	raw := stagedCopyData(t, 60)
	whole, err := readCopyRows(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) != 60 {
		t.Fatalf("%d rows; want 60", len(whole))
	}
	var bytewise []int
	for i := range raw {
		bytewise = append(bytewise, i)
	}
	r := rand.New(rand.NewPCG(43, 44))
	for k := range 20 {
		cuts := bytewise
		if k > 0 {
			cuts = nil
			for range 1 + r.IntN(40) {
				cuts = append(cuts, r.IntN(len(raw)))
			}
			slices.Sort(cuts)
		}
		got, err := readCopyRows(raw, cuts)
		if err != nil {
			t.Fatalf("cut at %v: %v", cuts, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(whole) {
			t.Fatalf("cut at %v: rows differ", cuts)
		}
	}
	for _, n := range []int{0, 5, 19, 40, len(raw) - 1} {
		if _, err := readCopyRows(raw[:n], nil); err == nil {
			t.Errorf("data cut at %d of %d bytes: no error", n, len(raw))
		}
	}
}

// TestCopyRowScan: each kind of field decodes into its target, NULLs and
// wrong sizes as the scanner's rules say.
func TestCopyRowScan(t *testing.T) {
	be := func(n int, v uint64) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, v)
		return b[8-n:]
	}
	d := newRowDecoder()
	var (
		st      = d.newStation()
		version int64
		deleted bool
	)
	targets := []any{arenaText{d, &st.ID}, &d.lon, &countScan{d: d, dst: &st.Beds}, &version, &deleted, &st.UpdatedAt}
	row := &copyRow{fields: [][]byte{[]byte("a"), be(8, 0x405bc00000000000), be(4, 7), be(8, 42), {1}, be(8, 1)}}
	if err := row.Scan(targets...); err != nil {
		t.Fatal(err)
	}
	if st.ID != "a" || d.lon.Float64 != 111 || !d.lon.Valid || st.Beds == nil || *st.Beds != 7 || version != 42 || !deleted ||
		st.UpdatedAt.UnixMicro() != pgEpoch+1 || st.UpdatedAt.Location().String() != "UTC" {
		t.Errorf("scanned %q %v %v %d %v %v", st.ID, d.lon, st.Beds, version, deleted, st.UpdatedAt)
	}
	row = &copyRow{fields: [][]byte{nil, nil, nil, be(8, 1), {0}, be(8, 0)}}
	if err := row.Scan(targets...); err != nil || st.ID != "" || d.lon.Valid || st.Beds != nil {
		t.Errorf("NULLs scanned as %q %v %v, %v", st.ID, d.lon, st.Beds, err)
	}
	for i, fields := range [][][]byte{
		{nil, be(4, 1), nil, be(8, 1), {0}, be(8, 0)},  // a float8 of 4 bytes
		{nil, nil, be(3, 1), be(8, 1), {0}, be(8, 0)},  // an integer of 3 bytes
		{nil, nil, nil, nil, {0}, be(8, 0)},            // NULL version
		{nil, nil, nil, be(8, 1), nil, be(8, 0)},       // NULL deleted
		{nil, nil, nil, be(8, 1), {0}, be(8, 1<<63-1)}, // infinity
		{nil, nil, nil, be(8, 1), {0}},                 // a field short
	} {
		if err := (&copyRow{fields: fields}).Scan(targets...); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

// FuzzCopyRows: any bytes either parse or fail, never panic, and give the
// same rows (or the same failure) however they are cut.
func FuzzCopyRows(f *testing.F) {
	f.Add(stagedCopyData(f, 4), 7)
	f.Add([]byte(copyHeader+"\x00\x01\xff\xff\xff\xff\xff\xff"), 3)
	f.Add([]byte(copyHeader+"\x00\x02\x00\x00\x00\x01a"), 20)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		whole, errWhole := readCopyRows(data, nil)
		split, errSplit := readCopyRows(data, []int{max(0, cut)})
		if (errWhole == nil) != (errSplit == nil) {
			t.Fatalf("whole: %v; cut at %d: %v", errWhole, cut, errSplit)
		}
		if errWhole == nil && fmt.Sprint(whole) != fmt.Sprint(split) {
			t.Fatalf("cut at %d: rows differ", cut)
		}
	})
}
