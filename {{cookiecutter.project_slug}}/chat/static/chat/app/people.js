/**
 * The people the page has seen and whether they are online, beyond the open room.
 *
 * The open room's presence line and member list read the room's own snapshot (presence.js,
 * view.online). A direct room's dot in the room list and a profile card need the presence of
 * people in rooms that are not open: the page asks presence.users for them (the server
 * answers for people the user shares a room with), and presence.changed, which reaches the
 * page from every room small enough to be announced (every direct room), keeps them current.
 * There is no "away" to show: the server counts a user online while a socket of theirs is
 * live, and for its grace period after the last one closes.
 *
 * Also the user objects the page has seen (members, senders, the directory), newest first,
 * so a profile card shows what is known of a person: a profile's display_name, avatar_url,
 * status and time_zone are shown when the server sends them.
 */

import { make } from "./dom.js";
import { client, me, rooms } from "./state.js";

const PRESENCE_BATCH = 100; // ids per presence.users request (the server's bound)
const seen = new Map(); // user id -> the latest user object seen
const online = new Map(); // user id -> true or false, where known
const listeners = new Set();

/** Note a user the page saw (in a message, a member list, a room's peer). */
export function rememberPerson(user) {
  if (user?.id != null) seen.set(user.id, { ...seen.get(user.id), ...user });
}

export function personOf(userId) {
  return seen.get(userId) ?? null;
}

/** "online", "offline", or null when the page does not know. */
export function presenceOf(userId) {
  if (!online.has(userId)) return null;
  return online.get(userId) ? "online" : "offline";
}

/** A change of someone's presence: the room list, the member list and the card listen. */
export function setPresence(userId, isOnline) {
  if (online.get(userId) === isOnline) return;
  online.set(userId, isOnline);
  for (const listener of listeners) listener(userId);
}

export function onPresence(listener) {
  listeners.add(listener);
}

/** Ask whether these people are online (those the user shares no room with stay unknown). */
export async function askPresence(userIds) {
  const ids = [...new Set(userIds)].filter((id) => id != null && id !== me?.id);
  for (let start = 0; start < ids.length; start += PRESENCE_BATCH) {
    const batch = ids.slice(start, start + PRESENCE_BATCH);
    try {
      const { users } = await client.request("presence.users", { user_ids: batch });
      for (const user of users) setPresence(user.id, user.online);
    } catch {
      // Presence is a nicety: the next presence.changed fills it in.
    }
  }
}

/** The other person of each direct room: whose dots the room list shows. */
export function askDirectPeers() {
  const peers = [...rooms.values()].filter((room) => room.kind === "direct" && room.peer);
  for (const room of peers) rememberPerson(room.peer);
  return askPresence(peers.map((room) => room.peer.id));
}

/** A presence dot: filled for online, a ring for offline (shape, not colour alone). Its
 *  meaning is said in words beside it or in its control's label; the dot itself is hidden
 *  from screen readers. */
export function presenceDot(state) {
  const dot = make("span", "presence-dot");
  dot.setAttribute("aria-hidden", "true");
  showPresence(dot, state);
  return dot;
}

export function showPresence(dot, state) {
  dot.hidden = !state;
  dot.dataset.presence = state ?? "";
  dot.title = state ? (state === "online" ? "Online" : "Offline") : "";
}

// A new direct room's dot: ask for the other person (room-events.js records the room).
client.addEventListener("room.created", ({ detail }) => {
  const { room } = detail;
  if (room.kind !== "direct") return;
  const peer = room.peer ?? room.members?.find((member) => member.id !== me?.id);
  if (peer) askPresence([peer.id]);
});
