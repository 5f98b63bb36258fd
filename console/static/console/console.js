// API console: filter rows (add/remove), copy buttons, the response's JSON tree, a secret field's
// "Show" button, reporting a live edit the browser refuses, the highlight of the operation shown (and
// the picker, one line on a narrow screen), the request kept for Back and across signing in again, a
// webhook's API client filter, quiet superseded requests, one request per Send.
// Requests themselves go through htmx; the response panel is server-rendered except the tree, which is
// built here from the raw JSON the panel embeds (<script type="application/json">).
(function () {
  "use strict";

  // --- collapsible JSON tree ---------------------------------------------------------------
  // "Collapse all" and "Expand all" above it (buttons: reached with Tab, pressed with Enter or
  // Space; each node's summary opens and closes it likewise). A large answer (more than LARGE
  // values, a page of 100 products) starts with the items of its top-level arrays (the answer
  // itself, or a property of it, such as a list's Items) closed but the first: their summaries one
  // line each, rather than a page tens of thousands of pixels tall above the History.
  var OPEN_DEPTH = 3;      // nodes above this depth start open
  var EAGER_NODES = 3000;  // beyond this many, nodes start closed and render when opened
  var LARGE = 200;         // more values than this: the items of top-level arrays start closed
  var treeCount = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scalar(value) {
    if (value === null) return el("span", "j-null", "null");
    if (typeof value === "boolean") return el("span", "j-bool", value ? "true" : "false");
    if (typeof value === "number") return el("span", "j-num", String(value));
    return el("span", "j-str", JSON.stringify(value));
  }

  function label(parent, key) {
    if (key === null) return;
    parent.appendChild(el("span", "j-key", String(key)));
    parent.appendChild(document.createTextNode(": "));
  }

  function entries(value) {
    return Array.isArray(value) ? value.map(function (v, i) { return [i, v]; })
      : Object.keys(value).map(function (k) { return [k, value[k]]; });
  }

  function countValues(value, limit) {  // how many values (counted up to just past `limit`)
    var count = 0, stack = [value];
    while (stack.length && count <= limit) {
      var item = stack.pop();
      count += 1;
      if (item !== null && typeof item === "object") {
        var keys = Object.keys(item);
        for (var i = 0; i < keys.length && stack.length <= limit; i++) stack.push(item[keys[i]]);
      }
    }
    return count;
  }

  function renderChildren(box, value, depth, budget, tree) {
    // a top-level array of a large answer: its items closed but the first
    var closeItems = tree.large && Array.isArray(value) && (depth === 0 || (depth === 1 && tree.rootIsObject));
    entries(value).forEach(function (kv, i) {
      box.appendChild(jsonNode(kv[1], kv[0], depth + 1, budget, tree, closeItems && i > 0));
    });
  }

  function jsonNode(value, key, depth, budget, tree, closed) {
    budget.left -= 1;
    var isObject = value !== null && typeof value === "object";
    if (!isObject) {
      var leaf = el("div", "j-leaf");
      label(leaf, key);
      leaf.appendChild(scalar(value));
      return leaf;
    }
    var isArray = Array.isArray(value);
    var size = isArray ? value.length : Object.keys(value).length;
    if (size === 0) {
      var empty = el("div", "j-leaf");
      label(empty, key);
      empty.appendChild(el("span", "j-empty", isArray ? "[]" : "{}"));
      return empty;
    }
    var details = el("details", "j-node");
    var summary = el("summary");
    label(summary, key);
    summary.appendChild(el("span", "j-summary", isArray ? "[…] " + size + " items" : "{…} " + size + " keys"));
    details.appendChild(summary);
    var box = el("div", "j-children");
    details.appendChild(box);
    var filled = false;
    // its children, rendered once: at once for a node that starts open, else the first time it opens
    details.jsonFill = function (nodes) {
      if (filled) return;
      filled = true;
      renderChildren(box, value, depth, nodes, tree);
    };
    if (!closed && depth < OPEN_DEPTH && budget.left > 0) {
      details.open = true;
      details.jsonFill(budget);
    } else {
      details.addEventListener("toggle", function once() {
        if (!details.open) return;
        details.removeEventListener("toggle", once);
        details.jsonFill({ left: EAGER_NODES });
      });
    }
    return details;
  }

  function treeTools(tree) {
    var tools = el("div", "json-tools");
    tools.setAttribute("role", "group");
    tools.setAttribute("aria-label", "Response body");
    [["collapse", "Collapse all"], ["expand", "Expand all"]].forEach(function (item) {
      var button = el("button", "secondary small", item[1]);
      button.type = "button";
      button.setAttribute("data-json-" + item[0], "");
      button.setAttribute("aria-controls", tree.id);
      tools.appendChild(button);
    });
    return tools;
  }

  function buildTrees(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-json-tree]:not([data-built])").forEach(function (tree) {
      tree.setAttribute("data-built", "");
      var data = tree.parentElement.querySelector("script.json-tree-data");
      if (!data) return;
      var value;
      try {
        value = JSON.parse(data.textContent);
      } catch (e) {  // JSON the browser refuses (e.g. NaN): show the text as it came
        tree.appendChild(el("pre", "", data.textContent));
        return;
      }
      var shape = { large: countValues(value, LARGE) > LARGE,
        rootIsObject: value !== null && typeof value === "object" && !Array.isArray(value) };
      tree.appendChild(jsonNode(value, null, 0, { left: EAGER_NODES }, shape));
      if (!tree.querySelector("details")) return;  // nothing to open or close
      if (!tree.id) tree.id = "json-tree-" + (++treeCount);
      if (shape.large) tree.setAttribute("data-large", "");
      tree.parentElement.insertBefore(treeTools(tree), tree);
    });
  }
  document.addEventListener("htmx:load", function (event) { buildTrees(event.detail && event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { buildTrees(document); });
  } else {
    buildTrees(document);
  }

  function expandAll(tree) {  // every node, those not rendered yet included
    var closed = tree.querySelectorAll("details.j-node:not([open])");
    while (closed.length) {
      Array.prototype.forEach.call(closed, function (node) {
        if (node.jsonFill) node.jsonFill({ left: EAGER_NODES });
        node.open = true;
      });
      closed = tree.querySelectorAll("details.j-node:not([open])");
    }
  }

  function collapseAll(tree) {  // all but the answer itself: its keys (or items) one line each
    var top = tree.querySelector("details.j-node");
    tree.querySelectorAll("details.j-node[open]").forEach(function (node) {
      if (node !== top) node.open = false;
    });
    if (top) top.open = true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-json-expand], [data-json-collapse]");
    var tree = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!tree) return;
    if (button.hasAttribute("data-json-expand")) expandAll(tree); else collapseAll(tree);
  });

  function resend(form) {
    // A removed filter changes the result: send again (htmx hx-sync replaces an in-flight request).
    // Marked live: the server keeps one history entry for a burst of live edits.
    if (!form || !window.htmx) return;
    form.setAttribute("data-live-send", "");
    window.htmx.trigger(form, "submit");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-live-send")) return;
    form.removeAttribute("data-live-send");
    event.detail.parameters.live = "1";
  });

  // --- one request per Send ------------------------------------------------------------------------
  // hx-sync="#response:replace" makes the latest request win: a newer one aborts the one in flight.
  // But an abort only stops the browser waiting; the server has run it. So a Send (either button,
  // or Enter in a field) or a history entry's Re-run pressed again while one of them is on its way
  // is dropped (a double-click created two products). Live edits of a list are not held back: they
  // go, and replace whatever is in flight; a Send after a live edit goes too.
  var sendInFlight = null;  // the XHR of the Send or Re-run on its way

  function isExplicitSend(elt) {
    if (!elt || !elt.hasAttribute) return false;
    if (elt.id === "builder-form") return !elt.hasAttribute("data-live-send");
    return elt.hasAttribute("data-rerun");
  }

  document.addEventListener("htmx:confirm", function (event) {
    if (sendInFlight && isExplicitSend(event.detail && event.detail.elt)) event.preventDefault();
  });
  document.addEventListener("htmx:beforeSend", function (event) {
    var detail = event.detail || {};
    if (isExplicitSend(detail.elt) && !(detail.requestConfig && detail.requestConfig.parameters &&
        detail.requestConfig.parameters.live)) sendInFlight = detail.xhr;
  });
  document.addEventListener("htmx:afterRequest", function (event) {  // answered, failed or aborted
    if (event.detail && event.detail.xhr === sendInFlight) sendInFlight = null;
  });

  // A filter row without a value is not sent (console.operations): editing its field or operator
  // changes nothing until a value is typed.
  function changesNothing(target) {
    var row = target.closest(".filter-row");
    if (!row || target.name === "f.value") return false;
    var value = row.querySelector("input[name='f.value']");
    return !!value && value.value.trim() === "";
  }

  // List options and filters apply at once: every edit sends the form; hx-sync="#response:replace"
  // on the form (and on the history's Re-run) aborts the request in flight, so the latest request wins.
  function liveEdit(event) {
    var target = event.target;
    if (!target.closest || !target.closest(".live")) return;
    // a text field sends on "input"; a select on "change" only (it fires "input" too: one edit, one request)
    if ((event.type === "change") !== (target.tagName === "SELECT")) return;
    if (changesNothing(target)) return;
    resend(target.closest("form"));
  }
  document.addEventListener("input", liveEdit);
  document.addEventListener("change", liveEdit);

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".js-add-filter");
    if (add) {
      var rows = add.parentElement.querySelector(".filters");
      var first = rows.querySelector(".filter-row");
      var clone = first.cloneNode(true);
      clone.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      clone.querySelector("select").selectedIndex = 0;
      rows.appendChild(clone);
      clone.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest(".js-remove-filter");
    if (remove) {
      var row = remove.closest(".filter-row");
      var container = row.parentElement;
      var hadValue = row.querySelector("input[name='f.value']").value !== "";
      // Focus stays in the filters (a keyboard user's next Tab, a screen reader's place): the next
      // row's remove button, else the previous one's, else "+ Add filter"; the row left alone when
      // it was the only one (emptied, not removed) keeps it on its field.
      var focusNext = null;
      if (container.querySelectorAll(".filter-row").length > 1) {
        var neighbour = row.nextElementSibling || row.previousElementSibling;
        focusNext = neighbour && neighbour.querySelector(".js-remove-filter");
        row.remove();
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        focusNext = row.querySelector("input[name='f.field']");
      }
      if (document.activeElement === remove || !document.contains(document.activeElement) ||
          document.activeElement === document.body) {
        (focusNext || container.parentElement.querySelector(".js-add-filter")).focus();
      }
      if (hadValue) resend(container.closest("form"));
      return;
    }
    var copy = event.target.closest(".js-copy");
    if (copy) {
      var pre = copy.parentElement.querySelector("pre");
      var text = pre ? pre.textContent : "";
      var done = function () { copy.textContent = "Copied"; setTimeout(function () { copy.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(pre); });
      } else {
        selectText(pre);
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
    }
  });

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // --- a live edit the browser refuses -------------------------------------------------------
  // htmx validates the form before sending and halts on an invalid field (e.g. pageSize 2.5 with
  // step=1). Show the browser's message on that field and mark the response shown as stale until
  // a request is sent again. (The Send button's native submit is validated by the browser itself.)
  var STALE_TEXT = "Not sent: fix the highlighted field. The response below is from an earlier request.";

  function inBuilder(node) { return !!(node && node.closest && node.closest("#builder-form")); }

  function markInvalid(field) {
    if (!field || !field.classList) return;
    field.classList.add("is-invalid");
    field.setAttribute("aria-invalid", "true");
  }

  function clearInvalid(field) {
    field.classList.remove("is-invalid");
    field.removeAttribute("aria-invalid");
    if (field.hasAttribute("data-field-error")) {  // marked by the server's "Fix these fields"
      var before = field.getAttribute("data-field-error");
      if (before) field.setAttribute("aria-describedby", before); else field.removeAttribute("aria-describedby");
      field.removeAttribute("data-field-error");
    }
  }

  function setStale(stale) {
    var slot = document.getElementById("response");
    if (!slot) return;
    slot.classList.toggle("stale", stale);
    var notice = slot.querySelector(".stale-notice");
    if (stale && !notice) {
      notice = el("p", "message warning stale-notice", STALE_TEXT);
      notice.setAttribute("role", "alert");
      notice.setAttribute("data-testid", "stale-notice");
      slot.insertBefore(notice, slot.firstChild);
    } else if (!stale && notice) {
      notice.remove();
    }
  }

  // "invalid" does not bubble: listen while capturing. Fired by htmx's check and by the browser.
  document.addEventListener("invalid", function (event) {
    if (!inBuilder(event.target)) return;
    markInvalid(event.target);
    setStale(true);
  }, true);

  document.addEventListener("htmx:validation:halted", function (event) {
    if (!inBuilder(event.target)) return;
    var errors = (event.detail && event.detail.errors) || [];
    errors.forEach(function (error) { markInvalid(error.elt); });
    var focused = document.activeElement;
    var report = errors.filter(function (error) { return error.elt === focused; })[0] || errors[0];
    if (report && report.elt.reportValidity) report.elt.reportValidity();
    setStale(true);
  });

  function recheck(event) {  // a fixed field loses its mark at once (the server's mark: at the next request)
    var field = event.target;
    if (field.classList && field.classList.contains("is-invalid") && field.validity && field.validity.valid &&
        !field.hasAttribute("data-field-error")) {
      clearInvalid(field);
    }
  }
  document.addEventListener("input", recheck, true);
  document.addEventListener("change", recheck, true);

  // --- the fields to fix (the server's "Fix these fields", and the API's errors) -------------------------
  // The list names each field as the builder labels it; the field itself is marked (aria-invalid, and
  // described by its message) until the next request, what was typed kept. After a Send, focus goes
  // to the first one (to the list when none is in the builder: a Re-run's); a live edit leaves the
  // focus where the user is typing. An error of the API itself that names a field (its Data.Field or
  // Data.Parameter; the server gives the builder field, data-field) marks that field the same way,
  // described by the error's message, but takes no focus: the request was sent, and its answer (the
  // response panel, as it came) is brought into view as any answer is.
  function fieldOf(form, item) {
    var name = item.getAttribute("data-field");
    var nth = parseInt(item.getAttribute("data-field-index"), 10) || 0;
    var field = Array.prototype.filter.call(form.elements, function (f) { return f.name === name; })[nth];
    return field && field.type !== "hidden" ? field : null;
  }

  function describeBy(field, id) {
    markInvalid(field);
    var described = field.getAttribute("aria-describedby") || "";
    if (!field.hasAttribute("data-field-error")) field.setAttribute("data-field-error", described);
    if ((" " + described + " ").indexOf(" " + id + " ") === -1) field.setAttribute("aria-describedby", (described + " " + id).trim());
  }

  function markFieldErrors(panel, from, focus) {
    // the marks of the panel's previous list go with it (a Re-run's answer replaced it, say)
    document.querySelectorAll("#builder-form [data-field-error]").forEach(clearInvalid);
    var list = panel && panel.querySelector("[data-testid=field-errors]");
    var apiErrors = panel && panel.querySelector("[data-testid=oc-errors]");
    if (!list && !apiErrors) return false;
    var form = document.getElementById("builder-form");
    var first = null;
    if (form && from === form) {
      if (list) {
        list.querySelectorAll("li[data-field]").forEach(function (item) {
          var field = fieldOf(form, item);
          if (!field) return;
          describeBy(field, item.id);
          first = first || field;
        });
      } else {
        apiErrors.querySelectorAll("[data-field][data-message]").forEach(function (item) {
          var field = fieldOf(form, item);
          var message = item.getAttribute("data-message");
          if (!field || !document.getElementById(message)) return;
          describeBy(field, message);
          first = first || field;
        });
      }
    }
    if (list) {
      if (focus) (first || list).focus();
      return true;
    }
    // the API answered: the answer is what to read (brought into view as any other), the fields it
    // names stay marked and described for when the user goes back to them
    return false;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!inBuilder(event.target)) return;  // the builder passed validation: nothing is invalid
    document.querySelectorAll("#builder-form .is-invalid").forEach(clearInvalid);
    setStale(false);
  });

  // --- the operation in the builder ------------------------------------------------------------
  // The picker's highlight and the page's ?op= follow the operation the builder shows, however it
  // got there (an operation link, "Edit" on a history entry, a searched operation list).
  function builderOperation() {
    var input = document.querySelector("#builder-form input[name=op]");
    return input ? input.value : "";
  }

  function markActiveOperation() {
    var op = builderOperation();
    if (!op) return;
    document.querySelectorAll(".op-link").forEach(function (link) {
      var active = link.getAttribute("data-op") === op;
      link.classList.toggle("active", active);
      if (active) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current");
    });
    showCurrentOperation(op);
  }

  // The picker is a <details>: on a narrow screen (one column, as in the stylesheet) a one-line
  // "Choose operation" disclosure, closed until opened, so the request is on the first screen; on a
  // wide screen its toggle is hidden and it stays open (the sidebar). Its toggle names the operation
  // the builder shows.
  var NARROW = window.matchMedia ? window.matchMedia("(max-width: 900px)") : null;

  function isNarrow() { return !!(NARROW && NARROW.matches); }

  function fitPicker() {
    var picker = document.querySelector("details.op-picker");
    if (!picker) return;
    picker.open = !isNarrow();
    picker.removeAttribute("data-unfitted");  // the CSS that showed it closed until now
  }
  fitPicker();  // a deferred script: the page is parsed
  if (NARROW && NARROW.addEventListener) NARROW.addEventListener("change", fitPicker);
  else if (NARROW && NARROW.addListener) NARROW.addListener(fitPicker);

  function showCurrentOperation(op) {
    var current = document.querySelector(".op-picker .op-current");
    var method = document.querySelector("#builder-form .builder-head .method");
    if (!current || !method) return;
    current.textContent = "";
    current.appendChild(method.cloneNode(true));
    current.appendChild(document.createTextNode(" "));
    current.appendChild(el("span", "op-name", op));
  }

  function syncUrlOperation() {
    // hx-push-url (operation links, history "Edit") has already pushed the URL by now; this only
    // corrects a URL that still names another operation.
    var op = builderOperation();
    if (!op || !window.history.replaceState) return;
    var url = new URL(window.location.href);
    if (url.searchParams.get("op") === op) return;
    url.searchParams.set("op", op);
    url.searchParams.delete("history");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }

  // An operation picked (or a history entry's "Edit"): focus moves to the request it loaded, so the
  // next Tab reaches its fields rather than the rest of the picker's links. On a phone (one column)
  // the builder is below the whole picker: it is scrolled into view, else nothing seemed to happen.
  function focusBuilder() {
    var form = document.getElementById("builder-form");
    if (!form) return;
    form.focus({ preventScroll: true });
    var top = form.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) form.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = (event.detail && event.detail.target) || event.target;
    var id = target && target.id;
    if (id === "builder") {
      markActiveOperation();
      syncUrlOperation();
      setStale(false);  // the field to fix is gone
      var from = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
      // an operation link or a history entry's "Edit" (the elements that load the builder)
      if (from && from.getAttribute && from.getAttribute("hx-target") === "#builder") {
        if (isNarrow()) fitPicker();  // picked: the picker closes again above the request
        focusBuilder();
      }
    } else if (id === "operations") {
      markActiveOperation();
    } else if (id === "response") {
      setStale(false);  // e.g. a history entry re-run: a fresh response
      var config = event.detail && event.detail.requestConfig;
      var live = config && config.parameters && config.parameters.live;
      var asked = !!(config && config.elt && !live);  // not while typing a live edit
      // fields to fix: the first one focused (in view) after a Send; else the response brought into view
      if (!markFieldErrors(target, config && config.elt, asked) && asked) revealResponse();
    }
  });

  // A response asked for (Send, a history entry's "Re-run") is brought into view when it landed out
  // of sight: below a long request form (always on a phone) or above the history.
  function revealResponse() {
    var panel = document.getElementById("response");
    if (!panel) return;
    var top = panel.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.75) panel.scrollIntoView({ block: "start" });
  }
  document.addEventListener("htmx:historyRestore", function () { markActiveOperation(); fitPicker(); });

  // --- Back and Forward keep what was typed ----------------------------------------------------
  // For Back and Forward htmx keeps a copy of the page's HTML, taken before an operation link (or a
  // history entry's "Edit") pushes a new address. A value typed into a field is not in the HTML, so
  // Back brought the request back empty. Just before the copy is taken, what the builder's fields
  // (and the operation search) hold becomes their HTML. Not a password or secret (named as the
  // history names them, console.operations.is_secret_name): the copy is kept in localStorage.
  var SECRET_NAME = /pass(word|phrase)|secret|hash_?key|auth_?header_?value|token|api_?key|private_?key|credential/i;
  var NOT_SECRET_NAME = /(date|duration|age|reuse|config|count|ids?|type|name|expiration)$/i;

  function isSecretName(name) { return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name); }

  function holdsSecret(field) {
    var name = field.name || "";
    if (name === "body_json") return SECRET_NAME.test(field.value);  // a key named so somewhere in it
    if (name === "f.value") {  // a filter on a secret field
      var row = field.closest(".filter-row");
      var on = row && row.querySelector("input[name='f.field']");
      return !!on && isSecretName(on.value.trim());
    }
    return isSecretName(name.replace(/^(body|q|path)\./, ""));
  }

  function keepTypedValue(field) {
    if (field.tagName === "SELECT") {
      var index = field.selectedIndex;
      Array.prototype.forEach.call(field.options, function (option) { option.defaultSelected = option.index === index; });
      field.selectedIndex = index;
    } else if (field.type === "checkbox" || field.type === "radio") {
      field.defaultChecked = field.checked;
    } else if (field.tagName === "TEXTAREA" || field.tagName === "INPUT") {
      if (field.type === "hidden" || field.type === "submit" || field.type === "button" || holdsSecret(field)) return;
      field.defaultValue = field.value;  // the value attribute (a textarea's text)
    }
  }

  document.addEventListener("htmx:beforeHistorySave", function () {
    var form = document.getElementById("builder-form");
    if (form) Array.prototype.forEach.call(form.elements, keepTypedValue);
    var search = document.querySelector(".op-picker input[type=search]");
    if (search) keepTypedValue(search);
  });

  // --- a draft kept across signing in again ---------------------------------------------------------
  // Signed out meanwhile (in another tab, or the session ended), the next request the page makes
  // (Send, a live edit) is answered with HX-Redirect to the sign-in page, which comes back to this
  // page: a fresh builder, so the request being built was lost. Just before htmx follows that
  // redirect, the builder's fields are kept in this tab's sessionStorage under the organization and
  // operation, and put back (once) when this console page opens again on that operation. So too
  // when the impersonation the request was built in has ended (the permission taken away, the user
  // or API client gone): nothing is sent, and the answer reloads the page (HX-Refresh) to show your
  // own access and why; the request comes back into the reloaded page. The rule
  // of Back above applies: never a password or secret; a JSON body keeps the rest of it, a secret in
  // it shown as the history shows one (********, which Send refuses until it is typed again).
  // A draft is the signed-in account's (<body data-account>): on a shared computer, whoever signs in
  // next on this tab never gets it, and any page of theirs drops it (portal.js).
  var DRAFT_PREFIX = "portal.console.draft:";
  var DRAFT_MAX_AGE = 12 * 60 * 60 * 1000;  // a draft not restored by then is dropped
  var REDACTED = "********";

  function currentAccount() {
    return document.body.getAttribute("data-account") || "";
  }

  function draftKey(form) {
    var op = form.querySelector("input[name=op]");
    return op && op.value ? DRAFT_PREFIX + (form.getAttribute("hx-post") || "").toLowerCase() + "#" + op.value : "";
  }

  function redactSecrets(value) {  // a parsed JSON body: secret-named keys' values become REDACTED
    var redacted = false;
    (function walk(node) {
      if (node === null || typeof node !== "object") return;
      Object.keys(node).forEach(function (key) {
        var item = node[key];
        if (!Array.isArray(node) && isSecretName(key) && item !== null && typeof item !== "object" && item !== "") {
          if (item !== REDACTED) { node[key] = REDACTED; redacted = true; }
        } else {
          walk(item);
        }
      });
    })(value);
    return redacted;
  }

  function draftValue(field) {  // [value, whether a secret was left out]
    if (field.name === "body_json" && holdsSecret(field)) {
      try {
        var body = JSON.parse(field.value);
        return redactSecrets(body) ? [JSON.stringify(body, null, 2), true] : [field.value, false];
      } catch (e) {
        return [null, true];  // not JSON (yet): nothing of it is kept
      }
    }
    if (holdsSecret(field)) return [null, field.value !== ""];
    if (field.type === "checkbox" || field.type === "radio") return [field.checked, false];
    return [field.value, false];
  }

  function isUntouched(field) {  // as the page (or the builder's swap) gave it
    if (field.type === "checkbox" || field.type === "radio") return field.checked === field.defaultChecked;
    if (field.tagName === "SELECT") {  // none marked selected: the first option is the default
      var options = Array.prototype.slice.call(field.options);
      var marked = options.some(function (o) { return o.defaultSelected; });
      return options.every(function (o, i) { return o.selected === (marked ? o.defaultSelected : i === 0); });
    }
    return field.value === field.defaultValue;
  }

  // The context the page shows (console.html sends it with the form): signing in again starts with
  // your own access, so a draft built while impersonating says it will not be sent as that user.
  // [API client ID, username, the client's name as the context bar says it].
  function shownContext() {
    var client = document.querySelector("input[form=builder-form][name=ctx_client_id]");
    var username = document.querySelector("input[form=builder-form][name=ctx_username]");
    return [client ? client.value : "", username ? username.value : "",
      client ? client.getAttribute("data-client-name") || "" : ""];
  }

  function contextLabel(context) {  // as the context bar and the history say it: "<username> via <AppName>"
    if (!context[1]) {
      var who = document.body.querySelector(".usermenu-name");
      return "you" + (who && who.textContent ? " (" + who.textContent.trim() + ")" : "");
    }
    return context[1] + " via " + (context[2] || context[0]);
  }

  // `contextEnded`: the page reloads because the context the request was built in cannot be used now
  function draftSave(contextEnded) {
    var form = document.getElementById("builder-form");
    var key = form && draftKey(form);
    if (!key) return;
    var untouched = Array.prototype.every.call(form.elements, function (field) {
      return !field.name || /^(hidden|submit|button|file)$/.test(field.type) || isUntouched(field);
    });
    // nothing typed into a fresh builder (the session ended while opening the context picker, say):
    // nothing to bring back, and no notice saying so. A history entry loaded with Edit is kept.
    if (untouched && !form.hasAttribute("data-from-history")) return;
    var fields = [], leftOut = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || /^(hidden|submit|button|file)$/.test(field.type)) return;
      var kept = draftValue(field);
      leftOut = leftOut || kept[1];
      fields.push([field.name, kept[0]]);  // null keeps the place of a value left out
    });
    try {
      window.sessionStorage.setItem(key, JSON.stringify({ saved: Date.now(), account: currentAccount(),
        context: shownContext(), contextEnded: !!contextEnded, fields: fields, leftOut: leftOut }));
    } catch (e) { /* no storage (private mode, full): the draft is lost as before */ }
  }

  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr) return;
    if (xhr.getResponseHeader("HX-Redirect")) draftSave(false);  // the page is about to be left
    else if (xhr.getResponseHeader("HX-Refresh") === "true") draftSave(true);  // ...or reloaded
  });
  // "Reload this page" under a refusal (the context was switched in another tab): the reloaded page
  // shows the context now in use, and brings the request back saying it was built in the other one
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-testid=reload-page]");
    if (link) draftSave(false);
  });

  function fitFilterRows(form, count) {  // as many filter rows as the draft had
    var rows = form.querySelector(".filters");
    var first = rows && rows.querySelector(".filter-row");
    if (!first) return;
    while (rows.querySelectorAll(".filter-row").length < count) {
      var clone = first.cloneNode(true);
      clone.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      clone.querySelector("select").selectedIndex = 0;
      rows.appendChild(clone);
    }
  }

  function draftRestore() {
    var form = document.getElementById("builder-form");
    var key = form && draftKey(form);
    if (!key) return;
    var draft = null;
    try {
      draft = JSON.parse(window.sessionStorage.getItem(key) || "null");
      window.sessionStorage.removeItem(key);  // once
    } catch (e) { return; }
    if (!draft || !Array.isArray(draft.fields) || !(Date.now() - draft.saved < DRAFT_MAX_AGE)) return;
    if (!draft.account || draft.account !== currentAccount()) return;  // another account's: dropped
    fitFilterRows(form, draft.fields.filter(function (f) { return f[0] === "f.field"; }).length);
    var seen = {};
    draft.fields.forEach(function (entry) {
      var name = entry[0], value = entry[1];
      var nth = seen[name] = (seen[name] || 0) + 1;
      var field = Array.prototype.filter.call(form.elements, function (f) { return f.name === name; })[nth - 1];
      if (!field || value === null) return;
      if (field.type === "checkbox" || field.type === "radio") field.checked = !!value;
      else field.value = value;
    });
    var text = "The request you were building is back as you left it" +
      (draft.leftOut ? "; passwords and secrets are not kept: type them again." : ".");
    var built = Array.isArray(draft.context) ? draft.context : ["", ""], now = shownContext();
    var otherContext = built[0] !== now[0] || built[1] !== now[1];
    if (otherContext && draft.contextEnded && built[1]) {  // the page says why above: no "switch context" to it
      text += " It was built as " + contextLabel(built) + ", which is no longer possible; nothing was sent. Send " +
        "calls the API in your current context, as " + contextLabel(now) + ".";
    } else if (otherContext) {  // a write must not be made as someone else without a word
      text += " It was built as " + contextLabel(built) + "; Send calls the API in your current context, as " +
        contextLabel(now) + (built[1] ? ": switch context to send it as " + built[1] + " again." : ".");
    }
    // Read out, not only shown: a screen reader announces a change inside a live region it already
    // knows, and may say nothing of a region born with its text while the page loads. So the region
    // goes in empty and the text follows; a request that will go out as someone else than it was
    // built as is an alert (read at once), the plain "back as you left it" a status.
    var notice = el("p", otherContext ? "message warning" : "message info");
    notice.setAttribute("role", otherContext ? "alert" : "status");
    notice.setAttribute("data-testid", "draft-restored");
    var summary = form.querySelector(".builder-summary");
    if (summary) summary.insertAdjacentElement("afterend", notice); else form.insertBefore(notice, form.firstChild);
    window.setTimeout(function () { notice.textContent = text; }, 100);
  }
  draftRestore();  // a deferred script: the page is parsed

  // The notice is about the request as it came back: once it has been sent (Send, a live edit) and
  // answered, it goes. A refusal (a secret to type again) keeps it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    if (!detail.successful || !detail.elt || detail.elt.id !== "builder-form") return;
    var notice = detail.elt.querySelector("[data-testid=draft-restored]");
    if (notice) notice.remove();
  });

  // --- secrets in a form (a client secret, a webhook's HashKey or auth header value, a password ------
  // field of the request builder) ----------------------------------------------------------------
  // The field is a password input (masked); its "Show" button switches it to text and back. The
  // value is the same either way, so saving unchanged keeps it. The builder comes and goes with
  // htmx (an operation picked, Back): its rows get their button when they come in, and a click is
  // handled on the page (a button in a page htmx put back has no listener of its own).
  function addRevealButtons(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var rows = Array.prototype.slice.call(scope.querySelectorAll(".secret-input"));
    if (scope.matches && scope.matches(".secret-input")) rows.push(scope);
    rows.forEach(function (row) {
      var input = row.querySelector("input");
      if (!input || row.querySelector("button[data-reveal]")) return;
      var button = el("button", "secondary small");
      button.type = "button";
      button.setAttribute("data-reveal", "");
      button.setAttribute("aria-controls", input.id);
      button.appendChild(el("span", "reveal-word", input.type === "password" ? "Show" : "Hide"));
      button.appendChild(el("span", "visually-hidden", " " + (row.getAttribute("data-reveal-label") || "value")));
      row.appendChild(button);
    });
  }
  addRevealButtons();  // a deferred script: the page is parsed
  document.addEventListener("htmx:load", function (event) { addRevealButtons(event.detail && event.detail.elt); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-reveal]");
    var input = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!input) return;
    var shown = input.type === "password";
    input.type = shown ? "text" : "password";
    button.querySelector(".reveal-word").textContent = shown ? "Hide" : "Show";
  });

  // --- a webhook's API clients: the filter box --------------------------------------------------
  // With many clients the checkbox list is long: typing narrows it to the clients whose app name or
  // ID holds what was typed. A client hidden by the filter keeps its checkbox as it was (a hidden
  // input is still submitted), so saving keeps it assigned; the count says how many are checked and
  // how many of those the filter hides. Without script the box stays hidden: the plain list.
  function setupClientFilter(box) {
    var input = box.querySelector("input[type=search]");
    var count = box.querySelector(".client-filter-count");
    var list = input && document.getElementById(input.getAttribute("aria-controls"));
    if (!list || !count) return;
    var rows = Array.prototype.filter.call(list.children, function (row) {
      return !!row.querySelector("input[type=checkbox]");
    }).map(function (row) {
      return { row: row, box: row.querySelector("input[type=checkbox]"), text: row.textContent.toLowerCase() };
    });

    function update() {
      var query = input.value.trim().toLowerCase();
      var shown = 0, checked = 0, checkedHidden = 0;
      rows.forEach(function (item) {
        var match = !query || item.text.indexOf(query) !== -1;
        item.row.hidden = !match;
        if (match) shown += 1;
        if (item.box.checked) {
          checked += 1;
          if (!match) checkedHidden += 1;
        }
      });
      var text = checked + " selected";
      if (checkedHidden) text += " (" + checkedHidden + " hidden by the filter)";
      if (query) {
        text += shown ? " · " + shown + " of " + rows.length + " shown"
          : " · no API client matches \u201c" + input.value.trim() + "\u201d";
      }
      count.textContent = text;
    }

    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {  // Enter filters; it does not save the form
      if (event.key === "Enter") event.preventDefault();
    });
    list.addEventListener("change", update);
    box.hidden = false;
    update();
  }
  document.querySelectorAll("[data-client-filter]").forEach(setupClientFilter);  // a deferred script

  // --- "Switch context" closes on Escape ----------------------------------------------------------
  // The panel (a <details>) closes as the user menu does when Escape is pressed inside it, and focus
  // goes back to its "Switch context" button; a search box with text in it is emptied first (the
  // browser's own Escape), so one Escape never both clears the search and closes the panel.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.ctx-switch[open]").forEach(function (panel) {
      var active = document.activeElement;
      if (!panel.contains(active)) return;
      if (active.type === "search" && active.value) return;
      panel.open = false;
      panel.querySelector("summary").focus();
    });
  });

  // --- superseded requests -----------------------------------------------------------------------
  // hx-sync="...:replace" aborts the request in flight when a newer one starts (the latest request
  // wins), and htmx logs every abort with console.error ("htmx:afterRequest", "htmx:sendAbort").
  // Those two lines are dropped for such requests, only while their abort is handled; network
  // errors, timeouts and error responses are logged as before.
  var ABORT_LOG = /^htmx:(afterRequest|sendAbort)\b/;
  document.addEventListener("htmx:beforeSend", function (event) {
    var elt = event.target;
    var sync = elt && elt.closest && elt.closest("[hx-sync]");
    if (!sync || !/:\s*replace\b/.test(sync.getAttribute("hx-sync"))) return;
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || typeof xhr.onabort !== "function") return;
    var onabort = xhr.onabort;
    xhr.onabort = function () {
      var log = console.error;
      console.error = function (message) {
        if (typeof message === "string" && ABORT_LOG.test(message)) return;
        return log.apply(console, arguments);
      };
      try {
        return onabort.apply(this, arguments);
      } finally {
        console.error = log;
      }
    };
  });
})();
