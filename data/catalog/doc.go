// Package catalog is the live set of records a server searches: an
// immutable Snapshot indexed for nearest, within and box queries, Apply to
// build the next snapshot copy-on-write from a batch of Changes, and the
// Catalog that swaps snapshots atomically under concurrent readers. It
// also defines what a follower of the source of truth reports
// (FollowerStatus), so that the API can read it without a database
// package.
//
// A snapshot holds its records in a compact store (store.go): flat arrays
// without pointers, text in byte arenas, shared values interned, so that
// a million records cost the garbage collector a handful of objects, not
// millions. Records are read back into a data.Station on demand (Get,
// Load); the fast paths (AppendNearest, AppendWithin, AppendInBound,
// CountWithin, CountInBound) answer with slots and counts and read only
// the records an answer shows.
package catalog
