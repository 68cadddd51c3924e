/**
 * The messages of the open room: rendering each message (sender, time, quoted reply, body,
 * reactions, actions), keeping them in seq order without repeats, applying edits, deletions
 * and reactions, and the actions on a message (reply, react, forward, edit, delete, report). Messages
 * of users this user blocks are collapsed to one line that can be opened.
 *
 * Opening a room and paging its history is room-view.js's; the composer (composer.js) takes
 * over for replies and edits.
 */

import { askText, confirmAction } from "./ask.js";
import { renderAttachments } from "./attachments.js";
import { openForward } from "./forward.js";
import { receiptElement } from "./receipts.js";
import { button, el, make, notify } from "./dom.js";
import { dateTimeFormat, describeError, shortTime } from "./format.js";
import { formattedBody } from "./formatted.js";
import { handlePendingAction, setComposerContext } from "./composer.js";
import { copyLink } from "./permalinks.js";
import { openPicker, renderReactions, withMine } from "./reactions.js";
import { isHiddenReply, openThread, rememberUser, threadSummary } from "./threads.js";
import { canPost, client, isAdmin, isBlocked, me, rooms, view } from "./state.js";

const GROUP_WINDOW = 5 * 60_000; // consecutive messages of one sender within this are grouped

/** Insert messages of the open room by seq; a seq already shown is updated, not repeated. */
export function insertMessages(messages) {
  for (const received of messages) {
    if (!view || received.room_id !== view.roomId) continue;
    rememberUser(received.sender);
    if (isHiddenReply(received)) {
      // The thread panel's (threads.js), but its seq still bounds the pages around it.
      view.newestSeq = Math.max(view.newestSeq, received.seq);
      view.oldestSeq =
        view.oldestSeq == null ? received.seq : Math.min(view.oldestSeq, received.seq);
      continue;
    }
    if (view.items.has(received.seq)) {
      updateMessage(received);
      continue;
    }
    const message = withMine(received, null, null, me?.id);
    const li = renderMessage(message);
    view.items.set(message.seq, { message, li });
    // Find the first shown message with a higher seq; usually there is none (live append).
    let next = null;
    if (view.newestSeq > message.seq) {
      for (const child of el.messages.children) {
        if (child.dataset.seq && Number(child.dataset.seq) > message.seq) {
          next = child;
          break;
        }
      }
    } else {
      // Pending (not yet acknowledged) bubbles stay at the very bottom.
      next = el.messages.querySelector(".msg.pending");
    }
    el.messages.insertBefore(li, next);
    view.newestSeq = Math.max(view.newestSeq, message.seq);
    view.oldestSeq = view.oldestSeq == null ? message.seq : Math.min(view.oldestSeq, message.seq);
    regroup(li);
    regroup(li.nextElementSibling);
  }
}

/** Hide the sender line of a message that continues the previous one's sender. */
export function regroup(li) {
  if (!li || !li.dataset.seq) return;
  const prev = li.previousElementSibling;
  const item = view.items.get(Number(li.dataset.seq));
  const prevItem = prev && prev.dataset.seq ? view.items.get(Number(prev.dataset.seq)) : null;
  const grouped =
    prevItem &&
    item &&
    !item.message.reply_to &&
    prevItem.message.sender?.id === item.message.sender?.id &&
    new Date(item.message.created_at) - new Date(prevItem.message.created_at) < GROUP_WINDOW;
  li.classList.toggle("continued", Boolean(grouped));
}

/** Show a message's new state; ``change`` is message.reactions' (whose reaction changed). */
export function updateMessage(message, change = null) {
  if (!view || message.room_id !== view.roomId) return;
  const item = view.items.get(message.seq);
  if (!item) return;
  // Changes can arrive twice (live and from a catch-up) or out of order: newest rev wins.
  if (message.rev < item.message.rev) return;
  message = withMine(message, item.message, change, me?.id);
  const li = renderMessage(message);
  li.classList.toggle("continued", item.li.classList.contains("continued"));
  const hadFocus = item.li.contains(document.activeElement);
  const focusedAction = hadFocus ? document.activeElement.dataset.action : null;
  item.li.replaceWith(li);
  item.message = message;
  item.li = li;
  if (view.editing && view.editing.id === message.id && message.deleted) setComposerContext(null);
  if (hadFocus) (li.querySelector(`[data-action="${focusedAction}"]`) || li).focus();
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
}

function renderMessage(message, { revealed = false } = {}) {
  const mine = me && message.sender && message.sender.id === me.id;
  const li = make("li", "msg");
  li.dataset.seq = message.seq;
  li.dataset.id = message.id;
  li.tabIndex = -1;
  li.classList.toggle("mine", Boolean(mine));
  li.classList.toggle("deleted", message.deleted);
  if (!mine && !revealed && !message.deleted && isBlocked(message.sender)) {
    li.classList.add("blocked");
    const collapsed = make("div", "msg-bubble msg-collapsed");
    collapsed.append(
      make("span", "muted", `Message from ${message.sender.username}, whom you blocked.`),
      button("Show", "small", "show-blocked", `Show the message from ${message.sender.username}`),
    );
    li.append(collapsed);
    return li;
  }

  const bubble = make("div", "msg-bubble");
  const meta = make("div", "msg-meta");
  meta.append(make("span", "msg-sender", message.sender ? message.sender.username : "Deleted user"));
  const time = make("time", "msg-time", shortTime(message.created_at));
  time.dateTime = message.created_at;
  time.title = dateTimeFormat.format(new Date(message.created_at));
  meta.append(time);
  if (message.edited_at && !message.deleted) meta.append(make("span", "msg-edited", "edited"));
  // Where it came from is only a room and seq: readers of that room can find it there.
  if (message.forwarded_from) meta.append(make("span", "msg-forwarded", "forwarded"));
  const tick = receiptElement(message);
  if (tick) meta.append(tick);
  bubble.append(meta);

  if (message.reply_to) {
    const quote = make("button", "msg-quote");
    quote.type = "button";
    quote.dataset.action = "show-quoted";
    quote.dataset.seq = message.reply_to.seq;
    quote.setAttribute(
      "aria-label",
      `Reply to ${message.reply_to.sender ? message.reply_to.sender.username : "a message"}`,
    );
    quote.append(
      make("span", "msg-quote-sender", message.reply_to.sender?.username ?? "Deleted user"),
      make(
        "span",
        "msg-quote-text",
        message.reply_to.deleted ? "Deleted message" : message.reply_to.content,
      ),
    );
    bubble.append(quote);
  }

  bubble.append(
    message.deleted ? make("p", "msg-body", "This message was deleted.") : formattedBody(message, me),
  );
  const files = renderAttachments(message);
  if (files) bubble.append(files);
  const thread = threadSummary(message);
  if (thread) bubble.append(thread);

  const reactions = renderReactions(message);
  if (reactions) bubble.append(reactions);
  li.append(bubble);

  if (!message.deleted) {
    const room = rooms.get(message.room_id);
    const actions = make("div", "msg-actions");
    actions.setAttribute("role", "group");
    actions.setAttribute("aria-label", "Message actions");
    if (canPost(room)) actions.append(button("Reply", "small", "reply"));
    if (message.thread_root_id == null) actions.append(button("Thread", "small", "open-thread"));
    const reactButton = button("React", "small", "pick-reaction");
    reactButton.setAttribute("aria-expanded", "false");
    reactButton.setAttribute("aria-haspopup", "dialog");
    actions.append(reactButton);
    actions.append(button("Forward", "small", "forward"));
    actions.append(button("Copy link", "small", "copy-link"));
    if (mine) actions.append(button("Edit", "small", "edit"));
    if (mine || isAdmin(room)) actions.append(button("Delete", "small danger", "delete"));
    if (!mine && message.sender) actions.append(button("Report", "small", "report"));
    bubble.append(actions); // a toolbar over the bubble's edge, shown on hover or focus
  }
  return li;
}

/** Show one collapsed message of a blocked user in full, where it stood. */
function showBlocked(message) {
  const item = view.items.get(message.seq);
  const li = renderMessage(message, { revealed: true });
  if (item) item.li = li;
  return li;
}

/** Render the shown messages again (a block or unblock changes how a sender's look). */
export function rerenderMessages() {
  if (!view) return;
  for (const item of view.items.values()) {
    const li = renderMessage(item.message);
    li.classList.toggle("continued", item.li.classList.contains("continued"));
    item.li.replaceWith(li);
    item.li = li;
  }
}

function messageOf(node) {
  const li = node.closest(".msg");
  if (!li || !view || !li.dataset.seq) return null;
  return view.items.get(Number(li.dataset.seq))?.message ?? null;
}

el.messages.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const action = target.dataset.action;
  if (action === "retry-send" || action === "discard-send") {
    handlePendingAction(target, action);
    return;
  }
  const message = messageOf(target);
  if (!message) return;
  const li = target.closest(".msg");
  try {
    if (action === "show-blocked") {
      li.replaceWith(showBlocked(message));
    } else if (action === "report") {
      const reason = await askText({
        heading: "Report this message",
        question: "Why are you reporting it? The room's admins will see this.",
        action: "Report",
        required: true,
      });
      if (reason) {
        await client.request("message.report", { message_id: message.id, reason });
        notify("Reported. The room's admins and the site's moderators will look at it.");
      }
    } else if (action === "open-thread") {
      openThread(message);
    } else if (action === "open-thread-root") {
      const rootId = Number(target.dataset.rootId);
      const root = [...view.items.values()].find((item) => item.message.id === rootId)?.message;
      openThread(root ?? { id: rootId, room_id: message.room_id });
    } else if (action === "forward") {
      openForward(message);
    } else if (action === "reply") {
      setComposerContext({ kind: "reply", message });
      el.input.focus();
    } else if (action === "edit") {
      setComposerContext({ kind: "edit", message });
      el.input.value = message.content;
      el.input.focus();
    } else if (action === "delete") {
      const heading = "Delete this message for everyone?";
      if (await confirmAction({ heading, action: "Delete", danger: true })) {
        await client.deleteMessage(message.id);
      }
    } else if (action === "pick-reaction") {
      openPicker(target, (emoji) => toggleReaction(message.room_id, message.seq, emoji));
    } else if (action === "toggle-reaction") {
      await toggleReaction(message.room_id, message.seq, target.dataset.emoji);
    } else if (action === "copy-link") {
      await copyLink(message);
    } else if (action === "show-quoted") {
      const quoted = view.items.get(Number(target.dataset.seq));
      if (quoted) {
        quoted.li.scrollIntoView({ block: "center" });
        quoted.li.focus();
      }
    }
  } catch (error) {
    notify(describeError(error));
  }
});

/** Add this user's ``emoji`` to a shown message, or take it away if it is theirs already. */
async function toggleReaction(roomId, seq, emoji) {
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
