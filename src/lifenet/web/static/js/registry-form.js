// Live branching on registry forms: after each change, ask the server which fields the typed
// values show (the rules run there, in the same code as validation) and hide the others.
(function () {
  "use strict";
  const form = document.querySelector("form.record-form");
  if (!form) return;
  const url = "/registry/forms/" + form.dataset.form + "/shown";
  let pending = null;

  async function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    try {
      const response = await fetch(url, { method: "POST", body: new FormData(form), signal: pending.signal });
      if (!response.ok) return;
      const shown = new Set((await response.json()).shown);
      form.querySelectorAll("[data-field]").forEach(function (box) {
        if (box.querySelector("output")) return;
        box.hidden = !shown.has(box.dataset.field);
      });
      form.dataset.branching = "ready";
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  // Choosing the hospital (the form's first field) reloads the form with that hospital's
  // local fields, unless something is typed already: then the save shows them, keeping what
  // was typed.
  const hospital = form.querySelector("select[data-reload]");
  function typed() {
    return Array.from(form.querySelectorAll("input, select, textarea")).some(function (input) {
      if (input === hospital || input.type === "hidden" || input.type === "submit") return false;
      if (input.type === "checkbox" || input.type === "radio") return input.checked;
      return input.value !== "";
    });
  }
  if (hospital) {
    hospital.addEventListener("change", function (event) {
      if (typed()) return;
      event.stopPropagation();
      const next = new URL(window.location.href);
      next.searchParams.set(hospital.dataset.reload, hospital.value);
      window.location.assign(next.toString());
    });
  }

  form.addEventListener("change", refresh);
  form.dataset.branching = "ready";
})();
