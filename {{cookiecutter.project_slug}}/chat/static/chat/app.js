/**
 * The chat page's entry module: rooms, history, sending, replies, edits, reactions, typing,
 * presence, read state. All socket work is ChatClient's (client.js); the page only turns its
 * events into DOM and the user's actions into requests. This file routes ChatClient's events
 * to the panes, each a module of its own under app/. docs/page.md maps them, each with what
 * it holds; each uses only the modules below it there, from this file down to client.js,
 * without cycles.
 *
 * Security: every piece of user content (messages' sources, names, usernames, descriptions)
 * reaches the DOM through textContent or text nodes, never innerHTML. A message's formatted
 * body is the server's sanitized HTML, checked again against the allowlist before it is shown
 * (app/formatted.js, the one place markup reaches the DOM). The page runs under a strict
 * Content-Security-Policy: no inline scripts, handlers or styles, so state is shown with
 * classes and the hidden attribute only.
 */

import { refreshDetails, setMuted } from "./app/details.js";
import "./app/dialog-focus.js";
import "./app/dialogs.js";
import "./app/directory.js";
import "./app/profile-card.js";
import "./app/search.js";
import "./app/panels.js";
import "./app/shortcuts.js";
import "./app/profile.js";
import "./app/profile-live.js";
import "./app/room-events.js";
import "./app/room-bots.js";
import { goToRoom, openFirstRoom } from "./app/navigation.js";
import { openLinkedMessage } from "./app/permalinks.js";
import { loadRooms, upsertRoom } from "./app/rooms.js";
import { openRoom } from "./app/room-view.js";
import { showLive } from "./app/history-window.js";
import { insertMessages, rerenderMessages, updateMessage } from "./app/messages.js";
import { dropPending } from "./app/composer.js";
import "./app/mentions.js";
import "./app/message-actions.js";
import "./app/jump-unread.js";
import "./app/announcer.js";
import "./app/push.js";
import {
  addNotification,
  loadNotifications,
  noteMessage,
  readUpTo,
  showDigestSetting,
} from "./app/notifications.js";
import { addInvitation, loadInvitations } from "./app/invitations.js";
import { loadThreads, noteThreadReply, render as renderThreadList } from "./app/thread-list.js";
import {
  followed,
  isHiddenReply,
  rememberUser,
  threadChange,
  threadReply,
} from "./app/threads.js";
import { markRead } from "./app/read.js";
import { applyPosition, showSetting } from "./app/receipts.js";
import { loadPresence, renderPresence, renderTyping, TYPING_EXPIRES } from "./app/presence.js";
import { renderRooms } from "./app/room-list.js";
import { askDirectPeers, onPresence, rememberPerson, setPresence } from "./app/people.js";
import { blockedIds, client, me, nextRoomOrder, rooms, setMe, view } from "./app/state.js";
import { button, el, notify, root } from "./app/dom.js";
import { describeError } from "./app/format.js";

client.addEventListener("statechange", ({ detail }) => {
  root.dataset.connection = detail.state;
  const texts = {
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    open: "",
    closed: "Disconnected.",
  };
  el.connection.textContent = texts[detail.state] ?? "";
  el.connection.hidden = detail.state === "open";
});

client.addEventListener("close", ({ detail }) => {
  if (detail.willReconnect) return;
  if (detail.code === 4001 || detail.code === 4010) {
    location.assign(root.dataset.loginUrl || "/accounts/login/");
    return;
  }
  el.connection.textContent =
    detail.code === 4008
      ? "This chat was opened in too many other tabs or devices. "
      : "Disconnected. ";
  const again = button("Reconnect", "small", null);
  again.addEventListener("click", () => client.connect());
  el.connection.append(again);
  el.connection.hidden = false;
});

client.addEventListener("open", async ({ detail }) => {
  setMe(detail.hello.user);
  showSetting(client.settings);
  showDigestSetting(client.settings);
  loadNotifications();
  loadInvitations();
  loadThreads();
  try {
    // Whom I block is asked for here, not carried by session.hello: connecting stays cheap.
    const [blocks] = await Promise.all([client.request("user.blocks"), loadRooms()]);
    setBlocked(blocks.users.map((user) => user.id));
  } catch (error) {
    notify(`Could not load your rooms: ${describeError(error)}`);
    return;
  }
  askDirectPeers(); // the room list's presence dots, again after a reconnect
  if (detail.reconnected) {
    // Messages missed while offline arrive through ChatClient's catch-up; presence does not.
    if (view && rooms.has(view.roomId)) loadPresence(view.roomId);
  } else if (!openLinkedMessage({ goToRoom, upsertRoom })) {
    openFirstRoom();
  }
});

client.addEventListener("message", ({ detail }) => {
  const { message } = detail;
  if (detail.live) noteMessage(message);
  rememberUser(message.sender);
  rememberPerson(message.sender);
  const room = rooms.get(message.room_id);
  if (!room) {
    // A room we do not know yet (its room.created was missed): fetch the list again.
    loadRooms().catch(() => {});
    return;
  }
  room.lastSeq = Math.max(room.lastSeq, message.seq);
  if (me && message.sender?.id === me.id) room.lastReadSeq = Math.max(room.lastReadSeq, message.seq);
  room.order = nextRoomOrder();
  if (message.client_msg_id && message.sender?.id === me?.id) dropPending(message.client_msg_id);
  if (message.thread_root_id != null) {
    noteThreadReply(message, { shown: threadReply(message) });
    if (isHiddenReply(message)) {
      // Not in the room's timeline, but its seq is the room's: an open room is read past it.
      if (view && view.roomId === message.room_id && view.loaded && !view.detached) {
        insertMessages([message]);
        markRead();
      }
      renderRooms();
      return;
    }
  }
  if (view && view.roomId === message.room_id && !view.loaded) view.early.push(message);
  else if (view && view.roomId === message.room_id) {
    // Shown if the history window reaches the live end, else announced (history-window.js).
    showLive(message, { mine: Boolean(me && message.sender?.id === me.id) });
    view.typing.delete(message.sender?.id);
    renderTyping();
    markRead();
  }
  renderRooms();
});

client.addEventListener("messagechange", ({ detail }) => {
  updateMessage(detail.message, detail.change);
  threadChange(detail.message);
});

// A reply changed a thread's summary: its root in the room (if shown) and the thread list.
client.addEventListener("thread.updated", ({ detail }) => {
  const item = view?.roomId === detail.room_id
    ? [...view.items.values()].find((shown) => shown.message.id === detail.thread_root_id)
    : null;
  if (item) updateMessage({ ...item.message, thread: detail.thread, rev: detail.rev });
  const entry = followed.get(detail.thread_root_id);
  if (entry) entry.root = { ...entry.root, thread: detail.thread, rev: detail.rev };
  renderThreadList();
});

client.addEventListener("reset", ({ detail }) => {
  // Too much was missed to replay: show the room's newest page afresh.
  if (view && view.roomId === detail.room_id) openRoom(detail.room_id);
});

client.addEventListener("positions", ({ detail }) => {
  for (const position of detail.rooms) {
    const room = rooms.get(position.id);
    if (!room) continue;
    room.lastSeq = Math.max(room.lastSeq, position.last_seq);
    room.lastReadSeq = Math.max(room.lastReadSeq, position.last_read_seq);
    room.mentions = position.mentions;
  }
  if (detail.added.length) loadRooms().catch(() => {});
  renderRooms();
});

client.addEventListener("room.read", ({ detail }) => {
  applyPosition(detail);
  const room = rooms.get(detail.room_id);
  if (room && me && detail.user.id === me.id) {
    // Read here, in another tab or on another device.
    room.lastReadSeq = Math.max(room.lastReadSeq, detail.last_read_seq);
    readUpTo(detail.room_id, detail.last_read_seq);
    renderRooms();
  }
});

client.addEventListener("room.delivered", ({ detail }) => applyPosition(detail));
client.addEventListener("settings.updated", ({ detail }) => {
  showSetting(detail);
  showDigestSetting(detail);
});
client.addEventListener("notification.new", ({ detail }) => {
  addNotification(detail.notification);
  // A reply in a thread I follow but the list does not show yet (my message's first reply).
  const rootId = detail.notification.message.thread_root_id;
  if (rootId != null && !followed.has(rootId)) loadThreads();
});
client.addEventListener("room.invited", ({ detail }) => addInvitation(detail.invitation));

client.addEventListener("room.typing", ({ detail }) => {
  if (!view || view.roomId !== detail.room_id || (me && detail.user.id === me.id)) return;
  if (detail.is_typing) {
    view.typing.set(detail.user.id, {
      username: detail.user.username,
      expires: Date.now() + TYPING_EXPIRES,
    });
  } else {
    view.typing.delete(detail.user.id);
  }
  renderTyping();
});

client.addEventListener("presence.changed", ({ detail }) => {
  if (view && view.roomId === detail.room_id) {
    if (detail.online) view.online.set(detail.user.id, detail.user.username);
    else view.online.delete(detail.user.id);
    renderPresence();
  }
  setPresence(detail.user.id, detail.online); // the room list, the member list, the card
});
onPresence(() => renderRooms());

client.addEventListener("error", ({ detail }) => notify(detail.detail));

// Muted or unmuted on another of my devices.
client.addEventListener("room.muted", ({ detail }) => setMuted(detail.room_id, detail.muted));

function setBlocked(ids) {
  blockedIds.clear();
  for (const id of ids) blockedIds.add(id);
  rerenderMessages();
}

// Blocked or unblocked here or on another of my devices: collapse or show their messages.
client.addEventListener("user.blocked", ({ detail }) => {
  setBlocked([...blockedIds, detail.user.id]);
  if (view) refreshDetails(view.roomId);
});
client.addEventListener("user.unblocked", ({ detail }) => {
  setBlocked([...blockedIds].filter((id) => id !== detail.user.id));
  if (view) refreshDetails(view.roomId);
});

// I am an admin of the room a message was reported in.
client.addEventListener("message.reported", ({ detail }) => {
  const { report } = detail;
  const room = rooms.get(report.message.room_id);
  const where = room ? ` in ${room.name || "a direct room"}` : "";
  notify(`${report.reporter?.username ?? "Someone"} reported a message${where}: ${report.reason}`);
});

// For debugging from the console, and for the browser tests.
window.chatClient = client;
