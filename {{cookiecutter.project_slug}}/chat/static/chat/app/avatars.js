/**
 * A sender's avatar beside each group of their messages: their picture when the sender has
 * an `avatar_url`, otherwise their initials on a colour that stays the same for a user (from
 * the user's id). Decorative: the sender's name is read with the message, so the avatar is
 * hidden from assistive technology. The colours (chat.css, .avatar-0 to .avatar-9) keep the
 * initials at a contrast of 4.5:1 or more, in light and dark mode.
 */

import { make } from "./dom.js";

const COLOURS = 10;

/** Up to two letters: the first of each of the first two words of the name. */
export function initials(name) {
  const words = String(name || "?").split(/[\s._-]+/).filter(Boolean);
  // Array.from: a letter outside the Basic Multilingual Plane is one letter, not half of one.
  const letters = words.slice(0, 2).map((word) => Array.from(word)[0]);
  return (letters.join("") || "?").toLocaleUpperCase();
}

/** The colour class of a user: the same for the same id on every page. */
export function colourOf(userId) {
  const id = Number(userId) || 0;
  return `avatar-${((id % COLOURS) + COLOURS) % COLOURS}`;
}

/** Whether ``url`` is an http(s) address (relative ones resolve against the page). */
function isWebAddress(url) {
  if (!url) return false;
  try {
    return ["http:", "https:"].includes(new URL(url, location.href).protocol);
  } catch {
    return false;
  }
}

/** The avatar of ``sender`` (null for a deleted user): a picture or initials. */
export function avatarFor(sender) {
  const box = make("span", "avatar");
  box.setAttribute("aria-hidden", "true");
  if (isWebAddress(sender?.avatar_url)) {
    const picture = make("img", "avatar-picture");
    picture.src = sender.avatar_url;
    picture.alt = "";
    picture.loading = "lazy";
    box.append(picture);
    return box;
  }
  box.classList.add(sender ? colourOf(sender.id) : "avatar-none");
  box.textContent = sender ? initials(sender.username) : "?";
  return box;
}
