/* The live side of a message thread (protocol: platform/messaging/PROTOCOL.md).
   Without this script the page still works: the form posts and the page reloads.
   With it: messages are sent over the socket, the other side's messages appear by
   themselves, and after a dropped connection the page syncs what it missed first and
   then resends what was never acknowledged, so nothing is lost or doubled. */
(function () {
  "use strict";
  var root = document.getElementById("thread");
  if (!root || !window.WebSocket) return;
  var live = root.dataset.live === "1";
  var list = document.getElementById("message-list");
  var form = document.getElementById("message-form");
  var statusLine = document.getElementById("connection-status");
  var strings = JSON.parse(document.getElementById("message-strings").textContent);
  var mySide = root.dataset.side;
  var lastId = parseInt(root.dataset.lastId, 10) || 0; // the highest id shown (for "read")
  // The highest id up to which the page has every message (the page was rendered complete up
  // to lastId). A sync asks for what comes after it, never after the highest id seen: a push
  // of a newer message can arrive before a paged sync has finished, or two pushes out of
  // order, and syncing after the highest would skip what lies in between.
  var completeTo = lastId;
  var aboveComplete = {}; // ids the page has above completeTo, waiting for the gap below
  var otherRead = parseInt(root.dataset.otherRead, 10) || 0;
  var pending = []; // {client_id, body, node}, in the order written
  var socket = null;
  var retries = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var pongTimer = null;
  var PONG_WAIT_MS = 10000;
  // A push can be lost (the server's channel layer drops events for a busy socket): an id
  // that skips one, or a pong naming a newer id than the page has, makes the page sync. A
  // short wait first, as pushes from two servers can cross.
  var GAP_WAIT_MS = 200;
  var gapTimer = null;
  var syncing = false; // a sync is under way: its answer is awaited
  var resendAfterSync = false; // only the sync of a (re)connect resends what was never acked
  var stopped = false;
  var lang = document.documentElement.lang || "sv";
  if (!live) return; // an older page of the history: plain links only

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function say(text) { statusLine.textContent = text || ""; }

  // The shape the server renders (DATETIME_FORMAT: "23 nov 2026, 14:05" in Swedish,
  // "23 Nov 2026, 14:05" in English), in the site's time zone, so that a message looks the
  // same before and after a reload.
  function formatTime(iso) {
    try {
      var options = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (root.dataset.timeZone) options.timeZone = root.dataset.timeZone;
      var parts = {};
      new Intl.DateTimeFormat(lang, options).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
      return parts.day + " " + parts.month.replace(/\.$/, "") + " " + parts.year + ", " + parts.hour + ":" + parts.minute;
    } catch (e) { return iso; }
  }

  function buildNode(msg, state) {
    var li = document.createElement("li");
    li.className = "msg" + (msg.mine ? " msg-mine" : "");
    if (msg.id) { li.id = "m-" + msg.id; li.dataset.id = msg.id; }
    li.dataset.clientId = msg.client_id;
    var meta = document.createElement("p");
    meta.className = "msg-meta";
    var who = document.createElement("span");
    who.className = "msg-sender";
    who.textContent = msg.mine ? strings.you : msg.sender;
    meta.appendChild(who);
    var time = document.createElement("time");
    if (msg.sent_at) { time.dateTime = msg.sent_at; time.textContent = formatTime(msg.sent_at); }
    meta.appendChild(time);
    if (msg.mine) {
      var st = document.createElement("span");
      st.className = "msg-state";
      st.textContent = state;
      meta.appendChild(st);
    }
    li.appendChild(meta);
    var body = document.createElement("div");
    body.className = "msg-body";
    if (msg.html !== undefined) body.innerHTML = msg.html; // escaped and linkified by the server
    else body.textContent = msg.body;
    li.appendChild(body);
    return li;
  }

  function stateFor(id) { return id <= otherRead ? strings.read : strings.sent; }

  function removeEmptyNote() {
    var note = document.getElementById("no-messages");
    if (note) note.remove();
  }

  function advanceComplete(upTo) {
    if (upTo > completeTo) completeTo = upTo;
    while (aboveComplete[completeTo + 1]) completeTo += 1;
    for (var id in aboveComplete) { if (+id <= completeTo) delete aboveComplete[id]; }
  }

  function placeMessage(msg) {
    if (msg.id > completeTo) { aboveComplete[msg.id] = true; advanceComplete(completeTo); }
    if (document.getElementById("m-" + msg.id)) return false;
    var waiting = null;
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].client_id === msg.client_id) { waiting = pending[i]; pending.splice(i, 1); break; }
    }
    var node = buildNode(msg, stateFor(msg.id));
    if (waiting) list.replaceChild(node, waiting.node);
    else {
      // Keep id order even if frames cross: insert before the first higher id.
      var after = null;
      var items = list.querySelectorAll("li[data-id]");
      for (var j = 0; j < items.length; j++) {
        if (parseInt(items[j].dataset.id, 10) > msg.id) { after = items[j]; break; }
      }
      list.insertBefore(node, after || firstPendingNode());
    }
    removeEmptyNote();
    if (msg.id > lastId) lastId = msg.id;
    // Sending counts as having read everything before (message_send moves the sender's side's
    // marker without a read event), so show what a reload would show.
    if (msg.side && msg.side !== mySide && msg.id > otherRead) { otherRead = msg.id; updateReadStates(); }
    return true;
  }

  function firstPendingNode() { return pending.length ? pending[0].node : null; }

  function markRead() {
    if (document.visibilityState === "visible") send({ type: "read", up_to: lastId });
  }

  function updateReadStates() {
    var mine = list.querySelectorAll("li.msg-mine[data-id]");
    for (var i = 0; i < mine.length; i++) {
      var st = mine[i].querySelector(".msg-state");
      if (st) st.textContent = stateFor(parseInt(mine[i].dataset.id, 10));
    }
  }

  function requestSync() {
    if (syncing) return;
    if (send({ type: "sync", after: completeTo })) syncing = true;
  }

  function hasGap() {
    for (var id in aboveComplete) { if (+id > completeTo) return true; }
    return false;
  }

  function checkGap() {
    if (!hasGap() || gapTimer) return;
    gapTimer = setTimeout(function () { gapTimer = null; if (hasGap()) requestSync(); }, GAP_WAIT_MS);
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function showError(text) {
    var box = document.getElementById("send-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  // A reply from the care team ends the wait the page showed (messaging.selectors).
  function endWaitOnReply(msg) {
    var wait = document.getElementById("wait");
    if (wait && msg && msg.side === "team") wait.hidden = true;
  }

  function handle(frame) {
    if (frame.type === "ack" || frame.type === "message") endWaitOnReply(frame.message);
    if (frame.type === "sync") {
      var gotOthers = false;
      frame.messages.forEach(function (m) { if (placeMessage(m) && !m.mine) gotOthers = true; });
      // The server's answer holds every message after our `after` up to complete_to.
      if (typeof frame.complete_to === "number") advanceComplete(frame.complete_to);
      if (frame.read) { otherRead = Math.max(otherRead, mySide === "participant" ? frame.read.team : frame.read.participant); updateReadStates(); }
      if (frame.more) { send({ type: "sync", after: completeTo }); return; }
      syncing = false;
      if (resendAfterSync) {
        resendAfterSync = false;
        pending.forEach(function (p) { send({ type: "send", client_id: p.client_id, body: p.body }); });
      }
      if (gotOthers) markRead();
      checkGap();
    } else if (frame.type === "ack") {
      placeMessage(frame.message);
      if (frame.safety) showSafety();
      checkGap();
    } else if (frame.type === "message") {
      if (placeMessage(frame.message) && !frame.message.mine) {
        say(strings.new_message + ": " + frame.message.sender);
        markRead();
      }
      checkGap();
    } else if (frame.type === "pong") {
      if (typeof frame.latest === "number" && frame.latest > completeTo) requestSync();
    } else if (frame.type === "read") {
      if (frame.side !== mySide) { otherRead = Math.max(otherRead, frame.up_to); updateReadStates(); }
    } else if (frame.type === "error") {
      if (frame.client_id) failPending(frame.client_id, frame.message);
      else showError(frame.message);
    }
  }

  // The participant wrote words that may mean they or someone else is in danger: show what to
  // do now (the section the page has, hidden), as a reload would.
  function showSafety() {
    var box = document.getElementById("safety-now");
    if (!box || !box.hidden) return;
    box.hidden = false;
    say(strings.safety);
    if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
  }

  // A message the server refused comes back into the text box, so nothing written is lost.
  function failPending(clientId, text) {
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].client_id !== clientId) continue;
      var p = pending.splice(i, 1)[0];
      p.node.remove();
      var box = form.elements.body;
      box.value = p.body + (box.value ? "\n\n" + box.value : "");
      box.setAttribute("aria-invalid", "true");
      showError(strings.failed + " " + text);
      box.focus();
      return;
    }
  }

  // A connection that died without a close (a sleeping laptop, a router that forgot it) sends
  // nothing back: no pong within PONG_WAIT_MS, or the browser saying it went offline, drops it
  // and reconnects, so the page never claims "connected" on a dead line.
  function dropSocket() {
    if (!socket) return;
    var old = socket;
    socket = null;
    old.onopen = old.onmessage = old.onclose = null;
    try { old.close(); } catch (e) { /* already closing */ }
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    say(strings.offline);
    retries += 1;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, 1000);
  }

  function ping() {
    if (send({ type: "ping" })) {
      clearTimeout(pongTimer);
      pongTimer = setTimeout(dropSocket, PONG_WAIT_MS);
    }
  }

  function connect() {
    // One socket at a time: the "online" event and a backoff timer may both call this.
    if (stopped || socket) return;
    clearTimeout(reconnectTimer);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.onopen = function () {
      retries = 0;
      say(strings.online);
      syncing = false;
      resendAfterSync = true;
      requestSync();
      clearInterval(pingTimer);
      pingTimer = setInterval(ping, 30000);
    };
    socket.onmessage = function (event) {
      var frame;
      clearTimeout(pongTimer); // any frame shows the line is alive
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame);
    };
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      clearTimeout(pongTimer);
      socket = null;
      if (event.code === 4401) { stopped = true; say(strings.logged_out); return; }
      if (event.code === 4403) { stopped = true; say(strings.no_access); return; }
      // 4503: the server's database or Redis is away; say so calmly and back off as usual.
      say(event.code === 4503 ? strings.try_again : strings.offline);
      retries += 1;
      var delay = Math.min(30000, 500 * Math.pow(2, Math.min(retries, 6)));
      reconnectTimer = setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
    };
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      var box = form.elements.body;
      var body = box.value;
      var open = socket && socket.readyState === WebSocket.OPEN;
      // Without a socket the form posts, except when the browser knows it is offline: that
      // post could only fail and lose the text, so the message waits here and is sent after
      // the next sync, like any other unacknowledged one.
      if (stopped || (!open && navigator.onLine !== false)) return; // the form posts
      event.preventDefault();
      if (!body.trim()) { showError(strings.empty); return; }
      var clientId = form.elements.client_id.value || uuid4();
      form.elements.client_id.value = uuid4(); // the next message gets its own id
      var node = buildNode({ client_id: clientId, body: body, mine: true, sent_at: "" }, open ? strings.sending : strings.queued);
      node.classList.add("msg-pending");
      list.appendChild(node);
      removeEmptyNote();
      pending.push({ client_id: clientId, body: body, node: node });
      box.value = "";
      box.removeAttribute("aria-invalid");
      showError("");
      send({ type: "send", client_id: clientId, body: body });
    });
  }

  document.addEventListener("visibilitychange", function () { if (lastId) markRead(); });
  window.addEventListener("online", function () { retries = 0; connect(); });
  window.addEventListener("offline", dropSocket);
  connect();
})();
