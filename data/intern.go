package data

import "yizhan/data/hours"

// Interner shares one copy of the strings that many records repeat
// (source, region, operator, opening hours, zone): the catalog keeps every
// record in memory, and a million records with a few hundred distinct
// sources should hold a few hundred copies. It is bounded, so that input
// of unbounded variety costs no more than without it. One Interner serves
// one load or decode and is not safe for concurrent use.
type Interner struct {
	m         map[string]string
	schedules map[string]*hours.Schedule
}

// maxInterned is how many distinct strings an Interner keeps.
const maxInterned = 1 << 16

// NewInterner returns an empty Interner.
func NewInterner() *Interner { return &Interner{m: make(map[string]string)} }

// String returns the shared copy of s. A nil Interner returns s.
func (in *Interner) String(s string) string {
	if in == nil || s == "" {
		return s
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// Bytes returns the shared copy of b as a string, without allocating when
// it has been seen before (b may be reused by the caller afterwards).
func (in *Interner) Bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if in == nil {
		return string(b)
	}
	if v, ok := in.m[string(b)]; ok {
		return v
	}
	s := string(b)
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// Schedule returns the shared schedule of the opening hours text, h
// (its parse) when the text is new: records with the same hours share
// one schedule, whatever hours.Parse's own bounded cache holds. A nil
// Interner or h returns h.
func (in *Interner) Schedule(text string, h *hours.Schedule) *hours.Schedule {
	if in == nil || h == nil {
		return h
	}
	if v, ok := in.schedules[text]; ok {
		return v
	}
	if in.schedules == nil {
		in.schedules = make(map[string]*hours.Schedule)
	}
	if len(in.schedules) < maxInterned {
		in.schedules[text] = h
	}
	return h
}
