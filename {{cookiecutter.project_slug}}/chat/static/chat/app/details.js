/**
 * The room details dialog: the room's kind and settings, its members (each name opening the
 * person's profile card, with whether they are online; Remove and Ban for admins, Block or
 * Unblock for everyone), adding members, muting, leaving and deleting
 * the room.
 *
 * Members come a page at a time (room.info has the first, room.members the next ones): a
 * "Show more members" button at the end of the list fetches the next page.
 */

import { confirmAction } from "./ask.js";
import { withBotTag } from "./bot-tag.js";
import { $, button, el, make } from "./dom.js";
import { roomName, usernames } from "./format.js";
import { displayName } from "./names.js";
import { showDialog, showFormError } from "./dialogs.js";
import { onPresence, presenceDot, presenceOf, rememberPerson } from "./people.js";
import { renderRooms } from "./room-list.js";
import { upsertRoom } from "./rooms.js";
import { blockedIds, client, isAdmin, me, rooms, view } from "./state.js";

el.detailsButton.addEventListener("click", async () => {
  if (!view) return;
  el.membersList.replaceChildren(make("li", "muted", "Loading…"));
  showDialog(el.detailsDialog);
  await refreshDetails(view.roomId, true);
});

export async function refreshDetails(roomId, force = false) {
  if (!view || view.roomId !== roomId || (!force && !el.detailsDialog.open)) return;
  try {
    const { room } = await client.request("room.info", { room_id: roomId });
    if (view && view.roomId === roomId) {
      upsertRoom(room);
      renderDetails(room);
    }
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
}

export function renderDetails(payload) {
  const room = rooms.get(payload.id);
  if (!room) return;
  $("details-title").textContent = roomName(room);
  const kinds = { direct: "Direct conversation", group: "Group", channel: "Channel" };
  const parts = [kinds[room.kind]];
  if (room.kind === "channel") parts.push(room.isPublic ? "public" : "private");
  if (room.memberCount != null) {
    parts.push(`${room.memberCount} member${room.memberCount === 1 ? "" : "s"}`);
  }
  if (room.postingLocked) parts.push("only admins post");
  el.detailsDescription.textContent = [parts.join(", "), room.description]
    .filter(Boolean)
    .join(". ");
  const admin = isAdmin(room) && room.kind !== "direct";
  el.membersList.replaceChildren();
  for (const member of room.members || []) {
    const li = make("li", "member");
    // The name opens the member's profile card (app/profile-card.js).
    const name = button(displayName(member), "member-name", "profile");
    name.dataset.userId = member.id;
    name.setAttribute("aria-haspopup", "dialog");
    rememberPerson(member);
    li.append(withBotTag(name, member));
    if (member.display_name) li.append(make("span", "member-username muted", `@${member.username}`));
    if (member.id === me?.id) li.append(make("span", "tag", "you"));
    if (member.role === "admin") li.append(make("span", "tag", "admin"));
    li.append(presenceTag(member.id));
    if (member.id !== me?.id) {
      const blocked = blockedIds.has(member.id);
      const label = `${blocked ? "Unblock" : "Block"} ${member.username}`;
      li.append(memberButton(blocked ? "Unblock" : "Block", "small", "block-member", label, member));
    }
    if (admin && member.id !== me?.id) {
      li.append(
        memberButton("Remove", "small danger", "remove-member", `Remove ${member.username}`, member),
        memberButton("Ban", "small danger", "ban-member", `Ban ${member.username}`, member),
      );
    }
    el.membersList.append(li);
  }
  if (room.membersCursor) {
    const more = make("li", "member");
    more.append(button("Show more members", "small", "more-members", "Show more members"));
    el.membersList.append(more);
  }
  el.addMemberForm.hidden = !admin;
  el.leaveButton.hidden = room.kind === "direct";
  el.muteButton.textContent = room.muted ? "Unmute" : "Mute";
  el.muteButton.setAttribute("aria-pressed", String(Boolean(room.muted)));
  el.deleteButton.hidden = !admin;
}

/** Whether a member is online, in words and a dot: the open room's snapshot, or what the
 *  page knows of them (app/people.js). */
function presenceTag(userId) {
  const state = view?.online.has(userId) || presenceOf(userId) === "online" ? "online" : "offline";
  const tag = make("span", `tag presence-tag ${state}`);
  tag.dataset.userId = userId;
  tag.append(presenceDot(state), state);
  return tag;
}

// Someone came online or went offline: their tag changes in place (the focus stays put).
onPresence((userId) => {
  for (const tag of el.membersList.querySelectorAll(`.presence-tag[data-user-id="${userId}"]`)) {
    tag.replaceWith(presenceTag(userId));
  }
});

function memberButton(text, classes, action, label, member) {
  const control = button(text, classes, action, label);
  control.dataset.username = member.username;
  return control;
}

/** What each member button asks the server: the request and its data. */
const MEMBER_ACTIONS = {
  "remove-member": (roomId, username) => ["room.remove_members", { room_id: roomId, members: [username] }],
  "ban-member": (roomId, username) => ["room.ban", { room_id: roomId, username }],
  "block-member": (roomId, username, target) => [
    target.textContent === "Block" ? "user.block" : "user.unblock",
    { username },
  ],
};

/** Fetch the next page of the open room's members and show it below the others. */
async function showMoreMembers(roomId) {
  const room = rooms.get(roomId);
  if (!room?.membersCursor) return;
  try {
    const page = await client.request("room.members", { room_id: roomId, cursor: room.membersCursor });
    room.members = [...(room.members || []), ...page.members];
    room.membersCursor = page.next_cursor;
    room.memberCount = page.member_count;
    if (view && view.roomId === roomId) renderDetails(room);
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
}

el.membersList.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action]");
  if (target?.dataset.action === "profile") {
    const userId = Number(target.dataset.userId);
    const detail = { userId, username: target.textContent, anchor: target };
    document.dispatchEvent(new CustomEvent("chat:profile", { detail }));
    return;
  }
  if (target?.dataset.action === "more-members") {
    if (view) await showMoreMembers(view.roomId);
    return;
  }
  const action = target && MEMBER_ACTIONS[target.dataset.action];
  if (!action || !view) return;
  const [eventType, data] = action(view.roomId, target.dataset.username, target);
  if (eventType === "room.ban") {
    const heading = `Ban ${target.dataset.username} from this room?`;
    const body = "They leave the room and cannot come back until an admin lifts the ban.";
    if (!(await confirmAction({ heading, body, action: "Ban", danger: true }))) return;
  }
  try {
    await client.request(eventType, data);
    await refreshDetails(view.roomId, true);
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});

el.addMemberForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!view) return;
  const input = $("add-member-input");
  try {
    await client.request("room.add_members", {
      room_id: view.roomId,
      members: usernames(input.value),
    });
    input.value = "";
    await refreshDetails(view.roomId, true);
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});

/** Ask the server to do ``eventType`` to the open room once the user confirms ``question``. */
function confirmedRoomAction(button, eventType, question) {
  button.addEventListener("click", async () => {
    if (!view) return;
    if (!(await confirmAction({ heading: question, action: button.textContent, danger: true }))) {
      return;
    }
    try {
      await client.request(eventType, { room_id: view.roomId });
    } catch (error) {
      showFormError(el.detailsDialog, error);
    }
  });
}

confirmedRoomAction(el.leaveButton, "room.leave", "Leave this room?");
confirmedRoomAction(
  el.deleteButton,
  "room.delete",
  "Delete this room and all its messages for everyone?",
);

el.muteButton.addEventListener("click", async () => {
  const room = view && rooms.get(view.roomId);
  if (!room) return;
  try {
    // The reply says what the room now is: the room.muted event may have come first and
    // flipped room.muted already, so reading it again here would undo the mute on the page.
    const reply = await client.request("room.mute", { room_id: room.id, muted: !room.muted });
    setMuted(room.id, reply.muted);
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});

export function setMuted(roomId, muted) {
  const room = rooms.get(roomId);
  if (!room) return;
  room.muted = muted;
  renderRooms();
  if (view?.roomId === roomId) {
    el.muteButton.textContent = muted ? "Unmute" : "Mute";
    el.muteButton.setAttribute("aria-pressed", String(muted));
  }
}

