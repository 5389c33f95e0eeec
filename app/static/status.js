// What every page's script shares: the status line and the API's error text.
// Loaded before the page's own script (both deferred, so in order).
"use strict";

function showStatus(text, isError) {
  const status = document.querySelector(".status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
  status.hidden = false;
}

function errorText(body) {
  if (body && typeof body.detail === "string") {
    return body.detail;
  }
  if (body && Array.isArray(body.detail) && body.detail.length > 0) {
    return body.detail.map((error) => error.msg).join("; ");
  }
  return "Something went wrong; try again.";
}
