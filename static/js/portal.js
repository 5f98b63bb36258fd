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

// Tabs that open at their content (<nav data-land-on="ID">, links ending #ID): on a phone the page
// above the tabs fills the first screen, so the tab opens scrolled to its content (the keyboard goes
// on from there too). Where that content starts on the first screen anyway (a desktop), the link
// loses its fragment and the tab opens at the top as before, the page header in sight.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("nav[data-land-on] a[href*='#']");
    if (!link) return;
    var content = document.getElementById(link.closest("nav").getAttribute("data-land-on"));
    if (!content) return;
    var top = content.getBoundingClientRect().top + window.scrollY;
    if (top < window.innerHeight * 0.75) link.hash = "";
  });
})();

// The console keeps the request being built in this tab's sessionStorage when the session ends
// (console.js), for the account that was signed in. On a shared computer someone else may sign in
// next on this tab: any page of another account drops those drafts, wherever it lands.
(function () {
  "use strict";
  var account = document.body.getAttribute("data-account");
  if (!account) return;  // signed out (the sign-in page): the draft waits for its account
  try {
    var store = window.sessionStorage;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key.indexOf("portal.console.draft:") !== 0) continue;
      var draft = null;
      try { draft = JSON.parse(store.getItem(key)); } catch (e) { /* unreadable: dropped */ }
      if (!draft || draft.account !== account) store.removeItem(key);
    }
  } catch (e) { /* no storage: nothing was kept */ }
})();

// htmx keeps snapshots of the pages it changed (the console's API responses among them) in this
// tab's sessionStorage, to put them back on Back without asking the server. Signed out, or another
// account signed in on this tab, they are someone else's: a signed-out page drops them, so Back
// after signing out asks the server (which asks to sign in) instead of showing the last responses.
(function () {
  "use strict";
  var account = document.body.getAttribute("data-account") || "";
  try {
    var store = window.sessionStorage;
    if (store.getItem("portal.account") !== account) {
      store.removeItem("htmx-history-cache");
      store.setItem("portal.account", account);
    }
  } catch (e) { /* no storage: htmx keeps nothing either */ }
})();

// A page that comes back with a form error puts the keyboard where the fix is: on the first field
// marked invalid (Django marks it aria-invalid and points aria-describedby at its message), or on
// the form-wide message (a failed sign-in names no field) when that comes first. Otherwise focus
// would start at the top of the page and a keyboard or screen-reader user would have to look for
// what went wrong. A field a template already autofocuses is one of these and keeps its focus.
(function () {
  "use strict";
  var targets = document.querySelectorAll("form .errorlist.nonfield[role='alert'], form [aria-invalid='true']");
  for (var i = 0; i < targets.length; i++) {
    var target = targets[i];
    if (!target.getClientRects().length) continue;  // hidden (a closed section): not where to start
    if (target.classList.contains("errorlist") && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");  // a message takes focus only from this script, never from Tab
    }
    target.focus();
    return;
  }
})();

// htmx keeps a snapshot of a page it changes, to put back on Back. What was typed into a field is not
// in the page's markup, so Back to a searched list showed the results without the search that
// found them. Once an address is pushed, the fields of a form whose values are that address anyway
// (a GET form with hx-push-url: a list's search and sort) write what they hold into their markup:
// the snapshot htmx takes before the next address holds this one's search, not the next one's.
// (The markup no longer decides what a field shows once the user has changed it: nothing moves.)
(function () {
  "use strict";
  document.addEventListener("htmx:pushedIntoHistory", function () {
    document.querySelectorAll("form[hx-push-url] input, form[hx-push-url] select").forEach(function (field) {
      if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.options, function (option) { option.toggleAttribute("selected", option.selected); });
      } else if (field.type === "checkbox" || field.type === "radio") {
        field.toggleAttribute("checked", field.checked);
      } else if (field.type !== "password" && field.type !== "hidden") {
        field.setAttribute("value", field.value);
      }
    });
  });
})();

// A form posted once is not posted again by a second click while its answer is on the way (on a
// slow network a double-click created two API clients, or ran a restore twice, or answered the
// second post with "already exists" after the first had worked). htmx forms are left to htmx (it
// stops their submit event itself); a submit someone else stopped (a confirm dialog's Cancel) does
// not count. The form can be sent again once the page is back (Back, bfcache) or after a while, in
// case the answer never replaces the page.
(function () {
  "use strict";
  var RETRY_AFTER_MS = 15000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    window.setTimeout(function () { form.removeAttribute("data-submitting"); }, RETRY_AFTER_MS);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) { form.removeAttribute("data-submitting"); });
  });
})();

// A page opened at a part of itself (settings/#delete after "Resend code", restore/#webhook after
// saving the webhook) scrolls there, far below the messages at the top: "A code was sent less than a
// minute ago" was off the screen, and the form looked as if a code were on its way. Such a page
// shows its messages in that part, under its heading.
(function () {
  "use strict";
  var messages = document.querySelector(".messages");
  var id = window.location.hash.slice(1);
  if (!messages || !id) return;
  var part = document.getElementById(decodeURIComponent(id));
  if (!part || part.contains(messages)) return;
  var heading = part.querySelector("h1, h2, h3");
  messages.classList.add("in-part");
  if (heading && heading.parentNode === part) heading.insertAdjacentElement("afterend", messages);
  else part.insertBefore(messages, part.firstChild);
})();

// Access forms: a group of roles says how many of its roles are ticked ("Buyers 2 selected"), so a
// closed group still shows that it holds a choice.
(function () {
  "use strict";
  function count(group) {
    var slot = group.querySelector("[data-role-count]");
    if (!slot) return;
    var n = group.querySelectorAll("input[type=checkbox]:checked").length;
    slot.textContent = n ? n + " selected" : "";
  }
  document.querySelectorAll("details.role-group").forEach(count);
  document.addEventListener("change", function (event) {
    var group = event.target.closest && event.target.closest("details.role-group");
    if (group) count(group);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    (event.target || document).querySelectorAll("details.role-group").forEach(count);
  });
})();
