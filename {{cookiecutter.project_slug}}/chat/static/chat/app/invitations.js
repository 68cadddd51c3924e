/**
 * Invitations in the page: people the user shares no conversation with are invited into a
 * group or channel rather than added (chat/services/members.py). They show in the
 * notifications panel, each with Accept and Decline; accepting joins the room and opens it.
 *
 * The list comes from invitation.list when the socket opens, then room.invited. The count
 * is announced to the panel's button through an "invitationschange" event on the list, so
 * that app/notifications.js, which owns the button, need not reach into this module's state.
 */

import { $, button, make, notify } from "./dom.js";
import { describeError, shortTime } from "./format.js";
import { goToRoom } from "./navigation.js";
import { upsertRoom } from "./rooms.js";
import { client } from "./state.js";

const heading = $("invitations-heading");
const list = $("invitations-list");
const toggle = $("notifications-button");
const pending = new Map(); // invitation id -> invitation, oldest first

/** How many invitations wait for an answer (the panel's button counts them). */
export function invitationCount() {
  return pending.size;
}

/** Ask for the pending invitations again (the socket opened, or reconnected). */
export async function loadInvitations() {
  try {
    const { invitations } = await client.request("invitation.list");
    pending.clear();
    for (const invitation of invitations.reverse()) pending.set(invitation.id, invitation);
    render();
  } catch (error) {
    notify(`Could not load your invitations: ${describeError(error)}`);
  }
}

/** room.invited: someone asks the user into a room. */
export function addInvitation(invitation) {
  pending.set(invitation.id, invitation);
  render();
}

function describe(invitation) {
  const who = invitation.invited_by?.username ?? "Someone";
  const kind = invitation.room.kind === "channel" ? "channel" : "group";
  return `${who} invites you to the ${kind} ${invitation.room.name}`;
}

function render() {
  const items = [...pending.values()].reverse();
  list.replaceChildren(
    ...items.map((invitation) => {
      const li = make("li", "notification invitation");
      li.dataset.invitationId = invitation.id;
      const title = make("span", "notification-title", describe(invitation));
      title.id = `invitation-${invitation.id}-title`;
      const actions = make("span", "invitation-actions");
      for (const [text, action] of [["Accept", "accept"], ["Decline", "decline"]]) {
        const choice = button(text, "small", `invitation-${action}`);
        choice.setAttribute("aria-describedby", title.id);
        actions.append(choice);
      }
      li.append(title, make("time", "notification-time", shortTime(invitation.created_at)), actions);
      return li;
    }),
  );
  heading.hidden = list.hidden = items.length === 0;
  list.dispatchEvent(new CustomEvent("invitationschange"));
}

/** After an answer, focus stays in the list (the next invitation) or returns to the button. */
function focusAfterAnswer(index) {
  const choices = list.querySelectorAll('[data-action="invitation-accept"]');
  (choices[Math.min(index, choices.length - 1)] ?? toggle).focus();
}

list.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action^='invitation-']");
  if (!target) return;
  const li = target.closest("li");
  const id = Number(li.dataset.invitationId);
  const index = [...list.children].indexOf(li);
  const accept = target.dataset.action === "invitation-accept";
  target.disabled = true;
  try {
    const reply = await client.request(accept ? "invitation.accept" : "invitation.decline", {
      invitation_id: id,
    });
    pending.delete(id);
    render();
    if (accept) {
      // The reply carries the room: open it now, whether or not room.created came first.
      upsertRoom(reply.room, { bump: true });
      goToRoom(reply.room.id);
    }
    else focusAfterAnswer(index);
  } catch (error) {
    target.disabled = false;
    notify(`Could not answer the invitation: ${describeError(error)}`);
    if (error.code === 4044) {
      pending.delete(id); // answered on another device meanwhile
      render();
      focusAfterAnswer(index);
    }
  }
});
