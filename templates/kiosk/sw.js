/* The kiosk's service worker: keeps this version's screen and files so that a tablet starts and
   takes ratings without a network. The queue of ratings is not here (it lives in IndexedDB), so a
   new version replacing this cache never touches a queued rating. */
"use strict";
var VERSION = {{ version|tojson }};
var CACHE = "hailong-kiosk-" + VERSION;
var SHELL = {{ shell|tojson }};
var ASSETS = {{ assets|tojson }};

function keepShell(cache) {
  /* The screen of a kiosk in service; else the one an older version kept. */
  return fetch(new Request(SHELL, {cache: "reload", redirect: "manual"}))
    .then(function (response) {
      if (response.status !== 200) { throw new Error("kiosk not in service"); }
      return cache.put(SHELL, response);
    })
    .catch(function () {
      return caches.match(SHELL).then(function (old) { return old && cache.put(SHELL, old); });
    });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var requests = ASSETS.map(function (url) { return new Request(url, {cache: "reload"}); });
    return cache.addAll(requests).then(function () { return keepShell(cache); });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("hailong-kiosk-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    /* The network first (a state or a version may have changed), the kept screen when offline. */
    event.respondWith(fetch(request).then(function (response) {
      if (response.status === 200 && new URL(request.url).pathname === SHELL) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(SHELL, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(SHELL); })
        .then(function (kept) { return kept || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(new URL(request.url).pathname) >= 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (kept) { return kept || fetch(request); });
    }));
  }
});
