/**
 * The page's keyboard shortcuts, all listed in the "Keyboard shortcuts" dialog (? or its
 * button in the sidebar):
 *
 *   Ctrl+K (Cmd+K on a Mac)  jump to a room: the quick switcher (switcher.js)
 *   Alt+Shift+Down / Up      the next / previous room with unread messages
 *   /                        the search box
 *   ?                        the list of shortcuts
 *
 * The single keys (/ and ?) act only when the user is not typing, so they never take a
 * character from a field; the modifier chords work everywhere. None of them is a key the
 * browser or a screen reader needs (Ctrl+F, Ctrl+L and the like are left alone). Up in an
 * empty composer (composer.js) and the message list's own keys are listed here too.
 */

import { showDialog } from "./dialogs.js";
import { $, el, notify, root } from "./dom.js";
import { goToRoom } from "./navigation.js";
import { view } from "./state.js";
import { openSwitcher } from "./switcher.js";

const help = $("shortcuts-dialog");
const search = $("search-input");

/** Whether keys typed at ``target`` are text (a field, an editable area). */
function typing(target) {
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  const texts = ["text", "search", "email", "url", "tel", "password", "number"];
  return target instanceof HTMLInputElement && texts.includes(target.type);
}

export function openHelp() {
  if (!help.open) showDialog(help);
}

/** Open the next room (``step`` 1) or previous one (-1) on the list with unread messages. */
function nextUnread(step) {
  const rows = [...el.roomList.querySelectorAll(".room-item")];
  const current = rows.findIndex((row) => view && Number(row.dataset.roomId) === view.roomId);
  // With no room open, Down starts from the top of the list and Up from its bottom.
  const start = current >= 0 ? current : step > 0 ? -1 : rows.length;
  for (let offset = 1; offset <= rows.length; offset += 1) {
    const at = (((start + step * offset) % rows.length) + rows.length) % rows.length;
    if (at !== current && rows[at].classList.contains("has-unread")) {
      goToRoom(Number(rows[at].dataset.roomId));
      return;
    }
  }
  notify("No other room has unread messages.");
}

function focusSearch() {
  if (root.dataset.view === "room" && !search.getClientRects().length) {
    el.backButton.click(); // one pane at a time: the search box is on the room list's pane
  }
  search.focus();
  search.select();
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  const key = event.key.toLowerCase();
  const command = event.ctrlKey || event.metaKey;
  if (command && !event.altKey && !event.shiftKey && key === "k") {
    event.preventDefault();
    openSwitcher();
  } else if (event.altKey && event.shiftKey && !command && /^arrow(down|up)$/.test(key)) {
    event.preventDefault();
    nextUnread(key === "arrowdown" ? 1 : -1);
  } else if (command || event.altKey || typing(event.target) || event.target.closest("dialog")) {
    // Single keys below are text while typing, and belong to an open dialog.
  } else if (event.key === "/") {
    event.preventDefault();
    focusSearch();
  } else if (event.key === "?") {
    event.preventDefault();
    openHelp();
  }
});

$("shortcuts-button").addEventListener("click", openHelp);
