// Tierdesk: the little script every page loads. Pages work without it; it only adds
// conveniences. No inline scripts anywhere (the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  // Buttons with data-confirm ask before submitting their form.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
});
