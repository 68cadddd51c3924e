/**
 * What the protocol names, shared by the client's parts: the server's close codes, the events
 * forwarded to apps as they are, the change events, ChatError, and client_msg_ids.
 *
 * chat/protocol.py on the server is the authority for these names; docs/protocol.md lists
 * them. No imports, no state.
 */

/** Close codes the server uses (chat/protocol.py). */
export const CLOSE_UNAUTHENTICATED = 4001;
export const CLOSE_SESSION_REPLACED = 4008;
// The credential the socket was opened with was revoked (password change, deactivation,
// logout); reconnecting with it cannot help.
export const CLOSE_REVOKED = 4010;

/** Server events forwarded to listeners under their own name, data unchanged. */
export const FORWARDED_EVENTS = new Set([
  "room.created",
  "room.updated",
  "room.deleted",
  "room.removed",
  "room.members_added",
  "room.members_removed",
  "room.muted",
  "room.read",
  "room.delivered",
  "room.typing",
  "presence.changed",
  "settings.updated",
  "notification.new",
  "room.invited",
  "user.blocked",
  "user.unblocked",
  "message.reported",
  "thread.updated",
  "user.updated",
]);

/** Server events that change a message already delivered, and the `kind` apps get. */
export const CHANGE_KINDS = {
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

