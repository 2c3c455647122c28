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
