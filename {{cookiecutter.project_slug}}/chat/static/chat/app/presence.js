/**
 * Who is here and who is typing in the open room: the presence line under the room title,
 * the typing line above the composer, and this user's own typing events (throttled).
 */

import { el } from "./dom.js";
import { setPresence } from "./people.js";
import { client, me, rooms, view } from "./state.js";

const TYPING_SEND_EVERY = 3_000; // ms between our "typing" events while the user types
export const TYPING_EXPIRES = 6_000; // ms after which someone else's typing indicator disappears

let typingSentAt = 0;
let typingRoom = null;

/** Tell the room we type, at most every TYPING_SEND_EVERY ms; and once when we stop. */
export function sendTyping(isTyping) {
  const now = Date.now();
  if (isTyping && view) {
    if (typingRoom === view.roomId && now - typingSentAt < TYPING_SEND_EVERY) return;
    typingRoom = view.roomId;
    typingSentAt = now;
    client.typing(view.roomId, true).catch(() => {});
  } else if (typingRoom !== null) {
    client.typing(typingRoom, false).catch(() => {});
    typingRoom = null;
    typingSentAt = 0;
  }
}

export function renderTyping() {
  if (!view) return;
  const now = Date.now();
  for (const [id, entry] of view.typing) if (entry.expires <= now) view.typing.delete(id);
  const names = [...view.typing.values()].map((entry) => entry.username);
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = "Several people are typing…";
  if (el.typing.textContent !== text) el.typing.textContent = text;
}
setInterval(renderTyping, 1_000);

// How often the open room's presence is asked for again when the server does not announce
// its changes (rooms above the server's presence size).
const PRESENCE_REFRESH_MS = 30_000;

export async function loadPresence(roomId) {
  try {
    const { online, announced } = await client.request("presence", { room_id: roomId });
    if (!view || view.roomId !== roomId) return;
    view.online = new Map(online.map((user) => [user.id, user.username]));
    renderPresence();
    for (const user of online) setPresence(user.id, true);
    const room = rooms.get(roomId);
    if (room?.kind === "direct" && room.peer) setPresence(room.peer.id, view.online.has(room.peer.id));
    if (!announced) {
      const current = view;
      setTimeout(() => view === current && loadPresence(roomId), PRESENCE_REFRESH_MS);
    }
  } catch {
    // Presence is a nicety; the next presence.changed (or the next refresh) fills it in.
  }
}

export function renderPresence() {
  if (!view) return;
  const room = rooms.get(view.roomId);
  const others = [...view.online].filter(([id]) => !me || id !== me.id).map(([, name]) => name);
  others.sort((a, b) => a.localeCompare(b));
  let text;
  if (room && room.kind === "direct") text = others.length ? "Online" : "Offline";
  else if (others.length === 0) text = "No one else is online";
  else if (others.length <= 5) text = `Online: ${others.join(", ")}`;
  else text = `Online: ${others.slice(0, 5).join(", ")} and ${others.length - 5} more`;
  el.presence.textContent = text;
  el.presence.classList.toggle("someone-online", others.length > 0);
}
