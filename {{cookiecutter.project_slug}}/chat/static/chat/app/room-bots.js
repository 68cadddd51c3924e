/**
 * The room's bots in the details dialog, for its admins (bot.list): each bot with the prefix
 * that names its token and when it last posted, and Revoke (bot.revoke), asked first. "New
 * bot…" makes one (app/bot-create.js, which shows its token once); other members see none of
 * this, and the server refuses them bot.list and bot.create alike.
 */

import { confirmAction } from "./ask.js";
import "./bot-create.js";
import { $, button, el, make } from "./dom.js";
import { showFormError } from "./dialogs.js";
import { dateTimeFormat } from "./format.js";
import { client, isAdmin, rooms, view } from "./state.js";

const section = $("bots-section");
const list = $("bots-list");
const empty = $("bots-empty");

el.detailsButton.addEventListener("click", () => {
  // Another room's bots are not shown while this room's are on their way.
  section.hidden = true;
  if (view) showBots(view.roomId);
});

/** List the room's bots, for its admins; a list already shown stays until the new one comes
 *  (the "New bot…" button in it may be the opener a dialog gives focus back to). */
async function showBots(roomId) {
  const room = rooms.get(roomId);
  if (!room || room.kind === "direct" || !isAdmin(room)) {
    section.hidden = true;
    return;
  }
  try {
    const { bots } = await client.request("bot.list", { room_id: roomId });
    if (view?.roomId === roomId) render(bots);
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
}

function render(bots) {
  list.replaceChildren();
  for (const bot of bots) {
    const name = bot.user.username;
    const li = make("li", "member");
    const used = bot.last_used_at
      ? `last posted ${dateTimeFormat.format(new Date(bot.last_used_at))}`
      : "never posted";
    li.append(make("span", "member-name", name), make("span", "bot-detail", `${bot.token_prefix}, ${used}`));
    if (bot.revoked) {
      li.append(make("span", "tag", "revoked"));
    } else {
      const revoke = button("Revoke", "small danger", "revoke-bot", `Revoke ${name}'s token`);
      Object.assign(revoke.dataset, { botId: String(bot.id), name });
      li.append(revoke);
    }
    list.append(li);
  }
  list.hidden = bots.length === 0;
  empty.hidden = bots.length > 0;
  section.hidden = false;
}

// A bot made from the page (app/bot-create.js) joins the list under its dialog at once.
document.addEventListener("chat:bot-made", (event) => {
  if (view?.roomId === event.detail.roomId) showBots(event.detail.roomId);
});

list.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action='revoke-bot']");
  if (!target || !view) return;
  const heading = `Revoke ${target.dataset.name}'s token?`;
  const body = "Its webhook stops working at once; its messages stay.";
  if (!(await confirmAction({ heading, body, action: "Revoke", danger: true }))) return;
  try {
    await client.request("bot.revoke", { bot_id: Number(target.dataset.botId) });
    await showBots(view.roomId);
    // The button is gone with its row's change: the list's heading takes the focus.
    $("bots-heading").focus();
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});
