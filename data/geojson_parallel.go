package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// readAll reads r whole; a file is read into one buffer of its size.
func readAll(r io.Reader) ([]byte, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			buf := make([]byte, 0, fi.Size()+1)
			for {
				n, err := f.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err == io.EOF {
					return buf, nil
				}
				if err != nil {
					return nil, err
				}
				if len(buf) == cap(buf) { // the file grew
					buf = append(buf, 0)[:len(buf)]
				}
			}
		}
	}
	return io.ReadAll(r)
}

// parallelChunk is how many features a worker of decodeParallel takes at
// a time: large enough that handing out work costs nothing, small enough
// that the cores finish together.
const parallelChunk = 1024

// decodeParallel reads buf, a whole FeatureCollection, with the features
// split between GOMAXPROCS workers, and gives what decodeStream gives:
// the same records in the same order, the same problems with the same
// feature indexes, the same rule for an id given twice (applied in input
// order after the features are read). ok false means buf is not a plain,
// well-formed FeatureCollection (a syntax error, a key with an escape or
// given twice, a type that is not "FeatureCollection", ...): nothing is
// returned and the caller reads it with decodeStream, whose errors say
// what is wrong.
func decodeParallel(buf []byte) (stations []*Station, problems []*FieldError, ok bool) {
	spans, ok := splitFeatures(buf)
	if !ok {
		return nil, nil, false
	}
	type result struct {
		st   *Station
		id   string
		errs []*FieldError
	}
	results := make([]result, len(spans))
	var (
		next    atomic.Int64
		invalid atomic.Bool
		wg      sync.WaitGroup
	)
	workers := min(runtime.GOMAXPROCS(0), (len(spans)+parallelChunk-1)/parallelChunk)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			strs := NewInterner()
			for !invalid.Load() {
				start := int(next.Add(parallelChunk)) - parallelChunk
				if start >= len(spans) {
					return
				}
				for i := start; i < min(start+parallelChunk, len(spans)); i++ {
					raw := buf[spans[i][0]:spans[i][1]]
					st, id, errs := decodeFeature(raw, strs)
					// A record read is valid JSON; a refused one may be
					// a syntax error, which decodeStream reports.
					if errs != nil && !json.Valid(raw) {
						invalid.Store(true)
						return
					}
					results[i] = result{st, id, errs}
				}
			}
		}()
	}
	wg.Wait()
	if invalid.Load() {
		return nil, nil, false
	}
	stations = make([]*Station, 0, len(results))
	seen := make(FirstIDs, len(results))
	shared := NewInterner()
	for i, r := range results {
		st, errs := r.st, r.errs
		if r.id != "" {
			if first, ok := seen.Keep(r.id, i); !ok {
				errs = append(errs, DuplicateProblem(r.id, i, fmt.Sprintf("record %d", first)))
				st = nil
			}
		}
		for _, e := range errs {
			e.Index = i
		}
		problems = append(problems, errs...)
		if st != nil {
			// One schedule per hours text across the workers too.
			st.Hours = shared.Schedule(st.OpeningHours, st.Hours)
			stations = append(stations, st)
		}
	}
	return stations, problems, true
}

// splitFeatures finds the features of a FeatureCollection in buf, as
// [start, end) offsets, checking the text around them: one object with a
// "type" of "FeatureCollection", one "features" array and any other
// members well-formed JSON, and nothing after it but white space. The
// features themselves are only delimited (strings and brackets), and
// decodeParallel checks each one. ok false means decodeStream must read
// buf.
func splitFeatures(buf []byte) (spans [][2]int, ok bool) {
	s := featureScanner{b: buf}
	sawType, sawFeatures := false, false
	ok = s.object(func(key []byte) bool {
		s.ws()
		start := s.i
		switch string(key) {
		case "type":
			t, ok := s.rawString()
			if sawType || !ok || string(t) != "FeatureCollection" {
				return false
			}
			sawType = true
			return true
		case "features":
			if sawFeatures || !s.next('[') {
				return false
			}
			sawFeatures = true
			// Size the list from the line count: exports write a feature a line.
			spans = make([][2]int, 0, bytes.Count(buf, []byte{'\n'})+1)
			if s.next(']') {
				return true
			}
			for {
				s.ws()
				from := s.i
				if !s.skipValue() {
					return false
				}
				spans = append(spans, [2]int{from, s.i})
				if s.next(']') {
					return true
				}
				if !s.next(',') {
					return false
				}
			}
		}
		// bbox, crs, name, foreign members
		return s.skipValue() && json.Valid(buf[start:s.i])
	})
	s.ws()
	return spans, ok && sawType && sawFeatures && s.i == len(buf)
}

// skipValue moves past one JSON value, finding its end by its strings and
// brackets only; whether it is well-formed is for the caller to check.
func (s *featureScanner) skipValue() bool {
	b := s.b
	if s.i >= len(b) {
		return false
	}
	switch b[s.i] {
	case '"':
		return s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(b) {
			switch b[s.i] {
			case '"':
				if !s.skipString() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	}
	start := s.i
	for s.i < len(b) {
		switch b[s.i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return s.i > start
		}
		s.i++
	}
	return s.i > start
}

// skipString moves past a string starting at s.i, escapes included.
func (s *featureScanner) skipString() bool {
	b := s.b
	for i := s.i + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			s.i = i + 1
			return true
		}
	}
	return false
}
