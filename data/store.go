package data

import (
	"errors"
	"fmt"
	"time"

	"yizhan/data/internal/checked"
)

// The errors of a store of records (data/postgis is the one there is),
// which the API maps to HTTP statuses: they are part of the record's
// rules, so that the API needs no database package to tell them apart.
var (
	// ErrConflict: a live record with this id already exists (create).
	ErrConflict = errors.New("data: a record with this id already exists")
	// ErrVersionConflict: the record's version is not the one the writer
	// expected (optimistic concurrency, If-Match).
	ErrVersionConflict = errors.New("data: record version does not match the expected version")
	// ErrUnavailable: the database could not be reached or did not answer
	// in time; the write was not applied.
	ErrUnavailable = errors.New("data: database unavailable")
	// ErrReadOnly: the database refused the write because it is read-only,
	// typically a streaming replica (hot standby, SQLSTATE 25006); writes
	// must go to the primary.
	ErrReadOnly = errors.New("data: the database is read-only (a streaming replica?)")
	// ErrBusy: the database answered, but another transaction held the
	// write lock for longer than a write waits for it (see BusyError).
	ErrBusy = errors.New("data: the database is busy: another transaction holds the write lock")
	// ErrNoWritePrivilege: the database refused the write because the
	// server's role lacks a privilege on the stations table or its version
	// sequence (SQLSTATE 42501); an operator must grant it.
	ErrNoWritePrivilege = errors.New("data: the database role may not write stations")
)

// BusyError is the ErrBusy of one write: how long it waited for the lock.
type BusyError struct {
	Waited time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%v; gave up after waiting %v", ErrBusy, e.Waited.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// VersionConflictError is the ErrVersionConflict of one write: the version
// the database holds and the one the writer expected (from If-Match).
type VersionConflictError struct {
	Stored, Expected int64
}

func (e *VersionConflictError) Error() string {
	return fmt.Sprintf("%v: stored version is %d, expected %d", ErrVersionConflict, e.Stored, e.Expected)
}

// Is makes errors.Is(err, ErrVersionConflict) true.
func (e *VersionConflictError) Is(target error) bool { return target == ErrVersionConflict }

// WriteLockTimeout is how long a write through the API waits for the
// write lock and the row locks it needs. It is below the API's whole-write
// deadline, so that a write queued behind a long transaction (a big
// import, a session holding locks) hears from the database that it is
// busy, instead of timing out as if the database were gone. Imports
// (UpsertStations) wait as long as their context.
const WriteLockTimeout = 3 * time.Second

// Valid is a batch of records each of which has passed Validate. Only
// validation makes one (ValidateAll, Check, and the readers of data/source,
// which validate every record they read), so a store or an import that
// takes a Valid knows its records were checked at the boundary where they
// came in, and does not check them again.
type Valid = checked.Batch[*Station]

// ValidateAll checks a batch of records, as a store's caller does before
// writing them, numbering problems by position in the batch: it is all or
// nothing. The error, when there is one, is a *ValidationError.
func ValidateAll(stations []*Station) (Valid, error) {
	var problems []*FieldError
	for i, st := range stations {
		if st == nil {
			problems = append(problems, &FieldError{Index: i, Field: "record", Reason: "missing"})
			continue
		}
		for _, p := range st.Validate() {
			p.Index = i
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return Valid{}, &ValidationError{Problems: problems}
	}
	return checked.Trust(stations), nil
}

// Check validates the records of one input record by record: the valid
// ones are kept, and a second record with an id already seen is refused
// (the first is kept; see FirstIDs). Problems carry the record's id and
// Index -1, since a position in stations is no position in the input
// they came from. nil records are skipped.
func Check(stations []*Station) (Valid, []*FieldError) {
	var problems []*FieldError
	valid := make([]*Station, 0, len(stations))
	seen := make(FirstIDs, len(stations))
	for i, st := range stations {
		if st == nil {
			continue
		}
		if errs := st.Validate(); len(errs) > 0 {
			for _, fe := range errs {
				problems = append(problems, &FieldError{Index: -1, ID: st.ID, Field: fe.Field, Reason: fe.Reason, Severity: fe.Severity})
			}
			continue
		}
		if first, ok := seen.Keep(st.ID, i); !ok {
			problems = append(problems, DuplicateProblem(st.ID, -1, fmt.Sprintf("record %d of the input", first)))
			continue
		}
		valid = append(valid, st)
	}
	return checked.Trust(valid), problems
}
