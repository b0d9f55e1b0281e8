package web_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// boxKm2 is the area on the sphere (mean Earth radius) of the box from
// west, south to east, north, in degrees.
func boxKm2(w, s, e, n float64) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	return r * r * (e - w) * rad * (math.Sin(n*rad) - math.Sin(s*rad))
}

// TestPlannerAreas: the current map view over the China–Mongolia border
// counts only the province's land (clipped_to), or the whole view when
// clipping is off; a polygon file is analysed and saved under a name of
// the planner's (kept as text), comes back after a reload with the same
// answer, and is forgotten.
func TestPlannerAreas(t *testing.T) {
	p, log, base := openView(t, "planner")
	defer log.check(t)
	start := time.Now()

	// The view around Erenhot, half of it in Mongolia.
	p.do("zoom to Erenhot", `void window.yizhan.map.setView([43.65, 111.98], 8, {animate: false})`)
	p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	p.set("planner-area", "view")
	p.poll("the clipping choice", `!document.getElementById('planner-clip-box').hidden`)
	p.set("planner-minutes", "15")
	p.set("planner-mode", "drive")
	var box [4]float64
	b, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](`(() => { const b = window.yizhan.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()`))
	if err != nil {
		t.Fatalf("read the view: %v", err)
	}
	copy(box[:], b)
	view := boxKm2(box[0], box[1], box[2], box[3])
	p.click("gaps-run")
	p.poll("the clipped summary", `document.getElementById('clipped-to') !== null && document.getElementById('planner-busy').hidden`)
	p.noError()
	if got := p.text("clipped to", `document.getElementById('clipped-to').textContent`); got != "Inner Mongolia" {
		t.Errorf("clipped_to shown as %q; want Inner Mongolia", got)
	}
	clipped := p.float("area", `Number(document.getElementById('gaps-summary').dataset.areaKm2)`)
	if !(clipped > 0.2*view && clipped < 0.8*view) {
		t.Errorf("the view clipped to the province measures %v km²; want well inside the view's %v km² (the Mongolian half left out)", clipped, view)
	}
	// Unclipped, and area only: no demand counted anywhere.
	p.set("planner-clip", "")
	p.set("planner-demand-source", "none")
	p.click("gaps-run")
	p.poll("the unclipped summary", `document.getElementById('clipped-to') === null && document.getElementById('planner-busy').hidden &&
		document.getElementById('covered-pct') !== null`)
	whole := p.float("area", `Number(document.getElementById('gaps-summary').dataset.areaKm2)`)
	if math.Abs(whole-view) > 0.01*view {
		t.Errorf("the unclipped view measures %v km²; want the view's %v km²", whole, view)
	}
	if n := p.float("demand shown", `document.querySelectorAll('#demand-covered').length`); n != 0 {
		t.Errorf("area only, yet the summary shows demand covered")
	}
	if got := p.text("the demand column", `Array.from(document.querySelectorAll('#scenarios tr.scenario td:nth-child(3)')).map(td => td.textContent).join('|')`); got != "–|–" {
		t.Errorf("area only, the scenarios' demand column reads %q; want –|–", got)
	}
	if plain := p.text("plain words", `document.getElementById('planner-plain').textContent`); !strings.Contains(plain, "Only area counts") {
		t.Errorf("area only, the plain words %q do not say so", plain)
	}
	p.set("planner-clip", "150000")
	p.set("planner-demand-source", "default")

	// A polygon file: analysed, saved under a name, back after a reload.
	file := filepath.Join(t.TempDir(), "hohhot-square.geojson")
	square := `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[111.55,40.7],[111.85,40.7],[111.85,40.95],[111.55,40.95],[111.55,40.7]]]}}`
	if err := os.WriteFile(file, []byte(square), 0o644); err != nil {
		t.Fatal(err)
	}
	p.set("planner-area", "file")
	p.poll("the file input", `!document.getElementById('planner-upload').hidden`)
	if err := chromedp.Do(p.ctx, chromedp.SetUploadFiles(chromedp.ID("planner-area-upload"), []string{file})); err != nil {
		t.Fatalf("upload %s: %v", file, err)
	}
	p.poll("the polygon loaded", `document.getElementById('planner-upload-info').textContent.includes('1 polygon loaded') &&
		document.querySelectorAll('path.planner-area').length === 1`)
	p.click("gaps-run")
	p.poll("the file's summary", `document.getElementById('gaps-summary').textContent.includes('hohhot-square') && document.getElementById('planner-busy').hidden`)
	p.noError()
	pct := p.float("covered_pct", `Number(document.getElementById('covered-pct').dataset.value)`)
	const name = `Hohhot <b>square</b> "A"`
	p.set("planner-save-name", name)
	p.click("planner-save-button")
	p.poll("the saved area in the list", `document.querySelector('#planner-saved-areas option') !== null`)
	if got := p.text("the saved option", `document.querySelector('#planner-saved-areas option').textContent`); got != name {
		t.Errorf("saved area listed as %q; want %q", got, name)
	}
	if n := p.float("markup", `document.querySelectorAll('#planner-area b, #view-planner b').length`); n != 0 {
		t.Errorf("the saved name became markup (%v elements)", n)
	}

	p.open(base + "#planner")
	p.poll("the planner view", `!document.getElementById('view-planner').hidden && document.querySelector('#planner-saved-areas option') !== null`)
	value := p.text("the saved option", `document.querySelector('#planner-saved-areas option').value`)
	p.set("planner-area", value)
	p.poll("the saved outline", `document.querySelectorAll('path.planner-area').length === 1 && !document.getElementById('planner-forget').hidden`)
	if shown := p.text("the save controls", `['planner-save-button', 'planner-save-name', 'planner-forget'].map(id => document.getElementById(id).offsetParent === null ? 'hidden' : 'shown').join(',')`); shown != "hidden,hidden,shown" {
		t.Errorf("a saved area shows save, name, forget as %s; want hidden,hidden,shown", shown)
	}
	p.set("planner-minutes", "15")
	p.set("planner-mode", "drive")
	p.click("gaps-run")
	p.poll("the saved area's summary", fmt.Sprintf(`document.getElementById('gaps-summary').textContent.includes(%s) && document.getElementById('planner-busy').hidden`, jsString(name)))
	p.noError()
	if got := p.float("covered_pct", `Number(document.getElementById('covered-pct').dataset.value)`); got != pct {
		t.Errorf("the saved area covers %v%%; the file covered %v%%", got, pct)
	}
	p.click("planner-forget")
	p.poll("the area forgotten", `document.querySelector('#planner-saved-areas') === null`)
	if info := p.text("the note", `document.getElementById('planner-save-info').textContent`); !strings.Contains(info, name) {
		t.Errorf("note after forgetting = %q; want it to name %q", info, name)
	}
	t.Logf("areas session took %v", time.Since(start).Round(time.Millisecond))
}
