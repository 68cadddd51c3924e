/**
 * What the user does with a message, by pointer or keyboard: its controls (the "More
 * actions" button, a sender's name, reaction chips, a quote, a thread link, "Show" on a
 * blocked sender's message) and the items of its menu (message-menu.js). Focus goes where
 * the action leads and comes back to the message afterwards:
 *
 *   reply, edit        the composer; Escape there returns to the message
 *   reply in thread    the thread panel's composer; closing the panel returns to the message
 *   react              the emoji picker; choosing or Escape returns to the message
 *   forward, report    a dialog; closing it returns to the message
 *   delete             the page's confirmation, then the neighbouring message
 *   copy link          stays on the message
 */

import { askText, confirmAction } from "./ask.js";
import { handlePendingAction, setComposerContext } from "./composer.js";
import { el, notify } from "./dom.js";
import { articles, focusArticle, syncTabStop } from "./feed-keys.js";
import { describeError } from "./format.js";
import { openForward } from "./forward.js";
import { openMenu, shownArticle } from "./message-menu.js";
import { redraw, toggleReaction } from "./messages.js";
import { copyLink } from "./permalinks.js";
import { openPicker } from "./reactions.js";
import { openThread } from "./threads.js";
import { client, view } from "./state.js";

// The message a reply or an edit in the composer was started from: Escape goes back to it.
let composingFrom = null;

function messageOf(article) {
  if (!article || !view || !article.dataset.seq) return null;
  return view.items.get(Number(article.dataset.seq))?.message ?? null;
}

/** The shown article of ``seq`` (a message drawn again is a new element). */
function articleOf(seq) {
  return view?.items.get(Number(seq))?.li ?? null;
}

function compose(kind, message, article) {
  setComposerContext({ kind, message });
  if (kind === "edit") el.input.value = message.content;
  composingFrom = { id: message.id, seq: article.dataset.seq };
  el.input.focus();
}

async function report(message, article) {
  const reason = await askText({
    heading: "Report this message",
    question: "Why are you reporting it? The room's admins will see this.",
    action: "Report",
    required: true,
    returnTo: article,
  });
  if (!reason) return;
  await client.request("message.report", { message_id: message.id, reason });
  notify("Reported. The room's admins and the site's moderators will look at it.");
}

async function remove(message, article) {
  const heading = "Delete this message for everyone?";
  const sure = await confirmAction({ heading, action: "Delete", danger: true, returnTo: article });
  if (!sure) return;
  const list = articles();
  const index = list.indexOf(article);
  const neighbour = list[index + 1] ?? list[index - 1] ?? null;
  await client.deleteMessage(message.id);
  focusArticle(neighbour?.isConnected ? neighbour : articleOf(neighbour?.dataset.seq));
}

function react(message, article) {
  const seq = article.dataset.seq;
  const anchor = article.querySelector(".msg-more") ?? article;
  const back = () => articleOf(seq);
  openPicker(anchor, (emoji) => toggleReaction(message.room_id, message.seq, emoji), back);
}

function forward(message, article) {
  focusArticle(article);
  openForward(message);
  const dialog = document.getElementById("forward-dialog");
  dialog.addEventListener("close", () => backToMessage(dialog, article), { once: true });
}

/** After a dialog closed: focus the message again, unless focus is already somewhere. The
 *  browser gives focus back itself before the close event, and a quick user may have moved
 *  on from there with the arrows: taking focus back then would undo their move. */
function backToMessage(dialog, article) {
  const active = document.activeElement;
  if (!active || active === document.body || dialog.contains(active)) {
    focusArticle(articleOf(article.dataset.seq));
  }
}

const ACTIONS = {
  reply: (message, article) => compose("reply", message, article),
  edit: (message, article) => compose("edit", message, article),
  "open-thread": (message) => openThread(message),
  "pick-reaction": react,
  forward,
  "copy-link": (message) => copyLink(message),
  delete: remove,
  report,
};

/** Do ``action`` of the menu on ``message``. */
async function act(action, message, article) {
  const shown = shownArticle(article);
  if (!shown) return;
  try {
    await ACTIONS[action]?.(view.items.get(Number(shown.dataset.seq))?.message ?? message, shown);
  } catch (error) {
    notify(describeError(error));
  }
}

function showMenu(article) {
  const message = messageOf(article);
  if (message) openMenu(article, message, (action) => act(action, message, article));
}

function profile(message, target) {
  const sender = message.sender;
  if (!sender) return;
  const detail = { userId: sender.id, username: sender.username, anchor: target };
  document.dispatchEvent(new CustomEvent("chat:profile", { detail }));
}

function showQuoted(target) {
  const quoted = articleOf(target.dataset.seq);
  if (!quoted) return;
  quoted.scrollIntoView({ block: "center" });
  focusArticle(quoted);
}

/** A control inside a message was pressed. */
async function onControl(target, action, article, message) {
  if (action === "more") showMenu(article);
  else if (action === "profile") profile(message, target);
  else if (action === "show-quoted") showQuoted(target);
  else if (action === "toggle-reaction") await toggleReaction(message.room_id, message.seq, target.dataset.emoji);
  else if (action === "open-thread") openThread(message);
  else if (action === "open-thread-root") {
    const rootId = Number(target.dataset.rootId);
    const root = [...view.items.values()].find((item) => item.message.id === rootId)?.message;
    openThread(root ?? { id: rootId, room_id: message.room_id });
  } else if (action === "show-blocked") {
    redraw(view.items.get(message.seq), message, { revealed: true });
  }
}

el.messages.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const action = target.dataset.action;
  if (action === "retry-send" || action === "discard-send") {
    handlePendingAction(target, action);
    // The pressed button went with its message: focus and the Tab stop go to the newest one.
    syncTabStop();
    focusArticle(articles().at(-1));
    return;
  }
  const article = target.closest(".msg");
  const message = messageOf(article);
  if (message) onControl(target, action, article, message).catch((error) => notify(describeError(error)));
});

// Enter, the context-menu key or Shift+F10 on a message opens its menu.
el.messages.addEventListener("keydown", (event) => {
  const article = event.target.closest(".msg");
  if (!article || event.target !== article) return;
  const menuKey = event.key === "ContextMenu" || (event.key === "F10" && event.shiftKey);
  if (event.key !== "Enter" && !menuKey) return;
  event.preventDefault();
  showMenu(article);
});

// The browser's own menu would open over the message's (the context-menu key, Shift+F10).
el.messages.addEventListener("contextmenu", (event) => {
  if (event.target.matches("#messages > .msg")) event.preventDefault();
});

// Escape in the composer cancels the reply or edit (composer.js) and goes back to the message.
el.input.addEventListener(
  "keydown",
  (event) => {
    const from = composingFrom;
    const context = view?.replyTo ?? view?.editing;
    if (event.key !== "Escape" || !from || !context) return;
    composingFrom = null;
    if (context.id === from.id) setTimeout(() => focusArticle(articleOf(from.seq)));
  },
  { capture: true },
);
