package workload

import (
	"bufio"
	"fmt"
	"os"

	"yizhan/data"
)

// WriteGeoJSON writes n records of New(seed).Stations(n, seed) to path as
// a GeoJSON FeatureCollection in the export form (data.EncodeStations),
// the file serve --data and import read.
func WriteGeoJSON(path string, n int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write workload: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := data.EncodeStations(w, New(seed).Stations(n, seed)); err != nil {
		f.Close()
		return fmt.Errorf("write workload: %w", err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write workload: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write workload: %w", err)
	}
	return nil
}
