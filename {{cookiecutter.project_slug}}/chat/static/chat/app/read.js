/**
 * Read state: telling the server what the user has seen in the open room.
 *
 * The newest message counts as read when the pane is scrolled to it and the page is visible;
 * bursts are batched into one message.read per room, and a read still waiting goes out when
 * the tab closes.
 */

import { nearBottom } from "./dom.js";
import { renderRooms } from "./room-list.js";
import { client, rooms, view } from "./state.js";

const pendingReads = new Map(); // room id -> {timer, send}: message.read waiting to go out

/** Tell the server what the user has seen: the newest message of the open room, if visible. */
export function markRead() {
  if (!view || !view.loaded || view.detached || document.visibilityState !== "visible") return;
  if (!nearBottom()) return;
  const room = rooms.get(view.roomId);
  const seq = view.newestSeq;
  if (!room || seq <= room.lastReadSeq || seq <= view.readSent) return;
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
