/**
 * New messages from others in the open room, read out by screen readers through a polite,
 * visually hidden live region (#message-announcer) rather than the feed itself: a burst is
 * one announcement ("3 new messages; the latest from bob: …"), the text cut short, so a busy
 * room does not drown out everything else.
 */

import { $ } from "./dom.js";
import { isHiddenReply } from "./threads.js";
import { client, isBlocked, me, view } from "./state.js";

const region = $("message-announcer");
const BURST = 1500; // ms: messages arriving within this of the first are announced together
const MAX_CHARS = 140; // of a message's text in an announcement

let burst = [];
let timer = null;

function shorten(text) {
  const flat = String(text ?? "").replace(/\s+/g, " ").trim();
  return flat.length > MAX_CHARS ? `${flat.slice(0, MAX_CHARS - 1)}…` : flat;
}

function say() {
  timer = null;
  const latest = burst.at(-1);
  const count = burst.length;
  burst = [];
  if (!latest) return;
  const who = latest.sender?.username ?? "Deleted user";
  const text = `${who}: ${shorten(latest.content)}`;
  region.textContent = count === 1 ? text : `${count} new messages; the latest from ${text}`;
}

client.addEventListener("message", ({ detail }) => {
  const { message } = detail;
  if (!detail.live || !view || view.roomId !== message.room_id || view.detached) return;
  if (!message.sender || (me && message.sender.id === me.id)) return;
  if (isHiddenReply(message) || isBlocked(message.sender)) return;
  burst.push(message);
  timer ??= setTimeout(say, BURST);
});
