/**
 * What the page knows: the rooms, who is signed in, the open room's view, the pending sends,
 * and the page's one ChatClient.
 *
 * `me` and `view` are live bindings: other modules read them as they change, and change them
 * only through setMe() and setView(). The predicates on a room (who may post, who is admin,
 * how many are unread) live here, beside the room records they read. Whether the user may
 * post is the server's answer, not a copy of its rule: every room payload carries
 * `post_roles`, the roles that may post (chat/permissions.py), kept in `room.postRoles`.
 */

import { ChatClient } from "../client.js";

/** id -> room: {id, kind, name, description, isPublic, postingLocked, postRoles, role, lastSeq,
 *  lastReadSeq, muted, peer, members, memberCount, membersCursor, memberSearches, order};
 *  `members` is the first page (and those fetched since) while `membersCursor` is set. */
export const rooms = new Map();
export let me = null; // {id, username}
let roomOrder = 0; // higher = more recently active

/** Ids of the users this user blocks: their messages are collapsed (user.blocks when the
 *  socket opens, then user.blocked and user.unblocked). */
export const blockedIds = new Set();

/** The open room's view; null when none is open. */
export let view = null;

export function setMe(user) {
  me = user;
}

export function setView(next) {
  view = next;
}

/** The next position at the top of the room list. */
export function nextRoomOrder() {
  return ++roomOrder;
}

export function newView(roomId) {
  return {
    roomId,
    items: new Map(), // seq -> {message, li}
    oldestSeq: null,
    newestSeq: 0,
    hasMore: false, // older messages than the loaded ones exist
    paging: false, // a page is being loaded at one end (history-window.js)
    epoch: 0, // counts the window's replacements: a page for an earlier one is dropped
    loaded: false,
    early: [], // live messages received before the first page
    replyTo: null, // message
    editing: null, // message
    typing: new Map(), // user id -> {username, expires}
    online: new Map(), // user id -> username
    readSent: 0,
    receipts: null, // user id -> {username, read, delivered}: the other members (receipts.js)
    // The loaded messages stop short of the newest (opened around a message, or scrolled up
    // past the history window's bound): live ones are not shown until they are reached.
    detached: false,
  };
}

/** client_msg_id -> {li, roomId, content, replyTo}: messages shown before the server has them. */
export const pendingSends = new Map();

export const client = new ChatClient();

export function unreadOf(room) {
  // A muted room shows no badge; its messages are still there when it is opened.
  if (room.muted) return 0;
  return Math.max(0, room.lastSeq - room.lastReadSeq);
}

/** Whether this user may post in the room: the server's answer, from the room's post_roles. */
export function canPost(room) {
  if (!room) return false;
  return room.postRoles.includes(room.role);
}

export function isBlocked(user) {
  return Boolean(user) && blockedIds.has(user.id);
}

export function isAdmin(room) {
  return room && room.role === "admin";
}
