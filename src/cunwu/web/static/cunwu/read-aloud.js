/* Read-aloud: speaks the page's main text with the server's Mandarin voice (espeak-ng), or the browser's own
   voice when the server has none. The text goes a sentence or two at a time: the first clip plays within a
   second and the next is made while it plays. Works on the buttons marked data-read-aloud. */
(function () {
  "use strict";
  var CLIP = 160;
  var run = 0;
  var audio = null;
  function text() {
    var main = document.getElementById("main");
    return main ? main.innerText.replace(/\s+/g, " ").trim().slice(0, 3000) : "";
  }
  function clips(words) {
    var parts = words.match(/[^。！？；.!?;]+[。！？；.!?;]*/g) || [];
    var out = [], current = "";
    parts.forEach(function (part) {
      while (part.length > CLIP) { out.push(part.slice(0, CLIP)); part = part.slice(CLIP); }
      if ((current + part).length > CLIP) { out.push(current); current = ""; }
      current += part;
    });
    if (current.trim()) { out.push(current); }
    return out.filter(function (c) { return c.trim(); });
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (field ? field.value : "");
  }
  function browserVoice(words, lang) {
    document.body.setAttribute("data-speaking", "browser");
    if (!window.speechSynthesis) { return; }
    var u = new SpeechSynthesisUtterance(words);
    u.lang = lang === "en" ? "en-GB" : "zh-CN";
    u.rate = 0.85;
    window.speechSynthesis.speak(u);
  }
  function stop() {
    run += 1;
    if (audio) { audio.pause(); audio = null; }
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
    document.body.removeAttribute("data-speaking");
  }
  function fetchClip(url, words, lang) {
    var body = new FormData();
    body.append("text", words);
    body.append("lang", lang);
    return fetch(url, {method: "POST", body: body, credentials: "same-origin", headers: {"X-CSRFToken": csrf()}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.blob(); });
  }
  function read(button) {
    stop();
    var mine = run;
    var url = button.getAttribute("data-read-aloud");
    var words = text();
    var lang = document.documentElement.lang === "en" ? "en" : "zh";
    var queue = clips(words);
    var bytes = 0;
    button.setAttribute("aria-busy", "true");
    function play(i, pending) {
      if (mine !== run || i >= queue.length) { button.removeAttribute("aria-busy"); return; }
      pending.then(function (blob) {
        if (mine !== run) { return; }
        var next = i + 1 < queue.length ? fetchClip(url, queue[i + 1], lang) : null;
        if (next) { next.catch(function () {}); }
        bytes += blob.size;
        document.body.setAttribute("data-audio-bytes", String(bytes));
        document.body.setAttribute("data-speaking", "server");
        var source = URL.createObjectURL(blob);
        audio = new Audio(source);
        audio.addEventListener("playing", function () {
          button.removeAttribute("aria-busy");
          document.body.setAttribute("data-audio-playing", String(i + 1));
        });
        audio.addEventListener("ended", function () {
          URL.revokeObjectURL(source);
          if (next) { play(i + 1, next); } else { stop(); }
        });
        return audio.play();
      }).catch(function () {
        if (mine !== run) { return; }
        button.removeAttribute("aria-busy");
        if (i === 0) { browserVoice(words, lang); }  // the server has no voice: the browser's own reads it all
      });
    }
    if (!queue.length) { button.removeAttribute("aria-busy"); return; }
    play(0, fetchClip(url, queue[0], lang));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-read-aloud]");
    if (button) { event.preventDefault(); read(button); }
    if (event.target.closest("[data-read-stop]")) { event.preventDefault(); stop(); }
  });
})();
