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

// data-requirements on a schema form (macros/form.html, app.forms.conditions): fields some choices
// require (the schema's if/then, dependentRequired) show their asterisk, `required` and
// aria-required only while those choices are made. The server validates the same schema.
function fieldValue(container, name) {
  const inputs = container.querySelectorAll(`[name="${CSS.escape(name)}"]`);
  if (!inputs.length) return null;
  const input = inputs[0];
  if (input.type === "checkbox") return input.checked ? "true" : "false";
  if (input.type === "file") {
    const chosen = Array.from(inputs).some((i) => (i.files && i.files.length) || (i.type !== "file" && i.value));
    return chosen ? "files" : null;
  }
  const value = (input.value || "").trim();
  return value === "" ? null : value;
}
function conditionHolds(container, condition) {
  const value = fieldValue(container, condition.field);
  if (value === null) return condition.absent;
  return condition.in === null || condition.in.includes(value);
}
function syncRequirements(container) {
  const spec = JSON.parse(container.dataset.requirements || "{}");
  const now = new Set(spec.always || []);
  for (const rule of spec.rules || []) {
    if (rule.when.every((condition) => conditionHolds(container, condition))) rule.require.forEach((name) => now.add(name));
  }
  const conditional = new Set((spec.rules || []).flatMap((rule) => rule.require));
  for (const name of conditional) {
    const required = now.has(name);
    container.querySelectorAll(`[data-required-mark="${CSS.escape(name)}"]`).forEach((mark) => { mark.hidden = !required; });
    container.querySelectorAll(`[name="${CSS.escape(name)}"]:not([type="hidden"])`).forEach((input) => {
      input.required = required;
      if (required) input.setAttribute("aria-required", "true"); else input.removeAttribute("aria-required");
    });
  }
}
document.addEventListener("change", (event) => {
  const container = event.target.closest && event.target.closest(".schema-form[data-requirements]");
  if (container) syncRequirements(container);
});
document.addEventListener("input", (event) => {
  const container = event.target.closest && event.target.closest(".schema-form[data-requirements]");
  if (container) syncRequirements(container);
});
document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".schema-form[data-requirements]").forEach(syncRequirements));
// htmx swaps in the designer's form preview: its requirements apply as soon as it is shown
document.addEventListener("htmx:afterSwap", (event) => {
  event.detail.target.querySelectorAll(".schema-form[data-requirements]").forEach(syncRequirements);
});
