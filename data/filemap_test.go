package data

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// exportFile writes an export of stations to a file of at least
// minMappedFile bytes, so that DecodeStations maps it where it can.
func exportFile(t *testing.T) (string, []byte) {
	t.Helper()
	var stations []*Station
	for i := 0; ; i++ {
		st := sampleStation(i)
		stations = append(stations, st)
		if len(stations)%1000 == 0 {
			var buf bytes.Buffer
			if err := EncodeStations(&buf, stations); err != nil {
				t.Fatal(err)
			}
			if buf.Len() >= minMappedFile {
				path := filepath.Join(t.TempDir(), "stations.geojson")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return path, buf.Bytes()
			}
		}
	}
}

// TestDecodeMappedFileAgrees reads a file large enough to be mapped and
// the same text from memory: the same records and problems. The records
// are encoded again after the mapping is given back, which would fault
// if any text still pointed into it.
func TestDecodeMappedFileAgrees(t *testing.T) {
	path, text := exportFile(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, gotProblems, err := DecodeStations(f)
	if err != nil {
		t.Fatal(err)
	}
	want, wantProblems, err := DecodeStations(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(gotProblems) != len(wantProblems) {
		t.Fatalf("mapped: %d records, %d problems; from memory %d, %d", len(got), len(gotProblems), len(want), len(wantProblems))
	}
	var a, b bytes.Buffer
	if err := EncodeStations(&a, got); err != nil {
		t.Fatal(err)
	}
	if err := EncodeStations(&b, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the records read from the mapped file differ from those read from memory")
	}
}

// TestDecodeMappedFileShrinks truncates a mapped file before it is read,
// wholly and by half: the decode returns errFileChanged rather than
// crashing on the fault, and leaves no worker behind.
func TestDecodeMappedFileShrinks(t *testing.T) {
	path, text := exportFile(t)
	for _, keep := range []int64{0, int64(len(text) / 2), int64(len(text) - 4096)} {
		if err := os.WriteFile(path, text, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b, ok := mapFile(f, int64(len(text)))
		if !ok {
			f.Close()
			t.Skip("files are not mapped here")
		}
		before := runtime.NumGoroutine()
		if err := os.Truncate(path, keep); err != nil {
			t.Fatal(err)
		}
		in := inputText{b: b, mapped: true}
		stations, problems, err := decodeInput(in)
		in.release()
		f.Close()
		if !errors.Is(err, errFileChanged) || stations != nil || problems != nil {
			t.Fatalf("truncated to %d: %d records, %d problems, %v; want errFileChanged", keep, len(stations), len(problems), err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Fatalf("truncated to %d: %d goroutines after, %d before", keep, n, before)
		}
	}
}

// TestDecodeMappedFileShrinksUnderAWorker truncates a mapped file as the
// first worker takes its first chunk, after the splitter found it: the
// worker's fault, caught, ends the decode with errFileChanged.
func TestDecodeMappedFileShrinksUnderAWorker(t *testing.T) {
	path, text := exportFile(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, ok := mapFile(f, int64(len(text)))
	if !ok {
		t.Skip("files are not mapped here")
	}
	var once sync.Once
	testHookChunk = func() {
		once.Do(func() {
			if err := os.Truncate(path, 0); err != nil {
				t.Error(err)
			}
		})
	}
	defer func() { testHookChunk = nil }()
	in := inputText{b: b, mapped: true}
	defer in.release()
	if _, _, err := decodeInput(in); !errors.Is(err, errFileChanged) {
		t.Fatalf("truncated under a worker: %v; want errFileChanged", err)
	}
}

// sampleStation is validStation made distinct by i; every 97th is out of
// range, so that the decode has problems to report too.
func sampleStation(i int) *Station {
	st := validStation()
	st.ID = fmt.Sprintf("s-%d", i)
	st.Names.EN = fmt.Sprintf("Station %d", i)
	st.Names.ZH = fmt.Sprintf("驿站%d", i)
	st.Location = orb.Point{100 + float64(i%2000)*0.01, 40 + float64(i/2000)*0.01}
	if i%97 == 0 {
		st.Location[1] = 95
	}
	return st
}
