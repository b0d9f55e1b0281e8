// yizhan service worker: keeps the map page and the API's last answers,
// so that a driver who loses signal still sees the stations near them.
// The page (static/app.js) registers it as sw.js?v=<build>; the build
// names the cache of the page's files, so a new build replaces them.
//
//   - the page's files: from the cache, fetched and kept when missing;
//   - the page itself (a navigation): from the network, the cached copy
//     when offline;
//   - the API (/v1/...): from the network (station answers bypassing the
//     HTTP cache), each answer kept (at most
//     DATA_MAX); offline, the kept answer to the same request, else the
//     last answer of the same path, marked with the header
//     X-Yizhan-Offline: <when it was saved> so the page can say so.
'use strict';

var VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
var SHELL = 'yizhan-shell-' + VERSION;
var DATA = 'yizhan-data';
var DATA_MAX = 80;
var SAVED = 'X-Yizhan-Saved';
var FILES = [
  'static/leaflet/leaflet.css', 'static/app.css', 'static/planner.css',
  'static/leaflet/leaflet.js', 'static/app.js', 'static/planner.js',
  'static/i18n/zh.json', 'static/i18n/en.json', 'static/i18n/ru.json', 'static/i18n/mn.json',
  'static/icon.svg', 'manifest.webmanifest'
];
var PAGE = new URL('./', self.location.href).href;

self.addEventListener('install', function (ev) {
  ev.waitUntil(caches.open(SHELL).then(function (c) {
    return c.addAll([PAGE].concat(FILES.map(function (f) {
      return new URL(f + '?v=' + encodeURIComponent(VERSION), self.location.href).href;
    })));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('yizhan-shell-') === 0 && k !== SHELL; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// lastKey is where the last answer of a path is kept.
function lastKey(url) { return new URL('/__last' + url.pathname, url.origin).href; }

// keep stores a copy of an API answer with the time it was saved, under
// its own URL and as the last answer of its path, dropping the oldest
// beyond DATA_MAX.
function keep(req, res) {
  return res.blob().then(function (body) {
    var headers = new Headers(res.headers);
    headers.set(SAVED, new Date().toISOString());
    var init = { status: res.status, statusText: res.statusText, headers: headers };
    return caches.open(DATA).then(function (c) {
      return Promise.all([
        c.put(req, new Response(body, init)),
        c.put(lastKey(new URL(req.url)), new Response(body, init))
      ]).then(function () { return c.keys(); }).then(function (keys) {
        // The oldest answers go first; the last answer of each path stays.
        keys = keys.filter(function (k) { return new URL(k.url).pathname.indexOf('/__last/') !== 0; });
        return Promise.all(keys.slice(0, Math.max(0, keys.length - DATA_MAX)).map(function (k) { return c.delete(k); }));
      });
    });
  });
}

// offlineAnswer is the kept answer for req, marked as offline, or a
// network error when there is none.
function offlineAnswer(req) {
  var url = new URL(req.url);
  return caches.open(DATA).then(function (c) {
    return c.match(req, { ignoreVary: true }).then(function (hit) {
      return hit || c.match(lastKey(url), { ignoreVary: true });
    });
  }).then(function (hit) {
    if (!hit) { return Response.error(); }
    return hit.blob().then(function (body) {
      var headers = new Headers(hit.headers);
      headers.set('X-Yizhan-Offline', hit.headers.get(SAVED) || '');
      return new Response(body, { status: hit.status, statusText: hit.statusText, headers: headers });
    });
  });
}

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  var url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) { return; }
  if (req.mode === 'navigate') {
    ev.respondWith(fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(SHELL).then(function (c) { return c.put(PAGE, copy); });
      }
      return res;
    }).catch(function () {
      return caches.open(SHELL).then(function (c) { return c.match(PAGE, { ignoreVary: true }); })
        .then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (url.pathname.indexOf('/v1/') === 0) {
    // Station and reach answers always ask the server (their HTTP
    // lifetime is a few seconds anyway), so that "offline" is said as
    // soon as it is so.
    var fresh = url.pathname.indexOf('/v1/stations') === 0 || url.pathname === '/v1/reach';
    var ask = fresh ? new Request(req, { cache: 'no-cache' }) : req;
    ev.respondWith(fetch(ask).then(function (res) {
      if (res.ok) { ev.waitUntil(keep(req, res.clone())); }
      return res;
    }).catch(function () { return offlineAnswer(req); }));
    return;
  }
  ev.respondWith(caches.open(SHELL).then(function (c) {
    return c.match(req, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok && url.searchParams.get('v') === VERSION) { c.put(req, res.clone()); }
        return res;
      });
    });
  }));
});
