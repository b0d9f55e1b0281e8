package data

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeZone is the zone opening hours are read in when a record names none.
const DefaultTimeZone = "Asia/Shanghai"

var defaultLocation = mustLoadLocation(DefaultTimeZone)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The zone database is embedded via time/tzdata in cmd; fall back to
		// a fixed UTC+8 so that a missing zoneinfo never stops a server.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// zones caches loaded time zones by name: time.LoadLocation reads the zone
// database from disk on every call, which validation (once per record) and
// an open-now filter (once per record searched) would otherwise do. Names
// that fail to load are not kept, and the cache is bounded, so that
// arbitrary input cannot grow it without limit.
var (
	zones     sync.Map // name → *time.Location
	zonesSize atomic.Int64
)

const maxCachedZones = 1024

// loadZone is time.LoadLocation through the zones cache.
func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	if zonesSize.Load() < maxCachedZones {
		if _, loaded := zones.LoadOrStore(name, loc); !loaded {
			zonesSize.Add(1)
		}
	}
	return loc, nil
}

// Zone returns the time zone the record's opening hours are read in.
func (s *Station) Zone() *time.Location {
	if s.TimeZone == "" || s.TimeZone == DefaultTimeZone {
		return defaultLocation
	}
	loc, err := loadZone(s.TimeZone)
	if err != nil {
		return defaultLocation
	}
	return loc
}
