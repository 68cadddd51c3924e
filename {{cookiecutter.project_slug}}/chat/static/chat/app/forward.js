/**
 * Forwarding a message: the dialog listing the rooms the user may post in, and the
 * message.forward request.
 *
 * The server decides whether the copy is allowed (the user must still be able to read the
 * original, and post in the target); the list only leaves out rooms where posting is not the
 * user's to do, so it never offers a choice that is bound to fail.
 */

import { $, button, make, notify } from "./dom.js";
import { describeError, roomIcon, roomName } from "./format.js";
import { canPost, client, rooms } from "./state.js";

const dialog = $("forward-dialog");
const list = $("forward-list");
let forwarding = null; // the message the open dialog forwards

/** Open the dialog for ``message``: every room the user may post in, liveliest first. */
export function openForward(message) {
  forwarding = message;
  const targets = [...rooms.values()].filter(canPost).sort((a, b) => b.order - a.order);
  list.replaceChildren(
    ...targets.map((room) => {
      const li = make("li", "forward-item");
      const choice = button(
        `${roomIcon(room)} ${roomName(room)}`,
        "small",
        "forward-to",
        `Forward to ${roomName(room)}`,
      );
      choice.dataset.roomId = room.id;
      li.append(choice);
      return li;
    }),
  );
  if (!targets.length) list.append(make("li", "muted", "There is no room you may post in."));
  dialog.querySelector(".form-error").hidden = true;
  dialog.showModal();
}

list.addEventListener("click", async (event) => {
  const target = event.target.closest('[data-action="forward-to"]');
  if (!target || !forwarding) return;
  const room = rooms.get(Number(target.dataset.roomId));
  try {
    await client.request("message.forward", { message_id: forwarding.id, room_id: room.id });
    dialog.close();
    notify(`Forwarded to ${roomName(room)}.`);
  } catch (error) {
    const line = dialog.querySelector(".form-error");
    line.textContent = describeError(error);
    line.hidden = false;
  }
});
