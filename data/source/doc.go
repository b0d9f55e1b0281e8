// Package source reads records from outside: CSV files (columns follow the
// record's one form), OpenStreetMap extracts (PBF and XML; the only
// importer of paulmach/osm), GeoJSON files, and Import, which validates a
// batch and writes it to a store in transactions, reporting every
// rejection and warning.
package source
