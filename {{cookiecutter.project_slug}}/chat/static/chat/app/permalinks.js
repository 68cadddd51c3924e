/**
 * Messages' links: /rooms/<room_id>/messages/<seq>/ opens the page at that message, and a
 * message's "Copy link" action puts its link on the clipboard.
 *
 * The server serves the same page for every such link (chat.views.message_link); this module
 * asks for the message over the socket. A room the user is not in, one that does not exist, a
 * seq it has not reached: each shows the same notice and nothing else, so a link tells an
 * outsider nothing the URL did not.
 */

import { confirmAction } from "./ask.js";
import { notify, root } from "./dom.js";
import { client, rooms } from "./state.js";

export const UNAVAILABLE = "This message is not available.";

/** The absolute link of a message. */
export function messageUrl(message) {
  const path = `${root.dataset.indexUrl}rooms/${message.room_id}/messages/${message.seq}/`;
  return new URL(path, location.origin).href;
}

/** Copy a message's link to the clipboard and say so in the page's live region. */
export async function copyLink(message) {
  const url = messageUrl(message);
  try {
    await navigator.clipboard.writeText(url);
    notify("Link copied");
  } catch {
    notify(`Could not copy the link: ${url}`);
  }
}

/**
 * If the page was opened from a message's link, open the room at that message and return
 * true, once; the address becomes the chat's own, so a reload does not follow the link again.
 * ``goToRoom`` and ``upsertRoom`` are navigation.js's and rooms.js's, passed in: messages.js
 * imports this module, and the static files' hashing refuses import cycles.
 */
export function openLinkedMessage({ goToRoom, upsertRoom }) {
  const roomId = Number(root.dataset.linkRoom);
  const seq = Number(root.dataset.linkSeq);
  if (!roomId || !seq) return false;
  delete root.dataset.linkRoom;
  delete root.dataset.linkSeq;
  history.replaceState(null, "", root.dataset.indexUrl);
  showLinked(roomId, seq, { goToRoom, upsertRoom }).catch(() => notify(UNAVAILABLE));
  return true;
}

/** Whether the user may read message ``seq`` of the room: the server answers a room they
 * may not read exactly as one that does not exist. */
async function readable(roomId, seq) {
  try {
    // A page of one from the seq: the message itself, if it exists.
    const page = await client.history(roomId, { aroundSeq: seq, limit: 1 });
    return page.messages.some((message) => message.seq === seq);
  } catch {
    return false;
  }
}

async function showLinked(roomId, seq, { goToRoom, upsertRoom }) {
  if (!(await readable(roomId, seq))) {
    notify(UNAVAILABLE);
    return;
  }
  if (!rooms.has(roomId)) {
    // A public channel the user is not in: anyone may read it, and join it to see it here.
    const { room } = await client.request("room.info", { room_id: roomId });
    const heading = `Join the public channel ${room.name}?`;
    const body = "The message is in a channel you are not in. Join it to read it here.";
    if (!(await confirmAction({ heading, body, action: "Join" }))) return;
    const joined = await client.request("room.join", { room_id: roomId });
    upsertRoom(joined.room, { bump: true });
  }
  goToRoom(roomId, { aroundSeq: seq });
}
