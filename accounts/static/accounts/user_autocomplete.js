// accounts/includes/user_autocomplete.html: choosing a result fills the hidden input.
// One delegated listener per page, however many widgets (and script tags) the page has.
(function () {
  if (window.portalUserAutocomplete) return;
  window.portalUserAutocomplete = true;
  function parts(widget) {
    return {
      value: widget.querySelector("[data-ua-value]"),
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
      widget.querySelector("[data-ua-username]").textContent = pick.dataset.username;
      widget.querySelector("[data-ua-name]").textContent = pick.dataset.name || "";
      widget.querySelector("[data-ua-initial]").textContent = pick.dataset.username.charAt(0).toUpperCase();
      p.choice.hidden = false;
      p.box.hidden = true;
      p.results.innerHTML = "";
      p.box.setAttribute("aria-expanded", "false");
      p.value.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      p.value.value = "";
      p.choice.hidden = true;
      p.box.hidden = false;
      p.box.value = "";
      p.box.focus();
      p.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var widget = event.target.closest && event.target.closest("[data-user-autocomplete]");
    if (widget) parts(widget).box.setAttribute("aria-expanded", event.target.children.length ? "true" : "false");
  });
})();
