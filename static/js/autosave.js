// Saves each exercise a moment after the participant stops typing. Without JavaScript the
// page's ordinary Save button does the same; this only makes it happen by itself.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) return;
  var url = form.dataset.autosaveUrl;
  var DELAY = 1200;

  function fieldsOf(blockId) {
    var prefix = "answer-" + blockId;
    var data = new FormData(form);
    var out = new FormData();
    data.forEach(function (value, key) {
      if (key === prefix || key.indexOf(prefix + "-") === 0) out.append(key, value);
    });
    out.append("block_id", blockId);
    out.append("version-" + blockId, data.get("version-" + blockId) || "0");
    out.append("csrfmiddlewaretoken", data.get("csrfmiddlewaretoken"));
    return out;
  }

  function status(block, text, kind) {
    var el = block.querySelector(".save-status");
    if (!el) return;
    el.textContent = text;
    el.className = "save-status" + (kind ? " save-" + kind : "");
  }

  // The exercise's one status line moves to just below the field being edited (a text
  // area, or the ticked option), so "Saving…/Saved" shows where the person is typing, not
  // below a long worksheet or checklist, out of sight on a phone.
  function placeStatus(block, field) {
    var el = block.querySelector(".save-status");
    if (!el || !field) return;
    var anchor = field.closest(".choice, .scale-steps, .worksheet-field") || field;
    if (!block.contains(anchor) || anchor.nextElementSibling === el) return;
    anchor.parentNode.insertBefore(el, anchor.nextSibling);
  }

  function showConflict(block, payload) {
    var old = block.querySelector(".conflict-live");
    if (old) old.remove();
    var box = document.createElement("div");
    box.className = "conflict conflict-live";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = payload.message;
    var label = document.createElement("p");
    label.textContent = form.dataset.msgConflictSaved;
    var quote = document.createElement("blockquote");
    quote.className = "saved-text";
    var current = payload.current;
    if (Array.isArray(current)) current = current.join("\n");
    else if (current && typeof current === "object") current = Object.values(current).join("\n");
    quote.textContent = current == null ? "" : String(current);  // text, never HTML
    box.appendChild(p);
    box.appendChild(label);
    box.appendChild(quote);
    block.insertBefore(box, block.firstChild);
  }

  var inflight = 0;
  function save(block, leaving) {
    var blockId = block.dataset.blockId;
    inflight += 1;
    status(block, form.dataset.msgSaving, "pending");
    fetch(url, { method: "POST", body: fieldsOf(blockId), credentials: "same-origin",
                 keepalive: !!leaving, headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.json().then(function (payload) { return { response: response, payload: payload }; },
                                     function () { return { response: response, payload: {} }; });
      })
      .then(function (result) {
        var payload = result.payload;
        var version = form.querySelector('input[name="version-' + blockId + '"]');
        if (result.response.ok && payload.ok) {
          if (version) version.value = payload.version;
          var old = block.querySelector(".conflict-live");
          if (old) old.remove();
          status(block, form.dataset.msgSaved, "ok");
        } else if (payload.conflict) {
          if (version) version.value = payload.version;
          showConflict(block, payload);
          status(block, form.dataset.msgFailed, "error");
        } else {
          status(block, payload.message || form.dataset.msgFailed, "error");
        }
      })
      .catch(function () { status(block, form.dataset.msgFailed, "error"); })
      .then(function () { inflight -= 1; });
  }

  var timers = {};
  function schedule(event) {
    var block = event.target.closest("[data-block-id]");
    if (!block) return;
    placeStatus(block, event.target);
    var id = block.dataset.blockId;
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { delete timers[id]; save(block); }, DELAY);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("focusin", function (event) {
    var block = event.target.closest("[data-block-id]");
    if (block) placeStatus(block, event.target);
  });

  // Leaving the page (a link to another part, say) within the delay still saves what was
  // typed. A full save by the form's own buttons posts the answers anyway.
  function flush() {
    Object.keys(timers).forEach(function (id) {
      clearTimeout(timers[id]);
      delete timers[id];
      var block = form.querySelector('[data-block-id="' + id + '"]');
      if (block) save(block, true);
    });
  }
  // The form's own post carries every answer of the part; an autosave still on its way
  // would give it an older version, so the post waits for it (a moment) first.
  form.addEventListener("submit", function (event) {
    Object.keys(timers).forEach(function (id) { clearTimeout(timers[id]); delete timers[id]; });
    if (inflight > 0 && form.requestSubmit) {
      event.preventDefault();
      var submitter = event.submitter || null;
      var wait = setInterval(function () {
        if (inflight > 0) return;
        clearInterval(wait);
        form.requestSubmit(submitter);
      }, 100);
    }
  });
  window.addEventListener("pagehide", flush);
})();
