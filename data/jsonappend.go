package data

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNonFinite is returned for a NaN or infinite number, which JSON cannot
// carry (json.Marshal refuses them too).
var ErrNonFinite = errors.New("json: unsupported value: NaN or Inf")

// AppendJSONFloat appends f as encoding/json writes a float64: the
// shortest representation, in exponent form below 1e-6 and from 1e21.
func AppendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: %v", ErrNonFinite, f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// The SWAR masks: a uint64 holds 8 bytes of a string, least significant
// first.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// unsafeBytes sets bit 7 of the bytes of x that cannot be copied into a
// JSON string as they are, exactly at and below the lowest one set (above
// it, borrows may set more), so bits.TrailingZeros64/8 is the index of
// the first: a control character, '"', '\\', a byte from 0x80 (the start
// or middle of a multi-byte sequence, valid or not, which the caller
// decodes), and with html '<', '>' and '&'.
//
// Each term is a subtraction that sets bit 7 of a byte below a bound (x -
// 0x20: below 0x20; x^c - 1: equal to c, as x^c is 0), with a borrow into
// the next byte only from a byte it flags. Its other flags are bytes from
// 0x80, which x itself flags, so one AND with swarHigh serves all.
func unsafeBytes(x uint64, html bool) uint64 {
	m := x | (x - 0x20*swarOnes) | ((x ^ '"'*swarOnes) - swarOnes) | ((x ^ '\\'*swarOnes) - swarOnes)
	if html {
		// '<' and '>' differ in bit 1 only: x|2 is '>' for both.
		m |= ((x | 0x02*swarOnes) ^ '>'*swarOnes) - swarOnes
		m |= (x ^ '&'*swarOnes) - swarOnes
	}
	return m & swarHigh
}

// load64 reads s[i:i+8] as a little-endian uint64 (one load on amd64 and
// arm64: the compiler merges the byte loads).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// safeASCII marks the ASCII bytes that go into a JSON string as they are:
// printable, and not " or \ (safeHTML: nor <, > or &).
var safeASCII, safeHTML = func() (plain, html [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c], html[c] = true, true
	}
	for _, c := range `"\` {
		plain[c], html[c] = false, false
	}
	for _, c := range `<>&` {
		html[c] = false
	}
	return plain, html
}()

// AppendJSONString appends s as a JSON string exactly as encoding/json
// does: control characters, quotes and backslashes escaped (and <, >, &
// with escapeHTML, encoding/json's default), U+2028 and U+2029 escaped
// for JavaScript, and each byte of invalid UTF-8 replaced by U+FFFD.
//
// Runs of ASCII bytes that need no escape are skipped 8 at a time
// (unsafeBytes) and copied at once; this is a hot path of every answer.
func AppendJSONString(b []byte, s string, escapeHTML bool) []byte {
	safe := &safeASCII
	if escapeHTML {
		safe = &safeHTML
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				// A run of safe bytes: skip it 8 at a time. A lone one,
				// a space between the words of a Cyrillic or Greek
				// name, is not worth the test.
				i++
				for i+8 <= len(s) && s[i] < utf8.RuneSelf {
					if m := unsafeBytes(load64(s, i), escapeHTML); m != 0 {
						i += bits.TrailingZeros64(m) >> 3
						break
					}
					i += 8
				}
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedASCII(b, c)
			i++
			start = i
			continue
		}
		// Fast paths for the valid sequences names are made of: two-byte
		// (Cyrillic, Latin accents) and three-byte with plain continuation
		// ranges (CJK). Leads E0 and ED restrict their second byte, and E2
		// starts U+2028/U+2029: those go the slow way.
		if c >= 0xc2 && c <= 0xdf && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
			i += 2
			continue
		}
		if c >= 0xe1 && c <= 0xef && c != 0xe2 && c != 0xed && i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEscapedASCII appends the escape of an ASCII byte JSON does not
// write as is.
func appendEscapedASCII(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// PlainText is a set of a record's text fields whose text is plain JSON
// (IsPlainJSON): written into a JSON string as it is. A reader that has
// checked its texts once, as the catalog's store does when it interns
// them, gives the set in FeatureOptions.Plain, and the writer then copies
// those texts instead of looking through them for characters to escape,
// which for names in Chinese or Cyrillic is most of a record's rendering.
// A bit set for a text that is not plain would write it unescaped: only
// set bits that IsPlainJSON said true for.
type PlainText uint16

// The fields of a PlainText.
const (
	PlainNameZH PlainText = 1 << iota
	PlainNameEN
	PlainNameRU
	PlainNameMN
	PlainKind
	PlainStatus
	PlainOpeningHours
	PlainSource
	PlainRegion
	PlainAddress
	PlainPhone
	PlainOperator
	PlainTimeZone

	// PlainNames is every name: then the derived name is plain too,
	// whichever language it falls back to.
	PlainNames = PlainNameZH | PlainNameEN | PlainNameRU | PlainNameMN
)

// plainFields are the Station fields a PlainText bit stands for (the
// names apart: one field, four bits).
var plainFields = map[string]PlainText{
	"Kind": PlainKind, "Status": PlainStatus, "OpeningHours": PlainOpeningHours, "Source": PlainSource,
	"Region": PlainRegion, "Address": PlainAddress, "Phone": PlainPhone, "Operator": PlainOperator, "TimeZone": PlainTimeZone,
}

// IsPlainJSON reports whether AppendJSONString writes s unchanged between
// its quotes, with escapeHTML and so without it too: valid UTF-8 without
// control characters, '"', '\\', '<', '>', '&', U+2028 or U+2029.
func IsPlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf && !safeHTML[c] {
			return false
		}
	}
	return utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

// appendPlain appends s, plain JSON (IsPlainJSON), as a JSON string.
func appendPlain(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
