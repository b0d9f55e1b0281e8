package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan/data/bundled"
)

// page drives one browser tab in a test: polling, evaluating and setting
// form fields, failing the test with the page's error message on timeout.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) poll(what, expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		msg, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById('error').textContent`))
		p.t.Fatalf("waiting for %s: %v (page error: %q)", what, err, msg)
	}
}

func (p page) do(what, js string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p page) float(what, js string) float64 {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](js))
	if err != nil {
		p.t.Fatalf("read %s: %v", what, err)
	}
	return v
}

func (p page) text(what, js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("read %s: %v", what, err)
	}
	return v
}

// set gives form field id a value as a person would: input, then change.
func (p page) set(id, value string) {
	p.t.Helper()
	v, _ := json.Marshal(value)
	p.do("set #"+id, fmt.Sprintf(`(() => {
		const e = document.getElementById(%q);
		e.value = %s;
		e.dispatchEvent(new Event('input', {bubbles: true}));
		e.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, id, v))
}

func (p page) click(id string) {
	p.t.Helper()
	p.do("click #"+id, fmt.Sprintf(`document.getElementById(%q).click()`, id))
}

// clickMap clicks the map at lat, lon with a real mouse event.
func (p page) clickMap(lat, lon float64) {
	p.t.Helper()
	xy, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
		const m = window.yizhan.map;
		const pt = m.latLngToContainerPoint([%v, %v]);
		const r = m.getContainer().getBoundingClientRect();
		return [r.left + pt.x, r.top + pt.y];
	})()`, lat, lon)))
	if err != nil {
		p.t.Fatalf("locate %v, %v on screen: %v", lat, lon, err)
	}
	if err := chromedp.Do(p.ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		p.t.Fatalf("click the map at %v, %v: %v", lat, lon, err)
	}
}

func (p page) noError() {
	p.t.Helper()
	if msg := p.text("the error box", `document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent`); msg != "" {
		p.t.Errorf("page shows an error: %q", msg)
	}
}

// openView loads the page and switches to view with its tab.
func openView(t *testing.T, view string) (page, *pageLog, string) {
	ctx := newBrowser(t)
	base := startServer(t)
	log := &pageLog{}
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base)); err != nil {
		t.Fatalf("navigate to %s: %v", base, err)
	}
	p := page{t, ctx}
	p.poll("station markers", `document.querySelectorAll('.station-marker').length > 0`)
	p.poll("the province boundary", `document.querySelectorAll('.leaflet-reference-pane path').length >= 2`)
	p.click("tab-" + view)
	p.poll("the "+view+" view", fmt.Sprintf(`!document.getElementById('view-%s').hidden && document.getElementById('view-find').hidden`, view))
	return p, log, base
}

func shotPath(suffix string) string {
	shots := os.Getenv("YIZHAN_SCREENSHOT")
	if shots == "" {
		return ""
	}
	return strings.TrimSuffix(shots, filepath.Ext(shots)) + "-" + suffix + ".png"
}

func TestPlannerView(t *testing.T) {
	p, log, _ := openView(t, "planner")
	defer log.check(t)
	start := time.Now()

	// Gaps of Inner Mongolia at 60 minutes' drive.
	p.set("planner-area", "region:150000")
	p.set("planner-minutes", "60")
	p.set("planner-mode", "drive")
	p.click("gaps-run")
	p.poll("the coverage summary", `document.getElementById('covered-pct') !== null`)
	pct := p.float("covered_pct", `Number(document.getElementById('covered-pct').dataset.value)`)
	if !(pct > 0 && pct < 100) {
		t.Errorf("covered_pct = %v; want between 0 and 100 (some of the province is far from every station at 60 min)", pct)
	}
	p.poll("gap polygons on the map", `Array.from(document.querySelectorAll('path.gap-area')).some(e => (e.getAttribute('d') || '').length > 10)`)
	p.poll("service circles", `document.querySelectorAll('path.station-circle').length > 0`)
	p.poll("the busy indicator to go", `document.getElementById('planner-busy').hidden`)
	// With the planned stations, the gaps they close are drawn as closed:
	// as many as the scenario says.
	p.do("pick with_planned", `document.querySelector('#scenarios tr[data-scenario="with_planned"]').click()`)
	p.poll("the planned stations' circles", `document.querySelectorAll('path.planned-circle').length > 0`)
	closed := p.float("gaps closed", `Number(document.querySelector('#scenarios tr[data-scenario="with_planned"]').dataset.gapsClosed)`)
	if drawn := p.float("gaps drawn closed", `document.querySelectorAll('path.gap-closed').length`); drawn != closed {
		t.Errorf("with the planned stations %v gaps are drawn closed; the scenario says %v", drawn, closed)
	}
	p.do("pick today", `document.querySelector('#scenarios tr[data-scenario="today"]').click()`)
	p.poll("no gap closed today", `document.querySelectorAll('path.gap-closed').length === 0 && document.querySelectorAll('path.planned-circle').length === 0`)
	summary := p.text("the summary", `document.getElementById('gaps-summary').textContent`)
	for _, want := range []string{"Inner Mongolia", "km²"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary %q lacks %q", summary, want)
		}
	}
	plain := p.text("the method in plain words", `document.getElementById('planner-plain').textContent`)
	if want := "within 60 minutes by car, at 40 km/h on roads about 1.3 times longer than the straight line"; !strings.Contains(plain, want) {
		t.Errorf("method in plain words = %q; want %q", plain, want)
	}
	p.noError()

	// Suggest three sites: each listed with the area it newly covers, and
	// drawn as a numbered marker.
	p.set("suggest-n", "3")
	if label := p.text("the suggest button", `document.getElementById('suggest-run').textContent`); label != "Suggest 3 new sites" {
		t.Errorf("suggest button says %q; want %q", label, "Suggest 3 new sites")
	}
	p.click("suggest-run")
	p.poll("three suggested sites", `document.querySelectorAll('#suggest-list li.suggest-item').length === 3 &&
		Array.from(document.querySelectorAll('.suggest-marker')).reduce((n, e) => n + (e.dataset.ranks || '').split(',').length, 0) === 3`)
	checkSiteMarkers(t, p, 3, "60 minutes by car")
	first := p.text("the first site", `document.querySelector('#suggest-list li.suggest-item').textContent`)
	if !strings.Contains(first, "km² newly covered") {
		t.Errorf("first suggestion %q does not say the area it newly covers", first)
	}
	p.noError()
	if path := shotPath("planner"); path != "" {
		p.do("zoom to the south-east", `void window.yizhan.map.setView([42.3, 114.5], 6.5, {animate: false})`)
		p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
		screenshot(t, p.ctx, path, 1280, 800, false)
	}

	// A problem from the API reaches the user: 100 m cells over the whole
	// province exceed the work limit, and the answer names the smallest
	// cell_m allowed.
	p.set("planner-cell", "100")
	p.click("gaps-run")
	p.poll("the error message", `!document.getElementById('error').hidden`)
	if msg := p.text("the error", `document.getElementById('error').textContent`); !strings.Contains(msg, "cell_m") {
		t.Errorf("error shown = %q; want the API's detail naming cell_m", msg)
	}
	p.poll("the busy indicator to go", `document.getElementById('planner-busy').hidden`)
	p.set("planner-cell", "")

	// Draw a polygon around Hohhot (three corners, then Finish) and
	// analyse it at 15 minutes' walk.
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	p.do("zoom to Hohhot", `void window.yizhan.map.setView([40.82, 111.66], 10, {animate: false})`)
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	p.set("planner-area", "draw")
	p.poll("the drawing tools", `!document.getElementById('planner-draw').hidden`)
	p.clickMap(40.70, 111.50)
	p.clickMap(40.70, 111.85)
	p.clickMap(40.95, 111.70)
	p.click("planner-draw-finish")
	p.poll("the drawn polygon", `document.querySelectorAll('path.planner-area').length === 1`)
	p.set("planner-minutes", "15")
	p.set("planner-mode", "walk")
	p.click("gaps-run")
	p.poll("the summary of the drawn polygon", `(document.getElementById('gaps-summary').textContent || '').includes('the polygon')`)
	area := p.text("the drawn summary", `document.getElementById('gaps-summary').textContent`)
	if pct := p.float("covered_pct", `Number(document.getElementById('covered-pct').dataset.value)`); !(pct > 0 && pct < 100) {
		t.Errorf("drawn polygon covered_pct = %v; want between 0 and 100 (%s)", pct, area)
	}
	p.noError()
	t.Logf("planner session took %v", time.Since(start).Round(time.Millisecond))
}

func TestRouteView(t *testing.T) {
	p, log, _ := openView(t, "route")
	defer log.check(t)
	start := time.Now()

	// An example route: from the server's list when it offers one, else
	// pasted as GeoJSON (the same Feature).
	const id = "hohhot-manzhouli"
	p.poll("the example list", `document.getElementById('route-example').options.length > 1 || document.getElementById('route-example').disabled`)
	if p.text("examples", `document.getElementById('route-example').disabled ? 'none' : 'some'`) == "some" {
		p.set("route-example", id)
		p.poll("the example route in the textarea", fmt.Sprintf(`document.getElementById('route-geojson').value.includes(%q)`, id))
		t.Logf("route picked from GET /v1/routes")
	} else {
		r, ok := bundled.FindRoute(id)
		if !ok {
			t.Fatalf("no bundled route %s", id)
		}
		p.set("route-geojson", string(r.Raw))
		t.Logf("route pasted (this server has no GET /v1/routes)")
	}
	p.set("route-corridor", "10")
	p.set("route-max-gap", "50")
	p.set("route-speed", "50")
	p.set("route-drive", "240")
	p.click("route-run")
	p.poll("stations along the route", `document.querySelectorAll('#route-list li.route-item').length > 0`)
	p.poll("the rest plan", `document.querySelectorAll('#rest-plan li.plan-stop').length > 0`)
	p.poll("the route and its gaps on the map", `document.querySelectorAll('path.route-line').length === 1 &&
		document.querySelectorAll('path.route-gap').length > 0`)
	p.poll("the busy indicator to go", `document.getElementById('route-busy').hidden`)

	alongs, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](
		`Array.from(document.querySelectorAll('#route-list li.route-item')).map(li => Number(li.dataset.alongM))`))
	if err != nil {
		t.Fatalf("read along_m: %v", err)
	}
	for i := 1; i < len(alongs); i++ {
		if alongs[i] < alongs[i-1] {
			t.Errorf("station %d at along %v m follows one at %v m; want ordered along the route", i, alongs[i], alongs[i-1])
		}
	}
	gaps := p.float("gaps", `document.querySelectorAll('#route-gaps li.gap-item').length`)
	if gaps == 0 {
		t.Errorf("no gap listed; the 1,347 km Hohhot → Manzhouli line has stretches over 50 km with no station")
	}
	// With 200 km legs (240 min at 50 km/h) this route has stretches no
	// plan can bridge: the page must say so, with the stretches.
	detail := p.text("the plan detail", `document.getElementById('rest-plan-detail').textContent`)
	if !strings.Contains(detail, "No plan possible") {
		t.Errorf("rest plan detail = %q; want it to say no plan is possible", detail)
	}
	if n := p.float("problems", `document.querySelectorAll('#rest-problems li.plan-problem').length`); n == 0 {
		t.Errorf("no stretch listed where the plan fails")
	}
	stop := p.text("the first stop", `document.querySelector('#rest-plan li.plan-stop').textContent`)
	if !strings.Contains(stop, "min of driving") || !strings.Contains(stop, "km") {
		t.Errorf("first stop %q does not give its leg and driving time", stop)
	}
	p.noError()
	if path := shotPath("route"); path != "" {
		p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
		screenshot(t, p.ctx, path, 1280, 800, false)
		screenshot(t, p.ctx, shotPath("route-phone"), 390, 844, true)
		p.do("scroll to the results", `document.getElementById('route-summary').scrollIntoView()`)
		screenshot(t, p.ctx, shotPath("route-lists"), 1280, 800, false)
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
			t.Fatalf("restore viewport: %v", err)
		}
	}

	// Draw a route of two points near Erenhot and run it.
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	p.do("zoom to Erenhot", `void window.yizhan.map.setView([43.65, 112.0], 9, {animate: false})`)
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	p.click("route-draw-start")
	p.clickMap(43.40, 111.70)
	p.clickMap(43.70, 112.10)
	p.click("route-draw-finish")
	drawn := p.text("the drawn route", `document.getElementById('route-geojson').value`)
	var line struct {
		Type        string       `json:"type"`
		Coordinates [][2]float64 `json:"coordinates"`
	}
	if err := json.Unmarshal([]byte(drawn), &line); err != nil || line.Type != "LineString" || len(line.Coordinates) != 2 {
		t.Fatalf("drawn route = %q (%v); want a LineString of 2 positions", drawn, err)
	}
	p.click("route-run")
	p.poll("the drawn route's answer", `document.querySelectorAll('path.route-line').length === 1 &&
		document.getElementById('route-summary').textContent.includes('km')`)
	p.noError()

	// Text that is not JSON is refused in the page, before any request.
	p.set("route-geojson", "{not json")
	p.click("route-run")
	p.poll("the error message", `!document.getElementById('error').hidden`)
	if msg := p.text("the error", `document.getElementById('error-text').textContent`); !strings.Contains(msg, "not valid JSON") {
		t.Errorf("error shown = %q; want it to say the route is not valid JSON", msg)
	}
	t.Logf("route session took %v", time.Since(start).Round(time.Millisecond))
}
