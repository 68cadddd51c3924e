/**
 * How one message of the open room looks: an <article> of the feed (#messages) holding its
 * avatar, sender, time, quoted reply, body, files, thread summary, reactions and a "More
 * actions" button (message-menu.js opens the menu). Nothing here acts on a message.
 *
 * Assistive technology names the article from its sender, time and text (aria-labelledby)
 * and describes it with the rest (the quote, "edited", files, thread, reactions), never with
 * its buttons' names. A message continuing its sender's group keeps its sender and time for
 * assistive technology: the name visually hidden, the time shown on hover and focus.
 */

import { withBotTag } from "./bot-tag.js";
import { avatarFor } from "./avatars.js";
import { renderAttachments } from "./attachments.js";
import { clockTime, fullTime } from "./days.js";
import { button, make } from "./dom.js";
import { formattedBody } from "./formatted.js";
import { renderReactions } from "./reactions.js";
import { receiptElement } from "./receipts.js";
import { isBlocked, me } from "./state.js";
import { threadSummary } from "./threads.js";

/** The element ids of a message's parts: the seq is unique among the shown messages. */
const part = (key, name) => `msg-${key}-${name}`;

/** The sender: a button opening their profile (first of a group), else text for readers. */
export function senderElement(message, asButton, key = message.seq) {
  const name = message.sender ? message.sender.username : "Deleted user";
  const node = asButton
    ? button(name, "msg-sender", "profile")
    : make("span", "msg-sender visually-hidden", name);
  node.id = part(key, "sender");
  return withBotTag(node, message.sender);
}

/** Show a message as the first of its sender's group or as a continuation of it. */
export function applyGrouping(article, message, continued) {
  article.classList.toggle("continued", continued);
  const old = article.querySelector(".msg-sender");
  if (!old || !message) return;
  const mine = Boolean(me && message.sender?.id === me.id);
  const asButton = !continued && !mine && Boolean(message.sender);
  if ((old.tagName === "BUTTON") === asButton) return;
  const node = senderElement(message, asButton);
  node.tabIndex = old.tabIndex;
  const focused = document.activeElement === old;
  old.replaceWith(node);
  if (focused) article.focus();
}

function meta(message, key) {
  const line = make("div", "msg-meta");
  const mine = Boolean(me && message.sender?.id === me.id);
  const time = make("time", "msg-time", clockTime(message.created_at));
  time.id = part(key, "time");
  time.dateTime = message.created_at;
  time.title = fullTime(message.created_at);
  line.append(senderElement(message, !mine && Boolean(message.sender), key), time);
  const notes = make("span", "msg-notes");
  notes.id = part(key, "notes");
  if (message.edited_at && !message.deleted) notes.append(make("span", "msg-edited", "edited"));
  // Where it came from is only a room and seq: readers of that room can find it there.
  if (message.forwarded_from) notes.append(make("span", "msg-forwarded", "forwarded"));
  if (notes.childElementCount) line.append(notes);
  const tick = receiptElement(message);
  if (tick) line.append(tick);
  return line;
}

function quote(reply) {
  const node = make("button", "msg-quote");
  node.type = "button";
  node.dataset.action = "show-quoted";
  node.dataset.seq = reply.seq;
  const who = reply.sender ? reply.sender.username : "Deleted user";
  node.append(
    make("span", "msg-quote-sender", who),
    make("span", "msg-quote-text", reply.deleted ? "Deleted message" : reply.content),
  );
  node.setAttribute("aria-label", `Reply to ${reply.sender ? who : "a message"}`);
  return node;
}

/** The parts under the body, each with an id the article's description lists. */
function extras(message, key) {
  const parts = [];
  if (message.deleted) return parts;
  const files = renderAttachments(message);
  if (files) parts.push([files, "files"]);
  const thread = threadSummary(message);
  if (thread) parts.push([thread, "thread"]);
  const reactions = renderReactions(message);
  if (reactions) parts.push([reactions, "reactions"]);
  for (const [node, name] of parts) node.id = part(key, name);
  return parts.map(([node]) => node);
}

function moreButton() {
  const more = button(null, "msg-more", "more");
  more.setAttribute("aria-label", "More actions");
  more.setAttribute("aria-haspopup", "menu");
  more.setAttribute("aria-expanded", "false");
  more.title = "More actions";
  const dots = make("span", null, "⋯");
  dots.setAttribute("aria-hidden", "true");
  more.append(dots);
  return more;
}

function article(message, key) {
  const node = make("article", "msg");
  node.tabIndex = -1;
  if (message.seq != null) node.dataset.seq = message.seq;
  if (message.id != null) node.dataset.id = message.id;
  node.classList.toggle("mine", Boolean(me && message.sender?.id === me.id));
  node.classList.toggle("deleted", Boolean(message.deleted));
  node.setAttribute("aria-labelledby", ["sender", "time", "body"].map((n) => part(key, n)).join(" "));
  return node;
}

function collapsed(node, message) {
  node.classList.add("blocked");
  const line = make("div", "msg-bubble msg-collapsed");
  const text = make("span", "muted", `Message from ${message.sender.username}, whom you blocked.`);
  text.id = part(message.seq, "body");
  const label = `Show the message from ${message.sender.username}`;
  line.append(text, button("Show", "small", "show-blocked", label));
  node.setAttribute("aria-labelledby", text.id);
  node.append(line);
  return node;
}

/** The article of a stored message; ``revealed`` shows a blocked sender's message in full. */
export function renderMessage(message, { revealed = false } = {}) {
  const key = message.seq;
  const node = article(message, key);
  const mine = node.classList.contains("mine");
  if (!mine && !revealed && !message.deleted && isBlocked(message.sender)) {
    return collapsed(node, message);
  }
  const bubble = make("div", "msg-bubble");
  bubble.append(meta(message, key));
  if (message.reply_to) {
    const reply = quote(message.reply_to);
    reply.id = part(key, "quote");
    bubble.append(reply);
  }
  const text = message.deleted
    ? make("p", "msg-body", "This message was deleted.")
    : formattedBody(message, me);
  text.id = part(key, "body");
  const more = extras(message, key);
  bubble.append(text, ...more);
  const described = [...bubble.querySelectorAll(".msg-quote, .msg-notes"), ...more];
  if (described.length) node.setAttribute("aria-describedby", described.map((n) => n.id).join(" "));
  const main = make("div", "msg-main");
  if (!mine) main.append(avatarFor(message.sender));
  main.append(bubble);
  // Beside the bubble, not over it: it covers no other message's controls.
  if (!message.deleted) main.append(moreButton());
  node.append(main);
  return node;
}

/** The article of a message being sent: shown at once, pending until the server has it. */
export function renderPending(clientMsgId, content) {
  const key = `pending-${clientMsgId}`;
  const node = article({ sender: me }, key);
  node.classList.add("pending");
  node.dataset.clientMsgId = clientMsgId;
  const bubble = make("div", "msg-bubble");
  const line = make("div", "msg-meta");
  const status = make("span", "msg-status", "Sending…");
  status.id = part(key, "time");
  line.append(senderElement({ sender: me }, false, key), status);
  const body = make("p", "msg-body", content);
  body.id = part(key, "body");
  bubble.append(line, body);
  node.append(bubble);
  return node;
}
