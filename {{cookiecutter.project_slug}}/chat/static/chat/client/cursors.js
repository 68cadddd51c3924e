/**
 * Per-room cursors: the highest seq handed to the app, and the rev of the newest change.
 *
 * Owns `_rooms` (room_id -> cursor) and `_gone` (rooms left recently). A message at or below
 * the cursor is a duplicate and is dropped; one that skips a number, a skipped rev, or a room
 * position (session.hello, heartbeat) ahead of the cursor starts a catch-up (catchup.js). Rooms
 * missing from session.hello are gone; rooms missing from a heartbeat are checked first.
 *
 * Methods of ChatClient (client.js copies them onto its prototype).
 */

export class CursorMethods {
  /** The client's position in a room: {seq, rev}, or null if it does not track the room. */
  cursor(roomId) {
    const room = this._rooms.get(roomId);
    return room ? { seq: room.seq, rev: room.rev } : null;
  }

  /**
   * Track a room from the given position: messages after `seq` will be delivered. Rooms in
   * session.hello and room.created are tracked automatically; this is for apps that load a
   * room's history themselves and want delivery to start exactly after it.
   */
  trackRoom(roomId, seq, rev = null) {
    const existing = this._rooms.get(roomId);
    if (existing) return existing;
    const room = { seq, rev, syncing: null, again: false, wantChanges: false };
    this._rooms.set(roomId, room);
    this._gone.delete(roomId);
    return room;
  }

  untrackRoom(roomId) {
    this._rooms.delete(roomId);
    this._gone.set(roomId, Date.now());
  }

  _trackMembership(type, data) {
    if (type === "room.created" && data.room) {
      this.trackRoom(data.room.id, data.room.last_seq, data.room.last_rev);
    } else if (type === "room.deleted" || type === "room.removed") {
      this.untrackRoom(data.room_id);
    }
  }

  /** Deliver a new message unless it is a duplicate; a gap before it triggers a catch-up. */
  _acceptMessage(message, live) {
    if (!message) return;
    let room = this._rooms.get(message.room_id);
    if (!room) {
      if (!live) return;
      // A message from a room we did not know: we were added and missed room.created.
      room = this.trackRoom(message.room_id, message.seq - 1);
    }
    if (message.seq <= room.seq) return; // seen already
    if (live && message.seq > room.seq + 1) {
      // Something between the cursor and this message was lost: fetch it all, in order
      // (this message included), rather than delivering out of order.
      this._catchUp(message.room_id);
      return;
    }
    room.seq = message.seq;
    this._noteDelivered(message);
    this._emit("message", { message, live });
  }

  _acceptChange(message, kind, live, change = null) {
    if (!message) return;
    const room = this._rooms.get(message.room_id);
    if (room && room.rev != null) {
      if (message.rev === room.rev + 1) room.rev = message.rev;
      else if (message.rev > room.rev + 1) {
        // Changes are numbered per room too: a skipped rev means a lost edit or reaction.
        room.wantChanges = true;
        this._catchUp(message.room_id);
      }
    }
    this._emit("messagechange", { message, kind, live, change });
  }

  /** Compare server positions (hello or heartbeat) with the cursors and act on differences. */
  _reconcile(positions, { source, initial = false }) {
    const seen = new Set();
    const added = [];
    for (const position of positions) {
      seen.add(position.id);
      const room = this._rooms.get(position.id);
      if (!room) {
        // A room left moments ago may still be listed by a heartbeat that crossed the event.
        const goneAt = this._gone.get(position.id);
        if (!initial && goneAt && Date.now() - goneAt < this.heartbeatInterval * 2000) continue;
        // New to us: start at the current position; the app loads its history when shown.
        this.trackRoom(position.id, position.last_seq, position.last_rev);
        if (!initial) added.push(position.id);
        continue;
      }
      if (room.rev == null) room.rev = position.last_rev;
      if (position.last_rev > room.rev) room.wantChanges = true;
      if (position.last_seq > room.seq || position.last_rev > room.rev) {
        this._catchUp(position.id);
      }
    }
    const missing = [...this._rooms.keys()].filter((id) => !seen.has(id));
    const removed = [];
    for (const roomId of missing) {
      if (source === "hello") {
        // session.hello is read after the socket subscribed: a room absent from it is gone.
        removed.push(roomId);
        this._forgetRoom(roomId);
      } else {
        // A heartbeat can race a room.created; ask before declaring the room gone.
        this._confirmGone(roomId);
      }
    }
    this._emit("positions", { rooms: positions, added, removed, source });
  }

  async _confirmGone(roomId) {
    try {
      const { room } = await this.request("room.info", { room_id: roomId });
      if (room && room.role) return; // still a member
    } catch (error) {
      if (error.type !== "room_not_found") return; // unknown: check at the next heartbeat
    }
    if (this._rooms.has(roomId)) this._forgetRoom(roomId);
  }

  _forgetRoom(roomId) {
    this.untrackRoom(roomId);
    this._emit("room.removed", { room_id: roomId, reason: "unknown" });
  }
}
