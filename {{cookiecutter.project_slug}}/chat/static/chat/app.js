/**
 * The chat page: rooms, history, sending, replies, edits, reactions, typing, presence, read
 * state. All socket work is ChatClient's (client.js); this file only turns its events into
 * DOM and the user's actions into requests.
 *
 * Security: every piece of user content (messages, names, usernames, descriptions) reaches
 * the DOM through textContent or text nodes, never innerHTML. The page runs under a strict
 * Content-Security-Policy: no inline scripts, handlers or styles, so state is shown with
 * classes and the hidden attribute only.
 */

const root = document.getElementById("chat");

// The template passes client.js's hashed static URL, so a deploy never pairs a new page with
// a cached old client; "./client.js" is the fallback when the page is served without it.
const { ChatClient, ChatError, newClientMsgId } = await import(
  root.dataset.clientModule || "./client.js"
);

const REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
const PAGE_SIZE = 50;
const TYPING_SEND_EVERY = 3_000; // ms between our "typing" events while the user types
const TYPING_EXPIRES = 6_000; // ms after which someone else's typing indicator disappears
const GROUP_WINDOW = 5 * 60_000; // consecutive messages of one sender within this are grouped

const $ = (id) => document.getElementById(id);
const el = {
  connection: $("connection"),
  notice: $("notice"),
  roomList: $("room-list"),
  roomsEmpty: $("rooms-empty"),
  noRoom: $("no-room"),
  roomPane: $("room-pane"),
  roomTitle: $("room-title"),
  presence: $("presence"),
  scroll: $("messages-scroll"),
  messages: $("messages"),
  loadOlder: $("load-older"),
  historyStart: $("history-start"),
  jumpLatest: $("jump-latest"),
  typing: $("typing"),
  composer: $("composer"),
  input: $("composer-input"),
  sendButton: $("send-button"),
  context: $("composer-context"),
  contextText: $("composer-context-text"),
  contextCancel: $("composer-cancel"),
  backButton: $("back-button"),
  detailsButton: $("details-button"),
  newRoomDialog: $("new-room-dialog"),
  newRoomForm: $("new-room-form"),
  directDialog: $("direct-dialog"),
  directForm: $("direct-form"),
  discoverDialog: $("discover-dialog"),
  discoverList: $("discover-list"),
  discoverEmpty: $("discover-empty"),
  detailsDialog: $("details-dialog"),
  detailsDescription: $("details-description"),
  membersList: $("members-list"),
  addMemberForm: $("add-member-form"),
  leaveButton: $("leave-room-button"),
  deleteButton: $("delete-room-button"),
  muteButton: $("mute-room-button"),
};

// --- State --------------------------------------------------------------------------------------

/** id -> room: {id, kind, name, description, isPublic, postingLocked, role, lastSeq,
 *  lastReadSeq, peer, members, order} */
const rooms = new Map();
let me = null; // {id, username}
let roomOrder = 0; // higher = more recently active

/** The open room's view; null when none is open. */
let view = null;

function newView(roomId) {
  return {
    roomId,
    items: new Map(), // seq -> {message, li}
    oldestSeq: null,
    newestSeq: 0,
    hasMore: false,
    loadingOlder: false,
    loaded: false,
    early: [], // live messages received before the first page
    replyTo: null, // message
    editing: null, // message
    typing: new Map(), // user id -> {username, expires}
    online: new Map(), // user id -> username
    readSent: 0,
  };
}

/** client_msg_id -> {li, roomId, content, replyTo}: messages shown before the server has them. */
const pendingSends = new Map();

const client = new ChatClient();

// --- Small helpers ------------------------------------------------------------------------------

/** Create an element with a class and, optionally, text: the only way text reaches the DOM. */
function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

function button(text, className, action, label) {
  const node = make("button", `button ${className || ""}`.trim(), text);
  node.type = "button";
  if (action) node.dataset.action = action;
  if (label) node.setAttribute("aria-label", label);
  return node;
}

function roomName(room) {
  if (!room) return "";
  if (room.kind === "direct") return room.peer ? room.peer.username : "Direct message";
  return room.name || `Room ${room.id}`;
}

function roomIcon(room) {
  return { direct: "@", channel: "#", group: "👥" }[room.kind] || "";
}

function unreadOf(room) {
  // A muted room shows no badge; its messages are still there when it is opened.
  if (room.muted) return 0;
  return Math.max(0, room.lastSeq - room.lastReadSeq);
}

function canPost(room) {
  if (!room) return false;
  if (room.role === "admin") return true;
  return !(room.kind === "channel" || room.postingLocked);
}

function isAdmin(room) {
  return room && room.role === "admin";
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

function shortTime(iso) {
  const date = new Date(iso);
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return timeFormat.format(date);
  return dateTimeFormat.format(date);
}

let noticeTimer = null;
function notify(text) {
  el.notice.textContent = text;
  el.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    el.notice.hidden = true;
  }, 6_000);
}

function describeError(error) {
  if (error instanceof ChatError) {
    if (error.type === "timeout" || error.type === "disconnected") {
      return "The connection is down; try again in a moment.";
    }
    return error.detail;
  }
  return String(error);
}

// --- Rooms --------------------------------------------------------------------------------------

/**
 * Add or update a room from any server payload (room.list, room.create, room.created, ...).
 *
 * `mine` says whether the payload's membership fields (role, last_read_seq) are this user's.
 * They are not in room.updated: the server broadcasts the acting admin's membership there.
 */
function upsertRoom(payload, { bump = false, mine = true } = {}) {
  const existing = rooms.get(payload.id);
  const room = existing || {
    id: payload.id,
    lastSeq: 0,
    lastReadSeq: 0,
    order: 0,
    members: null,
    peer: null,
    role: "member",
  };
  room.kind = payload.kind;
  room.name = payload.name;
  room.description = payload.description || "";
  room.isPublic = Boolean(payload.is_public);
  room.postingLocked = Boolean(payload.posting_locked);
  room.lastSeq = Math.max(room.lastSeq, payload.last_seq || 0);
  if (payload.members) {
    room.members = payload.members;
    // The member list is the reliable source of my role, whoever's membership came along.
    const myEntry = payload.members.find((member) => member.id === me?.id);
    if (myEntry) room.role = myEntry.role;
    if (room.kind === "direct") {
      room.peer = payload.members.find((member) => member.id !== me?.id) || room.peer;
    }
  } else if (mine && payload.role) {
    room.role = payload.role;
  }
  if (payload.peer) room.peer = payload.peer;
  if (mine && payload.muted != null) room.muted = Boolean(payload.muted);
  if (mine && payload.last_read_seq != null) {
    room.lastReadSeq = Math.max(room.lastReadSeq, payload.last_read_seq);
  } else if (!existing) {
    // New members start with everything before their arrival read.
    room.lastReadSeq = room.lastSeq;
  }
  if (bump) room.order = ++roomOrder;
  rooms.set(room.id, room);
  renderRooms();
  if (view && view.roomId === room.id) renderRoomHead();
  return room;
}

function removeRoom(roomId, message) {
  const room = rooms.get(roomId);
  if (!room) return;
  rooms.delete(roomId);
  renderRooms();
  if (view && view.roomId === roomId) {
    closeRoom();
    if (el.detailsDialog.open) el.detailsDialog.close();
    if (message) notify(message.replace("{name}", roomName(room)));
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }
}

async function loadRooms() {
  const { rooms: list } = await client.request("room.list");
  const seen = new Set();
  // room.list comes most recently active first; rooms active since the page opened stay on top.
  list.forEach((payload, index) => {
    seen.add(payload.id);
    const room = upsertRoom(payload);
    if (room.order <= 0) room.order = -index - 1;
  });
  for (const id of [...rooms.keys()]) if (!seen.has(id)) removeRoom(id, "{name} is no longer available.");
  renderRooms();
}

/** Keyed update of the room list: existing rows are reused so focus is not lost. */
const roomRows = new Map();
function renderRooms() {
  const ordered = [...rooms.values()].sort((a, b) => b.order - a.order || a.id - b.id);
  for (const [id, li] of roomRows) {
    if (!rooms.has(id)) {
      li.remove();
      roomRows.delete(id);
    }
  }
  const focused = document.activeElement;
  let moved = false;
  ordered.forEach((room, index) => {
    let li = roomRows.get(room.id);
    if (!li) {
      li = make("li", "room-row");
      const btn = button(null, "room-item", "open-room");
      btn.dataset.roomId = room.id;
      btn.append(
        make("span", "room-icon"),
        make("span", "room-name"),
        make("span", "badge"),
      );
      btn.querySelector(".room-icon").setAttribute("aria-hidden", "true");
      li.append(btn);
      roomRows.set(room.id, li);
    }
    const btn = li.firstChild;
    btn.querySelector(".room-icon").textContent = roomIcon(room);
    btn.querySelector(".room-name").textContent = roomName(room);
    const unread = unreadOf(room);
    const badge = btn.querySelector(".badge");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
    btn.classList.toggle("has-unread", unread > 0);
    btn.setAttribute(
      "aria-label",
      `${roomName(room)}${room.kind === "channel" ? " (channel)" : ""}${unread ? `, ${unread} unread` : ""}`,
    );
    if (view && view.roomId === room.id) btn.setAttribute("aria-current", "true");
    else btn.removeAttribute("aria-current");
    if (el.roomList.children[index] !== li) {
      if (li.contains(focused)) moved = true;
      el.roomList.insertBefore(li, el.roomList.children[index] || null);
    }
  });
  if (moved && focused) focused.focus();
  el.roomsEmpty.hidden = rooms.size > 0;
  const total = [...rooms.values()].reduce((sum, room) => sum + unreadOf(room), 0);
  const base = document.title.replace(/^\(\d+\+?\) /, "");
  document.title = total ? `(${total > 99 ? "99+" : total}) ${base}` : base;
}

// --- Opening a room and its history ------------------------------------------------------------

function openRoomFromHash() {
  const match = /^#room\/(\d+)$/.exec(location.hash);
  if (!match) {
    pushedRoom = false;
    if (view) closeRoom();
    return;
  }
  const roomId = Number(match[1]);
  if (!rooms.has(roomId)) return;
  if (!view || view.roomId !== roomId) openRoom(roomId);
  root.dataset.view = "room";
}

// Whether the open room's history entry was pushed by this page (so Back can pop it).
let pushedRoom = false;

/** Open a room through the URL (#room/ID), so that Back returns to the room list on phones. */
function goToRoom(roomId) {
  const hash = `#room/${roomId}`;
  if (location.hash === hash) {
    openRoomFromHash();
  } else if (view) {
    // From room to room: replace the entry, so the history stays [list, room].
    history.replaceState(null, "", hash);
    openRoomFromHash();
  } else {
    pushedRoom = true;
    location.hash = hash; // hashchange opens it
  }
}

async function openRoom(roomId) {
  sendTyping(false);
  view = newView(roomId);
  const current = view;
  el.messages.replaceChildren();
  el.noRoom.hidden = true;
  el.roomPane.hidden = false;
  el.loadOlder.hidden = true;
  el.historyStart.hidden = true;
  el.jumpLatest.hidden = true;
  el.presence.textContent = "";
  el.typing.textContent = "";
  setComposerContext(null);
  renderRoomHead();
  renderRooms();
  root.dataset.view = "room";
  try {
    const page = await client.history(roomId, { limit: PAGE_SIZE });
    if (view !== current) return;
    insertMessages(page.messages);
    // Live messages that arrived while the page was on its way (duplicates are skipped).
    insertMessages(view.early);
    view.early = [];
    for (const pending of pendingSends.values()) {
      if (pending.roomId === roomId) el.messages.append(pending.li);
    }
    view.hasMore = page.has_more;
    view.loaded = true;
    renderHistoryEdge();
    scrollToBottom();
    fillViewport();
    markRead();
  } catch (error) {
    if (view === current) notify(`Could not load the messages: ${describeError(error)}`);
  }
  loadPresence(roomId);
  if (matchMedia("(min-width: 48rem)").matches) el.input.focus();
}

function closeRoom() {
  sendTyping(false);
  view = null;
  el.roomPane.hidden = true;
  el.noRoom.hidden = false;
  root.dataset.view = "rooms";
  renderRooms();
}

function renderRoomHead() {
  const room = view && rooms.get(view.roomId);
  if (!room) return;
  el.roomTitle.textContent = `${roomIcon(room)} ${roomName(room)}`.trim();
  const allowed = canPost(room);
  el.input.disabled = !allowed;
  el.sendButton.disabled = !allowed;
  el.input.placeholder = allowed
    ? `Message ${roomName(room)}`
    : room.kind === "channel"
      ? "Only admins post in this channel"
      : "Only admins can post in this group";
  if (client.limits.max_content_chars) el.input.maxLength = client.limits.max_content_chars;
  renderPresence();
}

async function loadOlder() {
  if (!view || !view.hasMore || view.loadingOlder || view.oldestSeq == null) return;
  const current = view;
  view.loadingOlder = true;
  el.loadOlder.disabled = true;
  el.loadOlder.textContent = "Loading…";
  try {
    const page = await client.history(view.roomId, {
      beforeSeq: view.oldestSeq,
      limit: PAGE_SIZE,
    });
    if (view !== current) return;
    // Keep what the user is looking at in place while older messages go in above it.
    const before = el.scroll.scrollHeight - el.scroll.scrollTop;
    insertMessages(page.messages);
    view.hasMore = page.has_more;
    el.scroll.scrollTop = el.scroll.scrollHeight - before;
  } catch (error) {
    notify(`Could not load older messages: ${describeError(error)}`);
  } finally {
    current.loadingOlder = false;
    el.loadOlder.disabled = false;
    el.loadOlder.textContent = "Load older messages";
    if (view === current) renderHistoryEdge();
  }
  fillViewport();
}

/** Load older pages until the history fills the pane, so it can scroll at all. */
function fillViewport() {
  if (view && view.hasMore && el.scroll.scrollHeight <= el.scroll.clientHeight + 40) loadOlder();
}

function renderHistoryEdge() {
  el.loadOlder.hidden = !view.hasMore;
  el.historyStart.hidden = view.hasMore || !view.loaded;
}

function nearBottom() {
  return el.scroll.scrollHeight - el.scroll.scrollTop - el.scroll.clientHeight < 48;
}

function scrollToBottom() {
  el.scroll.scrollTop = el.scroll.scrollHeight;
  el.jumpLatest.hidden = true;
}

// --- Messages -----------------------------------------------------------------------------------

/** Insert messages of the open room by seq; a seq already shown is updated, not repeated. */
function insertMessages(messages) {
  for (const message of messages) {
    if (!view || message.room_id !== view.roomId) continue;
    const existing = view.items.get(message.seq);
    if (existing) {
      updateMessage(message);
      continue;
    }
    const li = renderMessage(message);
    view.items.set(message.seq, { message, li });
    // Find the first shown message with a higher seq; usually there is none (live append).
    let next = null;
    if (view.newestSeq > message.seq) {
      for (const child of el.messages.children) {
        if (child.dataset.seq && Number(child.dataset.seq) > message.seq) {
          next = child;
          break;
        }
      }
    } else {
      // Pending (not yet acknowledged) bubbles stay at the very bottom.
      next = el.messages.querySelector(".msg.pending");
    }
    el.messages.insertBefore(li, next);
    view.newestSeq = Math.max(view.newestSeq, message.seq);
    view.oldestSeq = view.oldestSeq == null ? message.seq : Math.min(view.oldestSeq, message.seq);
    regroup(li);
    regroup(li.nextElementSibling);
  }
}

/** Hide the sender line of a message that continues the previous one's sender. */
function regroup(li) {
  if (!li || !li.dataset.seq) return;
  const prev = li.previousElementSibling;
  const item = view.items.get(Number(li.dataset.seq));
  const prevItem = prev && prev.dataset.seq ? view.items.get(Number(prev.dataset.seq)) : null;
  const grouped =
    prevItem &&
    item &&
    !item.message.reply_to &&
    prevItem.message.sender?.id === item.message.sender?.id &&
    new Date(item.message.created_at) - new Date(prevItem.message.created_at) < GROUP_WINDOW;
  li.classList.toggle("continued", Boolean(grouped));
}

function updateMessage(message) {
  if (!view || message.room_id !== view.roomId) return;
  const item = view.items.get(message.seq);
  if (!item) return;
  // Changes can arrive twice (live and from a catch-up) or out of order: newest rev wins.
  if (message.rev < item.message.rev) return;
  const li = renderMessage(message);
  li.classList.toggle("continued", item.li.classList.contains("continued"));
  const hadFocus = item.li.contains(document.activeElement);
  const focusedAction = hadFocus ? document.activeElement.dataset.action : null;
  item.li.replaceWith(li);
  item.message = message;
  item.li = li;
  if (view.editing && view.editing.id === message.id && message.deleted) setComposerContext(null);
  if (hadFocus) (li.querySelector(`[data-action="${focusedAction}"]`) || li).focus();
  // Replies quoting this message show its new text.
  for (const other of view.items.values()) {
    if (other.message.reply_to && other.message.reply_to.id === message.id) {
      other.message.reply_to = {
        ...other.message.reply_to,
        content: message.content,
        deleted: message.deleted,
      };
      const quote = other.li.querySelector(".msg-quote-text");
      if (quote) quote.textContent = message.deleted ? "Deleted message" : message.content;
    }
  }
}

function renderMessage(message) {
  const mine = me && message.sender && message.sender.id === me.id;
  const li = make("li", "msg");
  li.dataset.seq = message.seq;
  li.dataset.id = message.id;
  li.tabIndex = -1;
  li.classList.toggle("mine", Boolean(mine));
  li.classList.toggle("deleted", message.deleted);

  const bubble = make("div", "msg-bubble");
  const meta = make("div", "msg-meta");
  meta.append(make("span", "msg-sender", message.sender ? message.sender.username : "Deleted user"));
  const time = make("time", "msg-time", shortTime(message.created_at));
  time.dateTime = message.created_at;
  time.title = dateTimeFormat.format(new Date(message.created_at));
  meta.append(time);
  if (message.edited_at && !message.deleted) meta.append(make("span", "msg-edited", "edited"));
  bubble.append(meta);

  if (message.reply_to) {
    const quote = make("button", "msg-quote");
    quote.type = "button";
    quote.dataset.action = "show-quoted";
    quote.dataset.seq = message.reply_to.seq;
    quote.setAttribute(
      "aria-label",
      `Reply to ${message.reply_to.sender ? message.reply_to.sender.username : "a message"}`,
    );
    quote.append(
      make("span", "msg-quote-sender", message.reply_to.sender?.username ?? "Deleted user"),
      make(
        "span",
        "msg-quote-text",
        message.reply_to.deleted ? "Deleted message" : message.reply_to.content,
      ),
    );
    bubble.append(quote);
  }

  bubble.append(make("p", "msg-body", message.deleted ? "This message was deleted." : message.content));

  if (message.reactions && message.reactions.length) {
    const reactions = make("div", "msg-reactions");
    for (const reaction of message.reactions) {
      const mineReaction = me && reaction.user_ids.includes(me.id);
      const chip = button(null, `reaction${mineReaction ? " mine" : ""}`, "toggle-reaction");
      chip.dataset.emoji = reaction.emoji;
      chip.setAttribute("aria-pressed", mineReaction ? "true" : "false");
      chip.setAttribute(
        "aria-label",
        `${reaction.emoji} ${reaction.count}${mineReaction ? ", including you" : ""}`,
      );
      chip.append(make("span", "reaction-emoji", reaction.emoji), make("span", "reaction-count", reaction.count));
      reactions.append(chip);
    }
    bubble.append(reactions);
  }
  li.append(bubble);

  if (!message.deleted) {
    const room = rooms.get(message.room_id);
    const actions = make("div", "msg-actions");
    actions.setAttribute("role", "group");
    actions.setAttribute("aria-label", "Message actions");
    if (canPost(room)) actions.append(button("Reply", "small", "reply"));
    const reactButton = button("React", "small", "pick-reaction");
    reactButton.setAttribute("aria-expanded", "false");
    actions.append(reactButton);
    if (mine) actions.append(button("Edit", "small", "edit"));
    if (mine || isAdmin(room)) actions.append(button("Delete", "small danger", "delete"));
    bubble.append(actions); // a toolbar over the bubble's edge, shown on hover or focus

    const picker = make("div", "emoji-picker");
    picker.hidden = true;
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "Pick a reaction");
    for (const emoji of REACTIONS) {
      const choice = button(emoji, "emoji-choice", "react", `React with ${emoji}`);
      choice.dataset.emoji = emoji;
      picker.append(choice);
    }
    li.append(picker);
  }
  return li;
}

function messageOf(node) {
  const li = node.closest(".msg");
  if (!li || !view || !li.dataset.seq) return null;
  return view.items.get(Number(li.dataset.seq))?.message ?? null;
}

el.messages.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const action = target.dataset.action;
  if (action === "retry-send" || action === "discard-send") {
    handlePendingAction(target, action);
    return;
  }
  const message = messageOf(target);
  if (!message) return;
  const li = target.closest(".msg");
  try {
    if (action === "reply") {
      setComposerContext({ kind: "reply", message });
      el.input.focus();
    } else if (action === "edit") {
      setComposerContext({ kind: "edit", message });
      el.input.value = message.content;
      el.input.focus();
    } else if (action === "delete") {
      if (confirm("Delete this message for everyone?")) await client.deleteMessage(message.id);
    } else if (action === "pick-reaction") {
      const picker = li.querySelector(".emoji-picker");
      picker.hidden = !picker.hidden;
      target.setAttribute("aria-expanded", String(!picker.hidden));
      if (!picker.hidden) picker.querySelector("button").focus();
    } else if (action === "react") {
      li.querySelector(".emoji-picker").hidden = true;
      const mineNow = message.reactions.find((r) => me && r.user_ids.includes(me.id));
      await client.react(message.id, mineNow?.emoji === target.dataset.emoji ? "" : target.dataset.emoji);
    } else if (action === "toggle-reaction") {
      const reaction = message.reactions.find((r) => r.emoji === target.dataset.emoji);
      const mineNow = reaction && me && reaction.user_ids.includes(me.id);
      await client.react(message.id, mineNow ? "" : target.dataset.emoji);
    } else if (action === "show-quoted") {
      const quoted = view.items.get(Number(target.dataset.seq));
      if (quoted) {
        quoted.li.scrollIntoView({ block: "center" });
        quoted.li.focus();
      }
    }
  } catch (error) {
    notify(describeError(error));
  }
});

el.messages.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const picker = event.target.closest(".emoji-picker");
  if (picker) {
    picker.hidden = true;
    const opener = picker.closest(".msg").querySelector('[data-action="pick-reaction"]');
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  }
});

// --- Sending ------------------------------------------------------------------------------------

function setComposerContext(context) {
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
  if (!content.trim()) return;
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
  const replyTo = view.replyTo;
  el.input.value = "";
  setComposerContext(null);
  sendTyping(false);
  send(view.roomId, content, replyTo);
}

/** Show a message as pending at once, then let ChatClient deliver it (retrying if offline). */
function send(roomId, content, replyTo) {
  const clientMsgId = newClientMsgId();
  const li = make("li", "msg mine pending");
  li.dataset.clientMsgId = clientMsgId;
  const bubble = make("div", "msg-bubble");
  const meta = make("div", "msg-meta");
  meta.append(make("span", "msg-sender", me?.username ?? ""), make("span", "msg-status", "Sending…"));
  bubble.append(meta, make("p", "msg-body", content));
  li.append(bubble);
  pendingSends.set(clientMsgId, { li, roomId, content, replyTo });
  if (view && view.roomId === roomId) {
    el.messages.append(li);
    scrollToBottom();
  }
  client
    .sendMessage(roomId, content, { replyTo: replyTo ? replyTo.id : null, clientMsgId })
    .then(
      () => dropPending(clientMsgId),
      (error) => {
        const pending = pendingSends.get(clientMsgId);
        if (!pending) return;
        li.classList.add("failed");
        meta.querySelector(".msg-status").textContent = `Not sent: ${describeError(error)}`;
        const actions = make("div", "msg-actions visible");
        actions.append(button("Retry", "small", "retry-send"), button("Discard", "small", "discard-send"));
        li.append(actions);
      },
    );
}

function dropPending(clientMsgId) {
  const pending = pendingSends.get(clientMsgId);
  if (!pending) return;
  pending.li.remove();
  pendingSends.delete(clientMsgId);
}

function handlePendingAction(target, action) {
  const li = target.closest(".msg");
  const pending = pendingSends.get(li.dataset.clientMsgId);
  dropPending(li.dataset.clientMsgId);
  if (action === "retry-send" && pending) send(pending.roomId, pending.content, pending.replyTo);
}

// --- Typing -------------------------------------------------------------------------------------

let typingSentAt = 0;
let typingRoom = null;

/** Tell the room we type, at most every TYPING_SEND_EVERY ms; and once when we stop. */
function sendTyping(isTyping) {
  const now = Date.now();
  if (isTyping && view) {
    if (typingRoom === view.roomId && now - typingSentAt < TYPING_SEND_EVERY) return;
    typingRoom = view.roomId;
    typingSentAt = now;
    client.typing(view.roomId, true).catch(() => {});
  } else if (typingRoom !== null) {
    client.typing(typingRoom, false).catch(() => {});
    typingRoom = null;
    typingSentAt = 0;
  }
}

function renderTyping() {
  if (!view) return;
  const now = Date.now();
  for (const [id, entry] of view.typing) if (entry.expires <= now) view.typing.delete(id);
  const names = [...view.typing.values()].map((entry) => entry.username);
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = "Several people are typing…";
  if (el.typing.textContent !== text) el.typing.textContent = text;
}
setInterval(renderTyping, 1_000);

// --- Presence -----------------------------------------------------------------------------------

async function loadPresence(roomId) {
  try {
    const { online } = await client.request("presence", { room_id: roomId });
    if (!view || view.roomId !== roomId) return;
    view.online = new Map(online.map((user) => [user.id, user.username]));
    renderPresence();
  } catch {
    // Presence is a nicety; the next presence.changed fills it in.
  }
}

function renderPresence() {
  if (!view) return;
  const room = rooms.get(view.roomId);
  const others = [...view.online].filter(([id]) => !me || id !== me.id).map(([, name]) => name);
  others.sort((a, b) => a.localeCompare(b));
  let text;
  if (room && room.kind === "direct") text = others.length ? "Online" : "Offline";
  else if (others.length === 0) text = "No one else is online";
  else if (others.length <= 5) text = `Online: ${others.join(", ")}`;
  else text = `Online: ${others.slice(0, 5).join(", ")} and ${others.length - 5} more`;
  el.presence.textContent = text;
  el.presence.classList.toggle("someone-online", others.length > 0);
}

// --- Read state ---------------------------------------------------------------------------------

const pendingReads = new Map(); // room id -> {timer, send}: message.read waiting to go out

/** Tell the server what the user has seen: the newest message of the open room, if visible. */
function markRead() {
  if (!view || !view.loaded || document.visibilityState !== "visible") return;
  if (!nearBottom()) return;
  const room = rooms.get(view.roomId);
  const seq = view.newestSeq;
  if (!room || seq <= room.lastReadSeq || seq <= view.readSent) return;
  view.readSent = seq;
  room.lastReadSeq = seq;
  renderRooms();
  // Batch bursts of messages into one message.read per room.
  const roomId = room.id;
  clearTimeout(pendingReads.get(roomId)?.timer);
  const sendRead = () => {
    pendingReads.delete(roomId);
    client.markRead(roomId, seq).catch(() => {
      if (view && view.roomId === roomId) view.readSent = 0;
    });
  };
  pendingReads.set(roomId, { timer: setTimeout(sendRead, 300), send: sendRead });
}

document.addEventListener("visibilitychange", markRead);
window.addEventListener("focus", markRead);
// Closing the tab right after reading still counts as read.
window.addEventListener("pagehide", () => {
  for (const { timer, send } of [...pendingReads.values()]) {
    clearTimeout(timer);
    send();
  }
});

// --- Scrolling ----------------------------------------------------------------------------------

el.scroll.addEventListener("scroll", () => {
  if (!view) return;
  if (el.scroll.scrollTop < 200) loadOlder();
  if (nearBottom()) {
    el.jumpLatest.hidden = true;
    markRead();
  }
});
el.loadOlder.addEventListener("click", loadOlder);
el.jumpLatest.addEventListener("click", () => {
  scrollToBottom();
  markRead();
});

// --- ChatClient events --------------------------------------------------------------------------

client.addEventListener("statechange", ({ detail }) => {
  root.dataset.connection = detail.state;
  const texts = {
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    open: "",
    closed: "Disconnected.",
  };
  el.connection.textContent = texts[detail.state] ?? "";
  el.connection.hidden = detail.state === "open";
});

client.addEventListener("close", ({ detail }) => {
  if (detail.willReconnect) return;
  if (detail.code === 4001 || detail.code === 4010) {
    location.assign(root.dataset.loginUrl || "/accounts/login/");
    return;
  }
  el.connection.textContent =
    detail.code === 4008
      ? "This chat was opened in too many other tabs or devices. "
      : "Disconnected. ";
  const again = button("Reconnect", "small", null);
  again.addEventListener("click", () => client.connect());
  el.connection.append(again);
  el.connection.hidden = false;
});

client.addEventListener("open", async ({ detail }) => {
  me = detail.hello.user;
  try {
    await loadRooms();
  } catch (error) {
    notify(`Could not load your rooms: ${describeError(error)}`);
    return;
  }
  if (detail.reconnected) {
    // Messages missed while offline arrive through ChatClient's catch-up; presence does not.
    if (view && rooms.has(view.roomId)) loadPresence(view.roomId);
  } else {
    openRoomFromHash();
  }
});

client.addEventListener("message", ({ detail }) => {
  const { message } = detail;
  const room = rooms.get(message.room_id);
  if (!room) {
    // A room we do not know yet (its room.created was missed): fetch the list again.
    loadRooms().catch(() => {});
    return;
  }
  room.lastSeq = Math.max(room.lastSeq, message.seq);
  if (me && message.sender?.id === me.id) room.lastReadSeq = Math.max(room.lastReadSeq, message.seq);
  room.order = ++roomOrder;
  if (message.client_msg_id && message.sender?.id === me?.id) dropPending(message.client_msg_id);
  if (view && view.roomId === message.room_id && !view.loaded) view.early.push(message);
  if (view && view.roomId === message.room_id && view.loaded) {
    const stick = nearBottom() || (me && message.sender?.id === me.id);
    insertMessages([message]);
    view.typing.delete(message.sender?.id);
    renderTyping();
    if (stick) scrollToBottom();
    else el.jumpLatest.hidden = false;
    markRead();
  }
  renderRooms();
});

client.addEventListener("messagechange", ({ detail }) => updateMessage(detail.message));

client.addEventListener("reset", ({ detail }) => {
  // Too much was missed to replay: show the room's newest page afresh.
  if (view && view.roomId === detail.room_id) openRoom(detail.room_id);
});

client.addEventListener("positions", ({ detail }) => {
  for (const position of detail.rooms) {
    const room = rooms.get(position.id);
    if (!room) continue;
    room.lastSeq = Math.max(room.lastSeq, position.last_seq);
    room.lastReadSeq = Math.max(room.lastReadSeq, position.last_read_seq);
  }
  if (detail.added.length) loadRooms().catch(() => {});
  renderRooms();
});

client.addEventListener("room.created", ({ detail }) => {
  upsertRoom(detail.room, { bump: true });
});

client.addEventListener("room.updated", ({ detail }) => {
  upsertRoom(detail.room, { mine: false });
  if (view && view.roomId === detail.room.id && el.detailsDialog.open) renderDetails(detail.room);
});

client.addEventListener("room.deleted", ({ detail }) => {
  removeRoom(detail.room_id, "{name} was deleted.");
});

client.addEventListener("room.removed", ({ detail }) => {
  const reasons = {
    removed: "You were removed from {name}.",
    left: "You left {name}.",
  };
  removeRoom(detail.room_id, reasons[detail.reason] || "{name} is no longer available.");
});

client.addEventListener("room.members_added", ({ detail }) => refreshDetails(detail.room_id));
client.addEventListener("room.members_removed", ({ detail }) => {
  if (view && view.roomId === detail.room_id) {
    for (const id of detail.user_ids || []) view.online.delete(id);
    renderPresence();
  }
  refreshDetails(detail.room_id);
});

client.addEventListener("room.read", ({ detail }) => {
  const room = rooms.get(detail.room_id);
  if (room && me && detail.user.id === me.id) {
    // Read in another tab or device.
    room.lastReadSeq = Math.max(room.lastReadSeq, detail.last_read_seq);
    renderRooms();
  }
});

client.addEventListener("room.typing", ({ detail }) => {
  if (!view || view.roomId !== detail.room_id || (me && detail.user.id === me.id)) return;
  if (detail.is_typing) {
    view.typing.set(detail.user.id, {
      username: detail.user.username,
      expires: Date.now() + TYPING_EXPIRES,
    });
  } else {
    view.typing.delete(detail.user.id);
  }
  renderTyping();
});

client.addEventListener("presence.changed", ({ detail }) => {
  if (!view || view.roomId !== detail.room_id) return;
  if (detail.online) view.online.set(detail.user.id, detail.user.username);
  else view.online.delete(detail.user.id);
  renderPresence();
});

client.addEventListener("error", ({ detail }) => notify(detail.detail));

// --- Navigation ---------------------------------------------------------------------------------

el.roomList.addEventListener("click", (event) => {
  const target = event.target.closest('[data-action="open-room"]');
  if (target) goToRoom(Number(target.dataset.roomId));
});

window.addEventListener("hashchange", openRoomFromHash);

el.backButton.addEventListener("click", () => {
  if (pushedRoom) {
    pushedRoom = false;
    history.back(); // hashchange closes the room
  } else {
    history.replaceState(null, "", location.pathname + location.search);
    closeRoom();
  }
});

// --- Dialogs ------------------------------------------------------------------------------------

for (const closer of root.querySelectorAll("[data-close-dialog]")) {
  closer.addEventListener("click", () => closer.closest("dialog").close());
}

function showDialog(dialog) {
  for (const error of dialog.querySelectorAll(".form-error")) error.hidden = true;
  dialog.showModal();
}

function showFormError(dialog, error) {
  const node = dialog.querySelector(".form-error");
  node.textContent = describeError(error);
  node.hidden = false;
}

function usernames(text) {
  return text
    .split(/[\s,]+/)
    .map((name) => name.trim().replace(/^@/, ""))
    .filter(Boolean);
}

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

el.detailsButton.addEventListener("click", async () => {
  if (!view) return;
  el.membersList.replaceChildren(make("li", "muted", "Loading…"));
  showDialog(el.detailsDialog);
  await refreshDetails(view.roomId, true);
});

async function refreshDetails(roomId, force = false) {
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

function renderDetails(payload) {
  const room = rooms.get(payload.id);
  if (!room) return;
  $("details-title").textContent = roomName(room);
  const kinds = { direct: "Direct conversation", group: "Group", channel: "Channel" };
  const parts = [kinds[room.kind]];
  if (room.kind === "channel") parts.push(room.isPublic ? "public" : "private");
  if (room.postingLocked) parts.push("only admins post");
  el.detailsDescription.textContent = [parts.join(", "), room.description]
    .filter(Boolean)
    .join(". ");
  const admin = isAdmin(room) && room.kind !== "direct";
  el.membersList.replaceChildren();
  for (const member of payload.members || []) {
    const li = make("li", "member");
    const name = make("span", "member-name", member.username);
    li.append(name);
    if (member.id === me?.id) li.append(make("span", "tag", "you"));
    if (member.role === "admin") li.append(make("span", "tag", "admin"));
    if (view?.online.has(member.id)) li.append(make("span", "tag online", "online"));
    if (admin && member.id !== me?.id) {
      const remove = button("Remove", "small danger", "remove-member", `Remove ${member.username}`);
      remove.dataset.username = member.username;
      li.append(remove);
    }
    el.membersList.append(li);
  }
  el.addMemberForm.hidden = !admin;
  el.leaveButton.hidden = room.kind === "direct";
  el.muteButton.textContent = room.muted ? "Unmute" : "Mute";
  el.muteButton.setAttribute("aria-pressed", String(Boolean(room.muted)));
  el.deleteButton.hidden = !admin;
}

el.membersList.addEventListener("click", async (event) => {
  const target = event.target.closest('[data-action="remove-member"]');
  if (!target || !view) return;
  try {
    await client.request("room.remove_members", {
      room_id: view.roomId,
      members: [target.dataset.username],
    });
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

el.leaveButton.addEventListener("click", async () => {
  if (!view || !confirm("Leave this room?")) return;
  try {
    await client.request("room.leave", { room_id: view.roomId });
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});

el.muteButton.addEventListener("click", async () => {
  const room = view && rooms.get(view.roomId);
  if (!room) return;
  try {
    await client.request("room.mute", { room_id: room.id, muted: !room.muted });
    setMuted(room.id, !room.muted);
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});

function setMuted(roomId, muted) {
  const room = rooms.get(roomId);
  if (!room) return;
  room.muted = muted;
  renderRooms();
  if (view?.roomId === roomId) {
    el.muteButton.textContent = muted ? "Unmute" : "Mute";
    el.muteButton.setAttribute("aria-pressed", String(muted));
  }
}

// Muted or unmuted on another of my devices.
client.addEventListener("room.muted", ({ detail }) => setMuted(detail.room_id, detail.muted));

el.deleteButton.addEventListener("click", async () => {
  if (!view || !confirm("Delete this room and all its messages for everyone?")) return;
  try {
    await client.request("room.delete", { room_id: view.roomId });
  } catch (error) {
    showFormError(el.detailsDialog, error);
  }
});

// For debugging from the console, and for the browser tests.
window.chatClient = client;
