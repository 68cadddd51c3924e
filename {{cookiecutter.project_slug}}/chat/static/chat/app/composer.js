/**
 * The composer: writing, sending, replying to and editing messages.
 *
 * A message is shown at once as pending (with Retry and Discard if the server refuses it)
 * and sent through ChatClient, which re-sends it across reconnects; the pending copy goes
 * when the message comes back from the server. Enter sends, Shift+Enter adds a line, Escape
 * cancels a reply or an edit, Up arrow edits the user's last message. Whether the user may
 * post is canPost() (state.js), from the room's post_roles; renderRoomHead (room-view.js)
 * disables the composer where the user may not.
 */

import { newClientMsgId } from "../client.js";
import { hasUploads, takeUploads } from "./attachments.js";
import { button, el, make, notify, scrollToBottom } from "./dom.js";
import { describeError } from "./format.js";
import { renderPending } from "./message-view.js";
import { sendTyping } from "./presence.js";
import { canPost, client, me, pendingSends, rooms, view } from "./state.js";

export function setComposerContext(context) {
  if (!view) return;
  const wasEditing = Boolean(view.editing);
  view.replyTo = context && context.kind === "reply" ? context.message : null;
  view.editing = context && context.kind === "edit" ? context.message : null;
  el.context.hidden = !context;
  el.composer.classList.toggle("editing", Boolean(view.editing));
  if (view.replyTo) {
    const who = view.replyTo.sender ? view.replyTo.sender.username : "a message";
    el.contextText.textContent = `Replying to ${who}: ${view.replyTo.content.slice(0, 120)}`;
  } else if (view.editing) {
    el.contextText.textContent = "Editing your message";
  } else {
    el.contextText.textContent = "";
    if (wasEditing) el.input.value = "";
  }
  el.sendButton.textContent = view.editing ? "Save" : "Send";
}

el.contextCancel.addEventListener("click", () => {
  setComposerContext(null);
  el.input.focus();
});

el.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submitComposer();
});

el.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submitComposer();
  } else if (event.key === "Escape" && view && (view.replyTo || view.editing)) {
    event.preventDefault();
    setComposerContext(null);
  } else if (event.key === "ArrowUp" && !el.input.value && view) {
    // Edit my last message, as in most chat apps.
    const lastMine = [...view.items.values()]
      .reverse()
      .find((item) => me && item.message.sender?.id === me.id && !item.message.deleted);
    if (lastMine) {
      event.preventDefault();
      setComposerContext({ kind: "edit", message: lastMine.message });
      el.input.value = lastMine.message.content;
    }
  }
});

el.input.addEventListener("input", () => {
  if (el.input.value.trim() && !view?.editing) sendTyping(true);
  else sendTyping(false);
});

async function submitComposer() {
  if (!view) return;
  const content = el.input.value;
  if (!content.trim() && (view.editing || !hasUploads())) return;
  const room = rooms.get(view.roomId);
  if (!canPost(room)) return;
  if (view.editing) {
    const message = view.editing;
    try {
      await client.editMessage(message.id, content);
      setComposerContext(null);
      el.input.value = "";
    } catch (error) {
      notify(`Could not save the edit: ${describeError(error)}`);
    }
    return;
  }
  const roomId = view.roomId;
  const attachments = await takeUploads();
  if (attachments === null) return;
  const replyTo = view.replyTo;
  el.input.value = "";
  setComposerContext(null);
  sendTyping(false);
  // A message of files alone says what they are.
  const text = content.trim() ? content : attachments.map((a) => a.name).join(", ");
  send(roomId, text, replyTo, attachments.map((a) => a.id));
}

/** Show a message as pending at once, then let ChatClient deliver it (retrying if offline). */
function send(roomId, content, replyTo, attachments = []) {
  const clientMsgId = newClientMsgId();
  const li = renderPending(clientMsgId, content);
  li.tabIndex = -1;
  pendingSends.set(clientMsgId, { li, roomId, content, replyTo, attachments });
  if (view && view.roomId === roomId) {
    el.messages.append(li);
    scrollToBottom();
  }
  client
    .sendMessage(roomId, content, { replyTo: replyTo ? replyTo.id : null, clientMsgId, attachments })
    .then(
      () => dropPending(clientMsgId),
      (error) => {
        const pending = pendingSends.get(clientMsgId);
        if (!pending) return;
        li.classList.add("failed");
        li.querySelector(".msg-status").textContent = `Not sent: ${describeError(error)}`;
        const actions = make("div", "msg-actions visible");
        actions.append(button("Retry", "small", "retry-send"), button("Discard", "small", "discard-send"));
        li.querySelector(".msg-bubble").append(actions);
      },
    );
}

export function dropPending(clientMsgId) {
  const pending = pendingSends.get(clientMsgId);
  if (!pending) return;
  pending.li.remove();
  pendingSends.delete(clientMsgId);
}

export function handlePendingAction(target, action) {
  const li = target.closest(".msg");
  const pending = pendingSends.get(li.dataset.clientMsgId);
  dropPending(li.dataset.clientMsgId);
  if (action === "retry-send" && pending) {
    send(pending.roomId, pending.content, pending.replyTo, pending.attachments);
  }
}
