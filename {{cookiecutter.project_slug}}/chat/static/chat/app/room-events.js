/**
 * The server's events about rooms themselves: created, updated, deleted, left or removed, and
 * members added or removed. Each updates the room list, and the open room's details and
 * presence when they concern it.
 */

import { refreshDetails, renderDetails } from "./details.js";
import { renderPresence } from "./presence.js";
import { applyMembers, removeRoom, upsertRoom } from "./rooms.js";
import { client, view } from "./state.js";
import { el } from "./dom.js";

client.addEventListener("room.created", ({ detail }) => {
  upsertRoom(detail.room, { bump: true });
});

client.addEventListener("room.updated", ({ detail }) => {
  upsertRoom(detail.room, { mine: false, roles: detail.roles });
  if (view && view.roomId === detail.room.id && el.detailsDialog.open) renderDetails(detail.room);
});

client.addEventListener("room.deleted", ({ detail }) => {
  removeRoom(detail.room_id, "{name} was deleted.");
});

client.addEventListener("room.removed", ({ detail }) => {
  const reasons = {
    removed: "You were removed from {name}.",
    banned: "You were banned from {name}.",
    left: "You left {name}.",
  };
  removeRoom(detail.room_id, reasons[detail.reason] || "{name} is no longer available.");
});

client.addEventListener("room.members_added", ({ detail }) => {
  applyMembers(detail.room_id, { added: detail.members });
  refreshDetails(detail.room_id);
});
client.addEventListener("room.members_removed", ({ detail }) => {
  applyMembers(detail.room_id, { removedIds: detail.user_ids || [] });
  if (view && view.roomId === detail.room_id) {
    for (const id of detail.user_ids || []) view.online.delete(id);
    renderPresence();
  }
  refreshDetails(detail.room_id);
});
