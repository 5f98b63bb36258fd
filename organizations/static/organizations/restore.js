/* The Staging restore tab: a Show/Hide button next to the masked HashKey (as the console's
   secret inputs have, console.js addRevealButtons). Without script the key stays masked and is
   saved as it is. Loaded with `defer`: the page is parsed. No inline script (CSP). */
(function () {
  "use strict";

  document.querySelectorAll(".secret-input").forEach(function (row) {
    var input = row.querySelector("input");
    if (!input || !input.id || row.querySelector("button[data-reveal]")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.setAttribute("data-reveal", "");
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    var word = document.createElement("span");
    word.textContent = "Show";
    var what = document.createElement("span");
    what.className = "visually-hidden";
    what.textContent = " " + (row.getAttribute("data-reveal-label") || "value");
    button.appendChild(word);
    button.appendChild(what);
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      word.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", show ? "true" : "false");
    });
    row.appendChild(button);
  });
})();
