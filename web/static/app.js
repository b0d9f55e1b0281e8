// yizhan map page: plain JavaScript over Leaflet, no build step. It asks the
// yizhan HTTP API (same origin) for the reference layers, the records in
// view, the k nearest records to a point and that point's service circle.
// Nothing is fetched from any other host unless the user turns tiles on.
(function () {
  'use strict';

  var KINDS = [
    ['port', 'Port', '口岸', '#1f4e79'],
    ['rest_stop', 'Rest stop', '服务区', '#2e7d32'],
    ['driver_home', 'Driver home', '司机之家', '#e65100'],
    ['union_station', 'Union station', '工会驿站', '#c62828'],
    ['worker_home', 'Worker home', '职工之家', '#6a1b9a'],
    ['labour_station', 'Labour station', '劳动驿站', '#795548'],
    ['service_center', 'Service centre', '服务中心', '#00838f']
  ];
  var AMENITIES = [
    ['drinking_water', 'Drinking water'], ['hot_meal', 'Hot meal'], ['microwave', 'Microwave'],
    ['toilet', 'Toilet'], ['rest_area', 'Rest area'], ['shower', 'Shower'], ['beds', 'Beds'],
    ['truck_parking', 'Truck parking'], ['wifi', 'Wi-Fi'], ['phone_charging', 'Phone charging'],
    ['first_aid', 'First aid'], ['counselling', 'Counselling'], ['library', 'Library'],
    ['laundry', 'Laundry'], ['legal_aid', 'Legal aid']
  ];
  var K = 5;              // nearest records listed
  var MINUTES = 15;       // the service circle's minutes
  var STATION_LIMIT = 1000;
  // Inner Mongolia's extent, [[south, west], [north, east]] in degrees:
  // the first view before the boundary layer arrives.
  var REGION = [[37.4, 97.2], [53.4, 126.1]];
  // ATTRIBUTION is HTML (Leaflet's attribution control takes nothing
  // else): constants only, never data.
  var ATTRIBUTION = [
    'Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)',
    'Boundary: DCW-GMT (LGPL-3.0+)',
    'Borders: <a href="https://www.naturalearthdata.com/">Natural Earth</a>',
    'Airports: OurAirports'
  ];

  var kindInfo = {};
  KINDS.forEach(function (k) { kindInfo[k[0]] = { label: k[1], zh: k[2], color: k[3] }; });
  var amenityLabel = {};
  AMENITIES.forEach(function (a) { amenityLabel[a[0]] = a[1]; });

  var $ = function (id) { return document.getElementById(id); };

  // ---------- API ----------

  // apiURL resolves path against the page, so that a page served under a
  // path prefix talks to the API under the same prefix.
  function apiURL(path, params) {
    var u = new URL(path, document.baseURI);
    (params || []).forEach(function (p) { u.searchParams.append(p[0], p[1]); });
    return u.toString();
  }

  // fetchJSON fetches url with init and returns its JSON body; a non-2xx
  // answer becomes an Error whose message is the problem's title and
  // detail (RFC 7807), with the HTTP status in err.status.
  function fetchJSON(url, init) {
    init = init || {};
    init.headers = Object.assign({ Accept: 'application/geo+json, application/json' }, init.headers || {});
    return fetch(url, init)
      .catch(function (err) {
        if (err && err.name === 'AbortError') { throw err; }
        throw new Error('Cannot reach the server: ' + err.message);
      })
      .then(function (res) {
        return res.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          if (!res.ok) {
            var msg = (body && (body.title || body.detail))
              ? [body.title, body.detail].filter(Boolean).join(': ')
              : 'HTTP ' + res.status + ' from ' + new URL(url).pathname;
            var err = new Error(msg);
            err.status = res.status;
            throw err;
          }
          if (body === null) { throw new Error('Bad response from ' + new URL(url).pathname); }
          return body;
        });
      });
  }

  // getJSON is a GET of url; see fetchJSON.
  function getJSON(url, signal) { return fetchJSON(url, { signal: signal }); }

  // postJSON POSTs body as JSON to url; see fetchJSON.
  function postJSON(url, body, signal) {
    return fetchJSON(url, {
      method: 'POST', signal: signal,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    });
  }

  function showError(err) {
    if (err && err.name === 'AbortError') { return; }
    $('error-text').textContent = (err && err.message) || String(err);
    $('error').hidden = false;
  }
  function clearError() { $('error').hidden = true; $('error-text').textContent = ''; }
  $('error-close').addEventListener('click', clearError);

  // ---------- controls ----------

  KINDS.forEach(function (k) {
    var o = document.createElement('option');
    o.value = k[0];
    o.textContent = k[1] + ' ' + k[2];
    $('kind').appendChild(o);

    var li = document.createElement('li');
    var dot = document.createElement('span');
    dot.className = 'dot';
    dot.style.background = k[3];
    li.appendChild(dot);
    li.appendChild(document.createTextNode(k[1] + ' ' + k[2]));
    $('legend').appendChild(li);
  });
  AMENITIES.forEach(function (a) {
    var label = document.createElement('label');
    label.className = 'chip';
    var cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.name = 'amenity';
    cb.value = a[0];
    cb.id = 'amenity-' + a[0];
    label.appendChild(cb);
    label.appendChild(document.createTextNode(a[1]));
    $('amenities').appendChild(label);
  });

  // The default language follows the browser when it is one we have names in.
  (function () {
    var want = (navigator.language || 'en').slice(0, 2).toLowerCase();
    $('lang').value = ['zh', 'en', 'ru', 'mn'].indexOf(want) >= 0 ? want : 'en';
  })();

  function filters() {
    var amenities = [];
    document.querySelectorAll('#amenities input:checked').forEach(function (cb) { amenities.push(cb.value); });
    return {
      kind: $('kind').value,
      amenities: amenities,
      openNow: $('open-now').checked,
      mode: $('mode').value,
      lang: $('lang').value
    };
  }

  // ---------- names and formatting ----------

  // nameOf picks a feature's name in lang: names[lang], then name_<lang>,
  // then the server's name (already in the requested language), then zh.
  function nameOf(props, lang) {
    var names = props.names || {};
    return names[lang] || props['name_' + lang] || props.name ||
      names.zh || props.name_zh || names.en || props.name_en || props.id || '';
  }

  function formatDistance(m) {
    if (m < 1000) { return Math.round(m) + ' m'; }
    if (m < 100000) { return (m / 1000).toFixed(1) + ' km'; }
    return Math.round(m / 1000) + ' km';
  }

  var COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
  function formatBearing(deg) {
    var d = ((deg % 360) + 360) % 360;
    return COMPASS[Math.round(d / 45) % 8] + ' ' + Math.round(d) + '°';
  }

  function kindLabel(kind) {
    var k = kindInfo[kind];
    return k ? k.label : kind;
  }
  function kindColor(kind) {
    var k = kindInfo[kind];
    return k ? k.color : '#555';
  }
  function amenityList(list) {
    return (list || []).map(function (a) { return amenityLabel[a] || a; }).join(' · ');
  }

  // el builds an element, and is the one way the page builds DOM from
  // data: record text and API messages reach the page only through el or
  // textContent, never as HTML, so that no record can add markup or
  // script to the page. className may be '' for none. Each further
  // argument is a child: a string or number (written as text, never
  // parsed), a Node, or an array of them; null, undefined and false are
  // left out.
  function el(tag, className) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    for (var i = 2; i < arguments.length; i++) { appendChildren(e, arguments[i]); }
    return e;
  }
  function appendChildren(parent, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) {
      child.forEach(function (c) { appendChildren(parent, c); });
      return;
    }
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  var COUNTRIES = { MN: 'Mongolia', RU: 'Russia' };

  // portLine describes a border port: the neighbour it faces, its modes
  // and its published hours.
  function portLine(port) {
    var facing = COUNTRIES[port.country] || port.country;
    var modes = (port.modes || []).join(', ');
    return 'Border port' + (facing ? ' to ' + facing : '') + (modes ? ' (' + modes + ')' : '') +
      (port.hours ? ': ' + port.hours : '');
  }

  // popupContent builds a station's popup: every text field of the record
  // a person may need on the spot, as DOM nodes.
  function popupContent(props, lang) {
    return el('div', 'station-popup',
      el('h3', '', nameOf(props, lang)),
      el('p', '', kindLabel(props.kind) + (props.status && props.status !== 'open' ? ' — ' + props.status : '')),
      props.amenities && props.amenities.length ? el('p', '', amenityList(props.amenities)) : null,
      props.opening_hours ? el('p', '', 'Hours: ' + props.opening_hours) : null,
      props.port ? el('p', 'port', portLine(props.port)) : null,
      props.address ? el('p', '', props.address) : null,
      props.region ? el('p', '', props.region) : null,
      props.phone ? el('p', '', '☎ ' + props.phone) : null,
      props.operator ? el('p', '', 'Operator: ' + props.operator) : null,
      props.source ? el('p', 'hint', 'Source: ' + props.source) : null);
  }

  // ---------- Leaflet: text only ----------

  // Leaflet writes a string given as popup or tooltip content (or returned
  // by a content function), and a divIcon's html string, with innerHTML.
  // The page gives Leaflet nodes built by el; these hooks make any string
  // that still reaches one of those sinks text, so that record text can
  // never become markup whichever call fills them. The attribution and
  // layer-control labels remain HTML: they are the constants of this file.
  (function () {
    var asNode = function (c) { return typeof c === 'string' ? document.createTextNode(c) : c; };
    var setContent = L.DivOverlay.prototype.setContent;
    L.DivOverlay.include({
      setContent: function (content) {
        return setContent.call(this, typeof content === 'function'
          ? function (layer) { return asNode(content(layer)); }
          : asNode(content));
      }
    });
    var createIcon = L.DivIcon.prototype.createIcon;
    L.DivIcon.include({
      createIcon: function (oldIcon) {
        var html = this.options.html;
        if (typeof html !== 'string' || html === '') { return createIcon.call(this, oldIcon); }
        // A fresh node for each icon made: an icon may serve many markers.
        this.options.html = el('span', '', html);
        try { return createIcon.call(this, oldIcon); } finally { this.options.html = html; }
      }
    });
  })();

  // ---------- map ----------

  var map = L.map('map', { zoomSnap: 0.5, worldCopyJump: true }).fitBounds(REGION);
  ATTRIBUTION.forEach(function (a) { map.attributionControl.addAttribution(a); });
  // Panes fix the drawing order whatever order the answers arrive in:
  // reference layers under the circle, stations above it, labels on top.
  // A pane takes no pointer events itself, or its SVG would swallow clicks
  // meant for the map and for the station markers (which take their own).
  [['reference', 350], ['circle', 380], ['stations', 450], ['seats', 460]].forEach(function (p) {
    var pane = map.createPane(p[0]);
    pane.style.zIndex = String(p[1]);
    pane.style.pointerEvents = 'none';
  });

  // The one other host the page may load from: the server's
  // Content-Security-Policy allows its images (api/security.go, tileHost).
  var tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
  });
  var boundaryLayer = L.geoJSON(null, {
    style: { color: '#4a5560', weight: 1.5, fillColor: '#fbfaf4', fillOpacity: 0.9 },
    pane: 'reference', interactive: false
  }).addTo(map);
  var bordersLayer = L.geoJSON(null, {
    style: { color: '#b23b3b', weight: 2, dashArray: '6 4' },
    pane: 'reference', interactive: false
  }).addTo(map);
  var seatsLayer = L.geoJSON(null, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {
        radius: 3, color: '#333', weight: 1, fillColor: '#333', fillOpacity: 1,
        className: 'seat-marker', pane: 'seats', interactive: false
      });
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(el('span', '', nameOf(f.properties || {}, filters().lang)), {
        permanent: true, direction: 'right', className: 'seat-label', offset: [4, 0]
      });
    }
  }).addTo(map);
  var circleLayer = L.geoJSON(null, {
    style: { color: '#1f5fa8', weight: 2, fillColor: '#1f5fa8', fillOpacity: 0.1, className: 'service-circle' },
    pane: 'circle', interactive: false
  }).addTo(map);
  var linesLayer = L.layerGroup().addTo(map);
  var stationsLayer = L.layerGroup().addTo(map);
  var queryLayer = L.layerGroup().addTo(map);

  L.control.layers(null, {
    'OSM tiles (needs internet)': tiles,
    'Province boundary': boundaryLayer,
    'Borders': bordersLayer,
    'League seats': seatsLayer,
    'Stations': stationsLayer
  }, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  function loadLayer(name, layer, fit) {
    return getJSON(apiURL('v1/layers/' + name)).then(function (fc) {
      layer.clearLayers();
      layer.addData(fc);
      if (fit && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    }).catch(showError);
  }

  // ---------- stations in view ----------

  var stationsAbort = null;
  var stationsTimer = null;
  var lastStations = null;

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function viewBBox() {
    var b = map.getBounds().pad(0.25);
    var w = b.getWest(), e = b.getEast();
    if (e - w >= 360) { w = -180; e = 180; }
    return [clamp(w, -180, 180), clamp(b.getSouth(), -90, 90), clamp(e, -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(function (v) { return v.toFixed(5); }).join(',');
  }

  function loadStations() {
    if (stationsAbort) { stationsAbort.abort(); }
    stationsAbort = new AbortController();
    var f = filters();
    var params = [['bbox', viewBBox()], ['limit', String(STATION_LIMIT)]];
    if (f.kind) { params.push(['kind', f.kind]); }
    f.amenities.forEach(function (a) { params.push(['amenity', a]); });
    if (f.openNow) { params.push(['open_now', 'true']); }
    params.push(['lang', f.lang]);
    return getJSON(apiURL('v1/stations', params), stationsAbort.signal).then(function (fc) {
      lastStations = fc;
      drawStations();
    }).catch(showError);
  }

  function drawStations() {
    if (!lastStations) { return; }
    var lang = filters().lang;
    stationsLayer.clearLayers();
    var features = lastStations.features || [];
    features.forEach(function (f) {
      if (!f.geometry || f.geometry.type !== 'Point') { return; }
      var c = f.geometry.coordinates;
      var p = f.properties || {};
      var m = L.circleMarker([c[1], c[0]], {
        radius: 8, weight: 2, color: '#fff', fillColor: kindColor(p.kind), fillOpacity: 0.95,
        className: 'station-marker kind-' + p.kind, pane: 'stations'
      });
      m.bindPopup(function () { return popupContent(p, filters().lang); });
      m.bindTooltip(el('span', 'station-name', nameOf(p, lang)), { direction: 'top', offset: [0, -6] });
      m.stationId = f.id;
      m.addTo(stationsLayer);
    });
    var total = lastStations.numberMatched;
    $('status').textContent = features.length + ' records in view' +
      (typeof total === 'number' && total > features.length ? ' (of ' + total + ')' : '');
  }

  function scheduleStations() {
    clearTimeout(stationsTimer);
    stationsTimer = setTimeout(loadStations, 250);
  }
  map.on('moveend', scheduleStations);

  // ---------- the query point: nearest list and service circle ----------

  var query = null;   // {lon, lat}
  var querySeq = 0;   // answers to older queries are dropped

  function setQuery(lon, lat) {
    query = { lon: lon, lat: lat };
    queryLayer.clearLayers();
    L.marker([lat, lon], {
      icon: L.divIcon({ className: 'query-marker', iconSize: [22, 22] }),
      keyboard: false, interactive: false
    }).addTo(queryLayer);
    $('query-info').textContent = 'From ' + lat.toFixed(4) + '° N, ' + lon.toFixed(4) + '° E';
    runQuery();
  }

  function runQuery() {
    if (!query) { return; }
    var seq = ++querySeq;
    var f = filters();
    var lonlat = [['lon', query.lon.toFixed(6)], ['lat', query.lat.toFixed(6)]];
    var np = lonlat.concat([['k', String(K)]]);
    if (f.kind) { np.push(['kind', f.kind]); }
    f.amenities.forEach(function (a) { np.push(['amenity', a]); });
    if (f.openNow) { np.push(['open_now', 'true']); }
    np.push(['lang', f.lang]);
    var cp = lonlat.concat([['minutes', String(MINUTES)], ['mode', f.mode]]);

    $('nearest-list').setAttribute('aria-busy', 'true');
    clearError();
    getJSON(apiURL('v1/stations/nearest', np)).then(function (fc) {
      if (seq !== querySeq) { return; }
      drawNearest(fc.features || [], f.lang);
    }).catch(function (err) {
      if (seq !== querySeq) { return; }
      $('nearest-list').replaceChildren();
      linesLayer.clearLayers();
      showError(err);
    }).then(function () { $('nearest-list').removeAttribute('aria-busy'); });

    getJSON(apiURL('v1/circle', cp)).then(function (feature) {
      if (seq !== querySeq) { return; }
      circleLayer.clearLayers();
      circleLayer.addData(feature);
      var p = feature.properties || {};
      var text = MINUTES + '-minute ' + f.mode + ' circle';
      if (typeof p.radius_m === 'number') { text += ': radius ' + formatDistance(p.radius_m); }
      if (typeof p.speed_kmh === 'number') { text += ' (' + p.speed_kmh + ' km/h'; }
      if (typeof p.speed_kmh === 'number' && typeof p.circuity === 'number') { text += ', circuity ' + p.circuity; }
      if (typeof p.speed_kmh === 'number') { text += ')'; }
      $('circle-info').textContent = text;
    }).catch(function (err) {
      if (seq !== querySeq) { return; }
      circleLayer.clearLayers();
      $('circle-info').textContent = '';
      showError(err);
    });
  }

  function drawNearest(features, lang) {
    var list = $('nearest-list');
    list.replaceChildren();
    linesLayer.clearLayers();
    if (!features.length) {
      list.appendChild(el('li', 'nearest-empty', 'No record matches these filters.'));
      return;
    }
    var bounds = L.latLngBounds([[query.lat, query.lon]]);
    features.forEach(function (f) {
      var p = f.properties || {};
      var c = f.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      bounds.extend(latlng);

      var li = el('li', 'nearest-item');
      li.tabIndex = 0;
      li.dataset.id = f.id;
      li.dataset.kind = p.kind;
      var line = el('div', 'line');
      var dot = el('span', 'dot');
      dot.style.background = kindColor(p.kind);
      line.appendChild(dot);
      line.appendChild(el('span', 'name', nameOf(p, lang)));
      line.appendChild(el('span', 'kind', '— ' + kindLabel(p.kind)));
      line.appendChild(el('span', 'distance', '— ' + formatDistance(p.distance_m)));
      line.appendChild(el('span', 'bearing', '— ' + formatBearing(p.bearing_deg)));
      li.appendChild(line);
      if (p.amenities && p.amenities.length) { li.appendChild(el('div', 'amenities', amenityList(p.amenities))); }
      if (p.opening_hours || (p.status && p.status !== 'open')) {
        li.appendChild(el('div', 'hours', [p.opening_hours, p.status && p.status !== 'open' ? p.status : '']
          .filter(Boolean).join(' · ')));
      }
      var open = function () {
        map.setView(latlng, Math.max(map.getZoom(), 11));
        L.popup().setLatLng(latlng).setContent(popupContent(p, filters().lang)).openOn(map);
      };
      li.addEventListener('click', open);
      li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
      list.appendChild(li);

      L.polyline([[query.lat, query.lon], latlng], {
        color: kindColor(p.kind), weight: 1.5, dashArray: '4 4', interactive: false, className: 'nearest-line',
        pane: 'circle'
      }).addTo(linesLayer);
    });
    // Bring every answer into view, but never zoom in on the user.
    if (!map.getBounds().contains(bounds)) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: map.getZoom() });
    }
  }

  // ---------- views: Find, Planner, Route ----------

  // The page has three views sharing the map, the filters and the error
  // box. Only Find answers a plain click on the map; the planner views
  // use clicks to draw. Find's overlays are hidden in the other views.
  var VIEWS = ['find', 'planner', 'route'];
  var HINTS = {
    find: 'Tap the map, or use your location, to find the nearest stations.',
    planner: 'Choose an area and a travel time to see where no station reaches.',
    route: 'Pick an example route, paste GeoJSON or draw one to see the stations along it and a rest plan.'
  };
  var view = 'find';
  var findOverlays = [circleLayer, linesLayer, queryLayer];

  function setView(name) {
    if (VIEWS.indexOf(name) < 0) { name = 'find'; }
    var prev = view;
    view = name;
    document.body.dataset.view = name;
    VIEWS.forEach(function (v) {
      var tab = $('tab-' + v), section = $('view-' + v);
      if (tab) { tab.setAttribute('aria-selected', String(v === name)); tab.tabIndex = v === name ? 0 : -1; }
      if (section) { section.hidden = v !== name; }
    });
    $('hint').textContent = HINTS[name];
    findOverlays.forEach(function (layer) {
      if (name === 'find') { layer.addTo(map); } else { layer.remove(); }
    });
    if (prev !== name) {
      clearError();
      document.dispatchEvent(new CustomEvent('yizhan:view', { detail: { view: name, previous: prev } }));
    }
    if (location.hash !== '#' + name && !(name === 'find' && !location.hash)) {
      history.replaceState(null, '', name === 'find' ? location.pathname + location.search : '#' + name);
    }
  }
  VIEWS.forEach(function (v, i) {
    var tab = $('tab-' + v);
    if (!tab) { return; }
    tab.addEventListener('click', function () { setView(v); });
    tab.addEventListener('keydown', function (ev) {
      var d = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
      if (!d) { return; }
      var next = VIEWS[(i + d + VIEWS.length) % VIEWS.length];
      setView(next);
      $('tab-' + next).focus();
    });
  });

  map.on('click', function (ev) {
    if (view !== 'find') { return; }
    setQuery(L.Util.wrapNum(ev.latlng.lng, [-180, 180], true), ev.latlng.lat);
  });

  $('locate').addEventListener('click', function () {
    if (!navigator.geolocation) {
      showError(new Error('This browser cannot tell your location; tap the map instead.'));
      return;
    }
    $('locate').disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      $('locate').disabled = false;
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      map.setView([lat, lon], Math.max(map.getZoom(), 10));
      setQuery(lon, lat);
    }, function (err) {
      $('locate').disabled = false;
      showError(new Error('No location: ' + err.message + '. Tap the map instead.'));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // Filters change both the markers and the answer; the mode changes only
  // the circle and the language only the names.
  $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); });
  $('kind').addEventListener('change', function () { loadStations(); runQuery(); });
  $('amenities').addEventListener('change', function () {
    var n = filters().amenities.length;
    $('amenity-count').textContent = n ? '(' + n + ')' : '';
    loadStations();
    runQuery();
  });
  $('open-now').addEventListener('change', function () { loadStations(); runQuery(); });
  $('mode').addEventListener('change', runQuery);
  $('lang').addEventListener('change', function () {
    loadStations();
    seatsLayer.eachLayer(function (layer) {
      if (layer.feature) { layer.setTooltipContent(el('span', '', nameOf(layer.feature.properties || {}, filters().lang))); }
    });
    runQuery();
  });

  // ---------- start ----------

  loadLayer('boundary', boundaryLayer, true);
  loadLayer('borders', bordersLayer, false);
  loadLayer('league_seats', seatsLayer, false);
  loadStations();

  // The map, the current query and the helpers planner.js shares.
  window.yizhan = {
    map: map,
    query: function () { return query; },
    view: function () { return view; },
    setView: setView,
    // regionBounds is the province's extent once its boundary has loaded.
    regionBounds: function () {
      var b = boundaryLayer.getBounds();
      return b.isValid() ? b : L.latLngBounds(REGION);
    },
    api: {
      apiURL: apiURL, getJSON: getJSON, postJSON: postJSON,
      showError: showError, clearError: clearError, filters: filters,
      el: el, nameOf: nameOf, kindLabel: kindLabel, kindColor: kindColor,
      formatDistance: formatDistance, amenityList: amenityList, popupContent: popupContent,
      amenities: AMENITIES
    }
  };
  setView((location.hash || '').slice(1));
})();
