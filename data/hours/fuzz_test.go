package hours_test

import (
	"testing"
	"time"

	"yizhan/data/bundled"
	"yizhan/data/hours"
)

// FuzzParseOpeningHours checks that parsing never panics, that a parsed
// value evaluates at any time, and that its canonical form parses back to
// the same schedule.
func FuzzParseOpeningHours(f *testing.F) {
	for _, s := range []string{
		"24/7", "off", "Mo-Fr 08:00-18:00", "Mo-Fr 08:00-18:00; Sa 09:00-12:00", "Sa-Mo 10:00-14:00",
		"08:00-12:00,14:00-18:00", "22:00-06:00", "Mo-Fr 18:00-24:00", "Mo-Fr 20:00-02:00; Sa off",
		"Su off", "PH off", "Sa,Su,PH 10:00-14:00", "Mo-Fr 08:00-12:00, Sa 10:00-12:00", "Mo 18:00-48:00",
		"Mo-Fx", "Jan Mo 10:00-12:00", "24/7;", ";", "Mo,", "Mo[1]", "Mo 08:00+", "sunrise-sunset",
	} {
		f.Add(s)
	}
	// Real inputs: every opening_hours of the bundled data set.
	records, err := bundled.Stations()
	if err != nil {
		f.Fatal(err)
	}
	for _, st := range records {
		f.Add(st.OpeningHours)
	}
	monday := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := hours.Parse(s)
		if err != nil {
			if h != nil {
				t.Fatalf("hours.Parse(%q) returned a value and an error", s)
			}
			return
		}
		c := h.String()
		h2, err := hours.Parse(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, s, err)
		}
		if !h.Equal(h2) {
			t.Fatalf("canonical %q of %q is a different schedule", c, s)
		}
		for m := 0; m < 7*24*60; m += 13 {
			tm := monday.Add(time.Duration(m) * time.Minute)
			if h.OpenAt(tm) != h2.OpenAt(tm) {
				t.Fatalf("%q and its canonical %q differ at %v", s, c, tm)
			}
		}
		h.OpenAt(time.Time{})
		h.OpenAt(time.Unix(1<<40, 0).In(time.FixedZone("x", -12*3600)))
	})
}
