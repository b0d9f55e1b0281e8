package api

import (
	"strings"
	"testing"
)

// TestStatusFilter: status=… keeps only records with any of the given
// statuses, during the search, so that "nearest 2 open" returns 2 open
// records even when a closed one is nearer; a bad status is a 400 naming
// the allowed ones; the answer's query echoes the filter.
func TestStatusFilter(t *testing.T) {
	s := newTestServer(t, fixture(t), Config{})
	// closed-stop (111.685, 40.825) is the nearest record to this point.
	const near = "lon=111.685&lat=40.825"
	statuses := func(r response) (ids, sts []string) {
		for _, f := range r.features(t) {
			ids = append(ids, f["id"].(string))
			sts = append(sts, f["properties"].(map[string]any)["status"].(string))
		}
		return ids, sts
	}
	r := get(t, s, "/v1/stations/nearest?"+near+"&k=2")
	if ids, _ := statuses(r); len(ids) != 2 || ids[0] != "closed-stop" {
		t.Fatalf("nearest without a status filter = %v; want closed-stop first", ids)
	}
	for _, target := range []string{
		"/v1/stations/nearest?" + near + "&k=2&status=open",
		"/v1/stations/nearest?" + near + "&k=2&status=open,planned",
		"/v1/stations/nearest?" + near + "&k=2&status=open&status=planned",
		"/v1/stations/within?" + near + "&radius_m=5000&status=open",
		"/v1/stations?bbox=111,40,112,41&status=open",
	} {
		r := get(t, s, target)
		if r.status != 200 {
			t.Fatalf("GET %s = %d %s", target, r.status, r.raw)
		}
		ids, sts := statuses(r)
		if len(ids) < 2 {
			t.Errorf("GET %s = %v; want at least 2 open records", target, ids)
		}
		for i, st := range sts {
			if st != "open" {
				t.Errorf("GET %s returned %s with status %s", target, ids[i], st)
			}
		}
		// The bbox listing echoes only its crs; the searches echo their filter.
		if !strings.Contains(target, "bbox") && !strings.Contains(string(r.raw), `"status":["open"`) {
			t.Errorf("GET %s: the query does not echo the status filter:\n%.400s", target, r.raw)
		}
	}
	r = get(t, s, "/v1/stations/nearest?"+near+"&k=5&status=closed")
	if ids, _ := statuses(r); len(ids) != 1 || ids[0] != "closed-stop" {
		t.Errorf("nearest status=closed = %v; want only closed-stop", ids)
	}
	assertProblem(t, get(t, s, "/v1/stations/nearest?"+near+"&status=shut"), 400, "allowed: open, closed, planned")
}
