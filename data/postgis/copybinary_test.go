package postgis

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"yizhan/data/internal/recordtest"
)

// TestCopyBinaryReads: the COPY data is the same however the reader is
// read, in one call or in small pieces that make it keep a remainder.
func TestCopyBinaryReads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	stations := recordtest.Random(r, 50)
	for i := range 50 {
		stations = append(stations, recordtest.Rich(r, i))
	}
	reader := func() *copyBinary {
		next := 0
		return newCopyBinary(stageTypes, func(dst []any) ([]any, error) {
			if next == len(stations) {
				return nil, nil
			}
			next++
			return appendRowValues(dst, stations[next-1])
		})
	}
	whole, err := io.ReadAll(reader())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(whole, []byte(copyHeader)) || !bytes.HasSuffix(whole, []byte{0xff, 0xff}) {
		t.Fatalf("COPY data lacks its header or trailer")
	}
	c := reader()
	var pieces []byte
	for {
		p := make([]byte, 1+r.IntN(300))
		n, err := c.Read(p)
		pieces = append(pieces, p[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(pieces, whole) {
		t.Errorf("read in pieces: %d bytes differ from %d read at once", len(pieces), len(whole))
	}
}
