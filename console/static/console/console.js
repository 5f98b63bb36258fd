// API console: filter rows (add/remove), copy buttons, the response's JSON tree. Requests
// themselves go through htmx; the response panel is server-rendered except the tree, which is
// built here from the raw JSON the panel embeds (<script type="application/json">).
(function () {
  "use strict";

  // --- collapsible JSON tree ---------------------------------------------------------------
  var OPEN_DEPTH = 3;      // nodes above this depth start open
  var EAGER_NODES = 3000;  // beyond this many, nodes start closed and render when opened

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

  function renderChildren(box, value, depth, budget) {
    entries(value).forEach(function (kv) { box.appendChild(jsonNode(kv[1], kv[0], depth + 1, budget)); });
  }

  function jsonNode(value, key, depth, budget) {
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
    if (depth < OPEN_DEPTH && budget.left > 0) {
      details.open = true;
      renderChildren(box, value, depth, budget);
    } else {  // rendered the first time it is opened
      details.addEventListener("toggle", function once() {
        if (!details.open) return;
        details.removeEventListener("toggle", once);
        renderChildren(box, value, depth, { left: EAGER_NODES });
      });
    }
    return details;
  }

  function buildTrees(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-json-tree]:not([data-built])").forEach(function (tree) {
      tree.setAttribute("data-built", "");
      var data = tree.parentElement.querySelector("script.json-tree-data");
      if (!data) return;
      try {
        tree.appendChild(jsonNode(JSON.parse(data.textContent), null, 0, { left: EAGER_NODES }));
      } catch (e) {  // JSON the browser refuses (e.g. NaN): show the text as it came
        tree.appendChild(el("pre", "", data.textContent));
      }
    });
  }
  document.addEventListener("htmx:load", function (event) { buildTrees(event.detail && event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { buildTrees(document); });
  } else {
    buildTrees(document);
  }

  function resend(form) {
    // A removed filter changes the result: send again (htmx hx-sync replaces an in-flight request).
    if (form && window.htmx) window.htmx.trigger(form, "submit");
  }

  // List options and filters apply at once: every edit sends the form; hx-sync="this:replace" on
  // the form aborts the request in flight, so the latest request wins.
  function liveEdit(event) {
    var target = event.target;
    if (!target.closest || !target.closest(".live")) return;
    if (event.type === "change" && target.tagName !== "SELECT") return;
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
      if (container.querySelectorAll(".filter-row").length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
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
})();
