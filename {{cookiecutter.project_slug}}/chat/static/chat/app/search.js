/**
 * The search box: message.search over the socket, the results with their matches marked,
 * more results by the search's cursor, and each result opening its room at the message, in
 * context (navigation.js, room-view.js).
 */

import { $, button, make, notify } from "./dom.js";
import { describeError, roomName, shortTime } from "./format.js";
import { goToRoom } from "./navigation.js";
import { client, rooms } from "./state.js";
import { openThread } from "./threads.js";

const form = $("search-form");
const input = $("search-input");
const panel = $("search-panel");
const list = $("search-results");
const more = $("search-more");
const status = $("search-status");
let current = null; // {query, cursor}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = input.value.trim();
  if (!query) return;
  current = { query, cursor: null };
  list.replaceChildren();
  await loadPage(current);
});

more.addEventListener("click", () => current && loadPage(current));

$("search-close").addEventListener("click", () => {
  current = null;
  panel.hidden = true;
  list.replaceChildren();
  input.value = "";
});

async function loadPage(search) {
  panel.hidden = false;
  status.textContent = "Searching…";
  more.hidden = true;
  try {
    const data = { query: search.query };
    if (search.cursor) data.cursor = search.cursor;
    const page = await client.request("message.search", data);
    if (current !== search) return;
    for (const result of page.results) list.append(renderResult(result));
    search.cursor = page.next_cursor;
    more.hidden = !page.next_cursor;
    const count = list.children.length;
    status.textContent = count ? `${count}${page.next_cursor ? "+" : ""} found` : "Nothing found.";
  } catch (error) {
    status.textContent = "";
    notify(`Could not search: ${describeError(error)}`);
  }
}

function renderResult({ message, snippet }) {
  const li = make("li", "search-result");
  const open = button(null, "search-open", "open-result");
  open.dataset.roomId = message.room_id;
  open.dataset.seq = message.seq;
  open.dataset.rootId = message.thread_root_id ?? "";
  const meta = make("span", "search-meta");
  const room = rooms.get(message.room_id);
  meta.append(
    make("span", "search-room", room ? roomName(room) : "A room"),
    make("span", "search-sender", message.sender ? message.sender.username : "Deleted user"),
    make("time", "search-time", shortTime(message.created_at)),
  );
  if (message.thread_root_id != null) meta.append(make("span", "search-thread", "in a thread"));
  const text = make("span", "search-snippet");
  for (const [part, matched] of snippet) text.append(matched ? make("mark", null, part) : part);
  open.append(meta, text);
  li.append(open);
  return li;
}

list.addEventListener("click", (event) => {
  const target = event.target.closest('[data-action="open-result"]');
  if (!target) return;
  const roomId = Number(target.dataset.roomId);
  if (target.dataset.rootId) {
    // A thread reply: shown in its thread, whether or not the room's timeline has it.
    openThread({ id: Number(target.dataset.rootId), room_id: roomId });
    goToRoom(roomId);
    return;
  }
  goToRoom(roomId, { aroundSeq: Number(target.dataset.seq) });
});
