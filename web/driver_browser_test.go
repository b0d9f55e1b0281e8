package web_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan/api"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/web"
)

// startStoppableServer is startServer with a function that stops it,
// so that a test can take the server away as a lost signal would.
func startStoppableServer(t *testing.T) (string, func()) {
	t.Helper()
	stations, err := bundled.Stations()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Catalog: catalog.NewCatalog(catalog.NewSnapshot(stations, 0)), Layers: layers, Web: web.FS})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &cutListener{Listener: inner}
	app := srv.App()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { ln.cut(); _ = app.ShutdownWithTimeout(time.Second) })
	return "http://" + inner.Addr().String() + "/", ln.cut
}

// cutListener is a listener whose cut closes it and every connection it
// accepted, as a lost signal would: the browser's kept-alive connections
// fail at once instead of being served until they go idle.
type cutListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  bool
}

func (l *cutListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		c.Close()
		return nil, net.ErrClosed
	}
	l.conns = append(l.conns, c)
	return c, nil
}

func (l *cutListener) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.done = true
	l.Listener.Close()
	for _, c := range l.conns {
		c.Close()
	}
}

// shotDir is where the driver test saves its screenshots: the directory
// of YIZHAN_SCREENSHOT when set, else the test's temporary directory.
func shotDir(t *testing.T) string {
	if s := os.Getenv("YIZHAN_SCREENSHOT"); s != "" {
		return filepath.Dir(s)
	}
	return t.TempDir()
}

// phone emulates a 390 × 844 phone with touch.
func (p page) phone() {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		p.t.Fatalf("emulate a phone: %v", err)
	}
}

func (p page) shot(dir, name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", path)
}

func (p page) open(u string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(u)); err != nil {
		p.t.Fatalf("open %s: %v", u, err)
	}
	p.poll("the page to start", `window.yizhan && window.yizhan.ready() && window.yizhan.stationsSettled() && document.querySelectorAll('.station-marker').length > 0`)
}

// tapScreen taps (clicks, under touch emulation) at page pixel x, y.
func (p page) tapScreen(x, y float64) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.MouseClickXY(x, y)); err != nil {
		p.t.Fatalf("tap %v, %v: %v", x, y, err)
	}
}

// cardLinks are the card's navigation links and coordinates as shown.
type cardLinks struct {
	ID    string            `json:"id"`
	Title string            `json:"title"`
	WGS   string            `json:"wgs"`
	Links map[string]string `json:"links"`
	Share string            `json:"share"`
}

const readCard = `(() => {
	const c = document.getElementById('card');
	const links = {};
	c.querySelectorAll('a.nav').forEach(a => { links[Array.from(a.classList).find(x => x.startsWith('nav-'))] = a.href; });
	return {id: c.dataset.id || '', title: document.getElementById('card-title').textContent,
		wgs: (c.querySelector('.coord-wgs84 .coord-value') || {}).textContent || '',
		links: links, share: (c.querySelector('a.share-link') || {}).href || ''};
})()`

// checkNavLinks checks that each navigation link of a card leads to the
// record's WGS-84 position (the API's) and carries its name, in the form
// its target reads.
func checkNavLinks(t *testing.T, base string, c cardLinks) {
	t.Helper()
	resp, err := http.Get(base + "v1/stations/" + url.PathEscape(c.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var f struct {
		Geometry struct{ Coordinates [2]float64 } `json:"geometry"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		t.Fatal(err)
	}
	lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
	near := func(what, s string, want float64) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v-want > 1e-6 || want-v > 1e-6 {
			t.Errorf("%s of %s = %q; want %.6f", what, c.ID, s, want)
		}
	}
	parse := func(name string) *url.URL {
		u, err := url.Parse(c.Links[name])
		if err != nil || c.Links[name] == "" {
			t.Fatalf("card of %s: link %s = %q (%v)", c.ID, name, c.Links[name], err)
		}
		return u
	}
	ll := strings.Split(c.WGS, ", ")
	if len(ll) != 2 {
		t.Fatalf("card WGS-84 coordinates %q", c.WGS)
	}
	near("shown latitude", ll[0], lat)
	near("shown longitude", ll[1], lon)

	amap := parse("nav-amap")
	q := amap.Query()
	pos := strings.Split(q.Get("position"), ",")
	if amap.Host != "uri.amap.com" || amap.Path != "/marker" || len(pos) != 2 || q.Get("coordinate") != "wgs84" || q.Get("name") != c.Title {
		t.Errorf("Amap link %s: want uri.amap.com/marker?position=lon,lat&coordinate=wgs84&name=%s", amap, c.Title)
	} else {
		near("Amap longitude", pos[0], lon)
		near("Amap latitude", pos[1], lat)
	}
	baidu := parse("nav-baidu")
	q = baidu.Query()
	loc := strings.Split(q.Get("location"), ",")
	if baidu.Host != "api.map.baidu.com" || baidu.Path != "/marker" || len(loc) != 2 || q.Get("coord_type") != "wgs84" || q.Get("title") != c.Title || q.Get("output") != "html" {
		t.Errorf("Baidu link %s: want api.map.baidu.com/marker?location=lat,lon&coord_type=wgs84&title=%s&output=html", baidu, c.Title)
	} else {
		near("Baidu latitude", loc[0], lat)
		near("Baidu longitude", loc[1], lon)
	}
	geo := parse("nav-geo")
	want := fmt.Sprintf("geo:%.6f,%.6f?q=%.6f,%.6f(%s)", lat, lon, lat, lon, url.PathEscape(c.Title))
	if got, _ := url.PathUnescape(geo.String()); got != fmt.Sprintf("geo:%.6f,%.6f?q=%.6f,%.6f(%s)", lat, lon, lat, lon, c.Title) {
		t.Errorf("geo link %s; want %s", geo, want)
	}
	osm := parse("nav-osm")
	q = osm.Query()
	if osm.Host != "www.openstreetmap.org" || osm.Fragment != fmt.Sprintf("map=16/%.6f/%.6f", lat, lon) {
		t.Errorf("OSM link %s", osm)
	}
	near("OSM mlat", q.Get("mlat"), lat)
	near("OSM mlon", q.Get("mlon"), lon)
	dir := parse("nav-osm-route")
	if r := dir.Query().Get("route"); !strings.HasSuffix(r, fmt.Sprintf(";%.6f,%.6f", lat, lon)) {
		t.Errorf("OSM directions %s: route %q; want it to end at the record", dir, r)
	}
}

// TestDriverOnPhone is issue 10 as a driver meets it: at phone size with
// touch, in each language, the UI is in that language; a tap beside
// Erenhot lists the nearest stations on screen; the card's navigation
// links lead to the record; Back and Forward close and reopen it; its
// share link reopens it; the name and coordinate search find places;
// every record at a shared point is reachable from its marker; and,
// after a first visit, the page works with the server gone, marked as
// offline. No request leaves the server (the page's log checks it).
func TestDriverOnPhone(t *testing.T) {
	ctx := newBrowserFor(t, 150*time.Second)
	base, stop := startStoppableServer(t)
	start := time.Now()
	var log pageLog
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	defer log.check(t)
	p := page{t, ctx}
	p.phone()
	dir := shotDir(t)

	searches := map[string][2]string{ // a name to search for and the kind of result it must give
		"ru": {"Хух-Хото", "result-seat"},
		"mn": {"Хөх хот", "result-seat"},
		"zh": {"二连浩特", "result-station"},
		"en": {"Erenhot", "result-station"},
	}
	for _, lang := range []string{"ru", "mn", "zh", "en"} {
		strs := readStrings(t, lang)
		p.open(base + "?lang=" + lang)
		if got := p.text("html lang", `document.documentElement.lang`); !strings.HasPrefix(got, lang) {
			t.Errorf("%s: <html lang> = %q", lang, got)
		}
		for id, key := range map[string]string{"locate": "locate.button", "tab-find": "tab.find", "nearest-heading": "nearest.heading", "search-go": "search.button", "legend-open": "legend.button"} {
			if got := p.text(id, fmt.Sprintf(`document.getElementById(%q).textContent.trim()`, id)); got != strs[key] {
				t.Errorf("%s: #%s reads %q; want %q", lang, id, got, strs[key])
			}
		}
		if got := p.text("the search placeholder", `document.getElementById('search').placeholder`); got != strs["search.placeholder"] {
			t.Errorf("%s: search placeholder %q", lang, got)
		}

		// The first view: a tap beside Erenhot, wherever the markers are.
		x, y := 0.0, 0.0
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			const m = window.yizhan.map, pt = m.latLngToContainerPoint([43.75, 111.9]), r = m.getContainer().getBoundingClientRect();
			return [r.left + pt.x + 3, r.top + pt.y + 3];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		x, y = xy[0], xy[1]
		p.tapScreen(x, y)
		p.poll("the nearest list", `document.querySelectorAll('#nearest-list li.nearest-item').length === 5`)
		p.poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
		if !document(p, `(() => {
			const r = document.querySelector('#nearest-list li.nearest-item').getBoundingClientRect();
			return r.top >= 0 && r.bottom <= window.innerHeight;
		})()`) {
			t.Errorf("%s: the first result is not on the phone's screen without scrolling", lang)
		}
		if m := p.float("the first distance", `+document.querySelector('#nearest-list li.nearest-item').dataset.meters`); m > 50000 {
			t.Errorf("%s: nearest to a tap beside Erenhot is %v m away", lang, m)
		}
		if z := p.float("the zoom", `window.yizhan.map.getZoom()`); z < 8 {
			t.Errorf("%s: after the tap the map is at zoom %v; want it zoomed to the answers", lang, z)
		}
		items := p.text("the list", `document.getElementById('nearest-list').textContent`)
		if !strings.Contains(items, strs["kind.driver_home"]) && !strings.Contains(items, strs["kind.port"]) {
			t.Errorf("%s: nearest list %q names no kind in the language", lang, items)
		}
		if strings.Contains(items, "Mo-") || strings.Contains(items, "24/7") {
			t.Errorf("%s: nearest list %q shows raw opening_hours", lang, items)
		}
		p.shot(dir, "phone-"+lang+"-results.png")

		// The card of the first result, its links, Back and Forward.
		p.do("open the first result", `document.querySelector('#nearest-list li.nearest-item').click()`)
		p.poll("the card", `!document.getElementById('card').hidden && document.getElementById('card').dataset.mode === 'station'`)
		c, err := chromedp.Run(ctx, chromedp.Evaluate[cardLinks](readCard))
		if err != nil {
			t.Fatal(err)
		}
		checkNavLinks(t, base, c)
		if !strings.Contains(c.Share, "station="+url.QueryEscape(c.ID)) || !strings.Contains(c.Share, "lang="+lang) {
			t.Errorf("%s: share link %q; want lang=%s and station=%s", lang, c.Share, lang, c.ID)
		}
		p.poll("the card's GCJ-02 coordinates and the Amap route", `/^\d+\.\d{6},\d+\.\d{6}$/.test(document.querySelector('.coord-gcj02 .coord-value').textContent) && !!document.querySelector('#card a.nav-amap-route')`)
		route, err := url.Parse(p.text("the Amap route", `document.querySelector('#card a.nav-amap-route').href`))
		if err != nil || route.Host != "uri.amap.com" || route.Path != "/navigation" || route.Query().Get("coordinate") != "" ||
			!strings.HasSuffix(route.Query().Get("to"), ","+c.Title) || !strings.HasPrefix(route.Query().Get("to"), p.text("gcj", `document.querySelector('.coord-gcj02 .coord-value').textContent`)) {
			t.Errorf("%s: Amap route link %v; want uri.amap.com/navigation?to=<GCJ-02 lon,lat>,<name> with no coordinate (GCJ-02 is its default)", lang, route)
		}
		p.shot(dir, "phone-"+lang+"-card.png")
		p.do("go back", `history.back()`)
		p.poll("the card closed by Back", `document.getElementById('card').hidden`)
		p.do("go forward", `history.forward()`)
		p.poll("the card reopened by Forward", fmt.Sprintf(`!document.getElementById('card').hidden && document.getElementById('card').dataset.id === %s`, jsString(c.ID)))

		// The share link, opened afresh, shows the same card in the same language.
		p.open(c.Share)
		p.poll("the shared card", fmt.Sprintf(`!document.getElementById('card').hidden && document.getElementById('card').dataset.id === %s`, jsString(c.ID)))
		if got := p.text("html lang", `document.documentElement.lang`); !strings.HasPrefix(got, lang) {
			t.Errorf("%s: shared link opened in <html lang> %q", lang, got)
		}
		p.do("close the card", `document.getElementById('card-close').click()`)

		// Search by name, then by coordinates.
		s := searches[lang]
		p.set("search", s[0])
		p.poll("search results for "+s[0], fmt.Sprintf(`!!document.querySelector('#search-results .%s')`, s[1]))
		p.do("pick the first result", fmt.Sprintf(`document.querySelector('#search-results .%s').click()`, s[1]))
		p.poll("the list from the picked place", `document.querySelectorAll('#nearest-list li.nearest-item').length > 0`)
		p.set("search", "43.65, 111.98")
		p.poll("the coordinate choices", `document.querySelectorAll('#search-results .search-item').length === 3`)
		p.do("read them as GPS", `document.querySelector('#search-results .crs-wgs84').click()`)
		p.poll("the list from the coordinates", `(() => {
			const li = document.querySelector('#nearest-list li.nearest-item');
			return li && +li.dataset.meters < 1000;
		})()`)
		// The Erenhot driver home's GCJ-02 position as Amap copies it
		// (lon,lat): read as GCJ-02, the query lands on the record.
		p.set("search", "111.983881,43.649527")
		p.poll("the coordinate choices", `document.querySelectorAll('#search-results .search-item').length === 3 && !!document.querySelector('#search-results li:first-child .crs-gcj02')`)
		p.do("read them as Amap's", `document.querySelector('#search-results .crs-gcj02').click()`)
		p.poll("the list from the Amap point", `(() => {
			const li = document.querySelector('#nearest-list li.nearest-item');
			return li && +li.dataset.meters < 1;
		})()`)
		if d := p.float("the query point's offset", `(() => {
			const q = window.yizhan.query();
			return window.yizhan.map.distance([q.lat, q.lon], [43.6475, 111.97667]);
		})()`); d > 1 {
			t.Errorf("%s: a GCJ-02 point pasted from Amap is placed %v m from the record; want under 1 m", lang, d)
		}
		p.noError()
	}

	// Every record at a shared point is reachable: each group's marker
	// lists all of them, and every record in view is in some marker.
	p.open(base + "?lang=mn&lat=43&lon=113&z=5")
	type group struct {
		Lat, Lon float64
		IDs      []string
	}
	groups, err := chromedp.Run(ctx, chromedp.Evaluate[[]group](`window.yizhan.groups().map(g => ({lat: g.lat, lon: g.lon, ids: g.features.map(f => f.id)}))`))
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				Status string `json:"status"`
			} `json:"properties"`
		} `json:"features"`
	}
	resp, err := http.Get(base + "v1/stations?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reach := map[string]bool{}
	shared := 0
	for _, g := range groups {
		for _, id := range g.IDs {
			reach[id] = true
		}
		if len(g.IDs) < 2 {
			continue
		}
		shared++
		p.do("centre the group", fmt.Sprintf(`void window.yizhan.map.setView([%v, %v], 12, {animate: false})`, g.Lat, g.Lon))
		sel := fmt.Sprintf(`document.querySelector('.station-marker[data-ids=%s]')`, jsString(strings.Join(g.IDs, " ")))
		// The move schedules a new load of the markers, which replaces them:
		// wait for it, so that the marker measured is the one tapped.
		p.poll("the group's marker", `window.yizhan.stationsSettled() && !document.querySelector('.leaflet-zoom-anim') && !!`+sel)
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = `+sel+`.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
		if err != nil {
			t.Fatal(err)
		}
		p.tapScreen(xy[0], xy[1])
		p.poll("the list of the group", `document.getElementById('card').dataset.mode === 'group' && !document.getElementById('card').hidden`)
		listed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#card .group-item')).map(b => b.dataset.id)`))
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(listed)
		want := slices.Clone(g.IDs)
		slices.Sort(want)
		if !slices.Equal(listed, want) {
			t.Errorf("marker at %v, %v lists %v; want %v", g.Lat, g.Lon, listed, want)
		}
		if shared == 1 {
			p.do("open one of them", `document.querySelectorAll('#card .group-item')[1].click()`)
			p.poll("its card with the way back", `document.getElementById('card').dataset.mode === 'station' && !!document.querySelector('#card .card-back')`)
			p.shot(dir, "phone-mn-group.png")
		}
		p.do("close the card", `document.getElementById('card-close').click()`)
	}
	if shared < 5 {
		t.Errorf("only %d points with several records; the bundled data has more", shared)
	}
	for _, f := range all.Features {
		if f.Properties.Status == "open" && !reach[f.ID] {
			t.Errorf("record %s is in no marker", f.ID)
		}
		if f.Properties.Status != "open" && reach[f.ID] {
			t.Errorf("record %s (%s) is offered on the map though not in service", f.ID, f.Properties.Status)
		}
	}

	// Offline: the worker controls the page after a first visit; with the
	// server gone a reload still shows the stations, marked as offline.
	p.open(base + "?lang=ru&lat=43.65&lon=111.98&z=11&q=43.70,111.95")
	p.poll("the service worker in control", `!!navigator.serviceWorker.controller`)
	p.poll("the nearest list", `document.querySelectorAll('#nearest-list li.nearest-item').length === 5`)
	// The worker stores an answer after handing it over: wait for it.
	p.poll("the nearest answer saved", `(() => {
		const u = performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/v1/stations/nearest')).pop();
		caches.open('yizhan-data').then(c => c.match(u, {ignoreVary: true})).then(r => { window.__saved = !!r; });
		return window.__saved === true;
	})()`)
	stop()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload offline: %v", err)
	}
	p.poll("the stations offline", `window.yizhan && window.yizhan.ready() && document.querySelectorAll('.station-marker').length > 0`)
	p.poll("the offline banner", `!document.getElementById('offline-banner').hidden`)
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.querySelectorAll('#nearest-list li.nearest-item .offline-mark').length > 0`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("waiting for the nearest list offline: %v; page: %s", err, p.text("the page state", `JSON.stringify({
			error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
			list: document.getElementById('nearest-list').textContent, busy: !document.getElementById('nearest-busy').hidden,
			query: window.yizhan.query(), markers: document.querySelectorAll('.station-marker').length})`))
	}
	if got := p.text("the banner", `document.getElementById('offline-banner').textContent`); !strings.HasPrefix(got, "Нет сети") {
		t.Errorf("offline banner %q; want the Russian words", got)
	}
	p.shot(dir, "phone-ru-offline.png")
	t.Logf("driver session took %v", time.Since(start).Round(time.Millisecond))
}

// document evaluates a boolean expression in the page.
func document(p page, expr string) bool {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
