package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"
)

// inputText is the whole text of a decode's input: a regular file of
// minMappedFile or more mapped (mapFile) where the system can, else
// read into one buffer of its size; anything else read whole. release
// gives a mapping back: the decoders copy every text they keep, so
// nothing points into it once they return. Reading a mapping faults if
// the file shrinks under it; the decoders' goroutines turn that into a
// panic (catchFault) and DecodeStations into errFileChanged.
type inputText struct {
	b      []byte
	mapped bool
}

// minMappedFile is the least size of a file that is mapped rather than
// read: below it reading costs nothing worth saving.
const minMappedFile = 1 << 20

// errFileChanged is the error of a decode whose mapped file shrank while
// it was read.
var errFileChanged = errors.New("the file shrank while it was read")

// readInput reads r whole, or maps it when it is a large regular file
// (see inputText); the caller releases what it returns.
func readInput(r io.Reader) (inputText, error) {
	f, ok := r.(*os.File)
	if !ok {
		b, err := io.ReadAll(r)
		return inputText{b: b}, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		b, err := io.ReadAll(r)
		return inputText{b: b}, err
	}
	if b, ok := mapFile(f, fi.Size()); ok {
		return inputText{b: b, mapped: true}, nil
	}
	buf := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return inputText{b: buf}, nil
		}
		if err != nil {
			return inputText{}, err
		}
		if len(buf) == cap(buf) { // the file grew
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

func (t inputText) release() {
	if t.mapped {
		unmapFile(t.b)
	}
}

// catchFault, deferred by a goroutine that reads the mapped input buf
// after it called debug.SetPanicOnFault(true), turns the panic of a
// fault inside buf (the file shrank under the mapping) into *faulted =
// true. Any other panic goes on, a fault elsewhere too: with the setting
// on, a bad address that a bug reads faults as well, and a bug must not
// pass for a changed file.
func catchFault(faulted *atomic.Bool, buf []byte) {
	r := recover()
	if r == nil {
		return
	}
	f, ok := r.(interface{ Addr() uintptr })
	if !ok || !inside(f.Addr(), buf) {
		panic(r)
	}
	faulted.Store(true)
}

// inside reports whether addr is in buf's bytes or the rest of the page
// they end on (where a fault past a shrunken file may land).
func inside(addr uintptr, buf []byte) bool {
	if len(buf) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	end := base + uintptr(len(buf)) + uintptr(os.Getpagesize())
	return addr >= base && addr < end
}

// parallelChunk is how many features a worker of decodeParallel takes at
// a time: large enough that handing out work costs nothing, small enough
// that the cores finish together.
const parallelChunk = 1024

// featureChunk is parallelChunk features (fewer at the end) and what
// reading them gave.
type featureChunk struct {
	spans   [][2]int // [start, end) of each feature in the text
	results []featureResult
}

type featureResult struct {
	st   *Station
	id   string
	errs []*FieldError
}

// decodeParallel reads buf, a whole FeatureCollection, and gives what
// decodeStream gives: the same records in the same order, the same
// problems with the same feature indexes, the same rule for an id given
// twice. The calling goroutine finds the features (splitFeatures) and
// hands them out in chunks to GOMAXPROCS workers, which read them while
// it goes on; ids given twice are then found in input order, on every
// core (firstByID). ok false means buf is not a plain, well-formed
// FeatureCollection (a syntax error, a key with an escape or given
// twice, a type that is not "FeatureCollection", ...): nothing is
// returned and the caller reads it with decodeStream, whose errors say
// what is wrong. faulted means buf is a mapped file that shrank while it
// was read (see inputText): nothing is returned either.
func decodeParallel(buf []byte) (stations []*Station, problems []*FieldError, ok, faulted bool) {
	var (
		chunks  []*featureChunk
		work    = make(chan *featureChunk, 4*runtime.GOMAXPROCS(0))
		invalid atomic.Bool
		fault   atomic.Bool
		wg      sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			strs := NewInterner()
			var slab []Station // see decodeChunk
			for c := range work {
				if invalid.Load() {
					continue
				}
				func() {
					// A fault ends the chunk, not the worker, which goes
					// on taking chunks (and skipping them) until the
					// splitter stops.
					defer func() {
						if fault.Load() {
							invalid.Store(true)
						}
					}()
					defer catchFault(&fault, buf)
					if testHookChunk != nil {
						testHookChunk()
					}
					decodeChunk(buf, c, strs, &slab, &invalid)
				}()
			}
		}()
	}
	cur := &featureChunk{spans: make([][2]int, 0, parallelChunk)}
	func() {
		defer catchFault(&fault, buf)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		ok = splitFeatures(buf, func(start, end int) bool {
			cur.spans = append(cur.spans, [2]int{start, end})
			if len(cur.spans) == parallelChunk {
				chunks = append(chunks, cur)
				work <- cur
				cur = &featureChunk{spans: make([][2]int, 0, parallelChunk)}
			}
			return !invalid.Load()
		})
	}()
	if len(cur.spans) > 0 && !fault.Load() {
		chunks = append(chunks, cur)
		work <- cur
	}
	close(work)
	wg.Wait()
	if fault.Load() {
		return nil, nil, false, true
	}
	if !ok || invalid.Load() {
		return nil, nil, false, false
	}

	n := 0
	for _, c := range chunks {
		n += len(c.results)
	}
	results := make([]*featureResult, 0, n)
	for _, c := range chunks {
		for i := range c.results {
			results = append(results, &c.results[i])
		}
	}
	first := firstByID(results)
	stations = make([]*Station, 0, n)
	shared := NewInterner()
	for i, r := range results {
		st, errs := r.st, r.errs
		if r.id != "" && first[i] != i {
			errs = append(errs, DuplicateProblem(r.id, i, fmt.Sprintf("record %d", first[i])))
			st = nil
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
	if len(stations) == 0 {
		stations = nil // as decodeStream gives none
	}
	return stations, problems, true, false
}

// testHookChunk, when a test sets it, runs as a worker of decodeParallel
// takes a chunk.
var testHookChunk func()

// decodeChunk reads c's features from buf into c.results, carving the
// records out of *slab (one allocation per parallelChunk records rather
// than one each). A refused feature that is not valid JSON sets invalid:
// decodeStream then reports the syntax error.
func decodeChunk(buf []byte, c *featureChunk, strs *Interner, slab *[]Station, invalid *atomic.Bool) {
	c.results = make([]featureResult, len(c.spans))
	for i, sp := range c.spans {
		raw := buf[sp[0]:sp[1]]
		if len(*slab) == 0 {
			*slab = make([]Station, parallelChunk)
		}
		st, id, errs := decodeFeatureInto(raw, strs, true, &(*slab)[0])
		if st != nil {
			*slab = (*slab)[1:]
		} else {
			(*slab)[0] = Station{} // refused: the slot serves the next one
		}
		// A record read is valid JSON; a refused one may be a syntax
		// error, which decodeStream reports.
		if errs != nil && !json.Valid(raw) {
			invalid.Store(true)
			return
		}
		c.results[i] = featureResult{st, id, errs}
	}
}

// firstByID returns, for each result with an id, the position of the
// first result with that id (FirstIDs' rule, in input order). The ids
// are split by hash between the cores, each of which walks the results
// in order with a FirstIDs of its own share.
func firstByID(results []*featureResult) []int {
	first := make([]int, len(results))
	shards := runtime.GOMAXPROCS(0)
	if len(results) < 4*parallelChunk {
		shards = 1
	}
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	for shard := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make(FirstIDs, len(results)/shards+1)
			for i, r := range results {
				if r.id == "" || (shards > 1 && int(maphash.String(seed, r.id)%uint64(shards)) != shard) {
					continue
				}
				first[i], _ = seen.Keep(r.id, i)
			}
		}()
	}
	wg.Wait()
	return first
}

// splitFeatures finds the features of a FeatureCollection in buf and
// calls feature with each one's [start, end) offsets, in order, checking
// the text around them: one object with a "type" of "FeatureCollection",
// one "features" array and any other members well-formed JSON, and
// nothing after it but white space. The features themselves are only
// delimited (strings and brackets), and decodeParallel checks each one.
// ok false means decodeStream must read buf (or feature returned false).
func splitFeatures(buf []byte, feature func(start, end int) bool) (ok bool) {
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
			if s.next(']') {
				return true
			}
			for {
				s.ws()
				from := s.i
				if !s.skipValue() || !feature(from, s.i) {
					return false
				}
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
	return ok && sawType && sawFeatures && s.i == len(buf)
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
