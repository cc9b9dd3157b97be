/* The self-service terminal's idle wipe: after the idle time without a touch, a 15-second warning; then
   everything typed is cleared, drafts kept in this browser are deleted, and the visit is signed out. */
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.getAttribute("data-idle") || 120) * 1000;
  var warnFor = Math.min(15000, idle / 2);
  var timer = null, countdown = null, left = 0;
  var box = document.getElementById("idle-warning");
  function wipe() {
    Array.prototype.forEach.call(document.forms, function (f) { try { f.reset(); } catch (e) { /* ignore */ } });
    try {
      Object.keys(localStorage).forEach(function (k) { if (k.indexOf("cunwu-") === 0) { localStorage.removeItem(k); } });
      sessionStorage.clear();
    } catch (e) { /* storage may be unavailable */ }
    document.getElementById("wipe-form").submit();
  }
  function tick() {
    left -= 1;
    var n = document.getElementById("idle-seconds");
    if (n) { n.textContent = String(left); }
    if (left <= 0) { clearInterval(countdown); wipe(); }
  }
  function warn() {
    if (!box) { wipe(); return; }
    box.hidden = false;
    left = Math.round(warnFor / 1000);
    tick(); left += 1; tick();
    countdown = setInterval(tick, 1000);
  }
  function reset() {
    if (box && !box.hidden) { box.hidden = true; clearInterval(countdown); }
    clearTimeout(timer);
    timer = setTimeout(warn, idle - warnFor);
  }
  ["pointerdown", "keydown", "touchstart", "input", "scroll"].forEach(function (e) {
    document.addEventListener(e, reset, {passive: true});
  });
  reset();
})();
