/**
 * What a notification says happened, in one sentence: the notification panel's titles and
 * the browser notifications'. chat/notification_text.py says the same in digest emails
 * (tests/unit/test_notification_text.py holds the two to one table).
 *
 * A direct room is named by the person in it, so "bob mentioned you in bob" would say
 * nothing: whatever the kind, a notification from a direct room says who wrote to you.
 */

const WHAT = {
  mention: "mentioned you in",
  reply: "replied to you in",
  thread_reply: "replied in a thread you follow in",
};

/** A room as a sentence names it: #name for a channel, its name for a group. */
function place(room) {
  if (!room) return "a room";
  return room.kind === "channel" ? `#${room.name}` : room.name || `Room ${room.id}`;
}

/** ``sender`` (a username, or null for a deleted account) did ``kind`` in ``room``. */
export function notificationTitle(kind, sender, room) {
  const who = sender || "Someone";
  if (room?.kind === "direct") return `${who} sent you a direct message`;
  return `${who} ${WHAT[kind] ?? WHAT.mention} ${place(room)}`;
}
