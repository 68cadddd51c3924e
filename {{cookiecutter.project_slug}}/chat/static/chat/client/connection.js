/**
 * The socket's life: connecting, closing for good, and reconnecting with backoff.
 *
 * Owns `state` ("connecting", "open", "reconnecting", "closed") and the socket itself
 * (`_ws`). A socket opens with the session cookie (the chat page) or with a token from
 * `options.token` (API clients), asked for again before every attempt since tokens are
 * short-lived, and traded for a single-use ticket that the socket's URL carries. A socket that closes is rebuilt after a delay with "full jitter": a random wait
 * between 0 and a cap that doubles per attempt from `backoffBase` up to `backoffMax`, so a
 * restarted server is not hit by every client at the same instant. Coming back online, or to
 * a visible tab, reconnects at once (`retryNow`). Close codes 4001/4010 with the session
 * cookie and 4008 stop the client instead. Requests already written to a closing socket are
 * rejected here as "disconnected".
 *
 * Methods of ChatClient (client.js copies them onto its prototype). What arrives on an open
 * socket is handled by session.js.
 */

import {
  ChatError,
  CLOSE_REVOKED,
  CLOSE_SESSION_REPLACED,
  CLOSE_UNAUTHENTICATED,
} from "./protocol.js";

// The code this client closes with when it gives up on a socket (no reply to a heartbeat).
const CLOSE_STALE = 4000;

export class ConnectionMethods {
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

  /**
   * Trade a token for a single-use ticket (POST /api/ticket/ on the socket's host): a
   * WebSocket cannot carry an Authorization header from a browser, and a URL is logged by
   * every router on the way, so the URL carries only what is worthless once used.
   */
  async _ticket(token) {
    const ticketUrl =
      this.options.ticketUrl || new URL("/api/ticket/", this.url.replace(/^ws/, "http")).href;
    const fetchImpl = this.options.fetch || globalThis.fetch;
    const response = await fetchImpl(ticketUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`ticket: HTTP ${response.status}`);
    return (await response.json()).ticket;
  }

  async _open() {
    this._setState(this._everOpened ? "reconnecting" : "connecting");
    let url = this.url;
    if (this.options.token) {
      try {
        const ticket = await this._ticket(await this.options.token());
        url += `${url.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket)}`;
      } catch (error) {
        // No token or ticket, no connection: try again later, like any failed connect.
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
}
