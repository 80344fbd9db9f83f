/* The counter kiosk: screens without reloads, and a queue of ratings on the tablet (IndexedDB, or
   localStorage where IndexedDB cannot open) so that no rating is lost to a network, a reload or a
   refusal. Each rating gets a UUID and the tablet's local time; the server keeps each UUID once, so
   sending again is always safe. Sync: /k/sync, in batches, with back-off; see docs/kiosk.md. */
(function () {
  "use strict";
  var app = document.querySelector(".kiosk-app");
  if (!app) { return; }
  var data = app.dataset;
  var BATCH = 100, MAX_DELAY = 300000, DB = "hailong-kiosk", LEGACY = "hailong-kiosk-queue";
  var idleMs = 1000 * Number(data.idle), thanksMs = 1000 * Number(data.thanks);
  var retryMs = 1000 * Number(data.retry), heartbeatMs = 1000 * Number(data.heartbeat);
  var pending = null, idleTimer = null, syncTimer = null, sending = false, delay = retryMs;
  var state = data.state;
  var store;

  /* ---- the queue: two lists ("queue": to send; "refused": refused by the server, kept for staff) ---- */
  function memoryOf(name) {
    try { return JSON.parse(localStorage.getItem(DB + "-" + name)) || []; } catch (e) { return []; }
  }
  var localStore = {
    list: function (name) { return Promise.resolve(memoryOf(name)); },
    put: function (name, items) {
      var all = memoryOf(name).concat(items);
      localStorage.setItem(DB + "-" + name, JSON.stringify(all));
      return Promise.resolve();
    },
    remove: function (name, ids) {
      var gone = {};
      ids.forEach(function (id) { gone[id] = true; });
      localStorage.setItem(DB + "-" + name, JSON.stringify(memoryOf(name).filter(function (item) {
        return !gone[item.id];
      })));
      return Promise.resolve();
    }
  };
  function done(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function indexedStore(db) {
    function run(name, mode, work) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode), result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
        work(tx.objectStore(name), function (value) { result = value; });
      });
    }
    return {
      list: function (name) {
        return run(name, "readonly", function (os, keep) {
          var request = os.getAll();
          request.onsuccess = function () {
            keep(request.result.sort(function (a, b) { return a.answered_at < b.answered_at ? -1 : 1; }));
          };
        });
      },
      put: function (name, items) {
        return run(name, "readwrite", function (os) { items.forEach(function (item) { os.put(item); }); });
      },
      remove: function (name, ids) {
        return run(name, "readwrite", function (os) { ids.forEach(function (id) { os.delete(id); }); });
      }
    };
  }
  function openStore() {
    if (!window.indexedDB) { return Promise.resolve(localStore); }
    var request = indexedDB.open(DB, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore("queue", {keyPath: "id"});
      request.result.createObjectStore("refused", {keyPath: "id"});
    };
    return done(request).then(indexedStore, function () { return localStore; }).then(function (opened) {
      /* Ratings an older version queued in localStorage move into the store, never left behind. */
      var legacy = [];
      try { legacy = JSON.parse(localStorage.getItem(LEGACY)) || []; } catch (e) { legacy = []; }
      var moves = [opened.put("queue", legacy)];
      if (opened !== localStore) {
        moves.push(opened.put("queue", memoryOf("queue")), opened.put("refused", memoryOf("refused")));
      }
      return Promise.all(moves).then(function () {
        localStorage.removeItem(LEGACY);
        if (opened !== localStore) {
          localStorage.removeItem(DB + "-queue");
          localStorage.removeItem(DB + "-refused");
        }
        return opened;
      });
    });
  }

  /* ---- helpers ---- */
  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function localTime(date) {
    /* ISO 8601 with the tablet's own offset: the citizen's local time as the tablet saw it. */
    var offset = -date.getTimezoneOffset(), sign = offset >= 0 ? "+" : "-", abs = Math.abs(offset);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    var local = new Date(date.getTime() + offset * 60000).toISOString().slice(0, 23);
    return local + sign + two(Math.floor(abs / 60)) + ":" + two(abs % 60);
  }
  function text(element, count) {
    element.textContent = element.dataset.text.replace("{n}", count);
    element.hidden = !count;
  }
  function status() {
    return Promise.all([store.list("queue"), store.list("refused")]).then(function (lists) {
      var queued = lists[0].length;
      document.getElementById("queue-status").textContent = queued ? queued + " ⟳" : "";
      text(document.getElementById("held-status"), queued);
      text(document.getElementById("refused-status"), lists[1].length);
      return lists;
    });
  }

  /* ---- screens ---- */
  function show(name) {
    if (state !== "ready") { name = "blocked"; }
    ["start", "reasons", "thanks", "blocked"].forEach(function (s) {
      document.getElementById("screen-" + s).hidden = s !== name;
    });
    app.dataset.screen = name;
    clearTimeout(idleTimer);
    if (name === "reasons") { idleTimer = setTimeout(finish, idleMs); }
    if (name === "thanks") { idleTimer = setTimeout(reset, thanksMs); }
  }
  function setState(next) {
    state = next;
    app.dataset.state = next;
    localStorage.setItem(DB + "-state", JSON.stringify({state: next, enrolled: data.enrolled}));
    Array.prototype.forEach.call(document.querySelectorAll("#screen-blocked [data-state]"), function (el) {
      el.hidden = el.dataset.state !== next;
    });
    if (next !== "ready") { pending = null; show("blocked"); }
    else if (app.dataset.screen === "blocked") { show("start"); }
  }
  function reset() {
    pending = null;
    document.getElementById("reasons-form").reset();
    show("start");
  }
  function enqueue(rating, reasons) {
    var item = {id: uuid(), rating: Number(rating), reasons: reasons,
                answered_at: localTime(new Date()), language: data.lang};
    return store.put("queue", [item]).then(status).then(function () { schedule(0); });
  }
  function finish() {
    /* The citizen rated but left the optional reasons: keep the rating, clear the screen. */
    if (pending !== null) { enqueue(pending, []); pending = null; }
    show("thanks");
  }

  /* ---- sync: oldest first, in batches; back-off while the server cannot be reached ---- */
  function schedule(ms) {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(sync, ms);
  }
  function settle(batch, results) {
    var sent = {}, gone = [], refused = [];
    batch.forEach(function (item) { sent[item.id] = item; });
    results.forEach(function (result) {
      var item = sent[result.id];
      if (!item) { return; }
      gone.push(item.id);
      /* Created, duplicate (counted before) and held (kept for a decision) are safe on the server;
         a refusal stays on the tablet, shown to staff, never dropped. */
      if (["created", "duplicate", "held"].indexOf(result.status) < 0) {
        refused.push({id: item.id, item: item, status: result.status, message: result.message,
                      answered_at: item.answered_at});
      }
    });
    return store.put("refused", refused).then(function () { return store.remove("queue", gone); });
  }
  function sync() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    app.dataset.lastSync = "sending";
    var batch = [];
    return status().then(function (lists) {
      batch = lists[0].slice(0, BATCH);
      return fetch(data.sync, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({sent_at: localTime(new Date()), queued: lists[0].length,
                              refused: lists[1].length, version: data.version, responses: batch})
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (body.state && body.state !== "ready") { setState(body.state); throw new Error(body.state); }
        if (!response.ok) { throw new Error(String(response.status)); }
        if (state !== "ready") { setState("ready"); }
        return settle(batch, body.results || []);
      });
    }).then(function () {
      sending = false;
      delay = retryMs;
      return status().then(function (lists) {
        schedule(lists[0].length ? 0 : heartbeatMs);
        app.dataset.lastSync = "ok";
      });
    }, function () {
      sending = false;
      schedule(delay);
      delay = Math.min(2 * delay, MAX_DELAY);
      app.dataset.lastSync = "failed";
      return status();
    });
  }

  /* ---- start (data-last-sync on the app says how the last sync went: sending, ok or failed) ---- */
  openStore().then(function (opened) {
    store = opened;
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(DB + "-state")); } catch (e) { kept = null; }
    /* A kept state of the same enrolment holds until the server answers (a cold start offline
       must not thank citizens on a retired kiosk); a new enrolment starts afresh. */
    if (state === "ready" && kept && kept.state !== "ready" && kept.enrolled === data.enrolled) {
      setState(kept.state);
    } else {
      setState(state);
    }
    status();
    sync();
  });

  document.getElementById("rate-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var rating = event.submitter && event.submitter.value;
    if (!rating || state !== "ready") { return; }
    if (rating === data.lowest) { pending = rating; show("reasons"); return; }
    enqueue(rating, null);
    show("thanks");
  });
  document.getElementById("reasons-form").addEventListener("submit", function (event) {
    if (pending === null) { return; }  /* a server-rendered reasons screen posts as a plain form */
    event.preventDefault();
    var chosen = Array.prototype.map.call(
      this.querySelectorAll("input[name=reasons]:checked"), function (box) { return Number(box.value); });
    enqueue(pending, chosen);
    pending = null;
    show("thanks");
  });
  document.getElementById("reasons-form").addEventListener("change", function () {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(finish, idleMs);
  });
  window.addEventListener("online", function () { delay = retryMs; schedule(0); });
  /* A server-rendered thank-you screen goes back to the start without leaving a history entry. */
  if (data.screen === "thanks") {
    setTimeout(function () { location.replace(data.start); }, thanksMs);
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.sw, {scope: data.start}).catch(function () { return null; });
  }
})();
