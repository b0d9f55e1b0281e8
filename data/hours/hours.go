package hours

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yizhan/geo"
)

// Minutes in a day and in a week: the schedule is a set of minutes of the
// week, Monday 00:00 being minute 0.
const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
)

var dayNames = [7]string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"}

// Schedule is a parsed OSM opening_hours value: the set of minutes of
// the week during which a place is open. It is immutable, so one value may
// be shared by many records (Parse hands out the same pointer
// for the same text).
//
// Supported syntax, a subset of https://wiki.openstreetmap.org/wiki/Key:opening_hours:
//
//   - "24/7";
//   - weekdays Mo Tu We Th Fr Sa Su, as ranges ("Mo-Fr", "Sa-Mo" wraps the
//     week) and lists ("Mo,We,Fr", "Mo-We,Fr");
//   - time ranges "HH:MM-HH:MM", several separated by commas; a range whose
//     end is before its start ("22:00-06:00") or after 24:00 ("18:00-26:00")
//     runs into the next day. "24:00" is allowed as an end;
//   - "off" or "closed" ("Su off"), and "open" (all day);
//   - days without times ("Sa-Su") mean open all day; times without days
//     ("08:00-20:00") mean every day;
//   - rules separated by ";": a later rule replaces the hours of every day
//     it names (OSM's normal rules). A rule after "," instead adds to the
//     days it names (OSM's additional rules): "Mo-Fr 08:00-12:00, Sa 10:00-12:00".
//     The hours of a day are the ranges that start on that day, so a later
//     rule for Saturday does not cut Friday's "22:00-02:00" short;
//   - public and school holidays ("PH", "SH") are accepted and ignored,
//     because yizhan has no holiday calendar: "PH off" is dropped and
//     "Sa,Su,PH 10:00-14:00" means "Sa,Su 10:00-14:00". On a holiday the
//     weekday's hours apply.
//
// Anything else (months, dates, weeks, "Mo[1]", sunrise, comments, "||",
// "08:00+") is an error naming the part that was not understood.
type Schedule struct {
	// bounds alternates start, end, start, end... of the open intervals in
	// minutes of the week, sorted, disjoint and non-adjacent: [start, end).
	bounds []uint16
}

// hoursCache shares parsed values between records with the same text: a
// million records with a handful of distinct schedules cost a handful of
// schedules. Bounded so that arbitrary input cannot grow it without limit.
var (
	hoursCache     sync.Map // string → *Schedule
	hoursCacheSize atomic.Int64
)

const hoursCacheMax = 1 << 14

// Parse parses the OSM opening_hours forms yizhan supports
// (see Schedule). The error says which part of s was not understood
// and what was expected there.
func Parse(s string) (*Schedule, error) {
	if v, ok := hoursCache.Load(s); ok {
		return v.(*Schedule), nil
	}
	h, err := parseHours(s)
	if err != nil {
		return nil, err
	}
	if hoursCacheSize.Load() < hoursCacheMax {
		if _, loaded := hoursCache.LoadOrStore(s, h); !loaded {
			hoursCacheSize.Add(1)
		}
	}
	return h, nil
}

// OpenAt reports whether the hours say open at t, read as wall-clock time
// in t's location (convert t to the record's zone first). Seconds are
// ignored: a place open until 18:00 is open at 17:59:59. A nil value is
// never open.
func (h *Schedule) OpenAt(t time.Time) bool {
	if h == nil {
		return false
	}
	day := (int(t.Weekday()) + 6) % 7 // Monday = 0
	m := uint16(day*minutesPerDay + t.Hour()*60 + t.Minute())
	// i = number of bounds <= m; inside an interval when odd.
	lo, hi := 0, len(h.bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if h.bounds[mid] <= m {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo%2 == 1
}

// Equal reports whether h and o describe the same weekly schedule,
// however they were written.
func (h *Schedule) Equal(o *Schedule) bool {
	if h == nil || o == nil {
		return h == o
	}
	return slices.Equal(h.bounds, o.bounds)
}

// String returns the canonical form of the schedule: "24/7", "off", or
// rules "Mo-Fr 08:00-12:00,14:00-18:00; Sa 10:00-12:00" with each day's
// hours split at midnight, days with the same hours grouped and closed days
// left out. Parsing it gives an equal schedule.
func (h *Schedule) String() string {
	if h == nil || len(h.bounds) == 0 {
		return "off"
	}
	if len(h.bounds) == 2 && h.bounds[0] == 0 && h.bounds[1] == minutesPerWeek {
		return "24/7"
	}
	// Each day's ranges as text, e.g. "08:00-12:00,14:00-18:00".
	var perDay [7]string
	for d := range 7 {
		dayStart, dayEnd := uint16(d*minutesPerDay), uint16((d+1)*minutesPerDay)
		var b strings.Builder
		for i := 0; i < len(h.bounds); i += 2 {
			s, e := max(h.bounds[i], dayStart), min(h.bounds[i+1], dayEnd)
			if s >= e {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(formatMinute(int(s - dayStart)))
			b.WriteByte('-')
			b.WriteString(formatMinute(int(e - dayStart)))
		}
		perDay[d] = b.String()
	}
	var rules []string
	var done [7]bool
	for d := range 7 {
		if done[d] || perDay[d] == "" {
			continue
		}
		var same [7]bool
		for e := d; e < 7; e++ {
			if perDay[e] == perDay[d] {
				same[e], done[e] = true, true
			}
		}
		rules = append(rules, formatDays(same)+" "+perDay[d])
	}
	return strings.Join(rules, "; ")
}

func formatMinute(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// formatDays writes a day set as runs: "Mo-We,Fr".
func formatDays(set [7]bool) string {
	var parts []string
	for d := 0; d < 7; {
		if !set[d] {
			d++
			continue
		}
		e := d
		for e+1 < 7 && set[e+1] {
			e++
		}
		if e == d {
			parts = append(parts, dayNames[d])
		} else {
			parts = append(parts, dayNames[d]+"-"+dayNames[e])
		}
		d = e + 1
	}
	return strings.Join(parts, ",")
}

// span is a time range within a rule, in minutes from the start of the day
// it starts on; end may exceed 24:00 when the range runs into the next day.
type span struct{ start, end int }

type tokKind int

const (
	tEOF tokKind = iota
	tDay
	tHoliday
	tTime
	tDash
	tComma
	tSemi
	t247
	tOff
	tOpen
)

type token struct {
	kind tokKind
	val  int    // weekday (Monday = 0) or minutes
	pos  int    // byte offset in the input
	text string // as written
}

// hoursError reports a problem at a position of the input.
func hoursError(src string, pos int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if pos >= len(src) {
		return fmt.Errorf("opening_hours %q: at the end: %s", src, msg)
	}
	return fmt.Errorf("opening_hours %q: at %q (column %d): %s", src, geo.Clip(src[pos:], 12), pos+1, msg)
}

const expectSelector = "expected a weekday (Mo, Tu, We, Th, Fr, Sa, Su), a time range like 08:00-18:00, 24/7 or off"

func lexHours(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '-':
			toks = append(toks, token{kind: tDash, pos: i, text: "-"})
			i++
		case c == ',':
			toks = append(toks, token{kind: tComma, pos: i, text: ","})
			i++
		case c == ';':
			toks = append(toks, token{kind: tSemi, pos: i, text: ";"})
			i++
		case c >= '0' && c <= '9':
			if strings.HasPrefix(src[i:], "24/7") {
				toks = append(toks, token{kind: t247, pos: i, text: "24/7"})
				i += 4
				continue
			}
			start := i
			for i < len(src) && i-start < 3 && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			if i-start > 2 || i+3 > len(src) || src[i] != ':' ||
				src[i+1] < '0' || src[i+1] > '9' || src[i+2] < '0' || src[i+2] > '9' {
				return nil, hoursError(src, start, "expected a time like 08:00 (hours:minutes)")
			}
			hour := atoi(src[start:i])
			minute := atoi(src[i+1 : i+3])
			if minute > 59 {
				return nil, hoursError(src, start, "minutes must be 00 to 59")
			}
			if hour > 48 || hour == 48 && minute > 0 {
				return nil, hoursError(src, start, "hours must be 00 to 24 (up to 48:00 for a range ending the next day)")
			}
			i += 3
			if i < len(src) && src[i] >= '0' && src[i] <= '9' {
				return nil, hoursError(src, start, "expected a time like 08:00 (hours:minutes)")
			}
			toks = append(toks, token{kind: tTime, val: hour*60 + minute, pos: start, text: src[start:i]})
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			start := i
			for i < len(src) && (src[i] >= 'a' && src[i] <= 'z' || src[i] >= 'A' && src[i] <= 'Z') {
				i++
			}
			word := src[start:i]
			t, err := lexWord(src, start, word)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
		case c == '"':
			return nil, hoursError(src, i, "comments in quotes are not supported")
		case c == '|':
			return nil, hoursError(src, i, "fallback rules (||) are not supported; use ';' between rules")
		case c == '[':
			return nil, hoursError(src, i, "nth-weekday selectors such as Mo[1] are not supported")
		case c == '+':
			return nil, hoursError(src, i, "open-ended times such as 08:00+ are not supported; give an end time")
		case c == ':':
			return nil, hoursError(src, i, "unexpected ':'; write a rule as \"Mo-Fr 08:00-18:00\" with no colon after the days")
		default:
			return nil, hoursError(src, i, "unexpected character; %s", expectSelector)
		}
	}
	toks = append(toks, token{kind: tEOF, pos: len(src)})
	return toks, nil
}

func atoi(s string) int {
	n := 0
	for _, c := range []byte(s) {
		n = n*10 + int(c-'0')
	}
	return n
}

func lexWord(src string, pos int, word string) (token, error) {
	lw := strings.ToLower(word)
	for d, name := range dayNames {
		if lw == strings.ToLower(name) {
			return token{kind: tDay, val: d, pos: pos, text: word}, nil
		}
	}
	switch lw {
	case "ph", "sh":
		return token{kind: tHoliday, pos: pos, text: word}, nil
	case "off", "closed":
		return token{kind: tOff, pos: pos, text: word}, nil
	case "open":
		return token{kind: tOpen, pos: pos, text: word}, nil
	case "sunrise", "sunset", "dawn", "dusk":
		return token{}, hoursError(src, pos, "times relative to the sun are not supported; give clock times like 08:00")
	case "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec":
		return token{}, hoursError(src, pos, "month selectors are not supported; only weekdays and times")
	case "week":
		return token{}, hoursError(src, pos, "week selectors are not supported; only weekdays and times")
	case "easter":
		return token{}, hoursError(src, pos, "date selectors are not supported; only weekdays and times")
	case "unknown":
		return token{}, hoursError(src, pos, "\"unknown\" is not supported; leave opening_hours empty when the hours are not known")
	}
	return token{}, hoursError(src, pos, "unknown word %q; %s", word, expectSelector)
}

type hoursParser struct {
	src  string
	toks []token
	i    int
	days [7][]span // each day's ranges, by the day they start on
}

func (p *hoursParser) peek() token { return p.toks[p.i] }

func (p *hoursParser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *hoursParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *hoursParser) errorf(t token, format string, args ...any) error {
	return hoursError(p.src, t.pos, format, args...)
}

func parseHours(src string) (*Schedule, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("opening_hours is empty; %s", expectSelector)
	}
	toks, err := lexHours(src)
	if err != nil {
		return nil, err
	}
	p := &hoursParser{src: src, toks: toks}
	additional := false
	for {
		if err := p.rule(additional); err != nil {
			return nil, err
		}
		t := p.next()
		switch t.kind {
		case tEOF:
			return p.build(), nil
		case tSemi:
			if p.peek().kind == tEOF { // a trailing ";" is common and harmless
				return p.build(), nil
			}
			if p.peek().kind == tSemi {
				return nil, p.errorf(p.peek(), "empty rule between ';'")
			}
			additional = false
		case tComma:
			if k := p.peek().kind; k != tDay && k != tHoliday {
				return nil, p.errorf(p.peek(), "expected a weekday to start an additional rule after ','")
			}
			additional = true
		case tTime:
			return nil, p.errorf(t, "expected ',' between time ranges or ';' between rules")
		default:
			return nil, p.errorf(t, "expected ';' between rules or the end of the value")
		}
	}
}

// rule parses one rule: "24/7", or [days] [times | off | open].
func (p *hoursParser) rule(additional bool) error {
	if p.peek().kind == t247 {
		p.next()
		p.apply([7]bool{true, true, true, true, true, true, true}, []span{{0, minutesPerDay}}, false, additional)
		return nil
	}
	var days [7]bool
	daysGiven, holidaysOnly := false, false
	if k := p.peek().kind; k == tDay || k == tHoliday {
		var err error
		days, holidaysOnly, err = p.dayList()
		if err != nil {
			return err
		}
		daysGiven = true
	} else {
		days = [7]bool{true, true, true, true, true, true, true}
	}
	var spans []span
	off := false
	switch t := p.peek(); t.kind {
	case tTime:
		var err error
		if spans, err = p.timeList(); err != nil {
			return err
		}
	case tOff:
		p.next()
		off = true
	case tOpen:
		p.next()
		spans = []span{{0, minutesPerDay}}
	default:
		if !daysGiven {
			if t.kind == tEOF || t.kind == tSemi {
				return p.errorf(t, "empty rule; %s", expectSelector)
			}
			return p.errorf(t, expectSelector)
		}
		spans = []span{{0, minutesPerDay}} // "Sa-Su" alone: all day
	}
	if holidaysOnly {
		return nil // a PH/SH-only rule: holidays are not modelled
	}
	p.apply(days, spans, off, additional)
	return nil
}

// dayList parses "Mo-Fr,Su,PH". holidaysOnly is true when it named only holidays.
func (p *hoursParser) dayList() (days [7]bool, holidaysOnly bool, err error) {
	anyDay := false
	for {
		t := p.next()
		switch t.kind {
		case tHoliday:
			// ignored, see Schedule
		case tDay:
			anyDay = true
			if p.peek().kind == tDash && p.peekAt(1).kind == tDay {
				p.next()
				end := p.next()
				for d := t.val; ; d = (d + 1) % 7 {
					days[d] = true
					if d == end.val {
						break
					}
				}
			} else if p.peek().kind == tDash {
				p.next()
				return days, false, p.errorf(p.peek(), "expected a weekday to end the day range %s-…", dayNames[t.val])
			} else {
				days[t.val] = true
			}
		default:
			return days, false, p.errorf(t, "expected a weekday (Mo, Tu, We, Th, Fr, Sa, Su) or PH")
		}
		if p.peek().kind == tComma && (p.peekAt(1).kind == tDay || p.peekAt(1).kind == tHoliday) {
			p.next()
			continue
		}
		return days, !anyDay, nil
	}
}

// timeList parses "08:00-12:00,14:00-18:00".
func (p *hoursParser) timeList() ([]span, error) {
	var spans []span
	for {
		start := p.next()
		if start.kind != tTime {
			return nil, p.errorf(start, "expected a time range like 08:00-18:00")
		}
		if start.val >= minutesPerDay {
			return nil, p.errorf(start, "a range must start before 24:00")
		}
		if t := p.next(); t.kind != tDash {
			return nil, p.errorf(t, "expected '-' and an end time after %s", start.text)
		}
		end := p.next()
		if end.kind != tTime {
			return nil, p.errorf(end, "expected an end time like 18:00 after %s-", start.text)
		}
		e := end.val
		switch {
		case e == start.val:
			return nil, p.errorf(start, "the range %s-%s is empty; use 00:00-24:00 or 24/7 for all day", start.text, end.text)
		case e < start.val:
			if e > minutesPerDay {
				return nil, p.errorf(start, "the range %s-%s ends before it starts", start.text, end.text)
			}
			e += minutesPerDay // runs past midnight
		}
		spans = append(spans, span{start.val, e})
		if p.peek().kind == tComma && p.peekAt(1).kind == tTime {
			p.next()
			continue
		}
		return spans, nil
	}
}

func (p *hoursParser) apply(days [7]bool, spans []span, off, additional bool) {
	for d := range 7 {
		if !days[d] {
			continue
		}
		if off || !additional {
			p.days[d] = nil
		}
		p.days[d] = append(p.days[d], spans...)
	}
}

// build turns the per-day ranges into merged intervals of the week.
func (p *hoursParser) build() *Schedule {
	var iv []span
	for d, spans := range p.days {
		for _, s := range spans {
			a, b := d*minutesPerDay+s.start, d*minutesPerDay+s.end
			if b <= minutesPerWeek {
				iv = append(iv, span{a, b})
			} else { // Sunday night into Monday morning
				iv = append(iv, span{a, minutesPerWeek}, span{0, b - minutesPerWeek})
			}
		}
	}
	slices.SortFunc(iv, func(x, y span) int { return x.start - y.start })
	h := &Schedule{}
	for _, s := range iv {
		n := len(h.bounds)
		if n > 0 && int(h.bounds[n-1]) >= s.start {
			h.bounds[n-1] = uint16(max(int(h.bounds[n-1]), s.end))
			continue
		}
		h.bounds = append(h.bounds, uint16(s.start), uint16(s.end))
	}
	return h
}
