/**
 * The open room: opening and closing it, and its header (title, who may post). Its history
 * is a window of pages that moves as the user scrolls (history-window.js); messages
 * themselves are rendered by messages.js; rooms are opened through navigation.js.
 */

import { el, root } from "./dom.js";
import { roomIcon, roomName } from "./format.js";
import { setComposerContext } from "./composer.js";
import { setBusy } from "./feed-marks.js";
import { openHistory } from "./history-window.js";
import { loadPresence, renderPresence, sendTyping } from "./presence.js";
import { loadReceipts } from "./receipts.js";
import { renderRooms } from "./room-list.js";
import { closeThread } from "./threads.js";
import { canPost, client, newView, rooms, setView, view } from "./state.js";

/** Open a room at its newest messages, at its first unread, or (``aroundSeq``) at one message
 *  in its context: which is history-window.js's to decide. */
export async function openRoom(roomId, { aroundSeq = null } = {}) {
  sendTyping(false);
  closeThread(roomId);
  setView(newView(roomId));
  const current = view;
  el.messages.replaceChildren();
  setBusy(true);
  el.noRoom.hidden = true;
  el.roomPane.hidden = false;
  el.loadOlder.hidden = true;
  el.historyStart.hidden = true;
  el.jumpLatest.hidden = true;
  el.presence.textContent = "";
  el.typing.textContent = "";
  setComposerContext(null);
  renderRoomHead();
  renderRooms();
  root.dataset.view = "room";
  await openHistory(aroundSeq);
  if (view !== current) return;
  loadPresence(roomId);
  loadReceipts(roomId);
  // Opened at one message, the focus stays on it.
  if (aroundSeq == null && matchMedia("(min-width: 48rem)").matches) el.input.focus();
}

export function closeRoom() {
  sendTyping(false);
  closeThread();
  setView(null);
  el.roomPane.hidden = true;
  el.noRoom.hidden = false;
  root.dataset.view = "rooms";
  renderRooms();
}

export function renderRoomHead() {
  const room = view && rooms.get(view.roomId);
  if (!room) return;
  el.roomTitle.textContent = `${roomIcon(room)} ${roomName(room)}`.trim();
  const allowed = canPost(room);
  el.input.disabled = !allowed;
  el.sendButton.disabled = !allowed;
  el.input.placeholder = allowed
    ? `Message ${roomName(room)}`
    : room.kind === "channel"
      ? "Only admins post in this channel"
      : "Only admins can post in this group";
  if (client.limits.max_content_chars) el.input.maxLength = client.limits.max_content_chars;
  renderPresence();
}
