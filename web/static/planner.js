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

  // Planner overlays sit above the reference layers and the find circle,
  // under the station markers; like app.js's panes they take no clicks.
  var pane = map.createPane('planner');
  pane.style.zIndex = '390';
  pane.style.pointerEvents = 'none';

  var METERS_PER_DEG = 111320; // meters per degree of latitude, near enough for padding a box

  // ---------- shared ----------

  function fmtKm2(v) {
    if (typeof v !== 'number') { return '–'; }
    return v.toLocaleString('en', { maximumFractionDigits: v < 10 ? 1 : 0 }) + ' km²';
  }
  function fmtKm(m, digits) {
    return (m / 1000).toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) + ' km';
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

  function loadRegions() {
    if (regionsLoaded) { return; }
    regionsLoaded = true;
    A.getJSON(A.apiURL('v1/regions')).then(function (body) {
      var regions = body.regions || [];
      if (!regions.length) { return; }
      var sel = $('planner-area');
      var keep = sel.value;
      Array.from(sel.options).forEach(function (o) { if (o.value.indexOf('region:') === 0) { o.remove(); } });
      regions.slice().reverse().forEach(function (r) {
        sel.insertBefore(new Option(r.name_en + ' ' + r.name_zh, 'region:' + r.code), sel.firstChild);
      });
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
    $('planner-draw-info').textContent = 'Tap the corners on the map; double-click (or Finish) to close.';
    startDrawing(3, function (pts) { drawAreaOutline(pts, false); }, function (pts) {
      $('planner-draw-finish').disabled = true;
      if (!pts) { areaLayer.clearLayers(); return; }
      var ring = pts.map(lonLat);
      ring.push(ring[0]);
      drawnArea = { type: 'Polygon', coordinates: [ring] };
      drawAreaOutline(pts, true);
      $('planner-draw-info').textContent = 'Polygon of ' + pts.length + ' corners. Show gaps to analyse it.';
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
    if (!drawnArea) { throw new Error('Draw a polygon first: tap its corners on the map, then double-click or press Finish.'); }
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

  function renderSummary(s, extra) {
    var box = $('gaps-summary');
    box.replaceChildren();
    var pct = el('span', '', typeof s.covered_pct === 'number' ? s.covered_pct.toFixed(1) + ' %' : '–');
    pct.id = 'covered-pct';
    pct.dataset.value = String(s.covered_pct);
    var reach = s.reach || {};
    var radius = [A.formatDistance(s.radius_m)];
    if (reach.derivation) { radius.push(el('span', 'hint', reach.derivation)); }
    var where = s.region ? s.region.name_en + ' ' + s.region.name_zh : 'the polygon';
    var gapsShown = typeof s.gaps_total === 'number'
      ? s.gaps_total + (s.numberReturned < s.gaps_total ? ' (largest ' + s.numberReturned + ' drawn)' : '')
      : null;
    box.appendChild(dl([
      ['Area', fmtKm2(s.area_km2) + ' — ' + where],
      ['Covered', [pct, ' · ' + fmtKm2(s.covered_km2)]],
      ['Uncovered', fmtKm2(s.uncovered_km2)],
      gapsShown !== null ? ['Gaps', gapsShown] : null,
      ['Radius', radius],
      ['Cell', A.formatDistance(s.cell_m) + (s.cell_m_auto ? ' (automatic)' : '') +
        (s.grid ? ' · ' + s.grid.cells_inside.toLocaleString('en') + ' cells' : '')],
      ['Stations', String(s.stations_counted) + ' counted']
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
      renderSummary(fc);
      if (!map.getBounds().intersects(req.bounds)) { map.fitBounds(req.bounds, { padding: [10, 10] }); }
      return drawCircles(req.bounds, fc.radius_m);
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('planner', false, ['gaps-run', 'suggest-run']); }
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
      suggestLayer.clearLayers();
      var list = $('suggest-list');
      list.replaceChildren();
      renderSummary(fc, [['After ' + (fc.features || []).length + ' new sites',
        fc.covered_pct_after.toFixed(1) + ' % · ' + fmtKm2(fc.covered_km2_after)]]);
      var radius = fc.radius_m;
      (fc.features || []).forEach(function (f) {
        var p = f.properties || {};
        var c = f.geometry.coordinates;
        var latlng = L.latLng(c[1], c[0]);
        var title = 'Site ' + p.rank + ': +' + fmtKm2(p.newly_covered_km2);
        L.circle(latlng, {
          radius: radius, color: '#6a1b9a', weight: 2, dashArray: '5 4', fillColor: '#6a1b9a', fillOpacity: 0.12,
          className: 'suggest-circle', pane: 'planner', interactive: false
        }).addTo(suggestLayer);
        numbered(latlng, p.rank, 'suggest-marker', title).addTo(suggestLayer);

        var li = el('li', 'suggest-item');
        li.tabIndex = 0;
        var line = el('div', 'line');
        line.appendChild(el('span', 'badge suggest', String(p.rank)));
        line.appendChild(document.createTextNode(' +' + fmtKm2(p.newly_covered_km2) + ' newly covered → ' +
          p.covered_pct_after.toFixed(1) + ' %'));
        li.appendChild(line);
        li.appendChild(el('div', 'hint', c[1].toFixed(4) + '° N, ' + c[0].toFixed(4) + '° E' +
          (p.candidate !== undefined ? ' · candidate ' + p.candidate : '')));
        li.addEventListener('click', function () { map.setView(latlng, Math.max(map.getZoom(), 8)); });
        list.appendChild(li);
      });
      if (!(fc.features || []).length) {
        list.appendChild(el('li', 'empty', 'No new site would cover more: the area is covered.'));
      }
      var note = el('li', 'hint', 'Candidates: ' + fc.candidates_from + '. ' + fc.method + '.');
      list.appendChild(note);
      if (!lastArea) { return drawCircles(req.bounds, radius); }
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('planner', false, ['gaps-run', 'suggest-run']); }
    });
  }

  $('planner-form').addEventListener('submit', function (ev) { ev.preventDefault(); runGaps(); });
  $('suggest-run').addEventListener('click', runSuggest);
  $('suggest-n').addEventListener('input', function () {
    var n = numberOf('suggest-n');
    $('suggest-run').textContent = 'Suggest ' + (n > 0 ? n : 'N') + ' new site' + (n === 1 ? '' : 's');
  });
  $('planner-area').addEventListener('change', updateAreaControls);
  $('planner-draw-start').addEventListener('click', startPolygon);
  $('planner-draw-finish').addEventListener('click', function () { stopDrawing(true); });
  $('planner-draw-clear').addEventListener('click', function () {
    stopDrawing(false);
    drawnArea = null;
    areaLayer.clearLayers();
    $('planner-draw-info').textContent = 'Press Draw, then tap the corners on the map.';
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
  var lastRoute = null;  // the last answer, re-rendered when the language changes
  var examplesLoaded = false;

  function loadExamples() {
    if (examplesLoaded) { return; }
    examplesLoaded = true;
    A.getJSON(A.apiURL('v1/routes')).then(function (body) {
      var sel = $('route-example');
      (body.routes || []).forEach(function (r) {
        var o = new Option(r.name_en + ' ' + r.name_zh + ' (' + Math.round(r.length_km) + ' km)', r.id);
        o.dataset.note = r.note || '';
        sel.appendChild(o);
      });
      sel.disabled = !(body.routes || []).length;
    }).catch(function (err) {
      $('route-example').disabled = true;
      $('route-note').textContent = err.status === 404
        ? 'This server offers no example routes: paste GeoJSON or draw one.'
        : 'Example routes unavailable: ' + err.message;
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
    if (!text) { throw new Error('No route yet: pick an example, draw one on the map, or paste GeoJSON.'); }
    var g;
    try { g = JSON.parse(text); } catch (e) { throw new Error('The route is not valid JSON: ' + e.message); }
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
    $('route-note').textContent = sel.selectedOptions[0].dataset.note || '';
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
    return A.postJSON(A.apiURL('v1/route/plan'), routeBody(r.geojson), signal).then(function (fc) {
      routePreview.clearLayers();
      lastRoute = fc;
      renderRoute(fc, true);
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('route', false, ['route-run']); }
    });
  }

  function kmAt(m) { return 'km ' + (m / 1000).toFixed(1); }

  var SIDE = { left: 'left of the road', right: 'right of the road', on: 'on the route' };

  function renderRoute(fc, fit) {
    var lang = A.filters().lang;
    routeResult.clearLayers();
    var feats = fc.features || [];
    var stations = feats.filter(function (f) { return (f.properties || {}).role === 'station'; });
    var gaps = feats.filter(function (f) { return (f.properties || {}).role === 'gap'; });
    var byId = {};
    stations.forEach(function (f) { byId[f.id] = f; });
    var toLatLngs = function (f) { return f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; }); };
    var bounds = null;

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
    var box = $('route-summary');
    box.replaceChildren();
    box.appendChild(dl([
      ['Route', fc.route_length_km.toLocaleString('en', { maximumFractionDigits: 1 }) + ' km'],
      ['Stations', fc.stations_count + ' within ' + A.formatDistance(fc.corridor_m) + ' of the route'],
      ['Gaps', [fc.gaps_count + ' longer than ' + A.formatDistance(fc.max_gap_m) +
        (fc.gaps_count ? ', longest ' + fc.longest_gap_km.toFixed(1) + ' km' : ''),
        el('span', 'hint', fc.max_gap_derivation)]]
    ]));

    // Rest plan.
    var plan = fc.rest_plan || {};
    var detail = $('rest-plan-detail');
    detail.textContent = plan.detail || '';
    detail.classList.toggle('infeasible', plan.feasible === false);
    var planList = $('rest-plan');
    planList.replaceChildren();
    (plan.stops || []).forEach(function (s, i) {
      var n = i + 1;
      var st = byId[s.id];
      var name = st ? A.nameOf(st.properties || {}, lang) : s.name;
      var li = el('li', 'plan-stop');
      li.tabIndex = 0;
      li.dataset.id = s.id;
      var line = el('div', 'line');
      line.appendChild(el('span', 'badge', String(n)));
      line.appendChild(el('span', 'name', name));
      li.appendChild(line);
      li.appendChild(el('div', 'meta', kmAt(s.along_m) + ' · after ' + s.leg_km.toFixed(1) + ' km, ' + Math.round(s.drive_minutes) +
        ' min driving; rest ≥ ' + plan.min_rest_minutes + ' min' + (s.preferred ? ' · ★ has ' + A.amenityList(plan.prefer_amenities) : '')));
      if (st) {
        var c = st.geometry.coordinates;
        var latlng = L.latLng(c[1], c[0]);
        numbered(latlng, n, 'plan-stop-marker', 'Rest stop ' + n + ': ' + name)
          .bindPopup(function () { return A.popupContent(st.properties || {}, A.filters().lang); })
          .addTo(routeResult);
        li.addEventListener('click', function () { map.setView(latlng, Math.max(map.getZoom(), 9)); });
      }
      planList.appendChild(li);
    });
    if ((plan.stops || []).length && plan.final_leg_km) {
      planList.appendChild(el('li', 'hint', 'then ' + plan.final_leg_km.toFixed(1) + ' km to the end of the route'));
    }
    var problems = $('rest-problems');
    problems.replaceChildren();
    (plan.problems || []).forEach(function (p) { problems.appendChild(el('li', 'plan-problem', p.detail)); });

    // Gaps.
    var gapList = $('route-gaps');
    gapList.replaceChildren();
    gaps.forEach(function (f) {
      var p = f.properties;
      var li = el('li', 'gap-item', kmAt(p.from_along_m) + ' – ' + kmAt(p.to_along_m) + ': ' +
        p.length_km.toFixed(1) + ' km with no station');
      li.tabIndex = 0;
      li.addEventListener('click', function () { map.fitBounds(L.latLngBounds(toLatLngs(f)), { padding: [30, 30] }); });
      gapList.appendChild(li);
    });
    if (!gaps.length) {
      gapList.appendChild(el('li', 'empty', 'No stretch longer than ' + A.formatDistance(fc.max_gap_m) + ' without a station.'));
    }

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
      var line = el('div', 'line');
      if (p.rest_stop) { line.appendChild(el('span', 'badge', String(p.rest_stop))); }
      var dot = el('span', 'dot');
      dot.style.background = A.kindColor(p.kind);
      line.appendChild(dot);
      line.appendChild(el('span', 'name', A.nameOf(p, lang)));
      line.appendChild(el('span', 'kind', '— ' + A.kindLabel(p.kind)));
      li.appendChild(line);
      li.appendChild(el('div', 'meta', kmAt(p.along_m) + ' · ' + A.formatDistance(p.offset_m) + ' ' + (SIDE[p.side] || p.side)));
      if (p.amenities && p.amenities.length) { li.appendChild(el('div', 'meta', A.amenityList(p.amenities))); }
      var open = function () {
        map.setView(latlng, Math.max(map.getZoom(), 10));
        L.popup().setLatLng(latlng).setContent(A.popupContent(p, A.filters().lang)).openOn(map);
      };
      li.addEventListener('click', open);
      li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
      list.appendChild(li);
    });
    if (!stations.length) {
      list.appendChild(el('li', 'empty', 'No station within ' + A.formatDistance(fc.corridor_m) + ' of the route.'));
    }
    if (fit && bounds) { map.fitBounds(bounds, { padding: [20, 20] }); }
  }

  function startRouteDrawing() {
    $('route-example').value = '';
    $('route-note').textContent = 'Tap points along the route; double-click (or Finish) to end.';
    $('route-draw-finish').disabled = false;
    clearRouteResult();
    startDrawing(2, function (pts) {
      previewRoute(pts);
      if (pts.length) { $('route-geojson').value = JSON.stringify({ type: 'LineString', coordinates: pts.map(lonLat) }); }
    }, function (pts) {
      $('route-draw-finish').disabled = true;
      $('route-note').textContent = pts ? 'Drawn route of ' + pts.length + ' points (straight segments).' : '';
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
    $('route-note').textContent = '';
    routePreview.clearLayers();
    clearRouteResult();
  });
  $('route-geojson').addEventListener('change', function () {
    try { previewRoute(routeFromText().latlngs); } catch (e) { routePreview.clearLayers(); }
  });
  $('route-gap-by').addEventListener('change', function () {
    $('route-max-gap').value = $('route-gap-by').value === 'minutes' ? '60' : '50';
  });
  $('lang').addEventListener('change', function () { if (lastRoute) { renderRoute(lastRoute, false); } });

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
