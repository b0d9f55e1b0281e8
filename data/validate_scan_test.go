package data

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// textCases are strings at the edges of scanText and hasControl: ASCII,
// C0, DEL and C1 controls, spaces of both kinds, invalid and truncated
// UTF-8.
var textCases = []string{
	"", " ", "\t\n\v\f\r ", "a", "Замын-Үүд", "二连浩特", " 二连 ", "\u00a0", "\u0085", "\u2003",
	"a\x00b", "a\x1fb", "a\x7fb", "a\u0080b", "a\u009fb", "a\u00a0b", "\xff", "a\xc3", "\xed\xa0\x80",
	"line\nbreak", "tab\there", "cr\r", "\u200b", "\ufeff", strings.Repeat("я", 201),
}

// scanTextOracle is textFacts as the standard library gives them.
func scanTextOracle(s string) textFacts {
	return textFacts{
		invalid: !utf8.ValidString(s),
		control: strings.IndexFunc(s, unicode.IsControl) >= 0,
		blank:   strings.TrimSpace(s) == "",
		runes:   utf8.RuneCountInString(s),
	}
}

// addressRefused is checkAddress's refused set.
func addressRefused(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' }

func checkScan(t *testing.T, s string) {
	t.Helper()
	got, want := scanText(s), scanTextOracle(s)
	// control is only read for valid UTF-8, where strings.IndexFunc and
	// scanText decode alike; invalid bytes are RuneError to both.
	if got != want {
		t.Errorf("scanText(%q) = %+v; want %+v", s, got, want)
	}
	if got, want := hasControl(s, nil), strings.IndexFunc(s, unicode.IsControl) >= 0; got != want {
		t.Errorf("hasControl(%q, nil) = %v; want %v", s, got, want)
	}
	if got, want := hasControl(s, addressRefused), strings.IndexFunc(s, addressRefused) >= 0; got != want {
		t.Errorf("hasControl(%q, address) = %v; want %v", s, got, want)
	}
}

func TestScanTextMatchesStdlib(t *testing.T) {
	for _, s := range textCases {
		checkScan(t, s)
	}
}

func FuzzScanText(f *testing.F) {
	for _, s := range textCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkScan(t, s) })
}

// A valid record is validated on every load, a million at a time: it
// allocates nothing.
func TestValidateStoredValidAllocatesNothing(t *testing.T) {
	s := validStation()
	s.Normalize()
	if p := s.ValidateStored(); len(p) != 0 {
		t.Fatalf("ValidateStored = %v; want none", p)
	}
	if n := testing.AllocsPerRun(100, func() { _ = s.ValidateStored() }); n != 0 {
		t.Errorf("ValidateStored of a valid record: %v allocations; want 0", n)
	}
}
