package postgis

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"yizhan/data"
)

// namesObjects are jsonb objects at the edges of namesScan: the usual
// form, escapes, values that are not strings (rows older than the names
// check), keys it ignores or that differ only in case.
var namesObjects = []string{
	`{}`,
	`{"zh": "二连浩特"}`,
	`{"en": "Erenhot", "mn": "Эрээн", "ru": "Эрлянь", "zh": "二连浩特"}`,
	`{"en": "a \"quoted\" name", "zh": "back\\slash"}`,
	`{"en": "tab\there", "zh": "nl\n"}`,
	`{"en": "\u0001", "zh": "é"}`,
	`{"en": 5, "zh": 1.50}`,
	`{"en": null, "zh": true}`,
	`{"en": {"b": 1, "a": [1, "x"]}, "zh": ["y"]}`,
	`{"EN": "upper", "de": "Erlian", "en": "lower"}`,
	`{"en": "", "zh": " "}`,
	`{"en": "a: b, c", "zh": "{\"x\": \"y\"}"}`,
	`{"aa": "x", "zh": "z"}`,
}

// TestNamesScanMatchesServer decodes the text of each object as the load
// does and compares it with what the server's ->> gives per language.
func TestNamesScanMatchesServer(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, freshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, slab := range []bool{false, true} {
		d := newRowDecoder()
		d.slab = slab
		for _, obj := range namesObjects {
			var text string
			var want data.Names
			if err := conn.QueryRow(ctx, `SELECT j::text, coalesce(j->>'zh', ''), coalesce(j->>'en', ''), coalesce(j->>'ru', ''), coalesce(j->>'mn', '')
				FROM (SELECT $1::jsonb AS j) v`, obj).Scan(&text, &want.ZH, &want.EN, &want.RU, &want.MN); err != nil {
				t.Fatalf("%s: %v", obj, err)
			}
			var got data.Names
			d.namesErr = nil
			if err := (namesScan{d, &got}).ScanBytes([]byte(text)); err != nil || d.namesErr != nil {
				t.Fatalf("%s: %v, %v", text, err, d.namesErr)
			}
			if got != want {
				t.Errorf("names of %s = %+v; want %+v (->>)", text, got, want)
			}
		}
	}
}

// Text that is not a JSON object makes its record undecodable, not the
// load fail.
func TestNamesScanRefusesNonObjects(t *testing.T) {
	for _, text := range []string{``, `[]`, `"x"`, `null`, `{`, `{"en": }`, `{"en": "x"`} {
		d := newRowDecoder()
		var got data.Names
		if err := (namesScan{d, &got}).ScanBytes([]byte(text)); err != nil {
			t.Fatalf("%q: ScanBytes = %v; want the error noted", text, err)
		}
		if d.namesErr == nil {
			t.Errorf("%q: decoded as %+v; want an error", text, got)
		}
	}
}

// FuzzNamesScan: the fast reading of the names' text, wherever it takes
// the text, gives the names encoding/json gives (the slow path), and no
// text makes either panic.
func FuzzNamesScan(f *testing.F) {
	for _, o := range namesObjects {
		f.Add([]byte(o))
	}
	f.Add([]byte(`{"zh": "a", "en"`))
	f.Add([]byte(`{"zh": "a"", "en": "b"}`))
	f.Add([]byte(`{"zh": "a",  "en": "b"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, slow data.Names
		d := &rowDecoder{}
		fastOK := namesScan{d, &fast}.fast(b)
		slowErr := namesScan{d, &slow}.slow(b)
		if !fastOK {
			return
		}
		if slowErr != nil {
			t.Fatalf("fast read %q as %+v; encoding/json refuses it: %v", b, fast, slowErr)
		}
		if fast != slow {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}

// TestNamesScanShares: names read again from the decoder's table are the
// names a fresh decoder reads, errors are never shared, and the table
// stops being consulted once it is full and rows miss it.
func TestNamesScanShares(t *testing.T) {
	texts := append(append([]string{}, namesObjects...), namesObjects...)
	texts = append(texts, `{`, `[]`, `{`) // refused: never in the table
	for i := range 3 * maxSharedNames {
		texts = append(texts, fmt.Sprintf(`{"en": "Station %d", "zh": "驿站"}`, i))
	}
	d := newRowDecoder()
	d.slab = true
	for round := range 2 {
		for _, text := range texts {
			var got, want data.Names
			d.namesErr = nil
			_ = (namesScan{d, &got}).ScanBytes([]byte(text))
			fresh := newRowDecoder()
			_ = (namesScan{fresh, &want}).ScanBytes([]byte(text))
			if (d.namesErr == nil) != (fresh.namesErr == nil) || (fresh.namesErr == nil && got != want) {
				t.Fatalf("round %d, %s: %+v, %v; a fresh decoder gives %+v, %v", round, text, got, d.namesErr, want, fresh.namesErr)
			}
		}
	}
	if d.namesHits == 0 {
		t.Error("no names were found in the table")
	}
	if d.namesShared {
		t.Errorf("after %d misses and %d hits the table is still consulted", d.namesMisses, d.namesHits)
	}
	if len(d.names) > maxSharedNames {
		t.Errorf("the table holds %d names; at most %d", len(d.names), maxSharedNames)
	}
}
