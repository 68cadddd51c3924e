/**
 * Threads: a root's summary in the room (how many replies, when the last came, who replied),
 * and the thread panel: the root, its replies, a composer with "Also send to room", and a
 * follow toggle. A side panel on wide screens, the whole view on a phone.
 *
 * Thread replies are messages of their room (docs/protocol.md, Threads), so they arrive and
 * catch up with every other message; the room's timeline leaves out those not also sent to
 * the room (messages.js asks isHiddenReply), and this panel shows them all, read with
 * room.messages and thread_root_id. The "Threads" list of followed threads is
 * thread-list.js's; it keeps `followed` here up to date.
 */

import { $, button, make, notify, root as page } from "./dom.js";
import { dateTimeFormat, describeError, shortTime } from "./format.js";
import { client, me, rooms, view } from "./state.js";

const panel = $("thread-panel");
const rootBox = $("thread-root");
const repliesList = $("thread-replies");
const followButton = $("thread-follow");
const form = $("thread-composer");
const input = $("thread-input");
const also = $("thread-also");
const older = $("thread-older");
const PAGE_SIZE = 50; // replies a page of the panel loads, the newest first

/** root id -> {root, unread, last_read_seq}: the threads this user follows (thread-list.js). */
export const followed = new Map();

/** The open thread: {root, roomId, replies: Map seq -> {message, li}, readSent, readTimer},
 *  or null. */
let thread = null;

// user id -> username: a summary names its repliers by id (the first few), the page by name.
const usernames = new Map();
const askedRooms = new Set(); // rooms whose members were asked for, once per page load

/** Note a user the page saw (a message's sender, a member) for the summaries' names. */
export function rememberUser(user) {
  if (user) usernames.set(user.id, user.username);
}

/** Whether the room's timeline leaves this message to the thread panel. */
export function isHiddenReply(message) {
  return message.thread_root_id != null && !message.also_to_room;
}

function names(summary, roomId) {
  for (const member of rooms.get(roomId)?.members ?? []) rememberUser(member);
  const known = summary.participant_ids.map((id) => usernames.get(id)).filter(Boolean);
  if (known.length < summary.participant_ids.length) askNames(roomId);
  const others = summary.participant_count - known.length;
  if (!known.length) return `${summary.participant_count} ${summary.participant_count === 1 ? "person" : "people"}`;
  return others > 0 ? `${known.join(", ")} and ${others} more` : known.join(", ");
}

/** Learn the room's members (its first page, room.info) and name the repliers shown. */
async function askNames(roomId) {
  if (askedRooms.has(roomId)) return;
  askedRooms.add(roomId);
  try {
    const { room } = await client.request("room.info", { room_id: roomId });
    for (const member of room.members ?? []) rememberUser(member);
  } catch {
    return; // the summaries keep their counts
  }
  if (view?.roomId !== roomId) return;
  for (const item of view.items.values()) {
    // In place: a summary being tapped right now must stay the element that gets the click.
    const shown = item.li.querySelector(".thread-summary");
    const named = shown && threadSummary(item.message);
    if (!named) continue;
    shown.replaceChildren(...named.childNodes);
    shown.setAttribute("aria-label", named.getAttribute("aria-label"));
  }
}

/** What a message shows of threads in the room: a root its summary (a button opening the
 *  thread), a reply also sent to the room a link to its thread; null otherwise. */
export function threadSummary(message) {
  if (message.thread_root_id != null) {
    const link = button("Replied in a thread", "small thread-link", "open-thread-root");
    link.dataset.rootId = message.thread_root_id;
    return link;
  }
  const summary = message.thread;
  if (!summary) return null;
  const count = `${summary.reply_count} ${summary.reply_count === 1 ? "reply" : "replies"}`;
  const who = names(summary, message.room_id);
  const open = button(null, "thread-summary", "open-thread");
  const time = make("time", "thread-last", `last ${shortTime(summary.last_reply_at)}`);
  time.dateTime = summary.last_reply_at;
  time.title = dateTimeFormat.format(new Date(summary.last_reply_at));
  open.append(make("span", "thread-count", count), make("span", "thread-who", who), time);
  open.setAttribute("aria-label", `Open thread: ${count} from ${who}, ${time.textContent}`);
  return open;
}

function renderReply(message) {
  const li = make("li", "msg thread-reply");
  li.dataset.seq = message.seq;
  li.classList.toggle("mine", Boolean(me && message.sender?.id === me.id));
  const bubble = make("div", "msg-bubble");
  const meta = make("div", "msg-meta");
  const time = make("time", "msg-time", shortTime(message.created_at));
  time.dateTime = message.created_at;
  meta.append(make("span", "msg-sender", message.sender?.username ?? "Deleted user"), time);
  if (message.also_to_room) meta.append(make("span", "msg-edited", "also in the room"));
  const text = message.deleted ? "This message was deleted." : message.content;
  bubble.append(meta, make("p", "msg-body", text));
  li.append(bubble);
  return li;
}

function renderRoot() {
  const root = thread.root;
  rootBox.replaceChildren();
  if (root.content == null) return; // opened from a notification: its root is not at hand
  const author = root.sender?.username ?? "Deleted user";
  const text = root.deleted ? "This message was deleted." : root.content;
  rootBox.append(make("p", "msg-sender", author), make("p", "msg-body", text));
}

function setFollowing(following) {
  followButton.textContent = following ? "Following" : "Follow";
  followButton.setAttribute("aria-pressed", String(following));
}

/** Open the thread of ``root`` (a message payload, or {id, room_id} when only that is known). */
export async function openThread(root) {
  if (thread) clearTimeout(thread.readTimer);
  thread = { root, roomId: root.room_id, replies: new Map(), readSent: 0, readTimer: null };
  const current = thread;
  repliesList.replaceChildren();
  renderRoot();
  setFollowing(followed.has(root.id));
  also.checked = false;
  older.hidden = true;
  panel.hidden = false;
  page.classList.add("thread-open");
  input.focus();
  await loadReplies(current, {});
}

/** Load a page of the thread's replies (the newest, or those before ``beforeSeq``). */
async function loadReplies(current, { beforeSeq = null }) {
  try {
    const data = { room_id: current.roomId, thread_root_id: current.root.id, limit: PAGE_SIZE };
    if (beforeSeq != null) data.before_seq = beforeSeq;
    const history = await client.request("room.messages", data);
    if (thread !== current) return;
    for (const message of history.messages) threadReply(message, { scroll: beforeSeq == null });
    older.hidden = !history.has_more;
  } catch (error) {
    notify(describeError(error));
  }
}

older.addEventListener("click", () => {
  if (!thread || !thread.replies.size) return;
  loadReplies(thread, { beforeSeq: Math.min(...thread.replies.keys()) });
});

/** Close the panel unless its thread is of ``roomId`` (a room opened to show it). */
export function closeThread(roomId = null) {
  if (thread && roomId != null && thread.roomId === roomId) return;
  thread = null;
  panel.hidden = true;
  page.classList.remove("thread-open");
}

/** A thread reply arrived (live, caught up or paged): shown if its thread is open. */
export function threadReply(message, { scroll = true } = {}) {
  if (!thread || message.thread_root_id !== thread.root.id) return false;
  const existing = thread.replies.get(message.seq);
  const li = renderReply(message);
  if (existing) {
    existing.li.replaceWith(li);
  } else {
    const next = [...repliesList.children].find((child) => Number(child.dataset.seq) > message.seq);
    repliesList.insertBefore(li, next ?? null);
  }
  thread.replies.set(message.seq, { message, li });
  if (scroll) li.scrollIntoView({ block: "nearest" });
  markThreadRead();
  return true;
}

/** A changed message (edited, deleted): its reply in the open thread, or its root, shows it. */
export function threadChange(message) {
  if (!thread) return;
  if (message.id === thread.root.id) {
    thread.root = message;
    renderRoot();
  } else if (thread.replies.has(message.seq) && message.thread_root_id === thread.root.id) {
    threadReply(message);
  }
}

/** The open thread is read up to its newest reply: one thread.read per burst (a page of
 *  replies, a quick exchange), as read.js batches message.read. */
function markThreadRead() {
  const current = thread;
  const entry = followed.get(current.root.id);
  if (entry?.unread) {
    entry.unread = 0;
    panel.dispatchEvent(new CustomEvent("threadread", { bubbles: true }));
  }
  clearTimeout(current.readTimer);
  current.readTimer = setTimeout(() => {
    const seq = Math.max(0, ...current.replies.keys());
    if (seq <= current.readSent || document.visibilityState === "hidden") return;
    current.readSent = seq;
    const data = { thread_root_id: current.root.id, seq };
    client.request("thread.read", data).catch(() => {});
  }, 300);
}

followButton.addEventListener("click", async () => {
  if (!thread) return;
  const following = followButton.getAttribute("aria-pressed") !== "true";
  try {
    const event = following ? "thread.follow" : "thread.unfollow";
    const data = await client.request(event, { thread_root_id: thread.root.id });
    setFollowing(data.following);
    if (data.following) followed.set(thread.root.id, { root: thread.root, unread: 0, last_read_seq: data.last_read_seq });
    else followed.delete(thread.root.id);
    panel.dispatchEvent(new CustomEvent("threadread", { bubbles: true }));
  } catch (error) {
    notify(describeError(error));
  }
});

$("thread-close").addEventListener("click", () => {
  const rootId = thread?.root.id;
  closeThread();
  const opener = rootId && view ? [...view.items.values()].find((i) => i.message.id === rootId) : null;
  // Back to the message the thread was opened from, as after any action on a message.
  (opener?.li ?? $("composer-input")).focus();
});

panel.addEventListener("keydown", (event) => {
  if (event.key === "Escape") $("thread-close").click();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const content = input.value.trim();
  if (!thread || !content) return;
  const { root } = thread;
  const options = { threadRootId: root.id, alsoToRoom: also.checked };
  input.value = "";
  also.checked = false;
  try {
    const message = await client.sendMessage(root.room_id, content, options);
    if (message) threadReply(message);
    if (!followed.has(root.id)) {
      followed.set(root.id, { root, unread: 0, last_read_seq: message?.seq ?? 0 });
      setFollowing(true);
      panel.dispatchEvent(new CustomEvent("threadread", { bubbles: true }));
    }
  } catch (error) {
    input.value = content;
    also.checked = options.alsoToRoom;
    notify(describeError(error));
  }
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// A press on a summary does not focus it: focusing would show the message's actions, which on
// a touch screen appear below the text and move the summary away before the press ends.
$("messages").addEventListener("mousedown", (event) => {
  if (event.target.closest(".thread-summary")) event.preventDefault();
});
