package data

import "fmt"

// FirstIDs is the one rule for an id that comes twice in one input (a
// GeoJSON file, a CSV file, the records of one import): the first record
// with the id is kept, and every later one is refused with
// DuplicateProblem, naming where the first one is, so that the clash is
// reported rather than either record silently replacing the other. The
// readers and Import all apply it through here.
type FirstIDs map[string]int // id → position of its first record

// Keep reports whether the record with id at pos is the first with its
// id; when it is not, first is the position of the one kept.
func (f FirstIDs) Keep(id string, pos int) (first int, ok bool) {
	if first, dup := f[id]; dup {
		return first, false
	}
	f[id] = pos
	return pos, true
}

// DuplicateProblem refuses a record (Index index) whose id the record at
// first (say "line 3") already has.
func DuplicateProblem(id string, index int, first string) *FieldError {
	return &FieldError{Index: index, ID: id, Field: "id",
		Reason: fmt.Sprintf("duplicate id; %s already uses it, and the first record with an id is kept", first)}
}
