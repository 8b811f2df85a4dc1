// Presentation view: one screen at a time. Each screen is its own page (?step=N), so
// everything works without this file; with it, arrow keys move between screens, and a
// button asks for full screen. htmx swaps the screens in place (hx-boost), so full
// screen survives moving on.
(function () {
  "use strict";

  function link(id) {
    var a = document.getElementById(id);
    return a && a.getAttribute("href") ? a : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !document.getElementById("present")) { return; }
    var target = null;
    if (event.key === "ArrowRight" || event.key === "PageDown") { target = link("present-next"); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { target = link("present-prev"); }
    if (target) { event.preventDefault(); target.click(); }
  });

  function focusTitle() {
    var title = document.getElementById("present-title");
    if (title) { title.setAttribute("tabindex", "-1"); title.focus({ preventScroll: true }); }
    var main = document.getElementById("present");
    var heading = title ? title.textContent : "";
    if (main && heading) {
      document.title = heading + " (" + main.dataset.step + " of " + main.dataset.total + ") · Rootmap";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("present-fullscreen");
    if (button && document.documentElement.requestFullscreen) {
      button.hidden = false;
      var label = function () {
        button.textContent = document.fullscreenElement ? "Leave full screen" : "Full screen";
      };
      button.addEventListener("click", function () {
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else {
          document.documentElement.requestFullscreen().catch(function () {});
        }
      });
      document.addEventListener("fullscreenchange", label);
      label();
    }
    focusTitle();
  });
  document.addEventListener("htmx:afterSettle", focusTitle);
}());
