package api

import (
	"strings"
	"testing"
)

// TestCardsByTimeAnswers checks that gap and site cards by time on a
// network give the nearest station's trip (duration_s, road_distance_m)
// beside its straight-line distance_m, and by distance only distance_m.
func TestCardsByTimeAnswers(t *testing.T) {
	s, _ := andorraServer(t)
	for _, tc := range []struct{ path, by string }{
		{"/v1/coverage/gaps", "time"}, {"/v1/coverage/suggest", "time"},
		{"/v1/coverage/gaps", "distance"}, {"/v1/coverage/suggest", "distance"},
	} {
		body := andorraPlanBody(tc.by, "en")
		if strings.HasSuffix(tc.path, "gaps") {
			body = strings.Replace(body, `"n":2,`, "", 1)
		}
		r := post(t, s, tc.path, body)
		if r.status != 200 {
			t.Fatalf("%s by %s = %d %.300s", tc.path, tc.by, r.status, r.raw)
		}
		timed := 0
		for _, f := range r.features(t) {
			props := f["properties"].(map[string]any)
			ns, _ := props["nearest_station"].(map[string]any)
			if ns == nil {
				continue
			}
			if _, ok := ns["distance_m"].(float64); !ok {
				t.Errorf("%s by %s: nearest_station %v lacks distance_m", tc.path, tc.by, ns)
			}
			d, hasD := ns["duration_s"].(float64)
			m, hasM := ns["road_distance_m"].(float64)
			if hasD != hasM || tc.by == "distance" && hasD {
				t.Errorf("%s by %s: nearest_station %v", tc.path, tc.by, ns)
			}
			if hasD {
				if !(d > 0 && m > 0) {
					t.Errorf("%s by %s: duration_s %v, road_distance_m %v; want both above 0", tc.path, tc.by, d, m)
				}
				timed++
			}
		}
		if tc.by == "time" && timed == 0 {
			t.Errorf("%s by time: no card by travel time", tc.path)
		}
	}
}
