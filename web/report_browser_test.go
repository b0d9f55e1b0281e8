package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestReportPrintsToPDF asks the server for the printable report of the
// province (15 minutes by car, five sites) in each language, opens it in
// headless Chromium with the headers the server sent, and checks that
// its policy lets its style sheet apply (the A4 page size and the table
// borders), that no script or outside resource is involved, and that it
// prints to an A4 PDF of a few pages.
func TestReportPrintsToPDF(t *testing.T) {
	base := startServer(t)
	ctx := newBrowserFor(t, 90*time.Second)
	for _, lang := range []string{"en", "zh", "ru", "mn"} {
		body := `{"region":"Inner Mongolia","minutes":15,"mode":"drive","n":5,"lang":"` + lang + `"}`
		res, err := http.Post(base+"v1/coverage/report?format=html", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		html, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: report %d %v\n%.300s", lang, res.StatusCode, err, html)
		}
		csp := res.Header.Get("Content-Security-Policy")
		// Serve the same bytes with the same policy on a GET the browser can open.
		var foreign []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				foreign = append(foreign, r.URL.Path)
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
			_, _ = w.Write(html)
		}))
		var border, sheets string
		var pdf []byte
		err = chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"))
		if err == nil {
			border, err = chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('th')).borderTopStyle`))
		}
		if err == nil {
			sheets, err = chromedp.Run(ctx, chromedp.Evaluate[string](`String(document.styleSheets.length)`))
		}
		if err == nil {
			var r cdppage.PrintToPDFResult
			prefer := true
			r, err = chromedp.Call(ctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &prefer})
			pdf = r.Data
		}
		srv.Close()
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if border != "solid" || sheets != "1" {
			t.Fatalf("%s: th border %q, %s style sheets; want the report's style sheet applied (policy %q)", lang, border, sheets, csp)
		}
		if len(foreign) > 0 {
			t.Fatalf("%s: the report fetched %v; want a self-contained page", lang, foreign)
		}
		pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
		// A4 is 595 × 842 points.
		a4 := bytes.Contains(pdf, []byte("/MediaBox [0 0 595")) || regexp.MustCompile(`/MediaBox\s*\[\s*0 0 59[45]\.\d* 84[12]`).Match(pdf)
		if !bytes.HasPrefix(pdf, []byte("%PDF")) || pages < 1 || pages > 5 || !a4 {
			t.Fatalf("%s: PDF of %d bytes, %d pages, A4 %v; want an A4 PDF of 1 to 5 pages", lang, len(pdf), pages, a4)
		}
		t.Logf("%s: %d KB of HTML print to %d A4 pages (%d KB of PDF)", lang, len(html)>>10, pages, len(pdf)>>10)
	}
}
