/* Forms marked data-resubmit survive a dropped network: the form is sent in the background; if the network fails,
   what was typed is kept in this browser and sent again as soon as the network returns. The form's idempotency
   key makes the server take it once, however many times it arrives. Photos cannot be kept: the page says so. */
(function () {
  "use strict";
  var PREFIX = "cunwu-draft-";
  function status(form, text) {
    var box = form.querySelector("[data-offline-status]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-offline-status", "");
      box.setAttribute("role", "status");
      box.className = "notice";
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;
  }
  function fields(form) {
    var kept = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { kept.push([name, value]); }
    });
    return kept;
  }
  function send(action, body) {
    return fetch(action, {method: "POST", body: body, credentials: "same-origin", redirect: "follow"});
  }
  function finish(response) {
    if (response.redirected) { window.location.assign(response.url); return true; }
    return false;
  }
  function keep(form) {
    var key = (form.querySelector("input[name=idempotency_key]") || {}).value || String(Date.now());
    var hasFiles = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (f) {
      return f.files && f.files.length; });
    try {
      localStorage.setItem(PREFIX + key, JSON.stringify({action: form.action, fields: fields(form),
                                                         quiet: form.getAttribute("data-resubmit") === "quiet"}));
    } catch (e) { /* storage full or off: nothing kept */ }
    status(form, form.getAttribute("data-offline-text") + (hasFiles ? " " + form.getAttribute("data-offline-files") : ""));
  }
  var resending = false;
  function resendAll() {
    // One draft at a time (a village's slow link, and one request after another for the server), and one pass
    // at a time (the "online" event and the timer may both fire). A draft leaves this browser only when the
    // server has answered it (any answer but a server error, which is tried again later).
    if (navigator.onLine === false || resending) { return; }
    var keys = Object.keys(localStorage).filter(function (k) { return k.indexOf(PREFIX) === 0; });
    resending = true;
    function next() {
      var k = keys.shift();
      if (k === undefined) { resending = false; return; }
      var draft;
      try { draft = JSON.parse(localStorage.getItem(k)); } catch (e) { localStorage.removeItem(k); next(); return; }
      if (!draft) { next(); return; }
      var body = new FormData();
      draft.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      send(draft.action, body).then(function (response) {
        if (response.status >= 500) { resending = false; return; }  // kept: the next pass tries again
        localStorage.removeItem(k);
        if (draft.quiet) { sentQuietly(); next(); return; }
        resending = false;
        if (!finish(response)) { window.location.assign(draft.action); }
      }).catch(function () { resending = false; /* still offline: try again on the next "online" */ });
    }
    next();
  }
  var quietSent = 0;
  function sentQuietly() {  // a form marked data-resubmit="quiet" (a visit): count what went, stay on the page
    quietSent += 1;
    var box = document.querySelector("[data-sent-status]");
    if (box) { box.hidden = false; box.textContent = box.getAttribute("data-sent-text").replace("{n}", quietSent); }
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function stamp(form) {  // the moment it was done, not the moment it reaches the server
    Array.prototype.forEach.call(form.querySelectorAll("input[data-now]"), function (input) {
      var d = new Date();
      if (!input.value) {
        input.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
          pad(d.getHours()) + ":" + pad(d.getMinutes());
      }
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-resubmit") || form.getAttribute("data-sending") === "1") { return; }
    stamp(form);
    event.preventDefault();
    form.setAttribute("data-sending", "1");
    if (navigator.onLine === false) { keep(form); form.removeAttribute("data-sending"); return; }
    send(form.action, new FormData(form)).then(function (response) {
      if (!finish(response)) { form.submit(); }  // the server's answer with the errors to correct
    }).catch(function () { keep(form); }).then(function () { form.removeAttribute("data-sending"); });
  });
  window.addEventListener("online", resendAll);
  setInterval(resendAll, 15000);  // a network that came back without telling the browser
  resendAll();
})();
