/* Read-aloud: speaks the page's main text with the server's Mandarin voice (espeak-ng), or the browser's own
   voice when the server has none. Works on the buttons marked data-read-aloud; nothing happens without script. */
(function () {
  "use strict";
  var playing = null;
  function text() {
    var main = document.getElementById("main");
    return main ? main.innerText.replace(/\s+/g, " ").trim().slice(0, 1500) : "";
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (field ? field.value : "");
  }
  function browserVoice(words, lang) {
    if (!window.speechSynthesis) { return; }
    var u = new SpeechSynthesisUtterance(words);
    u.lang = lang === "en" ? "en-GB" : "zh-CN";
    u.rate = 0.85;
    window.speechSynthesis.speak(u);
  }
  function stop() {
    if (playing) { playing.pause(); playing = null; }
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
  }
  function read(button) {
    stop();
    var words = text();
    var lang = document.documentElement.lang === "en" ? "en" : "zh";
    var body = new FormData();
    body.append("text", words);
    body.append("lang", lang);
    button.setAttribute("aria-busy", "true");
    fetch(button.getAttribute("data-read-aloud"), {method: "POST", body: body, credentials: "same-origin",
                                                   headers: {"X-CSRFToken": csrf()}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.blob(); })
      .then(function (blob) {
        playing = new Audio(URL.createObjectURL(blob));
        document.body.setAttribute("data-speaking", "server");
        document.body.setAttribute("data-audio-bytes", String(blob.size));
        return playing.play();
      })
      .catch(function () { document.body.setAttribute("data-speaking", "browser"); browserVoice(words, lang); })
      .then(function () { button.removeAttribute("aria-busy"); });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-read-aloud]");
    if (button) { event.preventDefault(); read(button); }
    if (event.target.closest("[data-read-stop]")) { event.preventDefault(); stop(); }
  });
})();
