// Package catalog is the live set of records a server searches: an
// immutable Snapshot indexed for nearest, within and box queries, Apply to
// build the next snapshot copy-on-write from a batch of Changes, and the
// Catalog that swaps snapshots atomically under concurrent readers. It
// also defines what a follower of the source of truth reports
// (FollowerStatus), so that the API can read it without a database
// package.
package catalog
