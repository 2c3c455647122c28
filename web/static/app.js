// Tierdesk: the little script every page loads. Pages work without it; it only adds
// conveniences. No inline scripts anywhere (the CSP forbids them).

// Buttons with data-confirm ask before submitting their form. The listener sits on the
// document, so buttons that htmx swaps in later ask too.
document.addEventListener("click", function (ev) {
  var el = ev.target instanceof Element ? ev.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    ev.preventDefault();
    ev.stopPropagation();
  }
}, true);

// A bulk bar's [data-selected-count] says how many boxes of its form are ticked (hidden when
// none). Delegated on the document, so that tables htmx swaps in count too.
function countSelected(form) {
  var out = form.querySelector("[data-selected-count]");
  if (!out) {
    return;
  }
  var n = form.querySelectorAll("tbody input[type=checkbox]:checked").length;
  out.textContent = n + " selected";
  out.hidden = n === 0;
}
document.addEventListener("change", function (ev) {
  var form = ev.target instanceof Element ? ev.target.closest("form") : null;
  if (form) {
    countSelected(form);
  }
});
// Boxes the browser ticks again (back button, reload) count too.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form").forEach(countSelected);
});

// A table's [data-select-all] box ticks or clears every row's box of its form (the page's
// rows only), and follows them: ticked when all are, mixed when some are.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (!(el instanceof HTMLInputElement)) {
    return;
  }
  var form = el.closest("form");
  if (!form) {
    return;
  }
  var all = form.querySelector("[data-select-all]");
  var rows = form.querySelectorAll("tbody input[type=checkbox]");
  if (el.hasAttribute("data-select-all")) {
    rows.forEach(function (box) { box.checked = el.checked; });
    countSelected(form);
  } else if (all) {
    var ticked = form.querySelectorAll("tbody input[type=checkbox]:checked").length;
    all.checked = ticked === rows.length && rows.length > 0;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }
});
