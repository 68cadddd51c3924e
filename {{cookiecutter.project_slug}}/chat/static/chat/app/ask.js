/**
 * The page's own confirmation and question dialogs, in place of the browser's confirm() and
 * prompt(): they look like the rest of the page, pass the same accessibility checks, name the
 * action on their button ("Delete", not "OK"), and give focus back to where it was.
 *
 * One <dialog id="ask-dialog"> in index.html serves both; a second question while one is open
 * answers the first with "cancelled".
 */

import { $ } from "./dom.js";

const dialog = $("ask-dialog");
const form = $("ask-form");
const title = $("ask-title");
const text = $("ask-text");
const field = $("ask-field");
const input = $("ask-input");
const label = $("ask-label");
const submit = $("ask-submit");

let settle = null;

/** Resolve the open question with ``answer`` and return focus to where it was. */
function finish(answer) {
  if (!settle) return;
  const { resolve, returnTo } = settle;
  settle = null;
  const active = document.activeElement;
  if (dialog.open) dialog.close();
  // Focus goes back unless the browser already gave it back and the user moved on from there.
  const lost = !active || active === document.body || dialog.contains(active);
  if (lost && returnTo?.isConnected) returnTo.focus();
  resolve(answer);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  finish(field.hidden ? true : input.value.trim());
});
// Escape and Cancel both close the dialog; either way the answer is "no".
dialog.addEventListener("close", () => finish(field.hidden ? false : null));

function open({ heading, body, action, danger = false, returnTo = document.activeElement }) {
  finish(field.hidden ? false : null);
  title.textContent = heading;
  text.textContent = body ?? "";
  text.hidden = !body;
  submit.textContent = action;
  submit.classList.toggle("button-danger", danger);
  return new Promise((resolve) => {
    settle = { resolve, returnTo };
    dialog.showModal();
    (field.hidden ? submit : input).focus();
  });
}

/** Ask a yes/no question; resolves true when the user chose ``action``. */
export function confirmAction(options) {
  field.hidden = true;
  input.required = false;
  return open(options);
}

/** Ask for a line of text; resolves with it (trimmed), or null when cancelled. */
export function askText({ question, maxLength = 1000, required = false, ...options }) {
  field.hidden = false;
  label.textContent = question;
  input.value = "";
  input.maxLength = maxLength;
  input.required = required;
  return open(options);
}
