/* Kiosk screens without reloads, and a queue in localStorage so ratings survive a lost network.
   Each rating gets a UUID; the server accepts each UUID once, so re-sending is always safe. */
(function () {
  "use strict";
  var app = document.querySelector(".kiosk-app");
  if (!app) { return; }
  var QUEUE = "hailong-kiosk-queue";
  var api = app.dataset.api, lowest = app.dataset.lowest, lang = app.dataset.lang;
  var idleMs = 1000 * Number(app.dataset.idle), thanksMs = 1000 * Number(app.dataset.thanks);
  var pending = null, idleTimer = null, sending = false;

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() { try { return JSON.parse(localStorage.getItem(QUEUE)) || []; } catch (e) { return []; } }
  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); status(); }
  function status() {
    var n = load().length;
    document.getElementById("queue-status").textContent = n ? n + " ⟳" : "";
  }
  function show(name) {
    ["start", "reasons", "thanks"].forEach(function (s) {
      document.getElementById("screen-" + s).hidden = s !== name;
    });
    app.dataset.screen = name;
    clearTimeout(idleTimer);
    if (name === "reasons") { idleTimer = setTimeout(finish, idleMs); }
    if (name === "thanks") { idleTimer = setTimeout(reset, thanksMs); }
  }
  function reset() {
    pending = null;
    document.getElementById("reasons-form").reset();
    show("start");
  }
  function enqueue(rating, reasons) {
    var items = load();
    items.push({id: uuid(), rating: Number(rating), reasons: reasons, answered_at: new Date().toISOString(), language: lang});
    save(items);
    flush();
  }
  function finish() {
    /* The citizen rated but left the optional reasons: keep the rating, clear the screen. */
    if (pending !== null) { enqueue(pending, []); }
    show("thanks");
  }
  function flush() {
    var items = load();
    if (sending || !items.length) { return; }
    sending = true;
    var batch = items.slice(0, 100);
    fetch(api, {method: "POST", credentials: "same-origin", cache: "no-store",
                headers: {"Content-Type": "application/json"}, body: JSON.stringify({responses: batch})})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        var done = {};
        /* Every item with a result is settled (created, duplicate or refused for good). */
        body.results.forEach(function (res) { done[res.id] = true; });
        save(load().filter(function (item) { return !done[item.id]; }));
        sending = false;
        if (Object.keys(done).length && load().length) { flush(); }
      })
      .catch(function () { sending = false; });
  }

  document.getElementById("rate-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var rating = event.submitter && event.submitter.value;
    if (!rating) { return; }
    if (rating === lowest) { pending = rating; show("reasons"); return; }
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
  window.addEventListener("online", flush);
  setInterval(flush, 1000 * Number(app.dataset.retry));
  /* A server-rendered thank-you screen goes back to the start without leaving a history entry. */
  if (app.dataset.screen === "thanks") {
    setTimeout(function () { location.replace(app.dataset.start); }, thanksMs);
  }
  status();
  flush();
})();
