package data

import "time"

// OpeningHours is a parsed OSM opening_hours value.
// STUB: replaced by the real parser.
type OpeningHours struct{}

// ParseOpeningHours parses the OSM opening_hours forms yizhan supports.
func ParseOpeningHours(s string) (*OpeningHours, error) { panic("unimplemented") }

// OpenAt reports whether the hours say open at t, read as wall-clock time in t's location.
func (h *OpeningHours) OpenAt(t time.Time) bool { panic("unimplemented") }
