package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// hohhotDemand is a demand file of eight weighted points around Hohhot
// (111.67°E, 40.82°N), 10 to 35 km apart: five 15-minute sites by car
// (7.7 km) cannot cover them all, and at the province's zoom the sites
// they draw are a few pixels apart.
func hohhotDemand() (text string, total float64) {
	offsets := [][2]float64{{0, 0}, {15, 0}, {0, 15}, {-15, 0}, {0, -15}, {30, 10}, {-25, -20}, {10, -30}} // km east, km north
	var b strings.Builder
	b.WriteString("lon,lat,weight\r\n")
	for i, o := range offsets {
		lat := 40.82 + o[1]/111.32
		lon := 111.67 + o[0]/(111.32*math.Cos(lat*math.Pi/180))
		w := float64(1000 * (len(offsets) - i))
		total += w
		fmt.Fprintf(&b, "%.5f,%.5f,%g\r\n", lon, lat, w)
	}
	return b.String(), total
}

// siteMarker is a suggested site's marker as the page draws it.
type siteMarker struct {
	Ranks string  `json:"ranks"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	W     float64 `json:"w"`
}

const readSiteMarkers = `Array.from(document.querySelectorAll('.suggest-marker')).map(e => {
	const r = e.getBoundingClientRect();
	return {ranks: e.dataset.ranks || '', x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width};
})`

// checkSiteMarkers fails the test unless the markers stand for sites 1
// to n, each once, and no two of them overlap on screen.
func checkSiteMarkers(t *testing.T, p page, n int, where string) []siteMarker {
	t.Helper()
	ms, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]siteMarker](readSiteMarkers))
	if err != nil {
		t.Fatalf("read the site markers: %v", err)
	}
	var ranks []int
	for _, m := range ms {
		for _, r := range strings.Split(m.Ranks, ",") {
			v, err := strconv.Atoi(r)
			if err != nil {
				t.Fatalf("%s: marker with data-ranks %q", where, m.Ranks)
			}
			ranks = append(ranks, v)
		}
	}
	slices.Sort(ranks)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(ranks, want) {
		t.Errorf("%s: the markers stand for sites %v; want each of %v once", where, ranks, want)
	}
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			d := math.Hypot(ms[i].X-ms[j].X, ms[i].Y-ms[j].Y)
			if d < (ms[i].W+ms[j].W)/2 {
				t.Errorf("%s: markers of sites %s and %s overlap (%.1f px apart, %.0f and %.0f px wide)", where, ms[i].Ranks, ms[j].Ranks, d, ms[i].W, ms[j].W)
			}
		}
	}
	return ms
}

// scenarioRow is one row of the scenarios table.
type scenarioRow struct {
	Name   string  `json:"name"`
	Text   string  `json:"text"`
	Demand float64 `json:"demand"`
}

// TestPlannerDemandSites uploads a demand file, suggests five sites,
// checks that their markers never stack at the province's zoom, opens a
// site's card, switches the scenarios, exports the CSV table and prints
// the report to an A4 PDF in Russian.
func TestPlannerDemandSites(t *testing.T) {
	p, log, _ := openView(t, "planner")
	defer log.check(t)
	start := time.Now()

	// The demand file: a CSV of eight points, counted in the page.
	text, total := hohhotDemand()
	file := filepath.Join(t.TempDir(), "hohhot-demand.csv")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if info := p.text("the demand note", `document.getElementById('planner-demand-info').textContent`); !strings.Contains(info, "5,000") {
		t.Errorf("default demand note = %q; want it to say where the built-in weights come from", info)
	}
	p.set("planner-demand-source", "file")
	p.poll("the file input", `!document.getElementById('planner-demand-upload').hidden`)
	if err := chromedp.Do(p.ctx, chromedp.SetUploadFiles(chromedp.ID("planner-demand-upload"), []string{file})); err != nil {
		t.Fatalf("upload %s: %v", file, err)
	}
	p.poll("the demand count", `document.getElementById('planner-demand-info').textContent.includes('8 points')`)
	if info := p.text("the demand note", `document.getElementById('planner-demand-info').textContent`); !strings.Contains(info, "36,000") {
		t.Errorf("demand note = %q; want the total weight 36,000", info)
	}
	p.poll("the demand points on the map", `document.querySelectorAll('path.demand-point').length === 8`)

	// Five sites for the province at 15 minutes by car.
	p.set("planner-area", "region:150000")
	p.set("planner-minutes", "15")
	p.set("planner-mode", "drive")
	p.set("suggest-n", "5")
	p.click("suggest-run")
	p.poll("five suggested sites", `document.querySelectorAll('#suggest-list li.suggest-item').length === 5`)
	p.poll("the busy indicator to go", `document.getElementById('planner-busy').hidden`)
	p.noError()
	if got := p.float("demand_total", `Number(document.getElementById('demand-covered').dataset.total)`); got != total {
		t.Errorf("demand_total = %v; want %v, the file's total weight (the page must send the file)", got, total)
	}
	after := p.float("demand after", `Number(document.getElementById('demand-covered-after').dataset.value)`)
	before := p.float("demand before", `Number(document.getElementById('demand-covered').dataset.value)`)
	if !(after > before) {
		t.Errorf("demand covered after the sites = %v; want more than before (%v)", after, before)
	}
	first := p.text("the first site", `document.querySelector('#suggest-list li.suggest-item').textContent`)
	if !strings.Contains(first, "demand") || !strings.Contains(first, "newly covered") {
		t.Errorf("first site %q does not say the demand and area it newly covers", first)
	}
	plain := p.text("the plain words", `document.getElementById('planner-plain').textContent`)
	if want := "within 15 minutes by car, at 40 km/h on roads about 1.3 times longer than the straight line"; !strings.Contains(plain, want) {
		t.Errorf("method in plain words = %q; want %q", plain, want)
	}
	if p.float("the how toggle", `document.getElementById('planner-how').open ? 1 : 0`) != 0 {
		t.Errorf("the formula is shown before the planner asks how")
	}
	if f := p.text("the formula", `document.getElementById('planner-formula').textContent`); !strings.Contains(f, "radius_m") {
		t.Errorf("formula behind the how toggle = %q; want the radius formula", f)
	}

	// At the province's zoom the sites, 10–35 km apart, are a few pixels
	// apart: their markers must not stack.
	p.do("zoom to the province", `void window.yizhan.map.fitBounds(window.yizhan.regionBounds(), {animate: false})`)
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	ms := checkSiteMarkers(t, p, 5, "province zoom")
	if len(ms) == 5 {
		t.Errorf("province zoom: five separate markers for sites within 35 km of each other; want them grouped")
	}
	group := ""
	for _, m := range ms {
		if strings.Contains(m.Ranks, ",") {
			group = m.Ranks
		}
	}
	if group != "" {
		// A group's marker lists its sites; one of them opens its card,
		// zoomed in until it has a marker of its own.
		p.do("open the group", fmt.Sprintf(`document.querySelector('.suggest-marker[data-ranks=%q]').click()`, group))
		p.poll("the group's list", `document.querySelectorAll('.site-group-card .site-group button').length > 1`)
		p.do("open its first site", `document.querySelector('.site-group-card .site-group button').click()`)
	} else {
		p.do("open site 1", `void window.yizhan.planner.openSite(1)`)
	}
	p.poll("a site card", `document.querySelector('.leaflet-popup .site-card:not(.site-group-card)') !== null`)
	card := p.text("the site card", `document.querySelector('.leaflet-popup .site-card:not(.site-group-card)').textContent`)
	for _, want := range []string{"Suggested site", "Newly covers", "demand", "Nearest station", "Place"} {
		if !strings.Contains(card, want) {
			t.Errorf("site card %q lacks %q", card, want)
		}
	}
	rank := p.text("the card's site", `document.querySelector('.leaflet-popup .site-card:not(.site-group-card)').dataset.rank`)
	if n := p.float("its marker", fmt.Sprintf(`document.querySelectorAll('.suggest-marker[data-ranks=%q]').length`, rank)); n != 1 {
		t.Errorf("site %s's card is open, but %v markers of its own are on the map; want 1", rank, n)
	}
	checkSiteMarkers(t, p, 5, "zoomed in")

	// Scenarios: today, with the planned stations, with the sites; each
	// covers at least the demand of the one before, and the map shows
	// the circles of the one picked.
	rows, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]scenarioRow](`Array.from(document.querySelectorAll('#scenarios tr.scenario')).map(tr => ({
		name: tr.dataset.scenario, text: tr.textContent, demand: Number(tr.dataset.demand)}))`))
	if err != nil {
		t.Fatalf("read the scenarios: %v", err)
	}
	var names []string
	for i, r := range rows {
		names = append(names, r.Name)
		if i > 0 && r.Demand < rows[i-1].Demand {
			t.Errorf("scenario %s covers %v of demand, less than %s (%v)", r.Name, r.Demand, rows[i-1].Name, rows[i-1].Demand)
		}
	}
	if !slices.Equal(names, []string{"today", "with_planned", "with_suggested"}) {
		t.Errorf("scenarios = %v; want today, with_planned, with_suggested", names)
	}
	p.poll("the sites' circles", `document.querySelectorAll('path.suggest-circle').length === 5`)
	p.do("pick with_planned", `document.querySelector('#scenarios tr[data-scenario="with_planned"]').click()`)
	p.poll("the planned circles alone", `document.querySelectorAll('path.planned-circle').length > 0 &&
		document.querySelectorAll('path.suggest-circle').length === 0 &&
		document.getElementById('scenario-with_planned').checked`)
	p.do("pick today", `document.querySelector('#scenarios tr[data-scenario="today"] input').click()`)
	p.poll("today's circles alone", `document.querySelectorAll('path.planned-circle').length === 0 &&
		document.querySelectorAll('path.station-circle').length > 0 && document.querySelectorAll('path.suggest-circle').length === 0`)
	p.do("pick with_suggested", `document.querySelector('#scenarios tr[data-scenario="with_suggested"]').click()`)
	p.poll("the sites' circles again", `document.querySelectorAll('path.suggest-circle').length === 5`)

	// The CSV table: what the server exports, downloaded as a person
	// would, read back as a spreadsheet would.
	name, table := download(t, p, "export-csv")
	if !bytes.HasPrefix(table, []byte("\uFEFF")) {
		t.Errorf("the CSV does not start with a byte-order mark, which spreadsheets need for Chinese and Cyrillic names")
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(table, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("the exported CSV does not read back: %v\n%s", err, table)
	}
	if sites := countRows(records, "site"); sites != 5 {
		t.Errorf("the CSV has %d rows of sites; want 5:\n%s", sites, table)
	}
	if !strings.HasSuffix(name, ".csv") {
		t.Errorf("CSV saved as %q; want a .csv name", name)
	}
	name, gj := download(t, p, "export-geojson")
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(gj, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) < 5 {
		t.Errorf("the GeoJSON export %s is not a FeatureCollection with the five sites (%v): %.300s", name, err, gj)
	}
	p.noError()

	// The report, in Russian: the server's page in a new tab, printed to
	// an A4 PDF.
	p.set("lang", "ru")
	p.poll("the planner in Russian", `document.getElementById('planner-plain').textContent.includes('в пределах 15 минут на машине')`)
	report := openReport(t, p)
	words, err := chromedp.Run(report, chromedp.Evaluate[string](`document.documentElement.lang + '\n' + document.body.innerText`))
	if err != nil {
		t.Fatalf("read the report: %v", err)
	}
	if !strings.HasPrefix(words, "ru") {
		t.Errorf("report <html lang> = %q; want ru", strings.SplitN(words, "\n", 2)[0])
	}
	for _, want := range []string{"в пределах 15 минут на машине", "40 км/ч"} {
		if !strings.Contains(words, want) {
			t.Errorf("the Russian report lacks %q:\n%.600s", want, words)
		}
	}
	pdf, err := chromedp.Run(report, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatalf("print the report: %v", err)
	}
	pages := pdfPages(pdf)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pages < 1 {
		t.Errorf("the report printed to %d bytes, %d pages; want a PDF of at least one page", len(pdf), pages)
	}
	if path := shotPath("report"); path != "" {
		pdfPath := strings.TrimSuffix(path, ".png") + ".pdf"
		if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("report saved to %s (%d pages)", pdfPath, pages)
		screenshot(t, report, path, 794, 1123, false) // A4 at 96 dpi
		p.do("zoom to the sites", `void window.yizhan.planner.openSite(1)`)
		screenshot(t, p.ctx, shotPath("planner-sites"), 1280, 900, false)
	}
	t.Logf("demand, sites, scenarios, exports and report took %v (report: %d pages, %d bytes)", time.Since(start).Round(time.Millisecond), pages, len(pdf))
}

// openReport presses the report button and returns the context of the
// new tab once its page has loaded.
func openReport(t *testing.T, p page) context.Context {
	t.Helper()
	ch := chromedp.WaitNewTarget(p.ctx, func(info *target.Info) bool { return strings.Contains(info.URL, "/v1/coverage/report") })
	p.click("export-report")
	var id target.ID
	select {
	case id = <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("no report tab opened")
	}
	ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.readyState === 'complete' && document.body && document.body.innerText.length > 0`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("wait for the report to load: %v", err)
	}
	return ctx
}

// download presses button and returns the file the browser saved: its
// suggested name and its bytes.
func download(t *testing.T, p page, button string) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	yes := true
	if _, err := chromedp.Call(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	names := make(chan string, 1)
	done := make(chan string, 1)
	if err := chromedp.Listen(p.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *browser.EventDownloadWillBegin:
			select {
			case names <- ev.SuggestedFilename:
			default:
			}
		case *browser.EventDownloadProgress:
			if ev.State == browser.DownloadProgressStateCompleted {
				select {
				case done <- ev.GUID:
				default:
				}
			}
		}
	}); err != nil {
		t.Fatalf("listen for downloads: %v", err)
	}
	p.click(button)
	var guid, name string
	for deadline := time.Now().Add(20 * time.Second); guid == ""; {
		select {
		case guid = <-done:
		case <-time.After(100 * time.Millisecond):
			msg := p.text("the error box", `document.getElementById('error').hidden ? '' : document.getElementById('error').textContent`)
			if msg != "" || time.Now().After(deadline) {
				t.Fatalf("%s: no download finished (page error: %q)", button, strings.Join(strings.Fields(msg), " "))
			}
		}
	}
	select {
	case name = <-names:
	default:
	}
	b, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatalf("%s: read the download: %v", button, err)
	}
	return name, b
}

// countRows counts the CSV records whose first field starts with kind
// (site, gap).
func countRows(records [][]string, kind string) int {
	n := 0
	for _, r := range records[min(1, len(records)):] {
		if len(r) > 0 && strings.HasPrefix(strings.ToLower(r[0]), kind) {
			n++
		}
	}
	return n
}

// pdfPageRe finds the page objects of a PDF file.
var pdfPageRe = regexp.MustCompile(`/Type\s*/Page[^s]`)

// pdfPages counts the pages of a PDF file.
func pdfPages(pdf []byte) int { return len(pdfPageRe.FindAll(pdf, -1)) }
