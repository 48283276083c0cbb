// Omtag's CSP allows no inline script, so the few Wagtail admin widgets that initialise
// themselves with an inline <script> are rendered (by our template overrides in
// content/templates/wagtailadmin/) as JSON data blocks instead; this file runs them.
(function () {
  "use strict";
  var initialisers = {
    initDateChooser: function (el, config) { window.initDateChooser(el.dataset.target, config); },
    initDateTimeChooser: function (el, config) { window.initDateTimeChooser(el.dataset.target, config); },
    initTimeChooser: function (el, config) { window.initTimeChooser(el.dataset.target, config); },
    InlinePanel: function (el, config) { new window.InlinePanel(config); },
    MultipleChooserPanel: function (el, config) { new window.MultipleChooserPanel(config); },
  };
  function run(root) {
    var nodes = root.querySelectorAll ? root.querySelectorAll("script[data-omtag-init]") : [];
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.dataset.omtagDone) return;
      var init = initialisers[el.dataset.omtagInit];
      if (!init) return;
      el.dataset.omtagDone = "1";
      init(el, JSON.parse(el.textContent));
    });
  }
  function start() {
    run(document);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        m.addedNodes.forEach(function (node) { if (node.nodeType === 1) run(node.parentNode || node); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
