/**
 * Receipts: acknowledging what this device received, and the read-receipt setting.
 *
 * Every message from someone else that reaches the app (live or by catch-up) moves its room's
 * delivered position; the positions go out in batches, one message.delivered frame per
 * `deliveryAckDelay` at most, naming each room once with the highest seq received. A batch
 * that fails goes out again with the next one. `receipts(roomId)` and the room.read and
 * room.delivered events tell an app how far each other member got (docs/protocol.md).
 *
 * Owns `_delivered` (room_id -> seq not yet acknowledged) and `settings` (from session.hello).
 *
 * Methods of ChatClient (client.js copies them onto its prototype).
 */

const MAX_ROOMS_PER_ACK = 100; // the server's limit per message.delivered

export class ReceiptMethods {
  /** Note that a message reached this device; acknowledged with the next batch. */
  _noteDelivered(message) {
    if (!this.options.acknowledgeDelivery || message.sender?.id === this.user?.id) return;
    const queued = this._delivered.get(message.room_id) ?? 0;
    if (message.seq <= queued) return;
    this._delivered.set(message.room_id, message.seq);
    this._deliveredTimer ??= setTimeout(() => this._flushDelivered(), this.options.deliveryAckDelay);
  }

  _flushDelivered() {
    this._deliveredTimer = null;
    if (this.state !== "open") return; // the next session.hello flushes what waits
    const positions = [...this._delivered].slice(0, MAX_ROOMS_PER_ACK);
    for (const [roomId] of positions) this._delivered.delete(roomId);
    if (this._delivered.size) this._deliveredTimer = setTimeout(() => this._flushDelivered(), 0);
    if (!positions.length) return;
    const data = { positions: positions.map(([room_id, seq]) => ({ room_id, seq })) };
    this.request("message.delivered", data).catch((error) => {
      if (!error.retryable) return; // a room left meanwhile: nothing to acknowledge there
      for (const [roomId, seq] of positions) {
        if (seq > (this._delivered.get(roomId) ?? 0)) this._delivered.set(roomId, seq);
      }
    });
  }

  /**
   * Where every other member of a room stands: delivered, and read where both share reads.
   *
   * @param {number} roomId
   * @returns {Promise<import("./events.js").Receipts>}
   */
  receipts(roomId) {
    return this.request("room.receipts", { room_id: roomId });
  }

  /**
   * Share read receipts or not (both ways: off, you see no one's either).
   *
   * @param {boolean} readReceipts
   * @returns {Promise<import("./events.js").SettingsData>}
   */
  async shareReadReceipts(readReceipts) {
    this.settings = await this.request("settings.update", { read_receipts: readReceipts });
    return this.settings;
  }
}
