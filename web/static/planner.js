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

  // tNodes is t(key, params) as DOM nodes, for params that are nodes (a
  // record's name in a span of its own): the translation's text around
  // them as text nodes.
  function tNodes(key, params) {
    return t(key).split(/\{(\w+)\}/).map(function (part, i) {
      if (i % 2 === 0) { return document.createTextNode(part); }
      var v = params[part];
      return v instanceof Node ? v : document.createTextNode(v === undefined ? '{' + part + '}' : String(v));
    });
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

  // stationsURL asks for the records in bounds passing the filters, of
  // one status (open, planned) when status is given.
  function stationsURL(bounds, limit, status) {
    var f = A.filters();
    var bbox = [
      Math.max(-180, bounds.getWest()), Math.max(-90, bounds.getSouth()),
      Math.min(180, bounds.getEast()), Math.min(90, bounds.getNorth())
    ].map(function (v) { return v.toFixed(5); }).join(',');
    var params = [['bbox', bbox], ['limit', String(limit)]];
    if (f.kind) { params.push(['kind', f.kind]); }
    f.amenities.forEach(function (a) { params.push(['amenity', a]); });
    if (f.openNow) { params.push(['open_now', 'true']); }
    if (status) { params.push(['status', status]); }
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
  var demandLayer = L.layerGroup().addTo(plannerLayers);
  // The service circles of each scenario: today's open stations, the
  // planned ones, the suggested sites. showScenario shows the circles of
  // the scenario chosen in the table.
  var todayCircles = L.layerGroup();
  var plannedCircles = L.layerGroup();
  var siteCircles = L.layerGroup();
  var gapsLayer = L.geoJSON(null, {
    style: { color: '#b71c1c', weight: 1, fillColor: '#e53935', fillOpacity: 0.35, className: 'gap-area' },
    pane: 'planner', interactive: false
  }).addTo(plannerLayers);
  var siteMarkers = L.layerGroup().addTo(plannerLayers);
  var drawnArea = null;  // the polygon drawn by the user, GeoJSON
  var lastArea = null;   // {bounds, radius} of the last answer
  var gapsAbort = null;
  var regionsLoaded = false;
  var regions = [];        // the server's regions, named again when the language changes
  var lastCoverage = null; // {fc, suggest, given, body, shape, name}: the last answer, its request and what its area was, re-rendered when the language changes
  var scenario = 'today';  // the scenario whose circles the map shows
  var demandFile = null;   // {name, kind: 'geojson'|'csv', text, geojson, count, total, points}

  // MAX_DEMAND_BYTES is the largest demand file the page sends: the
  // API's body limit (4 MiB), less room for the rest of the body.
  var MAX_DEMAND_BYTES = 4 * 1024 * 1024 - 64 * 1024;
  // MAX_DEMAND_DRAWN bounds the demand points drawn on the map; all of
  // them are sent.
  var MAX_DEMAND_DRAWN = 3000;
  // SITE_GAP_PX is the least distance, in screen pixels, between the
  // centres of two site markers (each at most 30 px across): sites closer
  // than that at the map's zoom share one marker that says how many.
  var SITE_GAP_PX = 34;

  // regionName is a region's name in the user's language: the
  // translation files name the regions they know (region.<code>), the
  // server's names the others.
  function regionName(r) {
    var v = t('region.' + r.code);
    return v !== 'region.' + r.code ? v : A.nameOf(r);
  }

  function nameRegions() {
    ['planner-area', 'planner-clip'].forEach(function (id) {
      Array.from($(id).options).forEach(function (o) {
        var code = id === 'planner-area' ? o.value.replace(/^region:/, '') : o.value;
        var r = regions.find(function (x) { return x.code === code; });
        if (r) { o.textContent = regionName(r); }
      });
    });
  }

  function loadRegions() {
    if (regionsLoaded) { return; }
    regionsLoaded = true;
    A.getJSON(A.apiURL('v1/regions')).then(function (body) {
      regions = body.regions || [];
      if (!regions.length) { return; }
      [['planner-area', 'region:'], ['planner-clip', '']].forEach(function (s) {
        var sel = $(s[0]);
        var keep = sel.value;
        var regionOption = function (o) { return s[1] ? o.value.indexOf(s[1]) === 0 : o.value !== ''; };
        Array.from(sel.options).forEach(function (o) { if (regionOption(o)) { o.remove(); } });
        regions.slice().reverse().forEach(function (r) { sel.insertBefore(new Option('', s[1] + r.code), sel.firstChild); });
        sel.value = keep;
        if (sel.selectedIndex < 0) { sel.selectedIndex = 0; }
      });
      nameRegions();
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
    var v = $('planner-area').value;
    var draw = v === 'draw';
    var saved = savedArea(v);
    $('planner-draw').hidden = !draw;
    $('planner-upload').hidden = v !== 'file';
    // A region is its own land; the map view and any other shape are
    // clipped to the region chosen here, so no foreign land counts.
    $('planner-clip-box').hidden = v.indexOf('region:') === 0;
    if (!draw) { stopDrawing(false); }
    if (draw && !drawnArea && !drawing) { startPolygon(); }
    if (v === 'file' || v === 'view' || saved) { areaLayer.clearLayers(); }
    if (v === 'file' && fileArea) { drawGeometry(fileArea.area); }
    if (draw && drawnArea) { drawGeometry(drawnArea); }
    if (saved) {
      var b = drawGeometry(saved.area);
      if (b && !map.getBounds().intersects(b)) { map.fitBounds(b, { padding: [20, 20] }); }
    }
    updateSaveControls();
  }

  // ---------- uploaded and saved areas ----------

  // Areas the planner uploaded or drew can be saved under a name, in this
  // browser's storage (the server keeps no areas): they come back in the
  // Area list, with the regions.
  var AREAS_KEY = 'yizhan.areas.v1';
  var MAX_AREAS = 20;
  var MAX_AREA_BYTES = 4 * 1024 * 1024; // the API's body limit
  var fileArea = null; // {name, area}: the polygon file chosen

  function loadSaved() {
    try {
      var v = JSON.parse(localStorage.getItem(AREAS_KEY) || '[]');
      return Array.isArray(v) ? v.filter(function (a) { return a && typeof a.id === 'string' && typeof a.name === 'string' && a.area; }) : [];
    } catch (e) { return []; }
  }

  function savedArea(value) {
    if (value.indexOf('saved:') !== 0) { return null; }
    var id = value.slice('saved:'.length);
    return loadSaved().find(function (a) { return a.id === id; }) || null;
  }

  // listSaved puts the saved areas in the Area list, in a group of their
  // own, named as the planner named them (text, never markup).
  function listSaved(select) {
    var sel = $('planner-area');
    var group = $('planner-saved-areas');
    if (group) { group.remove(); }
    var areas = loadSaved();
    if (areas.length) {
      group = el('optgroup');
      group.id = 'planner-saved-areas';
      group.label = t('planner.saved');
      areas.forEach(function (a) { group.appendChild(new Option(a.name, 'saved:' + a.id)); });
      sel.appendChild(group);
    }
    if (select) { sel.value = select; }
    if (sel.selectedIndex < 0) { sel.selectedIndex = 0; }
  }

  // currentShape is the polygon the Area list points at, to save: the
  // drawn one or the file's.
  function currentShape() {
    var v = $('planner-area').value;
    if (v === 'draw' && drawnArea) { return { area: drawnArea, name: '' }; }
    if (v === 'file' && fileArea) { return fileArea; }
    return null;
  }

  function updateSaveControls() {
    var v = $('planner-area').value;
    var shape = currentShape();
    var saved = savedArea(v);
    $('planner-save').hidden = !shape && !saved;
    $('planner-save-button').hidden = !shape;
    $('planner-save-name').parentNode.hidden = !shape;
    $('planner-forget').hidden = !saved;
    if (shape && !$('planner-save-name').value) { $('planner-save-name').value = shape.name; }
  }

  function saveArea() {
    var shape = currentShape();
    if (!shape) { return; }
    var name = $('planner-save-name').value.trim();
    if (!name) { A.showError(new Error(t('planner.save_need_name'))); return; }
    var areas = loadSaved().filter(function (a) { return a.name !== name; });
    var id = String(Date.now());
    areas.push({ id: id, name: name, area: shape.area });
    try {
      localStorage.setItem(AREAS_KEY, JSON.stringify(areas.slice(-MAX_AREAS)));
    } catch (e) {
      A.showError(new Error(t('planner.save_failed')));
      return;
    }
    A.clearError();
    $('planner-save-name').value = '';
    listSaved('saved:' + id);
    updateAreaControls();
    say('planner-save-info', function () { return t('planner.saved_info', { name: name }); });
  }

  function forgetArea() {
    var a = savedArea($('planner-area').value);
    if (!a) { return; }
    try {
      localStorage.setItem(AREAS_KEY, JSON.stringify(loadSaved().filter(function (x) { return x.id !== a.id; })));
    } catch (e) { /* storage turned off: nothing was saved either */ }
    listSaved('region:150000');
    updateAreaControls();
    say('planner-save-info', function () { return t('planner.saved_forgotten', { name: a.name }); });
  }

  // polygonOf reads an area from GeoJSON: a Polygon or MultiPolygon, a
  // Feature of one, or a FeatureCollection of them (joined into one
  // MultiPolygon). The API checks the rings.
  function polygonOf(g) {
    if (g && g.type === 'Feature') { g = g.geometry; }
    if (g && g.type === 'FeatureCollection' && Array.isArray(g.features)) {
      var polys = [];
      g.features.forEach(function (f) {
        var p = polygonOf(f);
        if (!p) { return; }
        if (p.type === 'Polygon') { polys.push(p.coordinates); } else { polys = polys.concat(p.coordinates); }
      });
      if (!polys.length) { return null; }
      return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
    }
    if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon') && Array.isArray(g.coordinates) && g.coordinates.length) {
      return { type: g.type, coordinates: g.coordinates };
    }
    return null;
  }

  function readAreaFile() {
    var f = $('planner-area-upload').files[0];
    fileArea = null;
    areaLayer.clearLayers();
    A.clearError();
    if (!f) { updateSaveControls(); return Promise.resolve(); }
    if (f.size > MAX_AREA_BYTES) {
      A.showError(new Error(t('planner.demand_too_big', { size: t('units.mb', { n: A.number(f.size / 1048576, 1) }), max: t('units.mb', { n: A.number(MAX_AREA_BYTES / 1048576, 1) }) })));
      return Promise.resolve();
    }
    return f.text().then(function (text) {
      var g = null;
      try { g = polygonOf(JSON.parse(text.replace(/^\uFEFF/, ''))); } catch (e) { g = null; }
      if (!g) { throw new Error(t('planner.area_bad_file')); }
      var name = f.name.replace(/\.(geo)?json$/i, '');
      fileArea = { name: name, area: g };
      var n = g.type === 'Polygon' ? 1 : g.coordinates.length;
      say('planner-upload-info', function () { return tn('planner.area_loaded', n, { name: name }); });
      var b = drawGeometry(g);
      if (b) { map.fitBounds(b, { padding: [20, 20] }); }
      $('planner-save-name').value = name;
      updateSaveControls();
    }).catch(function (err) {
      say('planner-upload-info', null);
      updateSaveControls();
      A.showError(err);
    });
  }

  // drawGeometry outlines an area on the map and returns its bounds.
  function drawGeometry(g) {
    areaLayer.clearLayers();
    var layer = L.geoJSON(g, {
      style: { color: '#111', weight: 2, dashArray: '6 4', fillOpacity: 0.04, className: 'planner-area' },
      pane: 'planner', interactive: false
    }).addTo(areaLayer);
    var b = layer.getBounds();
    return b.isValid() ? b : null;
  }

  function startPolygon() {
    drawnArea = null;
    updateSaveControls();
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
      updateSaveControls();
    });
  }

  // areaOf returns the area fields of a coverage body and the box of the
  // area, or throws an Error saying what is missing. The map view and a
  // drawn polygon carry the region to clip them to: the API counts their
  // intersection and says so in clipped_to.
  function areaOf() {
    var v = $('planner-area').value;
    if (v.indexOf('region:') === 0) {
      areaLayer.clearLayers();
      return { body: { region: v.slice('region:'.length) }, bounds: Y.regionBounds(), shape: 'region' };
    }
    var clip = $('planner-clip').value;
    var area;
    var saved = savedArea(v);
    if (saved) {
      area = { body: { area: saved.area }, bounds: drawGeometry(saved.area), shape: 'saved', name: saved.name };
    } else if (v === 'file') {
      if (!fileArea) { throw new Error(t('planner.need_area_file')); }
      area = { body: { area: fileArea.area }, bounds: drawGeometry(fileArea.area), shape: 'saved', name: fileArea.name };
    } else if (v === 'view') {
      var b = map.getBounds();
      var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
      var s = Math.max(-85, b.getSouth()), n = Math.min(85, b.getNorth());
      var ring = [[w, s], [e, s], [e, n], [w, n], [w, s]].map(function (c) {
        return [Number(c[0].toFixed(6)), Number(c[1].toFixed(6))];
      });
      drawAreaOutline([[s, w], [s, e], [n, e], [n, w]], true);
      area = { body: { area: { type: 'Polygon', coordinates: [ring] } }, bounds: L.latLngBounds([s, w], [n, e]), shape: 'view' };
    } else {
      if (!drawnArea) { throw new Error(t('planner.need_polygon')); }
      area = { body: { area: drawnArea }, bounds: L.geoJSON(drawnArea).getBounds(), shape: 'draw' };
    }
    if (clip) { area.body.region = clip; }
    return area;
  }

  // ---------- demand ----------

  // demandError is an Error in the user's language about the demand file.
  function demandError(key, params) {
    var e = new Error(t(key, params));
    e.demand = true;
    return e;
  }

  // csvRows splits CSV text (RFC 4180: quoted fields, doubled quotes,
  // CRLF or LF) into rows of fields, each with its line number.
  function csvRows(text) {
    var rows = [], row = [], field = '', quoted = false, line = 1, start = 1;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') { quoted = false; } else {
          if (c === '\n') { line++; }
          field += c;
        }
      } else if (c === '"') {
        quoted = true;
      } else if (c === ',') {
        row.push(field); field = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') { i++; }
        row.push(field); field = '';
        rows.push({ line: start, fields: row });
        row = []; line++; start = line;
      } else {
        field += c;
      }
    }
    if (field !== '' || row.length) { row.push(field); rows.push({ line: start, fields: row }); }
    return rows.filter(function (r) { return r.fields.some(function (f) { return f.trim() !== ''; }); });
  }

  // MAX_DEMAND_POINTS and MAX_DEMAND_WEIGHT are the API's limits on
  // demand (data/plan): points in one request, and the weight of one.
  var MAX_DEMAND_POINTS = 100000;
  var MAX_DEMAND_WEIGHT = 1e9;

  // demandPoint checks one weighted point; it returns [lat, lon, weight]
  // or null.
  function demandPoint(lon, lat, w) {
    if (!(isFinite(lon) && isFinite(lat) && isFinite(w))) { return null; }
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90 || w < 0 || w > MAX_DEMAND_WEIGHT) { return null; }
    return [lat, lon, w];
  }

  // DECIMAL is a number as the API reads one from CSV: decimal, with an
  // optional exponent (no hex, no Infinity, which Number() would take).
  var DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  // csvColumn is the index of a column of a CSV header, by any of names.
  function csvColumn(head, names) {
    for (var i = 0; i < head.length; i++) { if (names.indexOf(head[i]) >= 0) { return i; } }
    return -1;
  }

  // parseDemand reads a demand file, GeoJSON or CSV, as far as the page
  // needs: to count its points and their weight and to draw them. It
  // reads them as the API does (a weight left out is 1; CSV columns lon or
  // lng or longitude or x, lat or latitude or y, weight); the API checks
  // them again and has the last word.
  function parseDemand(name, text) {
    text = text.replace(/^\uFEFF/, '');
    var points = [];
    var kind;
    var geojson = null;
    if (/^\s*[{[]/.test(text)) {
      kind = 'geojson';
      try { geojson = JSON.parse(text); } catch (e) { throw demandError('planner.demand_bad_json'); }
      if (!geojson || geojson.type !== 'FeatureCollection' || !Array.isArray(geojson.features)) { throw demandError('planner.demand_not_fc'); }
      geojson.features.forEach(function (f, i) {
        var g = f && f.geometry;
        var c = g && g.type === 'Point' && Array.isArray(g.coordinates) ? g.coordinates : null;
        if (!c) { throw demandError('planner.demand_bad_point', { n: A.number(i + 1) }); }
        var w = f.properties && f.properties.weight !== undefined ? f.properties.weight : 1;
        var p = typeof w === 'number' ? demandPoint(c[0], c[1], w) : null;
        if (!p) { throw demandError('planner.demand_bad_weight', { n: A.number(i + 1) }); }
        points.push(p);
      });
    } else {
      kind = 'csv';
      var rows = csvRows(text);
      var head = rows.length ? rows[0].fields.map(function (h) { return h.trim().toLowerCase(); }) : [];
      var col = {
        lon: csvColumn(head, ['lon', 'lng', 'longitude', 'x']), lat: csvColumn(head, ['lat', 'latitude', 'y']),
        weight: csvColumn(head, ['weight'])
      };
      if (col.lon < 0 || col.lat < 0) { throw demandError('planner.demand_csv_header'); }
      rows.slice(1).forEach(function (r) {
        var num = function (k) {
          if (col[k] < 0) { return 1; }
          var v = (r.fields[col[k]] || '').trim();
          return DECIMAL.test(v) ? Number(v) : NaN;
        };
        var p = demandPoint(num('lon'), num('lat'), num('weight'));
        if (!p) { throw demandError('planner.demand_csv_row', { line: A.number(r.line) }); }
        points.push(p);
      });
    }
    if (!points.length) { throw demandError('planner.demand_empty'); }
    if (points.length > MAX_DEMAND_POINTS) {
      throw demandError('planner.demand_over_limit', { count: A.number(points.length), max: A.number(MAX_DEMAND_POINTS) });
    }
    var total = points.reduce(function (s, p) { return s + p[2]; }, 0);
    return { name: name, kind: kind, text: kind === 'csv' ? text : null, geojson: geojson, count: points.length, total: total, points: points };
  }

  function drawDemand() {
    demandLayer.clearLayers();
    if (!demandFile || $('planner-demand-source').value !== 'file') { return; }
    var max = demandFile.points.reduce(function (m, p) { return Math.max(m, p[2]); }, 0) || 1;
    demandFile.points.slice(0, MAX_DEMAND_DRAWN).forEach(function (p) {
      L.circleMarker([p[0], p[1]], {
        radius: 2 + 6 * Math.sqrt(p[2] / max), weight: 1, color: '#5d4037', fillColor: '#ffb300', fillOpacity: 0.7,
        className: 'demand-point', pane: 'planner', interactive: false
      }).addTo(demandLayer);
    });
  }

  // sayDemand writes what the demand will be: the built-in towns and
  // ports (and how rough they are), the file's count, or area only.
  function sayDemand() {
    var src = $('planner-demand-source').value;
    $('planner-demand-upload').hidden = src !== 'file';
    say('planner-demand-info', function () {
      if (src === 'none') { return t('planner.demand_none_info'); }
      if (src === 'default') { return t('report.demand.default'); }
      if (!demandFile) { return t('planner.demand_choose'); }
      return tn('planner.demand_loaded', demandFile.count, { name: demandFile.name, total: A.number(demandFile.total, demandFile.total < 10 ? 2 : 0) });
    });
    drawDemand();
  }

  function readDemandFile() {
    var f = $('planner-demand-upload').files[0];
    demandFile = null;
    A.clearError();
    if (!f) { sayDemand(); return Promise.resolve(); }
    if (f.size > MAX_DEMAND_BYTES) {
      sayDemand();
      A.showError(demandError('planner.demand_too_big', { size: t('units.mb', { n: A.number(f.size / 1048576, 1) }), max: t('units.mb', { n: A.number(MAX_DEMAND_BYTES / 1048576, 1) }) }));
      return Promise.resolve();
    }
    return f.text().then(function (text) {
      demandFile = parseDemand(f.name, text);
      sayDemand();
      if (demandFile.points.length) {
        var b = L.latLngBounds(demandFile.points.map(function (p) { return [p[0], p[1]]; }));
        if (!map.getBounds().intersects(b)) { map.fitBounds(b, { padding: [20, 20], maxZoom: 10 }); }
      }
    }).catch(function (err) { sayDemand(); A.showError(err); });
  }

  // demandFields adds the demand to a coverage body: none (the built-in
  // towns and ports), "none" (area only), or the file as it came, GeoJSON
  // as demand, CSV as demand_csv.
  function demandFields(body) {
    var src = $('planner-demand-source').value;
    if (src === 'none') { body.demand = 'none'; }
    if (src === 'file') {
      if (!demandFile) { throw demandError('planner.need_demand'); }
      if (demandFile.kind === 'csv') { body.demand_csv = demandFile.text; } else { body.demand = demandFile.geojson; }
    }
    return body;
  }

  function coverageBody() {
    var area = areaOf();
    var body = area.body;
    var minutes = numberOf('planner-minutes');
    if (minutes !== null) { body.minutes = minutes; }
    body.mode = $('planner-mode').value;
    if (!$('planner-by-box').hidden && $('planner-by').value === 'time') { body.by = 'time'; }
    var cell = numberOf('planner-cell');
    if (cell !== null) { body.cell_m = cell; }
    demandFields(body);
    filterBody(body);
    return { body: body, bounds: area.bounds, shape: area.shape, name: area.name };
  }

  // ---------- answers in words ----------

  function fmtNum(v) { return typeof v === 'number' ? A.number(v, Math.abs(v) < 10 && !Number.isInteger(v) ? 1 : 0) : '–'; }
  // fmtShare writes a share of 0–1 as a percentage.
  function fmtShare(v) { return typeof v === 'number' ? fmtPct(100 * v) : '–'; }

  // plainReach says what "covered" means, in plain words, in the words
  // of the API's method_text and the printed report (plan.method.*):
  // within the minutes by the mode, at the speed, on roads about
  // circuity times the straight line, and the radius that makes.
  function plainReach(fc) {
    var reach = fc.reach || {};
    var radius = A.formatDistance(fc.radius_m);
    if (!(reach.minutes > 0)) { return t('planner.plain', { method: t('plan.method.radius', { radius: radius }) }); }
    if (fc.method === 'network') { // by time on the roads
      return t('planner.plain', { method: t('plan.method.network', {
        minutes: A.number(reach.minutes, Number.isInteger(reach.minutes) ? 0 : 1),
        mode: t(reach.mode ? 'plan.mode.' + reach.mode : 'plan.mode.speed')
      }) });
    }
    return t('planner.plain', {
      method: t('plan.method.time', {
        minutes: A.number(reach.minutes, Number.isInteger(reach.minutes) ? 0 : 1),
        mode: t(reach.mode ? 'plan.mode.' + reach.mode : 'plan.mode.speed'),
        speed: A.number(reach.speed_kmh, Number.isInteger(reach.speed_kmh) ? 0 : 1),
        circuity: A.number(reach.circuity, 1), radius: radius
      })
    });
  }

  // hasDemand says whether an answer counted demand.
  function hasDemand(fc) { return typeof fc.demand_total === 'number' && fc.demand_total > 0; }

  // clippedName names what an answer clipped its area to: a region (an
  // object with a code, or a code or name) in the user's language.
  function clippedName(c) {
    if (!c) { return ''; }
    if (typeof c === 'string') {
      var r = regions.find(function (x) { return x.code === c || x.name_en === c || x.name_zh === c; });
      return r ? regionName(r) : (t('region.' + c) !== 'region.' + c ? t('region.' + c) : c);
    }
    return c.code ? regionName(c) : A.nameOf(c);
  }

  function demandShare(covered, total) {
    return t('planner.demand_of', { covered: fmtNum(covered), total: fmtNum(total), pct: fmtPct(100 * covered / total) });
  }

  function renderSummary(s, extra) {
    var box = $('gaps-summary');
    box.replaceChildren();
    box.dataset.areaKm2 = String(s.area_km2);
    var pct = el('span', '', fmtPct(s.covered_pct));
    pct.id = 'covered-pct';
    pct.dataset.value = String(s.covered_pct);
    var shape = lastCoverage ? lastCoverage.shape : 'region';
    var where = shape === 'view' ? t('planner.the_view') : shape === 'saved' ? lastCoverage.name
      : shape === 'draw' || !s.region ? t('planner.the_polygon') : regionName(s.region);
    var gapsShown = null;
    if (typeof s.gaps_total === 'number') {
      gapsShown = s.numberReturned < s.gaps_total
        ? tn('planner.gaps_drawn', s.numberReturned, { total: A.number(s.gaps_total) })
        : A.number(s.gaps_total);
    }
    var size = A.formatDistance(s.cell_m);
    var cell = s.cell_m_auto ? t('planner.cell_value_auto', { size: size }) : size;
    if (s.grid) { cell += ' · ' + tn('planner.cells', s.grid.cells_inside); }
    var demand = null;
    if (hasDemand(s)) {
      var d = el('span', '', demandShare(s.demand_covered, s.demand_total));
      d.id = 'demand-covered';
      d.dataset.value = String(s.demand_covered);
      d.dataset.total = String(s.demand_total);
      demand = [t('planner.sum_demand'), d];
    }
    var clipped = null;
    if (s.clipped_to) {
      var c = el('span', '', clippedName(s.clipped_to));
      c.id = 'clipped-to';
      clipped = [t('planner.sum_clipped'), c];
    }
    box.appendChild(dl([
      [t('planner.sum_area'), t('planner.area_where', { area: fmtKm2(s.area_km2), where: where })],
      clipped,
      [t('planner.sum_covered'), [pct, ' · ' + fmtKm2(s.covered_km2)]],
      demand,
      [t('planner.sum_uncovered'), fmtKm2(s.uncovered_km2)],
      gapsShown !== null ? [t('planner.sum_gaps'), gapsShown] : null,
      [t('planner.sum_radius'), A.formatDistance(s.radius_m)],
      [t('planner.sum_cell'), cell],
      [t('planner.sum_stations'), A.number(s.stations_counted)]
    ].concat(extra || [])));
    var bar = el('div', 'pct-bar');
    var fill = el('span');
    fill.style.width = Math.max(0, Math.min(100, s.covered_pct || 0)) + '%';
    bar.appendChild(fill);
    box.appendChild(bar);
    renderMethod(s);
  }

  // renderMethod says how the answer was found, in plain words, with the
  // formula and the grid behind the "how" toggle.
  function renderMethod(s) {
    $('planner-method').hidden = false;
    $('planner-method').dataset.method = s.method || '';
    if (s.method === 'network') { showByTime(); }
    $('planner-plain').textContent = plainReach(s) + ' ' +
      (hasDemand(s) ? t('planner.plain_demand') : t('planner.plain_area'));
    $('planner-how-text').textContent = t('planner.how_text', {
      cell: A.formatDistance(s.cell_m), radius: A.formatDistance(s.radius_m)
    });
    $('planner-formula').textContent = s.formula || (s.reach && s.reach.derivation) || '';
  }

  // ---------- scenarios ----------

  var SCENARIOS = ['today', 'with_planned', 'with_suggested'];

  // renderScenarios writes the table of the answer's scenarios: the area
  // and demand each covers and the gaps it closes, a radio button on
  // each row to show it on the map.
  function renderScenarios(fc) {
    var rows = (fc.scenarios || []).filter(function (s) { return SCENARIOS.indexOf(s.name) >= 0; });
    $('scenarios-box').hidden = !rows.length;
    var body = $('scenarios').tBodies[0];
    body.replaceChildren();
    if (!rows.some(function (s) { return s.name === scenario; })) { scenario = rows.length ? rows[0].name : 'today'; }
    rows.forEach(function (s) {
      var tr = el('tr', 'scenario');
      tr.dataset.scenario = s.name;
      if (typeof s.demand_covered === 'number') { tr.dataset.demand = String(s.demand_covered); }
      if (typeof s.gaps_closed === 'number') { tr.dataset.gapsClosed = String(s.gaps_closed); }
      var radio = el('input');
      radio.type = 'radio';
      radio.name = 'scenario';
      radio.value = s.name;
      radio.id = 'scenario-' + s.name;
      radio.checked = s.name === scenario;
      radio.addEventListener('change', function () { if (radio.checked) { showScenario(s.name); } });
      var label = el('label', '', radio, ' ' + t('report.scenario.' + s.name));
      label.htmlFor = radio.id;
      var area = el('td', 'num', fmtKm2(s.area_km2_covered), el('span', 'share', fmtShare(s.covered_share)));
      // With no demand counted (area only) the demand column is empty.
      var counted = hasDemand(fc) && typeof s.demand_covered === 'number';
      var demand = el('td', 'num', counted ? fmtNum(s.demand_covered) : '–',
        counted && typeof s.demand_share === 'number' ? el('span', 'share', fmtShare(s.demand_share)) : null);
      tr.appendChild(el('th', '', label));
      tr.lastChild.scope = 'row';
      tr.appendChild(area);
      tr.appendChild(demand);
      tr.appendChild(el('td', 'num', typeof s.gaps_closed === 'number' ? A.number(s.gaps_closed) : '–'));
      tr.addEventListener('click', function (ev) {
        if (ev.target !== radio) { radio.checked = true; showScenario(s.name); }
      });
      body.appendChild(tr);
    });
    showScenario(scenario);
  }

  // showScenario shows the circles of scenario on the map: today's
  // stations, then the planned ones too, then the suggested sites too.
  function showScenario(name) {
    scenario = name;
    var i = SCENARIOS.indexOf(name);
    [todayCircles, plannedCircles, siteCircles].forEach(function (layer, j) {
      if (j <= i) { layer.addTo(plannerLayers); } else { layer.remove(); }
    });
    document.querySelectorAll('#scenarios tr.scenario').forEach(function (tr) {
      tr.classList.toggle('shown', tr.dataset.scenario === name);
    });
    $('view-planner').dataset.scenario = name;
    markClosedGaps(i);
  }

  // markClosedGaps marks the gaps that the scenario of index i closes
  // (a gap's closed_by names the first scenario that covers it whole):
  // drawn as an outline only, so that what is still open stands out.
  function markClosedGaps(i) {
    gapsLayer.eachLayer(function (layer) {
      var by = ((layer.feature || {}).properties || {}).closed_by;
      var closed = !!by && SCENARIOS.indexOf(by) >= 0 && SCENARIOS.indexOf(by) <= i;
      layer.setStyle(closed
        ? { color: '#2e7d32', weight: 2, dashArray: '4 3', fillOpacity: 0 }
        : { color: '#b71c1c', weight: 1, dashArray: null, fillOpacity: 0.35 });
      var e = layer.getElement && layer.getElement();
      if (e) { e.classList.toggle('gap-closed', closed); }
    });
  }

  // drawCircles draws the service circle of every record that can reach
  // the area, radius_m as the answer reports it: open ones (today) and
  // planned ones, each passing the filters.
  function drawCircles(bounds, radius) {
    todayCircles.clearLayers();
    plannedCircles.clearLayers();
    if (!$('planner-circles').checked || !(radius > 0)) { return Promise.resolve(); }
    var box = padBounds(bounds, radius);
    return Promise.all(['open', 'planned'].map(function (status) {
      return A.getJSON(stationsURL(box, 1000, status)).then(function (fc) {
        (fc.features || []).forEach(function (f) {
          if (!f.geometry || f.geometry.type !== 'Point') { return; }
          var c = f.geometry.coordinates;
          if (f.id !== undefined) { stations[f.id] = f.properties || {}; }
          var color = A.kindColor((f.properties || {}).kind);
          L.circle([c[1], c[0]], {
            radius: radius, color: color, weight: status === 'planned' ? 2 : 1, opacity: 0.7,
            dashArray: status === 'planned' ? '2 4' : null, fillColor: color, fillOpacity: 0.08,
            className: status === 'planned' ? 'station-circle planned-circle' : 'station-circle', pane: 'planner', interactive: false
          }).addTo(status === 'planned' ? plannedCircles : todayCircles);
        });
      });
    }));
  }

  // ---------- running ----------

  function clearAnswer() {
    gapsLayer.clearLayers();
    sites = [];
    siteMarkers.clearLayers();
    siteCircles.clearLayers();
    $('suggest-list').replaceChildren();
  }

  // answered shows what every coverage answer carries: the summary, the
  // method, the scenarios and the export buttons.
  function answered(fc, req, suggest) {
    lastArea = { bounds: req.bounds, radius: fc.radius_m };
    lastCoverage = { fc: fc, suggest: suggest, given: !!req.body.candidates, body: req.body, shape: req.shape, name: req.name };
    $('planner-export').hidden = false;
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
      clearAnswer();
      gapsLayer.addData(fc);
      answered(fc, req, false);
      scenario = 'today';
      renderSummary(fc);
      renderScenarios(fc);
      if (!map.getBounds().intersects(req.bounds)) { map.fitBounds(req.bounds, { padding: [10, 10] }); }
      return drawCircles(req.bounds, fc.radius_m);
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('planner', false, ['gaps-run', 'suggest-run']); }
    });
  }

  // ---------- suggested sites ----------

  // demandAfter is the demand covered with the sites: the answer's
  // demand_covered_after, else its with_suggested scenario.
  function demandAfter(fc) {
    if (typeof fc.demand_covered_after === 'number') { return fc.demand_covered_after; }
    var s = (fc.scenarios || []).find(function (x) { return x.name === 'with_suggested'; });
    return s && typeof s.demand_covered === 'number' ? s.demand_covered : null;
  }

  // siteGain is what a site newly covers, in words: its demand (when the
  // answer counted demand) and its area.
  function siteGain(fc, p) {
    var area = fmtKm2(p.newly_covered_km2);
    if (hasDemand(fc) && typeof p.demand_gain === 'number') {
      return t('planner.site_gain', { demand: fmtNum(p.demand_gain), area: area });
    }
    return t('planner.site_gain_area', { area: area });
  }

  // nearPlaceText says where a site is: in a place (within 3 km of its
  // centre) or how far from the nearest one.
  function nearPlaceText(np) {
    if (!np || !np.name) { return ''; }
    var name = typeof np.name === 'string' ? np.name : A.nameOf(np);
    if (np.names) { name = A.nameOf(np); }
    if (typeof np.distance_m === 'number' && np.distance_m < 3000) { return t('planner.site_in', { place: name }); }
    return t('planner.site_near', { place: name, distance: A.formatDistance(np.distance_m) });
  }

  // stations holds the properties of the records the view has loaded, by
  // id: a site's nearest station is named from them as every record name
  // is (nameOf: ru → en → zh, mn → en → zh); the answer's name (the
  // requested language, else Chinese) when the record is not loaded.
  var stations = {};
  function stationName(ns) {
    var p = stations[ns.id];
    return p ? A.nameOf(p) : (ns.name || ns.id);
  }

  // nearDistance is how far a card's nearest station is: by the roads
  // (time and road distance) with the straight line beside it where the
  // answer was by time on a network, else the straight line.
  function nearDistance(ns) {
    var line = A.formatDistance(ns.distance_m);
    var road = A.travelText(ns);
    return road ? t('planner.near_time', { road: road, line: line }) : line;
  }

  // siteCard is the card of a suggested site, built from DOM nodes: what
  // it newly covers, the nearest existing station and the place it is in
  // or near, its position.
  function siteCard(fc, f) {
    var p = f.properties || {};
    var c = f.geometry.coordinates;
    var card = el('div', 'site-card');
    card.dataset.rank = String(p.rank);
    card.appendChild(el('h3', '', t('planner.site_heading', { rank: p.rank })));
    var rows = [[t('planner.site_covers'), siteGain(fc, p)]];
    var ns = p.nearest_station;
    if (ns) {
      var open = el('button', 'linkish', stationName(ns));
      open.type = 'button';
      if (!stations[ns.id]) {
        // Not among the records drawn: its names, for the fallback.
        A.getJSON(A.apiURL('v1/stations/' + encodeURIComponent(ns.id))).then(function (f) {
          stations[ns.id] = f.properties || {};
          open.textContent = stationName(ns);
        }).catch(function () { /* keep the answer's name */ });
      }
      open.addEventListener('click', function () { map.closePopup(); Y.openStation(ns.id); });
      rows.push([t('planner.site_nearest'), [open, ' — ' + nearDistance(ns)]]);
    }
    var near = nearPlaceText(p.near_place);
    if (near) { rows.push([t('planner.site_place'), near]); }
    rows.push([t('planner.site_at'), fmtLatLon(c[1], c[0])]);
    if (p.candidate !== undefined) { rows.push([t('planner.site_from'), t('planner.candidate', { id: p.candidate })]); }
    card.appendChild(dl(rows));
    return card;
  }

  // groupCard lists the sites of a marker that stands for several: each
  // opens its own card, zooming in until it has a marker of its own.
  function groupCard(fc, group) {
    var card = el('div', 'site-card site-group-card');
    card.appendChild(el('h3', '', tn('planner.sites_here', group.length)));
    var ul = el('ul', 'site-group');
    group.forEach(function (s) {
      var b = el('button', 'linkish', el('span', 'badge suggest', String(s.rank)), ' ' + siteGain(fc, s.f.properties || {}));
      b.type = 'button';
      b.addEventListener('click', function () { openSite(s.rank); });
      ul.appendChild(el('li', '', b));
    });
    card.appendChild(ul);
    return card;
  }

  var sites = []; // [{rank, latlng, f}] of the last suggestion, in rank order

  // groupSites groups the sites whose markers would overlap at zoom:
  // each group is led by its best-ranked site, and every leader is at
  // least SITE_GAP_PX from every other, so that no two markers stack.
  function groupSites(zoom) {
    var groups = [];
    sites.forEach(function (s) {
      var px = map.project(s.latlng, zoom);
      var g = groups.find(function (x) { return x.px.distanceTo(px) < SITE_GAP_PX; });
      if (g) { g.members.push(s); } else { groups.push({ px: px, members: [s] }); }
    });
    return groups;
  }

  // layoutSites draws the site markers for the map's zoom: a numbered
  // marker per site, or one marker with a count for sites that would
  // overlap (like the station markers of several records at one point).
  function layoutSites() {
    siteMarkers.clearLayers();
    var fc = lastCoverage && lastCoverage.fc;
    if (!fc || !sites.length) { return; }
    groupSites(map.getZoom()).forEach(function (g) {
      var lead = g.members[0];
      var marker;
      if (g.members.length === 1) {
        marker = L.marker(lead.latlng, {
          icon: L.divIcon({ className: 'numbered-marker suggest-marker', html: el('span', '', String(lead.rank)), iconSize: [26, 26] }),
          title: t('planner.site_title', { rank: lead.rank, gain: siteGain(fc, lead.f.properties || {}) }), keyboard: true,
          zIndexOffset: 1000 // above the station markers
        });
        marker.bindPopup(function () { return siteCard(fc, lead.f); }, { className: 'site-popup', minWidth: 220 });
        marker.on('add', function () { var e = marker.getElement(); if (e) { e.dataset.ranks = String(lead.rank); } });
      } else {
        var ranks = g.members.map(function (s) { return s.rank; });
        marker = L.marker(lead.latlng, {
          icon: L.divIcon({ className: 'numbered-marker suggest-marker suggest-group', html: el('span', '', '×' + g.members.length), iconSize: [30, 30] }),
          title: tn('planner.sites_here', g.members.length) + ': ' + ranks.join(', '), keyboard: true,
          zIndexOffset: 1000
        });
        marker.bindPopup(function () { return groupCard(fc, g.members); }, { className: 'site-popup', minWidth: 220 });
        marker.on('add', function () { var e = marker.getElement(); if (e) { e.dataset.ranks = ranks.join(','); } });
      }
      marker.addTo(siteMarkers);
    });
  }
  map.on('zoomend', function () { if (sites.length && map.hasLayer(plannerLayers)) { map.closePopup(); layoutSites(); } });

  // openSite shows site rank's card, zooming in until the site has a
  // marker of its own.
  function openSite(rank) {
    var s = sites.find(function (x) { return x.rank === rank; });
    if (!s) { return; }
    var z = Math.max(map.getZoom(), 7);
    var alone = function (zoom) {
      return groupSites(zoom).some(function (g) { return g.members.length === 1 && g.members[0].rank === rank; });
    };
    while (z < map.getMaxZoom() && !alone(z)) { z++; }
    map.closePopup();
    // The site sits below the middle of the map, so that its card fits
    // above it without panning the map again.
    var below = Math.min(140, map.getSize().y / 4);
    map.setView(map.unproject(map.project(s.latlng, z).subtract([0, below]), z), z, { animate: false });
    layoutSites();
    siteMarkers.eachLayer(function (m) {
      var e = m.getElement && m.getElement();
      if (e && e.dataset.ranks === String(rank)) { m.openPopup(); }
    });
  }

  // CANDIDATE_SOURCES are where candidate sites come from, as an answer's
  // candidates_from names them, in the order the API tries them.
  var CANDIDATE_SOURCES = ['given', 'places', 'demand', 'junctions', 'grid'];

  // candidatesText says where the candidate sites came from: the
  // answer's candidates_from, in words.
  function candidatesText(fc, given) {
    var from = Array.isArray(fc.candidates_from) ? fc.candidates_from : [given ? 'given' : 'grid'];
    var names = from.filter(function (x) { return CANDIDATE_SOURCES.indexOf(x) >= 0; })
      .map(function (x) { return t('planner.cand.' + x); });
    return names.length ? t('planner.candidates_from', { list: names.join(t('planner.list_sep')) }) : '';
  }

  // renderSuggest writes a suggest answer's summary and its list of
  // sites; given says whether the body named the candidate sites.
  function renderSuggest(fc, given) {
    var feats = fc.features || [];
    var after = [[tn('planner.after', feats.length), fmtPct(fc.covered_pct_after) + ' · ' + fmtKm2(fc.covered_km2_after)]];
    var dAfter = demandAfter(fc);
    if (hasDemand(fc) && dAfter !== null) {
      var d = el('span', '', demandShare(dAfter, fc.demand_total));
      d.id = 'demand-covered-after';
      d.dataset.value = String(dAfter);
      after.push([tn('planner.demand_after', feats.length), d]);
    }
    renderSummary(fc, after);
    renderScenarios(fc);
    var list = $('suggest-list');
    list.replaceChildren();
    feats.forEach(function (f) {
      var p = f.properties || {};
      var c = f.geometry.coordinates;
      var li = el('li', 'suggest-item');
      li.tabIndex = 0;
      li.dataset.rank = String(p.rank);
      li.appendChild(el('div', 'line', el('span', 'badge suggest', String(p.rank)), ' ' + siteGain(fc, p)));
      var near = nearPlaceText(p.near_place);
      var ns = p.nearest_station;
      li.appendChild(el('div', 'hint', near || fmtLatLon(c[1], c[0]),
        ns ? [' · ', tNodes('planner.site_station', { name: el('span', 'name', stationName(ns)), distance: nearDistance(ns) })] : null));
      var open = function () { openSite(p.rank); };
      li.addEventListener('click', open);
      li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
      list.appendChild(li);
    });
    if (!feats.length) { list.appendChild(el('li', 'empty', t('planner.no_sites'))); }
    var from = candidatesText(fc, given);
    list.appendChild(el('li', 'hint', from + ' ' + (hasDemand(fc) ? t('planner.method_demand') : t('planner.method'))));
  }

  // drawSuggest draws a suggest answer's sites on the map: their circles
  // (the with_suggested scenario) and their markers.
  function drawSuggest(fc) {
    siteCircles.clearLayers();
    sites = (fc.features || []).map(function (f) {
      var c = f.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      L.circle(latlng, {
        radius: fc.radius_m, color: '#6a1b9a', weight: 2, dashArray: '5 4', fillColor: '#6a1b9a', fillOpacity: 0.12,
        className: 'suggest-circle', pane: 'planner', interactive: false
      }).addTo(siteCircles);
      return { rank: (f.properties || {}).rank, latlng: latlng, f: f };
    });
    layoutSites();
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
    // The gaps on the map stay only when they are those of this area,
    // reach, filters and demand.
    var keepGaps = !!lastCoverage && sameRequest(lastCoverage.body, req.body);
    return A.postJSON(A.apiURL('v1/coverage/suggest'), req.body, signal).then(function (fc) {
      var hadCircles = !!lastArea && keepGaps;
      if (!keepGaps) { gapsLayer.clearLayers(); }
      answered(fc, req, true);
      scenario = 'with_suggested';
      drawSuggest(fc);
      renderSuggest(fc, lastCoverage.given);
      if (!hadCircles) { return drawCircles(req.bounds, fc.radius_m); }
    }).catch(A.showError).then(function () {
      if (!signal.aborted) { setBusy('planner', false, ['gaps-run', 'suggest-run']); }
    });
  }

  // sameRequest says whether two coverage bodies ask about the same
  // coverage, whatever n they ask for.
  function sameRequest(a, b) {
    var strip = function (x) { var c = Object.assign({}, x); delete c.n; return JSON.stringify(c); };
    return strip(a) === strip(b);
  }

  // nameSuggestButton says on the button how many sites it asks for.
  function nameSuggestButton() {
    var n = numberOf('suggest-n');
    $('suggest-run').textContent = n > 0 && Number.isInteger(n) ? tn('planner.suggest_sites', n) : t('planner.suggest');
  }

  // ---------- exports ----------

  // reportURL is where the server renders the last answer as format:
  // csv, geojson or html (the printable report). The CSV starts with a
  // UTF-8 byte-order mark, which spreadsheets need to read Chinese and
  // Cyrillic names; other CSV readers skip it.
  function reportURL(format) {
    var params = [['format', format]];
    if (format === 'csv') { params.push(['bom', 'true']); }
    return A.apiURL('v1/coverage/report', params);
  }

  // reportBody is the request of the last answer, as the report asks it
  // again: the same body, n included when it was a suggestion.
  function reportBody() {
    var body = Object.assign({}, lastCoverage.body);
    body.lang = Y.lang();
    return body;
  }

  var exportURL = null; // the object URL of the last export, revoked by the next

  // exportFile fetches the last answer as format from the server and
  // saves it: the link #export-link (download) holds it.
  function exportFile(format, ext, type) {
    if (!lastCoverage) { return Promise.resolve(); }
    A.clearError();
    setBusy('planner', true, ['gaps-run', 'suggest-run', 'export-csv', 'export-geojson', 'export-report']);
    return fetch(reportURL(format), {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: type + ', application/problem+json' },
      body: JSON.stringify(reportBody())
    }).catch(function (err) {
      var e = new Error('network: ' + (err && err.message));
      e.kind = 'network';
      throw e;
    }).then(function (res) {
      return res.blob().then(function (blob) {
        if (!res.ok) {
          return blob.text().then(function (text) {
            var body = null;
            try { body = JSON.parse(text); } catch (e) { body = null; }
            var err = new Error((body && (body.detail || body.title)) || ('HTTP ' + res.status));
            err.kind = 'http';
            err.status = res.status;
            err.detail = body && typeof body.detail === 'string' ? body.detail : '';
            throw err;
          });
        }
        if (exportURL) { URL.revokeObjectURL(exportURL); }
        exportURL = URL.createObjectURL(blob);
        var a = $('export-link');
        a.href = exportURL;
        a.download = 'yizhan-' + (lastCoverage.suggest ? 'sites' : 'gaps') + '.' + ext;
        a.dataset.format = format;
        a.click();
      });
    }).catch(A.showError).then(function () {
      setBusy('planner', false, ['gaps-run', 'suggest-run', 'export-csv', 'export-geojson', 'export-report']);
    });
  }

  // openReport opens the server's printable report of the last answer in
  // a new tab: a form POST, so that the report is the server's own page
  // (its styles, its print layout) and no request is too long for a URL.
  function openReport() {
    if (!lastCoverage) { return; }
    var form = $('report-form');
    form.action = reportURL('html');
    $('report-request').value = JSON.stringify(reportBody());
    form.submit();
  }

  // ---------- by time on the roads ----------

  // The "measure" control: straight-line distance (the service circle) or
  // travel time on the roads. It is shown only where the server has a
  // road network (/readyz says roads.loaded, or an answer's method is
  // "network"); elsewhere every answer is by the straight line anyway.
  (function () {
    var sel = el('select');
    sel.id = 'planner-by';
    sel.name = 'by';
    [['distance', 'planner.by_distance'], ['time', 'planner.by_time']].forEach(function (o) {
      var opt = el('option', null, t(o[1]));
      opt.value = o[0];
      opt.dataset.i18n = o[1];
      sel.appendChild(opt);
    });
    var caption = el('span', null, t('planner.measure'));
    caption.dataset.i18n = 'planner.measure';
    var box = el('label', null, caption, sel);
    box.id = 'planner-by-box';
    box.htmlFor = 'planner-by';
    box.hidden = true;
    var after = $('planner-mode').closest('label');
    after.parentNode.insertBefore(box, after.nextSibling);
    A.getJSON(A.apiURL('readyz')).then(function (body) {
      if (body && body.roads && body.roads.loaded) { showByTime(); }
    }, function () { /* not ready or offline: a network answer still shows it */ });
  })();
  function showByTime() { $('planner-by-box').hidden = false; }

  $('planner-form').addEventListener('submit', function (ev) { ev.preventDefault(); runGaps(); });
  $('suggest-run').addEventListener('click', runSuggest);
  $('suggest-n').addEventListener('input', nameSuggestButton);
  $('planner-area').addEventListener('change', updateAreaControls);
  $('planner-area-upload').addEventListener('change', readAreaFile);
  $('planner-save-button').addEventListener('click', saveArea);
  $('planner-forget').addEventListener('click', forgetArea);
  listSaved();
  $('planner-demand-source').addEventListener('change', sayDemand);
  $('planner-demand-upload').addEventListener('change', readDemandFile);
  $('planner-draw-start').addEventListener('click', startPolygon);
  $('planner-draw-finish').addEventListener('click', function () { stopDrawing(true); });
  $('planner-draw-clear').addEventListener('click', function () {
    stopDrawing(false);
    drawnArea = null;
    areaLayer.clearLayers();
    updateSaveControls();
    say('planner-draw-info', function () { return t('planner.draw_again'); });
  });
  $('planner-circles').addEventListener('change', function () {
    if (!$('planner-circles').checked) { todayCircles.clearLayers(); plannedCircles.clearLayers(); return; }
    if (lastArea) { drawCircles(lastArea.bounds, lastArea.radius).catch(A.showError); }
  });
  $('export-csv').addEventListener('click', function () { exportFile('csv', 'csv', 'text/csv'); });
  $('export-geojson').addEventListener('click', function () { exportFile('geojson', 'geojson', 'application/geo+json'); });
  $('export-report').addEventListener('click', openReport);
  sayDemand();

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
    if ($('planner-saved-areas')) { $('planner-saved-areas').label = t('planner.saved'); }
    map.closePopup();
    if (lastCoverage && lastCoverage.suggest) {
      drawSuggest(lastCoverage.fc);
      renderSuggest(lastCoverage.fc, lastCoverage.given);
    } else if (lastCoverage) {
      renderSummary(lastCoverage.fc);
      renderScenarios(lastCoverage.fc);
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

  Y.planner = {
    runGaps: runGaps, runSuggest: runSuggest, runRoute: runRoute, selectExample: selectExample,
    openSite: openSite, showScenario: showScenario, readDemandFile: readDemandFile,
    // parseDemand is here for the test that holds it to the API's reading.
    parseDemand: function (name, text) {
      try {
        var d = parseDemand(name, text);
        return { ok: true, count: d.count, total: d.total };
      } catch (e) { return { ok: false, error: e.message }; }
    }
  };
})();
