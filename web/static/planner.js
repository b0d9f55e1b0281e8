// yizhan planner and route views: plain JavaScript over Leaflet, no build
// step, loaded after app.js and using the map and helpers it exports as
// window.yizhan. The planner view asks POST /v1/coverage/gaps and
// /v1/coverage/suggest; the route view asks POST /v1/route/plan (the same
// answer as /v1/route/stations: stations along the route, gaps, rest plan).
(function () {
  'use strict';

  var Y = window.yizhan;
  var A = Y.api;
  var map = Y.map;
  var $ = function (id) { return document.getElementById(id); };
  var el = A.el;
  var t = Y.t;
  var tn = Y.tn;

  // Planner overlays sit above the reference layers and the find circle,
  // under the station markers; like app.js's panes they take no clicks.
  var pane = map.createPane('planner');
  pane.style.zIndex = '390';
  pane.style.pointerEvents = 'none';

  var METERS_PER_DEG = 111320; // meters per degree of latitude, near enough for padding a box

  // ---------- shared ----------

  // Every number this view writes goes through these, in the user's
  // language: its digits, separators and units.
  function fmtKm2(v) {
    if (typeof v !== 'number') { return '–'; }
    return t('units.km2', { n: A.number(v, v < 10 ? 1 : 0) });
  }
  function fmtKm(km) { return t('units.km', { n: A.number(km, 1) }); }
  function fmtMin(m) { return t('units.min', { n: A.number(m, Number.isInteger(m) ? 0 : 1) }); }
  function fmtSpeed(v) { return t('units.kmh', { n: A.number(v, Number.isInteger(v) ? 0 : 1) }); }
  function fmtPct(v) {
    if (typeof v !== 'number') { return '–'; }
    return new Intl.NumberFormat(Y.locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v / 100);
  }
  // fmtLatLon writes a point as the card does: decimal points, as
  // coordinates are copied, in the language's words for north and east.
  function fmtLatLon(lat, lon) {
    return t('coord.lat', { v: lat.toFixed(4) }) + ', ' + t('coord.lon', { v: lon.toFixed(4) });
  }

  // say writes text() into element id now and again whenever the
  // language changes, so that a message set once follows the language.
  var said = {};
  function say(id, text) {
    said[id] = text;
    $(id).textContent = text ? text() : '';
  }
  function numberOf(id) {
    var v = $(id).value.trim();
    return v === '' ? null : Number(v);
  }

  // setBusy shows the spinner of a view and disables its buttons while a
  // request runs.
  function setBusy(prefix, on, buttons) {
    $(prefix + '-busy').hidden = !on;
    buttons.forEach(function (id) { $(id).disabled = on; });
    $('view-' + prefix).setAttribute('aria-busy', String(on));
  }

  // filterBody turns the page's shared filters into planner body fields.
  function filterBody(body) {
    var f = A.filters();
    if (f.kind) { body.kind = f.kind; }
    if (f.amenities.length) { body.amenity = f.amenities; }
    if (f.openNow) { body.open_now = true; }
    body.lang = f.lang;
    return body;
  }

  function stationsURL(bounds, limit) {
    var f = A.filters();
    var bbox = [
      Math.max(-180, bounds.getWest()), Math.max(-90, bounds.getSouth()),
      Math.min(180, bounds.getEast()), Math.min(90, bounds.getNorth())
    ].map(function (v) { return v.toFixed(5); }).join(',');
    var params = [['bbox', bbox], ['limit', String(limit)]];
    if (f.kind) { params.push(['kind', f.kind]); }
    f.amenities.forEach(function (a) { params.push(['amenity', a]); });
    if (f.openNow) { params.push(['open_now', 'true']); }
    return A.apiURL('v1/stations', params);
  }

  // padBounds widens b by meters on every side.
  function padBounds(b, meters) {
    var dLat = meters / METERS_PER_DEG;
    var maxLat = Math.min(89, Math.max(Math.abs(b.getSouth()), Math.abs(b.getNorth())) + dLat);
    var dLon = dLat / Math.cos(maxLat * Math.PI / 180);
    return L.latLngBounds([b.getSouth() - dLat, b.getWest() - dLon], [b.getNorth() + dLat, b.getEast() + dLon]);
  }

  function numbered(latlng, n, className, title) {
    return L.marker(latlng, {
      icon: L.divIcon({ className: 'numbered-marker ' + className, html: el('span', '', String(n)), iconSize: [24, 24] }),
      title: title, keyboard: false
    });
  }

  // dl builds a summary list from [label, value node or text] pairs.
  function dl(rows) {
    var d = el('dl', 'summary');
    rows.forEach(function (r) {
      if (!r) { return; }
      d.appendChild(el('dt', '', r[0]));
      var dd = el('dd');
      (Array.isArray(r[1]) ? r[1] : [r[1]]).forEach(function (v) {
        dd.appendChild(typeof v === 'string' ? document.createTextNode(v) : v);
      });
      d.appendChild(dd);
    });
    return d;
  }

  // ---------- drawing: click vertices, double-click (or Finish) to end ----------

  var drawing = null; // {points: [LatLng], min: n, update(points), done(points)}

  function startDrawing(min, update, done) {
    stopDrawing(false);
    drawing = { points: [], min: min, update: update, done: done };
    map.doubleClickZoom.disable();
    document.body.classList.add('drawing');
    update(drawing.points);
  }

  // stopDrawing ends the drawing; with finish and enough points it hands
  // them to done.
  function stopDrawing(finish) {
    if (!drawing) { return; }
    var d = drawing;
    drawing = null;
    map.doubleClickZoom.enable();
    document.body.classList.remove('drawing');
    if (finish && d.points.length >= d.min) { d.done(d.points); } else { d.update([]); d.done(null); }
  }

  map.on('click', function (ev) {
    if (!drawing) { return; }
    var p = L.latLng(ev.latlng.lat, L.Util.wrapNum(ev.latlng.lng, [-180, 180], true));
    var last = drawing.points[drawing.points.length - 1];
    // The two clicks of a double-click land on one spot: keep one vertex.
    if (last && map.latLngToContainerPoint(last).distanceTo(map.latLngToContainerPoint(p)) < 4) { return; }
    drawing.points.push(p);
    drawing.update(drawing.points);
  });
  map.on('dblclick', function () { if (drawing) { stopDrawing(true); } });

  function lonLat(p) { return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]; }

  // ---------- planner view ----------

  var plannerLayers = L.layerGroup();
  var areaLayer = L.layerGroup().addTo(plannerLayers);
  var circlesLayer = L.layerGroup().addTo(plannerLayers);
  var gapsLayer = L.geoJSON(null, {
    style: { color: '#b71c1c', weight: 1, fillColor: '#e53935', fillOpacity: 0.35, className: 'gap-area' },
    pane: 'planner', interactive: false
  }).addTo(plannerLayers);
  var suggestLayer = L.layerGroup().addTo(plannerLayers);
  var drawnArea = null;  // the polygon drawn by the user, GeoJSON
  var lastArea = null;   // {bounds, radius} of the last gaps answer
  var gapsAbort = null;
  var regionsLoaded = false;
  var regions = [];        // the server's regions, named again when the language changes
  var lastCoverage = null; // {fc, suggest, given}: the last answer, re-rendered when the language changes

  // regionName is a region's name in the user's language: the
  // translation files name the regions they know (region.<code>), the
  // server's names the others.
  function regionName(r) {
    var v = t('region.' + r.code);
    return v !== 'region.' + r.code ? v : A.nameOf(r);
  }

  function nameRegions() {
    var sel = $('planner-area');
    Array.from(sel.options).forEach(function (o) {
      var r = regions.find(function (x) { return 'region:' + x.code === o.value; });
      if (r) { o.textContent = regionName(r); }
    });
  }

  function loadRegions() {
    if (regionsLoaded) { return; }
    regionsLoaded = true;
    A.getJSON(A.apiURL('v1/regions')).then(function (body) {
      regions = body.regions || [];
      if (!regions.length) { return; }
      var sel = $('planner-area');
      var keep = sel.value;
      Array.from(sel.options).forEach(function (o) { if (o.value.indexOf('region:') === 0) { o.remove(); } });
      regions.slice().reverse().forEach(function (r) {
        sel.insertBefore(new Option('', 'region:' + r.code), sel.firstChild);
      });
      nameRegions();
      sel.value = keep;
      if (sel.selectedIndex < 0) { sel.selectedIndex = 0; }
    }).catch(function () { /* an older server: keep the built-in Inner Mongolia */ });
  }

  function drawAreaOutline(latlngs, closed) {
    areaLayer.clearLayers();
    if (!latlngs.length) { return; }
    var opts = { color: '#111', weight: 2, dashArray: '6 4', fill: closed, fillOpacity: 0.04, pane: 'planner', interactive: false, className: 'planner-area' };
    (closed ? L.polygon(latlngs, opts) : L.polyline(latlngs, opts)).addTo(areaLayer);
    if (!closed) {
      latlngs.forEach(function (p) {
        L.circleMarker(p, { radius: 4, color: '#fff', weight: 2, fillColor: '#111', fillOpacity: 1, pane: 'planner', interactive: false }).addTo(areaLayer);
      });
    }
  }

  function updateAreaControls() {
    var draw = $('planner-area').value === 'draw';
    $('planner-draw').hidden = !draw;
    if (!draw) { stopDrawing(false); }
    if (draw && !drawnArea && !drawing) { startPolygon(); }
  }

  function startPolygon() {
    drawnArea = null;
    $('planner-draw-finish').disabled = false;
    say('planner-draw-info', function () { return t('planner.draw_info'); });
    startDrawing(3, function (pts) { drawAreaOutline(pts, false); }, function (pts) {
      $('planner-draw-finish').disabled = true;
      if (!pts) { areaLayer.clearLayers(); return; }
      var ring = pts.map(lonLat);
      ring.push(ring[0]);
      drawnArea = { type: 'Polygon', coordinates: [ring] };
      drawAreaOutline(pts, true);
      var corners = pts.length;
      say('planner-draw-info', function () { return tn('planner.polygon', corners); });
    });
  }

  // areaOf returns the area fields of a coverage body and the box of the
  // area, or throws an Error saying what is missing.
  function areaOf() {
    var v = $('planner-area').value;
    if (v.indexOf('region:') === 0) {
      areaLayer.clearLayers();
      return { body: { region: v.slice('region:'.length) }, bounds: Y.regionBounds() };
    }
    if (v === 'view') {
      var b = map.getBounds();
      var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
      var s = Math.max(-85, b.getSouth()), n = Math.min(85, b.getNorth());
      var ring = [[w, s], [e, s], [e, n], [w, n], [w, s]].map(function (c) {
        return [Number(c[0].toFixed(6)), Number(c[1].toFixed(6))];
      });
      var bounds = L.latLngBounds([s, w], [n, e]);
      drawAreaOutline([[s, w], [s, e], [n, e], [n, w]], true);
      return { body: { area: { type: 'Polygon', coordinates: [ring] } }, bounds: bounds };
    }
    if (!drawnArea) { throw new Error(t('planner.need_polygon')); }
    return { body: { area: drawnArea }, bounds: L.geoJSON(drawnArea).getBounds() };
  }

  function coverageBody() {
    var area = areaOf();
    var body = area.body;
    var minutes = numberOf('planner-minutes');
    if (minutes !== null) { body.minutes = minutes; }
    body.mode = $('planner-mode').value;
    var cell = numberOf('planner-cell');
    if (cell !== null) { body.cell_m = cell; }
    filterBody(body);
    return { body: body, bounds: area.bounds };
  }

  // reachText says in words how the answer's radius was found: the
  // minutes, mode, speed and circuity of its reach, or that it was given.
  function reachText(reach) {
    if (!(reach.minutes > 0)) { return t('planner.radius_given'); }
    var mode = reach.mode ? t('mode.' + reach.mode) : '';
    return t('planner.reach', {
      mode: mode, minutes: fmtMin(reach.minutes), speed: fmtSpeed(reach.speed_kmh),
      circuity: A.number(reach.circuity, 1)
    });
  }

  function renderSummary(s, extra) {
    var box = $('gaps-summary');
    box.replaceChildren();
    var pct = el('span', '', fmtPct(s.covered_pct));
    pct.id = 'covered-pct';
    pct.dataset.value = String(s.covered_pct);
    var radius = [A.formatDistance(s.radius_m), el('span', 'hint', reachText(s.reach || {}))];
    var where = s.region ? regionName(s.region) : t('planner.the_polygon');
    var gapsShown = null;
    if (typeof s.gaps_total === 'number') {
      gapsShown = s.numberReturned < s.gaps_total
        ? tn('planner.gaps_drawn', s.numberReturned, { total: A.number(s.gaps_total) })
        : A.number(s.gaps_total);
    }
    var size = A.formatDistance(s.cell_m);
    var cell = s.cell_m_auto ? t('planner.cell_value_auto', { size: size }) : size;
    if (s.grid) { cell += ' · ' + tn('planner.cells', s.grid.cells_inside); }
    box.appendChild(dl([
      [t('planner.sum_area'), t('planner.area_where', { area: fmtKm2(s.area_km2), where: where })],
      [t('planner.sum_covered'), [pct, ' · ' + fmtKm2(s.covered_km2)]],
      [t('planner.sum_uncovered'), fmtKm2(s.uncovered_km2)],
      gapsShown !== null ? [t('planner.sum_gaps'), gapsShown] : null,
      [t('planner.sum_radius'), radius],
      [t('planner.sum_cell'), cell],
      [t('planner.sum_stations'), A.number(s.stations_counted)]
    ].concat(extra || [])));
    var bar = el('div', 'pct-bar');
    var fill = el('span');
    fill.style.width = Math.max(0, Math.min(100, s.covered_pct || 0)) + '%';
    bar.appendChild(fill);
    box.appendChild(bar);
  }

  // drawCircles draws the service circle of every record (passing the
  // filters) that can reach the area: radius_m as the answer reports it.
  function drawCircles(bounds, radius) {
    circlesLayer.clearLayers();
    if (!$('planner-circles').checked || !(radius > 0)) { return Promise.resolve(); }
    return A.getJSON(stationsURL(padBounds(bounds, radius), 1000)).then(function (fc) {
      (fc.features || []).forEach(function (f) {
        if (!f.geometry || f.geometry.type !== 'Point') { return; }
        var c = f.geometry.coordinates;
        var color = A.kindColor((f.properties || {}).kind);
        L.circle([c[1], c[0]], {
          radius: radius, color: color, weight: 1, opacity: 0.7, fillColor: color, fillOpacity: 0.08,
          className: 'station-circle', pane: 'planner', interactive: false
        }).addTo(circlesLayer);
      });
    });
  }

  function runGaps() {
    A.clearError();
    stopDrawing(true);
    var req;
    try { req = coverageBody(); } catch (err) { A.showError(err); return Promise.resolve(); }
    if (gapsAbort) { gapsAbort.abort(); }
    gapsAbort = new AbortController();
    var signal = gapsAbort.signal;
    setBusy('planner', true, ['gaps-run', 'suggest-run']);
    return A.postJSON(A.apiURL('v1/coverage/gaps'), req.body, signal).then(function (fc) {
      gapsLayer.clearLayers();
      suggestLayer.clearLayers();
      $('suggest-list').replaceChildren();
      gapsLayer.addData(fc);
      lastArea = { bounds: req.bounds, radius: fc.radius_m };
      lastCoverage = { fc: fc, suggest: false };
      renderSummary(fc);
      if (!map.getBounds().intersects(req.bounds)) { map.fitBounds(req.bounds, { padding: [10, 10] }); }
      return drawCircles(req.bounds, fc.radius_m);
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('planner', false, ['gaps-run', 'suggest-run']); }
    });
  }

  // renderSuggest writes a suggest answer's summary and its list of
  // sites; given says whether the body named the candidate sites.
  function renderSuggest(fc, given) {
    var feats = fc.features || [];
    renderSummary(fc, [[tn('planner.after', feats.length),
      fmtPct(fc.covered_pct_after) + ' · ' + fmtKm2(fc.covered_km2_after)]]);
    var list = $('suggest-list');
    list.replaceChildren();
    feats.forEach(function (f) {
      var p = f.properties || {};
      var c = f.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      var li = el('li', 'suggest-item');
      li.tabIndex = 0;
      li.appendChild(el('div', 'line', el('span', 'badge suggest', String(p.rank)),
        ' ' + t('planner.site_line', { area: fmtKm2(p.newly_covered_km2), pct: fmtPct(p.covered_pct_after) })));
      li.appendChild(el('div', 'hint', fmtLatLon(c[1], c[0]),
        p.candidate !== undefined ? ' · ' + t('planner.candidate', { id: p.candidate }) : null));
      li.addEventListener('click', function () { map.setView(latlng, Math.max(map.getZoom(), 8)); });
      list.appendChild(li);
    });
    if (!feats.length) { list.appendChild(el('li', 'empty', t('planner.no_sites'))); }
    list.appendChild(el('li', 'hint', (given ? t('planner.candidates_given') : t('planner.candidates_lattice')) + ' ' + t('planner.method')));
  }

  // drawSuggest draws a suggest answer's sites on the map.
  function drawSuggest(fc) {
    suggestLayer.clearLayers();
    (fc.features || []).forEach(function (f) {
      var p = f.properties || {};
      var c = f.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      L.circle(latlng, {
        radius: fc.radius_m, color: '#6a1b9a', weight: 2, dashArray: '5 4', fillColor: '#6a1b9a', fillOpacity: 0.12,
        className: 'suggest-circle', pane: 'planner', interactive: false
      }).addTo(suggestLayer);
      numbered(latlng, p.rank, 'suggest-marker', t('planner.site_title', { rank: p.rank, area: fmtKm2(p.newly_covered_km2) }))
        .addTo(suggestLayer);
    });
  }

  function runSuggest() {
    A.clearError();
    stopDrawing(true);
    var req;
    try { req = coverageBody(); } catch (err) { A.showError(err); return Promise.resolve(); }
    var n = numberOf('suggest-n') || 5;
    req.body.n = n;
    if (gapsAbort) { gapsAbort.abort(); }
    gapsAbort = new AbortController();
    var signal = gapsAbort.signal;
    setBusy('planner', true, ['gaps-run', 'suggest-run']);
    return A.postJSON(A.apiURL('v1/coverage/suggest'), req.body, signal).then(function (fc) {
      var given = !!req.body.candidates;
      lastCoverage = { fc: fc, suggest: true, given: given };
      drawSuggest(fc);
      renderSuggest(fc, given);
      if (!lastArea) { return drawCircles(req.bounds, fc.radius_m); }
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('planner', false, ['gaps-run', 'suggest-run']); }
    });
  }

  // nameSuggestButton says on the button how many sites it asks for.
  function nameSuggestButton() {
    var n = numberOf('suggest-n');
    $('suggest-run').textContent = n > 0 && Number.isInteger(n) ? tn('planner.suggest_sites', n) : t('planner.suggest');
  }

  $('planner-form').addEventListener('submit', function (ev) { ev.preventDefault(); runGaps(); });
  $('suggest-run').addEventListener('click', runSuggest);
  $('suggest-n').addEventListener('input', nameSuggestButton);
  $('planner-area').addEventListener('change', updateAreaControls);
  $('planner-draw-start').addEventListener('click', startPolygon);
  $('planner-draw-finish').addEventListener('click', function () { stopDrawing(true); });
  $('planner-draw-clear').addEventListener('click', function () {
    stopDrawing(false);
    drawnArea = null;
    areaLayer.clearLayers();
    say('planner-draw-info', function () { return t('planner.draw_again'); });
  });
  $('planner-circles').addEventListener('change', function () {
    if (!$('planner-circles').checked) { circlesLayer.clearLayers(); return; }
    if (lastArea) { drawCircles(lastArea.bounds, lastArea.radius).catch(A.showError); }
  });

  // ---------- route view ----------

  var routeLayers = L.layerGroup();
  var routePreview = L.layerGroup().addTo(routeLayers);
  var routeResult = L.layerGroup().addTo(routeLayers);
  var routeAbort = null;
  var lastRoute = null;  // {fc, body}: the last answer and its request, re-rendered when the language changes
  var examplesLoaded = false;
  var examples = [];     // the server's example routes, named again when the language changes

  function nameExamples() {
    var sel = $('route-example');
    examples.forEach(function (r) {
      var o = Array.from(sel.options).find(function (x) { return x.value === r.id; });
      if (o) { o.textContent = t('route.example_option', { name: A.nameOf(r), length: t('units.km', { n: A.number(r.length_km) }) }); }
    });
  }

  function loadExamples() {
    if (examplesLoaded) { return; }
    examplesLoaded = true;
    A.getJSON(A.apiURL('v1/routes')).then(function (body) {
      var sel = $('route-example');
      examples = body.routes || [];
      examples.forEach(function (r) { sel.appendChild(new Option('', r.id)); });
      nameExamples();
      sel.disabled = !examples.length;
    }).catch(function (err) {
      $('route-example').disabled = true;
      say('route-note', err.status === 404
        ? function () { return t('route.no_examples'); }
        : function () { return t('route.examples_failed') + (err.detail ? ' ' + t('error.detail', { detail: err.detail }) : ''); });
    });
  }

  function previewRoute(latlngs) {
    routePreview.clearLayers();
    if (!latlngs.length) { return; }
    L.polyline(latlngs, { color: '#1f5fa8', weight: 4, opacity: 0.6, dashArray: '8 6', pane: 'planner', interactive: false })
      .addTo(routePreview);
    latlngs.forEach(function (p) {
      L.circleMarker(p, { radius: 4, color: '#fff', weight: 2, fillColor: '#1f5fa8', fillOpacity: 1, pane: 'planner', interactive: false })
        .addTo(routePreview);
    });
  }

  // routeLine reads the textarea: a LineString, a Feature of one or a
  // FeatureCollection of one; returns the GeoJSON and its [lat, lng]s.
  function routeFromText() {
    var text = $('route-geojson').value.trim();
    if (!text) { throw new Error(t('route.need_route')); }
    var g;
    try { g = JSON.parse(text); } catch (e) {
      // The browser's own message is in English; its position is not.
      var at = /position (\d+)/.exec(e.message);
      throw new Error(at ? t('route.bad_json_at', { n: A.number(Number(at[1]) + 1) }) : t('route.bad_json'));
    }
    var line = g;
    if (line && line.type === 'FeatureCollection' && line.features && line.features.length === 1) { line = line.features[0]; }
    if (line && line.type === 'Feature') { line = line.geometry; }
    var latlngs = (line && line.type === 'LineString' && Array.isArray(line.coordinates))
      ? line.coordinates.filter(function (c) { return Array.isArray(c) && c.length >= 2; }).map(function (c) { return [c[1], c[0]]; })
      : [];
    return { geojson: g, latlngs: latlngs };
  }

  function selectExample() {
    var sel = $('route-example');
    var id = sel.value;
    if (!id) { return Promise.resolve(); }
    stopDrawing(false);
    // The bundled examples all carry the same note (straight segments,
    // not roads); the page says it in the user's language.
    say('route-note', function () { return t('route.example_note'); });
    return A.getJSON(A.apiURL('v1/routes/' + encodeURIComponent(id))).then(function (f) {
      $('route-geojson').value = JSON.stringify(f);
      clearRouteResult();
      var r = routeFromText();
      previewRoute(r.latlngs);
      if (r.latlngs.length) { map.fitBounds(L.latLngBounds(r.latlngs), { padding: [20, 20] }); }
    }).catch(A.showError);
  }

  function clearRouteResult() {
    lastRoute = null;
    routeResult.clearLayers();
    ['route-summary', 'rest-plan', 'rest-problems', 'route-gaps', 'route-list'].forEach(function (id) { $(id).replaceChildren(); });
    $('rest-plan-detail').textContent = '';
    $('rest-plan-detail').classList.remove('infeasible');
  }

  function routeBody(route) {
    var body = { route: route };
    var corridorKm = numberOf('route-corridor');
    if (corridorKm !== null) { body.corridor_m = Math.round(corridorKm * 1000 * 10) / 10; }
    var speed = numberOf('route-speed');
    if (speed !== null) { body.speed_kmh = speed; }
    var drive = numberOf('route-drive');
    if (drive !== null) { body.max_drive_minutes = drive; }
    var gap = numberOf('route-max-gap');
    if (gap !== null) {
      if ($('route-gap-by').value === 'minutes') { body.max_gap_minutes = gap; } else { body.max_gap_km = gap; }
    }
    var prefer = [];
    document.querySelectorAll('#route-prefer input:checked').forEach(function (cb) { prefer.push(cb.value); });
    if (prefer.length) { body.prefer_amenities = prefer; }
    return filterBody(body);
  }

  function runRoute() {
    A.clearError();
    stopDrawing(true);
    var r;
    try { r = routeFromText(); } catch (err) { A.showError(err); return Promise.resolve(); }
    if (routeAbort) { routeAbort.abort(); }
    routeAbort = new AbortController();
    var signal = routeAbort.signal;
    setBusy('route', true, ['route-run']);
    var body = routeBody(r.geojson);
    return A.postJSON(A.apiURL('v1/route/plan'), body, signal).then(function (fc) {
      routePreview.clearLayers();
      lastRoute = { fc: fc, body: body };
      renderRoute(fc, body, true);
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('route', false, ['route-run']); }
    });
  }

  // kmAt is a place on the route: the kilometre post along_m meters
  // from its start.
  function kmAt(m) { return t('route.km_at', { km: A.number(m / 1000, 1) }); }

  function sideText(side) {
    switch (side) {
      case 'left': return t('route.side_left');
      case 'right': return t('route.side_right');
      case 'on': return t('route.side_on');
    }
    return side || '';
  }

  // gapLimitText says how the gap limit was set: by minutes of driving
  // at the speed asked for, or in km (then the limit says it all).
  function gapLimitText(body, plan) {
    if (typeof body.max_gap_minutes !== 'number') { return ''; }
    return t('route.gap_how', { minutes: fmtMin(body.max_gap_minutes), speed: fmtSpeed(plan.speed_kmh) });
  }

  // planText is the rest plan's message, from the plan's numbers: no
  // plan possible, no stop needed, or how many stops with what rest.
  function planText(fc, plan) {
    var leg = fmtKm(plan.max_leg_km);
    if (plan.feasible === false) { return tn('route.plan_impossible', (plan.problems || []).length, { leg: leg }); }
    if (!(plan.stops || []).length) {
      return t('route.plan_none', { length: fmtKm(fc.route_length_km), leg: leg, minutes: fmtMin(plan.max_drive_minutes) });
    }
    return tn('route.plan_stops', plan.stops.length, { rest: fmtMin(plan.min_rest_minutes) });
  }

  function problemText(p, plan) {
    return t('route.problem', {
      from: kmAt(p.from_along_m), to: kmAt(p.to_along_m), length: fmtKm(p.length_km), leg: fmtKm(plan.max_leg_km),
      minutes: fmtMin(plan.max_drive_minutes), speed: fmtSpeed(plan.speed_kmh)
    });
  }

  function renderRoute(fc, body, fit) {
    routeResult.clearLayers();
    var feats = fc.features || [];
    var stations = feats.filter(function (f) { return (f.properties || {}).role === 'station'; });
    var gaps = feats.filter(function (f) { return (f.properties || {}).role === 'gap'; });
    var byId = {};
    stations.forEach(function (f) { byId[f.id] = f; });
    var toLatLngs = function (f) { return f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; }); };
    var bounds = null;
    var plan = fc.rest_plan || {};

    feats.forEach(function (f) {
      if ((f.properties || {}).role !== 'route') { return; }
      var line = L.polyline(toLatLngs(f), { color: '#1f5fa8', weight: 5, opacity: 0.85, className: 'route-line', pane: 'planner', interactive: false });
      line.addTo(routeResult);
      bounds = line.getBounds();
    });
    gaps.forEach(function (f) {
      L.polyline(toLatLngs(f), { color: '#d32f2f', weight: 9, opacity: 0.75, className: 'route-gap', pane: 'planner', interactive: false })
        .addTo(routeResult);
    });

    // Summary.
    var limit = A.formatDistance(fc.max_gap_m);
    var corridor = A.formatDistance(fc.corridor_m);
    var how = gapLimitText(body, plan);
    var box = $('route-summary');
    box.replaceChildren();
    box.appendChild(dl([
      [t('route.sum_route'), fmtKm(fc.route_length_km)],
      [t('route.sum_stations'), tn('route.stations_within', fc.stations_count, { corridor: corridor })],
      [t('route.sum_gaps'), [tn('route.gaps_longer', fc.gaps_count, { limit: limit }) +
        (fc.gaps_count ? ', ' + t('route.longest', { length: fmtKm(fc.longest_gap_km) }) : ''),
        how ? el('span', 'hint', how) : '']]
    ]));

    // Rest plan.
    var detail = $('rest-plan-detail');
    detail.textContent = planText(fc, plan);
    detail.classList.toggle('infeasible', plan.feasible === false);
    var planList = $('rest-plan');
    planList.replaceChildren();
    (plan.stops || []).forEach(function (s, i) {
      var n = i + 1;
      var st = byId[s.id];
      var name = st ? A.nameOf(st.properties || {}) : s.name;
      var li = el('li', 'plan-stop');
      li.tabIndex = 0;
      li.dataset.id = s.id;
      li.appendChild(el('div', 'line', el('span', 'badge', String(n)), el('span', 'name', name)));
      li.appendChild(el('div', 'meta', t('route.stop_meta', {
        at: kmAt(s.along_m), leg: fmtKm(s.leg_km), minutes: fmtMin(Math.round(s.drive_minutes)), rest: fmtMin(plan.min_rest_minutes)
      }), s.preferred ? ' · ' + t('route.stop_preferred', { amenities: A.amenityList(plan.prefer_amenities) }) : null));
      if (st) {
        var c = st.geometry.coordinates;
        var latlng = L.latLng(c[1], c[0]);
        numbered(latlng, n, 'plan-stop-marker', t('route.stop_title', { n: n, name: name }))
          .bindPopup(function () { return A.popupContent(st.properties || {}); })
          .addTo(routeResult);
        li.addEventListener('click', function () { map.setView(latlng, Math.max(map.getZoom(), 9)); });
      }
      planList.appendChild(li);
    });
    if ((plan.stops || []).length && plan.final_leg_km) {
      planList.appendChild(el('li', 'hint', t('route.final_leg', { leg: fmtKm(plan.final_leg_km) })));
    }
    var problems = $('rest-problems');
    problems.replaceChildren();
    (plan.problems || []).forEach(function (p) { problems.appendChild(el('li', 'plan-problem', problemText(p, plan))); });

    // Gaps.
    var gapList = $('route-gaps');
    gapList.replaceChildren();
    gaps.forEach(function (f) {
      var p = f.properties;
      var li = el('li', 'gap-item', t('route.gap_item', { from: kmAt(p.from_along_m), to: kmAt(p.to_along_m), length: fmtKm(p.length_km) }));
      li.tabIndex = 0;
      li.addEventListener('click', function () { map.fitBounds(L.latLngBounds(toLatLngs(f)), { padding: [30, 30] }); });
      gapList.appendChild(li);
    });
    if (!gaps.length) { gapList.appendChild(el('li', 'empty', t('route.no_gaps', { limit: limit }))); }

    // Stations along the route.
    var list = $('route-list');
    list.replaceChildren();
    stations.forEach(function (f) {
      var p = f.properties || {};
      var c = f.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      L.circleMarker(latlng, {
        radius: 7, weight: 2, color: '#fff', fillColor: A.kindColor(p.kind), fillOpacity: 0.95,
        className: 'route-station kind-' + p.kind, pane: 'planner', interactive: false
      }).addTo(routeResult);

      var li = el('li', 'route-item' + (p.rest_stop ? ' is-stop' : ''));
      li.tabIndex = 0;
      li.dataset.id = f.id;
      li.dataset.alongM = String(p.along_m);
      var dot = el('span', 'dot');
      dot.style.background = A.kindColor(p.kind);
      li.appendChild(el('div', 'line', p.rest_stop ? el('span', 'badge', String(p.rest_stop)) : null, dot,
        el('span', 'name', A.nameOf(p)), el('span', 'kind', '— ' + A.kindLabel(p.kind))));
      li.appendChild(el('div', 'meta', t('route.station_meta', { at: kmAt(p.along_m), offset: A.formatDistance(p.offset_m), side: sideText(p.side) })));
      if (p.amenities && p.amenities.length) { li.appendChild(el('div', 'meta', A.amenityList(p.amenities))); }
      var open = function () {
        map.setView(latlng, Math.max(map.getZoom(), 10));
        L.popup().setLatLng(latlng).setContent(A.popupContent(p)).openOn(map);
      };
      li.addEventListener('click', open);
      li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
      list.appendChild(li);
    });
    if (!stations.length) { list.appendChild(el('li', 'empty', t('route.no_stations', { corridor: corridor }))); }
    if (fit && bounds) { map.fitBounds(bounds, { padding: [20, 20] }); }
  }

  function startRouteDrawing() {
    $('route-example').value = '';
    say('route-note', function () { return t('route.draw_info'); });
    $('route-draw-finish').disabled = false;
    clearRouteResult();
    startDrawing(2, function (pts) {
      previewRoute(pts);
      if (pts.length) { $('route-geojson').value = JSON.stringify({ type: 'LineString', coordinates: pts.map(lonLat) }); }
    }, function (pts) {
      $('route-draw-finish').disabled = true;
      var n = pts ? pts.length : 0;
      say('route-note', n ? function () { return tn('route.drawn', n); } : null);
      if (!pts) { $('route-geojson').value = ''; }
    });
  }

  $('route-form').addEventListener('submit', function (ev) { ev.preventDefault(); runRoute(); });
  $('route-example').addEventListener('change', selectExample);
  $('route-draw-start').addEventListener('click', startRouteDrawing);
  $('route-draw-finish').addEventListener('click', function () { stopDrawing(true); });
  $('route-draw-clear').addEventListener('click', function () {
    stopDrawing(false);
    $('route-example').value = '';
    $('route-geojson').value = '';
    say('route-note', null);
    routePreview.clearLayers();
    clearRouteResult();
  });
  $('route-geojson').addEventListener('change', function () {
    try { previewRoute(routeFromText().latlngs); } catch (e) { routePreview.clearLayers(); }
  });
  $('route-gap-by').addEventListener('change', function () {
    $('route-max-gap').value = $('route-gap-by').value === 'minutes' ? '60' : '50';
  });

  // ---------- language ----------

  // On a language change (after app.js has loaded its strings) the
  // view's own text is written again: the messages said, the names of
  // regions and examples, the suggest button and the last answers.
  document.addEventListener('yizhan:lang', function () {
    Object.keys(said).forEach(function (id) { $(id).textContent = said[id] ? said[id]() : ''; });
    nameRegions();
    nameExamples();
    nameSuggestButton();
    if (lastCoverage && lastCoverage.suggest) {
      drawSuggest(lastCoverage.fc);
      renderSuggest(lastCoverage.fc, lastCoverage.given);
    } else if (lastCoverage) {
      renderSummary(lastCoverage.fc);
    }
    if (lastRoute) { renderRoute(lastRoute.fc, lastRoute.body, false); }
  });

  // ---------- switching views ----------

  function onView(name) {
    stopDrawing(false);
    if (name === 'planner') {
      plannerLayers.addTo(map);
      loadRegions();
      updateAreaControls();
    } else {
      plannerLayers.remove();
    }
    if (name === 'route') {
      routeLayers.addTo(map);
      loadExamples();
    } else {
      routeLayers.remove();
    }
  }
  document.addEventListener('yizhan:view', function (ev) { onView(ev.detail.view); });
  onView(Y.view());

  Y.planner = { runGaps: runGaps, runSuggest: runSuggest, runRoute: runRoute, selectExample: selectExample };
})();
