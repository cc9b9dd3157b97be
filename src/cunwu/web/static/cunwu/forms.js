/* Every page's forms: after a refused submit the error summary takes the focus (screen readers read it first,
   and its links lead to each field); while a form is being sent its button shows that it is working (a sign-in
   takes a second or two) and a second press does not send it twice. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("data-no-busy")) { return; }
    var button = event.submitter || form.querySelector("button:not([type=button])");
    if (!button) { return; }
    if (form.getAttribute("data-busy") === "1") { event.preventDefault(); return; }
    form.setAttribute("data-busy", "1");
    button.setAttribute("aria-busy", "true");
    // The page may stay (a download, an answer kept offline): the form can be sent again after a while.
    setTimeout(function () { form.removeAttribute("data-busy"); button.removeAttribute("aria-busy"); }, 8000);
  });
  window.addEventListener("pageshow", function (event) {  // back to a page from the history: nothing is busy
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[aria-busy=true]"), function (b) {
      b.removeAttribute("aria-busy");
    });
    Array.prototype.forEach.call(document.forms, function (f) { f.removeAttribute("data-busy"); });
  });
})();
