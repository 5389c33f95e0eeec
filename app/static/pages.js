// The pages' forms: each <form data-endpoint="/auth/..."> posts its named
// fields as JSON to its endpoint when its button is pressed (never on load),
// then shows `data-done` or the API's error in the page's status line.
"use strict";

function mismatch(form) {
  for (const input of form.querySelectorAll("[data-same-as]")) {
    const other = form.querySelector("#" + input.dataset.sameAs);
    if (other && other.value !== input.value) {
      return "The two passwords differ.";
    }
  }
  return null;
}

async function submitForm(form) {
  const problem = mismatch(form);
  if (problem) {
    showStatus(problem, true);
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  const fields = {};
  for (const [name, value] of new FormData(form)) {
    fields[name] = value;
  }
  try {
    const response = await fetch(form.dataset.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fields),
      credentials: "same-origin",
    });
    if (response.ok) {
      form.hidden = true;
      showStatus(form.dataset.done, false);
      return;
    }
    showStatus(errorText(await response.json().catch(() => null)), true);
  } catch (error) {
    showStatus("The service could not be reached; try again.", true);
  }
  button.disabled = false;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-endpoint]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitForm(form);
    });
  }
});
