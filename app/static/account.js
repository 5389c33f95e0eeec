// The account page: signs in and manages the account through the service's
// own API in cookie mode. The refresh token lives in its HttpOnly cookie
// (Path=/auth), which this script never sees; the access token lives in the
// `accessToken` variable only, never in storage, so a reload signs in again
// from the cookie.
"use strict";

const COOKIE_MODE = { "X-Refresh-Token-Transport": "cookie" };
let accessToken = null;
let mfaToken = null;

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, body) {
    super(errorText(body));
    this.status = status;
    this.body = body;
  }
}

async function send(method, path, { json, form, headers = {}, retry = true } = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = new URLSearchParams(form);
  }
  if (accessToken) {
    init.headers.Authorization = "Bearer " + accessToken;
  }
  const response = await fetch(path, init);
  if (response.status === 401 && accessToken && retry && (await refresh())) {
    return send(method, path, { json, form, headers, retry: false });
  }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, body);
  }
  return body;
}

// Token requests carry the cookie-mode header: the refresh token goes to the cookie.
async function token(form) {
  const body = await send("POST", "/auth/access-token", { form, headers: COOKIE_MODE });
  accessToken = body.access_token;
  await showAccount();
}

async function refresh() {
  const response = await fetch("/auth/refresh-token", {
    method: "POST",
    headers: COOKIE_MODE,
    credentials: "same-origin",
  });
  if (!response.ok) {
    accessToken = null;
    return false;
  }
  accessToken = (await response.json()).access_token;
  return true;
}

// WebAuthn's JSON forms carry bytes as base64url; the browser API wants buffers.
function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (const byte of bytes) {
    text += String.fromCharCode(byte);
  }
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function descriptors(list) {
  return (list || []).map((item) => ({ ...item, id: fromBase64url(item.id) }));
}

function credentialJSON(credential) {
  const response = credential.response;
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = toBase64url(response.attestationObject);
    json.response.transports = response.getTransports ? response.getTransports() : [];
  } else {
    json.response.authenticatorData = toBase64url(response.authenticatorData);
    json.response.signature = toBase64url(response.signature);
    if (response.userHandle) {
      json.response.userHandle = toBase64url(response.userHandle);
    }
  }
  return json;
}

async function signInWithPasskey() {
  const options = await send("POST", "/auth/passkey/options", { json: {} });
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  };
  const credential = await navigator.credentials.get({ publicKey });
  await token({ grant_type: "passkey", credential: JSON.stringify(credentialJSON(credential)) });
}

async function addPasskey(name) {
  const options = await send("POST", "/users/me/passkeys/registration-options");
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
  const credential = await navigator.credentials.create({ publicKey });
  await send("POST", "/users/me/passkeys", { json: { credential: credentialJSON(credential), name } });
}

function item(text, buttonText, onClick) {
  const li = document.createElement("li");
  li.textContent = text;
  if (buttonText) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = buttonText;
    button.addEventListener("click", () => run(onClick));
    li.append(button);
  }
  return li;
}

function when(value) {
  return value ? new Date(value).toLocaleString() : "never";
}

async function showSessions() {
  const sessions = await send("GET", "/users/me/sessions");
  $("sessions").replaceChildren(
    ...sessions.map((session) =>
      item(
        `${session.current ? "This browser" : session.user_agent || "Unknown browser"}` +
          ` · ${session.ip_address || "unknown address"} · ${session.amr.join("+")}` +
          ` · last used ${when(session.last_used_at)}`,
        "Revoke",
        async () => {
          await send("DELETE", `/users/me/sessions/${session.session_id}`);
          if (session.current) {
            accessToken = null;
            return showSignedOut("This session is revoked.");
          }
          await showSessions();
          showStatus("The session is revoked.");
        },
      ),
    ),
  );
}

async function showPasskeys() {
  const passkeys = await send("GET", "/users/me/passkeys");
  $("passkeys").replaceChildren(
    ...passkeys.map((passkey) =>
      item(`${passkey.name} · last used ${when(passkey.last_used_at)}`, "Remove", async () => {
        await send("DELETE", `/users/me/passkeys/${passkey.passkey_id}`);
        await showPasskeys();
        showStatus("The passkey is removed.");
      }),
    ),
  );
}

function showRecoveryCodes(codes) {
  $("recovery-code-list").replaceChildren(...codes.map((code) => item(code)));
  $("recovery-codes").hidden = false;
}

async function showAccount() {
  const me = await send("GET", "/users/me");
  $("account-email").textContent = me.email;
  $("mfa-on").hidden = !me.mfa_enabled;
  $("mfa-off").hidden = me.mfa_enabled;
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  await Promise.all([showSessions(), showPasskeys()]);
}

function showSignedOut(message) {
  $("signed-in").hidden = true;
  $("recovery-codes").hidden = true;
  $("second-factor").hidden = true;
  $("sign-in").hidden = false;
  $("signed-out").hidden = false;
  if (message) {
    showStatus(message);
  }
}

function fields(form) {
  return Object.fromEntries(new FormData(form));
}

// Runs one action of the page, and shows its error, if any, in the status line.
async function run(action) {
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      accessToken = null;
      showSignedOut("Your session ended; sign in again.");
    } else if (error instanceof ApiError) {
      showStatus(error.message, true);
    } else {
      showStatus(error.message || "The service could not be reached; try again.", true);
    }
  }
}

const handlers = {
  "sign-in": async (form) => {
    try {
      await token({ grant_type: "password", ...fields(form) });
      form.reset();
    } catch (error) {
      if (!(error instanceof ApiError && error.body && error.body.error === "mfa_required")) {
        throw error;
      }
      mfaToken = error.body.mfa_token;
      form.hidden = true;
      $("second-factor").hidden = false;
      $("second-factor-code").focus();
    }
  },
  "second-factor": async (form) => {
    await token({ grant_type: "mfa_otp", mfa_token: mfaToken, otp: fields(form).otp });
    mfaToken = null;
    form.reset();
  },
  register: async (form) => {
    const { email, password } = fields(form);
    await send("POST", "/auth/register", { json: { email, password } });
    await token({ grant_type: "password", username: email, password });
    form.reset();
  },
  "totp-start": async (form) => {
    const enrolment = await send("POST", "/users/me/mfa/totp", { json: fields(form) });
    // An <img> of a data: URL: the SVG is shown, never put into the document.
    $("totp-qr").src = "data:image/svg+xml;base64," + btoa(enrolment.qr_code_svg);
    $("totp-secret").textContent = enrolment.secret;
    form.reset();
    $("totp-confirm").hidden = false;
  },
  "totp-confirm": async (form) => {
    const confirmed = await send("POST", "/users/me/mfa/totp/confirm", { json: fields(form) });
    form.reset();
    form.hidden = true;
    await showAccount();
    showRecoveryCodes(confirmed.recovery_codes);
    showStatus("The second factor is on; every other session was signed out.");
  },
  "recovery-regenerate": async (form) => {
    const regenerated = await send("POST", "/users/me/mfa/recovery-codes", { json: fields(form) });
    form.reset();
    showRecoveryCodes(regenerated.recovery_codes);
    showStatus("New recovery codes: the earlier ones no longer work.");
  },
  "totp-disable": async (form) => {
    await send("DELETE", "/users/me/mfa/totp", { json: fields(form) });
    form.reset();
    $("recovery-codes").hidden = true;
    await showAccount();
    showStatus("The second factor is off.");
  },
  "passkey-add": async (form) => {
    await addPasskey(fields(form).name);
    await showPasskeys();
    showStatus("The passkey is added.");
  },
  "password-change": async (form) => {
    await send("PUT", "/users/me/password", { json: fields(form) });
    form.reset();
    await showSessions();
    showStatus("The password is changed; every other session was signed out.");
  },
};

document.addEventListener("DOMContentLoaded", () => {
  for (const [id, handler] of Object.entries(handlers)) {
    const form = $(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      run(() => handler(form)).finally(() => {
        button.disabled = false;
      });
    });
  }
  $("passkey-sign-in").addEventListener("click", () => run(signInWithPasskey));
  $("sign-out").addEventListener("click", () =>
    run(async () => {
      await fetch("/auth/logout", { method: "POST", headers: COOKIE_MODE, credentials: "same-origin" });
      accessToken = null;
      showSignedOut("You are signed out.");
    }),
  );
  // A session kept in the cookie (a reload, a new tab) signs in without a form.
  run(async () => {
    if (await refresh()) {
      await showAccount();
    }
  });
});
