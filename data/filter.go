package data

import (
	"slices"
	"time"
)

// OpenAt reports whether the record is known to be open at t: its status
// is open and its opening hours say so. Unknown hours count as not open,
// so that "open now" never sends a driver to a locked door.
func (s *Station) OpenAt(t time.Time) bool {
	if s.Status != StatusOpen || s.Hours == nil {
		return false
	}
	return s.Hours.OpenAt(t.In(s.Zone()))
}

// Filter selects records during a search. The zero Filter accepts every record.
type Filter struct {
	Kinds     []Kind     // any of these kinds; empty means all
	Amenities AmenitySet // all of these amenities
	OpenAt    time.Time  // open at this instant; zero means no check
	Statuses  []Status   // any of these statuses; empty means all
}

// AcceptsAll reports whether the filter accepts every record, so that a
// search need not call Accepts at all.
func (f *Filter) AcceptsAll() bool {
	return len(f.Kinds) == 0 && f.Amenities == 0 && f.OpenAt.IsZero() && len(f.Statuses) == 0
}

// Accepts reports whether st passes the filter.
func (f *Filter) Accepts(st *Station) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, st.Kind) {
		return false
	}
	if !st.Amenities.Has(f.Amenities) {
		return false
	}
	if !f.OpenAt.IsZero() && !st.OpenAt(f.OpenAt) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, st.Status) {
		return false
	}
	return true
}
