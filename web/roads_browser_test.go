package web_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"yizhan/api"
	"yizhan/data"
	"yizhan/data/bundled"
	"yizhan/data/catalog"
	"yizhan/data/source"
	"yizhan/roads"
	"yizhan/web"
)

// startRoadServer serves the page and the API with a few records in
// Andorra on the Andorra road network (data/osm).
func startRoadServer(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../data/osm/andorra-2022-09-20.osm.pbf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ways, err := source.ReadRoads(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	n, err := roads.Build(ways)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := bundled.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	rec := func(id string, kind data.Kind, lon, lat float64) *data.Station {
		return &data.Station{ID: id, Kind: kind, Location: orb.Point{lon, lat}, Names: data.Names{ZH: id, EN: id},
			Status: data.StatusOpen, Source: "test"}
	}
	sts := []*data.Station{
		rec("escaldes", data.KindDriverHome, 1.5341, 42.5097),
		rec("encamp", data.KindRestStop, 1.5802, 42.5353),
		rec("sant-julia", data.KindDriverHome, 1.4912, 42.4637),
		rec("pas-de-la-casa", data.KindDriverHome, 1.7327, 42.5425),
		rec("erenhot-port", data.KindPort, 111.95, 43.66), // no road of Andorra reaches it
	}
	for _, st := range sts {
		if problems := st.Validate(); problems != nil {
			t.Fatalf("record %s: %v", st.ID, problems)
		}
	}
	srv, err := api.New(api.Config{
		Catalog: catalog.NewCatalog(catalog.NewSnapshot(sts, 0)),
		Layers:  layers,
		Web:     web.FS,
		Roads:   func() *roads.Network { return n },
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := srv.App()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(2 * time.Second) })
	return "http://" + ln.Addr().String() + "/"
}

// TestRouteOnRoads drives the map from taps to a route on the Andorra
// roads: tap Route, tap a start in La Massana and an end in Soldeu, and the route is drawn with its drive time and road distance.
// A tap as a query point draws the reach area on the roads and lists the
// records by drive time.
func TestRouteOnRoads(t *testing.T) {
	ctx := newBrowserFor(t, 60*time.Second)
	base := startRoadServer(t)
	var log pageLog
	if err := log.listen(ctx, base); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	defer log.check(t)
	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('error-text').textContent + ' | ' + document.getElementById('trip-info').textContent`))
			t.Fatalf("waiting for %s: %v (page says: %q)", what, err, msg)
		}
	}
	tap := func(lat, lon float64) {
		t.Helper()
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			const m = window.yizhan.map;
			const p = m.latLngToContainerPoint([`+strconv.FormatFloat(lat, 'f', -1, 64)+`, `+strconv.FormatFloat(lon, 'f', -1, 64)+`]);
			const r = m.getContainer().getBoundingClientRect();
			return [r.left + p.x, r.top + p.y];
		})()`))
		if err != nil {
			t.Fatalf("locate %v, %v on screen: %v", lat, lon, err)
		}
		// A tap on a marker would open its card instead.
		on, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.elementFromPoint(`+strconv.FormatFloat(xy[0], 'f', -1, 64)+`, `+strconv.FormatFloat(xy[1], 'f', -1, 64)+`); return e ? e.id : ''; })()`))
		if on != "map" {
			t.Fatalf("the tap at %v, %v lands on %q, not the map", lat, lon, on)
		}
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
			t.Fatalf("tap the map: %v", err)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"?lang=en")); err != nil {
		t.Fatal(err)
	}
	poll("the map", `!!(window.yizhan && window.yizhan.map)`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.yizhan.map.setView([42.53, 1.6], 12, {animate: false}), true)`)); err != nil {
		t.Fatal(err)
	}
	poll("station markers", `document.querySelectorAll('.station-marker').length > 0`)

	// A query point: the reach area on the roads, records by drive time.
	tap(42.5063, 1.5218)
	poll("the nearest list", `document.querySelectorAll('#nearest-list li.nearest-item').length === 4`)
	poll("the reach area on the roads", `document.getElementById('circle-info').dataset.method === 'network' && document.querySelectorAll('path.service-circle').length > 0`)
	travel, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#nearest-list li.nearest-item .travel')).map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(travel) != 4 || !strings.Contains(travel[0], "min") || !strings.Contains(travel[0], "by road") {
		t.Errorf("travel texts %q; want each record's drive time and road distance", travel)
	}
	info, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("circle-info")))
	if !strings.Contains(info, "on the roads") || !strings.Contains(info, "km²") {
		t.Errorf("reach info %q; want the reachable area on the roads", info)
	}

	// A route from a tapped start to a tapped end, on a view that holds both.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.yizhan.map.setView([42.55, 1.6], 12, {animate: false}), true)`)); err != nil {
		t.Fatal(err)
	}
	poll("the map to settle", `!document.querySelector('.leaflet-zoom-anim')`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("trip-start"))); err != nil {
		t.Fatal(err)
	}
	poll("the start prompt", `document.getElementById('trip-info').textContent.includes('start')`)
	tap(42.5446, 1.5148) // La Massana
	poll("the end prompt", `document.getElementById('trip-info').textContent.includes('end')`)
	tap(42.5766, 1.6677) // Soldeu
	poll("the route", `document.getElementById('trip-info').dataset.method === 'network' && document.querySelectorAll('path.trip-line').length === 1`)
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("trip-info")))
	if !strings.Contains(text, "min") || !strings.Contains(text, "km") || !strings.Contains(text, "on the roads") {
		t.Errorf("route info %q; want its drive time and road distance", text)
	}
	// The tap that ended the route did not move the query point.
	q, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("query-info")))
	if !strings.Contains(q, "42.50") {
		t.Errorf("query info %q; the route taps must not move the query point", q)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("trip-clear"))); err != nil {
		t.Fatal(err)
	}
	poll("the route cleared", `document.querySelectorAll('path.trip-line').length === 0`)

	// Far from every road of the network (Erenhot, on an Andorra
	// server): the list by distance and the straight-line circle.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"?lang=en&lat=43.65&lon=111.98&z=9&q=43.70,111.95")); err != nil {
		t.Fatal(err)
	}
	poll("the nearest list by distance", `document.querySelectorAll('#nearest-list li.nearest-item').length === 5 && document.querySelectorAll('#nearest-list .travel').length === 0`)
	poll("the straight-line circle", `document.getElementById('circle-info').dataset.method === 'straight_line'`)
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('error').hidden`)); !v {
		t.Errorf("an error is shown for a point off the roads")
	}

	// On the roads, with no record of the kind asked for within reach
	// (the one port is in Erenhot): the nearest by distance, not nothing.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"?lang=en&lat=42.53&lon=1.6&z=12&q=42.5063,1.5218&kind=port")); err != nil {
		t.Fatal(err)
	}
	poll("the port by distance", `(() => { const li = document.querySelectorAll('#nearest-list li.nearest-item'); return li.length === 1 && li[0].dataset.id === 'erenhot-port' && !li[0].querySelector('.travel'); })()`)
}
