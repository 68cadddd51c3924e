/**
 * The "Threads" entry of the sidebar: the threads this user follows (threads.list), the
 * latest reply first, each with its unread replies, and their total on the entry's badge.
 * Choosing one opens its room and its thread panel (threads.js).
 *
 * The list is asked for when the socket opens and when the panel is opened; in between, the
 * replies that arrive count locally (noteThreadReply), so a busy room costs no requests.
 */

import { $, button, make, notify } from "./dom.js";
import { describeError, roomName, shortTime } from "./format.js";
import { goToRoom } from "./navigation.js";
import { followed, openThread } from "./threads.js";
import { client, me, rooms } from "./state.js";

const toggle = $("threads-button");
const count = $("threads-count");
const listPanel = $("threads-panel");
const list = $("threads-list");
const empty = $("threads-empty");
let order = []; // root ids, latest reply first

/** Ask the server for the followed threads (the first page) and show them. */
export async function loadThreads() {
  try {
    const page = await client.request("threads.list");
    followed.clear();
    order = page.threads.map((entry) => entry.root.id);
    for (const entry of page.threads) followed.set(entry.root.id, entry);
    render();
  } catch (error) {
    notify(`Could not load your threads: ${describeError(error)}`);
  }
}

/** A thread reply arrived: count it if its thread is followed and not open (threads.js read
 *  it then); a reply of mine to a thread not listed yet means I follow it now. */
export function noteThreadReply(message, { shown }) {
  const entry = followed.get(message.thread_root_id);
  const mine = me && message.sender?.id === me.id;
  if (!entry) {
    if (mine) loadThreads();
    return;
  }
  if (!mine && !shown) entry.unread += 1;
  order = [message.thread_root_id, ...order.filter((id) => id !== message.thread_root_id)];
  render();
}

export function render() {
  const entries = order.map((id) => followed.get(id)).filter(Boolean);
  for (const [id, entry] of followed) if (!order.includes(id)) entries.push(entry);
  list.replaceChildren(
    ...entries.map((entry) => {
      const li = make("li", "thread-entry");
      const open = button(null, "notification-open", "open-followed-thread");
      open.dataset.rootId = entry.root.id;
      const room = roomName(rooms.get(entry.root.room_id)) || "a room";
      const last = entry.root.thread?.last_reply_at ?? entry.root.created_at;
      open.append(
        make("span", "notification-title", `${entry.root.sender?.username ?? "Someone"} in ${room}`),
        make("time", "notification-time", shortTime(last)),
        make("span", "notification-text", entry.root.deleted ? "Deleted message" : entry.root.content),
      );
      if (entry.unread) open.append(make("span", "badge", `${entry.unread} unread`));
      li.append(open);
      return li;
    }),
  );
  const unread = entries.reduce((sum, entry) => sum + entry.unread, 0);
  empty.hidden = entries.length > 0;
  count.textContent = unread > 99 ? "99+" : String(unread);
  count.hidden = unread === 0;
  toggle.setAttribute("aria-label", unread ? `Threads, ${unread} unread replies` : "Threads");
}

toggle.addEventListener("click", () => {
  listPanel.hidden = !listPanel.hidden;
  toggle.setAttribute("aria-expanded", String(!listPanel.hidden));
  if (!listPanel.hidden) loadThreads();
});

list.addEventListener("click", (event) => {
  const target = event.target.closest('[data-action="open-followed-thread"]');
  if (!target) return;
  const entry = followed.get(Number(target.dataset.rootId));
  if (!entry) return;
  openThread(entry.root);
  goToRoom(entry.root.room_id);
});

// threads.js read a thread, or followed or unfollowed one: the counts change.
document.addEventListener("threadread", render);
