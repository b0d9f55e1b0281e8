package data

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// oracleSafeASCII marks the ASCII bytes that go into a JSON string as they are:
// printable, and not " or \ (oracleSafeHTML: nor <, > or &).
var oracleSafeASCII, oracleSafeHTML = func() (plain, html [utf8.RuneSelf]bool) {
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

// oracleAppendJSONString is the byte-at-a-time escaper AppendJSONString
// replaced, kept as the oracle its output must match byte for byte. It
// appends s as a JSON string exactly as encoding/json
// does: control characters, quotes and backslashes escaped (and <, >, &
// with escapeHTML, encoding/json's default), U+2028 and U+2029 escaped
// for JavaScript, and each byte of invalid UTF-8 replaced by U+FFFD.
func oracleAppendJSONString(b []byte, s string, escapeHTML bool) []byte {
	safe := &oracleSafeASCII
	if escapeHTML {
		safe = &oracleSafeHTML
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
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

// jsonStringSeeds are adversarial strings: every byte the escaper treats
// specially, at every offset around the 8-byte SWAR windows, U+2028 and
// U+2029 whole and cut, invalid and overlong UTF-8, surrogates encoded
// as UTF-8, and the sequences the fast paths refuse (E0, ED, F0-F4 leads).
var jsonStringSeeds = []string{
	"", "a", "abcdefg", "abcdefgh", "abcdefghi", "Vaduz Tankstelle 24h",
	`"`, `\`, "<", ">", "&", "\x00", "\x1f", "\x7f", "\t\n\r\b\f",
	"1234567\"", "12345678\"", "123456789\"", "1234567<89", "abcdefg\x80",
	"\u2028", "\u2029", "x\u2028y\u2029z", "\xe2\x80", "\xe2\x80\xa8\xe2",
	"\xe2\x80\xa7", "\xe2\x80\xaa", "\xff", "\xfe\xff", "\xc0\xaf", "\xc1\xbf",
	"\xe0\x80\xaf", "\xe0\xa0\x80", "\xed\xa0\x80", "\xed\x9f\xbf", "\xf0\x9f\x98\x80",
	"\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xc2", "\xc2\x41",
	"加油站中国石化", "АЗС Лукойл", "Шатахуун түгээх станц", "Station-service Total & Cie",
	"<img src=x onerror=alert(1)>", "</script><script>", "中\xe4\xb8", "ab\xe4\xb8\xadcd\x80ef",
	strings.Repeat("a", 63) + "<", strings.Repeat("中", 20) + "\x00" + strings.Repeat("b", 9),
}

// jsonStringAlphabet is what random strings are drawn from, weighted to
// the bytes and sequences the escaper decides on.
var jsonStringAlphabet = []string{
	"a", "Z", "0", " ", "-", "~", `"`, `\`, "<", ">", "&", "/", "\x00", "\x01", "\x1f",
	"\x20", "\x7f", "\n", "\t", "\u2028", "\u2029", "\xe2", "\x80", "\xa8", "\xbf",
	"\xc0", "\xc2", "\xdf", "\xe0", "\xed", "\xef", "\xf0", "\xf4", "\xf5", "\xff",
	"é", "ж", "中", "😀", "\ufffd", "\u00a0", "\u200b",
}

// randomJSONString draws a string of up to 40 pieces of the alphabet, or
// one of up to 40 uniformly random bytes.
func randomJSONString(r *rand.Rand) string {
	var sb strings.Builder
	n := r.IntN(41)
	if r.IntN(4) == 0 {
		for range n {
			sb.WriteByte(byte(r.UintN(256)))
		}
		return sb.String()
	}
	for range n {
		p := jsonStringAlphabet[r.IntN(len(jsonStringAlphabet))]
		if r.IntN(3) == 0 {
			p = strings.Repeat("b", r.IntN(12)) // long safe runs cross SWAR windows
		}
		sb.WriteString(p)
	}
	return sb.String()
}

// checkJSONString fails t unless AppendJSONString writes s exactly as the
// oracle does, with and without HTML escaping, onto a non-empty buffer,
// and, for valid UTF-8, exactly as encoding/json does.
func checkJSONString(t *testing.T, s string) {
	t.Helper()
	for _, html := range []bool{false, true} {
		prefix := []byte("[1,")
		got := AppendJSONString(bytes.Clone(prefix), s, html)
		want := oracleAppendJSONString(bytes.Clone(prefix), s, html)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q, html=%v) = %s, oracle %s", s, html, got, want)
		}
	}
	if utf8.ValidString(s) {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := AppendJSONString(nil, s, true); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func TestAppendJSONStringMatchesOracle(t *testing.T) {
	for _, s := range jsonStringSeeds {
		// Every seed at every offset and cut short at every length, so
		// each special byte falls on every place of an 8-byte window.
		for pad := 0; pad < 9; pad++ {
			p := strings.Repeat("x", pad) + s
			for n := 0; n <= len(p); n++ {
				checkJSONString(t, p[:n])
			}
		}
	}
	r := rand.New(rand.NewPCG(9, 2028))
	for range 20000 {
		checkJSONString(t, randomJSONString(r))
	}
}

// TestAppendJSONStringEveryByte puts each byte value, and each pair of
// them, at every place of a 16-byte window of safe bytes.
func TestAppendJSONStringEveryByte(t *testing.T) {
	base := []byte("abcdefghijklmnop")
	for c := 0; c < 256; c++ {
		for i := range base {
			s := bytes.Clone(base)
			s[i] = byte(c)
			checkJSONString(t, string(s))
		}
	}
	for c := 0; c < 256; c++ {
		for d := 0; d < 256; d++ {
			s := bytes.Clone(base)
			s[5], s[6] = byte(c), byte(d)
			checkJSONString(t, string(s))
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkJSONString(t, s)
	})
}

// jsonStringBenchCases are the strings records are made of: ASCII names
// and hours, Cyrillic and CJK names, and an address that needs escapes.
var jsonStringBenchCases = []struct{ name, s string }{
	{"ascii-short", "Shell"},
	{"id", "osm-node-2345678901"},
	{"accents", "Estació de servei Andorra la Vella, Carretera de l'Obac"},
	{"ascii", "Tankstelle Vaduz Landstrasse 24h Mo-Su 06:00-22:00"},
	{"cyrillic", "АЗС Лукойл на Ленинградском шоссе"},
	{"cjk", "中国石化加油站北京朝阳区建国路"},
	{"escapes", `Total & Cie "Le Relais" <A7> \ sortie 12`},
}

// BenchmarkAppendJSONString runs the new escaper and the oracle side by
// side on each case (go test -bench AppendJSONString ./data/).
func BenchmarkAppendJSONString(b *testing.B) {
	for _, c := range jsonStringBenchCases {
		for _, impl := range []struct {
			name string
			fn   func([]byte, string, bool) []byte
		}{{"swar", AppendJSONString}, {"bytewise", oracleAppendJSONString}} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				buf := make([]byte, 0, 256)
				b.SetBytes(int64(len(c.s)))
				for b.Loop() {
					buf = impl.fn(buf[:0], c.s, true)
				}
			})
		}
	}
}

// checkPlain fails unless IsPlainJSON(s) says exactly whether
// AppendJSONString writes s unchanged between its quotes, with escapeHTML;
// a plain s is unchanged without escapeHTML too.
func checkPlain(t *testing.T, s string) {
	t.Helper()
	quoted := `"` + s + `"`
	want := string(AppendJSONString(nil, s, true)) == quoted
	if got := IsPlainJSON(s); got != want {
		t.Fatalf("IsPlainJSON(%q) = %v; AppendJSONString writes %s", s, got, AppendJSONString(nil, s, true))
	}
	if want && string(AppendJSONString(nil, s, false)) != quoted {
		t.Fatalf("IsPlainJSON(%q) = true; AppendJSONString without escapeHTML writes %s", s, AppendJSONString(nil, s, false))
	}
}

func TestIsPlainJSON(t *testing.T) {
	for _, s := range jsonStringSeeds {
		for pad := 0; pad < 9; pad++ {
			p := strings.Repeat("x", pad) + s
			for n := 0; n <= len(p); n++ {
				checkPlain(t, p[:n])
			}
		}
	}
	for c := 0; c < 256; c++ {
		checkPlain(t, "abc"+string(rune(c))+"def")
		checkPlain(t, "abc"+string([]byte{byte(c)})+"def")
	}
	r := rand.New(rand.NewPCG(9, 2029))
	for range 20000 {
		checkPlain(t, randomJSONString(r))
	}
}

func FuzzIsPlainJSON(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(checkPlain)
}
