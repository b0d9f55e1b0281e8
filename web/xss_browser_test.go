package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"yizhan/data"
	"yizhan/data/hours"
)

// xssShapes are forms of markup that a page writing record text as HTML
// would parse. Each is formatted with a label saying where it was put
// ("b.names.ru", "c.port.hours"): the element it would create carries
// data-xss=<label>, so that the test finds it even when the page's
// Content-Security-Policy stops its script, and its script pushes the
// label onto window.__xss.
var xssShapes = []string{
	`<img src=x data-xss=%[1]s onerror="(window.__xss=window.__xss||[]).push('%[1]s')">`,
	`"><svg data-xss=%[1]s onload="(window.__xss=window.__xss||[]).push('%[1]s')">`,
	`<script data-xss=%[1]s>(window.__xss=window.__xss||[]).push('%[1]s')</script>`,
	`javascript:window.__xss=['%[1]s']//<a data-xss=%[1]s href="javascript:window.__xss=['%[1]s']">x</a>`,
}

// xssRecord is one test record and the payloads it carries.
type xssRecord struct {
	st    *data.Station
	names map[string]string // lang -> name
	shown []string          // payloads its card must show as text
}

// xssRecords builds five records on a line south of Erenhot, about 11 km
// apart, with a different payload in every free-text field. The names,
// id, address, phone, operator, region, source and port hours pass
// Validate, so the API, the importer and a plain SQL row all take them.
// Kinds, amenities, languages, status and port country and modes are
// enums and cannot carry text. opening_hours must parse to be accepted
// by the API, but a row written by plain SQL keeps its text and is served
// with the hours unknown (Hours nil): two records are such rows.
func xssRecords(t *testing.T) []xssRecord {
	t.Helper()
	shape := len(xssShapes) - 1 // the first name, hovered first, gets the <img> that runs
	payload := func(label string) string {
		s := fmt.Sprintf(xssShapes[shape%len(xssShapes)], label)
		shape++
		return s
	}
	kinds := []data.Kind{data.KindDriverHome, data.KindRestStop, data.KindPort, data.KindUnionStation, data.KindWorkerHome}
	var recs []xssRecord
	for i, letter := range []string{"a", "b", "c", "d", "e"} {
		p := func(field string) string { return payload(letter + "." + field) }
		st := &data.Station{
			ID:       p("id"),
			Location: orb.Point{111.98, 43.65 - 0.1*float64(i)},
			Kind:     kinds[i],
			Names:    data.Names{ZH: p("names.zh"), EN: p("names.en"), RU: p("names.ru"), MN: p("names.mn")},
			Address:  p("address"),
			Phone:    p("phone"),
			Operator: p("operator"),
			Region:   p("region"),
			Source:   p("source"),
			Status:   data.StatusOpen,
		}
		amenities, err := data.NewAmenitySet([]string{"toilet", "truck_parking"})
		if err != nil {
			t.Fatal(err)
		}
		st.Amenities = amenities
		if st.Kind == data.KindPort {
			st.Port = &data.PortInfo{Country: "MN", Modes: []string{"road"}, Hours: p("port.hours")}
		}
		if problems := st.Validate(); problems != nil {
			t.Fatalf("record %s: Validate() = %v; want the payloads accepted", letter, problems)
		}
		if i%2 == 1 {
			// A plain SQL row: text the parser refuses, served as unknown hours.
			st.OpeningHours, st.Hours = p("opening_hours"), nil
		} else {
			st.OpeningHours = "24/7"
			h, err := hours.Parse(st.OpeningHours)
			if err != nil {
				t.Fatal(err)
			}
			st.Hours = h
		}
		r := xssRecord{st: st, names: map[string]string{"zh": st.Names.ZH, "en": st.Names.EN, "ru": st.Names.RU, "mn": st.Names.MN}}
		r.shown = []string{st.Address, st.Phone, st.Operator, st.Region, st.Source}
		if st.Hours == nil {
			r.shown = append(r.shown, st.OpeningHours) // shown as written, since not understood
		}
		if st.Port != nil {
			r.shown = append(r.shown, st.Port.Hours)
		}
		recs = append(recs, r)
	}
	return recs
}

// xssWatch runs in the page before any of its scripts. It records every
// element carrying data-xss that enters the document (markup parsed from
// record text, even one that is gone again, like a closed tooltip) and
// every Content-Security-Policy violation: a blocked inline script is a
// bug the policy hid, not a pass.
const xssWatch = `(() => {
	window.__markup = [];
	window.__csp = [];
	document.addEventListener('securitypolicyviolation', e => {
		window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' +
			e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
	}, true);
	const seen = n => {
		if (n.nodeType !== 1) { return; }
		const hits = n.matches('[data-xss]') ? [n] : [];
		hits.push(...n.querySelectorAll('[data-xss]'));
		hits.forEach(h => window.__markup.push(h.getAttribute('data-xss') + ' as <' + h.tagName.toLowerCase() + '>'));
	};
	new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(seen)))
		.observe(document, {childList: true, subtree: true});
})()`

// xssState is what the page did with the payloads so far.
type xssState struct {
	Ran    []string `json:"ran"`    // labels whose script ran
	Markup []string `json:"markup"` // labels parsed into elements
	CSP    []string `json:"csp"`    // policy violations
	Now    []string `json:"now"`    // data-xss elements in the document now
}

const readXSS = `({ran: window.__xss === undefined ? [] : [].concat(window.__xss).map(String),
	markup: window.__markup || ['the watcher did not run'], csp: window.__csp || [],
	now: Array.from(document.querySelectorAll('[data-xss]')).map(e => e.getAttribute('data-xss'))})`

// consoleErrors collects errors the browser logs that are not about the
// network (a 400 answer is logged as a failed load; it is expected here).
type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

func (c *consoleErrors) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
				c.msgs = append(c.msgs, fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				c.msgs = append(c.msgs, "console.error: "+strings.Join(parts, " "))
			}
		}
	})
}

// keep drops the errors logged after the first n.
func (c *consoleErrors) keep(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = c.msgs[:min(n, len(c.msgs))]
}

func (c *consoleErrors) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// TestRecordTextIsText serves records whose every free-text field holds
// a script payload, then hovers and clicks every marker in every
// language, lists the nearest records, opens a listed record, shows an
// API problem echoing a payload, runs the planner and a route with a rest
// plan, and opens the route's records. Nothing may run, no payload may
// become an element, the Content-Security-Policy must see no attempt,
// and every payload must be on the page as literal text.
func TestRecordTextIsText(t *testing.T) {
	recs := xssRecords(t)
	stations := make([]*data.Station, len(recs))
	for i, r := range recs {
		stations[i] = r.st
	}
	ctx := newBrowserFor(t, 90*time.Second)
	base := startServerWith(t, stations)
	start := time.Now()

	var log pageLog
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	defer log.check(t)
	var console consoleErrors
	if err := console.listen(ctx); err != nil {
		t.Fatalf("listen to the console: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: xssWatch})
		return err
	})); err != nil {
		t.Fatalf("install the watcher: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base)); err != nil {
		t.Fatalf("navigate to %s: %v", base, err)
	}
	p := page{t, ctx}
	x := xssPage{page: p}
	// state is checked at the end and on any failure, so that a payload
	// that ran is reported as such rather than as a missing tooltip.
	defer x.check(&console)

	p.poll("the five markers", `document.querySelectorAll('.station-marker').length === 5`)
	seen := map[string]bool{} // payloads found on the page as text

	// Every marker: its tooltip in each language, and its card.
	for _, lang := range []string{"zh", "en", "ru", "mn"} {
		p.set("lang", lang)
		x.home()
		for _, r := range recs {
			lat, lon := r.st.Location.Lat(), r.st.Location.Lon()
			x.hover(lat, lon, r.names[lang])
			seen[r.names[lang]] = true
			if lang == "en" || lang == "mn" {
				got := x.clickCard(lat, lon, append([]string{r.names[lang]}, r.shown...))
				for _, s := range r.shown {
					seen[s] = seen[s] || strings.Contains(got, s)
				}
				x.home()
			}
		}
	}

	// The nearest list from a point beside the records, then a listed
	// record's card.
	p.clickMap(43.25, 111.85)
	p.poll("the nearest list", `document.querySelectorAll('#nearest-list li.nearest-item').length === 5`)
	list := p.text("the nearest list", `document.getElementById('nearest-list').textContent`)
	for _, r := range recs {
		want := []string{r.names["mn"]}
		if r.st.Hours == nil {
			want = append(want, r.st.OpeningHours)
		}
		for _, want := range want {
			if !strings.Contains(list, want) {
				t.Errorf("nearest list %q lacks the text %q", list, want)
			}
		}
	}
	p.do("open the first listed record", `document.querySelector('#nearest-list li.nearest-item').click()`)
	x.cardShows("the listed record's card", append([]string{recs[4].names["mn"]}, recs[4].shown...))

	// An API problem whose detail echoes a payload is shown as text.
	const detail = `<img src=x data-xss=detail onerror=window.__xss=['detail']>`
	p.do("ask for a payload kind", fmt.Sprintf(`(() => {
		const s = document.getElementById('kind');
		s.add(new Option('payload', %s));
		s.value = %[1]s;
		s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, jsString(detail)))
	p.poll("the error message", `!document.getElementById('error').hidden`)
	if msg := p.text("the error", `document.getElementById('error').textContent`); !strings.Contains(msg, detail) {
		t.Errorf("error shown = %q; want the API's detail with %q as text", msg, detail)
	}
	p.set("kind", "")

	// The planner: gaps and suggested sites (no record text, but every view
	// is opened).
	p.click("tab-planner")
	p.poll("the planner view", `!document.getElementById('view-planner').hidden`)
	p.set("planner-minutes", "60")
	// A coarse grid: this test opens the views, it does not test the
	// planner, and a fine one can pass the planner's deadline on a loaded
	// machine under -race.
	p.set("planner-cell", "20000")
	p.click("gaps-run")
	p.poll("the coverage summary", `document.getElementById('covered-pct') !== null`)
	p.set("suggest-n", "2")
	p.click("suggest-run")
	p.poll("two suggested sites", `document.querySelectorAll('#suggest-list li.suggest-item').length === 2`)
	p.noError()

	// The route view: a line past the five records, 15-minute legs, so that
	// the plan stops at them.
	p.click("tab-route")
	p.poll("the route view", `!document.getElementById('view-route').hidden`)
	route, _ := json.Marshal(map[string]any{"type": "LineString", "coordinates": [][2]float64{{111.99, 43.72}, {111.99, 43.18}}})
	p.set("route-geojson", string(route))
	p.set("route-corridor", "5")
	p.set("route-max-gap", "50")
	p.set("route-speed", "50")
	p.set("route-drive", "15")
	p.click("route-run")
	p.poll("stations along the route", `document.querySelectorAll('#route-list li.route-item').length === 5`)
	p.poll("the rest plan", `document.querySelectorAll('#rest-plan li.plan-stop').length > 0`)
	routeText := p.text("the route lists", `document.getElementById('view-route').textContent`)
	for _, r := range recs {
		if !strings.Contains(routeText, r.names["mn"]) {
			t.Errorf("route view %q lacks the name %q", routeText, r.names["mn"])
		}
	}
	titles := p.text("rest stop titles", `Array.from(document.querySelectorAll('.plan-stop-marker')).map(e => e.title).join('\n')`)
	if !strings.Contains(titles, recs[0].names["mn"]) && !strings.Contains(titles, recs[1].names["mn"]) {
		t.Errorf("rest stop markers titled %q; want a record's name", titles)
	}
	p.do("open the first record along the route", `document.querySelector('#route-list li.route-item').click()`)
	x.popupShows("the route record's popup", append([]string{recs[0].names["mn"]}, recs[0].shown...))
	p.do("close the popup", `void window.yizhan.map.closePopup()`)
	// A click on the marker's element, not at a point of the screen: the
	// map may still be panning back from the popup just closed.
	p.do("click a rest stop marker", `document.querySelector('.plan-stop-marker').click()`)
	x.popupShows("the rest stop's popup", []string{p.text("the source label", `window.yizhan.t('card.source') + ': '`)})

	// The policy is in force: an inline script the test adds is refused,
	// and reported. Its report is taken out, so that check sees only the
	// page's own.
	logged := len(console.all())
	p.do("add an inline script", `(() => {
		const s = document.createElement('script');
		s.textContent = 'window.__probe = 1';
		document.head.appendChild(s);
	})()`)
	p.poll("the policy's report of the inline script", `window.__csp.some(v => v.startsWith('script-src'))`)
	if ran := p.text("the probe", `String(window.__probe)`); ran != "undefined" {
		t.Errorf("an inline script ran (window.__probe = %s); want the Content-Security-Policy to refuse it", ran)
	}
	p.do("drop the probe's report", `window.__csp = window.__csp.filter(v => !v.startsWith('script-src'))`)
	for deadline := time.Now().Add(2 * time.Second); len(console.all()) == logged && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	console.keep(logged)

	for _, r := range recs {
		for _, s := range append(r.shown, r.names["zh"], r.names["en"], r.names["ru"], r.names["mn"]) {
			if !seen[s] {
				t.Errorf("payload %q was never shown as text", s)
			}
		}
	}
	t.Logf("browser session took %v", time.Since(start).Round(time.Millisecond))
}

// xssPage drives the map of TestRecordTextIsText.
type xssPage struct{ page }

// home puts the five records in view, none under another's popup, and
// waits for the markers that the move redraws.
func (x xssPage) home() {
	x.t.Helper()
	x.do("close popups and the card", `(() => {
		window.yizhan.map.closePopup();
		if (!document.getElementById('card').hidden) { document.getElementById('card-close').click(); }
	})()`)
	x.do("set the view", `(() => {
		document.querySelectorAll('.station-marker').forEach(e => e.dataset.stale = '1');
		window.yizhan.map.setView([43.45, 111.9], 9, {animate: false});
	})()`)
	x.poll("the markers redrawn", `(() => {
		const m = document.querySelectorAll('.station-marker');
		return m.length === 5 && Array.from(m).every(e => !e.dataset.stale) && !document.querySelector('.leaflet-zoom-anim');
	})()`)
}

// screen returns where lat, lon is in the page, in CSS pixels.
func (x xssPage) screen(lat, lon float64) (float64, float64) {
	x.t.Helper()
	xy, err := chromedp.Run(x.ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
		const m = window.yizhan.map;
		const pt = m.latLngToContainerPoint([%v, %v]);
		const r = m.getContainer().getBoundingClientRect();
		return [r.left + pt.x, r.top + pt.y];
	})()`, lat, lon)))
	if err != nil {
		x.t.Fatalf("locate %v, %v on screen: %v", lat, lon, err)
	}
	return xy[0], xy[1]
}

// hover moves the mouse onto the marker at lat, lon until its tooltip
// reads want. Markers are redrawn when their answer arrives, so a hover
// that lands on a marker about to go is tried again.
func (x xssPage) hover(lat, lon float64, want string) {
	x.t.Helper()
	check := fmt.Sprintf(`Array.from(document.querySelectorAll('.leaflet-tooltip:not(.seat-label)')).some(e => e.textContent === %s)`, jsString(want))
	for try := 0; try < 10; try++ {
		px, py := x.screen(lat, lon)
		if err := chromedp.Do(x.ctx,
			chromedp.MouseEvent(chromedp.MouseMoved, 5, 5),
			chromedp.MouseEvent(chromedp.MouseMoved, px, py)); err != nil {
			x.t.Fatalf("move the mouse to %v, %v: %v", lat, lon, err)
		}
		if _, err := chromedp.Run(x.ctx, chromedp.Poll[chromedp.Void](check,
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Second))); err == nil {
			return
		}
	}
	got := x.text("tooltips", `Array.from(document.querySelectorAll('.leaflet-tooltip:not(.seat-label)')).map(e => e.textContent).join(' | ')`)
	x.t.Fatalf("hovering the marker at %v, %v shows tooltips %q; want the text %q", lat, lon, got, want)
}

// clickCard clicks the marker at lat, lon and returns its card's text,
// which must hold every string of want.
func (x xssPage) clickCard(lat, lon float64, want []string) string {
	x.t.Helper()
	px, py := x.screen(lat, lon)
	if err := chromedp.Do(x.ctx, chromedp.MouseClickXY(px, py)); err != nil {
		x.t.Fatalf("click the marker at %v, %v: %v", lat, lon, err)
	}
	return x.cardShows(fmt.Sprintf("the card at %v, %v", lat, lon), want)
}

// cardShows waits for the station card to hold every string of want as
// text and returns its text.
func (x xssPage) cardShows(what string, want []string) string {
	x.t.Helper()
	w, _ := json.Marshal(want)
	check := fmt.Sprintf(`(() => {
		const c = document.getElementById('card');
		return !c.hidden && %s.every(s => c.textContent.includes(s)) && c.textContent;
	})()`, w)
	got, err := chromedp.Run(x.ctx, chromedp.Poll[string](check,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		got := x.text("the card", `document.getElementById('card').hidden ? '(no card)' : document.getElementById('card').textContent`)
		x.t.Fatalf("%s reads %q; want the text of each of %q", what, got, want)
	}
	return got
}

// popupShows waits for the open popup to hold every string of want as
// text and returns its text. It reads the text in the same step, as the
// popup of a marker closes when the markers are redrawn.
func (x xssPage) popupShows(what string, want []string) string {
	x.t.Helper()
	w, _ := json.Marshal(want)
	check := fmt.Sprintf(`(() => {
		const c = document.querySelector('.leaflet-popup-content');
		return !!c && %s.every(s => c.textContent.includes(s)) && c.textContent;
	})()`, w)
	got, err := chromedp.Run(x.ctx, chromedp.Poll[string](check,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		got := x.text("the popup", `(document.querySelector('.leaflet-popup-content') || {}).textContent || '(no popup)'`)
		x.t.Fatalf("%s reads %q; want the text of each of %q", what, got, want)
	}
	return got
}

// check fails the test for any payload that ran or became an element,
// any policy violation and any error the browser logged.
func (x xssPage) check(console *consoleErrors) {
	x.t.Helper()
	st, err := chromedp.Run(x.ctx, chromedp.Evaluate[xssState](readXSS))
	if err != nil {
		x.t.Errorf("read what the payloads did: %v", err)
		return
	}
	reported := map[string]bool{}
	for _, l := range st.Ran {
		if !reported["ran "+l] {
			reported["ran "+l] = true
			x.t.Errorf("the script of payload %s ran; record text must never be markup", l)
		}
	}
	for _, l := range st.Markup {
		if !reported[l] {
			reported[l] = true
			x.t.Errorf("payload %s became an element; record text must be written as text", l)
		}
	}
	if len(st.Now) > 0 {
		x.t.Errorf("elements parsed from payloads are in the page: %q", st.Now)
	}
	for _, v := range st.CSP {
		x.t.Errorf("Content-Security-Policy violation: %s", v)
	}
	for _, m := range console.all() {
		x.t.Errorf("browser logged an error: %s", m)
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
