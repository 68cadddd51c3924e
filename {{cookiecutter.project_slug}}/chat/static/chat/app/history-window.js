/**
 * The open room's history window: the page holds at most WINDOW_SIZE of the room's messages in
 * the DOM. Scrolling near an end loads the next page there and unloads as many from the other
 * end, so a room of 100,000 messages costs the page what a room of a few hundred does.
 *
 * The window either reaches the room's live end, and live messages are shown as they arrive,
 * or stops short of it (`view.detached`): then a live message only moves the room's counts and
 * "Jump to latest" shows; the user's own message jumps there. A jump to one message (a link, a
 * search result, a notification, a quoted message, the first unread) replaces the window with
 * the page around it (showAround). Adding or removing messages above what the user is reading
 * keeps it where it is on the screen.
 *
 * An unloaded message is forgotten: changes to it are ignored (messages.js finds no item) and
 * it comes back fresh from the server when the window reaches it again. ChatClient's cursors
 * (client/cursors.js) count what was delivered, not what is shown, so unloading is never
 * mistaken for a gap. Messages are rendered by messages.js; the room is opened by room-view.js.
 */

import { el, nearBottom, notify, scrollToBottom } from "./dom.js";
import { describeError } from "./format.js";
import { decorate, setBusy } from "./feed-marks.js";
import { insertMessages } from "./messages.js";
import { markRead } from "./read.js";
import { client, pendingSends, rooms, view } from "./state.js";

/** Messages kept in the DOM. A message is some 35 elements, so 250 keep the page under ten
 *  thousand of them however long the room, while still holding five pages: several screens
 *  each way of what is on screen, so reading at any speed rarely waits for the server. */
export const WINDOW_SIZE = 250;
/** Messages per request; a page around a message has it in the middle. 50 is a few screens,
 *  and well under the server's PAGE_MAX (100), so one page never costs a long wait. */
export const PAGE_SIZE = 50;
const EDGE = 300; // px from an end of the pane at which the next page there is loaded
const RETRY_MS = 1_000; // a page refused for now (rate limited, server busy) is asked again

/** Open the room's history: at ``aroundSeq`` (a link, a search result), at the first unread
 *  message when more are unread than one page holds, else at the newest. */
export function openHistory(aroundSeq = null) {
  const room = rooms.get(view.roomId);
  if (aroundSeq != null) return showAround(aroundSeq);
  if (room && room.lastSeq - room.lastReadSeq > PAGE_SIZE) {
    return showAround(room.lastReadSeq + 1, { highlight: false });
  }
  return showLatest();
}

/** Replace the window with the room's newest page and scroll to its bottom. */
export async function showLatest() {
  const page = await replaceWindow({});
  if (!page) return;
  attach(page);
  // Messages being sent stay below the newest, as the composer put them.
  for (const pending of pendingSends.values()) {
    if (pending.roomId === view.roomId) el.messages.append(pending.li);
  }
  scrollToBottom();
  settle();
}

/**
 * Show message ``seq`` of the open room: where it is if loaded, else in the page around it,
 * which replaces the window. With ``highlight`` (a jump to that message) it is marked and
 * focused; without (the first unread) the first message from it is brought into view.
 */
export async function showAround(seq, { highlight = true } = {}) {
  if (!view) return;
  if (!view.loaded || !view.items.has(seq)) {
    const page = await replaceWindow({ aroundSeq: seq });
    if (!page) return;
    const newest = page.messages.at(-1)?.seq ?? 0;
    if (newest >= page.last_seq) attach(page);
    else detach();
  }
  reveal(seq, highlight);
  settle();
}

/**
 * A live message of the open room (loaded): shown if the window reaches the live end, and
 * the oldest unloaded beyond the bound; else only announced. Returns whether it was shown.
 */
export function showLive(message, { mine = false } = {}) {
  if (view.detached) {
    // Sending means being at the present: the user's own message takes them there.
    if (mine) showLatest();
    else showJump();
    return false;
  }
  const stick = nearBottom() || mine;
  insertMessages([message]);
  anchored(trim);
  renderEdges(); // the oldest may have been unloaded: older messages can be loaded again
  if (stick) scrollToBottom();
  else showJump();
  return true;
}

/** Fetch a page to replace the window; null if it failed or another replacement overtook it.
 *  Meanwhile the view counts as loading, so live messages wait in view.early. */
async function replaceWindow(cursor) {
  const current = view;
  const epoch = ++current.epoch;
  const wasLoaded = current.loaded;
  current.loaded = false;
  current.early = [];
  setBusy(true);
  try {
    const page = await client.history(current.roomId, {
      limit: PAGE_SIZE,
      timeline: true,
      ...cursor,
    });
    if (view !== current || current.epoch !== epoch) return null;
    removeMessages([...current.items.keys()]);
    current.oldestSeq = null;
    current.newestSeq = 0;
    insertMessages(page.messages);
    current.hasMore = page.has_more; // older messages exist, for the newest page and around one
    current.loaded = true;
    return page;
  } catch (error) {
    if (view !== current || current.epoch !== epoch) return null;
    current.loaded = wasLoaded;
    if (wasLoaded && !current.detached) insertMessages(current.early);
    current.early = [];
    notify(`Could not load the messages: ${describeError(error)}`);
    return null;
  } finally {
    if (view === current) setBusy(false);
  }
}

/** The window reaches the live end (``page`` was read there): live messages show again. */
function attach(page) {
  view.detached = false;
  // Thread replies after the last message shown count as seen: the room is read to its end.
  view.newestSeq = Math.max(view.newestSeq, page.last_seq);
  // Live messages that arrived while the page was on its way (duplicates are skipped).
  insertMessages(view.early);
  view.early = [];
  el.jumpLatest.hidden = true;
}

function detach() {
  [view.detached, view.early] = [true, []]; // live ones come with the pages that reach them
}

/** Load the next page above (``older``) or below the window, then unload beyond the bound. */
async function loadPage(older) {
  if (!view || !view.loaded || view.paging) return;
  if (older ? !view.hasMore || view.oldestSeq == null : !view.detached) return;
  const current = view;
  const epoch = current.epoch;
  current.paging = true;
  el.loadOlder.disabled = true;
  setBusy(true);
  let retry = false;
  try {
    const cursor = older ? { beforeSeq: current.oldestSeq } : { afterSeq: current.newestSeq };
    const page = await client.history(current.roomId, {
      limit: PAGE_SIZE,
      timeline: true,
      ...cursor,
    });
    if (view !== current || current.epoch !== epoch) return;
    anchored(() => insertMessages(page.messages));
    if (older) current.hasMore = page.has_more;
    // The live end, unless ChatClient delivered a message this page was read before.
    else if (!page.has_more && page.last_seq >= (client.cursor(current.roomId)?.seq ?? 0)) {
      attach(page);
    }
    anchored(trim);
  } catch (error) {
    retry = error.retryable && error.type !== "disconnected";
    if (!retry && view === current) notify(`Could not load the messages: ${describeError(error)}`);
  } finally {
    current.paging = false;
    el.loadOlder.disabled = false;
    if (view === current) setBusy(false);
  }
  if (view !== current) return;
  if (retry) setTimeout(checkEdges, RETRY_MS);
  else settle();
}

/** Unload the messages beyond WINDOW_SIZE from the end farther from what is on screen. */
function trim() {
  const excess = view.items.size - WINDOW_SIZE;
  if (excess <= 0) return;
  const seqs = [...view.items.keys()].sort((a, b) => a - b);
  const above = el.scroll.scrollTop;
  const below = el.scroll.scrollHeight - el.scroll.clientHeight - el.scroll.scrollTop;
  if (above > below) {
    removeMessages(seqs.slice(0, excess));
    view.hasMore = true;
    view.oldestSeq = seqs[excess];
  } else {
    removeMessages(seqs.slice(-excess));
    view.newestSeq = seqs.at(-excess - 1);
    detach();
    showJump();
  }
  decorate(); // the new first or last message gets its separator and sender again
}

/** Take messages out of the page and out of view.items: an update to one is then ignored
 *  (messages.js finds no item), and it is loaded afresh when the window reaches it again.
 *  Separators and groups are drawn again by the caller (feed-marks.js). */
function removeMessages(seqs) {
  for (const seq of seqs) {
    view.items.get(seq)?.li.remove();
    view.items.delete(seq);
  }
}

/** Run ``change`` (adding or removing messages), keeping the first message on screen where it
 *  was: without this, messages added above would push what the user reads out of view. */
function anchored(change) {
  const top = el.scroll.getBoundingClientRect().top;
  const shown = el.messages.querySelectorAll(".msg[data-seq]");
  const anchor = [...shown].find((li) => li.getBoundingClientRect().bottom > top);
  const before = anchor?.getBoundingClientRect().top;
  change();
  if (anchor?.isConnected) el.scroll.scrollTop += anchor.getBoundingClientRect().top - before;
}

/** Bring message ``seq`` (or, without ``highlight``, the first one from it) into view. */
function reveal(seq, highlight) {
  for (const found of el.messages.querySelectorAll(".msg.found")) found.classList.remove("found");
  const shown = [...el.messages.querySelectorAll(".msg[data-seq]")];
  const li = shown.find((node) => Number(node.dataset.seq) >= seq);
  if (highlight && Number(li?.dataset.seq) !== seq) {
    notify("That message is no longer there.");
    return;
  }
  if (!li) {
    scrollToBottom();
  } else if (highlight) {
    li.classList.add("found");
    li.scrollIntoView({ block: "center" });
    li.focus();
  } else {
    // A third of the way down: some context above, and as much of what is new as fits.
    const offset = li.getBoundingClientRect().top - el.scroll.getBoundingClientRect().top;
    el.scroll.scrollTop += offset - el.scroll.clientHeight / 3;
  }
}

/** After the window changed: its edges, the read position, and the next page if at an end. */
function settle() {
  renderEdges();
  markRead();
  checkEdges();
}

function checkEdges() {
  if (!view || !view.loaded) return;
  const below = el.scroll.scrollHeight - el.scroll.clientHeight - el.scroll.scrollTop;
  if (view.hasMore && el.scroll.scrollTop < EDGE) loadPage(true);
  else if (view.detached && below < EDGE) loadPage(false);
}

function renderEdges() {
  el.loadOlder.hidden = !view.hasMore;
  el.historyStart.hidden = view.hasMore || !view.loaded;
  if (view.detached) showJump();
}

/** "Jump to latest" while the window stops short of the live end, else "New messages below". */
function showJump() {
  el.jumpLatest.textContent = view.detached ? "Jump to latest" : "New messages below";
  el.jumpLatest.hidden = false;
}

// --- Scrolling ----------------------------------------------------------------------------------

el.scroll.addEventListener("scroll", () => {
  if (!view) return;
  checkEdges();
  if (nearBottom()) {
    if (!view.detached) el.jumpLatest.hidden = true;
    markRead();
  }
});
el.loadOlder.addEventListener("click", () => loadPage(true));
el.jumpLatest.addEventListener("click", () => {
  if (!view) return;
  if (view.detached) {
    showLatest();
    return;
  }
  scrollToBottom();
  markRead();
});
// A quoted message that is not loaded (messages.js shows those that are) is shown in its page.
el.messages.addEventListener("click", (event) => {
  const quote = event.target.closest('[data-action="show-quoted"]');
  const seq = Number(quote?.dataset.seq);
  if (quote && view?.loaded && !view.items.has(seq)) showAround(seq);
});
