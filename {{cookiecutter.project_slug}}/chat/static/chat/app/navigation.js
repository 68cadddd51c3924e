/**
 * Which room is open, through the URL: #room/ID opens a room, so that Back returns to the
 * room list on phones. Also the room list's clicks and the Back button. A search result opens
 * its room the same way, at the result.
 */

import { el, root } from "./dom.js";
import { showAround } from "./history-window.js";
import { closeRoom, openRoom } from "./room-view.js";
import { rooms, view } from "./state.js";

// Whether the open room's history entry was pushed by this page (so Back can pop it).
let pushedRoom = false;
// The seq to open the next room at (a search result), taken by the next openRoomFromHash().
let openAt = null;

/** The page's first room: the URL's, else a new user's first default channel (the server's
 *  data-home-room), so that a new user lands in a conversation, not on an empty pane. */
export function openFirstRoom() {
  const home = Number(root.dataset.homeRoom);
  if (!location.hash && rooms.has(home)) goToRoom(home);
  else openRoomFromHash();
}

/** Open or close a room to match the URL (#room/ID, or no hash for the room list). */
export function openRoomFromHash() {
  const match = /^#room\/(\d+)$/.exec(location.hash);
  if (!match) {
    pushedRoom = false;
    if (view) closeRoom();
    return;
  }
  const roomId = Number(match[1]);
  if (!rooms.has(roomId)) return;
  const aroundSeq = openAt;
  openAt = null;
  // In the open room, a jump to a message moves its history window there.
  if (view && view.roomId === roomId && aroundSeq != null) showAround(aroundSeq);
  else if (!view || view.roomId !== roomId) openRoom(roomId, { aroundSeq });
  root.dataset.view = "room";
}

/** Open a room through the URL (#room/ID), so that Back returns to the room list on phones. */
export function goToRoom(roomId, { aroundSeq = null } = {}) {
  openAt = aroundSeq;
  const hash = `#room/${roomId}`;
  if (location.hash === hash) {
    openRoomFromHash();
  } else if (view) {
    // From room to room: replace the entry, so the history stays [list, room].
    history.replaceState(null, "", hash);
    openRoomFromHash();
  } else {
    pushedRoom = true;
    location.hash = hash; // hashchange opens it
  }
}

el.roomList.addEventListener("click", (event) => {
  const target = event.target.closest('[data-action="open-room"]');
  if (target) goToRoom(Number(target.dataset.roomId));
});

window.addEventListener("hashchange", openRoomFromHash);

el.backButton.addEventListener("click", () => {
  if (pushedRoom) {
    pushedRoom = false;
    history.back(); // hashchange closes the room
  } else {
    history.replaceState(null, "", location.pathname + location.search);
    closeRoom();
  }
});
