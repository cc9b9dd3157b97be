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
      localStorage.setItem(PREFIX + key, JSON.stringify({action: form.action, fields: fields(form)}));
    } catch (e) { /* storage full or off: nothing kept */ }
    status(form, form.getAttribute("data-offline-text") + (hasFiles ? " " + form.getAttribute("data-offline-files") : ""));
  }
  function resendAll() {
    if (navigator.onLine === false) { return; }
    Object.keys(localStorage).filter(function (k) { return k.indexOf(PREFIX) === 0; }).forEach(function (k) {
      var draft;
      try { draft = JSON.parse(localStorage.getItem(k)); } catch (e) { localStorage.removeItem(k); return; }
      var body = new FormData();
      draft.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      send(draft.action, body).then(function (response) {
        localStorage.removeItem(k);
        if (!finish(response)) { window.location.assign(draft.action); }
      }).catch(function () { /* still offline: try again on the next "online" */ });
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-resubmit") || form.getAttribute("data-sending") === "1") { return; }
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
