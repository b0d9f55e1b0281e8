// yizhan map page: plain JavaScript over Leaflet, no build step. It asks the
// yizhan HTTP API (same origin) for the reference layers, the records in
// view, the k nearest records to a point and that point's service circle,
// and shows a station's card with the ways to get there. Every word on the
// page comes from static/i18n/<lang>.json (zh, en, ru, mn). Nothing is
// fetched from any other host unless the user turns tiles on.
(function () {
  'use strict';

  // KINDS: id, marker shape, colour. The colours are the Okabe–Ito
  // palette (told apart with every common colour-vision deficiency), and
  // each kind has its own shape as well, so colour is never the only cue.
  var KINDS = [
    ['driver_home', 'house', '#D55E00'],
    ['rest_stop', 'circle', '#009E73'],
    ['port', 'square', '#0072B2'],
    ['union_station', 'diamond', '#CC79A7'],
    ['worker_home', 'triangle', '#E69F00'],
    ['labour_station', 'hexagon', '#56B4E9'],
    ['service_center', 'cross', '#000000']
  ];
  // AMENITIES: id and its icon, a symbol of the Unicode BMP that common
  // fonts (DejaVu, Noto) have, so that no phone shows an empty box.
  var AMENITIES = [
    ['drinking_water', '\u2615'], ['hot_meal', '\u2668'], ['microwave', '\u25a3'], ['toilet', 'WC'],
    ['rest_area', '\u2302'], ['shower', '\u2614'], ['beds', '\u263e'], ['truck_parking', 'P'],
    ['wifi', '\u2301'], ['phone_charging', '\u26a1'], ['first_aid', '\u271a'], ['counselling', '\u263a'],
    ['library', '\u25a4'], ['laundry', '\u2652'], ['legal_aid', '\u2696']
  ];
  var LANGS = ['zh', 'en', 'ru', 'mn'];
  // HTML_LANG is <html lang> for each language: Chinese in simplified
  // characters, Mongolian in Cyrillic script.
  var HTML_LANG = { zh: 'zh-Hans', en: 'en', ru: 'ru', mn: 'mn-Cyrl' };
  // NAME_FALLBACK is the order in which a record's names are tried: a
  // Russian or Mongolian reader reads Latin better than Chinese characters.
  var NAME_FALLBACK = { zh: ['zh', 'en'], en: ['en', 'zh'], ru: ['ru', 'en', 'zh'], mn: ['mn', 'en', 'zh'] };
  var K = 5;              // nearest records listed
  var MINUTES = 15;       // the service circle's minutes
  var STATION_LIMIT = 1000;
  var PLACES_ZOOM = 8;    // town names from the places layer from this zoom on
  var PLACES_MAX = 250;   // town names drawn at once
  var CARD_ZOOM = 11;     // the zoom a station opened by link is shown at
  var MARKER_CARD_ZOOM = 9; // from this zoom on a marker tap opens its card too
  var FIT_MAX_ZOOM = 13;  // a search never zooms in closer than this
  // Inner Mongolia's extent, [[south, west], [north, east]] in degrees:
  // the first view before the boundary layer arrives.
  var REGION = [[37.4, 97.2], [53.4, 126.1]];
  // The records' hours are local time of their zone; the bundled records
  // are all in China (data: defaultLocation).
  var DEFAULT_ZONE = 'Asia/Shanghai';
  // ATTRIBUTION is HTML (Leaflet's attribution control takes nothing
  // else): constants only, never data or translated text.
  var ATTRIBUTION = [
    'Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)',
    'Boundary: DCW-GMT (LGPL-3.0+)',
    'Borders: <a href="https://www.naturalearthdata.com/">Natural Earth</a>',
    'Airports: OurAirports'
  ];
  // VERSION is the build of the page's files (the ?v= the server gives
  // this script), so that translations and the service worker match it.
  var VERSION = (function () {
    try { return new URL(document.currentScript.src).searchParams.get('v') || 'dev'; } catch (e) { return 'dev'; }
  })();

  var kindInfo = {};
  KINDS.forEach(function (k) { kindInfo[k[0]] = { shape: k[1], color: k[2] }; });
  var amenityIcon = {};
  AMENITIES.forEach(function (a) { amenityIcon[a[0]] = a[1]; });

  var $ = function (id) { return document.getElementById(id); };

  // ---------- translations ----------

  var lang = 'en';
  var strings = {};

  // t is the page's text for key in the current language, with {name}
  // placeholders filled from vars. A key missing from the file shows as
  // the key (a test keeps every file complete).
  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
      });
    }
    return s;
  }

  // tn is t for a text about n things: the key's plural form for n in
  // the current language (key_one, key_few, key_many, key_other as
  // Intl.PluralRules names them; key_other when a form is missing), with
  // {n} the number written the language's way.
  var pluralRules = {};
  function tn(key, n, vars) {
    var loc = HTML_LANG[lang] || lang;
    var rules = pluralRules[loc] || (pluralRules[loc] = new Intl.PluralRules(loc));
    var k = key + '_' + rules.select(n);
    if (!Object.prototype.hasOwnProperty.call(strings, k)) { k = key + '_other'; }
    return t(k, Object.assign({ n: number(n, Number.isInteger(n) ? 0 : 1) }, vars));
  }

  function pickLang(want) {
    want = String(want || '').slice(0, 2).toLowerCase();
    return LANGS.indexOf(want) >= 0 ? want : '';
  }

  // browserLang is the first of the browser's languages the page speaks.
  function browserLang() {
    var list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < list.length; i++) {
      var l = pickLang(list[i]);
      if (l) { return l; }
    }
    return 'en';
  }

  var langLoads = {};
  function loadStrings(l) {
    if (!langLoads[l]) {
      langLoads[l] = fetchJSON(new URL('static/i18n/' + l + '.json?v=' + encodeURIComponent(VERSION), document.baseURI).toString())
        .catch(function (err) { delete langLoads[l]; throw err; });
    }
    return langLoads[l];
  }

  // applyStrings writes the current language into the static page:
  // data-i18n (text), data-i18n-placeholder, data-i18n-label (aria-label)
  // and data-i18n-title. Always as text, never markup.
  function applyStrings() {
    document.documentElement.lang = HTML_LANG[lang] || lang;
    document.title = t('app.title');
    document.querySelectorAll('[data-i18n]').forEach(function (e) { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach(function (e) { e.placeholder = t(e.dataset.i18nPlaceholder); });
    document.querySelectorAll('[data-i18n-label]').forEach(function (e) { e.setAttribute('aria-label', t(e.dataset.i18nLabel)); });
    document.querySelectorAll('[data-i18n-title]').forEach(function (e) { e.title = t(e.dataset.i18nTitle); });
    fillKindOptions();
    fillAmenityChips();
    drawLegend();
  }

  // ---------- API ----------

  // apiURL resolves path against the page, so that a page served under a
  // path prefix talks to the API under the same prefix.
  function apiURL(path, params) {
    var u = new URL(path, document.baseURI);
    (params || []).forEach(function (p) { u.searchParams.append(p[0], p[1]); });
    return u.toString();
  }

  // fetchJSON fetches url with init and returns its JSON body. A failure
  // becomes an Error with err.kind 'network' (no answer), 'http' (a non-2xx
  // answer: err.status, and the problem's detail in err.detail, RFC 7807)
  // or 'parse'; showError words each in the user's language. An answer the
  // service worker gave from its cache (offline) is noted for the banner.
  // savedAnswers holds the answers the service worker gave from its cache.
  // Whether an answer is offline is a fact of that answer: the banner's
  // state is not, since another answer (one the browser's HTTP cache
  // gave) may change it while this one is still being read.
  var savedAnswers = new WeakSet();

  function fetchJSON(url, init) {
    init = init || {};
    init.headers = Object.assign({ Accept: 'application/geo+json, application/json' }, init.headers || {});
    return fetch(url, init)
      .catch(function (err) {
        if (err && err.name === 'AbortError') { throw err; }
        var e = new Error('network: ' + (err && err.message));
        e.kind = 'network';
        throw e;
      })
      .then(function (res) {
        var saved = res.headers.get('X-Yizhan-Offline');
        noteOffline(saved, url);
        return res.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          if (!res.ok) {
            var err = new Error((body && (body.detail || body.title)) || ('HTTP ' + res.status));
            err.kind = res.status === 504 && res.headers.get('X-Yizhan-Offline') !== null ? 'network' : 'http';
            err.status = res.status;
            err.detail = body && typeof body.detail === 'string' ? body.detail : '';
            err.param = body && typeof body.param === 'string' ? body.param : '';
            throw err;
          }
          if (body === null) {
            var pe = new Error('bad response from ' + new URL(url).pathname);
            pe.kind = 'parse';
            throw pe;
          }
          if (saved !== null && typeof body === 'object') { savedAnswers.add(body); }
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

  // errorText is err in the user's language: what happened and what to do.
  function errorText(err) {
    if (err && err.kind === 'network') { return t('error.network'); }
    if (err && err.kind === 'parse') { return t('error.bad_response'); }
    if (err && err.kind === 'http') {
      if (err.status === 404) { return t('error.not_found'); }
      if (err.status === 503) { return t('error.unavailable'); }
      if (err.status >= 500) { return t('error.server'); }
      return t('error.bad_request');
    }
    return (err && err.message) || String(err);
  }

  var retryAction = null;

  // showError shows err in the error box at the top of the screen, with
  // the server's own words (English) under it and, when retry is given, a
  // button that runs it again.
  function showError(err, retry) {
    if (err && err.name === 'AbortError') { return; }
    $('error-text').textContent = errorText(err);
    $('error-detail').textContent = err && err.detail ? t('error.detail', { detail: err.detail }) : '';
    $('error-detail').hidden = !(err && err.detail);
    retryAction = typeof retry === 'function' ? retry : null;
    $('error-retry').hidden = !retryAction;
    $('error').hidden = false;
  }
  function clearError() {
    $('error').hidden = true;
    $('error-text').textContent = '';
    $('error-detail').textContent = '';
    retryAction = null;
  }
  $('error-close').addEventListener('click', clearError);
  $('error-retry').addEventListener('click', function () {
    var again = retryAction;
    clearError();
    if (again) { again(); }
  });

  // ---------- offline ----------

  var offlineSince = null;

  // noteOffline shows the offline banner while answers come from the
  // service worker's cache (header X-Yizhan-Offline: the time they were
  // saved), and hides it again when the API itself answers.
  function noteOffline(saved, url) {
    if (url.indexOf('/static/') >= 0) { return; }
    document.body.classList.toggle('offline', saved !== null);
    if (saved === null) {
      offlineSince = null;
      $('offline-banner').hidden = true;
      return;
    }
    offlineSince = saved;
    var when = new Date(saved);
    var time = isNaN(when) ? saved : when.toLocaleString(HTML_LANG[lang], { dateStyle: 'short', timeStyle: 'short' });
    $('offline-banner').textContent = t('offline.banner', { time: time });
    $('offline-banner').hidden = false;
  }

  // ---------- DOM from data: text only ----------

  // el builds an element, and is the one way the page builds DOM from
  // data: record text, translations and API messages reach the page only
  // through el or textContent, never as HTML, so that no record can add
  // markup or script to the page. className may be '' for none. Each
  // further argument is a child: a string or number (written as text,
  // never parsed), a Node, or an array of them; null, undefined and false
  // are left out.
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

  // link is an <a> to url (a URL object or string checked by the URL
  // API: http, https, tel and geo only) with text.
  function link(url, text, className) {
    var u = url instanceof URL ? url : new URL(url, document.baseURI);
    if (['http:', 'https:', 'tel:', 'geo:'].indexOf(u.protocol) < 0) { return el('span', className, text); }
    var a = el('a', className, text);
    a.href = u.href;
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      if (u.origin !== location.origin) { a.target = '_blank'; a.rel = 'noopener noreferrer'; }
    }
    return a;
  }

  // ---------- controls ----------

  function fillKindOptions() {
    var s = $('kind');
    var v = s.value;
    s.replaceChildren(el('option', '', t('filters.all_kinds')));
    s.firstChild.value = '';
    KINDS.forEach(function (k) {
      var o = el('option', '', t('kind.' + k[0]));
      o.value = k[0];
      s.appendChild(o);
    });
    s.value = v;
    if (s.value !== v) { s.value = ''; }
  }

  function fillAmenityChips() {
    var box = $('amenities');
    var checked = {};
    box.querySelectorAll('input:checked').forEach(function (cb) { checked[cb.value] = true; });
    box.querySelectorAll('label.chip').forEach(function (l) { l.remove(); });
    AMENITIES.forEach(function (a) {
      var cb = el('input');
      cb.type = 'checkbox';
      cb.name = 'amenity';
      cb.value = a[0];
      cb.id = 'amenity-' + a[0];
      cb.checked = !!checked[a[0]];
      box.appendChild(el('label', 'chip', cb, el('span', 'icon', a[1]), t('amenity.' + a[0])));
    });
  }

  function filters() {
    var amenities = [];
    document.querySelectorAll('#amenities input:checked').forEach(function (cb) { amenities.push(cb.value); });
    return {
      kind: $('kind').value,
      amenities: amenities,
      openNow: $('open-now').checked,
      inactive: $('show-inactive').checked,
      mode: $('mode').value,
      lang: lang
    };
  }

  // ---------- names and formatting ----------

  // nameOf picks a feature's name in lang: its names in NAME_FALLBACK
  // order (names.xx, then name_xx), then the server's name, then its id.
  function nameOf(props, l) {
    var names = props.names || {};
    var order = NAME_FALLBACK[l || lang] || NAME_FALLBACK.en;
    for (var i = 0; i < order.length; i++) {
      var v = names[order[i]] || props['name_' + order[i]];
      if (v) { return v; }
    }
    return props.name || props.id || '';
  }

  function number(n, digits) {
    return Number(n).toLocaleString(HTML_LANG[lang], { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 });
  }

  function formatDistance(m) {
    if (m < 1000) { return t('units.m', { n: number(Math.round(m)) }); }
    if (m < 100000) { return t('units.km', { n: number(m / 1000, 1) }); }
    return t('units.km', { n: number(Math.round(m / 1000)) });
  }

  // formatDuration writes seconds of travel as minutes, or hours and minutes.
  function formatDuration(s) {
    var min = Math.max(1, Math.round(s / 60));
    if (min < 60) { return t('units.min', { n: number(min) }); }
    return t('units.h_min', { h: number(Math.floor(min / 60)), m: number(min % 60) });
  }

  // travelText is "12 min · 8.3 km by road" for a record found by travel
  // time on the roads (duration_s and road_distance_m), or '' for one found
  // by the straight line.
  function travelText(p) {
    if (typeof p.duration_s !== 'number' || typeof p.road_distance_m !== 'number') { return ''; }
    return t('travel.by_road', { time: formatDuration(p.duration_s), distance: formatDistance(p.road_distance_m) });
  }

  var COMPASS = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'];
  function compass(deg) { return t('compass.' + COMPASS[Math.round((((deg % 360) + 360) % 360) / 45) % 8]); }
  function formatBearing(deg) {
    var d = ((deg % 360) + 360) % 360;
    return compass(d) + ' ' + Math.round(d) + '°';
  }

  function kindLabel(kind) { return kindInfo[kind] ? t('kind.' + kind) : kind; }
  function kindColor(kind) { return kindInfo[kind] ? kindInfo[kind].color : '#555'; }
  function amenityList(list) {
    return (list || []).map(function (a) { return amenityIcon[a] ? t('amenity.' + a) : a; }).join(' · ');
  }
  function isInactive(p) { return !!p.status && p.status !== 'open'; }

  // shapeIcon is a kind's marker shape as a node: the same in the map,
  // the lists and the legend. Planned and closed records are hollow.
  function shapeIcon(kind, inactive) {
    var info = kindInfo[kind] || { shape: 'circle', color: '#555' };
    var s = el('span', 'shape shape-' + info.shape + (inactive ? ' hollow' : ''), el('span', 'shape-fill'));
    s.firstChild.style.background = info.color;
    s.setAttribute('aria-hidden', 'true');
    return s;
  }

  // haversine distance in meters and initial bearing in degrees from a to
  // b ({lat, lon}), on the mean Earth radius the API uses.
  var EARTH_RADIUS_M = 6371008.8;
  function distanceBearing(a, b) {
    var rad = Math.PI / 180;
    var p1 = a.lat * rad, p2 = b.lat * rad, dl = (b.lon - a.lon) * rad;
    var h = Math.pow(Math.sin((p2 - p1) / 2), 2) + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(dl / 2), 2);
    var d = 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
    var y = Math.sin(dl) * Math.cos(p2);
    var x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
    return { meters: d, bearing: ((Math.atan2(y, x) / rad) + 360) % 360 };
  }

  function formatLat(v) { return t('coord.lat', { v: v.toFixed(5) }); }
  function formatLon(v) { return t('coord.lon', { v: v.toFixed(5) }); }

  // ---------- opening hours ----------

  // The OSM opening_hours forms the records use, read as data/hours.go
  // reads them: "24/7"; days (Mo-Fr, Sa-Su, Mo,We) with times
  // ("08:00-12:00,14:00-18:00"), "off" or "closed", or nothing (all day);
  // rules after ";" replace the days they name, rules after "," add to
  // them; a range past midnight runs into the next day; PH and SH are
  // ignored. Anything else is not read and the hours are shown as written.
  var DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];
  var WEEK = 7 * 1440;
  var hoursCache = {};

  function parseDays(sel) {
    var days = [];
    var any = false;
    sel.split(',').forEach(function (part) {
      part = part.trim().toLowerCase();
      if (part === 'ph' || part === 'sh') { return; }
      var m = /^(mo|tu|we|th|fr|sa|su)(?:-(mo|tu|we|th|fr|sa|su))?$/.exec(part);
      if (!m) { throw new Error('days'); }
      any = true;
      var a = DAYS.indexOf(m[1]), b = m[2] ? DAYS.indexOf(m[2]) : a;
      for (var d = a; ; d = (d + 1) % 7) { days.push(d); if (d === b) { break; } }
    });
    return any ? days : null;
  }

  function parseTimes(s) {
    s = s.trim().toLowerCase();
    if (s === 'off' || s === 'closed') { return []; }
    if (s === '' || s === 'open') { return [[0, 1440]]; }
    return s.split(',').map(function (r) {
      var m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(r.trim());
      if (!m) { throw new Error('times'); }
      var a = +m[1] * 60 + +m[2], b = +m[3] * 60 + +m[4];
      if (a >= 1440 || b > 2880) { throw new Error('times'); }
      if (b <= a) { b += 1440; }
      return [a, b];
    });
  }

  // parseHours returns the week as an array of WEEK booleans (minute 0 is
  // Monday 00:00), or null when the text is not one of the forms above.
  function parseHours(text) {
    if (Object.prototype.hasOwnProperty.call(hoursCache, text)) { return hoursCache[text]; }
    var week = null;
    try {
      var spans = [[], [], [], [], [], [], []];
      if (text.trim() === '24/7') {
        spans = spans.map(function () { return [[0, 1440]]; });
      } else {
        text.split(';').forEach(function (rule) {
          if (!rule.trim()) { return; }
          // "Mo-Fr 08:00-12:00, Sa 10:00-12:00": the part after a "," that
          // follows times is an additional rule.
          rule.split(/(?<=\d|off|closed|open)\s*,\s*(?=(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b)/i).forEach(function (part, i) {
            var m = /^\s*((?:(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?\s*,?\s*)*)(.*)$/i.exec(part);
            var sel = m[1].replace(/,\s*$/, '').replace(/\s+/g, '');
            var days = sel ? parseDays(sel) : [0, 1, 2, 3, 4, 5, 6];
            if (!days) { return; } // holidays only: ignored
            var times = parseTimes(m[2]);
            days.forEach(function (d) { spans[d] = i === 0 ? times.slice() : spans[d].concat(times); });
          });
        });
      }
      week = new Array(WEEK).fill(false);
      spans.forEach(function (list, d) {
        list.forEach(function (r) {
          for (var x = r[0]; x < r[1]; x++) { week[(d * 1440 + x) % WEEK] = true; }
        });
      });
    } catch (e) {
      week = null;
    }
    hoursCache[text] = week;
    return week;
  }

  // zoneNow is the minute of the week (Monday 00:00 = 0) in zone at date.
  var zoneFormats = {};
  function zoneNow(zone, date) {
    var f = zoneFormats[zone];
    if (!f) {
      f = zoneFormats[zone] = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'
      });
    }
    var parts = {};
    f.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    var day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday);
    return day * 1440 + (+parts.hour % 24) * 60 + (+parts.minute);
  }

  function clock(min) {
    var m = ((min % 1440) + 1440) % 1440;
    return String(Math.floor(m / 60)).padStart(2, '0') + ':' + String(m % 60).padStart(2, '0');
  }

  // hoursState describes a record's hours now: {open: bool|null, text}.
  // "Open · closes 23:00", "Closed · opens Mon 08:00", "Open 24 hours", or
  // the hours as written when they are not in a form the page reads.
  function hoursState(props, date) {
    if (isInactive(props)) { return { open: false, text: t('status.' + props.status) }; }
    if (!props.opening_hours) { return { open: null, text: t('hours.unknown') }; }
    var week = parseHours(props.opening_hours);
    if (!week) { return { open: null, text: t('hours.schedule', { hours: props.opening_hours }) }; }
    var now = zoneNow(props.timezone || DEFAULT_ZONE, date || new Date());
    var open = week[now];
    var next = -1;
    for (var i = 1; i <= WEEK; i++) {
      if (week[(now + i) % WEEK] !== open) { next = now + i; break; }
    }
    if (next < 0) { return { open: open, text: open ? t('hours.always') : t('hours.never') }; }
    var sameDay = Math.floor(next / 1440) === Math.floor(now / 1440) || next - now < 12 * 60;
    var day = t('day.' + DAYS[Math.floor((next % WEEK) / 1440)]);
    var key = (open ? 'hours.open_until' : 'hours.closed_opens') + (sameDay ? '' : '_day');
    return { open: open, text: t(key, { time: clock(next), day: day }) };
  }

  // ---------- Leaflet: text only ----------

  // Leaflet writes a string given as popup or tooltip content (or returned
  // by a content function), and a divIcon's html string, with innerHTML.
  // The page gives Leaflet nodes built by el; these hooks make any string
  // that still reaches one of those sinks text, so that record text can
  // never become markup whichever call fills them. The attribution remains
  // HTML: it is the constants of this file.
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

  // ---------- URL state ----------

  // The URL holds what a driver would share or come back to: lang, the
  // map's centre (lat, lon) and zoom (z), the filters (kind, amenity,
  // open=1, all=1 for planned and closed, mode), the query point
  // (q=lat,lon) and the open station (station=id). Moving the map replaces
  // the history entry; a new query, station or language adds one, so Back
  // and Forward step through them.
  function readURL() {
    var p = new URLSearchParams(location.search);
    var num = function (v) { var n = parseFloat(v); return isFinite(n) ? n : null; };
    var pair = function (v) {
      if (!v) { return null; }
      var m = v.split(',');
      var a = num(m[0]), b = num(m[1]);
      return a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? { lat: a, lon: b } : null;
    };
    var amen = [];
    p.getAll('amenity').forEach(function (v) { amen = amen.concat(v.split(',').filter(Boolean)); });
    return {
      lang: pickLang(p.get('lang')),
      lat: num(p.get('lat')), lon: num(p.get('lon')), z: num(p.get('z')),
      kind: p.get('kind') || '',
      amenities: amen,
      openNow: p.get('open') === '1',
      inactive: p.get('all') === '1',
      mode: p.get('mode') || '',
      query: pair(p.get('q')),
      station: p.get('station') || ''
    };
  }

  var applyingURL = false;

  // writeURL puts the page's state into the URL; push adds a history entry.
  function writeURL(push) {
    if (applyingURL || !started) { return; }
    var f = filters();
    var p = new URLSearchParams();
    p.set('lang', lang);
    var c = map.getCenter();
    p.set('lat', c.lat.toFixed(5));
    p.set('lon', L.Util.wrapNum(c.lng, [-180, 180], true).toFixed(5));
    p.set('z', String(map.getZoom()));
    if (f.kind) { p.set('kind', f.kind); }
    if (f.amenities.length) { p.set('amenity', f.amenities.join(',')); }
    if (f.openNow) { p.set('open', '1'); }
    if (f.inactive) { p.set('all', '1'); }
    if (f.mode !== 'drive') { p.set('mode', f.mode); }
    if (query) { p.set('q', query.lat.toFixed(5) + ',' + query.lon.toFixed(5)); }
    if (cardStation) { p.set('station', cardStation); }
    var url = location.pathname + '?' + p.toString() + location.hash;
    if (url === location.pathname + location.search + location.hash) { return; }
    if (push) { history.pushState(null, '', url); } else { history.replaceState(null, '', url); }
  }

  // ---------- map ----------

  var map = L.map('map', { zoomSnap: 0.5, worldCopyJump: true }).fitBounds(REGION);
  // The province's outline refines the first view only if nothing has
  // moved the map yet (a link's view, a search, the user).
  map.once('movestart', function () { initialView = true; });
  ATTRIBUTION.forEach(function (a) { map.attributionControl.addAttribution(a); });
  // Panes fix the drawing order whatever order the answers arrive in:
  // reference layers under the circle, stations above it, labels on top.
  // A pane takes no pointer events itself, or its SVG would swallow clicks
  // meant for the map and for the station markers (which take their own).
  [['reference', 350], ['circle', 380], ['places', 420], ['stations', 450], ['seats', 460]].forEach(function (p) {
    var pane = map.createPane(p[0]);
    pane.style.zIndex = String(p[1]);
    pane.style.pointerEvents = 'none';
  });

  var loading = L.DomUtil.create('div', 'map-state', map.getContainer());
  loading.id = 'map-loading';
  loading.setAttribute('role', 'status');
  loading.appendChild(el('span', 'spinner'));
  loading.appendChild(el('span', '', 'Loading…'));
  loading.lastChild.dataset.i18n = 'map.loading';

  // The one other host the page may load from: the server's
  // Content-Security-Policy allows its images (api/security.go, tileHost).
  var tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
  });
  var tileErrors = 0;
  tiles.on('tileerror', function () {
    tileErrors++;
    $('tiles-notice').hidden = false;
  });
  tiles.on('load', function () { if (!tileErrors) { $('tiles-notice').hidden = true; } });
  tiles.on('remove', function () { tileErrors = 0; $('tiles-notice').hidden = true; });

  var boundaryLayer = L.geoJSON(null, {
    style: { color: '#4a5560', weight: 1.5, fillColor: '#fbfaf4', fillOpacity: 0.9 },
    pane: 'reference', interactive: false
  }).addTo(map);
  var bordersLayer = L.geoJSON(null, {
    style: { color: '#b23b3b', weight: 2, dashArray: '6 4' },
    pane: 'reference', interactive: false
  }).addTo(map);
  // seatName is a league seat's label: the page's own translation of the
  // league (keyed by its GB/T 2260 code), else its names.
  function seatName(f) {
    var key = 'place.' + f.id;
    return Object.prototype.hasOwnProperty.call(strings, key) ? t(key) : nameOf(f.properties || {});
  }
  var seatsLayer = L.geoJSON(null, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {
        radius: 3, color: '#333', weight: 1, fillColor: '#333', fillOpacity: 1,
        className: 'seat-marker', pane: 'seats', interactive: false
      });
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(el('span', '', seatName(f)), {
        permanent: true, direction: 'right', className: 'seat-label', offset: [4, 0]
      });
    }
  }).addTo(map);
  var placesLayer = L.layerGroup().addTo(map);
  var circleLayer = L.geoJSON(null, {
    style: { color: '#1f5fa8', weight: 2, fillColor: '#1f5fa8', fillOpacity: 0.1, className: 'service-circle' },
    pane: 'circle', interactive: false
  }).addTo(map);
  var linesLayer = L.layerGroup().addTo(map);
  var stationsLayer = L.layerGroup().addTo(map);
  var queryLayer = L.layerGroup().addTo(map);
  var youLayer = L.layerGroup().addTo(map);
  var tripLayer = L.layerGroup().addTo(map); // a route tapped on the map
  L.control.scale({ imperial: false }).addTo(map);

  // The legend and layer switches: a map button that opens #legend-box.
  // Built from nodes, not Leaflet's layer control, whose labels are HTML.
  var LegendControl = L.Control.extend({
    options: { position: 'topright' },
    onAdd: function () {
      var b = el('button', 'map-button legend-button', el('span', '', ''));
      b.type = 'button';
      b.id = 'legend-open';
      b.firstChild.dataset.i18n = 'legend.button';
      b.setAttribute('aria-controls', 'legend-box');
      b.setAttribute('aria-expanded', 'false');
      L.DomEvent.disableClickPropagation(b);
      b.addEventListener('click', function () { toggleLegend(); });
      return b;
    }
  });
  map.addControl(new LegendControl());

  var LAYER_SWITCHES = [
    ['tiles', tiles, false], ['boundary', boundaryLayer, true], ['borders', bordersLayer, true],
    ['seats', seatsLayer, true], ['places', placesLayer, true], ['stations', stationsLayer, true]
  ];
  function toggleLegend(force) {
    var box = $('legend-box');
    var open = force === undefined ? box.hidden : force;
    box.hidden = !open;
    $('legend-open').setAttribute('aria-expanded', String(open));
  }
  $('legend-close').addEventListener('click', function () { toggleLegend(false); });

  function drawLegend() {
    var list = $('legend');
    list.replaceChildren();
    KINDS.forEach(function (k) {
      list.appendChild(el('li', 'legend-kind', shapeIcon(k[0]), t('kind.' + k[0])));
    });
    list.appendChild(el('li', '', shapeIcon('driver_home', true), t('legend.inactive')));
    list.appendChild(el('li', '', el('span', 'marker-sample', shapeIcon('rest_stop'), el('span', 'count', '6')), t('legend.group')));
    list.appendChild(el('li', '', el('span', 'sample sample-query'), t('legend.query')));
    list.appendChild(el('li', '', el('span', 'sample sample-circle'), t('legend.circle')));
    list.appendChild(el('li', '', el('span', 'sample sample-you'), t('legend.you')));
    list.appendChild(el('li', '', el('span', 'sample sample-border'), t('legend.border')));
    list.appendChild(el('li', '', el('span', 'sample sample-boundary'), t('legend.boundary')));
    list.appendChild(el('li', '', el('span', 'sample sample-town'), t('legend.town')));
    var sw = $('layer-switches');
    sw.replaceChildren();
    LAYER_SWITCHES.forEach(function (s) {
      var cb = el('input');
      cb.type = 'checkbox';
      cb.id = 'layer-' + s[0];
      cb.checked = map.hasLayer(s[1]);
      cb.addEventListener('change', function () {
        if (cb.checked) { s[1].addTo(map); } else { s[1].remove(); }
        if (s[0] === 'places') { drawPlaces(); }
      });
      sw.appendChild(el('label', 'check', cb, t(s[0] === 'tiles' ? 'tiles.layer' : 'layer.' + s[0])));
    });
  }

  function loadLayer(name, layer, fit) {
    return getJSON(apiURL('v1/layers/' + name)).then(function (fc) {
      layer.clearLayers();
      layer.addData(fc);
      if (fit && !initialView && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    });
  }

  // ---------- town names (places layer) ----------

  var places = null;        // the places layer's features, once loaded
  var placesLoad = null;

  function loadPlaces() {
    if (!placesLoad) {
      placesLoad = getJSON(apiURL('v1/layers/places')).then(function (fc) {
        places = fc.features || [];
        return places;
      }).catch(function (err) { placesLoad = null; throw err; });
    }
    return placesLoad;
  }

  // placeName is a town's name for lang: Chinese for zh, else the Latin
  // GeoNames name (ru and mn fall back to Latin, see NAME_FALLBACK).
  function placeName(p) {
    if (lang === 'zh') { return p.name_zh || p.name || ''; }
    return p.name || p.asciiname || p.name_zh || '';
  }

  // drawPlaces labels the towns in view from PLACES_ZOOM on, so that the
  // map reads without tiles; the largest towns first, at most PLACES_MAX.
  function drawPlaces() {
    placesLayer.clearLayers();
    if (map.getZoom() < PLACES_ZOOM || !map.hasLayer(placesLayer)) { return; }
    loadPlaces().then(function () {
      placesLayer.clearLayers();
      if (map.getZoom() < PLACES_ZOOM) { return; }
      var b = map.getBounds();
      var shown = places.filter(function (f) {
        var c = f.geometry && f.geometry.coordinates;
        return c && b.contains([c[1], c[0]]);
      }).sort(function (x, y) { return (y.properties.population || 0) - (x.properties.population || 0); })
        .slice(0, PLACES_MAX);
      shown.forEach(function (f) {
        var c = f.geometry.coordinates;
        L.marker([c[1], c[0]], {
          icon: L.divIcon({ className: 'place-label', html: el('span', '', placeName(f.properties || {})), iconSize: null }),
          interactive: false, keyboard: false, pane: 'places'
        }).addTo(placesLayer);
      });
    }).catch(function () { /* the towns are an aid; the map works without them */ });
  }

  // ---------- stations in view ----------

  var stationsAbort = null;
  var stationsTimer = null;
  // stationsWaiting counts the loads scheduled or in flight, so that a
  // caller (the browser tests) can tell when the markers match the view.
  var stationsWaiting = 0;
  var lastStations = null;
  var nearestAfterStations = 0; // a query waiting for the saved stations (offline)

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function viewBBox() {
    var b = map.getBounds().pad(0.25);
    var w = b.getWest(), e = b.getEast();
    if (e - w >= 360) { w = -180; e = 180; }
    return [clamp(w, -180, 180), clamp(b.getSouth(), -90, 90), clamp(e, -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(function (v) { return v.toFixed(2); }).join(',');
  }

  function filterParams(f) {
    var params = [];
    if (f.kind) { params.push(['kind', f.kind]); }
    f.amenities.forEach(function (a) { params.push(['amenity', a]); });
    if (f.openNow) { params.push(['open_now', 'true']); }
    // Planned and closed records are no place to go unless asked for;
    // the server leaves them out during the search, so k stays k.
    if (!f.inactive) { params.push(['status', 'open']); }
    params.push(['lang', f.lang]);
    return params;
  }

  function loadStations() {
    if (stationsAbort) { stationsAbort.abort(); }
    var abort = new AbortController();
    stationsAbort = abort;
    stationsWaiting++;
    var f = filters();
    var params = [['bbox', viewBBox()], ['limit', String(STATION_LIMIT)]].concat(filterParams(f));
    return getJSON(apiURL('v1/stations', params), abort.signal).finally(function () {
      stationsWaiting--;
    }).then(function (fc) {
      if (abort !== stationsAbort) { return; }
      lastStations = fc;
      drawStations();
      if (nearestAfterStations && nearestAfterStations === querySeq && query) {
        nearestAfterStations = 0;
        drawNearest(localNearest(query), false, true);
        setBusy(false);
      }
    }).catch(function (err) { showError(err, loadStations); });
  }

  // groupsOf gathers features that share a coordinate (to 1e-5°, about a
  // metre): five or six records share each town's point, and the map shows
  // one marker for them that lists them all.
  function groupsOf(features) {
    var byKey = {};
    var out = [];
    features.forEach(function (f) {
      if (!f.geometry || f.geometry.type !== 'Point') { return; }
      var c = f.geometry.coordinates;
      var key = c[1].toFixed(5) + ',' + c[0].toFixed(5);
      if (!byKey[key]) {
        byKey[key] = { key: key, lat: c[1], lon: c[0], features: [] };
        out.push(byKey[key]);
      }
      byKey[key].features.push(f);
    });
    // A group shows the kind a driver most wants first (KINDS order), open
    // records before planned and closed ones.
    var rank = function (f) {
      var p = f.properties || {};
      var i = KINDS.findIndex(function (k) { return k[0] === p.kind; });
      return (isInactive(p) ? 100 : 0) + (i < 0 ? 50 : i);
    };
    out.forEach(function (g) { g.features.sort(function (a, b) { return rank(a) - rank(b) || (a.id < b.id ? -1 : 1); }); });
    return out;
  }

  var groups = [];

  function drawStations() {
    if (!lastStations) { return; }
    var f = filters();
    stationsLayer.clearLayers();
    var features = (lastStations.features || []).filter(function (x) { return f.inactive || !isInactive(x.properties || {}); });
    groups = groupsOf(features);
    groups.forEach(function (g) {
      var top = g.features[0].properties || {};
      var n = g.features.length;
      var inactive = g.features.every(function (x) { return isInactive(x.properties || {}); });
      var body = el('span', 'marker-body', shapeIcon(top.kind, inactive), n > 1 ? el('span', 'count', String(n)) : null);
      var names = g.features.map(function (x) { return nameOf(x.properties || {}); });
      var m = L.marker([g.lat, g.lon], {
        icon: L.divIcon({
          className: 'station-marker kind-' + top.kind + (inactive ? ' inactive' : '') + (n > 1 ? ' group' : ''),
          html: body, iconSize: [44, 44]
        }),
        pane: 'stations', keyboard: true, riseOnHover: true
      });
      m.bindTooltip(el('span', 'station-name', names.join(' · ')), { direction: 'top', offset: [0, -14] });
      m.on('add', function () {
        var e = m.getElement();
        if (!e) { return; }
        e.dataset.ids = g.features.map(function (x) { return x.id; }).join(' ');
        e.dataset.count = String(n);
        e.setAttribute('aria-label', names.join(', '));
        e.setAttribute('role', 'button');
      });
      // A tap on a marker searches from where it landed, as a tap beside
      // it would. Zoomed out, where markers crowd, that is all it does (and
      // the map zooms to the answers); closer in it also opens the card of
      // what is there.
      m.on('click', function (ev) {
        var ll = ev.originalEvent ? map.mouseEventToLatLng(ev.originalEvent) : L.latLng(g.lat, g.lon);
        var close = map.getZoom() >= MARKER_CARD_ZOOM;
        if (view === 'find') { setQuery(L.Util.wrapNum(ll.lng, [-180, 180], true), ll.lat, { fit: !close }); }
        if (close || view !== 'find') { openGroup(g); }
      });
      m.stationGroup = g;
      m.addTo(stationsLayer);
    });
    var total = lastStations.numberMatched;
    $('status').textContent = typeof total === 'number' && total > features.length
      ? t('status.in_view_of', { n: features.length, total: total })
      : t('status.in_view', { n: features.length });
  }

  function scheduleStations() {
    if (stationsTimer === null) { stationsWaiting++; }
    clearTimeout(stationsTimer);
    stationsTimer = setTimeout(function () {
      stationsTimer = null;
      stationsWaiting--;
      loadStations();
    }, 250);
  }
  map.on('moveend', function () {
    scheduleStations();
    drawPlaces();
    writeURL(false);
  });

  // ---------- the query point: nearest list and service circle ----------

  var query = null;   // {lon, lat}
  var querySeq = 0;   // answers to older queries are dropped
  var lastNearest = null;

  // setQuery makes (lon, lat) the query point and lists what is nearest.
  // opts.fit (default true) zooms to show the point and its answers;
  // opts.crs asks the API to read the point in that system (gcj02, bd09).
  function setQuery(lon, lat, opts) {
    opts = opts || {};
    query = { lon: lon, lat: lat, crs: opts.crs || '' };
    drawQueryPoint();
    if (!opts.noHistory) { writeURL(true); }
    runQuery(opts.fit !== false);
  }

  function drawQueryPoint() {
    queryLayer.clearLayers();
    if (!query) { $('query-info').textContent = ''; return; }
    L.marker([query.lat, query.lon], {
      icon: L.divIcon({ className: 'query-marker', iconSize: [22, 22] }),
      keyboard: false, interactive: false
    }).addTo(queryLayer);
    $('query-info').textContent = t('nearest.from', { lat: formatLat(query.lat), lon: formatLon(query.lon) });
  }

  function setBusy(on) {
    $('nearest-busy').hidden = !on;
    $('nearest-list').setAttribute('aria-busy', String(on));
  }

  function runQuery(fit) {
    if (!query) { return; }
    var seq = ++querySeq;
    var f = filters();
    var q = query;
    var lonlat = [['lon', q.lon.toFixed(6)], ['lat', q.lat.toFixed(6)]];
    if (q.crs) { lonlat.push(['crs', q.crs]); }
    // By travel time: on the roads where the server has a network (each
    // answer then has duration_s and road_distance_m), else the same as
    // by distance.
    var np = lonlat.concat([['k', String(K)], ['by', 'time'], ['mode', f.mode]]).concat(filterParams(f));
    var cp = [['lon', q.lon.toFixed(6)], ['lat', q.lat.toFixed(6)], ['minutes', String(MINUTES)], ['mode', f.mode]];

    setBusy(true);
    clearError();
    $('hint').hidden = true;
    // A point the roads do not reach (no usable road near it, or outside
    // the server's network) is refused by its position: ask again by
    // distance, and for the circle (a bad position fails again, as it should).
    var byDistance = lonlat.concat([['k', String(K)]]).concat(filterParams(f));
    var offRoad = function (err) { return err && err.kind === 'http' && err.status === 400 && err.param === 'lon'; };
    var nearest = getJSON(apiURL('v1/stations/nearest', np)).then(function (fc) {
      // No record reachable on the roads: the nearest by distance still helps.
      if (fc && fc.method === 'network' && !(fc.features || []).length) { return getJSON(apiURL('v1/stations/nearest', byDistance)); }
      return fc;
    }, function (err) {
      if (!offRoad(err)) { throw err; }
      return getJSON(apiURL('v1/stations/nearest', byDistance));
    }).then(function (fc) {
      if (seq !== querySeq) { return null; }
      var features = fc.features || [];
      if (q.crs) { features = toWGS84(q, features, fc.query || {}); }
      drawNearest(features, fit, savedAnswers.has(fc));
      return features;
    }).catch(function (err) {
      if (seq !== querySeq) { return null; }
      // Offline with stations saved: the nearest among them, measured
      // here (once they are in, when they are still on their way).
      if (err.kind === 'network' && !q.crs) {
        if (lastStations) { drawNearest(localNearest(q), fit, true); } else { nearestAfterStations = seq; }
        return null;
      }
      $('nearest-list').replaceChildren();
      linesLayer.clearLayers();
      showError(err, function () { runQuery(fit); });
      return null;
    }).then(function (v) { if (seq === querySeq) { setBusy(false); } return v; });

    // The area reachable in MINUTES: on the roads where the server has a
    // network, else the straight-line service circle (method says which).
    var circle = q.crs ? Promise.resolve(null) : getJSON(apiURL('v1/reach', cp)).catch(function (err) {
      if (!offRoad(err)) { throw err; }
      return getJSON(apiURL('v1/circle', cp));
    }).then(function (feature) {
      if (seq !== querySeq) { return null; }
      circleLayer.clearLayers();
      circleLayer.addData(feature);
      var p = feature.properties || {};
      var info = '';
      if (p.method === 'network' && typeof p.area_km2 === 'number') {
        info = t('reach.info', { minutes: MINUTES, mode: t('mode.' + f.mode), area: t('units.km2', { n: number(p.area_km2, 1) }),
          roads: formatDistance(p.road_length_m || 0) });
      } else if (typeof p.radius_m === 'number') {
        info = t('circle.info', { minutes: MINUTES, mode: t('mode.' + f.mode), radius: formatDistance(p.radius_m),
          speed: p.speed_kmh, circuity: p.circuity });
      }
      $('circle-info').textContent = info;
      $('circle-info').dataset.method = p.method || '';
      return feature;
    }).catch(function () {
      if (seq !== querySeq) { return null; }
      circleLayer.clearLayers();
      $('circle-info').textContent = '';
      return null;
    });

    Promise.all([nearest, circle]).then(function () {
      if (seq !== querySeq || !fit) { return; }
      fitQuery();
    });
  }

  // toWGS84 places the answers to a query read in another system (crs):
  // the API measured distances from the true point, so each answer is put
  // where the map (WGS-84) has it, and the query point where the API says
  // it is (query.wgs84); from a server that does not say, it is placed
  // back from the nearest answer along its distance and bearing.
  function toWGS84(q, features, echo) {
    var known = {};
    (lastStations && lastStations.features || []).concat(searchStations || []).forEach(function (f) { known[f.id] = f; });
    var out = features.map(function (f) {
      var k = known[f.id];
      return k ? Object.assign({}, f, { geometry: k.geometry }) : f;
    });
    var first = out[0];
    if (Array.isArray(echo.wgs84) && echo.wgs84.length === 2 && isFinite(echo.wgs84[0]) && isFinite(echo.wgs84[1])) {
      query = { lon: echo.wgs84[0], lat: echo.wgs84[1], crs: '' };
      drawQueryPoint();
      writeURL(false);
    } else if (first && known[first.id] && typeof first.properties.distance_m === 'number') {
      var c = first.geometry.coordinates;
      var back = L.latLng(c[1], c[0]);
      var d = first.properties.distance_m / EARTH_RADIUS_M, b = (first.properties.bearing_deg + 180) * Math.PI / 180;
      var p1 = back.lat * Math.PI / 180, l1 = back.lng * Math.PI / 180;
      var p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
      var l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
      query = { lat: p2 * 180 / Math.PI, lon: l2 * 180 / Math.PI, crs: '' };
      drawQueryPoint();
      writeURL(false);
    }
    return out;
  }

  // localNearest is the nearest of the saved stations in view to q,
  // measured on this device (offline), each with distance_m and bearing_deg.
  function localNearest(q) {
    var f = filters();
    return (lastStations.features || []).filter(function (x) {
      var p = x.properties || {};
      return (f.inactive || !isInactive(p)) && (!f.kind || p.kind === f.kind) &&
        f.amenities.every(function (a) { return (p.amenities || []).indexOf(a) >= 0; });
    }).map(function (x) {
      var c = x.geometry.coordinates;
      var db = distanceBearing(q, { lat: c[1], lon: c[0] });
      var props = Object.assign({}, x.properties, { distance_m: db.meters, bearing_deg: db.bearing });
      return Object.assign({}, x, { properties: props });
    }).sort(function (a, b) { return a.properties.distance_m - b.properties.distance_m; }).slice(0, K);
  }

  // fitQuery shows the query point, its answers and its circle, zoomed
  // in as far as they allow (a search from the whole-province view zooms
  // to the town).
  function fitQuery() {
    if (!query) { return; }
    var b = L.latLngBounds([[query.lat, query.lon]]);
    (lastNearest || []).forEach(function (f) { var c = f.geometry.coordinates; b.extend([c[1], c[0]]); });
    var cb = circleLayer.getBounds();
    if (cb.isValid()) { b.extend(cb); }
    map.fitBounds(b, { padding: [24, 24], maxZoom: FIT_MAX_ZOOM });
  }

  function resultItem(f, offline) {
    var p = f.properties || {};
    var hs = hoursState(p);
    var li = el('li', 'nearest-item' + (isInactive(p) ? ' inactive' : ''));
    li.tabIndex = 0;
    li.dataset.id = f.id;
    li.dataset.kind = p.kind;
    if (typeof p.distance_m === 'number') { li.dataset.meters = String(p.distance_m); }
    var line = el('div', 'line',
      shapeIcon(p.kind, isInactive(p)),
      el('span', 'name', nameOf(p)),
      el('span', 'distance', typeof p.distance_m === 'number' ? formatDistance(p.distance_m) : ''),
      el('span', 'bearing', typeof p.bearing_deg === 'number' ? formatBearing(p.bearing_deg) : ''));
    li.appendChild(line);
    var travel = travelText(p);
    if (travel) { li.appendChild(el('div', 'travel', travel)); }
    li.appendChild(el('div', 'meta',
      el('span', 'kind', kindLabel(p.kind)),
      el('span', 'hours' + (hs.open === true ? ' is-open' : hs.open === false ? ' is-closed' : ''), hs.text),
      offline ? el('span', 'offline-mark', t('offline.mark')) : null));
    if (p.amenities && p.amenities.length) {
      li.appendChild(el('div', 'amenities', p.amenities.map(function (a) {
        return el('span', 'amenity', el('span', 'icon', amenityIcon[a] || ''), amenityIcon[a] ? t('amenity.' + a) : a);
      })));
    }
    var open = function () { openCard(f); };
    li.addEventListener('click', open);
    li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } });
    return li;
  }

  function drawNearest(features, fit, offline) {
    var f = filters();
    if (!f.inactive) { features = features.filter(function (x) { return !isInactive(x.properties || {}); }); }
    features = features.slice(0, K);
    lastNearest = features;
    var list = $('nearest-list');
    list.replaceChildren();
    linesLayer.clearLayers();
    $('nearest-offline').hidden = !offline;
    if (!features.length) {
      list.appendChild(el('li', 'nearest-empty', t('nearest.empty')));
      return;
    }
    features.forEach(function (x) {
      var p = x.properties || {};
      var c = x.geometry.coordinates;
      list.appendChild(resultItem(x, offline));
      L.polyline([[query.lat, query.lon], [c[1], c[0]]], {
        color: kindColor(p.kind), weight: 1.5, dashArray: '4 4', interactive: false, className: 'nearest-line',
        pane: 'circle'
      }).addTo(linesLayer);
    });
    // On a phone the list is under the map: bring its start into the
    // panel's view so that the answer is on screen without scrolling.
    var heading = $('nearest-heading');
    if (heading && heading.scrollIntoView) { heading.scrollIntoView({ block: 'nearest' }); }
  }

  // ---------- the station card ----------

  var cardStation = '';     // id of the record the card shows, '' when closed
  var cardGroup = null;     // the co-located group the card came from
  var cardSeq = 0;

  function closeCard(noHistory) {
    $('card').hidden = true;
    $('card-body').replaceChildren();
    document.body.classList.remove('card-open');
    var had = cardStation;
    cardStation = '';
    cardGroup = null;
    if (had && !noHistory) { writeURL(true); }
  }
  $('card-close').addEventListener('click', function () { closeCard(false); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && !$('card').hidden) { closeCard(false); }
  });

  function showCard(title, body) {
    $('card-title').textContent = title;
    $('card-body').replaceChildren(body);
    $('card').hidden = false;
    $('card').scrollTop = 0;
    document.body.classList.add('card-open');
  }

  // openGroup opens the card of a marker: the record itself, or the list
  // of every record at that point when several share it.
  function openGroup(g) {
    if (g.features.length === 1) { openCard(g.features[0], { group: null }); return; }
    cardGroup = g;
    var had = cardStation;
    cardStation = '';
    var list = el('ul', 'group-list');
    g.features.forEach(function (f) {
      var p = f.properties || {};
      var b = el('button', 'group-item' + (isInactive(p) ? ' inactive' : ''),
        shapeIcon(p.kind, isInactive(p)),
        el('span', 'group-text', el('span', 'name', nameOf(p)),
          el('span', 'kind', kindLabel(p.kind) + (isInactive(p) ? ' · ' + t('status.' + p.status) : ''))));
      b.type = 'button';
      b.dataset.id = f.id;
      b.addEventListener('click', function () { openCard(f, { group: g }); });
      list.appendChild(el('li', '', b));
    });
    showCard(t('card.here_list', { n: g.features.length }), el('div', 'card-group', list));
    $('card').dataset.mode = 'group';
    if (had) { writeURL(true); }
  }

  // openCard shows the card of the record f (a Feature).
  function openCard(f, opts) {
    opts = opts || {};
    if (opts.group !== undefined) { cardGroup = opts.group; }
    var changed = cardStation !== f.id;
    cardStation = f.id;
    var seq = ++cardSeq;
    var body = cardContent(f, seq);
    showCard(nameOf(f.properties || {}), body);
    $('card').dataset.mode = 'station';
    $('card').dataset.id = f.id;
    if (changed && !opts.noHistory) { writeURL(true); }
  }

  // openStation opens the card of the record with id, asking the API for
  // it, and shows it on the map.
  function openStation(id, opts) {
    opts = opts || {};
    return getJSON(apiURL('v1/stations/' + encodeURIComponent(id), [['lang', lang]])).then(function (f) {
      var c = f.geometry.coordinates;
      if (opts.pan) { map.setView([c[1], c[0]], Math.max(map.getZoom(), CARD_ZOOM), { animate: false }); }
      openCard(f, { noHistory: opts.noHistory, group: null });
    }).catch(function (err) { showError(err, function () { openStation(id, opts); }); });
  }

  function factRow(text, className) { return el('li', className || '', text); }

  // cardContent builds the card of a record: what it is and whether it is
  // open, what it has, how far, where exactly, how to call, how to get
  // there and how to share it; its provenance behind a toggle.
  function cardContent(f, seq) {
    var p = f.properties || {};
    var c = f.geometry.coordinates;
    var pos = { lat: c[1], lon: c[0] };
    var name = nameOf(p);
    var hs = hoursState(p);
    var box = el('div', 'card-station');
    if (cardGroup && cardGroup.features.length > 1) {
      var back = el('button', 'card-back', '‹ ' + t('card.back'));
      back.type = 'button';
      var g = cardGroup;
      back.addEventListener('click', function () { openGroup(g); });
      box.appendChild(back);
    }
    box.appendChild(el('p', 'card-kind', shapeIcon(p.kind, isInactive(p)), kindLabel(p.kind),
      el('span', 'badge status-' + (p.status || 'open'), t('status.' + (p.status || 'open')))));
    if (isInactive(p)) { box.appendChild(el('p', 'card-warn', t('card.inactive_warn'))); }
    else { box.appendChild(el('p', 'card-hours' + (hs.open === true ? ' is-open' : hs.open === false ? ' is-closed' : ''), hs.text)); }
    if (p.opening_hours && hs.open !== null && p.opening_hours !== '24/7') {
      box.appendChild(el('p', 'hint', t('hours.schedule', { hours: p.opening_hours })));
    }
    if (query) {
      var db = distanceBearing(query, pos);
      box.appendChild(el('p', 'card-distance', t('card.distance', { distance: formatDistance(db.meters), bearing: formatBearing(db.bearing) })));
      var found = (lastNearest || []).filter(function (x) { return x.id === f.id; })[0];
      var travel = travelText((found && found.properties) || p);
      if (travel) { box.appendChild(el('p', 'card-travel', t('card.travel', { travel: travel, mode: t('mode.' + filters().mode) }))); }
    }
    if (p.amenities && p.amenities.length) {
      box.appendChild(el('ul', 'card-amenities', p.amenities.map(function (a) {
        return el('li', 'amenity', el('span', 'icon', amenityIcon[a] || '•'), amenityIcon[a] ? t('amenity.' + a) : a);
      })));
    }
    var facts = el('ul', 'card-facts');
    if (typeof p.beds === 'number') { facts.appendChild(factRow(t('card.beds', { n: number(p.beds) }))); }
    if (typeof p.truck_parking_spaces === 'number') { facts.appendChild(factRow(t('card.truck_spaces', { n: number(p.truck_parking_spaces) }))); }
    if (typeof p.capacity_per_day === 'number') { facts.appendChild(factRow(t('card.capacity', { n: number(p.capacity_per_day) }))); }
    if (typeof p.area_m2 === 'number') { facts.appendChild(factRow(t('card.area', { n: number(p.area_m2) }))); }
    if (p.languages && p.languages.length) {
      facts.appendChild(factRow(t('card.languages', { langs: p.languages.map(function (l) { return LANGS.indexOf(l) >= 0 ? t('langname.' + l) : l; }).join(', ') })));
    }
    if (p.port) {
      var country = p.port.country === 'MN' || p.port.country === 'RU' ? t('country.' + p.port.country) : (p.port.country || '');
      if (country) { facts.appendChild(factRow(t('card.port', { country: country }), 'port')); }
      if (p.port.modes && p.port.modes.length) {
        facts.appendChild(factRow(t('card.modes', { modes: p.port.modes.map(function (m) { return ['road', 'rail', 'air'].indexOf(m) >= 0 ? t('portmode.' + m) : m; }).join(', ') }), 'port'));
      }
      if (p.port.hours) { facts.appendChild(factRow(t('card.port_hours', { hours: p.port.hours }), 'port')); }
    }
    if (p.address) { facts.appendChild(factRow(t('card.address', { address: p.address }))); }
    if (p.region) { facts.appendChild(factRow(t('card.region', { region: p.region }))); }
    if (facts.childNodes.length) { box.appendChild(facts); }

    var tel = telURL(p.phone);
    if (tel) { box.appendChild(el('p', '', link(tel, t('card.call', { phone: p.phone }), 'button call'))); }
    else if (p.phone) { box.appendChild(el('p', 'card-phone', t('card.phone', { phone: p.phone }))); }

    if (!isInactive(p)) {
      box.appendChild(el('h3', '', t('card.navigate')));
      var nav = el('div', 'nav-links');
      navLinks(pos, name, null).forEach(function (l) { nav.appendChild(link(l[1], t(l[0]), 'button nav nav-' + l[2])); });
      box.appendChild(nav);
      box.appendChild(el('p', 'hint', t('nav.truck_note')));
    }

    // Coordinates to copy: WGS-84 here, GCJ-02 from the API (crs=gcj02).
    box.appendChild(el('h3', '', t('card.coords')));
    var wgs = pos.lat.toFixed(6) + ', ' + pos.lon.toFixed(6);
    var gcjValue = el('code', 'coord-value', t('card.gcj_loading'));
    var gcjRow = el('div', 'coord-row coord-gcj02', el('span', 'coord-label', t('card.gcj02')), gcjValue);
    box.appendChild(el('div', 'coords',
      el('div', 'coord-row coord-wgs84', el('span', 'coord-label', t('card.wgs84')), el('code', 'coord-value', wgs), copyButton(wgs)),
      gcjRow));
    getJSON(apiURL('v1/stations/' + encodeURIComponent(f.id), [['crs', 'gcj02']])).then(function (g) {
      if (seq !== cardSeq) { return; }
      var gc = g && g.geometry && g.geometry.coordinates;
      if (!gc) { throw new Error('no geometry'); }
      // Amap takes GCJ-02 as it is: lon,lat.
      var text = gc[0].toFixed(6) + ',' + gc[1].toFixed(6);
      gcjValue.textContent = text;
      gcjRow.appendChild(copyButton(text));
      if (!isInactive(p)) {
        var nav = box.querySelector('.nav-links');
        navLinks(pos, name, { lon: gc[0], lat: gc[1] }).filter(function (l) { return l[2] === 'amap-route'; })
          .forEach(function (l) { nav.insertBefore(link(l[1], t(l[0]), 'button nav nav-' + l[2]), nav.children[1] || null); });
      }
    }).catch(function () {
      if (seq !== cardSeq) { return; }
      gcjValue.textContent = t('card.gcj_unavailable');
      gcjRow.classList.add('unavailable');
    });

    // Share: a link that reopens this card in this language.
    var share = shareURL(f.id);
    var shareBtn = el('button', 'button share', t('card.share'));
    shareBtn.type = 'button';
    shareBtn.id = 'card-share';
    shareBtn.addEventListener('click', function () {
      if (navigator.share) {
        navigator.share({ title: name, text: t('card.share_text', { name: name }), url: share.href }).catch(function () {});
        return;
      }
      copyText(share.href, shareBtn, t('card.share_copied'));
    });
    box.appendChild(el('div', 'share-row', shareBtn, link(share, share.href, 'share-link')));

    var src = [p.source, p.operator ? t('card.operator', { name: p.operator }) : '', p.updated_at ? t('card.updated', { date: p.updated_at.slice(0, 10) }) : '']
      .filter(Boolean);
    if (src.length) {
      box.appendChild(el('details', 'card-source', el('summary', '', t('card.source')),
        src.map(function (s) { return el('p', 'hint', s); })));
    }
    return box;
  }

  // telURL is a tel: URL for a phone number as records write it, or null.
  function telURL(phone) {
    if (!phone) { return null; }
    var digits = String(phone).replace(/[\s().-]/g, '');
    if (!/^\+?\d{3,20}$/.test(digits)) { return null; }
    return new URL('tel:' + digits);
  }

  // navLinks are the ways to navigate to pos (WGS-84) named name, each
  // [label key, URL, id] and each in the coordinate system its target
  // reads: Amap's marker and Baidu's marker take WGS-84 when told
  // (coordinate=wgs84, coord_type=wgs84); Amap's route planner reads only
  // GCJ-02, so it is offered when the API gives gcj (GCJ-02 of pos); geo:
  // and OpenStreetMap are WGS-84. Names are encoded by the URL API.
  function navLinks(pos, name, gcj) {
    var lat = pos.lat.toFixed(6), lon = pos.lon.toFixed(6);
    var out = [];
    var amap = new URL('https://uri.amap.com/marker');
    amap.searchParams.set('position', lon + ',' + lat);
    amap.searchParams.set('name', name);
    amap.searchParams.set('coordinate', 'wgs84');
    amap.searchParams.set('src', 'yizhan');
    amap.searchParams.set('callnative', '1');
    out.push(['nav.amap', amap, 'amap']);
    if (gcj) {
      var route = new URL('https://uri.amap.com/navigation');
      route.searchParams.set('to', gcj.lon.toFixed(6) + ',' + gcj.lat.toFixed(6) + ',' + name);
      route.searchParams.set('mode', 'car');
      route.searchParams.set('src', 'yizhan');
      route.searchParams.set('callnative', '1');
      out.push(['nav.amap_route', route, 'amap-route']);
    }
    var baidu = new URL('https://api.map.baidu.com/marker');
    baidu.searchParams.set('location', lat + ',' + lon);
    baidu.searchParams.set('title', name);
    baidu.searchParams.set('content', name);
    baidu.searchParams.set('coord_type', 'wgs84');
    baidu.searchParams.set('output', 'html');
    baidu.searchParams.set('src', 'webapp.yizhan.map');
    out.push(['nav.baidu', baidu, 'baidu']);
    // geo: (RFC 5870) with the label Android's map apps show.
    var geo = new URL('geo:' + lat + ',' + lon);
    geo.search = '?q=' + lat + ',' + lon + '(' + encodeURIComponent(name) + ')';
    out.push(['nav.geo', geo, 'geo']);
    var osm = new URL('https://www.openstreetmap.org/');
    osm.searchParams.set('mlat', lat);
    osm.searchParams.set('mlon', lon);
    osm.hash = 'map=16/' + lat + '/' + lon;
    out.push(['nav.osm', osm, 'osm']);
    var dir = new URL('https://www.openstreetmap.org/directions');
    dir.searchParams.set('engine', 'fossgis_osrm_car');
    dir.searchParams.set('route', (query ? query.lat.toFixed(6) + ',' + query.lon.toFixed(6) : '') + ';' + lat + ',' + lon);
    out.push(['nav.osm_route', dir, 'osm-route']);
    return out;
  }

  // shareURL is the page's address that opens the card of id in the
  // current language.
  function shareURL(id) {
    var u = new URL(location.pathname, location.origin);
    u.searchParams.set('lang', lang);
    u.searchParams.set('station', id);
    return u;
  }

  function copyButton(text) {
    var b = el('button', 'copy', t('card.copy'));
    b.type = 'button';
    b.addEventListener('click', function () { copyText(text, b, t('card.copied')); });
    return b;
  }

  function copyText(text, button, done) {
    var label = button.textContent;
    var ok = function () { button.textContent = done; setTimeout(function () { button.textContent = label; }, 2000); };
    var fail = function () { button.textContent = t('card.copy_failed'); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(ok, fail);
    } else {
      fail();
    }
  }

  // popupContent builds a record's popup for the planner and route views:
  // its name, kind, status, hours and amenities, as DOM nodes.
  function popupContent(props) {
    var hs = hoursState(props);
    return el('div', 'station-popup',
      el('h3', '', nameOf(props)),
      el('p', '', kindLabel(props.kind) + (isInactive(props) ? ' — ' + t('status.' + props.status) : '')),
      el('p', '', hs.text),
      props.amenities && props.amenities.length ? el('p', '', amenityList(props.amenities)) : null,
      props.port ? el('p', 'port', props.port.country === 'MN' || props.port.country === 'RU'
        ? t('card.port', { country: t('country.' + props.port.country) }) : props.port.country || '') : null,
      props.port && props.port.hours ? el('p', 'port', t('card.port_hours', { hours: props.port.hours })) : null,
      props.address ? el('p', '', props.address) : null,
      props.region ? el('p', '', props.region) : null,
      props.phone ? el('p', '', '☎ ' + props.phone) : null,
      props.operator ? el('p', '', t('card.operator', { name: props.operator })) : null,
      props.source ? el('p', 'hint', t('card.source') + ': ' + props.source) : null);
  }

  // ---------- search by name or coordinates ----------

  var searchStations = null;   // every record, for the name search
  var searchLoad = null;

  function loadSearch() {
    if (!searchLoad) {
      searchLoad = Promise.all([
        getJSON(apiURL('v1/stations', [['limit', String(STATION_LIMIT)], ['lang', lang]])).then(function (fc) { searchStations = fc.features || []; }),
        loadPlaces()
      ]).catch(function (err) { searchLoad = null; throw err; });
    }
    return searchLoad;
  }

  function norm(s) { return String(s || '').toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[\s\-'’·.,()（）]/g, ''); }

  // parseCoords reads "43.65, 111.98" (lat, lon, as GPS apps write it) or
  // "111.98,43.65" (lon, lat, as Amap and Baidu copy it): in China the
  // larger number is the longitude. Returns {lat, lon, lonFirst} or null.
  function parseCoords(s) {
    var m = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,，;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(s);
    if (!m) { return null; }
    var a = parseFloat(m[1]), b = parseFloat(m[2]);
    var lonFirst = Math.abs(a) > 90 || (Math.abs(a) > Math.abs(b) && Math.abs(b) <= 90);
    var lat = lonFirst ? b : a, lon = lonFirst ? a : b;
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) { return null; }
    return { lat: lat, lon: lon, lonFirst: lonFirst };
  }

  // searchMatches are the records, towns and league seats whose names (in
  // any of the four languages) contain the query, best first.
  function searchMatches(q) {
    var n = norm(q);
    if (!n) { return []; }
    var out = [];
    var score = function (names) {
      var best = 0;
      names.forEach(function (x) {
        var v = norm(x);
        if (!v) { return; }
        if (v === n) { best = Math.max(best, 3); } else if (v.indexOf(n) === 0) { best = Math.max(best, 2); } else if (v.indexOf(n) >= 0) { best = Math.max(best, 1); }
      });
      return best;
    };
    (searchStations || []).forEach(function (f) {
      var p = f.properties || {};
      var names = Object.keys(p.names || {}).map(function (k) { return p.names[k]; }).concat([p.name, f.id]);
      var s = score(names);
      if (s) { out.push({ type: 'station', score: s + 0.5, feature: f, name: nameOf(p) }); }
    });
    seatsLayer.eachLayer(function (layer) {
      var f = layer.feature;
      if (!f) { return; }
      var p = f.properties || {};
      var names = [p.name, p.name_zh, p.league_zh, p.asciiname].concat(p.names_zh_all || []);
      Object.keys(p.names || {}).forEach(function (k) { names.push(p.names[k]); });
      LANGS.forEach(function (l) { var key = 'place.' + f.id; if (l === lang && strings[key]) { names.push(strings[key]); } });
      names = names.concat(seatAliases[f.id] || []);
      var s = score(names);
      if (s) { out.push({ type: 'seat', score: s + 0.25, feature: f, name: seatName(f) }); }
    });
    (places || []).forEach(function (f) {
      var p = f.properties || {};
      var s = score([p.name, p.asciiname, p.name_zh, p.name_ru].concat(p.names_zh_all || []));
      if (s) { out.push({ type: 'place', score: s, feature: f, name: placeName(p) }); }
    });
    out.sort(function (a, b) { return b.score - a.score || a.name.localeCompare(b.name); });
    return out.slice(0, 12);
  }

  // seatAliases are the league names of every language, so that a seat
  // is found by its Russian or Mongolian name whatever language the page
  // is in: filled as the language files load.
  var seatAliases = {};
  function noteSeatAliases(dict) {
    Object.keys(dict).forEach(function (k) {
      if (k.indexOf('place.') !== 0) { return; }
      var id = k.slice(6);
      (seatAliases[id] = seatAliases[id] || []).push(dict[k]);
    });
  }

  function searchResult(text, sub, onPick, className) {
    var b = el('button', 'search-item ' + (className || ''), el('span', 'name', text), sub ? el('span', 'kind', sub) : null);
    b.type = 'button';
    b.addEventListener('click', function () {
      $('search-results').hidden = true;
      onPick();
    });
    return el('li', '', b);
  }

  function runSearch() {
    var q = $('search').value.trim();
    var box = $('search-results');
    box.replaceChildren();
    if (!q) { box.hidden = true; return; }
    box.hidden = false;
    var c = parseCoords(q);
    if (c) {
      var label = t('search.point', { lat: formatLat(c.lat), lon: formatLon(c.lon) });
      // Pasted from Amap or Baidu (lon first) the point is most likely in
      // their offset systems; from a GPS app (lat first), WGS-84.
      var crsList = c.lonFirst ? ['gcj02', 'wgs84', 'bd09'] : ['wgs84', 'gcj02', 'bd09'];
      crsList.forEach(function (crs) {
        box.appendChild(searchResult(label, t('search.crs.' + crs), function () {
          if (crs === 'wgs84') { setQuery(c.lon, c.lat); } else { loadSearch().then(function () { setQuery(c.lon, c.lat, { crs: crs }); }, function (err) { showError(err); }); }
        }, 'crs-' + crs));
      });
      return;
    }
    box.appendChild(el('li', 'search-loading', t('search.loading')));
    loadSearch().then(function () {
      if ($('search').value.trim() !== q) { return; }
      box.replaceChildren();
      var found = searchMatches(q);
      if (!found.length) { box.appendChild(el('li', 'search-none', t('search.none', { q: q }))); return; }
      found.forEach(function (r) {
        var c = r.feature.geometry.coordinates;
        if (r.type === 'station') {
          var p = r.feature.properties || {};
          box.appendChild(searchResult(r.name, kindLabel(p.kind) + (isInactive(p) ? ' · ' + t('status.' + p.status) : ''), function () {
            map.setView([c[1], c[0]], Math.max(map.getZoom(), CARD_ZOOM), { animate: false });
            setQuery(c[0], c[1], { fit: false });
            openCard(r.feature, { group: null });
          }, 'result-station'));
        } else {
          box.appendChild(searchResult(r.name, t(r.type === 'seat' ? 'search.seat' : 'search.place'), function () {
            map.setView([c[1], c[0]], Math.max(map.getZoom(), 10), { animate: false });
            setQuery(c[0], c[1]);
          }, 'result-' + r.type));
        }
      });
    }, function (err) {
      box.replaceChildren();
      showError(err, runSearch);
    });
  }

  var searchTimer = null;
  $('search-form').addEventListener('submit', function (ev) { ev.preventDefault(); clearTimeout(searchTimer); runSearch(); });
  $('search').addEventListener('input', function () { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 250); });
  $('search').addEventListener('focus', function () { loadSearch().catch(function () {}); });

  // ---------- views: Find, Planner, Route ----------

  // The page has three views sharing the map, the filters and the error
  // box. Only Find answers a plain click on the map; the planner views
  // use clicks to draw. Find's overlays are hidden in the other views.
  var VIEWS = ['find', 'planner', 'route'];
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
    $('hint').dataset.i18n = 'hint.' + name;
    $('hint').textContent = t('hint.' + name);
    findOverlays.forEach(function (layer) {
      if (name === 'find') { layer.addTo(map); } else { layer.remove(); }
    });
    if (prev !== name) {
      clearError();
      if (name !== 'find') { closeCard(true); }
      document.dispatchEvent(new CustomEvent('yizhan:view', { detail: { view: name, previous: prev } }));
    }
    if (location.hash !== '#' + name && !(name === 'find' && !location.hash)) {
      history.replaceState(null, '', location.pathname + location.search + (name === 'find' ? '' : '#' + name));
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

  // A tap on the map searches from the tapped point.
  map.on('click', function (ev) {
    if (view !== 'find') { return; }
    if (trip) { tripTap(ev.latlng); return; }
    $('search-results').hidden = true;
    setQuery(L.Util.wrapNum(ev.latlng.lng, [-180, 180], true), ev.latlng.lat);
  });

  // ---------- a route by tapping its start and end ----------

  // trip is the route being tapped: null when off, {from: null} waiting
  // for the start, {from: LatLng} waiting for the end.
  var trip = null;
  var tripSeq = 0;

  function tripSay(key, vars) { $('trip-info').textContent = key ? t(key, vars) : ''; }

  function startTrip() {
    trip = { from: null };
    ++tripSeq;
    tripLayer.clearLayers();
    $('trip-clear').hidden = false;
    document.body.classList.add('tripping');
    tripSay('trip.tap_start');
  }

  function clearTrip() {
    trip = null;
    ++tripSeq;
    tripLayer.clearLayers();
    $('trip-clear').hidden = true;
    document.body.classList.remove('tripping');
    tripSay('');
    delete $('trip-info').dataset.method;
  }

  function tripMarker(latlng, label) {
    L.marker(latlng, { icon: L.divIcon({ className: 'trip-marker', html: '', iconSize: [24, 24] }), keyboard: false, interactive: false })
      .bindTooltip(el('span', '', label), { permanent: true, direction: 'top', className: 'trip-label' })
      .addTo(tripLayer);
  }

  // tripTap takes a tap as the route's start, then as its end, and asks
  // the API for the route between them (on the roads where the server has
  // a network, else the straight line, as method says).
  function tripTap(latlng) {
    var at = L.latLng(latlng.lat, L.Util.wrapNum(latlng.lng, [-180, 180], true));
    if (!trip.from) {
      trip.from = at;
      tripMarker(at, t('trip.start'));
      tripSay('trip.tap_end');
      return;
    }
    var from = trip.from;
    trip = null;
    document.body.classList.remove('tripping');
    tripMarker(at, t('trip.end'));
    tripSay('trip.searching');
    var mode = filters().mode;
    var seq = ++tripSeq;
    var pos = function (p) { return p.lng.toFixed(6) + ',' + p.lat.toFixed(6); };
    getJSON(apiURL('v1/route', [['from', pos(from)], ['to', pos(at)], ['mode', mode]])).then(function (feature) {
      if (seq !== tripSeq) { return; }
      var p = feature.properties || {};
      L.geoJSON(feature, { style: { color: '#d35400', weight: 5, opacity: 0.85, className: 'trip-line' }, interactive: false }).addTo(tripLayer);
      var vars = { time: formatDuration(p.duration_s || 0), distance: formatDistance(p.distance_m || 0), mode: t('mode.' + mode) };
      tripSay(p.method === 'network' ? 'trip.by_road' : 'trip.straight', vars);
      $('trip-info').dataset.method = p.method || '';
      var b = tripLayer.getLayers().length ? L.featureGroup(tripLayer.getLayers()).getBounds() : null;
      if (b && b.isValid()) { map.fitBounds(b, { padding: [24, 24], maxZoom: FIT_MAX_ZOOM }); }
    }).catch(function (err) {
      if (seq !== tripSeq) { return; }
      tripSay('trip.failed', { reason: err.detail || errorText(err) });
    });
  }

  $('trip-start').addEventListener('click', startTrip);
  $('trip-clear').addEventListener('click', clearTrip);

  // ---------- your location ----------

  $('locate').addEventListener('click', function () {
    if (!navigator.geolocation) {
      showError(new Error(t('locate.unsupported')));
      return;
    }
    $('locate').disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      $('locate').disabled = false;
      var lat = pos.coords.latitude, lon = pos.coords.longitude, acc = pos.coords.accuracy || 0;
      youLayer.clearLayers();
      if (acc > 0) {
        L.circle([lat, lon], { radius: acc, color: '#1a73e8', weight: 1, fillColor: '#1a73e8', fillOpacity: 0.12, interactive: false, className: 'you-accuracy' }).addTo(youLayer);
      }
      L.circleMarker([lat, lon], { radius: 8, color: '#fff', weight: 3, fillColor: '#1a73e8', fillOpacity: 1, interactive: false, className: 'you-dot' })
        .bindTooltip(el('span', '', t('locate.you', { accuracy: formatDistance(acc) })), { direction: 'bottom' })
        .addTo(youLayer);
      setQuery(lon, lat);
    }, function (err) {
      $('locate').disabled = false;
      showError(new Error(t('locate.failed', { reason: err.message || String(err.code) })));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // ---------- filters and language ----------

  // Filters change both the markers and the answer; the mode changes only
  // the circle.
  $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); });
  function onFilters() { loadStations(); runQuery(false); writeURL(true); }
  $('kind').addEventListener('change', onFilters);
  $('amenities').addEventListener('change', function () {
    var n = filters().amenities.length;
    $('amenity-count').textContent = n ? '(' + n + ')' : '';
    onFilters();
  });
  $('open-now').addEventListener('change', onFilters);
  $('show-inactive').addEventListener('change', function () { drawStations(); runQuery(false); writeURL(true); });
  $('mode').addEventListener('change', function () { runQuery(false); writeURL(true); });
  $('lang').addEventListener('change', function () { setLang($('lang').value, true); });

  // setLang switches the whole page to l: its strings, <html lang>, the
  // names on the map and in the lists, and the open card.
  function setLang(l, push) {
    l = pickLang(l) || 'en';
    return loadStrings(l).then(function (dict) {
      lang = l;
      strings = dict;
      noteSeatAliases(dict);
      $('lang').value = l;
      applyStrings();
      document.dispatchEvent(new CustomEvent('yizhan:lang', { detail: { lang: l } }));
      if (!started) { return; }
      drawStations();
      seatsLayer.eachLayer(function (layer) {
        if (layer.feature) { layer.setTooltipContent(el('span', '', seatName(layer.feature))); }
      });
      drawPlaces();
      drawQueryPoint();
      if (query) { runQuery(false); }
      if (cardStation) { openStation(cardStation, { noHistory: true }); } else if (cardGroup) { openGroup(cardGroup); }
      if (offlineSince) { noteOffline(offlineSince, ''); }
      writeURL(push);
    }).catch(function (err) { showError(err, function () { setLang(l, push); }); });
  }

  // applyURL makes the page show the state in the URL (at start, and on
  // Back and Forward).
  function applyURL(first) {
    var s = readURL();
    applyingURL = true;
    var done = Promise.resolve();
    if (s.lang && s.lang !== lang) { done = setLang(s.lang, false); }
    return done.then(function () {
      if (s.kind !== $('kind').value) { $('kind').value = s.kind; if ($('kind').value !== s.kind) { $('kind').value = ''; } }
      document.querySelectorAll('#amenities input').forEach(function (cb) { cb.checked = s.amenities.indexOf(cb.value) >= 0; });
      $('amenity-count').textContent = s.amenities.length ? '(' + s.amenities.length + ')' : '';
      $('open-now').checked = s.openNow;
      $('show-inactive').checked = s.inactive;
      $('mode').value = s.mode || 'drive';
      if (!$('mode').value) { $('mode').value = 'drive'; }
      if (s.lat !== null && s.lon !== null && s.z !== null) {
        initialView = true;
        map.setView([s.lat, s.lon], clamp(s.z, 2, 18), { animate: false });
      }
      var sameQuery = query && s.query && Math.abs(query.lat - s.query.lat) < 1e-5 && Math.abs(query.lon - s.query.lon) < 1e-5;
      if (s.query && !sameQuery) {
        query = { lat: s.query.lat, lon: s.query.lon, crs: '' };
        drawQueryPoint();
        runQuery(false);
      } else if (!s.query && query) {
        query = null;
        lastNearest = null;
        drawQueryPoint();
        circleLayer.clearLayers();
        linesLayer.clearLayers();
        $('nearest-list').replaceChildren();
        $('circle-info').textContent = '';
      } else if (!first) {
        loadStations();
      }
      if (s.station && s.station !== cardStation) {
        if (first && s.lat === null) { initialView = true; }
        openStation(s.station, { noHistory: true, pan: first && s.lat === null });
      } else if (!s.station && cardStation) {
        closeCard(true);
      }
    }).then(function () { applyingURL = false; }, function () { applyingURL = false; });
  }
  window.addEventListener('popstate', function () { applyURL(false); });

  // ---------- start ----------

  var started = false;
  var initialView = false;

  // Until the language file arrives the page keeps the English of
  // index.html; the data loads after it, so every list is in the user's
  // language from the first paint.
  var startLang = readURL().lang || browserLang();
  $('lang').value = startLang;
  setLang(startLang, false).then(function () {
    return applyURL(true);
  }).then(function () {
    started = true;
    var first = [
      loadLayer('boundary', boundaryLayer, true),
      loadLayer('borders', bordersLayer, false),
      loadLayer('league_seats', seatsLayer, false),
      loadStations()
    ];
    Promise.all(first).then(function () { loading.hidden = true; }, function (err) {
      loading.hidden = true;
      showError(err, function () { location.reload(); });
    });
    drawPlaces();
    writeURL(false);
  });

  // The service worker keeps the page and the last answers for use
  // without signal (sw.js); the page works without it.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(new URL('sw.js?v=' + encodeURIComponent(VERSION), document.baseURI).toString(), { scope: './' })
      .catch(function () { /* no offline mode, the page works on */ });
  }

  // The map, the current query and the helpers planner.js shares.
  window.yizhan = {
    map: map,
    query: function () { return query; },
    view: function () { return view; },
    setView: setView,
    lang: function () { return lang; },
    ready: function () { return started; },
    t: t,
    tn: tn,
    // locale is the BCP 47 tag of the current language, for Intl.
    locale: function () { return HTML_LANG[lang] || lang; },
    openStation: openStation,
    groups: function () { return groups; },
    // stationsSettled is true once no load of the markers is scheduled or
    // in flight: the markers on the map are those of the current view.
    stationsSettled: function () { return stationsWaiting === 0; },
    // regionBounds is the province's extent once its boundary has loaded.
    regionBounds: function () {
      var b = boundaryLayer.getBounds();
      return b.isValid() ? b : L.latLngBounds(REGION);
    },
    api: {
      apiURL: apiURL, getJSON: getJSON, postJSON: postJSON,
      showError: showError, clearError: clearError, filters: filters,
      el: el, nameOf: nameOf, kindLabel: kindLabel, kindColor: kindColor,
      number: number, formatDistance: formatDistance, amenityList: amenityList, popupContent: popupContent,
      amenities: AMENITIES.map(function (a) { return [a[0], t('amenity.' + a[0])]; }),
      hoursState: hoursState, parseHours: parseHours, navLinks: navLinks, parseCoords: parseCoords,
      travelText: travelText
    }
  };
  setView((location.hash || '').slice(1));
})();
