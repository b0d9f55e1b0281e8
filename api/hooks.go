package api

// STUB: these hooks belong to the PostGIS work (writes, health, metrics) and
// are replaced there.

// Store applies writes to the source of truth.
type Store interface{}

// Health reports the state of the database link.
type Health interface{}
