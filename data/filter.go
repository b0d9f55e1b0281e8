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
	return true
}
