/* A part of a page that keeps itself current (a warning's acknowledgements, an import's progress) without the
   whole page reloading: an element with an id and data-refresh="seconds" is fetched again from the same address
   every so many seconds and replaced by the new copy, which screen readers announce politely (aria-live on the
   element). A button lets the reader pause and resume the updates (WCAG 2.2.2); nothing is fetched while the tab
   is hidden, and the updates stop once the new copy no longer asks for them (the import has finished). Without
   script the page says how to see the latest figures: load it again. */
(function () {
  "use strict";
  function setUp(region) {
    var seconds = parseInt(region.getAttribute("data-refresh"), 10);
    if (!region.id || !(seconds > 0)) { return; }
    var paused = false;
    var timer = null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.setAttribute("aria-pressed", "false");
    var labels = [region.getAttribute("data-refresh-pause"), region.getAttribute("data-refresh-resume")];
    button.textContent = labels[0];
    region.parentNode.insertBefore(button, region);
    function schedule() {
      clearTimeout(timer);
      if (!paused) { timer = setTimeout(fetchAgain, seconds * 1000); }
    }
    function fetchAgain() {
      if (document.hidden) { schedule(); return; }
      fetch(window.location.href, {credentials: "same-origin", headers: {"X-Requested-With": "refresh"}})
        .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (!fresh) { return; }
          region.innerHTML = fresh.innerHTML;
          if (fresh.hasAttribute("data-refresh")) { schedule(); } else { button.remove(); }
        })
        .catch(function () { schedule(); });  // offline for a moment: try again later
    }
    button.addEventListener("click", function () {
      paused = !paused;
      button.textContent = labels[paused ? 1 : 0];
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      schedule();
    });
    schedule();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), setUp);
}());
