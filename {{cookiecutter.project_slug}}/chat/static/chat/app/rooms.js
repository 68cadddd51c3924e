/**
 * The room records: adding or updating a room from any server payload, removing one, and
 * loading the whole list (room.list).
 *
 * Every room payload passes through upsertRoom, so this is where each room's settings,
 * post_roles and this user's role are kept up to date.
 */

import { el, notify } from "./dom.js";
import { roomName } from "./format.js";
import { renderRooms } from "./room-list.js";
import { closeRoom, renderRoomHead } from "./room-view.js";
import { client, me, nextRoomOrder, rooms, view } from "./state.js";

/**
 * Add or update a room from any server payload (room.list, room.create, room.created, ...).
 *
 * `mine` says whether the payload's membership fields (role, last_read_seq) are this user's.
 * They are not in room.updated: the server broadcasts the acting admin's membership there.
 * `roles` are the members whose role changed (room.updated carries them, not the member list).
 */
export function upsertRoom(payload, { bump = false, mine = true, roles = [] } = {}) {
  const existing = rooms.get(payload.id);
  const room = existing || {
    id: payload.id,
    lastSeq: 0,
    lastReadSeq: 0,
    order: 0,
    members: null,
    peer: null,
    role: "member",
  };
  room.kind = payload.kind;
  room.name = payload.name;
  room.description = payload.description || "";
  room.isPublic = Boolean(payload.is_public);
  room.postingLocked = Boolean(payload.posting_locked);
  // The roles that may post, as the server decides them (chat/permissions.py).
  room.postRoles = payload.post_roles ?? room.postRoles ?? [];
  room.lastSeq = Math.max(room.lastSeq, payload.last_seq || 0);
  if (payload.members) {
    // The first page of members: room.members returns the rest while membersCursor is set.
    room.members = payload.members;
    room.membersCursor = payload.members_cursor ?? null;
    room.memberSearches = new Map();
    // The member list is the reliable source of my role, whoever's membership came along.
    const myEntry = payload.members.find((member) => member.id === me?.id);
    if (myEntry) room.role = myEntry.role;
    if (room.kind === "direct") {
      room.peer = payload.members.find((member) => member.id !== me?.id) || room.peer;
    }
  } else if (mine && payload.role) {
    room.role = payload.role;
  }
  if (payload.member_count != null) room.memberCount = payload.member_count;
  applyRoles(room, roles);
  if (payload.peer) room.peer = payload.peer;
  if (mine && payload.muted != null) room.muted = Boolean(payload.muted);
  if (mine && payload.mentions != null) room.mentions = payload.mentions;
  if (mine && payload.last_read_seq != null) {
    room.lastReadSeq = Math.max(room.lastReadSeq, payload.last_read_seq);
  } else if (!existing) {
    // New members start with everything before their arrival read.
    room.lastReadSeq = room.lastSeq;
  }
  if (bump) room.order = nextRoomOrder();
  rooms.set(room.id, room);
  renderRooms();
  if (view && view.roomId === room.id) renderRoomHead();
  return room;
}

/** Members whose role changed: in the members held, and this user's own role. */
function applyRoles(room, roles) {
  for (const changed of roles) {
    const held = room.members?.find((member) => member.id === changed.id);
    if (held) held.role = changed.role;
    if (changed.id === me?.id) room.role = changed.role;
  }
}

/** Keep the members held in step with room.members_added and room.members_removed. */
export function applyMembers(roomId, { added = [], removedIds = [] }) {
  const room = rooms.get(roomId);
  if (!room) return;
  if (room.memberCount != null) {
    room.memberCount = Math.max(0, room.memberCount + added.length - removedIds.length);
  }
  room.memberSearches = new Map();
  if (!room.members) return;
  const removed = new Set(removedIds);
  room.members = room.members.filter((member) => !removed.has(member.id));
  // New members come last in join order: held now only if the list is whole.
  if (!room.membersCursor) room.members.push(...added);
}

export function removeRoom(roomId, message) {
  const room = rooms.get(roomId);
  if (!room) return;
  rooms.delete(roomId);
  renderRooms();
  if (view && view.roomId === roomId) {
    closeRoom();
    if (el.detailsDialog.open) el.detailsDialog.close();
    if (message) notify(message.replace("{name}", roomName(room)));
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }
}

export async function loadRooms() {
  const { rooms: list } = await client.request("room.list");
  const seen = new Set();
  // room.list comes most recently active first; rooms active since the page opened stay on top.
  list.forEach((payload, index) => {
    seen.add(payload.id);
    const room = upsertRoom(payload);
    if (room.order <= 0) room.order = -index - 1;
  });
  for (const id of [...rooms.keys()]) if (!seen.has(id)) removeRoom(id, "{name} is no longer available.");
  renderRooms();
}
