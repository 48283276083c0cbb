// Enter on a checkbox or a radio button never sends the form: browsers treat it as
// "submit", and a participant who ticks boxes with the keyboard would send a half-filled
// form by accident. Space still ticks the box; Enter in a text area still makes a new line.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var target = event.target;
    if (!target || target.tagName !== "INPUT") return;
    var type = (target.getAttribute("type") || "").toLowerCase();
    if ((type === "checkbox" || type === "radio") && target.form) event.preventDefault();
  });
})();
