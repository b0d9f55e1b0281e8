package hours

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"yizhan/data/hours/hourstest"
)

// at returns a wall-clock time on the given weekday of the week starting
// Monday 2024-01-01, e.g. at("Fr 22:30").
func at(t testing.TB, s string) time.Time {
	t.Helper()
	day, hm, ok := strings.Cut(s, " ")
	if !ok {
		t.Fatalf("bad test time %q", s)
	}
	d := -1
	for i, n := range dayNames {
		if n == day {
			d = i
		}
	}
	clock, err := time.Parse("15:04", hm)
	if d < 0 || err != nil {
		t.Fatalf("bad test time %q", s)
	}
	return time.Date(2024, 1, 1+d, clock.Hour(), clock.Minute(), 0, 0, time.UTC)
}

func TestOpeningHoursOpenAt(t *testing.T) {
	tests := []struct {
		value  string
		open   []string
		closed []string
	}{
		{"24/7", []string{"Mo 00:00", "We 12:00", "Su 23:59"}, nil},
		{" 24/7 ", []string{"Tu 03:00"}, nil},
		{"off", nil, []string{"Mo 00:00", "Sa 12:00"}},
		{"closed", nil, []string{"Mo 10:00"}},
		{"Mo-Fr 08:00-18:00", []string{"Mo 08:00", "Fr 17:59", "We 12:00"}, []string{"Mo 07:59", "Fr 18:00", "Sa 12:00", "Su 12:00"}},
		{"Mo,We,Fr 09:00-12:00", []string{"Mo 09:00", "We 11:59", "Fr 10:00"}, []string{"Tu 10:00", "Th 10:00", "Sa 10:00"}},
		{"Mo-We,Fr 09:00-12:00", []string{"Tu 10:00", "Fr 10:00"}, []string{"Th 10:00"}},
		{"Sa-Mo 10:00-14:00", []string{"Sa 10:00", "Su 13:00", "Mo 11:00"}, []string{"Tu 11:00", "Fr 11:00"}},
		{"Fr-Fr 10:00-11:00", []string{"Fr 10:30"}, []string{"Th 10:30", "Sa 10:30"}},
		{"08:00-12:00,14:00-18:00", []string{"Mo 08:00", "Su 15:00", "Th 11:59"}, []string{"Mo 12:00", "Mo 13:59", "Sa 18:00", "Sa 07:00"}},
		{"08:00-12:00, 14:00-18:00", []string{"Mo 14:00"}, []string{"Mo 13:00"}},
		{"Mo-Fr 08:00-18:00; Sa 09:00-12:00", []string{"Sa 09:00", "Tu 17:00"}, []string{"Sa 12:00", "Su 10:00"}},
		{"Mo-Su 08:00-20:00; Su off", []string{"Sa 19:00"}, []string{"Su 10:00"}},
		{"Mo-Su 08:00-20:00; Su closed", nil, []string{"Su 10:00"}},
		{"Mo-Fr 08:00-18:00; We 10:00-12:00", []string{"We 11:00", "Th 09:00"}, []string{"We 09:00", "We 13:00"}},
		{"22:00-06:00", []string{"Mo 22:00", "Tu 05:59", "Mo 02:00", "Su 23:00"}, []string{"Mo 06:00", "Mo 21:59", "We 12:00"}},
		{"Fr 22:00-06:00", []string{"Fr 23:00", "Sa 05:00"}, []string{"Fr 05:00", "Sa 07:00", "Th 23:00"}},
		{"Su 20:00-02:00", []string{"Su 21:00", "Mo 01:59"}, []string{"Mo 02:00", "Su 19:00", "Sa 21:00"}},
		{"Mo-Fr 18:00-24:00", []string{"Mo 23:59", "Fr 18:00"}, []string{"Tu 00:00", "Sa 00:30"}},
		{"Mo-Fr 20:00-02:00", []string{"Mo 20:00", "Tu 01:00", "Sa 01:59"}, []string{"Mo 01:00", "Sa 02:00", "Su 01:00"}},
		{"Mo-Fr 18:00-26:00", []string{"Sa 01:30"}, []string{"Sa 02:00"}},
		// A later rule for Saturday keeps Friday night's spill into Saturday.
		{"Mo-Fr 20:00-02:00; Sa off", []string{"Sa 01:00"}, []string{"Sa 12:00", "Sa 21:00"}},
		{"Mo-Fr 20:00-02:00; Fr 08:00-10:00", []string{"Fr 01:00", "Fr 09:00"}, []string{"Fr 21:00", "Sa 01:00"}},
		{"Sa-Su", []string{"Sa 00:00", "Su 23:59"}, []string{"Fr 12:00", "Mo 00:00"}},
		{"Sa-Su open", []string{"Sa 10:00"}, []string{"Mo 10:00"}},
		{"24/7; Su off", []string{"Sa 23:59"}, []string{"Su 00:00", "Su 23:59"}},
		{"24/7; Mo 08:00-12:00", []string{"Mo 08:00", "Tu 03:00"}, []string{"Mo 07:00", "Mo 13:00"}},
		{"Mo-Fr 08:00-12:00, Sa 10:00-12:00", []string{"Sa 11:00", "Mo 09:00"}, []string{"Sa 13:00"}},
		{"Mo-Fr 08:00-12:00, Fr 14:00-16:00", []string{"Fr 09:00", "Fr 15:00"}, []string{"Th 15:00"}},
		{"Mo-Fr 08:00-18:00; PH off", []string{"Mo 09:00"}, []string{"Mo 19:00"}},
		{"PH 10:00-12:00", nil, []string{"Mo 11:00"}},
		{"Sa,Su,PH 10:00-14:00", []string{"Sa 11:00"}, []string{"Fr 11:00"}},
		{"mo-fr 08:00-18:00", []string{"Mo 09:00"}, []string{"Sa 09:00"}},
		{"Mo-Fr 8:00-18:00", []string{"Mo 08:00"}, []string{"Mo 07:59"}},
		{"Mo-Fr 08:00-18:00;", []string{"Mo 09:00"}, nil},
		{"Mo 00:00-24:00", []string{"Mo 00:00", "Mo 23:59"}, []string{"Tu 00:00", "Su 23:59"}},
		{"Mo 10:00-12:00,11:00-13:00", []string{"Mo 12:30"}, []string{"Mo 13:00"}},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			h, err := Parse(tc.value)
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tc.value, err)
			}
			for _, s := range tc.open {
				if !h.OpenAt(at(t, s)) {
					t.Errorf("%q.OpenAt(%s) = false; want true", tc.value, s)
				}
			}
			for _, s := range tc.closed {
				if h.OpenAt(at(t, s)) {
					t.Errorf("%q.OpenAt(%s) = true; want false", tc.value, s)
				}
			}
		})
	}
}

func TestOpeningHoursLocation(t *testing.T) {
	h, err := Parse("Mo-Fr 08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	// Monday 01:00 UTC is Monday 09:00 in Shanghai.
	u := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	if h.OpenAt(u) {
		t.Errorf("OpenAt(%v) = true; want false (01:00 wall clock)", u)
	}
	if !h.OpenAt(u.In(shanghai)) {
		t.Errorf("OpenAt(%v) = false; want true (09:00 wall clock)", u.In(shanghai))
	}
	var nilHours *Schedule
	if nilHours.OpenAt(u) {
		t.Error("nil Schedule is open; want closed")
	}
}

func TestOpeningHoursErrors(t *testing.T) {
	tests := []struct {
		value string
		want  string // part of the error message
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"Mo-Fx 08:00-18:00", `unknown word "Fx"`},
		{"Mo-Fr 08:00", "expected '-' and an end time"},
		{"Mo-Fr 08:00-", "expected an end time"},
		{"Mo-Fr 8-18", "expected a time like 08:00"},
		{"Mo-Fr 08:60-18:00", "minutes must be 00 to 59"},
		{"Mo-Fr 25:00-26:00", "must start before 24:00"},
		{"Mo-Fr 08:00-49:00", "hours must be 00 to 24"},
		{"Mo-Fr 08:00-08:00", "is empty"},
		{"Mo-Fr 10:00-26:00,28:00-27:00", "start before 24:00"},
		{"Mo-Fr 08:00-18:00 Sa 09:00-12:00", "expected ';' between rules"},
		{"Mo-Fr 08:00-12:00 14:00-18:00", "expected ',' between time ranges"},
		{"Mo-Fr 08:00-18:00;; Sa off", "empty rule"},
		{"; Mo off", "empty rule"},
		{"Mo-", "expected a weekday to end the day range"},
		{"Mo-Fr: 08:00-18:00", "no colon after the days"},
		{"Jan-Mar Mo 08:00-12:00", "month selectors"},
		{"week 1-10 Mo 08:00-12:00", "week selectors"},
		{"sunrise-sunset", "relative to the sun"},
		{`Mo 08:00-12:00 "call first"`, "comments"},
		{"Mo 08:00-12:00 || Tu off", "fallback rules"},
		{"Mo[1] 08:00-12:00", "nth-weekday"},
		{"Mo 08:00+", "open-ended"},
		{"Mo 08:00-18:00, 19:00", "expected '-'"},
		{"Mo 08:00-18:00,", "additional rule"},
		{"Mo off off", "expected ';'"},
		{"08:00-18:00 off", "expected ';'"},
		{"24/7 08:00-10:00", "between rules"},
		{"Mo 080:00-18:00", "expected a time like 08:00"},
		{"Mo 08:000-18:00", "expected a time like 08:00"},
		{"Mo 08:00–18:00", "unexpected character"},
		{"unknown", "leave opening_hours empty"},
		{"-", "expected a weekday"},
		{"Mo,", "additional rule"},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			h, err := Parse(tc.value)
			if err == nil {
				t.Fatalf("Parse(%q) = %v; want an error containing %q", tc.value, h, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) error = %q; want it to contain %q", tc.value, err, tc.want)
			}
			if !strings.Contains(err.Error(), "opening_hours") {
				t.Errorf("error %q does not name opening_hours", err)
			}
		})
	}
}

func TestOpeningHoursString(t *testing.T) {
	tests := []struct{ value, want string }{
		{"24/7", "24/7"},
		{"00:00-24:00", "24/7"},
		{"Mo-Su", "24/7"},
		{"off", "off"},
		{"PH off", "off"},
		{"Mo-Fr 08:00-18:00", "Mo-Fr 08:00-18:00"},
		{"Mo-Fr 08:00-12:00,14:00-18:00; Sa 10:00-12:00", "Mo-Fr 08:00-12:00,14:00-18:00; Sa 10:00-12:00"},
		{"Sa-Mo 10:00-14:00", "Mo,Sa-Su 10:00-14:00"},
		{"Fr 22:00-06:00", "Fr 22:00-24:00; Sa 00:00-06:00"},
		{"Su 22:00-06:00", "Mo 00:00-06:00; Su 22:00-24:00"},
		{"Mo-Su 08:00-20:00; Su off", "Mo-Sa 08:00-20:00"},
		{"Mo 08:00-09:00,09:00-10:00", "Mo 08:00-10:00"},
		{"Mo,We 08:00-09:00; Tu 10:00-11:00", "Mo,We 08:00-09:00; Tu 10:00-11:00"},
	}
	for _, tc := range tests {
		h, err := Parse(tc.value)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", tc.value, err)
		}
		if got := h.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q; want %q", tc.value, got, tc.want)
		}
	}
}

// TestOpeningHoursRoundTrip checks that String's canonical form parses to
// the same schedule, minute by minute, for random values.
func TestOpeningHoursRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	monday := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 500 {
		v := hourstest.Random(r)
		h, err := Parse(v)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", v, err)
		}
		c := h.String()
		h2, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q) (canonical of %q) = %v", c, v, err)
		}
		if !h.Equal(h2) {
			t.Fatalf("canonical %q of %q is a different schedule", c, v)
		}
		if c2 := h2.String(); c2 != c {
			t.Fatalf("String not stable: %q then %q", c, c2)
		}
		for m := 0; m < minutesPerWeek; m += 7 {
			tm := monday.Add(time.Duration(m) * time.Minute)
			if h.OpenAt(tm) != h2.OpenAt(tm) {
				t.Fatalf("%q and %q differ at %v", v, c, tm)
			}
		}
	}
}

// TestOpeningHoursOracle compares OpenAt with a direct, slow reading of
// the rules for random values of the form "days times; days times".
func TestOpeningHoursOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	monday := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 300 {
		// Build rules and the oracle's per-day ranges side by side.
		var perDay [7][]span
		var rules []string
		for range 1 + r.IntN(3) {
			d0, d1 := r.IntN(7), r.IntN(7)
			s := r.IntN(24) * 60
			e := r.IntN(25) * 60
			if e == s {
				e = s + 30
			}
			rules = append(rules, dayNames[d0]+"-"+dayNames[d1]+" "+formatMinute(s)+"-"+formatMinute(e))
			if e < s {
				e += minutesPerDay
			}
			for d := d0; ; d = (d + 1) % 7 {
				perDay[d] = []span{{s, e}}
				if d == d1 {
					break
				}
			}
		}
		v := strings.Join(rules, "; ")
		h, err := Parse(v)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", v, err)
		}
		for m := 0; m < minutesPerWeek; m += 5 {
			want := false
			for d, spans := range perDay {
				for _, sp := range spans {
					a := d*minutesPerDay + sp.start
					b := d*minutesPerDay + sp.end
					if m >= a && m < b || m+minutesPerWeek >= a && m+minutesPerWeek < b {
						want = true
					}
				}
			}
			tm := monday.Add(time.Duration(m) * time.Minute)
			if got := h.OpenAt(tm); got != want {
				t.Fatalf("%q.OpenAt(%s %s) = %v; want %v", v, tm.Weekday(), tm.Format("15:04"), got, want)
			}
		}
	}
}

func TestOpeningHoursShared(t *testing.T) {
	a, _ := Parse("Mo-Fr 07:00-19:00")
	b, _ := Parse("Mo-Fr 07:00-19:00")
	if a != b {
		t.Error("the same text parsed twice gave two values; want one shared value")
	}
}

func BenchmarkOpenAt(b *testing.B) {
	h, err := Parse("Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00")
	if err != nil {
		b.Fatal(err)
	}
	tm := time.Date(2024, 1, 3, 15, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		h.OpenAt(tm)
	}
}

func BenchmarkParseOpeningHours(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseHours("Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00; Su off"); err != nil {
			b.Fatal(err)
		}
	}
}
