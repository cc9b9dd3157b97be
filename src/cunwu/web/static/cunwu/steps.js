/* One question per screen (the self-service terminal): a form marked data-one-per-screen shows one of its
   questions (each .field or fieldset) at a time with the step count, "Back" and "Next"; the submit button comes
   with the last question. "Next" checks the question on screen first. After a refused submit it opens at the
   first question with a message. Without script the whole form shows, as on any other page. */
(function () {
  "use strict";
  function setUp(form) {
    var steps = Array.prototype.filter.call(form.children, function (el) {
      return (el.classList.contains("field") || el.tagName === "FIELDSET") && !el.hidden;
    });
    var submit = form.querySelector("[data-step-submit]");
    if (steps.length < 2 || !submit) { return; }
    var count = document.createElement("p");
    count.className = "step-count";
    count.setAttribute("aria-live", "polite");
    var nav = document.createElement("p");
    nav.className = "step-buttons";
    var back = document.createElement("button");
    back.type = "button";
    back.className = "secondary";
    back.textContent = form.getAttribute("data-step-back");
    var next = document.createElement("button");
    next.type = "button";
    next.className = "primary";
    next.textContent = form.getAttribute("data-step-next");
    nav.appendChild(back);
    nav.appendChild(next);
    form.insertBefore(count, steps[0]);
    submit.parentNode.insertBefore(nav, submit);
    var at = 0;
    var invalid = steps.findIndex(function (s) { return s.classList.contains("invalid"); });
    if (invalid > 0) { at = invalid; }
    function show(i) {
      at = i;
      steps.forEach(function (s, j) { s.hidden = j !== i; });
      count.textContent = form.getAttribute("data-step-text")
        .replace("{n}", String(i + 1)).replace("{m}", String(steps.length));
      back.hidden = i === 0;
      next.hidden = i === steps.length - 1;
      submit.hidden = i !== steps.length - 1;
      var first = steps[i].querySelector("input:not([type=hidden]), select, textarea");
      if (first && document.activeElement !== document.body) { first.focus(); }
    }
    function valid(step) {
      var controls = step.querySelectorAll("input, select, textarea");
      for (var k = 0; k < controls.length; k += 1) {
        if (!controls[k].checkValidity()) { controls[k].reportValidity(); return false; }
      }
      return true;
    }
    next.addEventListener("click", function () { if (valid(steps[at])) { show(at + 1); } });
    back.addEventListener("click", function () { show(at - 1); });
    show(at);
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-one-per-screen]"), setUp);
})();
