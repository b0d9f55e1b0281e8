package bundled

import (
	"bytes"
	"embed"
	"fmt"

	"yizhan/data"
)

// bundledFS holds the bundled Inner Mongolia data set: the records and the
// reference layers. The files are generated, never edited by hand:
// `go run ./data/internal/gen` rebuilds them from ../shared/data (see
// data/README.md for every file's source and licence).
//
//go:embed *.geojson
var bundledFS embed.FS

// bundledStationsPath is the embedded path of the bundled records.
const bundledStationsPath = "stations.geojson"

// Stations returns the records of the bundled Inner Mongolia data set: the
// 14 border and airport ports that have a sourced position, and example
// service stations placed at real town centres (their source says they are
// examples, not surveyed sites). It is the data yizhan serves when neither
// a data file nor a database is given.
//
// Every call decodes the embedded file afresh, so the caller owns the
// result. Any invalid record is an error naming it: the set is checked by
// the tests, so an error here means the embedded file was broken.
func Stations() ([]*data.Station, error) {
	raw, err := bundledFS.ReadFile(bundledStationsPath)
	if err != nil {
		return nil, fmt.Errorf("read bundled stations: %w", err)
	}
	stations, problems, err := data.DecodeStations(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode bundled stations: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("bundled stations: %w", &data.ValidationError{Problems: problems})
	}
	return stations, nil
}

// StationsGeoJSON returns a copy of the bundled records file: an RFC 7946
// FeatureCollection in the record format, the same shape a --data file has.
func StationsGeoJSON() []byte {
	raw, err := bundledFS.ReadFile(bundledStationsPath)
	if err != nil {
		// The file is embedded at build time; its absence is a build bug.
		panic(fmt.Sprintf("data: bundled stations missing from the binary: %v", err))
	}
	return raw
}
