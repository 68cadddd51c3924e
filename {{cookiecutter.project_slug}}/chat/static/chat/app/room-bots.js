/**
 * The room's bots in the details dialog, for its admins (bot.list): each bot with the prefix
 * that names its token and when it last posted, and Revoke (bot.revoke), asked first. Bots
 * are made with bot.create or `manage.py create_bot` (docs/bots.md), where the token is shown
 * once; the page only lists and revokes them.
 */

import { confirmAction } from "./ask.js";
import { $, button, el, make } from "./dom.js";
import { showFormError } from "./dialogs.js";
import { dateTimeFormat } from "./format.js";
import { client, isAdmin, rooms, view } from "./state.js";

const section = $("bots-section");
const list = $("bots-list");

el.detailsButton.addEventListener("click", () => {
  if (view) showBots(view.roomId);
});

async function showBots(roomId) {
  const room = rooms.get(roomId);
  section.hidden = true;
  if (!room || room.kind === "direct" || !isAdmin(room)) return;
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
  section.hidden = bots.length === 0;
}

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
