/**
 * Deleting one's account, from the Profile dialog: the password or an authenticator app's
 * code first (the dialog shows those the account has; none after logging in again at the
 * single sign-on provider), then POST /api/account/delete/ (with the CSRF token of Django's
 * cookie). The server closes every socket of the account; the page goes to the login page.
 */

import { ChatError } from "../client.js";
import { $ } from "./dom.js";
import { showDialog, showFormError } from "./dialogs.js";

const dialog = $("delete-account-dialog");
const form = $("delete-account-form");

$("delete-account-button").addEventListener("click", () => {
  form.reset();
  showDialog(dialog);
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: JSON.stringify(answers()),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok || !answer?.deleted) {
      const detail = answer?.detail ?? `The account could not be deleted (HTTP ${response.status}).`;
      throw new ChatError(answer?.code ?? response.status, answer?.error ?? "failed", detail);
    }
    location.assign(document.getElementById("chat").dataset.loginUrl || "/");
  } catch (error) {
    showFormError(dialog, error);
  }
});

/** The answers the dialog has fields for, and were filled in. */
function answers() {
  const sent = {};
  for (const name of ["password", "code"]) {
    const value = form.elements[name]?.value;
    if (value) sent[name] = value;
  }
  return sent;
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
}
