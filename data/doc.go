// Package data is the station record and its rules: Station, its one JSON
// form (the json tags on Station; see form.go), a pure Validate and a
// separate Normalize, problems with a Severity, the search Filter, the
// merge patch, the rule for ids given twice, and the errors a store of
// records answers with. It reads and writes GeoJSON Features and
// FeatureCollections of records; every other format, the database and
// the bundled data set are packages below it:
//
//	data/hours    opening_hours parsing and evaluation
//	data/catalog  the immutable indexed snapshot of every record, and its holder
//	data/postgis  the source of truth: the only package that links pgx
//	data/source   CSV and OpenStreetMap readers, files, and import
//	data/bundled  the embedded Inner Mongolia data set, layers and routes
package data
