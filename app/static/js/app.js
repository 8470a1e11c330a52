// Page behaviour for every page. The Content-Security-Policy allows no inline script or on…=
// attribute: templates mark elements with data-* attributes and this file acts on them.
// htmx requests carry the CSRF token.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
// A 422 fragment (e.g. the form editor's preview listing a schema's problems) is content to show.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  // data-confirm: confirmation for destructive actions
  const message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); return; }
  // a choice with consequences (x-confirm on a form field): asked again when it is the one chosen
  for (const select of form.querySelectorAll("select[data-confirm-value]")) {
    if (select.value === select.getAttribute("data-confirm-value")
        && !window.confirm(select.getAttribute("data-confirm-message"))) { event.preventDefault(); return; }
  }
  // data-goto="/base" data-goto-field="key": open /base/<value of that field> instead of submitting
  const base = form.getAttribute("data-goto");
  if (base) {
    event.preventDefault();
    window.location.href = base + "/" + encodeURIComponent(form.elements[form.getAttribute("data-goto-field")].value);
  }
});
// data-autosubmit: a choice that reloads the page for it (e.g. which process to start)
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
// data-print: a button that prints the page (the case file's print view)
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// data-date-min-field / data-date-max-field="<input id>": a date input bounded by another date field
// of the same form (x-date-min "field:NAME") keeps its min/max in step with that field.
function syncDateBounds() {
  for (const [attribute, bound] of [["data-date-min-field", "min"], ["data-date-max-field", "max"]]) {
    document.querySelectorAll(`input[${attribute}]`).forEach((input) => {
      const other = document.getElementById(input.getAttribute(attribute));
      if (!other) return;
      const own = input.dataset[`own${bound}`] ?? (input.dataset[`own${bound}`] = input.getAttribute(bound) || "");
      const candidates = [own, other.value].filter(Boolean).sort();
      const value = bound === "min" ? candidates[candidates.length - 1] : candidates[0];
      if (value) input.setAttribute(bound, value); else input.removeAttribute(bound);
    });
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches('input[type="date"]')) syncDateBounds();
});
document.addEventListener("DOMContentLoaded", syncDateBounds);
// data-check-all="<name>": a checkbox that ticks (or clears) every enabled checkbox of that name
// (the inbox's batch actions)
document.addEventListener("change", (event) => {
  const name = event.target.getAttribute && event.target.getAttribute("data-check-all");
  if (!name) return;
  document.querySelectorAll(`input[type="checkbox"][name="${name}"]:not(:disabled)`).forEach((box) => {
    box.checked = event.target.checked;
  });
});
