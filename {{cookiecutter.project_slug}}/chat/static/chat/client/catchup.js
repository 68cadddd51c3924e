/**
 * Catch-up by seq: fetching what lies between a room's cursor and the server's position.
 *
 * Rooms queue for catch-up (`_catchUp`) and at most `syncConcurrency` are fetched at a time.
 * Each fetch reads `room.messages {after_seq}` page by page and delivers the messages through
 * the cursors (cursors.js), then `room.messages {changed_after_rev}` for the edits, deletions
 * and reactions since the rev cursor. A room more than `maxCatchUp` messages behind is not
 * replayed: its cursor jumps to the present and the app gets `reset`.
 *
 * Methods of ChatClient (client.js copies them onto its prototype).
 */

export class CatchUpMethods {
  /** Queue a room for catch-up; a room already catching up runs once more afterwards. */
  _catchUp(roomId) {
    const room = this._rooms.get(roomId);
    if (!room || this.state !== "open") return;
    if (room.syncing) {
      room.again = true;
      return;
    }
    room.syncing = true;
    this._syncQueue.push(roomId);
    this._pumpSync();
  }

  _pumpSync() {
    while (this._syncRunning < this.options.syncConcurrency && this._syncQueue.length) {
      const roomId = this._syncQueue.shift();
      this._syncRunning += 1;
      this._syncRoom(roomId)
        .catch((error) => {
          const room = this._rooms.get(roomId);
          // Rate limited or a server hiccup: try again shortly. A lost socket: the next
          // session.hello starts over. A room we left: nothing to do.
          if (room && error.retryable && error.type !== "disconnected") {
            room.again = true;
            return new Promise((resolve) => setTimeout(resolve, 1_000));
          }
          if (room) room.again = false;
          return undefined;
        })
        .finally(() => {
          this._syncRunning -= 1;
          const room = this._rooms.get(roomId);
          if (room) {
            room.syncing = null;
            if (room.again && this.state === "open") {
              room.again = false;
              this._catchUp(roomId);
            }
          }
          this._pumpSync();
        });
    }
  }

  async _syncRoom(roomId) {
    let messages = 0;
    let changes = 0;
    const pageSize = Math.min(this.options.pageSize, this.limits.page_max || this.options.pageSize);
    // 1. New messages after the cursor, oldest first, page by page.
    for (;;) {
      const room = this._rooms.get(roomId);
      if (!room) return;
      const page = await this.request("room.messages", {
        room_id: roomId,
        after_seq: room.seq,
        limit: pageSize,
      });
      if (!this._rooms.has(roomId)) return;
      for (const message of page.messages) this._acceptMessage(message, false);
      messages += page.messages.length;
      if (page.last_rev > (room.rev ?? page.last_rev)) room.wantChanges = true;
      if (!page.has_more) break;
      if (messages >= this.options.maxCatchUp) {
        // Too far behind to replay message by message: jump to the present instead.
        room.seq = page.last_seq;
        room.rev = page.last_rev;
        room.wantChanges = false;
        this._emit("reset", { room_id: roomId, last_seq: page.last_seq, last_rev: page.last_rev });
        this._emit("catchup", { room_id: roomId, messages, changes });
        return;
      }
    }
    // 2. Edits, deletions and reactions since the rev cursor, in rev order.
    const room = this._rooms.get(roomId);
    if (room && room.wantChanges && room.rev != null) {
      room.wantChanges = false;
      for (;;) {
        const page = await this.request("room.messages", {
          room_id: roomId,
          changed_after_rev: room.rev,
          limit: pageSize,
        });
        if (!this._rooms.has(roomId)) return;
        for (const message of page.messages) {
          room.rev = Math.max(room.rev, message.rev);
          changes += 1;
          const kind = message.deleted ? "deleted" : "edited";
          this._emit("messagechange", { message, kind, live: false });
        }
        if (!page.has_more) {
          room.rev = Math.max(room.rev, page.last_rev);
          break;
        }
      }
    }
    this._emit("catchup", { room_id: roomId, messages, changes });
  }
}
