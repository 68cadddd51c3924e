/**
 * ChatClient: the one WebSocket between a page (or any JavaScript app) and the chat server.
 *
 * No build step, no framework, no dependencies: native ES modules for browsers and for Node
 * 22+ (which has a global WebSocket). docs/client.md explains how to use it; docs/protocol.md
 * describes the wire protocol it speaks. This file is the client's public face: the options,
 * the constructor with every field the parts share, and the names apps use. The work is
 * done by the parts in client/, one concern each, whose methods are copied onto
 * ChatClient.prototype below:
 *
 *   client/connection.js  connecting, closing, reconnecting with backoff and jitter, `state`
 *   client/session.js     frames as they arrive, session.hello, the heartbeat
 *   client/requests.js    request/reply matched by request_id, and the request shortcuts
 *   client/outbox.js      sends re-sent with their client_msg_id until acknowledged
 *   client/cursors.js     per-room seq/rev cursors: no message lost or delivered twice
 *   client/catchup.js     fetching what a room's cursor is missing (after_seq, changed_after_rev)
 *   client/uploads.js     uploading attachments over HTTP, with progress
 *   client/receipts.js    delivery acknowledgements in batches, receipts, the read setting
 *   client/protocol.js    close codes, event names, ChatError, newClientMsgId
 *
 * Events (an EventTarget; every event is a CustomEvent whose `detail` is shown):
 *
 *   open            {hello, reconnected}      a session is ready (after session.hello)
 *   close           {code, reason, willReconnect, delay}
 *   statechange     {state}                   "connecting" | "open" | "reconnecting" | "closed"
 *   message         {message, live}           a new message, once per (room_id, seq), in order
 *   messagechange   {message, kind, live, change}  edited / deleted / reactions; apply if
 *                                             the message's rev is not older than what you
 *                                             show; `change` is message.reactions' (whose
 *                                             reaction changed), else null
 *   reset           {room_id, last_seq, last_rev}  too much was missed: reload the room
 *   positions       {rooms, added, removed, source}  room positions from hello or heartbeat
 *   catchup         {room_id, messages, changes}     a room's catch-up finished
 *   error           ChatError                 an error the server sent outside any request
 *   event           {event_type, data, request_id}  every frame received, for debugging
 *   room.created, room.updated, room.deleted, room.removed, room.members_added,
 *   room.members_removed, room.muted, room.read, room.delivered, room.typing,
 *   presence.changed, settings.updated, notification.new, room.invited, user.blocked,
 *   user.unblocked, message.reported, thread.updated, user.updated
 *                   the server event's data, unchanged (room.removed also comes with
 *                   reason "unknown" when a reconnect or heartbeat shows a room is gone)
 */

import { CatchUpMethods } from "./client/catchup.js";
import { ConnectionMethods } from "./client/connection.js";
import { CursorMethods } from "./client/cursors.js";
import { OutboxMethods } from "./client/outbox.js";
import { newClientMsgId } from "./client/protocol.js";
import { ReceiptMethods } from "./client/receipts.js";
import { RequestMethods } from "./client/requests.js";
import { SessionMethods } from "./client/session.js";
import { UploadMethods } from "./client/uploads.js";

export {
  ChatError,
  CLOSE_REVOKED,
  CLOSE_SESSION_REPLACED,
  CLOSE_UNAUTHENTICATED,
  newClientMsgId,
} from "./client/protocol.js";

const DEFAULTS = {
  url: null, // ws(s)://host/ws/chat/; by default the page's own host
  token: null, // optional: () => token string or a promise of one
  ticketUrl: null, // where tokens are traded for tickets; default: /api/ticket/ on the socket's host
  uploadUrl: null, // where attachments are uploaded; default: /api/attachments/ on the socket's host
  fetch: null, // a fetch implementation to use instead of the global one
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
  acknowledgeDelivery: true, // tell the server which messages reached this device (receipts)
  deliveryAckDelay: 1_000, // ms: acknowledgements go out in one batch at most this often
  random: Math.random, // replaceable for tests
};

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
    this.settings = { read_receipts: true }; // the user's chat settings, from session.hello
    this.heartbeatInterval = this.options.heartbeatInterval;

    // The socket and its timers (connection.js, session.js).
    this._ws = null;
    this._stopped = true;
    this._everOpened = false;
    this._attempt = 0; // reconnects since the last session.hello
    this._reconnectTimer = null;
    this._connectTimer = null;
    this._heartbeatTimer = null;
    this._heartbeatBusy = false;

    // request_id -> {resolve, reject, timer, frame, sent} (requests.js)
    this._pending = new Map();
    this._requestPrefix = newClientMsgId().slice(0, 8);
    this._requestCount = 0;

    // client_msg_id -> {data, resolve, reject, inFlight}: sends not yet acknowledged (outbox.js).
    this._outbox = new Map();

    // room_id -> {seq, rev, syncing, again, wantChanges}: the cursors. rev is null until known.
    this._rooms = new Map();
    // room_id -> time it was left, so a stale heartbeat does not bring it back.
    this._gone = new Map();
    // Rooms waiting for their catch-up, and how many are being caught up (catchup.js).
    this._syncQueue = [];
    this._syncRunning = 0;

    // room_id -> the highest seq received and not yet acknowledged (receipts.js).
    this._delivered = new Map();
    this._deliveredTimer = null;

    this._onOnline = () => this.retryNow();
    this._onVisible = () => {
      if (globalThis.document?.visibilityState === "visible") this.retryNow();
    };

    if (this.options.autoConnect) this.connect();
  }
}

// Each part is a class body used only as a bag of methods: its methods (getters included)
// become ChatClient's own, exactly as if written in the class above. A name defined by two
// parts is a mistake, and fails here rather than letting one part silently win.
for (const part of [
  ConnectionMethods,
  SessionMethods,
  RequestMethods,
  OutboxMethods,
  CursorMethods,
  CatchUpMethods,
  UploadMethods,
  ReceiptMethods,
]) {
  const descriptors = Object.getOwnPropertyDescriptors(part.prototype);
  delete descriptors.constructor;
  for (const name of Object.keys(descriptors)) {
    if (Object.hasOwn(ChatClient.prototype, name)) {
      throw new Error(`ChatClient: ${name} is defined by two parts`);
    }
  }
  Object.defineProperties(ChatClient.prototype, descriptors);
}
