/**
 * Notifications in the page: the list of unread mentions and replies, each opening its room
 * at the message; the browser notification when the tab is hidden; and the digest switch.
 *
 * The server decides who is notified (chat/notifications.py); the page shows what it is told
 * (notification.list when the socket opens, then notification.new) and drops a notification
 * once its room is read past it. A direct message needs no record (its room's unread count is
 * its notification): one from someone else in a room not muted pops up the same way. Browser notifications need the user's permission, asked for
 * only when they press the button (browsers ignore requests made without a gesture).
 */

import { $, button, make, notify } from "./dom.js";
import { describeError, shortTime } from "./format.js";
import { invitationCount } from "./invitations.js";
import { goToRoom } from "./navigation.js";
import { notificationTitle } from "./notification-text.js";
import { renderRooms } from "./room-list.js";
import { client, me, rooms, view } from "./state.js";
import { followed, openThread } from "./threads.js";

const toggle = $("notifications-button");
const count = $("notifications-count");
const panel = $("notifications-panel");
const list = $("notifications-list");
const empty = $("notifications-empty");
const allow = $("notifications-allow");
const digests = $("email-digests");
const unread = new Map(); // notification id -> notification, newest last

/** Ask for the unread notifications again (the socket opened, or reconnected). */
export async function loadNotifications() {
  try {
    const { notifications } = await client.request("notification.list");
    unread.clear();
    for (const notification of notifications.reverse()) unread.set(notification.id, notification);
    render();
  } catch (error) {
    notify(`Could not load your notifications: ${describeError(error)}`);
  }
}

/** notification.new: list it, count a mention on its room, and pop it up if the tab is hidden. */
export function addNotification(notification) {
  unread.set(notification.id, notification);
  const room = rooms.get(notification.room_id);
  if (room && notification.kind === "mention") room.mentions = (room.mentions ?? 0) + 1;
  render();
  renderRooms();
  if (document.visibilityState === "hidden") showInBrowser(notification);
}

/** The room was read up to ``seq``: what it notified up to there is read too. */
export function readUpTo(roomId, seq) {
  let changed = false;
  for (const [id, notification] of unread) {
    if (notification.room_id === roomId && notification.seq <= seq) {
      unread.delete(id);
      changed = true;
    }
  }
  const room = rooms.get(roomId);
  if (room && seq >= room.lastSeq && room.mentions) {
    room.mentions = 0;
    changed = true;
  }
  if (changed) {
    render();
    renderRooms();
  }
}

/** message: a new direct message from someone else pops up when the tab is hidden. */
export function noteMessage(message) {
  const room = rooms.get(message.room_id);
  if (!room || room.kind !== "direct" || room.muted) return;
  if (!message.sender || message.sender.id === me?.id) return;
  if (document.visibilityState !== "hidden") return;
  const title = notificationTitle("message", message.sender.username, room);
  popUp(title, message.content, `chat-message-${message.id}`, message.room_id, message.seq);
}

function describe(notification) {
  const sender = notification.message.sender?.username;
  return notificationTitle(notification.kind, sender, rooms.get(notification.room_id));
}

function render() {
  const items = [...unread.values()].reverse();
  list.replaceChildren(
    ...items.map((notification) => {
      const li = make("li", "notification");
      const open = button(null, "notification-open", "open-notification");
      open.dataset.roomId = notification.room_id;
      open.dataset.seq = notification.seq;
      open.dataset.rootId = notification.message.thread_root_id ?? "";
      open.append(
        make("span", "notification-title", describe(notification)),
        make("time", "notification-time", shortTime(notification.created_at)),
        make("span", "notification-text", notification.message.content),
      );
      li.append(open);
      return li;
    }),
  );
  const invitations = invitationCount();
  const total = items.length + invitations;
  empty.hidden = total > 0;
  count.textContent = total > 99 ? "99+" : String(total);
  count.hidden = total === 0;
  const said = [
    items.length ? `${items.length} unread` : "",
    invitations ? `${invitations} invitation${invitations === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  // Named by its visible text ("Notifications 2"); what the count holds is its description.
  $("notifications-about").textContent = said.join(", ");
  allow.hidden = !("Notification" in window) || Notification.permission !== "default";
}

function showInBrowser(notification) {
  const tag = `chat-notification-${notification.id}`;
  const { content } = notification.message;
  popUp(describe(notification), content, tag, notification.room_id, notification.seq);
}

/** A browser notification that opens the room at ``seq`` when clicked. */
function popUp(title, text, tag, roomId, seq) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const shown = new Notification(title, { body: text.slice(0, 200), tag });
  shown.addEventListener("click", () => {
    window.focus();
    goToRoom(roomId, { aroundSeq: seq });
    shown.close();
  });
}

// The invitations share the button's count (app/invitations.js announces changes).
$("invitations-list").addEventListener("invitationschange", () => render());

toggle.addEventListener("click", () => {
  panel.hidden = !panel.hidden;
  toggle.setAttribute("aria-expanded", String(!panel.hidden));
});

list.addEventListener("click", (event) => {
  const target = event.target.closest('[data-action="open-notification"]');
  if (!target) return;
  const roomId = Number(target.dataset.roomId);
  const seq = Number(target.dataset.seq);
  if (target.dataset.rootId) {
    // A reply in a thread: its thread shows it, whether or not the room's timeline does.
    const rootId = Number(target.dataset.rootId);
    openThread(followed.get(rootId)?.root ?? { id: rootId, room_id: roomId });
    goToRoom(roomId);
  } else if (view && view.roomId === roomId && view.items.has(seq)) {
    view.items.get(seq).li.scrollIntoView({ block: "center" });
  } else {
    goToRoom(roomId, { aroundSeq: seq });
  }
});

allow.addEventListener("click", async () => {
  await Notification.requestPermission();
  render();
});

/** The digest switch shows the setting of session.hello and of settings.updated. */
export function showDigestSetting(settings) {
  digests.checked = settings.email_digests;
}

digests.addEventListener("change", async () => {
  const wanted = digests.checked;
  try {
    showDigestSetting(await client.request("settings.update", { email_digests: wanted }));
  } catch (error) {
    digests.checked = !wanted;
    notify(`Could not change the setting: ${describeError(error)}`);
  }
});
