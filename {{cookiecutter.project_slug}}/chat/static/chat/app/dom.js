/**
 * The page's elements and the few ways anything reaches them.
 *
 * `el` holds every element of chat/templates/chat/index.html the code touches, looked up
 * once. `make` and `button` are the only ways text reaches the DOM (textContent, never
 * innerHTML). Also the notice line and the message pane's scroll position, which several
 * panes read. No state of the chat itself; no imports.
 */

/** The chat's root element: data-view, data-connection and data-login-url live on it. */
export const root = document.getElementById("chat");

export const $ = (id) => document.getElementById(id);
export const el = {
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
  attachButton: $("attach-button"),
  fileInput: $("file-input"),
  uploads: $("uploads"),
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

/** Create an element with a class and, optionally, text: the only way text reaches the DOM. */
export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

export function button(text, className, action, label) {
  const node = make("button", `button ${className || ""}`.trim(), text);
  node.type = "button";
  if (action) node.dataset.action = action;
  if (label) node.setAttribute("aria-label", label);
  return node;
}

let noticeTimer = null;
export function notify(text) {
  el.notice.textContent = text;
  el.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    el.notice.hidden = true;
  }, 6_000);
}

/** Whether the message pane is scrolled (nearly) to its newest message. */
export function nearBottom() {
  return el.scroll.scrollHeight - el.scroll.scrollTop - el.scroll.clientHeight < 48;
}

export function scrollToBottom() {
  el.scroll.scrollTop = el.scroll.scrollHeight;
  el.jumpLatest.hidden = true;
}
