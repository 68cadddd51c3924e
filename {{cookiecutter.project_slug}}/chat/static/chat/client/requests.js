/**
 * Request/reply: each request gets a request_id, and its promise settles on the frame that
 * carries the same id back (or on a timeout, or when the socket closes under it).
 *
 * Owns `_pending` (request_id -> the waiting request). A request made while disconnected
 * waits for the next session.hello, which writes it (session.js). Also the one-line shortcuts
 * for the protocol's other requests (history, edit, delete, react, read, typing).
 *
 * Methods of ChatClient (client.js copies them onto its prototype).
 */

import { ChatError } from "./protocol.js";

export class RequestMethods {
  /**
   * Send a request and return a promise of its reply's data.
   *
   * Made while disconnected, the request waits for the next session (within `timeout`).
   * Rejects with a ChatError: the server's error, or "timeout" / "disconnected" / "closed".
   *
   * @template {import("./events.js").ClientEventType} K
   * @param {K} eventType
   * @param {import("./events.js").ClientEventData[K]} [data]
   * @param {{timeout?: number}} [options]
   * @returns {Promise<import("./events.js").ReplyData[K]>}
   */
  request(eventType, data = {}, { timeout = this.options.requestTimeout } = {}) {
    if (this._stopped) {
      return Promise.reject(new ChatError("closed", "closed", "The client is closed."));
    }
    this._requestCount += 1;
    const requestId = `${this._requestPrefix}-${this._requestCount}`;
    const frame = { event_type: eventType, data, request_id: requestId };
    return new Promise((resolve, reject) => {
      const pending = { resolve, reject, frame, sent: false, timer: null };
      pending.timer = setTimeout(() => {
        this._settle(requestId, pending);
        reject(
          new ChatError("timeout", "timeout", `No reply to ${eventType} in time.`, {
            eventType,
            requestId,
          }),
        );
      }, timeout);
      this._pending.set(requestId, pending);
      if (this.state === "open") this._write(pending);
    });
  }

  _write(pending) {
    pending.sent = true;
    try {
      this._ws.send(JSON.stringify(pending.frame));
    } catch {
      // The socket is closing; its close handler rejects the request as "disconnected".
    }
  }

  _answer(requestId, type, data) {
    const pending = this._pending.get(requestId);
    this._settle(requestId, pending);
    if (type === "error") {
      pending.reject(
        new ChatError(data.code, data.name, data.detail, {
          eventType: pending.frame.event_type,
          requestId,
        }),
      );
    } else {
      pending.resolve(data);
    }
  }

  _settle(requestId, pending) {
    clearTimeout(pending.timer);
    this._pending.delete(requestId);
  }

  // --- Shortcuts for the other requests -------------------------------------------------------

  /**
   * One page of a room's history: {messages (oldest first), has_more, last_seq, last_rev}.
   *
   * @param {number} roomId
   * @param {{beforeSeq?: number|null, afterSeq?: number|null, limit?: number|null}} [options]
   * @returns {Promise<import("./events.js").MessagesPage>}
   */
  async history(
    roomId,
    { beforeSeq = null, afterSeq = null, aroundSeq = null, limit = null, timeline = false } = {},
  ) {
    const data = { room_id: roomId };
    // Only the room's timeline: its messages and the thread replies also sent to the room.
    if (timeline) data.timeline = true;
    if (beforeSeq != null) data.before_seq = beforeSeq;
    if (afterSeq != null) data.after_seq = afterSeq;
    if (aroundSeq != null) data.around_seq = aroundSeq;
    if (limit != null) data.limit = limit;
    const page = await this.request("room.messages", data);
    // A page that shows the room ahead of the cursor reveals a loss: catch up.
    const room = this._rooms.get(roomId);
    if (room && page.last_seq > room.seq) this._catchUp(roomId);
    return page;
  }

  /**
   * @param {number} messageId
   * @param {string} content
   * @returns {Promise<import("./events.js").MessageData>}
   */
  editMessage(messageId, content) {
    return this.request("message.edit", { message_id: messageId, content });
  }

  deleteMessage(messageId) {
    return this.request("message.delete", { message_id: messageId });
  }

  /**
   * Add your reaction `emoji` (exactly one emoji) to a message, or with `remove` take it away.
   * Either is safe to send again.
   *
   * @param {number} messageId
   * @param {string} emoji
   * @param {{remove?: boolean}} [options]
   * @returns {Promise<import("./events.js").MessageData>}
   */
  react(messageId, emoji, { remove = false } = {}) {
    const data = { message_id: messageId, emoji };
    if (remove) data.remove = true;
    return this.request("message.react", data);
  }

  markRead(roomId, seq) {
    return this.request("message.read", { room_id: roomId, seq });
  }

  typing(roomId, isTyping = true) {
    return this.request("message.typing", { room_id: roomId, is_typing: isTyping });
  }
}
