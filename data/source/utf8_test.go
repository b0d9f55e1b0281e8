package source

import (
	"strings"
	"testing"

	"yizhan/data"
)

// TestInvalidUTF8CSVIDs: CSV rows whose id or name holds bytes that are
// not UTF-8 are refused naming the field, not kept with U+FFFD.
func TestInvalidUTF8CSVIDs(t *testing.T) {
	csv := "id,kind,name_zh,lon,lat,source\n" + "a\xff,port,口岸,111,43,t\n" + "b,port,口\xff,111,43,t\n"
	stations, problems, err := ReadCSV(strings.NewReader(csv))
	if err != nil || len(stations) != 0 || !hasProblem(problems, "id", "UTF-8") || !hasProblem(problems, "names.zh", "UTF-8") {
		t.Errorf("ReadCSV = %d records, %v, %v; want both rows refused naming id and names.zh", len(stations), problems, err)
	}
}

func hasProblem(ps []*data.FieldError, field, reason string) bool {
	for _, p := range ps {
		if p.Field == field && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}
