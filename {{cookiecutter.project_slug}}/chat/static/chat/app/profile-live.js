/**
 * A profile's change, or an account's deletion, on what the page shows already, without a
 * reload.
 *
 * app/profile.js applies user.updated to the rooms (their members and peers) and the room
 * list. The rest was drawn from the profile as it was: each message carries its sender's
 * (their picture beside it), the details dialog's member list was drawn from the room's
 * members, and the profile card reads the people the page has seen (app/people.js). Each
 * takes the new profile here: the messages are drawn again in place, the open member list
 * too, and the focus stays where it was. A deleted account's messages that stay (the server's
 * CHAT_DELETED_USER_MESSAGES "keep") have no sender from then on: room.members_removed with
 * accounts_deleted says so, and they show as "Deleted user", as after a reload.
 */

import { renderDetails } from "./details.js";
import { el } from "./dom.js";
import { decorate } from "./feed-marks.js";
import { redraw } from "./messages.js";
import { rememberPerson } from "./people.js";
// Imported first so that its listener runs first: the rooms' members are current below.
import "./profile.js";
import { renderRooms } from "./room-list.js";
import { renderRoomHead } from "./room-view.js";
import { client, rooms, view } from "./state.js";

// user.updated carries the whole profile: a key left out is no longer set.
const PROFILE_KEYS = ["display_name", "avatar_url", "status", "status_emoji", "time_zone"];
// What a message's sender holds of a profile (the user payload of docs/protocol.md).
const SENDER_KEYS = ["display_name", "avatar_url"];

function cleared(keys) {
  return Object.fromEntries(keys.map((key) => [key, undefined]));
}

/** The messages of the open room from the users ``ids``, drawn again with the sender
 *  ``senderOf(their sender)`` gives. */
function redrawMessagesOf(ids, senderOf) {
  if (!view) return;
  let changed = false;
  for (const item of view.items.values()) {
    const sender = item.message.sender;
    if (!sender || !ids.has(sender.id)) continue;
    redraw(item, { ...item.message, sender: senderOf(sender) });
    changed = true;
  }
  if (changed) decorate();
}

function withProfile(user) {
  return (sender) => {
    const fresh = { ...sender, ...cleared(SENDER_KEYS) };
    for (const key of SENDER_KEYS) if (user[key]) fresh[key] = user[key];
    return fresh;
  };
}

/** The open member list, drawn again if ``user`` is in it; the focused control stays. */
function redrawMembersWith(user) {
  const room = view && rooms.get(view.roomId);
  if (!el.detailsDialog.open || !room?.members?.some((member) => member.id === user.id)) return;
  const focused = el.membersList.contains(document.activeElement) ? document.activeElement : null;
  const { action, userId, username } = focused?.dataset ?? {};
  renderDetails(room);
  if (!focused) return;
  const same = [...el.membersList.querySelectorAll("[data-action]")].find(
    (node) =>
      node.dataset.action === action &&
      node.dataset.userId === userId &&
      node.dataset.username === username,
  );
  same?.focus();
}

client.addEventListener("user.updated", ({ detail }) => {
  const user = detail.user;
  if (user?.id == null) return;
  rememberPerson({ ...cleared(PROFILE_KEYS), ...user });
  redrawMessagesOf(new Set([user.id]), withProfile(user));
  redrawMembersWith(user);
});

client.addEventListener("room.members_removed", ({ detail }) => {
  if (!detail.accounts_deleted) return;
  const gone = new Set(detail.user_ids);
  const room = rooms.get(detail.room_id);
  if (room?.peer && gone.has(room.peer.id)) {
    // A direct room outlives the other's account, as "Direct message" (its name after a reload).
    room.peer = null;
    renderRooms();
    if (view?.roomId === room.id) renderRoomHead();
  }
  if (view?.roomId === detail.room_id) redrawMessagesOf(gone, () => null);
});
