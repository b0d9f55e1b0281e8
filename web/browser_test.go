package web_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"yizhan/api"
	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/web"
)

// chromiumPath is where Debian installs Chromium.
const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds the whole browser session, start-up included.
const browserTimeout = 30 * time.Second

// startServer serves the real API with the bundled data set and the
// embedded page on a free loopback port and returns its base URL.
func startServer(t *testing.T) string {
	t.Helper()
	stations, err := bundled.Stations()
	if err != nil {
		t.Fatalf("bundled.Stations() error: %v", err)
	}
	return startServerWith(t, stations)
}

// startServerWith is startServer serving stations instead of the bundled
// records (the reference layers stay the bundled ones).
func startServerWith(t *testing.T, stations []*data.Station) string {
	t.Helper()
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatalf("bundled.LoadLayers() error: %v", err)
	}
	srv, err := api.New(api.Config{
		Catalog: catalog.NewCatalog(catalog.NewSnapshot(stations, 0)),
		Layers:  layers,
		Web:     web.FS,
	})
	if err != nil {
		t.Fatalf("api.New() error: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	app := srv.App()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(2 * time.Second) })
	return "http://" + ln.Addr().String() + "/"
}

// newBrowser starts headless Chromium with a throw-away profile, or skips
// the test when Chromium is not installed (fails with REQUIRE_BROWSER=1).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, browserTimeout)
}

// newBrowserFor is newBrowser with a session of at most timeout.
func newBrowserFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatalf("REQUIRE_BROWSER=1 but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("SKIP browser test: %s is missing (install Debian's chromium, or set REQUIRE_BROWSER=1 to make this an error)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	// The deadline stops the browser too: that is the point, a hung page
	// must not hang the test run.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	return browserCtx
}

// pageLog collects what the page did that a test may object to: uncaught
// exceptions and requests to any host but the server's.
type pageLog struct {
	mu         sync.Mutex
	exceptions []string
	foreign    []string
}

func (l *pageLog) listen(ctx context.Context, base string) error {
	return chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			l.exceptions = append(l.exceptions, fmt.Sprintf("%s (%s:%d:%d)", msg, d.URL, d.LineNumber+1, d.ColumnNumber+1))
		case *network.EventRequestWillBeSent:
			u := ev.Request.URL
			if !strings.HasPrefix(u, base) && !strings.HasPrefix(u, "data:") {
				l.foreign = append(l.foreign, u)
			}
		}
	})
}

func (l *pageLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.exceptions {
		t.Errorf("page threw: %s", e)
	}
	for _, u := range l.foreign {
		t.Errorf("page fetched %s; want nothing outside the server (the map must work offline)", u)
	}
}

// nearestItem is one entry of #nearest-list as the page shows it.
type nearestItem struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Distance string `json:"distance"`
}

const readNearest = `Array.from(document.querySelectorAll('#nearest-list li.nearest-item')).map(li => ({
	id: li.dataset.id, kind: li.dataset.kind, text: li.textContent,
	distance: (li.querySelector('.distance') || {}).textContent || ''}))`

// distanceRe reads the distance the page shows, e.g. "— 12.3 km" or "— 850 m".
var distanceRe = regexp.MustCompile(`(\d+(?:\.\d+)?) (km|m)$`)

func meters(s string) (float64, bool) {
	m := distanceRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	if m[2] == "km" {
		v *= 1000
	}
	return v, true
}

func TestMapPage(t *testing.T) {
	ctx := newBrowser(t)
	base := startServer(t)
	start := time.Now()

	var log pageLog
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	defer log.check(t)

	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('error-text').textContent`))
			t.Fatalf("waiting for %s: %v (page error: %q)", what, err, msg)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base)); err != nil {
		t.Fatalf("navigate to %s: %v", base, err)
	}
	poll("station markers", `document.querySelectorAll('.station-marker').length > 0`)
	poll("the province boundary", `document.querySelectorAll('.leaflet-reference-pane path').length >= 2`)
	poll("league seat labels", `document.querySelectorAll('.seat-label').length > 0`)
	attribution, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".leaflet-control-attribution")))
	if err != nil {
		t.Fatalf("read attribution: %v", err)
	}
	for _, want := range []string{"GeoNames", "DCW-GMT", "Natural Earth"} {
		if !strings.Contains(attribution, want) {
			t.Errorf("attribution %q lacks %q", attribution, want)
		}
	}

	// Click the map a little north-west of Erenhot (lon 111.98, lat 43.65).
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const m = window.yizhan.map;
		m.setView([43.75, 111.9], 8, {animate: false});
		const p = m.latLngToContainerPoint([43.75, 111.9]);
		const r = m.getContainer().getBoundingClientRect();
		return [r.left + p.x, r.top + p.y];
	})()`))
	if err != nil {
		t.Fatalf("locate Erenhot on screen: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		t.Fatalf("click the map: %v", err)
	}
	const k = 5
	poll("the nearest list", fmt.Sprintf(`document.querySelectorAll('#nearest-list li.nearest-item').length === %d`, k))
	poll("the service circle", `document.querySelectorAll('path.service-circle').length > 0`)

	shots := os.Getenv("YIZHAN_SCREENSHOT")
	if shots != "" {
		poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
		screenshot(t, ctx, shots, 1280, 800, false)
	}

	all, err := chromedp.Run(ctx, chromedp.Evaluate[[]nearestItem](readNearest))
	if err != nil {
		t.Fatalf("read the nearest list: %v", err)
	}
	prev := -1.0
	for i, it := range all {
		d, ok := meters(it.Distance)
		if !ok {
			t.Fatalf("item %d %q shows no distance (got %q)", i, it.Text, it.Distance)
		}
		if d < prev {
			t.Errorf("item %d at %v m comes after one at %v m; want nearest first", i, d, prev)
		}
		prev = d
	}
	// The nearest record to a point 14 km from Erenhot is in Erenhot.
	if d, _ := meters(all[0].Distance); d > 50000 {
		t.Errorf("nearest to Erenhot is %q; want one within 50 km", all[0].Text)
	}

	// Filter by a kind that not every listed record has: the list must change.
	kind := "port"
	if allKind(all, kind) {
		kind = "driver_home"
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const s = document.getElementById('kind');
		s.value = %q;
		s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, kind))); err != nil {
		t.Fatalf("select kind %s: %v", kind, err)
	}
	poll("the list filtered by "+kind, fmt.Sprintf(`(() => {
		const items = Array.from(document.querySelectorAll('#nearest-list li.nearest-item'));
		return items.length > 0 && items.every(li => li.dataset.kind === %q);
	})()`, kind))
	filtered, err := chromedp.Run(ctx, chromedp.Evaluate[[]nearestItem](readNearest))
	if err != nil {
		t.Fatalf("read the filtered list: %v", err)
	}
	if sameIDs(all, filtered) {
		t.Errorf("kind=%s left the list unchanged: %v", kind, filtered)
	}
	// Names follow the language choice: Chinese names are in Han script.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('lang');
		s.value = 'zh';
		s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`)); err != nil {
		t.Fatalf("select lang zh: %v", err)
	}
	poll("names in Chinese", `(() => {
		const n = document.querySelector('#nearest-list li.nearest-item .name');
		return n && /\p{Script=Han}/u.test(n.textContent);
	})()`)

	if errText, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent`)); errText != "" {
		t.Errorf("page shows an error: %q", errText)
	}

	if shots != "" {
		poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
		screenshot(t, ctx, strings.TrimSuffix(shots, filepath.Ext(shots))+"-phone.png", 390, 844, true)
	}
	// A 400 problem from the API reaches the user: ask for a kind the API
	// does not know (the page itself never offers one).
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('kind');
		s.add(new Option('bogus', 'spaceship'));
		s.value = 'spaceship';
		s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`)); err != nil {
		t.Fatalf("select an unknown kind: %v", err)
	}
	poll("the error message", `!document.getElementById('error').hidden`)
	errText, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("error")))
	if err != nil {
		t.Fatalf("read the error: %v", err)
	}
	if !strings.Contains(errText, "spaceship") {
		t.Errorf("error shown = %q; want the API's detail naming the kind spaceship", errText)
	}
	t.Logf("browser session took %v", time.Since(start).Round(time.Millisecond))
}

// screenshot saves the page at width × height CSS pixels to path, for a
// person to look at; mobile emulates a phone (touch, device scale 2).
func screenshot(t *testing.T, ctx context.Context, path string, width, height int64, mobile bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, opts...), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatalf("set viewport %dx%d: %v", width, height, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	t.Logf("screenshot saved to %s", path)
}

func allKind(items []nearestItem, kind string) bool {
	for _, it := range items {
		if it.Kind != kind {
			return false
		}
	}
	return true
}

func sameIDs(a, b []nearestItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}
