package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPlannerByTime checks the planner's "measure" control on a server
// with the Andorra road network: hidden until the server says it has a
// network, by distance the answer is the straight line, and switched to
// travel time the gaps are found on the roads (method "network") and a
// suggested site's nearest station is measured on them.
func TestPlannerByTime(t *testing.T) {
	ctx := newBrowser(t)
	base := startRoadServer(t)
	log := &pageLog{}
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	defer log.check(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base)); err != nil {
		t.Fatalf("navigate to %s: %v", base, err)
	}
	p := page{t, ctx}
	p.click("tab-planner")
	p.poll("the planner view", `!document.getElementById('view-planner').hidden`)
	p.poll("the measure control, shown for a network", `!document.getElementById('planner-by-box').hidden`)
	if v := p.text("the measure control", `document.getElementById('planner-by').value`); v != "distance" {
		t.Errorf("measure = %q at first; want distance", v)
	}
	if l := p.text("its label", `document.getElementById('planner-by-box').textContent`); l == "" {
		t.Error("the measure control has no label")
	}
	p.do("view Andorra", `void window.yizhan.map.fitBounds([[42.43, 1.41], [42.65, 1.78]], {animate: false})`)
	p.set("planner-area", "view")
	p.set("planner-clip", "") // Andorra lies outside the default region
	p.set("planner-minutes", "10")
	p.set("planner-mode", "drive")
	p.set("planner-cell", "500")

	p.click("gaps-run")
	p.poll("an answer by distance", `document.getElementById('planner-method').dataset.method === 'straight_line'`)
	p.poll("the busy indicator to go", `document.getElementById('planner-busy').hidden`)

	p.set("planner-by", "time")
	p.click("gaps-run")
	p.poll("an answer on the roads", `document.getElementById('planner-method').dataset.method === 'network'`)
	p.poll("the busy indicator to go", `document.getElementById('planner-busy').hidden`)
	if plain := p.text("the method in plain words", `document.getElementById('planner-plain').textContent`); plain == "" {
		t.Error("no method in plain words by time")
	}
	p.noError()

	// A suggested site's nearest station is by the roads, the straight
	// line beside it.
	p.set("suggest-n", "1")
	p.click("suggest-run")
	p.poll("a suggested site", `document.querySelectorAll('#suggest-list li.suggest-item').length === 1`)
	if item := p.text("the site", `document.querySelector('#suggest-list li.suggest-item').textContent`); !strings.Contains(item, "by road") || !strings.Contains(item, "in a straight line") {
		t.Errorf("suggested site %q; want its nearest station by road with the straight line beside it", item)
	}
	p.poll("the busy indicator to go", `document.getElementById('planner-busy').hidden`)

	// The control speaks the page's language.
	p.do("switch to Chinese", `document.getElementById('lang').value = 'zh'; document.getElementById('lang').dispatchEvent(new Event('change', {bubbles: true}))`)
	p.poll("the control in Chinese", `document.querySelector('#planner-by option[value="time"]').textContent === '道路行程时间'`)
}
