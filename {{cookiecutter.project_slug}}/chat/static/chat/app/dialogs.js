/**
 * The dialogs that start conversations: a new group or channel, a direct message, and
 * browsing the public channels. Also what every dialog shares: the Close buttons, opening
 * with the errors cleared, and showing an error.
 *
 * The room details dialog is details.js's.
 */

import { $, button, el, make, root } from "./dom.js";
import { describeError, usernames } from "./format.js";
import { goToRoom } from "./navigation.js";
import { upsertRoom } from "./rooms.js";
import { client } from "./state.js";

for (const closer of root.querySelectorAll("[data-close-dialog]")) {
  closer.addEventListener("click", () => closer.closest("dialog").close());
}

export function showDialog(dialog) {
  for (const error of dialog.querySelectorAll(".form-error")) error.hidden = true;
  dialog.showModal();
}

export function showFormError(dialog, error) {
  const node = dialog.querySelector(".form-error");
  node.textContent = describeError(error);
  node.hidden = false;
}

$("settings-button").addEventListener("click", () => showDialog($("settings-dialog")));

$("new-room-button").addEventListener("click", () => {
  el.newRoomForm.reset();
  $("new-room-public").disabled = true;
  showDialog(el.newRoomDialog);
});

el.newRoomForm.addEventListener("change", () => {
  const channel = el.newRoomForm.elements.kind.value === "channel";
  const box = $("new-room-public");
  box.disabled = !channel;
  if (!channel) box.checked = false;
});

el.newRoomForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = el.newRoomForm.elements;
  const data = {
    kind: form.kind.value,
    name: form.name.value.trim(),
    members: usernames(form.members.value),
  };
  if (data.kind === "channel") data.is_public = form.is_public.checked;
  await createRoom(el.newRoomDialog, data);
});

$("new-direct-button").addEventListener("click", () => {
  el.directForm.reset();
  showDialog(el.directDialog);
});

el.directForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const names = usernames(el.directForm.elements.username.value);
  await createRoom(el.directDialog, { kind: "direct", members: names.slice(0, 1) });
});

async function createRoom(dialog, data) {
  try {
    const { room } = await client.request("room.create", data);
    upsertRoom(room, { bump: true });
    dialog.close();
    goToRoom(room.id);
  } catch (error) {
    showFormError(dialog, error);
  }
}

$("discover-button").addEventListener("click", async () => {
  el.discoverList.replaceChildren(make("li", "muted", "Loading…"));
  el.discoverEmpty.hidden = true;
  showDialog(el.discoverDialog);
  try {
    const { rooms: channels } = await client.request("room.discover");
    el.discoverList.replaceChildren();
    for (const channel of channels) {
      const li = make("li", "discover-item");
      const text = make("div", "discover-text");
      text.append(make("span", "discover-name", `# ${channel.name}`));
      if (channel.description) text.append(make("span", "discover-description", channel.description));
      const action = button(
        channel.joined ? "Open" : "Join",
        channel.joined ? "small" : "small button-primary",
        channel.joined ? "open" : "join",
        `${channel.joined ? "Open" : "Join"} ${channel.name}`,
      );
      action.dataset.roomId = channel.id;
      li.append(text, action);
      el.discoverList.append(li);
    }
    el.discoverEmpty.hidden = channels.length > 0;
  } catch (error) {
    el.discoverList.replaceChildren();
    showFormError(el.discoverDialog, error);
  }
});

el.discoverList.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const roomId = Number(target.dataset.roomId);
  try {
    if (target.dataset.action === "join") {
      const { room } = await client.request("room.join", { room_id: roomId });
      upsertRoom(room, { bump: true });
    }
    el.discoverDialog.close();
    goToRoom(roomId);
  } catch (error) {
    showFormError(el.discoverDialog, error);
  }
});
