/**
 * Sends that survive disconnects: each message keeps its client_msg_id and is sent again with
 * it after every reconnect until the server acknowledges it. The server stores a
 * client_msg_id once, so a retry never duplicates a message.
 *
 * Owns `_outbox` (client_msg_id -> the unacknowledged send). session.hello sends them again
 * (session.js); the acknowledged message is delivered through the cursors (cursors.js).
 *
 * Methods of ChatClient (client.js copies them onto its prototype).
 */

import { ChatError, newClientMsgId } from "./protocol.js";

export class OutboxMethods {
  /**
   * Send a message; resolve with the stored message once the server has it.
   *
   * The message gets a client_msg_id (or use options.clientMsgId, e.g. to show it as pending
   * under that id) and is re-sent with that same id after every reconnect until acknowledged;
   * only an error from the server (not a dropped connection) rejects. Show messages from the
   * `message` event, not from this promise: the event is the one ordered, deduplicated stream.
   * options.threadRootId sends it as a reply in that message's thread, and
   * options.alsoToRoom shows such a reply in the room's timeline too.
   */
  sendMessage(
    roomId,
    content,
    { replyTo = null, clientMsgId = null, attachments = null, threadRootId = null, alsoToRoom = false } = {},
  ) {
    if (this._stopped) {
      return Promise.reject(new ChatError("closed", "closed", "The client is closed."));
    }
    const id = clientMsgId || newClientMsgId();
    const data = { room_id: roomId, content, client_msg_id: id };
    if (replyTo != null) data.reply_to = replyTo;
    if (attachments?.length) data.attachments = attachments; // ids from uploadAttachment()
    if (threadRootId != null) data.thread_root_id = threadRootId;
    if (threadRootId != null && alsoToRoom) data.also_to_room = true;
    return new Promise((resolve, reject) => {
      const entry = { data, resolve, reject, inFlight: false };
      this._outbox.set(id, entry);
      this._trySend(entry);
    });
  }

  /** Stop retrying an unacknowledged message (it rejects with "closed"). */
  cancelSend(clientMsgId) {
    const entry = this._outbox.get(clientMsgId);
    if (!entry) return false;
    this._outbox.delete(clientMsgId);
    entry.reject(new ChatError("closed", "closed", "The send was cancelled."));
    return true;
  }

  /** The client_msg_ids of messages sent but not yet acknowledged. */
  get unacknowledged() {
    return [...this._outbox.keys()];
  }

  _trySend(entry) {
    if (entry.inFlight || this.state !== "open") return;
    const id = entry.data.client_msg_id;
    entry.inFlight = true;
    this.request("message.send", entry.data).then(
      (reply) => {
        entry.inFlight = false;
        if (!this._outbox.has(id)) return;
        this._outbox.delete(id);
        if (reply.message) this._acceptMessage(reply.message, true);
        entry.resolve(reply.message);
      },
      (error) => {
        entry.inFlight = false;
        if (!this._outbox.has(id)) return;
        if (error.type === "rate_limited" || error.type === "server_error") {
          setTimeout(() => this._trySend(entry), 1_000 + this.options.random() * 1_000);
        } else if (error.type === "timeout") {
          // Possibly a dead socket: the heartbeat will find out. Try again meanwhile.
          this._trySend(entry);
        } else if (error.type !== "disconnected") {
          this._outbox.delete(id);
          entry.reject(error);
        }
        // "disconnected": resent by _onHello after the reconnect, with the same id.
      },
    );
  }
}
