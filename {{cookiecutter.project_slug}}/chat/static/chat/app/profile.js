/**
 * The Profile dialog (the sidebar's "Profile" button): the user's display name, status, time
 * zone and avatar; and user.updated, which keeps the names the page shows current.
 *
 * Text fields change with profile.update over the socket; the avatar is uploaded over HTTP
 * (POST /api/profile/avatar/, with the CSRF token of Django's cookie) and removed with
 * DELETE. Every change, here or on another device, comes back as user.updated.
 */

import { ChatError } from "../client.js";
import "./account.js";
import { $, make } from "./dom.js";
import { showDialog, showFormError } from "./dialogs.js";
import { displayName, initials } from "./names.js";
import { renderRooms } from "./room-list.js";
import { client, me, rooms, setMe } from "./state.js";

const dialog = $("profile-dialog");
const form = $("profile-form");
const avatarUrl = "/api/profile/avatar/";
const FIELDS = ["display_name", "status", "status_emoji", "time_zone"];

/** The time zones the browser knows, once, for the dialog's list. */
function fillTimeZones() {
  const select = form.elements.time_zone;
  if (select.options.length > 1) return;
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  for (const zone of zones) select.append(new Option(zone.replaceAll("_", " "), zone));
}

/** The avatar, or the initials drawn in its place, beside the dialog's picture controls. */
function showAvatar(user) {
  const holder = $("profile-avatar");
  holder.replaceChildren();
  if (user?.avatar_url) {
    const img = make("img", "avatar-image");
    img.src = user.avatar_url;
    img.alt = `Picture of ${displayName(user)}`;
    holder.append(img);
  } else {
    const letters = make("span", "avatar-initials", initials(user));
    letters.setAttribute("role", "img");
    letters.setAttribute("aria-label", `No picture: initials ${initials(user)}`);
    holder.append(letters);
  }
  $("profile-avatar-remove").hidden = !user?.avatar_url;
  $("profile-name").textContent = displayName(user);
}

$("profile-button").addEventListener("click", () => {
  fillTimeZones();
  form.reset();
  for (const key of FIELDS) form.elements[key].value = me?.[key] ?? "";
  if (!me?.time_zone && !me?.display_name) {
    // A first visit: offer this browser's zone.
    form.elements.time_zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }
  showAvatar(me);
  showDialog(dialog);
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const changes = {};
  for (const key of FIELDS) {
    const value = form.elements[key].value.trim();
    if (value !== (me?.[key] ?? "")) changes[key] = value;
  }
  try {
    if (Object.keys(changes).length) applyUser((await client.request("profile.update", changes)).user);
    dialog.close();
  } catch (error) {
    showFormError(dialog, error);
  }
});

$("profile-avatar-input").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  const body = new FormData();
  body.append("file", file, file.name || "avatar");
  await sendAvatar("POST", body);
});

$("profile-avatar-upload").addEventListener("click", () => $("profile-avatar-input").click());
$("profile-avatar-remove").addEventListener("click", () => sendAvatar("DELETE", null));

async function sendAvatar(method, body) {
  const status = $("profile-avatar-status");
  status.textContent = method === "POST" ? "Uploading…" : "Removing…";
  try {
    const response = await fetch(avatarUrl, {
      method,
      body,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok || !answer?.user) {
      const detail = answer?.detail ?? `The picture could not be saved (HTTP ${response.status}).`;
      throw new ChatError(answer?.code ?? response.status, answer?.error ?? "upload_failed", detail);
    }
    applyUser(answer.user);
    status.textContent = method === "POST" ? "Picture saved." : "Picture removed.";
  } catch (error) {
    status.textContent = "";
    showFormError(dialog, error);
  }
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
}

/** A user's profile changed (mine or someone's I share a room with): show it everywhere. */
function applyUser(user) {
  if (me && user.id === me.id) {
    setMe(user);
    if (dialog.open) showAvatar(user);
    $("profile-button-name").textContent = displayName(user);
  }
  for (const room of rooms.values()) {
    if (room.peer?.id === user.id) room.peer = { ...user };
    const member = room.members?.find((m) => m.id === user.id);
    if (member) Object.assign(member, omitProfile(member), user, { role: member.role });
  }
  renderRooms();
}

/** A member without the profile keys a newer payload may have dropped. */
function omitProfile(member) {
  for (const key of ["display_name", "avatar_url", ...FIELDS]) delete member[key];
  return member;
}

client.addEventListener("user.updated", ({ detail }) => applyUser(detail.user));
client.addEventListener("open", ({ detail }) => {
  $("profile-button-name").textContent = displayName(detail.hello.user);
});
