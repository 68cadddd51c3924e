/**
 * What the message list shows between and around messages, recomputed after each change
 * of the list: which messages continue their sender's group, a day separator at each day's
 * first message, the "New" line where the unread part began when the room was opened, and
 * each message's position in the feed (aria-posinset, aria-setsize) where it is known.
 *
 * The separators and the "New" line are drawn inside the first message they stand above, so
 * the feed's children stay articles (the ARIA feed pattern); a day's separator is a heading,
 * so readers can skip from day to day.
 */

import { applyGrouping } from "./message-view.js";
import { dayLabel, dayNumber, untilMidnight } from "./days.js";
import { el, make } from "./dom.js";
import { articles, syncTabStop } from "./feed-keys.js";
import { me, rooms, view } from "./state.js";

const GROUP_WINDOW = 5 * 60_000; // consecutive messages of one sender within this are grouped

// Where the unread part began: the user's read position and the room's newest seq when the
// room was opened; messages that arrive later, while it is open, are not "new" to mark.
let mark = { view: null, roomId: null, readSeq: 0, lastSeq: 0 };
let keepMark = false;

/** The room is opened again to jump to its first unread message: keep the "New" line. */
export function keepReadMark() {
  keepMark = true;
}

/** {readSeq, lastSeq} of the open room's unread part when it was opened. */
export function unreadPart() {
  if (!view) return null;
  if (mark.view !== view) {
    const room = rooms.get(view.roomId);
    const keep = keepMark && mark.roomId === view.roomId;
    keepMark = false;
    mark = keep
      ? { ...mark, view }
      : { view, roomId: view.roomId, readSeq: room?.lastReadSeq ?? 0, lastSeq: room?.lastSeq ?? 0 };
  }
  return mark;
}

function groups(item, prevItem) {
  if (!item || !prevItem || item.message.reply_to) return false;
  const { message } = item;
  const previous = prevItem.message;
  return (
    previous.sender?.id === message.sender?.id &&
    dayNumber(previous.created_at) === dayNumber(message.created_at) &&
    new Date(message.created_at) - new Date(previous.created_at) < GROUP_WINDOW
  );
}

/** Put ``node`` (class ``name``) first in ``article``, or take it away when null. */
function setMark(article, name, node) {
  const old = article.querySelector(`:scope > .${name}`);
  if (old && node && old.textContent === node.textContent) return;
  old?.remove();
  if (!node) return;
  const after = name === "msg-day" ? null : article.querySelector(":scope > .msg-day");
  article.insertBefore(node, after ? after.nextSibling : article.firstChild);
}

function dayHeading(iso) {
  return make("h3", "msg-day", dayLabel(iso));
}

function newLine() {
  const line = make("p", "msg-new");
  line.append(make("span", "msg-new-text", "New"));
  line.append(make("span", "visually-hidden", " messages start here"));
  return line;
}

/** Whether a message is the first unread one of the part that was unread at opening. */
function firstUnread(message, unread, placed) {
  if (placed || !unread || !message || message.seq == null) return false;
  if (message.sender && me && message.sender.id === me.id) return false;
  return message.seq > unread.readSeq && message.seq <= unread.lastSeq;
}

/** Draw the list's separators, groups, "New" line and positions again. */
export function decorate() {
  if (!view) return;
  const unread = unreadPart();
  const list = articles();
  let previous = null;
  // While the first unread message is older than the history loaded, no line: it is not here.
  let placed = view.hasMore && view.oldestSeq > unread.readSeq + 1;
  const whole = view.loaded && !view.hasMore; // the history's start is loaded
  const complete = whole && !view.detached; // and its end
  list.forEach((article, index) => {
    const item = article.dataset.seq ? view.items.get(Number(article.dataset.seq)) : null;
    const message = item?.message;
    const day = message ? dayNumber(message.created_at) : null;
    const newDay = message && (!previous?.message || dayNumber(previous.message.created_at) !== day);
    setMark(article, "msg-day", newDay ? dayHeading(message.created_at) : null);
    const isNew = firstUnread(message, unread, placed);
    placed ||= isNew;
    setMark(article, "msg-new", isNew ? newLine() : null);
    applyGrouping(article, message, !newDay && groups(item, previous));
    if (whole) article.setAttribute("aria-posinset", String(index + 1));
    else article.removeAttribute("aria-posinset");
    article.setAttribute("aria-setsize", complete ? String(list.length) : "-1");
    previous = item ?? previous;
  });
  syncTabStop();
  el.messages.dispatchEvent(new CustomEvent("feedchange"));
}

/** While a page of history loads the feed is busy; once it is in, its marks are redrawn. */
export function setBusy(busy) {
  if (busy) el.messages.setAttribute("aria-busy", "true");
  else el.messages.removeAttribute("aria-busy");
  if (!busy) decorate();
}

// "Today" becomes "Yesterday" at midnight, in the user's own time zone.
function relabelAtMidnight() {
  setTimeout(() => {
    decorate();
    relabelAtMidnight();
  }, untilMidnight() + 1000);
}
relabelAtMidnight();
