package source

import (
	"fmt"
	"os"

	"yizhan/data"
)

// LoadFile reads a GeoJSON FeatureCollection of records from path (see
// DecodeStations), for serve --data.
func LoadFile(path string) ([]*data.Station, []*data.FieldError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load stations: %w", err)
	}
	defer f.Close()
	stations, problems, err := data.DecodeStations(f)
	if err != nil {
		return nil, nil, fmt.Errorf("load stations from %s: %w", path, err)
	}
	return stations, problems, nil
}
