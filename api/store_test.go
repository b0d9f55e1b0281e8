package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"yizhan/data"
	"yizhan/data/catalog"
)

// fakeStore is the one fake Store of the API's tests, in the
// function-field style: each method calls its field. A nil field fails
// the write with errNotFaked, which the handlers answer 500, so that a
// test exercising a method it did not fake sees it at once.
type fakeStore struct {
	CreateFunc  func(ctx context.Context, st *data.Station) (*data.Station, error)
	ReplaceFunc func(ctx context.Context, st *data.Station, expectVersion int64) (*data.Station, bool, error)
	PatchFunc   func(ctx context.Context, id string, mergePatch []byte, expectVersion int64) (*data.Station, error)
	DeleteFunc  func(ctx context.Context, id string, expectVersion int64) (int64, error)
}

var errNotFaked = errors.New("fakeStore: method not faked")

func (f *fakeStore) Create(ctx context.Context, st *data.Station) (*data.Station, error) {
	if f.CreateFunc == nil {
		return nil, errNotFaked
	}
	return f.CreateFunc(ctx, st)
}

func (f *fakeStore) Replace(ctx context.Context, st *data.Station, expect int64) (*data.Station, bool, error) {
	if f.ReplaceFunc == nil {
		return nil, false, errNotFaked
	}
	return f.ReplaceFunc(ctx, st, expect)
}

func (f *fakeStore) Patch(ctx context.Context, id string, patch []byte, expect int64) (*data.Station, error) {
	if f.PatchFunc == nil {
		return nil, errNotFaked
	}
	return f.PatchFunc(ctx, id, patch, expect)
}

func (f *fakeStore) Delete(ctx context.Context, id string, expect int64) (int64, error) {
	if f.DeleteFunc == nil {
		return 0, errNotFaked
	}
	return f.DeleteFunc(ctx, id, expect)
}

// failingStore is a fakeStore whose every write fails with err.
func failingStore(err error) *fakeStore {
	return &fakeStore{
		CreateFunc:  func(context.Context, *data.Station) (*data.Station, error) { return nil, err },
		ReplaceFunc: func(context.Context, *data.Station, int64) (*data.Station, bool, error) { return nil, false, err },
		PatchFunc:   func(context.Context, string, []byte, int64) (*data.Station, error) { return nil, err },
		DeleteFunc:  func(context.Context, string, int64) (int64, error) { return 0, err },
	}
}

// storeCalls is what a recordingStore was given.
type storeCalls struct {
	mu      sync.Mutex
	created []string // ids of the records given to Create
	patches [][]byte // the merge patches given to Patch
}

// recordingStore is a fakeStore that records the records created and the
// patches given, answering as a store that holds them all already (409)
// or none of them (404).
func recordingStore() (*fakeStore, *storeCalls) {
	calls := &storeCalls{}
	return &fakeStore{
		CreateFunc: func(_ context.Context, st *data.Station) (*data.Station, error) {
			calls.mu.Lock()
			defer calls.mu.Unlock()
			calls.created = append(calls.created, st.ID)
			return nil, data.ErrConflict
		},
		ReplaceFunc: func(context.Context, *data.Station, int64) (*data.Station, bool, error) {
			return nil, false, data.ErrNotFound
		},
		PatchFunc: func(_ context.Context, _ string, patch []byte, _ int64) (*data.Station, error) {
			calls.mu.Lock()
			defer calls.mu.Unlock()
			calls.patches = append(calls.patches, bytes.Clone(patch))
			return nil, data.ErrNotFound
		},
		DeleteFunc: func(context.Context, string, int64) (int64, error) { return 0, data.ErrNotFound },
	}, calls
}

// memoryStore is a fakeStore that keeps records in memory as PostGIS
// does for the write handlers: one version per change, from one counter,
// If-Match checked against the stored version, 409 for an existing id on
// create, and merge patches applied by data.MergePatch. Every write
// stores the next snapshot in cat before it returns, so that the server's
// answers reflect it (read-your-writes).
func memoryStore(cat *catalog.Catalog) *fakeStore {
	var (
		mu      sync.Mutex
		records = map[string]*data.Station{}
		version int64
	)
	// commit stores st (nil: deletes id) at the next version.
	commit := func(id string, st *data.Station) int64 {
		version++
		if st == nil {
			delete(records, id)
		} else {
			st.Version, st.UpdatedAt = version, time.Now().UTC()
			records[id] = st
		}
		all := make([]*data.Station, 0, len(records))
		for _, r := range records {
			all = append(all, r)
		}
		slices.SortFunc(all, func(a, b *data.Station) int { return strings.Compare(a.ID, b.ID) })
		cat.Store(catalog.NewSnapshot(all, version))
		return version
	}
	check := func(id string, expect int64) (*data.Station, error) {
		cur := records[id]
		switch {
		case expect > 0 && cur == nil:
			return nil, fmt.Errorf("%q: %w", id, data.ErrNotFound)
		case expect > 0 && cur.Version != expect:
			return nil, &data.VersionConflictError{Stored: cur.Version, Expected: expect}
		}
		return cur, nil
	}
	return &fakeStore{
		CreateFunc: func(_ context.Context, st *data.Station) (*data.Station, error) {
			mu.Lock()
			defer mu.Unlock()
			if records[st.ID] != nil {
				return nil, fmt.Errorf("create %q: %w", st.ID, data.ErrConflict)
			}
			out := *st
			commit(st.ID, &out)
			return &out, nil
		},
		ReplaceFunc: func(_ context.Context, st *data.Station, expect int64) (*data.Station, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			cur, err := check(st.ID, expect)
			if err != nil {
				return nil, false, err
			}
			out := *st
			commit(st.ID, &out)
			return &out, cur == nil, nil
		},
		PatchFunc: func(_ context.Context, id string, patch []byte, expect int64) (*data.Station, error) {
			mu.Lock()
			defer mu.Unlock()
			cur, err := check(id, expect)
			if err != nil {
				return nil, err
			}
			if cur == nil {
				return nil, fmt.Errorf("patch %q: %w", id, data.ErrNotFound)
			}
			out, problems := data.MergePatch(cur, patch)
			if len(problems) > 0 {
				return nil, &data.ValidationError{Problems: problems}
			}
			commit(id, out)
			return out, nil
		},
		DeleteFunc: func(_ context.Context, id string, expect int64) (int64, error) {
			mu.Lock()
			defer mu.Unlock()
			cur, err := check(id, expect)
			if err != nil {
				return 0, err
			}
			if cur == nil {
				return 0, fmt.Errorf("delete %q: %w", id, data.ErrNotFound)
			}
			return commit(id, nil), nil
		},
	}
}

// Interface guard.
var _ Store = (*fakeStore)(nil)
