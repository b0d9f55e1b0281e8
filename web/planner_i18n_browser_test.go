package web_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// htmlLang is <html lang> (and the Intl locale) of each language, as
// app.js sets it.
var htmlLang = map[string]string{"zh": "zh-Hans", "en": "en", "ru": "ru", "mn": "mn-Cyrl"}

// pluralForm is the CLDR plural form of a whole number n in lang, the
// form Intl.PluralRules picks (TestPlannerLanguages checks the two agree).
func pluralForm(lang string, n int) string {
	switch lang {
	case "zh":
		return "other"
	case "ru":
		switch {
		case n%10 == 1 && n%100 != 11:
			return "one"
		case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
			return "few"
		default:
			return "many"
		}
	}
	if n == 1 {
		return "one"
	}
	return "other"
}

// counted is the translation of the text about n things key in lang,
// with {n} filled and cut before its first other placeholder: what the
// page's text about n things must start with.
func counted(strs map[string]string, lang, key string, n int) string {
	s := strs[key+"_"+pluralForm(lang, n)]
	s = strings.ReplaceAll(s, "{n}", strconv.Itoa(n))
	if i := strings.Index(s, "{"); i >= 0 {
		s = s[:i]
	}
	return s
}

// literals are the fixed parts of a translation, between its
// placeholders, that the page's text filled from it must contain.
func literals(s string) []string {
	var out []string
	for _, part := range placeholderRe.Split(s, -1) {
		if part = strings.TrimSpace(part); len([]rune(part)) >= 2 {
			out = append(out, part)
		}
	}
	return out
}

// englishWords are the words of the English planner, route, unit, mode
// and region texts that a Russian or Mongolian page must not show: each
// Latin word of three letters or more in an English value, less those
// the Russian or Mongolian files use as well (GeoJSON, JSON).
func englishWords(t *testing.T) map[string]bool {
	t.Helper()
	word := regexp.MustCompile(`[A-Za-z]{3,}`)
	foreign := map[string]bool{}
	for _, l := range []string{"ru", "mn"} {
		for _, v := range readStrings(t, l) {
			for _, w := range word.FindAllString(placeholderRe.ReplaceAllString(v, " "), -1) {
				foreign[strings.ToLower(w)] = true
			}
		}
	}
	out := map[string]bool{}
	for k, v := range readStrings(t, "en") {
		if !slices.ContainsFunc([]string{"planner.", "route.", "units.", "mode.", "region."}, func(p string) bool { return strings.HasPrefix(k, p) }) {
			continue
		}
		for _, w := range word.FindAllString(placeholderRe.ReplaceAllString(v, " "), -1) {
			if w := strings.ToLower(w); !foreign[w] {
				out[w] = true
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d English words in the planner's texts; the key prefixes no longer match", len(out))
	}
	return out
}

// paneText is the text of the planner and route views, less the record
// names (.name, and the example routes' names in #route-example), which
// fall back to English by design, and the GeoJSON box.
const paneText = `(() => {
	const out = {};
	for (const id of ['view-planner', 'view-route']) {
		const c = document.getElementById(id).cloneNode(true);
		c.querySelectorAll('.name, #route-example, textarea, #planner-formula').forEach(e => e.remove());
		out[id] = c.textContent;
	}
	return out;
})()`

// noEnglish fails the test for each English planner word in the views.
func noEnglish(p page, lang string, english map[string]bool) {
	p.t.Helper()
	panes, err := chromedp.Run(p.ctx, chromedp.Evaluate[map[string]string](paneText))
	if err != nil {
		p.t.Fatalf("read the views' text: %v", err)
	}
	for id, text := range panes {
		var found []string
		for _, w := range regexp.MustCompile(`[A-Za-z]+`).FindAllString(text, -1) {
			if english[strings.ToLower(w)] && !slices.Contains(found, w) {
				found = append(found, w)
			}
		}
		if len(found) > 0 {
			p.t.Errorf("%s #%s shows the English words %q in %q", lang, id, found, text)
		}
	}
}

// contains fails the test unless the text js reads holds each of want.
func (p page) contains(what, js string, want ...string) string {
	p.t.Helper()
	got := p.text(what, js)
	for _, w := range want {
		if !strings.Contains(got, w) {
			p.t.Errorf("%s = %q; want it to contain %q", what, got, w)
		}
	}
	return got
}

// TestPlannerLanguages runs the planner's gaps and suggestions and a
// route plan in Russian and in Mongolian, and checks that the views show
// that language's words (plural forms for the counts, its units and
// number notation), no English word of the planner's texts, and API
// errors framed in the language with the server's own detail under them.
// Between the two it switches the language with the answers on screen,
// which must be written again in the new one.
func TestPlannerLanguages(t *testing.T) {
	ctx := newBrowserFor(t, 75*time.Second)
	base := startServer(t)
	log := &pageLog{}
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	defer log.check(t)
	p := page{t, ctx}
	english := englishWords(t)
	dir := shotDir(t)
	start := time.Now()

	p.open(base + "?lang=ru#planner")
	p.poll("the planner view", `!document.getElementById('view-planner').hidden`)

	// The plural forms the files have are the browser's.
	for _, l := range languages {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`new Intl.PluralRules(%q).resolvedOptions().pluralCategories`, htmlLang[l])))
		if err != nil {
			t.Fatalf("Intl.PluralRules(%s): %v", htmlLang[l], err)
		}
		slices.Sort(got)
		if !slices.Equal(got, pluralCategories[l]) {
			t.Errorf("Intl.PluralRules(%q) has the forms %v; the translation files have %v", htmlLang[l], got, pluralCategories[l])
		}
		forms, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`Array.from({length: 120}, (_, n) => new Intl.PluralRules(%q).select(n))`, htmlLang[l])))
		if err != nil {
			t.Fatalf("Intl.PluralRules(%s).select: %v", htmlLang[l], err)
		}
		for n, f := range forms {
			if want := pluralForm(l, n); f != want {
				t.Errorf("Intl.PluralRules(%q).select(%d) = %q; the test expects %q", htmlLang[l], n, f, want)
			}
		}
	}

	ru, mn := readStrings(t, "ru"), readStrings(t, "mn")
	plannerRun := func(lang string, strs map[string]string, sites int) {
		t.Helper()
		p.click("tab-planner")
		p.poll("the planner view", `!document.getElementById('view-planner').hidden`)
		p.poll("the server's regions", `document.querySelector('#planner-area option[value="region:150000"]') !== null`)
		if got := p.text("the region", `document.querySelector('#planner-area option[value="region:150000"]').textContent`); got != strs["region.150000"] {
			t.Errorf("%s region option = %q; want %q", lang, got, strs["region.150000"])
		}
		p.set("planner-area", "region:150000")
		p.set("planner-minutes", "60")
		p.set("planner-mode", "drive")
		p.set("planner-cell", "")
		p.do("forget the last summary", `document.getElementById('gaps-summary').replaceChildren()`)
		p.click("gaps-run")
		p.poll("the coverage summary", `document.getElementById('covered-pct') !== null && document.getElementById('planner-busy').hidden`)
		p.noError()
		p.contains(lang+" summary", `document.getElementById('gaps-summary').textContent`,
			strs["planner.sum_covered"], strs["planner.sum_uncovered"], strs["region.150000"],
			strings.TrimPrefix(strs["units.km2"], "{n} "))
		p.contains(lang+" method in plain words", `document.getElementById('planner-plain').textContent`,
			append(literals(strs["planner.plain"]), strs["plan.mode.drive"])...)
		p.contains(lang+" scenarios", `document.getElementById('scenarios').textContent`,
			strs["planner.sc_area"], strs["planner.sc_demand"], strs["report.scenario.today"], strs["report.scenario.with_planned"])

		p.set("suggest-n", strconv.Itoa(sites))
		if got, want := p.text("the suggest button", `document.getElementById('suggest-run').textContent`), counted(strs, lang, "planner.suggest_sites", sites); got != want {
			t.Errorf("%s suggest button = %q; want %q", lang, got, want)
		}
		p.click("suggest-run")
		p.poll("the suggested sites", fmt.Sprintf(`document.querySelectorAll('#suggest-list li.suggest-item').length === %d &&
			document.getElementById('planner-busy').hidden`, sites))
		p.noError()
		p.contains(lang+" suggestion summary", `document.getElementById('gaps-summary').textContent`, counted(strs, lang, "planner.after", sites))
		p.contains(lang+" first site", `document.querySelector('#suggest-list li.suggest-item').textContent`,
			literals(strs["planner.site_gain"])...)
		p.contains(lang+" suggestion notes", `document.getElementById('suggest-list').textContent`, strings.Split(strs["planner.candidates_from"], "{")[0], strs["planner.cand.places"], strs["planner.method_demand"])
		p.contains(lang+" scenarios", `document.getElementById('scenarios').textContent`, strs["report.scenario.with_suggested"])
		p.do("open site 1", `void window.yizhan.planner.openSite(1)`)
		p.poll("the card of site 1", `document.querySelector('.leaflet-popup .site-card[data-rank="1"]') !== null`)
		p.contains(lang+" site card", `document.querySelector('.leaflet-popup .site-card').textContent`,
			strs["planner.site_covers"], strs["planner.site_nearest"], strings.Split(strs["planner.site_heading"], "{")[0])
		p.contains(lang+" site marker", `document.querySelector('.suggest-marker[data-ranks="1"]').title`, literals(strs["planner.site_title"])...)
		p.do("close the card", `void window.yizhan.map.closePopup()`)
	}
	routeRun := func(lang string, strs map[string]string) {
		t.Helper()
		p.click("tab-route")
		p.poll("the route view", `!document.getElementById('view-route').hidden`)
		p.poll("the example routes", `document.getElementById('route-example').options.length > 1`)
		p.set("route-example", "hohhot-manzhouli")
		p.poll("the example route in the box", `document.getElementById('route-geojson').value.includes('hohhot-manzhouli')`)
		if got := p.text("the route note", `document.getElementById('route-note').textContent`); got != strs["route.example_note"] {
			t.Errorf("%s route note = %q; want %q", lang, got, strs["route.example_note"])
		}
		p.set("route-corridor", "10")
		p.set("route-gap-by", "minutes")
		p.set("route-max-gap", "60")
		p.set("route-speed", "50")
		p.set("route-drive", "240")
		p.click("route-run")
		p.poll("the route's answer", `document.querySelectorAll('#route-list li.route-item').length > 0 &&
			document.querySelectorAll('#rest-plan li.plan-stop').length > 0 && document.getElementById('route-busy').hidden`)
		p.noError()
		problems := int(p.float("problems", `document.querySelectorAll('#rest-problems li.plan-problem').length`))
		if problems == 0 {
			t.Fatalf("%s: no stretch where the plan fails; with 200 km legs the Hohhot → Manzhouli line has some", lang)
		}
		if got, want := p.text("the plan", `document.getElementById('rest-plan-detail').textContent`), counted(strs, lang, "route.plan_impossible", problems); !strings.HasPrefix(got, want) {
			t.Errorf("%s rest plan = %q; want it to start %q (%d problems)", lang, got, want, problems)
		}
		stations := int(p.float("stations", `document.querySelectorAll('#route-list li.route-item').length`))
		gaps := int(p.float("gaps", `document.querySelectorAll('#route-gaps li.gap-item').length`))
		p.contains(lang+" route summary", `document.getElementById('route-summary').textContent`,
			counted(strs, lang, "route.stations_within", stations), strs["route.sum_gaps"],
			strings.TrimPrefix(strs["units.kmh"], "{n} "), strings.TrimPrefix(strs["units.min"], "{n} "))
		if lang == "ru" {
			// Russian puts the count first: "3 пробела длиннее 50,0 км".
			p.contains(lang+" route summary", `document.getElementById('route-summary').textContent`, counted(strs, lang, "route.gaps_longer", gaps))
		}
		p.contains(lang+" first gap", `document.querySelector('#route-gaps li.gap-item').textContent`,
			literals(strs["route.gap_item"])...)
		p.contains(lang+" first stop", `document.querySelector('#rest-plan li.plan-stop .meta').textContent`,
			literals(strs["route.stop_meta"])...)
		p.contains(lang+" first station", `document.querySelector('#route-list li.route-item .meta').textContent`,
			literals(strs["route.km_at"])...)
	}

	// Russian: gaps and sites, a polygon's corners, a route plan, and a
	// route that is not JSON.
	plannerRun("ru", ru, 3)
	if got := p.text("the percentage", `document.getElementById('covered-pct').textContent`); !regexp.MustCompile(`^\d+,\d[\s\x{a0}\x{202f}]%$`).MatchString(got) {
		t.Errorf("ru covered share = %q; want Russian notation like 15,3 %%", got)
	}
	p.do("zoom to Hohhot", `void window.yizhan.map.setView([40.82, 111.66], 10, {animate: false})`)
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	p.set("planner-area", "draw")
	p.poll("the drawing tools", `!document.getElementById('planner-draw').hidden`)
	p.clickMap(40.70, 111.50)
	p.clickMap(40.70, 111.85)
	p.clickMap(40.95, 111.70)
	p.click("planner-draw-finish")
	if got, want := p.text("the polygon note", `document.getElementById('planner-draw-info').textContent`), counted(ru, "ru", "planner.polygon", 3); got != want {
		t.Errorf("ru polygon note = %q; want %q", got, want)
	}
	p.set("planner-area", "region:150000")
	routeRun("ru", ru)
	noEnglish(p, "ru", english)
	p.phone()
	p.do("scroll to the plan", `document.getElementById('route-summary').scrollIntoView()`)
	p.shot(dir, "planner-ru-route.png")
	p.set("route-geojson", "{not json")
	p.click("route-run")
	p.poll("the error message", `!document.getElementById('error').hidden`)
	if got, want := p.text("the error", `document.getElementById('error-text').textContent`), strings.Split(ru["route.bad_json_at"], "{n}")[0]; !strings.HasPrefix(got, want) {
		t.Errorf("ru error for a route that is not JSON = %q; want it to start %q", got, want)
	}
	p.click("error-close")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("restore the viewport: %v", err)
	}

	// Switching to Mongolian writes the answers on screen again.
	p.set("lang", "mn")
	p.poll("the Mongolian page", `document.documentElement.lang === 'mn-Cyrl'`)
	p.poll("the rest plan in Mongolian", fmt.Sprintf(`document.getElementById('rest-plan-detail').textContent.startsWith(%s)`,
		jsString(strings.Split(mn["route.plan_impossible_other"], "{")[0])))
	p.contains("mn suggestions after the switch", `document.getElementById('suggest-list').textContent`, mn["planner.method_demand"])
	p.contains("mn scenarios after the switch", `document.getElementById('scenarios').textContent`, mn["report.scenario.with_suggested"])
	p.contains("mn summary after the switch", `document.getElementById('gaps-summary').textContent`, mn["planner.sum_covered"])
	if got := p.text("the route note", `document.getElementById('route-note').textContent`); got != mn["route.example_note"] {
		t.Errorf("route note after the switch = %q; want %q", got, mn["route.example_note"])
	}
	noEnglish(p, "mn", english)

	// Mongolian: the same again from the start, and an API error.
	plannerRun("mn", mn, 2)
	routeRun("mn", mn)
	noEnglish(p, "mn", english)
	p.phone()
	p.do("scroll to the plan", `document.getElementById('route-summary').scrollIntoView()`)
	p.shot(dir, "planner-mn-route.png")
	p.click("tab-planner")
	p.poll("the planner view", `!document.getElementById('view-planner').hidden`)
	p.do("scroll to the summary", `document.getElementById('gaps-summary').scrollIntoView()`)
	p.shot(dir, "planner-mn-gaps.png")
	p.set("planner-cell", "100")
	p.click("gaps-run")
	p.poll("the error message", `!document.getElementById('error').hidden`)
	if got := p.text("the error", `document.getElementById('error-text').textContent`); got != mn["error.bad_request"] {
		t.Errorf("mn error = %q; want %q", got, mn["error.bad_request"])
	}
	p.contains("the server's detail", `document.getElementById('error-detail').textContent`, strings.Split(mn["error.detail"], "{")[0], "cell_m")
	t.Logf("ru and mn planner sessions took %v", time.Since(start).Round(time.Millisecond))
}
