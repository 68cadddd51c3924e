/**
 * Attachments in the page: the composer's tray of uploads and the files shown in messages.
 *
 * Files come from the attach button, from being dropped on the room, or from pasting an
 * image into the message box. Each is uploaded at once (ChatClient.uploadAttachment) with its
 * progress shown; the composer sends the message when every upload is done, naming them.
 * In the history images show as thumbnails that open the full picture; other files as cards
 * with their name, size and type, which download.
 */

import { button, el, make, notify } from "./dom.js";
import { describeError, fileSize } from "./format.js";
import { client, view } from "./state.js";

const THUMBNAIL_BOX = 320; // the largest side of a thumbnail, as the server makes them

// The uploads waiting for the next message: [{file, li, bar, attachment, failed}].
let tray = [];
let trayRoom = null;

/** Start uploading files for the open room, each shown in the tray. */
export function addFiles(files) {
  if (!view || !files.length) return;
  if (trayRoom !== view.roomId) clearTray();
  trayRoom = view.roomId;
  for (const file of files) upload(file, view.roomId);
}

function upload(file, roomId) {
  const li = make("li", "upload");
  const bar = make("progress", "upload-progress");
  bar.max = 1;
  bar.value = 0;
  li.append(make("span", "upload-name", file.name || "pasted image"), bar);
  li.append(button("×", "icon-button small", "remove-upload", `Remove ${file.name || "file"}`));
  el.uploads.append(li);
  el.uploads.hidden = false;
  const entry = { file, li, bar, attachment: null, failed: false };
  tray.push(entry);
  entry.done = client
    .uploadAttachment(roomId, file, { onProgress: (sent, total) => (bar.value = sent / total) })
    .then(
      (attachment) => {
        entry.attachment = attachment;
        bar.value = 1;
        li.classList.add("uploaded");
      },
      (error) => {
        entry.failed = true;
        li.classList.add("failed");
        bar.replaceWith(make("span", "upload-error", describeError(error)));
      },
    );
}

el.uploads.addEventListener("click", (event) => {
  const target = event.target.closest('[data-action="remove-upload"]');
  if (!target) return;
  const entry = tray.find((item) => item.li.contains(target));
  tray = tray.filter((item) => item !== entry);
  entry?.li.remove();
  el.uploads.hidden = tray.length === 0;
});

function clearTray() {
  tray = [];
  el.uploads.replaceChildren();
  el.uploads.hidden = true;
}

export function hasUploads() {
  return view != null && trayRoom === view.roomId && tray.length > 0;
}

/**
 * Wait for the tray's uploads and hand them over (emptying the tray): the attachments to
 * send. Returns null, keeping the tray, if any failed.
 */
export async function takeUploads() {
  if (!hasUploads()) return [];
  await Promise.all(tray.map((entry) => entry.done));
  if (tray.some((entry) => entry.failed)) {
    notify("Remove the files that could not be uploaded, then send again.");
    return null;
  }
  const attachments = tray.map((entry) => entry.attachment);
  clearTray();
  return attachments;
}

el.attachButton.addEventListener("click", () => el.fileInput.click());
el.fileInput.addEventListener("change", () => {
  addFiles([...el.fileInput.files]);
  el.fileInput.value = "";
});
el.roomPane.addEventListener("dragover", (event) => {
  if (!event.dataTransfer?.types.includes("Files")) return;
  event.preventDefault();
  el.roomPane.classList.add("dropping");
});
el.roomPane.addEventListener("dragleave", () => el.roomPane.classList.remove("dropping"));
el.roomPane.addEventListener("drop", (event) => {
  el.roomPane.classList.remove("dropping");
  if (!event.dataTransfer?.files.length) return;
  event.preventDefault();
  addFiles([...event.dataTransfer.files]);
});
el.input.addEventListener("paste", (event) => {
  const files = [...(event.clipboardData?.files || [])];
  if (!files.length) return;
  event.preventDefault();
  addFiles(files);
});

/** The files of a message, or null: thumbnails for images, cards for everything else. */
export function renderAttachments(message) {
  if (message.deleted || !message.attachments?.length) return null;
  const list = make("ul", "msg-attachments");
  for (const attachment of message.attachments) {
    const item = make("li", "attachment");
    item.append(attachment.inline ? imageLink(attachment) : fileCard(attachment));
    list.append(item);
  }
  return list;
}

function imageLink(attachment) {
  const link = make("a", "attachment-image");
  link.href = attachment.url;
  link.target = "_blank";
  link.rel = "noopener";
  link.setAttribute("aria-label", `Open ${attachment.name}`);
  const img = make("img");
  img.src = attachment.thumbnail_url;
  img.alt = attachment.name;
  img.loading = "lazy";
  const scale = Math.min(1, THUMBNAIL_BOX / Math.max(attachment.width, attachment.height));
  img.width = Math.round(attachment.width * scale);
  img.height = Math.round(attachment.height * scale);
  link.append(img);
  return link;
}

function fileCard(attachment) {
  const card = make("a", "attachment-file");
  card.href = attachment.url;
  card.download = attachment.name;
  card.append(
    make("span", "attachment-name", attachment.name),
    make("span", "attachment-meta", `${fileSize(attachment.size)} · ${attachment.content_type}`),
  );
  return card;
}
