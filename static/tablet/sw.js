/* Siyana's tablet service worker. Served by tablet.views.service_worker at /tablet/sw.js (scope
 * /tablet/), which fills in the version, the app shell and the paths below.
 *
 * - The app shell (styles, scripts, fonts, icons, the offline page) is kept at install.
 * - Pages and JSON under the scope: network first, the kept copy when the network fails (or
 *   is slower than NETWORK_TIMEOUT_MS and a copy exists: weak school Wi-Fi); every page
 *   answered 200 without a redirect is kept, so the tickets opened online open offline too.
 * - Static files: the kept copy at once, refreshed in the background.
 * - Writes (POST) are never touched here: the page queues corrective actions in IndexedDB and
 *   syncs them itself; a background "sync" event only wakes the open pages to do it.
 */
"use strict";

const VERSION = "__VERSION__";
const SHELL = [] /* __SHELL__ */;
const SCOPE = "__SCOPE__";
const OFFLINE = "__OFFLINE__";
const STATIC = "__STATIC__";
const SHELL_CACHE = "siyana-tablet-shell-" + VERSION;
const PAGE_CACHE = "siyana-tablet-pages";
const NETWORK_TIMEOUT_MS = 6000;
const NEVER_KEPT = [SCOPE + "sw.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) =>
        // One by one: a file that fails to load must not leave the tablet without the rest.
        Promise.all(SHELL.map((url) => cache.add(new Request(url, { credentials: "same-origin" })).catch(() => null)))
      )
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((key) => key.startsWith("siyana-tablet-shell-") && key !== SHELL_CACHE).map((key) => caches.delete(key))
        )
      )
      .then(() => self.clients.claim())
  );
});

function keep(request, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    const copy = response.clone();
    caches.open(PAGE_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

function kept(request) {
  return caches.match(request, { ignoreVary: true });
}

function networkFirst(request) {
  const network = fetch(request).then((response) => keep(request, response));
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  const slow = timeout.then(() => kept(request));
  return Promise.race([network.catch(() => null), slow.then((copy) => copy || network.catch(() => null))])
    .then((response) => response || kept(request))
    .then((response) => {
      if (response) return response;
      if (request.mode === "navigate") return caches.match(OFFLINE, { ignoreVary: true });
      return null;
    })
    .then((response) => response || Response.error());
}

function staleWhileRevalidate(request) {
  return caches.open(SHELL_CACHE).then((cache) =>
    cache.match(request, { ignoreVary: true }).then((copy) => {
      const network = fetch(request)
        .then((response) => {
          if (response && response.ok) cache.put(request, response.clone());
          return response;
        })
        .catch(() => null);
      return copy || network.then((response) => response || Response.error());
    })
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (url.pathname.startsWith(SCOPE) && !NEVER_KEPT.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "siyana-outbox") return;
  // The queue needs the page's session and CSRF token: wake the open pages, they send it.
  event.waitUntil(
    self.clients
      .matchAll({ type: "window", includeUncontrolled: false })
      .then((clients) => clients.forEach((client) => client.postMessage({ type: "sync" })))
  );
});
