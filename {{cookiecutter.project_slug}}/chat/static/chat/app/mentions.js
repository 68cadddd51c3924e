/**
 * Mention autocomplete in the composer: typing "@" and the start of a name offers the open
 * room's members (and @room to its admins); Up and Down move, Enter or Tab picks, Escape
 * closes, a click picks too. The server decides who a mention notifies
 * (chat/notifications.py); this only saves typing and misspelling names.
 *
 * The members come from room.info the first time the room's composer sees an "@", then from
 * the room record (room.created carries them, room.members_added and _removed keep them).
 * A room too large to hold whole (room.info's members_cursor set) is asked instead, with
 * room.members and the typed prefix, once per prefix.
 */

import { $, el, make } from "./dom.js";
import { client, isAdmin, me, rooms, view } from "./state.js";

const list = $("mention-suggestions");
const MAX_SUGGESTIONS = 6;
// "@" and a partial name right before the caret, at the start or after a space.
const PARTIAL = /(?:^|\s)@([\p{L}\p{N}_.@+-]*)$/u;
let suggestions = []; // usernames offered now
let active = 0;
// Bumped by every keystroke's lookup and by closing: a lookup that answers after a newer
// one (or after Escape) is dropped, so a slow answer never reopens a closed list.
let generation = 0;

async function members(room, prefix) {
  if (!room.members) {
    // One room.info for the keystrokes typed while it is on its way.
    room.membersLoading ??= client.request("room.info", { room_id: room.id }).finally(() => {
      room.membersLoading = null;
    });
    const { room: detail } = await room.membersLoading;
    room.members = detail.members;
    room.membersCursor = detail.members_cursor ?? null;
    room.memberSearches ??= new Map();
  }
  if (!room.membersCursor) return room.members;
  if (!room.memberSearches.has(prefix)) {
    const data = { room_id: room.id, ...(prefix ? { prefix } : {}) };
    const asked = client.request("room.members", data).then(
      (page) => page.members,
      (error) => {
        room.memberSearches.delete(prefix); // ask again next time
        throw error;
      },
    );
    room.memberSearches.set(prefix, asked);
  }
  return room.memberSearches.get(prefix);
}

async function suggest() {
  const room = view && rooms.get(view.roomId);
  const match = PARTIAL.exec(el.input.value.slice(0, el.input.selectionStart));
  if (!room || !match) return close();
  const prefix = match[1].toLowerCase();
  const asked = ++generation;
  let names;
  try {
    names = (await members(room, prefix)).map((member) => member.username);
  } catch {
    return asked === generation ? close() : undefined;
  }
  if (asked !== generation) return; // a newer keystroke or Escape came first
  if (room.kind !== "direct" && isAdmin(room)) names.push("room");
  suggestions = names
    .filter((name) => name !== me?.username && name.toLowerCase().startsWith(prefix))
    .slice(0, MAX_SUGGESTIONS);
  active = 0;
  render();
}

function render() {
  list.replaceChildren(
    ...suggestions.map((name, index) => {
      const option = make("li", "mention-option", `@${name}`);
      option.id = `mention-option-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === active));
      option.dataset.name = name;
      return option;
    }),
  );
  list.hidden = suggestions.length === 0;
  // The composer is a textarea, which may not take the combobox role (and so no
  // aria-expanded): the active option is named through aria-activedescendant instead.
  if (list.hidden) el.input.removeAttribute("aria-activedescendant");
  else el.input.setAttribute("aria-activedescendant", `mention-option-${active}`);
}

function close() {
  generation += 1;
  suggestions = [];
  render();
}

/** Put "@name " in place of the partial name before the caret. */
function pick(name) {
  const caret = el.input.selectionStart;
  const head = el.input.value.slice(0, caret);
  const match = PARTIAL.exec(head);
  if (!match) return close();
  const before = `${head.slice(0, match.index + match[0].indexOf("@"))}@${name} `;
  el.input.value = before + el.input.value.slice(caret);
  el.input.setSelectionRange(before.length, before.length);
  close();
  el.input.dispatchEvent(new Event("input", { bubbles: true }));
  el.input.focus();
}

el.input.addEventListener("input", suggest);
el.input.addEventListener("blur", () => setTimeout(close, 150));
// Captured before the composer's own keys, so Enter picks a name instead of sending.
el.input.addEventListener(
  "keydown",
  (event) => {
    if (!suggestions.length) return;
    const keys = {
      ArrowDown: () => (active = (active + 1) % suggestions.length),
      ArrowUp: () => (active = (active - 1 + suggestions.length) % suggestions.length),
      Enter: () => pick(suggestions[active]),
      Tab: () => pick(suggestions[active]),
      Escape: () => close(),
    };
    const action = keys[event.key];
    if (!action || event.isComposing || (event.key === "Enter" && event.shiftKey)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    action();
    if (suggestions.length) render();
  },
  { capture: true },
);
list.addEventListener("mousedown", (event) => {
  const option = event.target.closest(".mention-option");
  if (!option) return;
  event.preventDefault(); // keep the focus in the composer
  pick(option.dataset.name);
});
