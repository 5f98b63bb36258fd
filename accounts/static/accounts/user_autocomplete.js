// accounts/includes/user_autocomplete.html: choosing a result fills the hidden input.
// One delegated listener per page, however many widgets (and script tags) the page has.
(function () {
  if (window.portalUserAutocomplete) return;
  window.portalUserAutocomplete = true;
  function parts(widget) {
    return {
      value: widget.querySelector("[data-ua-value]"),
      id: widget.querySelector("[data-ua-id]"),
      choice: widget.querySelector("[data-ua-choice]"),
      box: widget.querySelector("input[type=search]"),
      results: widget.querySelector(".autocomplete-results"),
    };
  }
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-ua-pick]");
    var clear = event.target.closest("[data-ua-clear]");
    var widget = (pick || clear) && (pick || clear).closest("[data-user-autocomplete]");
    if (!widget) return;
    var p = parts(widget);
    if (pick) {
      p.value.value = pick.dataset.username;
      // the person picked, by account id: the username may be someone else's by the time it is sent
      if (p.id) p.id.value = pick.dataset.userId || "";
      widget.querySelector("[data-ua-username]").textContent = pick.dataset.username;
      widget.querySelector("[data-ua-name]").textContent = pick.dataset.name || "";
      widget.querySelector("[data-ua-initial]").textContent = pick.dataset.username.charAt(0).toUpperCase();
      p.choice.hidden = false;
      p.box.hidden = true;
      p.results.innerHTML = "";
      p.box.setAttribute("aria-expanded", "false");
      p.value.dispatchEvent(new Event("change", { bubbles: true }));
      // the focused option is gone: focus goes to the choice's "Change" (else it fell to the page)
      p.choice.querySelector("[data-ua-clear]").focus();
    } else {
      p.value.value = "";
      if (p.id) p.id.value = "";
      p.choice.hidden = true;
      p.box.hidden = false;
      p.box.value = "";
      p.box.focus();
      p.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // Keyboard (the box is a combobox): Down from the box goes to the first match, Up/Down move among
  // the matches, Escape closes the list and goes back to the box; Enter or Space picks (a button).
  function close(p) {
    p.results.innerHTML = "";
    p.box.setAttribute("aria-expanded", "false");
  }
  document.addEventListener("keydown", function (event) {
    var widget = event.target.closest && event.target.closest("[data-user-autocomplete]");
    if (!widget) return;
    var p = parts(widget);
    var options = Array.prototype.slice.call(p.results.querySelectorAll("[data-ua-pick]"));
    var at = options.indexOf(event.target);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (event.target !== p.box && at < 0) return;
      if (!options.length) return;
      event.preventDefault();
      if (event.target === p.box) {
        if (event.key === "ArrowDown") options[0].focus();
      } else if (event.key === "ArrowDown") {
        options[Math.min(at + 1, options.length - 1)].focus();
      } else if (at === 0) {
        p.box.focus();
      } else {
        options[at - 1].focus();
      }
    } else if (event.key === "Escape" && (at >= 0 || (event.target === p.box && p.results.children.length))) {
      event.preventDefault();  // a list open: Escape closes it (and does not also clear the box)
      close(p);
      p.box.focus();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var widget = event.target.closest && event.target.closest("[data-user-autocomplete]");
    if (widget) parts(widget).box.setAttribute("aria-expanded", event.target.children.length ? "true" : "false");
  });
  // A name typed before the page's scripts were ready (a slow phone, the first instant after the page
  // appears) sent no search: htmx listens only from DOMContentLoaded on, and then waits for the next
  // keystroke. Once htmx has set the boxes up, a box that already holds text searches for it.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    document.querySelectorAll("[data-user-autocomplete] input[type=search]").forEach(function (box) {
      if (!box.hidden && box.value.trim()) window.htmx.trigger(box, "search");
    });
  });
})();
