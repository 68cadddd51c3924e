/**
 * The messages of the open room: keeping them in seq order without repeats, and applying
 * edits, deletions and reactions. How a message looks is message-view.js's; what the list
 * shows between messages (days, groups, the "New" line) feed-marks.js's; the keyboard
 * feed-keys.js's; the actions on a message message-actions.js's.
 *
 * Opening a room and paging its history is room-view.js's.
 */

import { el, notify } from "./dom.js";
import { describeError } from "./format.js";
import { setComposerContext } from "./composer.js";
import { decorate } from "./feed-marks.js";
import { adopt, focusArticle, replaceArticle } from "./feed-keys.js";
import { renderMessage } from "./message-view.js";
import { withMine } from "./reactions.js";
import { isHiddenReply, rememberUser } from "./threads.js";
import { client, me, view } from "./state.js";

/** Insert messages of the open room by seq; a seq already shown is updated, not repeated. */
export function insertMessages(messages) {
  let changed = false;
  for (const received of messages) {
    if (!view || received.room_id !== view.roomId) continue;
    rememberUser(received.sender);
    if (isHiddenReply(received)) {
      // The thread panel's (threads.js), but its seq still bounds the pages around it.
      bound(received.seq);
      continue;
    }
    if (view.items.has(received.seq)) {
      updateMessage(received);
      continue;
    }
    const message = withMine(received, null, null, me?.id);
    const li = renderMessage(message);
    adopt(li);
    view.items.set(message.seq, { message, li });
    el.messages.insertBefore(li, nextShown(message.seq));
    bound(message.seq);
    changed = true;
  }
  if (changed) decorate();
}

/** Widen the seqs the loaded history spans to ``seq``. */
function bound(seq) {
  view.newestSeq = Math.max(view.newestSeq, seq);
  view.oldestSeq = view.oldestSeq == null ? seq : Math.min(view.oldestSeq, seq);
}

/** The shown message a message of ``seq`` goes before: usually none (a live append). */
function nextShown(seq) {
  if (view.newestSeq > seq) {
    for (const child of el.messages.children) {
      if (child.dataset.seq && Number(child.dataset.seq) > seq) return child;
    }
    return null;
  }
  // Pending (not yet acknowledged) messages stay at the very bottom.
  return el.messages.querySelector(".msg.pending");
}

/** Show a message's new state; ``change`` is message.reactions' (whose reaction changed). */
export function updateMessage(message, change = null) {
  if (!view || message.room_id !== view.roomId) return;
  const item = view.items.get(message.seq);
  if (!item) return;
  // Changes can arrive twice (live and from a catch-up) or out of order: newest rev wins.
  if (message.rev < item.message.rev) return;
  message = withMine(message, item.message, change, me?.id);
  redraw(item, message);
  if (view.editing && view.editing.id === message.id && message.deleted) setComposerContext(null);
  // Replies quoting this message show its new text.
  for (const other of view.items.values()) {
    if (other.message.reply_to && other.message.reply_to.id === message.id) {
      other.message.reply_to = {
        ...other.message.reply_to,
        content: message.content,
        deleted: message.deleted,
      };
      const quote = other.li.querySelector(".msg-quote-text");
      if (quote) quote.textContent = message.deleted ? "Deleted message" : message.content;
    }
  }
  decorate();
}

/** Draw a shown message again in place; focus stays on it (or on the same control of it). */
export function redraw(item, message = item.message, options = {}) {
  const li = renderMessage(message, options);
  li.classList.toggle("continued", item.li.classList.contains("continued"));
  const focused = item.li.contains(document.activeElement) ? document.activeElement : null;
  const action = focused?.dataset.action;
  // The day separator, "New" line and position stay until the list is next decorated.
  li.prepend(...item.li.querySelectorAll(":scope > .msg-day, :scope > .msg-new"));
  for (const name of ["aria-posinset", "aria-setsize"]) {
    if (item.li.hasAttribute(name)) li.setAttribute(name, item.li.getAttribute(name));
  }
  replaceArticle(item.li, li);
  item.message = message;
  item.li = li;
  if (focused) {
    const same = action && li.querySelector(`[data-action="${action}"]`);
    if (same) same.focus();
    else focusArticle(li);
  }
}

/** Render the shown messages again (a block or unblock changes how a sender's look). */
export function rerenderMessages() {
  if (!view) return;
  for (const item of view.items.values()) redraw(item);
  decorate();
}

/** Add this user's ``emoji`` to a shown message, or take it away if it is theirs already. */
export async function toggleReaction(roomId, seq, emoji) {
  const item = view && view.roomId === roomId ? view.items.get(seq) : null;
  if (!item) return;
  const mine = item.message.reactions.some((r) => r.emoji === emoji && r.me);
  try {
    const reply = await client.react(item.message.id, emoji, { remove: mine });
    updateMessage(reply.message); // made for this user: its "me" flags are exact
  } catch (error) {
    notify(describeError(error));
  }
}
