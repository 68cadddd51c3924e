/**
 * The message list from the keyboard: one Tab stop for the whole list (a roving tabindex over
 * the messages, the newest by default), arrows and paging between messages, and a message's
 * own controls (its links, reaction chips, thread summary, files, sender, "More actions")
 * reachable with Tab only while that message is the current one, so Tab never walks the
 * controls of every message in the room.
 *
 *   Up / Down           the previous / next message
 *   Page Up / Page Down about a screenful up / down
 *   Home / End          the first / last message loaded
 *   Escape              from a message's control, back to the message
 *
 * Enter, the context-menu key and Shift+F10 open the message's menu (message-actions.js).
 */

import { el } from "./dom.js";

const CONTROLS = "a[href], button, input, select, textarea, audio[controls], video[controls]";
let current = null; // the message that is the list's Tab stop

/** The messages of the list, in order. */
export function articles() {
  return [...el.messages.children].filter((node) => node.classList.contains("msg"));
}

/** Whether Tab reaches ``article``'s own controls. */
function setReachable(article, reachable) {
  for (const control of article.querySelectorAll(CONTROLS)) control.tabIndex = reachable ? 0 : -1;
}

/** Make ``article`` the list's Tab stop, its controls reachable; the previous one's not. */
export function makeCurrent(article) {
  if (current === article) return;
  if (current) {
    current.tabIndex = -1;
    setReachable(current, false);
  }
  current = article;
  if (article) {
    article.tabIndex = 0;
    setReachable(article, true);
  }
}

/** A message just drawn: not a Tab stop, its controls out of the Tab order. */
export function adopt(article) {
  article.tabIndex = -1;
  setReachable(article, false);
}

/** ``node`` takes the place of ``old`` (drawn again): the Tab stop moves with it. */
export function replaceArticle(old, node) {
  const wasCurrent = old === current;
  adopt(node);
  old.replaceWith(node);
  if (wasCurrent) {
    current = null;
    makeCurrent(node);
  }
}

/** Keep exactly one Tab stop: the current message while it is shown, else the newest. */
export function syncTabStop() {
  if (current && current.parentNode === el.messages) return;
  current = null;
  const list = articles();
  makeCurrent(list.at(-1) ?? null);
}

/** Move focus to ``article`` (the list's Tab stop from now on). */
export function focusArticle(article) {
  if (!article) return;
  makeCurrent(article);
  article.focus();
}

/** The message ``page`` screenfuls from ``article`` (-1 up, 1 down), or the first / last. */
function byScreen(list, article, page) {
  const height = el.scroll.clientHeight * 0.9;
  const top = article.getBoundingClientRect().top;
  if (page > 0) return list.find((node) => node.getBoundingClientRect().top >= top + height) ?? list.at(-1);
  return list.findLast((node) => node.getBoundingClientRect().top <= top - height) ?? list[0];
}

function target(article, key) {
  const list = articles();
  const index = list.indexOf(article);
  if (key === "ArrowUp") return list[Math.max(0, index - 1)];
  if (key === "ArrowDown") return list[Math.min(list.length - 1, index + 1)];
  if (key === "Home") return list[0];
  if (key === "End") return list.at(-1);
  if (key === "PageUp") return byScreen(list, article, -1);
  if (key === "PageDown") return byScreen(list, article, 1);
  return null;
}

el.messages.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const article = event.target.closest(".msg");
  if (!article) return;
  if (event.target !== article) {
    // In one of the message's controls: Escape goes back to the message.
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      focusArticle(article);
    }
    return;
  }
  const next = target(article, event.key);
  if (!next) return;
  event.preventDefault();
  focusArticle(next);
});

// A message clicked or tapped, or a control of it focused, becomes the current one.
el.messages.addEventListener("focusin", (event) => {
  const article = event.target.closest(".msg");
  if (article && article.parentNode === el.messages) makeCurrent(article);
});
