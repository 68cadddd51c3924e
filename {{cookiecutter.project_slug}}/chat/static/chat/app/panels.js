/**
 * Escape closes the sidebar's panels (notifications, followed threads, search results) and
 * gives focus back to what opened each: its toggle button, or the search box.
 *
 * Only a panel that holds focus (or whose toggle or search box does) closes: Escape in the
 * composer still cancels a reply there, and one in a dialog closes the dialog. The thread
 * panel, the mention suggestions and the dialogs close on Escape by themselves (threads.js,
 * mentions.js, the browser).
 */

import { $ } from "./dom.js";

/** Each panel, what opens it (and gets focus back), and how it closes. */
const PANELS = [
  { panel: $("notifications-panel"), opener: $("notifications-button") },
  { panel: $("threads-panel"), opener: $("threads-button") },
  { panel: $("search-panel"), opener: $("search-input"), close: $("search-close") },
];

function closePanel({ panel, opener, close }) {
  if (close) {
    close.click(); // search.js forgets the search and empties the results
  } else {
    panel.hidden = true;
    opener.setAttribute("aria-expanded", "false");
  }
  opener.focus();
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || event.target.closest("dialog")) return;
  const open = PANELS.find(
    ({ panel, opener }) =>
      !panel.hidden && (panel.contains(event.target) || opener.contains(event.target)),
  );
  if (!open) return;
  event.preventDefault();
  closePanel(open);
});
