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
// Errors of htmx requests show as the portal's error flash, at the top of the page, in words.
// The portal answers a failed htmx request with that flash (#error-panel, placed by its
// HX-Retarget headers); any other failure (a proxy's or the database's plain text, a page of
// another kind, no answer at all) would otherwise be swapped raw into a table or a form, so
// it is not swapped: the same flash says what went wrong instead.
var htmxErrorWords = {
  401: "Your session ended. Sign in again, then repeat what you were doing.",
  403: "This was refused. Reload the page and try again.",
  404: "Tierdesk did not find what this part of the page asked for. Reload the page.",
  413: "What you sent is larger than Tierdesk accepts. Nothing was changed.",
  429: "Too many requests at once. Wait a moment, then try again."
};

function htmxErrorMessage(xhr) {
  var type = xhr.getResponseHeader("Content-Type") || "";
  var body = xhr.responseText || "";
  if (type.indexOf("text/html") === 0 && window.DOMParser) {
    var doc = new DOMParser().parseFromString(body, "text/html");
    var title = doc.querySelector('[data-testid="message-title"]');
    var text = doc.querySelector('[data-testid="message-text"]');
    if (text && text.textContent.trim()) {
      return { title: title ? title.textContent.trim() : "", text: text.textContent.trim() };
    }
  } else if (type.indexOf("text/plain") === 0 && body.length <= 500 && body.trim().split(/\s+/).length >= 4) {
    return { title: "", text: body.trim() }; // a sentence (the portal's "cannot reach its database")
  }
  return { title: "", text: htmxErrorWords[xhr.status] ||
    "Tierdesk could not finish this request. Nothing you entered was lost; try again in a moment." };
}

function clearHtmxError() {
  var old = document.getElementById("error-panel");
  if (old) {
    old.remove();
  }
}

function showHtmxError(title, text) {
  clearHtmxError();
  var box = document.createElement("div");
  box.id = "error-panel";
  box.className = "flash bad error-flash";
  box.setAttribute("role", "alert");
  box.setAttribute("data-testid", "error-flash");
  if (title) {
    var strong = document.createElement("strong");
    strong.setAttribute("data-testid", "message-title");
    strong.textContent = title;
    box.appendChild(strong);
    box.appendChild(document.createTextNode(" "));
  }
  var span = document.createElement("span");
  span.setAttribute("data-testid", "message-text");
  span.textContent = text;
  box.appendChild(span);
  var main = document.getElementById("main") || document.body;
  main.insertBefore(box, main.firstChild);
  box.scrollIntoView({ block: "nearest" });
}

document.addEventListener("htmx:beforeSwap", function (ev) {
  var xhr = ev.detail.xhr;
  if (!xhr || xhr.status < 400) {
    return;
  }
  if (xhr.getResponseHeader("HX-Retarget")) {
    clearHtmxError(); // the portal's own flash replaces the one before it
    return;
  }
  ev.detail.shouldSwap = false;
  var m = htmxErrorMessage(xhr);
  showHtmxError(m.title, m.text);
});

document.addEventListener("htmx:afterSwap", function (ev) {
  var xhr = ev.detail.xhr;
  var panel = document.getElementById("error-panel");
  if (!panel || !xhr) {
    return;
  }
  if (xhr.status >= 400) {
    panel.scrollIntoView({ block: "nearest" });
  } else if (!panel.contains(ev.detail.elt)) {
    panel.remove(); // the next request that works clears the error
  }
});

document.addEventListener("htmx:sendError", function () {
  showHtmxError("", "Tierdesk could not be reached. Check your connection, then try again.");
});
document.addEventListener("htmx:timeout", function () {
  showHtmxError("", "Tierdesk took too long to answer. Reload the page to see what happened before trying again.");
});

// Settings pages: the search narrows the rows as one types (every word must be in the
// setting's name, section or path); sections with no row left hide, and closed sections of a
// template open while a search is typed. Without the script, the search is a GET form.
document.addEventListener("input", function (ev) {
  var box = ev.target;
  if (!box.matches || !box.matches("[data-setting-filter]")) {
    return;
  }
  var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
  var shown = 0;
  document.querySelectorAll("[data-setting-section]").forEach(function (sec) {
    var left = 0;
    sec.querySelectorAll("tr[data-words]").forEach(function (row) {
      var hay = row.getAttribute("data-words");
      var ok = words.every(function (w) { return hay.indexOf(w) >= 0; });
      row.hidden = !ok;
      if (ok) {
        left++;
      }
    });
    sec.hidden = left === 0;
    if (sec.tagName === "DETAILS" && words.length > 0 && left > 0) {
      sec.open = true;
    }
    var link = document.querySelector('[data-section-link="' + sec.getAttribute("data-setting-section") + '"]');
    if (link) {
      link.hidden = left === 0;
    }
    [sec, link].forEach(function (el) {
      var n = el && el.querySelector("[data-section-count]");
      if (n) {
        n.textContent = String(left);
      }
    });
    shown += left;
  });
  document.querySelectorAll("[data-setting-count]").forEach(function (el) {
    el.textContent = String(shown);
  });
});

// Enter in a settings search that sits inside a form that saves (a template's) searches
// rather than saving the form.
document.addEventListener("keydown", function (ev) {
  var box = ev.target;
  if (ev.key === "Enter" && box.matches && box.matches("[data-setting-filter]") && box.form && box.form.method === "post") {
    ev.preventDefault();
  }
});
