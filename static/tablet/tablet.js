/* Siyana's tablet: the service worker, the offline queue of corrective actions and its sync.
 *
 * A corrective action logged on the tablet is first stored on the device (IndexedDB, with its
 * photo as a Blob) under an idempotency key made here (crypto.randomUUID), then posted to the
 * ticket's action endpoint. The server records a key once: a resent action answers 200 with the
 * action already recorded, so a sync cut off half way and replayed never makes a duplicate.
 * A refused action (400, 409) stays on the device with the server's explanation until the
 * technician sends it again or discards it; a network failure just waits for the next sync
 * (the "online" event, a timer, the service worker's background sync, the next page).
 *
 * Strings come from Django's JavaScript catalogue (gettext, ngettext, interpolate).
 */
(function () {
  "use strict";

  var body = document.body;
  var USER = body.dataset.user || "";
  var LANG = body.dataset.lang || document.documentElement.lang || "ar";
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (fmt) { return fmt; };
  // The page's language, with the Western digits the server's pages use too.
  var LOCALE = LANG + "-u-nu-latn";
  var numbers = new Intl.NumberFormat(LOCALE);
  var dates = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

  var DB_NAME = "siyana-tablet";
  var STORE = "outbox";
  var SYNC_TAG = "siyana-outbox";
  var PAGE_CACHE = "siyana-tablet-pages";
  var FIELD_LABELS = {
    action_type: gettext("Action type"),
    outcome: gettext("Outcome"),
    asset: gettext("Asset"),
    started_at: gettext("Started at"),
    ended_at: gettext("Ended at"),
    duration_minutes: gettext("Duration (minutes)"),
    notes: gettext("Notes"),
    photo: gettext("Photo"),
    parts: gettext("Spare parts"),
    idempotency_key: gettext("Idempotency key")
  };

  // ------------------------------------------------------------------ IndexedDB

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var database = request.result;
          if (!database.objectStoreNames.contains(STORE)) {
            database.createObjectStore(STORE, { keyPath: "key" });
          }
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function run(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(STORE, mode);
        var result;
        var request = work(transaction.objectStore(STORE));
        if (request) request.onsuccess = function () { result = request.result; };
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  var outbox = {
    all: function () {
      return run("readonly", function (store) { return store.getAll(); }).then(function (items) {
        return (items || []).sort(function (a, b) { return a.created - b.created; });
      });
    },
    mine: function () {
      return outbox.all().then(function (items) {
        return items.filter(function (item) { return item.user === USER; });
      });
    },
    get: function (key) { return run("readonly", function (store) { return store.get(key); }); },
    put: function (item) { return run("readwrite", function (store) { return store.put(item); }); },
    remove: function (key) { return run("readwrite", function (store) { return store.delete(key); }); }
  };

  // ------------------------------------------------------------------ helpers

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // Pages served over plain http (not localhost) have no randomUUID: a v4 UUID from getRandomValues.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function csrfToken() {
    // The cookie, read when sending: a page kept offline may carry an older token in its form.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function localToIso(value) {
    // datetime-local is the tablet's own time: send it with its offset, so the server stores the right moment.
    if (!value) return "";
    var date = new Date(value);
    return isNaN(date.getTime()) ? value : date.toISOString();
  }

  function localNow() {
    var now = new Date();
    now.setSeconds(0, 0);
    var offset = now.getTimezoneOffset() * 60000;
    return new Date(now.getTime() - offset).toISOString().slice(0, 16);
  }

  function explain(body) {
    if (!body) return gettext("The server refused the action.");
    var lines = [];
    if (body.detail) lines.push(body.detail);
    var errors = body.errors || {};
    Object.keys(errors).forEach(function (name) {
      var label = FIELD_LABELS[name];
      (errors[name] || []).forEach(function (message) {
        lines.push(label ? label + ": " + message : message);
      });
    });
    return lines.join(" ");
  }

  function alertBox(kind, text) {
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    box.textContent = text;
    return box;
  }

  // ------------------------------------------------------------------ sync

  var lastSent = {};
  var syncing = null;

  function send(item) {
    var data = new FormData();
    (item.fields || []).forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.set("idempotency_key", item.key);
    if (item.photo) data.append("photo", item.photo, item.photoName || "photo.jpg");
    return fetch(item.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var parsed = type.indexOf("application/json") >= 0 ? response.json().catch(function () { return null; }) : Promise.resolve(null);
      return parsed.then(function (json) { return { status: response.status, body: json }; });
    }, function () {
      return { status: 0, body: null };
    }).then(function (answer) {
      var status = answer.status;
      if ((status === 200 || status === 201) && answer.body && answer.body.id) {
        lastSent[item.key] = answer.body;
        return outbox.remove(item.key).then(function () { return "sent"; });
      }
      if (status === 400 || status === 409 || status === 404) {
        item.status = "failed";
        item.httpStatus = status;
        item.error = status === 404 ? gettext("The ticket is no longer open to you.") : explain(answer.body);
        return outbox.put(item).then(function () { return "failed"; });
      }
      // Signed out, a server or network failure: the action waits for the next sync, unchanged.
      item.error = status === 401 || status === 403
        ? gettext("Sign in again: the action will be sent then.")
        : status === 0 ? "" : gettext("The server did not answer; the action will be sent later.");
      return outbox.put(item).then(function () { return "wait"; });
    });
  }

  function runSync() {
    if (!USER) return Promise.resolve({ sent: 0 });
    return outbox.mine().then(function (items) {
      var pending = items.filter(function (item) { return item.status === "pending"; });
      var sent = 0;
      var chain = Promise.resolve("start");
      pending.forEach(function (item) {
        chain = chain.then(function (previous) {
          if (previous === "wait" || !navigator.onLine) return "wait";
          return send(item).then(function (outcome) {
            if (outcome === "sent") sent += 1;
            return outcome;
          });
        });
      });
      return chain.then(function () { return refresh(); }).then(function () { return { sent: sent }; });
    });
  }

  function sync() {
    if (!syncing) {
      var work = navigator.locks && navigator.locks.request
        ? navigator.locks.request("siyana-outbox-sync", runSync)
        : runSync();
      syncing = work.finally(function () { syncing = null; });
    }
    return syncing;
  }

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () { /* background sync is a bonus: the page syncs by itself too */ });
  }

  // ------------------------------------------------------------------ what the screen shows

  function refresh() {
    return outbox.mine().then(function (items) {
      var pending = items.filter(function (item) { return item.status === "pending"; });
      var failed = items.filter(function (item) { return item.status === "failed"; });
      document.querySelectorAll("[data-outbox-count]").forEach(function (badge) {
        badge.dataset.outboxCount = String(pending.length);
        var number = badge.querySelector("[data-outbox-number]");
        if (number) number.textContent = numbers.format(pending.length);
      });
      var problems = document.getElementById("outbox-problems");
      if (problems) {
        problems.hidden = failed.length === 0;
        problems.querySelector("[data-problems-text]").textContent = interpolate(
          ngettext("%s action was refused by the server and waits for you.",
                   "%s actions were refused by the server and wait for you.", failed.length),
          [numbers.format(failed.length)]
        );
      }
      renderPending(items);
      renderOutbox(items);
      return { pending: pending.length, failed: failed.length };
    });
  }

  function itemSummary(item) {
    return interpolate(gettext("%(action)s, logged %(time)s"), {
      action: item.actionLabel || gettext("Corrective action"),
      time: dates.format(new Date(item.created))
    }, true);
  }

  function renderPending(items) {
    var section = document.querySelector("[data-pending-for]");
    if (!section) return;
    var list = section.querySelector("[data-pending-list]");
    var mine = items.filter(function (item) { return String(item.ticket) === section.dataset.pendingFor; });
    list.textContent = "";
    mine.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "list-group-item";
      li.dataset.pendingKey = item.key;
      li.textContent = itemSummary(item) + " · " + (item.status === "failed" ? gettext("refused") : gettext("waiting to sync"));
      list.appendChild(li);
    });
    section.classList.toggle("d-none", mine.length === 0);
  }

  function renderOutbox(items) {
    var list = document.getElementById("outbox-list");
    if (!list) return;
    list.textContent = "";
    document.getElementById("outbox-empty").hidden = items.length !== 0;
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "list-group-item outbox-item";
      li.dataset.key = item.key;
      li.dataset.status = item.status;
      var title = document.createElement("a");
      title.href = item.ticketUrl;
      title.className = "fw-semibold tap-link";
      title.textContent = item.ticketLabel;
      li.appendChild(title);
      var line = document.createElement("div");
      line.textContent = itemSummary(item) + (item.photo ? " · " + gettext("with a photo") : "");
      li.appendChild(line);
      var state = document.createElement("div");
      state.className = item.status === "failed" ? "text-danger fw-semibold" : "text-body-secondary";
      state.textContent = item.status === "failed"
        ? gettext("Refused by the server:") + " " + item.error
        : gettext("Waiting to sync.") + (item.error ? " " + item.error : "");
      li.appendChild(state);
      var buttons = document.createElement("div");
      buttons.className = "d-flex flex-wrap gap-2 mt-2";
      if (item.status === "failed") {
        var again = document.createElement("button");
        again.type = "button";
        again.className = "btn btn-primary";
        // A 409 means the key was used for another action: only a new key can record this one.
        again.textContent = item.httpStatus === 409 ? gettext("Send as a new action") : gettext("Try again");
        again.addEventListener("click", function () { retry(item); });
        buttons.appendChild(again);
      }
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn btn-outline-danger";
      discard.textContent = gettext("Discard");
      discard.addEventListener("click", function () {
        if (window.confirm(gettext("Discard this action? It has not been recorded and will be lost."))) {
          outbox.remove(item.key).then(refresh);
        }
      });
      buttons.appendChild(discard);
      li.appendChild(buttons);
      list.appendChild(li);
    });
  }

  function retry(item) {
    var next = Object.assign({}, item, { status: "pending", error: "", httpStatus: null });
    var work = Promise.resolve();
    if (item.httpStatus === 409) {
      next.key = newKey();
      work = outbox.remove(item.key);
    }
    return work.then(function () { return outbox.put(next); }).then(refresh).then(sync);
  }

  // ------------------------------------------------------------------ the action form

  function enqueue(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "photo" || name === "csrfmiddlewaretoken" || name === "idempotency_key") return;
      if (name === "started_at" || name === "ended_at") value = localToIso(value);
      fields.push([name, value]);
    });
    var photoInput = form.querySelector("input[type=file][name=photo]");
    var photo = photoInput && photoInput.files.length ? photoInput.files[0] : null;
    var type = form.querySelector("select[name=action_type]");
    var item = {
      key: newKey(),
      user: USER,
      ticket: form.dataset.ticket,
      ticketLabel: form.dataset.ticketLabel,
      ticketUrl: form.dataset.ticketUrl,
      url: form.action,
      fields: fields,
      photo: photo,
      photoName: photo ? photo.name : "",
      actionLabel: type && type.selectedIndex >= 0 ? type.options[type.selectedIndex].text : "",
      created: Date.now(),
      status: "pending",
      error: ""
    };
    return outbox.put(item).then(function () { return item; });
  }

  function resetActionForm(form) {
    form.reset();
    var started = form.querySelector("input[name=started_at]");
    if (started) started.value = localNow();
    var rows = form.querySelectorAll(".part-row");
    for (var i = 1; i < rows.length; i++) rows[i].remove();
    var preview = document.getElementById("photo-preview");
    if (preview) { preview.hidden = true; preview.removeAttribute("src"); }
  }

  function showFieldErrors(form, body) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    var errors = (body && body.errors) || {};
    Object.keys(errors).forEach(function (name) {
      var field = form.querySelector("[name=" + name + "]");
      if (field) field.classList.add("is-invalid");
    });
  }

  function setUpActionForm(form) {
    var result = document.getElementById("action-result");
    var started = form.querySelector("input[name=started_at]");
    if (started && !form.querySelector(".is-invalid")) started.value = localNow();

    var photo = form.querySelector("input[type=file][name=photo]");
    var preview = document.getElementById("photo-preview");
    if (photo && preview) {
      photo.addEventListener("change", function () {
        if (photo.files.length) {
          preview.src = URL.createObjectURL(photo.files[0]);
          preview.hidden = false;
        } else {
          preview.hidden = true;
        }
      });
    }

    var addPart = document.getElementById("add-part");
    if (addPart) {
      addPart.hidden = false;
      addPart.addEventListener("click", function () {
        var rows = form.querySelectorAll(".part-row");
        var copy = rows[rows.length - 1].cloneNode(true);
        var n = rows.length + 1;
        copy.querySelectorAll("select, input").forEach(function (el) {
          var base = el.name === "part" ? "part-" : "quantity-";
          el.id = base + n;
          el.value = "";
        });
        copy.querySelectorAll("label").forEach(function (label) {
          label.htmlFor = (label.htmlFor.indexOf("part-") === 0 ? "part-" : "quantity-") + n;
        });
        rows[rows.length - 1].after(copy);
        copy.querySelector("select").focus();
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) return;
      var button = document.getElementById("action-submit");
      button.disabled = true;
      result.textContent = "";
      enqueue(form).then(function (item) {
        return refresh().then(function () {
          if (!navigator.onLine) return null;
          // A sync already under way may have started before this action was stored: then one more.
          return sync().then(function () { return outbox.get(item.key); }).then(function (stored) {
            if (!stored || stored.status !== "pending" || stored.error || !navigator.onLine) return stored;
            return sync().then(function () { return outbox.get(item.key); });
          });
        }).then(function (stored) {
          if (navigator.onLine && !stored) {
            // Recorded: back to the ticket, which now lists it.
            var recorded = lastSent[item.key];
            window.location.assign(form.dataset.ticketUrl + (recorded ? "#action-" + recorded.id : ""));
            return;
          }
          if (stored && stored.status === "failed") {
            // Refused while the technician is still here: show why on the form, and keep nothing queued.
            return outbox.remove(item.key).then(refresh).then(function () {
              result.appendChild(alertBox("danger", stored.error));
              showFieldErrors(form, null);
              button.disabled = false;
            });
          }
          result.appendChild(alertBox("info", gettext("Kept on this tablet: it will be sent when the connection returns.")));
          askBackgroundSync();
          resetActionForm(form);
          button.disabled = false;
        });
      }).catch(function (error) {
        result.appendChild(alertBox("danger", gettext("The action could not be kept on this tablet.") + " " + error));
        button.disabled = false;
      });
    });
  }

  // ------------------------------------------------------------------ online, offline, service worker

  function showNetworkState() {
    var online = navigator.onLine;
    var state = document.getElementById("network-state");
    if (state) state.hidden = online;
    document.querySelectorAll("[data-online-only] button[type=submit], [data-online-only] select").forEach(function (control) {
      control.disabled = !online;
    });
    document.querySelectorAll("[data-offline-note]").forEach(function (note) { note.hidden = online; });
  }

  function prefetch() {
    // The pages a ticket leads to (logging an action) are kept for offline use as soon as the ticket is opened.
    if (!navigator.onLine || !navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    document.querySelectorAll("a[data-prefetch]").forEach(function (link) {
      fetch(link.href, { credentials: "same-origin" }).catch(function () { /* offline: kept next time */ });
    });
  }

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(function () {
      /* no service worker (e.g. plain http on a school network): the pages still work online */
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "sync") sync();
    });
    navigator.serviceWorker.ready.then(function () {
      if (navigator.serviceWorker.controller) prefetch();
      else navigator.serviceWorker.addEventListener("controllerchange", prefetch, { once: true });
    });
  }

  window.addEventListener("online", function () { showNetworkState(); sync(); });
  window.addEventListener("offline", showNetworkState);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && navigator.onLine) sync();
  });
  window.setInterval(function () { if (navigator.onLine) sync(); }, 30000);

  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var logout = document.querySelector("form[data-logout]");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      outbox.mine().then(function (items) {
        if (items.length && !window.confirm(gettext("Actions are still waiting on this tablet. They are sent when you sign in again. Log out?"))) {
          return false;
        }
        // The pages kept for offline use are this user's: forget them (the waiting actions stay).
        return (window.caches ? caches.delete(PAGE_CACHE) : Promise.resolve()).then(function () { return true; });
      }).then(function (go) { if (go) logout.submit(); });
    });
  }

  var syncButton = document.getElementById("sync-now");
  if (syncButton) syncButton.addEventListener("click", function () { sync(); });

  var actionForm = document.querySelector("form[data-offline-action]");
  if (actionForm) setUpActionForm(actionForm);

  showNetworkState();
  refresh().then(function () { if (navigator.onLine) sync(); });

  window.siyanaTablet = { outbox: outbox, sync: sync, refresh: refresh, newKey: newKey };
})();
