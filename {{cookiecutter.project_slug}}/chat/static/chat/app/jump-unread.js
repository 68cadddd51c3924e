/**
 * "Jump to first unread": shown while the "New" line (feed-marks.js) is out of view, or when
 * the first unread message is older than the history loaded. A press brings the line into
 * view and focuses its message; one not loaded yet loads the page around it (history-window.js).
 */

import { $, el } from "./dom.js";
import { focusArticle } from "./feed-keys.js";
import { unreadPart } from "./feed-marks.js";
import { showAround } from "./history-window.js";
import { view } from "./state.js";

const jump = $("jump-unread");

/** The seq of the first unread message when it is not loaded, else null. */
function unloadedUnread() {
  const unread = unreadPart();
  if (!unread || !view.loaded || view.oldestSeq == null || !view.hasMore) return null;
  const first = unread.readSeq + 1;
  return first < view.oldestSeq && first <= unread.lastSeq ? first : null;
}

function offScreen(node) {
  const box = node.getBoundingClientRect();
  const pane = el.scroll.getBoundingClientRect();
  return box.bottom <= pane.top || box.top >= pane.bottom;
}

function update() {
  const line = el.messages.querySelector(".msg-new");
  jump.hidden = !view || (line ? !offScreen(line) : unloadedUnread() == null);
}

/** Bring the "New" line's message into view and give it focus; false if it is not loaded. */
function focusLine() {
  const article = el.messages.querySelector(".msg-new")?.closest(".msg");
  if (!article) return false;
  article.scrollIntoView({ block: "start" });
  focusArticle(article);
  jump.hidden = true;
  return true;
}

jump.addEventListener("click", async () => {
  if (focusLine()) return;
  const seq = unloadedUnread();
  if (seq == null) return;
  // The page around it replaces the history window; the "New" line stays where it was.
  await showAround(seq, { highlight: false });
  focusLine();
});

el.messages.addEventListener("feedchange", update);
el.scroll.addEventListener("scroll", update, { passive: true });
