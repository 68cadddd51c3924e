/**
 * ChatClient: the one WebSocket between a page (or any JavaScript app) and the chat server.
 *
 * No build step, no framework, no dependencies: an ES module for browsers and for Node 22+
 * (which has a global WebSocket). docs/client.md explains how to use it; docs/protocol.md
 * describes the wire protocol it speaks.
 *
 * What it takes care of, so that apps do not have to:
 *
 * - Connecting with the session cookie (the chat page) or with a token from a function you
 *   give it (API clients; the function is called again before every reconnect, since tokens
 *   are short-lived).
 * - A heartbeat every `heartbeat_interval` seconds (from session.hello; 20 by default). A
 *   heartbeat left unanswered means the connection is dead: the socket is dropped and rebuilt.
 * - Reconnecting with exponential backoff, 1 s doubling up to 30 s, with "full jitter" (a
 *   random delay between 0 and that cap), so a restarted server is not hit by every client at
 *   the same instant.
 * - Never losing or repeating a message. Every room numbers its messages with `seq` (1, 2, 3,
 *   ... with no gaps). The client keeps a cursor per room, the highest seq it has handed to
 *   the app, and fetches what lies between the cursor and the server's position with
 *   `room.messages {after_seq}`:
 *     - after every reconnect (session.hello lists every room's last_seq),
 *     - when a live message.new skips a number (an event lost on the way),
 *     - when a heartbeat reply shows a room ahead of the cursor (a quiet room's loss).
 *   A message at or below the cursor is a duplicate and is dropped, so the app's `message`
 *   listener sees each (room_id, seq) once, in order. Edits, deletions and reactions are
 *   caught up the same way with the room's `rev` counter (`changed_after_rev`).
 * - Sends that survive disconnects: `sendMessage()` gives each message a client_msg_id
 *   (crypto.randomUUID) and re-sends it with the same id after a reconnect until the server
 *   acknowledges it. The server stores a client_msg_id once, so a retry never duplicates.
 * - Request/reply: `request(eventType, data)` returns a promise of the reply's data, matched
 *   by request_id, and rejects with a ChatError carrying the server's error code.
 *
 * Events (an EventTarget; every event is a CustomEvent whose `detail` is shown):
 *
 *   open            {hello, reconnected}      a session is ready (after session.hello)
 *   close           {code, reason, willReconnect, delay}
 *   statechange     {state}                   "connecting" | "open" | "reconnecting" | "closed"
 *   message         {message, live}           a new message, once per (room_id, seq), in order
 *   messagechange   {message, kind, live}     edited / deleted / reactions; apply if the
 *                                             message's rev is not older than what you show
 *   reset           {room_id, last_seq, last_rev}  too much was missed: reload the room
 *   positions       {rooms, added, removed, source}  room positions from hello or heartbeat
 *   catchup         {room_id, messages, changes}     a room's catch-up finished
 *   error           ChatError                 an error the server sent outside any request
 *   event           {event_type, data, request_id}  every frame received, for debugging
 *   room.created, room.updated, room.deleted, room.removed, room.members_added,
 *   room.members_removed, room.muted, room.read, room.typing, presence.changed
 *                   the server event's data, unchanged (room.removed also comes with
 *                   reason "unknown" when a reconnect or heartbeat shows a room is gone)
 */

const DEFAULTS = {
  url: null, // ws(s)://host/ws/chat/; by default the page's own host
  token: null, // optional: () => token string or a promise of one
  WebSocket: null, // optional: a WebSocket implementation (defaults to the global one)
  heartbeatInterval: 20, // seconds, until session.hello says otherwise
  requestTimeout: 15_000, // ms a request waits for its reply (including waiting to connect)
  connectTimeout: 15_000, // ms from opening a socket to session.hello
  backoffBase: 1_000, // ms, the first reconnect's cap
  backoffMax: 30_000, // ms, the largest cap
  pageSize: 100, // messages per catch-up page (the server caps it at limits.page_max)
  maxCatchUp: 1_000, // messages per room fetched after a gap before giving up with `reset`
  syncConcurrency: 3, // rooms caught up at the same time
  autoConnect: true, // connect in the constructor
  random: Math.random, // replaceable for tests
};

/** Close codes the server uses (chat/protocol.py). */
export const CLOSE_UNAUTHENTICATED = 4001;
export const CLOSE_SESSION_REPLACED = 4008;
// The credential the socket was opened with was revoked (password change, deactivation,
// logout); reconnecting with it cannot help.
export const CLOSE_REVOKED = 4010;
// The code this client closes with when it gives up on a socket (no reply to a heartbeat).
const CLOSE_STALE = 4000;

/** Server events forwarded to listeners under their own name, data unchanged. */
const FORWARDED_EVENTS = new Set([
  "room.created",
  "room.updated",
  "room.deleted",
  "room.removed",
  "room.members_added",
  "room.members_removed",
  "room.muted",
  "room.read",
  "room.typing",
  "presence.changed",
]);

const CHANGE_KINDS = {
  "message.edited": "edited",
  "message.deleted": "deleted",
  "message.reactions": "reactions",
};

/**
 * The error a request rejects with.
 *
 * For errors from the server, `code` is its numeric code (4040, 4029, ...) and `type` its
 * name ("room_not_found", "rate_limited", ...). For failures on this side, `code` and `type`
 * are the same string: "timeout" (no reply in time), "disconnected" (the socket closed before
 * the reply; the request may or may not have been carried out) or "closed" (close() was called).
 */
export class ChatError extends Error {
  constructor(code, type, detail, { eventType = null, requestId = null } = {}) {
    super(detail || type);
    this.name = "ChatError";
    this.code = code;
    this.type = type;
    this.detail = detail || type;
    this.eventType = eventType;
    this.requestId = requestId;
  }

  /** Whether sending the same request again later may succeed. */
  get retryable() {
    return ["timeout", "disconnected", "rate_limited", "server_error"].includes(this.type);
  }
}

/** Return a new client_msg_id: a UUID, or random hex where randomUUID is unavailable. */
export function newClientMsgId() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  // crypto.randomUUID exists only in secure contexts (https, localhost).
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function defaultUrl() {
  const loc = globalThis.location;
  if (!loc) throw new Error("ChatClient: pass options.url outside a browser page");
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws/chat/`;
}

export class ChatClient extends EventTarget {
  /** @param {Partial<typeof DEFAULTS>} options */
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    this.url = this.options.url || defaultUrl();
    this.state = "closed";
    this.user = null; // {id, username} from session.hello
    this.sessionId = null;
    this.limits = {};
    this.heartbeatInterval = this.options.heartbeatInterval;

    this._ws = null;
    this._stopped = true;
    this._everOpened = false;
    this._attempt = 0; // reconnects since the last session.hello
    this._reconnectTimer = null;
    this._connectTimer = null;
    this._heartbeatTimer = null;
    this._heartbeatBusy = false;

    // request_id -> {resolve, reject, timer, frame, sent}
    this._pending = new Map();
    this._requestPrefix = newClientMsgId().slice(0, 8);
    this._requestCount = 0;

    // client_msg_id -> {data, resolve, reject, inFlight}: sends not yet acknowledged.
    this._outbox = new Map();

    // room_id -> {seq, rev, syncing, again, wantChanges}: the cursors. rev is null until known.
    this._rooms = new Map();
    // room_id -> time it was left, so a stale heartbeat does not bring it back.
    this._gone = new Map();
    this._syncQueue = [];
    this._syncRunning = 0;

    this._onOnline = () => this.retryNow();
    this._onVisible = () => {
      if (globalThis.document?.visibilityState === "visible") this.retryNow();
    };

    if (this.options.autoConnect) this.connect();
  }

  // --- Lifecycle ------------------------------------------------------------------------------

  /** Start connecting (again, after close()). Returns the client. */
  connect() {
    if (!this._stopped) return this;
    this._stopped = false;
    this._attempt = 0;
    globalThis.addEventListener?.("online", this._onOnline);
    globalThis.document?.addEventListener?.("visibilitychange", this._onVisible);
    this._open();
    return this;
  }

  /** Close for good: no reconnect; pending requests and unsent messages reject ("closed"). */
  close() {
    this._stopped = true;
    globalThis.removeEventListener?.("online", this._onOnline);
    globalThis.document?.removeEventListener?.("visibilitychange", this._onVisible);
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    const ws = this._ws;
    this._detach(ws);
    this._ws = null;
    if (ws) {
      try {
        ws.close(1000, "client closed");
      } catch {
        // Already closed.
      }
    }
    this._stopTimers();
    const closed = () => new ChatError("closed", "closed", "The client was closed.");
    for (const [id, pending] of this._pending) {
      this._settle(id, pending);
      pending.reject(closed());
    }
    for (const [id, entry] of this._outbox) {
      this._outbox.delete(id);
      entry.reject(closed());
    }
    this._setState("closed");
  }

  /** Reconnect now instead of waiting for the backoff timer (e.g. when the network returns). */
  retryNow() {
    if (this._stopped || this._ws || !this._reconnectTimer) return;
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    this._open();
  }

  /** Resolve when a session is open (now, or after the next session.hello). */
  ready() {
    if (this.state === "open") return Promise.resolve(this);
    return new Promise((resolve) => {
      this.addEventListener("open", () => resolve(this), { once: true });
    });
  }

  async _open() {
    this._setState(this._everOpened ? "reconnecting" : "connecting");
    let url = this.url;
    if (this.options.token) {
      try {
        const token = await this.options.token();
        url += `${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
      } catch (error) {
        // No token, no connection: try again later, like any failed connect.
        this._scheduleReconnect(0, String(error));
        return;
      }
      if (this._stopped || this._ws) return;
    }
    const Impl = this.options.WebSocket || globalThis.WebSocket;
    let ws;
    try {
      ws = new Impl(url);
    } catch (error) {
      this._scheduleReconnect(0, String(error));
      return;
    }
    this._ws = ws;
    ws.onmessage = (event) => this._onFrame(ws, event.data);
    ws.onclose = (event) => this._onClose(ws, event.code, event.reason);
    ws.onerror = () => {}; // a close event always follows
    // The server speaks first (session.hello); if it does not, the socket is no good.
    this._connectTimer = setTimeout(() => this._abandon(ws, "no session.hello"), this.options.connectTimeout);
  }

  /** Drop a socket that stopped answering, without waiting for a TCP timeout. */
  _abandon(ws, reason) {
    if (ws !== this._ws) return;
    this._detach(ws);
    try {
      ws.close(CLOSE_STALE, reason);
    } catch {
      // Closing a socket that never opened throws in some implementations.
    }
    this._onClose(ws, CLOSE_STALE, reason, true);
  }

  _detach(ws) {
    if (!ws) return;
    ws.onmessage = ws.onclose = ws.onerror = null;
  }

  _onClose(ws, code, reason, force = false) {
    if (ws !== this._ws && !force) return;
    this._ws = null;
    this._stopTimers();
    // Requests already written to this socket will never be answered. Requests still waiting
    // for a connection keep waiting (until their own timeout).
    for (const [id, pending] of this._pending) {
      if (!pending.sent) continue;
      this._settle(id, pending);
      pending.reject(
        new ChatError("disconnected", "disconnected", "The connection closed before the reply.", {
          eventType: pending.frame.event_type,
          requestId: id,
        }),
      );
    }
    for (const room of this._rooms.values()) room.again = false;
    if (this._stopped) return;
    // 4001 with the session cookie means the user is logged out: reconnecting cannot help.
    // With a token function a fresh token may, so try again. 4008: the server closed this
    // session because the user opened too many; reconnecting would close another one. 4010:
    // revoked; with a token function a fresh token is the only way back, so try again.
    const final =
      ((code === CLOSE_UNAUTHENTICATED || code === CLOSE_REVOKED) && !this.options.token) ||
      code === CLOSE_SESSION_REPLACED;
    if (final) {
      this.close();
      this._emit("close", { code, reason, willReconnect: false, delay: null });
      return;
    }
    this._scheduleReconnect(code, reason);
  }

  _scheduleReconnect(code, reason) {
    if (this._stopped) return;
    // Full jitter: a uniformly random delay up to an exponentially growing cap.
    const cap = Math.min(this.options.backoffMax, this.options.backoffBase * 2 ** this._attempt);
    const delay = Math.round(this.options.random() * cap);
    this._attempt += 1;
    this._setState("reconnecting");
    this._emit("close", { code, reason, willReconnect: true, delay });
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = null;
      this._open();
    }, delay);
  }

  _stopTimers() {
    clearTimeout(this._connectTimer);
    clearInterval(this._heartbeatTimer);
    this._connectTimer = this._heartbeatTimer = null;
    this._heartbeatBusy = false;
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._emit("statechange", { state });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- Frames ---------------------------------------------------------------------------------

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
    else if (type in CHANGE_KINDS) this._acceptChange(data.message, CHANGE_KINDS[type], true);
    else if (type === "error") {
      this._emit("error", new ChatError(data.code, data.name, data.detail));
    } else if (FORWARDED_EVENTS.has(type)) {
      this._trackMembership(type, data);
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

    this._heartbeatTimer = setInterval(() => this._heartbeat(), this.heartbeatInterval * 1000);
    this._emit("open", { hello: data, reconnected });
  }

  // --- Requests -------------------------------------------------------------------------------

  /**
   * Send a request and return a promise of its reply's data.
   *
   * Made while disconnected, the request waits for the next session (within `timeout`).
   * Rejects with a ChatError: the server's error, or "timeout" / "disconnected" / "closed".
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

  // --- Sending messages -----------------------------------------------------------------------

  /**
   * Send a message; resolve with the stored message once the server has it.
   *
   * The message gets a client_msg_id (or use options.clientMsgId, e.g. to show it as pending
   * under that id) and is re-sent with that same id after every reconnect until acknowledged;
   * only an error from the server (not a dropped connection) rejects. Show messages from the
   * `message` event, not from this promise: the event is the one ordered, deduplicated stream.
   */
  sendMessage(roomId, content, { replyTo = null, clientMsgId = null } = {}) {
    if (this._stopped) {
      return Promise.reject(new ChatError("closed", "closed", "The client is closed."));
    }
    const id = clientMsgId || newClientMsgId();
    const data = { room_id: roomId, content, client_msg_id: id };
    if (replyTo != null) data.reply_to = replyTo;
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

  // --- Shortcuts for the other requests -------------------------------------------------------

  /** One page of a room's history: {messages (oldest first), has_more, last_seq, last_rev}. */
  async history(roomId, { beforeSeq = null, afterSeq = null, limit = null } = {}) {
    const data = { room_id: roomId };
    if (beforeSeq != null) data.before_seq = beforeSeq;
    if (afterSeq != null) data.after_seq = afterSeq;
    if (limit != null) data.limit = limit;
    const page = await this.request("room.messages", data);
    // A page that shows the room ahead of the cursor reveals a loss: catch up.
    const room = this._rooms.get(roomId);
    if (room && page.last_seq > room.seq) this._catchUp(roomId);
    return page;
  }

  editMessage(messageId, content) {
    return this.request("message.edit", { message_id: messageId, content });
  }

  deleteMessage(messageId) {
    return this.request("message.delete", { message_id: messageId });
  }

  /** Set your reaction on a message; "" removes it. */
  react(messageId, emoji) {
    return this.request("message.react", { message_id: messageId, emoji });
  }

  markRead(roomId, seq) {
    return this.request("message.read", { room_id: roomId, seq });
  }

  typing(roomId, isTyping = true) {
    return this.request("message.typing", { room_id: roomId, is_typing: isTyping });
  }

  // --- Cursors and catch-up -------------------------------------------------------------------

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
    this._emit("message", { message, live });
  }

  _acceptChange(message, kind, live) {
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
    this._emit("messagechange", { message, kind, live });
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
