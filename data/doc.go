// Package data holds the station record and its validation, the sources of
// records (GeoJSON files, the bundled Inner Mongolia data set, PostGIS) and
// the live catalog: an immutable, indexed snapshot of every record that is
// swapped atomically when changes arrive.
package data
