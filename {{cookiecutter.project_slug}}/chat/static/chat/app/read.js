/**
 * Read state: telling the server what the user has seen in the open room.
 *
 * The newest message loaded counts as read when the pane is scrolled to it and the page is
 * visible (with the history window short of the live end, only if nothing unread lies between
 * the read position and the window);
 * bursts are batched into one message.read per room, and a read still waiting goes out when
 * the tab closes.
 */

import { nearBottom } from "./dom.js";
import { renderRooms } from "./room-list.js";
import { client, rooms, view } from "./state.js";

const pendingReads = new Map(); // room id -> {timer, send}: message.read waiting to go out

/** Tell the server what the user has seen: the newest message loaded, if scrolled to. */
export function markRead() {
  if (!view || !view.loaded || document.visibilityState !== "visible") return;
  if (!nearBottom()) return;
  const room = rooms.get(view.roomId);
  const seq = view.newestSeq;
  if (!room || seq <= room.lastReadSeq || seq <= view.readSent) return;
  // A history window short of the live end (history-window.js) is read to its bottom only if
  // it joins the read position: a jump past unread messages leaves them unread.
  if (view.detached && view.oldestSeq > room.lastReadSeq + 1) return;
  view.readSent = seq;
  room.lastReadSeq = seq;
  renderRooms();
  // Batch bursts of messages into one message.read per room.
  const roomId = room.id;
  clearTimeout(pendingReads.get(roomId)?.timer);
  const sendRead = () => {
    pendingReads.delete(roomId);
    client.markRead(roomId, seq).catch(() => {
      if (view && view.roomId === roomId) view.readSent = 0;
    });
  };
  pendingReads.set(roomId, { timer: setTimeout(sendRead, 300), send: sendRead });
}

document.addEventListener("visibilitychange", markRead);
window.addEventListener("focus", markRead);
// Closing the tab right after reading still counts as read.
window.addEventListener("pagehide", () => {
  for (const { timer, send } of [...pendingReads.values()]) {
    clearTimeout(timer);
    send();
  }
});
