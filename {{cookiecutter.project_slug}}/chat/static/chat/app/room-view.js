/**
 * The open room: opening and closing it, its header (title, who may post), and its history,
 * loaded a page at a time as the user scrolls up. A room opened at a search result shows the
 * messages around it instead of the newest, until the user jumps to the latest.
 *
 * Messages themselves are rendered by messages.js; rooms are opened through navigation.js.
 */

import { el, nearBottom, notify, root, scrollToBottom } from "./dom.js";
import { describeError, roomIcon, roomName } from "./format.js";
import { setComposerContext } from "./composer.js";
import { setBusy } from "./feed-marks.js";
import { insertMessages } from "./messages.js";
import { loadPresence, renderPresence, sendTyping } from "./presence.js";
import { markRead } from "./read.js";
import { loadReceipts } from "./receipts.js";
import { renderRooms } from "./room-list.js";
import { closeThread } from "./threads.js";
import { canPost, client, newView, pendingSends, rooms, setView, view } from "./state.js";

const PAGE_SIZE = 50; // a page around a message (a search result, a link) has it in the middle

/** Open a room at its newest messages, or (``aroundSeq``) at one message in its context. */
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
  try {
    const around = aroundSeq == null ? {} : { aroundSeq };
    // The timeline only: thread replies are the thread panel's (threads.js).
    const page = await client.history(roomId, { limit: PAGE_SIZE, timeline: true, ...around });
    if (view !== current) return;
    insertMessages(page.messages);
    if (aroundSeq != null) {
      const newest = page.messages.at(-1);
      showInContext(aroundSeq, newest != null && newest.seq < page.last_seq);
      return;
    }
    // Thread replies after the last message shown count as seen: the room is read to its end.
    view.newestSeq = Math.max(view.newestSeq, page.last_seq);
    // Live messages that arrived while the page was on its way (duplicates are skipped).
    insertMessages(view.early);
    view.early = [];
    for (const pending of pendingSends.values()) {
      if (pending.roomId === roomId) el.messages.append(pending.li);
    }
    view.hasMore = page.has_more;
    view.loaded = true;
    renderHistoryEdge();
    setBusy(false);
    scrollToBottom();
    fillViewport();
    markRead();
  } catch (error) {
    if (view === current) {
      setBusy(false);
      notify(`Could not load the messages: ${describeError(error)}`);
    }
  }
  loadPresence(roomId);
  loadReceipts(roomId);
  if (matchMedia("(min-width: 48rem)").matches) el.input.focus();
}

/** After a page loaded around ``seq``: mark that message and bring it into view. */
function showInContext(seq, newerExist) {
  view.early = [];
  view.detached = newerExist;
  view.hasMore = view.oldestSeq != null && view.oldestSeq > 1;
  view.loaded = true;
  renderHistoryEdge();
  setBusy(false);
  el.jumpLatest.hidden = !newerExist;
  const item = view.items.get(seq);
  if (!item) {
    notify("That message is no longer there.");
    return;
  }
  item.li.classList.add("found");
  item.li.scrollIntoView({ block: "center" });
  item.li.focus();
  if (!newerExist) markRead();
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

async function loadOlder() {
  if (!view || !view.hasMore || view.loadingOlder || view.oldestSeq == null) return;
  const current = view;
  view.loadingOlder = true;
  setBusy(true);
  el.loadOlder.disabled = true;
  el.loadOlder.textContent = "Loading…";
  try {
    const page = await client.history(view.roomId, {
      beforeSeq: view.oldestSeq,
      limit: PAGE_SIZE,
      timeline: true,
    });
    if (view !== current) return;
    // Keep what the user is looking at in place while older messages go in above it.
    const before = el.scroll.scrollHeight - el.scroll.scrollTop;
    insertMessages(page.messages);
    view.hasMore = page.has_more;
    el.scroll.scrollTop = el.scroll.scrollHeight - before;
  } catch (error) {
    notify(`Could not load older messages: ${describeError(error)}`);
  } finally {
    current.loadingOlder = false;
    el.loadOlder.disabled = false;
    el.loadOlder.textContent = "Load older messages";
    if (view === current) {
      renderHistoryEdge();
      setBusy(false);
    }
  }
  fillViewport();
}

/** Load older pages until the history fills the pane, so it can scroll at all. */
function fillViewport() {
  if (view && view.hasMore && el.scroll.scrollHeight <= el.scroll.clientHeight + 40) loadOlder();
}

function renderHistoryEdge() {
  el.loadOlder.hidden = !view.hasMore;
  el.historyStart.hidden = view.hasMore || !view.loaded;
}

// --- Scrolling ----------------------------------------------------------------------------------

el.scroll.addEventListener("scroll", () => {
  if (!view) return;
  if (el.scroll.scrollTop < 200) loadOlder();
  if (nearBottom()) {
    el.jumpLatest.hidden = true;
    markRead();
  }
});
el.loadOlder.addEventListener("click", loadOlder);
el.jumpLatest.addEventListener("click", () => {
  // Opened at a search result, the newest messages are not loaded yet: load them.
  if (view?.detached) {
    openRoom(view.roomId);
    return;
  }
  scrollToBottom();
  markRead();
});
