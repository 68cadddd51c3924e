/**
 * The room list pane: one row per room, most recently active first, with unread and mention
 * badges, a direct room's presence dot, and
 * the unread total in the page title.
 *
 * Renders what state.js holds; rooms are added and removed by rooms.js, opened through
 * navigation.js.
 */

import { button, el, make } from "./dom.js";
import { roomIcon, roomName } from "./format.js";
import { presenceDot, presenceOf, showPresence } from "./people.js";
import { rooms, unreadOf, view } from "./state.js";

/** Keyed update of the room list: existing rows are reused so focus is not lost. */
const roomRows = new Map();
export function renderRooms() {
  const ordered = [...rooms.values()].sort((a, b) => b.order - a.order || a.id - b.id);
  for (const [id, li] of roomRows) {
    if (!rooms.has(id)) {
      li.remove();
      roomRows.delete(id);
    }
  }
  const focused = document.activeElement;
  let moved = false;
  ordered.forEach((room, index) => {
    let li = roomRows.get(room.id);
    if (!li) {
      li = make("li", "room-row");
      const btn = button(null, "room-item", "open-room");
      btn.dataset.roomId = room.id;
      btn.append(
        make("span", "room-icon"),
        presenceDot(null),
        make("span", "room-name"),
        make("span", "badge mention-badge"),
        make("span", "badge unread-badge"),
      );
      btn.querySelector(".room-icon").setAttribute("aria-hidden", "true");
      // The button is named by what it shows ("bob @1 1"); what the numbers mean is its
      // description, so the name a speech user says matches the visible text.
      const about = make("span", "room-about");
      about.id = `room-${room.id}-about`;
      about.hidden = true;
      btn.setAttribute("aria-describedby", about.id);
      li.append(btn, about);
      roomRows.set(room.id, li);
    }
    const btn = li.firstChild;
    btn.querySelector(".room-icon").textContent = roomIcon(room);
    btn.querySelector(".room-name").textContent = roomName(room);
    // A direct room shows whether the other person is online (app/people.js).
    const presence = room.kind === "direct" && room.peer ? presenceOf(room.peer.id) : null;
    showPresence(btn.querySelector(".presence-dot"), presence);
    const unread = unreadOf(room);
    const mentions = room.muted ? 0 : room.mentions ?? 0;
    const mentionBadge = btn.querySelector(".mention-badge");
    mentionBadge.textContent = `@${mentions > 99 ? "99+" : mentions}`;
    mentionBadge.hidden = mentions === 0;
    const badge = btn.querySelector(".unread-badge");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
    btn.classList.toggle("has-unread", unread > 0);
    li.querySelector(".room-about").textContent = [
      room.kind === "channel" ? "channel" : "",
      presence || "",
      unread ? `${unread} unread` : "",
      mentions ? `${mentions} mentioning you` : "",
    ]
      .filter(Boolean)
      .join(", ");
    if (view && view.roomId === room.id) btn.setAttribute("aria-current", "true");
    else btn.removeAttribute("aria-current");
    if (el.roomList.children[index] !== li) {
      if (li.contains(focused)) moved = true;
      el.roomList.insertBefore(li, el.roomList.children[index] || null);
    }
  });
  if (moved && focused) focused.focus();
  el.roomsEmpty.hidden = rooms.size > 0;
  const total = [...rooms.values()].reduce((sum, room) => sum + unreadOf(room), 0);
  const base = document.title.replace(/^\(\d+\+?\) /, "");
  document.title = total ? `(${total > 99 ? "99+" : total}) ${base}` : base;
}
