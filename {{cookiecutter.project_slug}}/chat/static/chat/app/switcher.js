/**
 * The quick switcher (Ctrl+K, or Cmd+K on a Mac; app/shortcuts.js opens it): a dialog with a
 * combobox and the rooms that match what is typed, liveliest first, as the room list orders
 * them. Up and Down choose, Enter (or a click) opens the room.
 *
 * An ARIA combobox: focus stays in the text field, the chosen option is named to screen
 * readers through aria-activedescendant, and each option says how many messages are unread.
 */

import { showDialog } from "./dialogs.js";
import { $, make } from "./dom.js";
import { roomIcon, roomName } from "./format.js";
import { goToRoom } from "./navigation.js";
import { rooms, unreadOf } from "./state.js";

const dialog = $("switcher-dialog");
const input = $("switcher-input");
const list = $("switcher-list");
const empty = $("switcher-empty");
const MAX_SHOWN = 20;
let matches = []; // the rooms offered now
let active = 0;

export function openSwitcher() {
  if (dialog.open) return;
  input.value = "";
  filter();
  showDialog(dialog);
  input.focus();
}

/** The rooms whose names hold what is typed; names that start with it first. */
function filter() {
  const typed = input.value.trim().toLowerCase();
  const ordered = [...rooms.values()].sort((a, b) => b.order - a.order || a.id - b.id);
  const named = ordered
    .map((room) => ({ room, at: roomName(room).toLowerCase().indexOf(typed) }))
    .filter(({ at }) => at >= 0);
  named.sort((a, b) => (a.at !== 0) - (b.at !== 0)); // stable: liveliest first otherwise
  matches = named.slice(0, MAX_SHOWN).map(({ room }) => room);
  active = 0;
  render();
}

function render() {
  list.replaceChildren(
    ...matches.map((room, index) => {
      const option = make("li", "switcher-option");
      option.id = `switcher-option-${room.id}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === active));
      option.dataset.roomId = room.id;
      const icon = make("span", "room-icon", roomIcon(room));
      icon.setAttribute("aria-hidden", "true");
      option.append(icon, make("span", "room-name", roomName(room)));
      const unread = unreadOf(room);
      if (unread) option.append(make("span", "switcher-unread", `${unread} unread`));
      return option;
    }),
  );
  empty.hidden = matches.length > 0;
  input.setAttribute("aria-expanded", String(matches.length > 0));
  const chosen = list.children[active];
  if (chosen) {
    input.setAttribute("aria-activedescendant", chosen.id);
    chosen.scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

function choose(room) {
  dialog.close();
  goToRoom(room.id);
}

input.addEventListener("input", filter);
input.addEventListener("keydown", (event) => {
  if (event.isComposing || !matches.length) return;
  const moves = { ArrowDown: 1, ArrowUp: -1 };
  if (event.key in moves) {
    event.preventDefault();
    active = (active + moves[event.key] + matches.length) % matches.length;
    render();
  } else if (event.key === "Enter") {
    event.preventDefault();
    choose(matches[active]);
  }
});
list.addEventListener("mousedown", (event) => event.preventDefault()); // focus stays typed in
list.addEventListener("click", (event) => {
  const option = event.target.closest(".switcher-option");
  const room = option && rooms.get(Number(option.dataset.roomId));
  if (room) choose(room);
});
