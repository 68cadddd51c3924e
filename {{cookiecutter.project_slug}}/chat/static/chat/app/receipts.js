/**
 * Receipts in the open room: ticks on the user's own messages, who has seen them, and the
 * "Share read receipts" switch.
 *
 * One tick: stored. Two: delivered to a device of every other member. Two in the accent
 * colour: seen by every other member who shares reads. A tick's title names who has seen
 * the message. The other members' positions come from room.receipts when the room opens,
 * then from room.read and room.delivered; rooms without receipts (channels, large groups)
 * show no ticks. Acknowledging deliveries is the client's own work (client/receipts.js).
 */

import { $, make, notify } from "./dom.js";
import { describeError } from "./format.js";
import { client, me, view } from "./state.js";

const toggle = $("read-receipts");

/** Ask where the room's other members stand, then draw the ticks. */
export async function loadReceipts(roomId) {
  try {
    const data = await client.receipts(roomId);
    if (!view || view.roomId !== roomId) return;
    view.receipts = data.enabled
      ? new Map(
          data.members.map((member) => [
            member.user.id,
            {
              username: member.user.username,
              read: member.last_read_seq,
              delivered: member.last_delivered_seq,
            },
          ]),
        )
      : null;
    renderReceipts();
  } catch {
    // No ticks then; the messages themselves are unaffected.
  }
}

/** room.read or room.delivered: another member moved on. */
export function applyPosition(detail) {
  if (!view || view.roomId !== detail.room_id || !view.receipts) return;
  const member = view.receipts.get(detail.user.id);
  if (!member) return; // my own devices, or someone who joined since: shown on the next open
  if (detail.last_read_seq != null && member.read != null) {
    member.read = Math.max(member.read, detail.last_read_seq);
  }
  const delivered = detail.last_delivered_seq ?? detail.last_read_seq;
  member.delivered = Math.max(member.delivered, delivered);
  renderReceipts();
}

/** The tick of one of my messages, or null (others' messages, rooms without receipts). */
export function receiptElement(message) {
  if (!view?.receipts || !me || message.sender?.id !== me.id || message.deleted) return null;
  const others = [...view.receipts.values()];
  if (!others.length) return null;
  const delivered = others.every((o) => Math.max(o.delivered, o.read ?? 0) >= message.seq);
  const sharing = others.filter((o) => o.read != null);
  const seen = sharing.filter((o) => o.read >= message.seq);
  const allSeen = delivered && sharing.length > 0 && seen.length === sharing.length;
  const title = seen.length
    ? `Seen by ${seen.map((o) => o.username).join(", ")}`
    : delivered
      ? "Delivered"
      : "Sent";
  const tick = make("span", `msg-receipt${allSeen ? " read" : ""}`, delivered ? "✓✓" : "✓");
  tick.title = title;
  tick.setAttribute("aria-label", title);
  return tick;
}

/** Redraw every tick of the open room. */
export function renderReceipts() {
  if (!view) return;
  for (const { message, li } of view.items.values()) {
    const old = li.querySelector(".msg-receipt");
    const tick = receiptElement(message);
    if (old && tick) old.replaceWith(tick);
    else if (old) old.remove();
    else if (tick) li.querySelector(".msg-meta")?.append(tick);
  }
}

/** The switch shows the setting of session.hello, and of settings.updated from any device. */
export function showSetting(settings) {
  toggle.checked = settings.read_receipts;
  // Reads shown to me changed too (both ways or not at all): ask again.
  if (view) loadReceipts(view.roomId);
}

toggle.addEventListener("change", async () => {
  const wanted = toggle.checked;
  try {
    showSetting(await client.shareReadReceipts(wanted));
  } catch (error) {
    toggle.checked = !wanted;
    notify(`Could not change the setting: ${describeError(error)}`);
  }
});
