/**
 * The profile card: who someone is, opened from a sender's name in the messages or a member
 * in the room details, by the page-wide event
 *
 *   document.dispatchEvent(
 *     new CustomEvent("chat:profile", { detail: { userId, username, anchor } }),
 *   );
 *
 * It shows their avatar (a profile's avatar_url from this site, else their initials), their
 * display name when they have one and their username, whether they are online (as far as the
 * page knows: app/people.js), their local time and status when their profile has them, and a
 * Message button that opens (or starts) the direct conversation with them.
 *
 * A modal dialog: the focus goes into it, Escape or Close closes it, and the focus goes back
 * to the name it was opened from. Text reaches the DOM as text only.
 */

import { $, make } from "./dom.js";
import { describeError } from "./format.js";
import { goToRoom } from "./navigation.js";
import {
  askPresence,
  onPresence,
  personOf,
  presenceDot,
  presenceOf,
  rememberPerson,
} from "./people.js";
import { upsertRoom } from "./rooms.js";
import { client, me } from "./state.js";

const card = $("profile-card");
const avatar = $("card-avatar");
const nameLine = $("card-name");
const usernameLine = $("card-username");
const presenceLine = $("card-presence");
const timeLine = $("card-time");
const statusLine = $("card-status");
const messageButton = $("card-message");
const errorLine = card.querySelector(".form-error");

let shown = null; // the person on the card
let anchor = null; // what opened it, focused again on close

/** Up to two letters for someone without a picture: "Ada Lovelace" → "AL", "bob" → "B". */
export function initials(name) {
  const words = name.trim().split(/[\s._-]+/u).filter(Boolean);
  return words.slice(0, 2).map((word) => [...word][0].toUpperCase()).join("") || "?";
}

/** Only pictures from this site: a profile must not make every reader's browser fetch a
 *  stranger's address (the page's Content-Security-Policy would refuse it anyway). */
function ownPicture(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.origin === location.origin ? parsed.href : null;
  } catch {
    return null;
  }
}

/** "14:05 local time" in the person's time zone, or null for a zone the browser lacks. */
export function localTime(timeZone, now = new Date()) {
  if (!timeZone) return null;
  try {
    const options = { hour: "2-digit", minute: "2-digit", timeZone };
    const format = new Intl.DateTimeFormat(undefined, options);
    return `${format.format(now)} local time`;
  } catch {
    return null;
  }
}

function showAvatar(person) {
  const letters = initials(person.display_name || person.username);
  const picture = person.avatar_url && ownPicture(person.avatar_url);
  if (picture) {
    const image = make("img", "profile-picture");
    image.alt = "";
    image.src = picture;
    image.addEventListener("error", () => avatar.replaceChildren(letters));
    avatar.replaceChildren(image);
  } else {
    avatar.replaceChildren(letters);
  }
}

function showPresenceLine() {
  const state = shown && (shown.id === me?.id ? "online" : presenceOf(shown.id));
  presenceLine.hidden = !state;
  if (!state) return;
  presenceLine.replaceChildren(presenceDot(state), state === "online" ? "Online" : "Offline");
}

function render(person) {
  showAvatar(person);
  nameLine.textContent = person.display_name || person.username;
  usernameLine.textContent = `@${person.username}`;
  usernameLine.hidden = !person.display_name;
  const time = localTime(person.time_zone);
  timeLine.textContent = time ?? "";
  timeLine.hidden = !time;
  statusLine.textContent = person.status ?? "";
  statusLine.hidden = !person.status;
  messageButton.hidden = person.id === me?.id;
  messageButton.setAttribute("aria-label", `Message ${person.username}`);
  showPresenceLine();
}

document.addEventListener("chat:profile", ({ detail }) => {
  const userId = Number(detail?.userId); // a number, or a data attribute's string of one
  if (!Number.isInteger(userId) || !detail.username) return;
  rememberPerson({ id: userId, username: detail.username });
  shown = { ...personOf(userId), id: userId, username: detail.username };
  anchor = detail.anchor ?? document.activeElement;
  errorLine.hidden = true;
  render(shown);
  if (card.open) card.close();
  card.showModal();
  if (shown.id !== me?.id && !presenceOf(shown.id)) askPresence([shown.id]);
});

onPresence((userId) => {
  if (card.open && shown?.id === userId) showPresenceLine();
});

card.addEventListener("close", () => {
  if (anchor?.isConnected) anchor.focus();
  anchor = null;
});

messageButton.addEventListener("click", async () => {
  if (!shown) return;
  try {
    const data = { kind: "direct", members: [shown.username] };
    const { room } = await client.request("room.create", data);
    upsertRoom(room, { bump: true });
    anchor = null; // the conversation takes the focus, not the name
    card.close();
    for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
    goToRoom(room.id);
  } catch (error) {
    errorLine.textContent = describeError(error);
    errorLine.hidden = false;
  }
});
