// Every page: the user menu (a <details> in the top bar) closes as a menu does: on Escape (focus
// goes back to its button), on a click or tap outside it, and when focus moves on out of it.
(function () {
  "use strict";
  function eachOpenMenu(fn) {
    document.querySelectorAll("details.usermenu[open]").forEach(fn);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    eachOpenMenu(function (menu) {
      var inside = menu.contains(document.activeElement);
      menu.open = false;
      if (inside) menu.querySelector("summary").focus();
    });
  });
  function closeOutside(event) {
    eachOpenMenu(function (menu) { if (!menu.contains(event.target)) menu.open = false; });
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
})();
