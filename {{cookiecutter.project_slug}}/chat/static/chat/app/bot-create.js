/**
 * Making a bot from the room details, for the room's admins (bot.create): a dialog over the
 * details asks for the bot's name, then shows its webhook URL and token with a button to copy
 * each. The server keeps only the token's hash (docs/bots.md), so this is the one time anyone
 * sees it: the dialog says so, and drops the token from the page when it closes, however it
 * closes. Focus goes back to "New bot…" (the browser and app/dialog-focus.js see to it).
 *
 * The room's list of bots (app/room-bots.js) hears "chat:bot-made" and lists the new bot.
 */

import { $ } from "./dom.js";
import { showDialog, showFormError } from "./dialogs.js";
import { client, rooms, view } from "./state.js";

const dialog = $("bot-dialog");
const form = $("bot-form");
const made = $("bot-made");
const madeTitle = $("bot-made-title");
const copied = $("bot-copied");
const secrets = [$("bot-url"), $("bot-token")];

let roomId = null;
let sending = false;

$("new-bot-button").addEventListener("click", () => {
  if (!view) return;
  roomId = view.roomId;
  form.reset();
  $("bot-channel-hint").hidden = rooms.get(roomId)?.kind !== "channel";
  showMade(false);
  showDialog(dialog); // the name field has autofocus
});

/** Show the form (``done`` false) or what was made; the dialog is named by the one shown. */
function showMade(done) {
  form.hidden = done;
  made.hidden = !done;
  dialog.setAttribute("aria-labelledby", done ? "bot-made-title" : "bot-title");
  if (done) dialog.setAttribute("aria-describedby", "bot-warning");
  else dialog.removeAttribute("aria-describedby");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (sending) return; // a second Enter while the first is on its way makes no second bot
  sending = true;
  const name = form.elements.name.value.trim();
  try {
    const reply = await client.request("bot.create", { room_id: roomId, name });
    // Closed before the reply came, the dialog stays closed: the bot is listed all the same,
    // to be revoked if its token is wanted.
    if (dialog.open) show(reply);
    const detail = { roomId: reply.bot.room_id, bot: reply.bot };
    document.dispatchEvent(new CustomEvent("chat:bot-made", { detail }));
  } catch (error) {
    showFormError(dialog, error);
    form.elements.name.focus();
  } finally {
    sending = false;
  }
});

function show({ bot, token, url }) {
  madeTitle.textContent = `${bot.user.username}'s webhook`;
  // The reply names the path; the URL is the one this page is served from.
  secrets[0].value = new URL(url, window.location.origin).href;
  secrets[1].value = token;
  copied.textContent = "";
  showMade(true);
  // The heading first: what follows it, in reading order, is the warning.
  madeTitle.focus();
}

made.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-copy]");
  if (!target) return;
  const field = $(target.dataset.copy);
  const what = field.labels[0].textContent;
  copied.textContent = "";
  try {
    await navigator.clipboard.writeText(field.value);
    copied.textContent = `${what} copied.`;
  } catch {
    // No clipboard for this page (not served over HTTPS, or the browser refused): the text
    // is selected instead, ready for the keyboard's copy.
    field.focus();
    field.select();
    copied.textContent = `${what} selected: press Ctrl+C (⌘C on a Mac) to copy it.`;
  }
});

dialog.addEventListener("close", () => {
  for (const field of secrets) field.value = "";
  copied.textContent = "";
});
