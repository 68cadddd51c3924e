/**
 * What arrives on an open socket: frames, session.hello, and the heartbeat.
 *
 * `_onFrame` parses each frame and routes it: a reply to its request (requests.js), a new
 * message or a change to the cursors (cursors.js), session.hello to `_onHello`, and the
 * server events apps listen to under their own name. `_onHello` starts the session: it takes
 * the user, limits and heartbeat interval, reconciles the cursors with the server's room
 * positions, sends what waited for a connection, and starts the heartbeat. A heartbeat left
 * unanswered for half an interval (at most 10 s) means the connection is dead: the socket is
 * dropped (connection.js) and rebuilt.
 *
 * Methods of ChatClient (client.js copies them onto its prototype).
 */

import { CHANGE_KINDS, ChatError, FORWARDED_EVENTS } from "./protocol.js";

export class SessionMethods {
  _onFrame(ws, text) {
    if (ws !== this._ws) return;
    let envelope;
    try {
      envelope = JSON.parse(text);
    } catch {
      return; // The server only sends JSON; ignore anything else.
    }
    if (!envelope || typeof envelope.event_type !== "string") return;
    const { event_type: type, data = {}, request_id: requestId } = envelope;
    this._emit("event", { event_type: type, data, request_id: requestId ?? null });

    if (requestId != null && this._pending.has(String(requestId))) {
      this._answer(String(requestId), type, data);
      return;
    }
    if (type === "session.hello") this._onHello(data);
    else if (type === "message.new") this._acceptMessage(data.message, true);
    else if (type in CHANGE_KINDS) {
      this._acceptChange(data.message, CHANGE_KINDS[type], true, data.change ?? null);
    }
    else if (type === "error") {
      this._emit("error", new ChatError(data.code, data.name, data.detail));
    } else if (FORWARDED_EVENTS.has(type)) {
      this._trackMembership(type, data);
      if (type === "settings.updated") this.settings = data;
      this._emit(type, data);
    }
  }

  _onHello(data) {
    clearTimeout(this._connectTimer);
    this._connectTimer = null;
    this._attempt = 0;
    this.user = data.user;
    this.sessionId = data.session_id;
    this.limits = data.limits || {};
    this.settings = data.settings || this.settings;
    this.heartbeatInterval = data.heartbeat_interval || this.options.heartbeatInterval;
    const reconnected = this._everOpened;
    this._everOpened = true;
    this._setState("open");

    this._reconcile(data.rooms || [], { source: "hello", initial: !reconnected });

    // Requests made while offline go out now, then unacknowledged messages, with their ids.
    for (const pending of this._pending.values()) {
      if (!pending.sent) this._write(pending);
    }
    for (const entry of this._outbox.values()) this._trySend(entry);
    if (this._delivered.size) this._flushDelivered();

    this._heartbeatTimer = setInterval(() => this._heartbeat(), this.heartbeatInterval * 1000);
    this._emit("open", { hello: data, reconnected });
  }

  // --- Heartbeat ------------------------------------------------------------------------------

  async _heartbeat() {
    if (this.state !== "open" || this._heartbeatBusy) return;
    const ws = this._ws;
    this._heartbeatBusy = true;
    try {
      // Half an interval, at most 10 s, for the reply: a live server answers in milliseconds.
      const timeout = Math.min(10_000, (this.heartbeatInterval * 1000) / 2);
      const reply = await this.request("session.heartbeat", {}, { timeout });
      if (ws === this._ws) this._reconcile(reply.rooms || [], { source: "heartbeat" });
    } catch (error) {
      if (error.type === "timeout") this._abandon(ws, "heartbeat timeout");
    } finally {
      this._heartbeatBusy = false;
    }
  }
}
