/**
 * Uploading attachments (POST /api/attachments/): the file goes over HTTP, then
 * sendMessage(roomId, content, { attachments: [id] }) names it (docs/protocol.md, Attachments).
 *
 * With options.token the upload carries `Authorization: Bearer <token>`; without one (the
 * chat page) it rides on the session cookie with the CSRF token read from Django's csrftoken
 * cookie. Progress is reported where XMLHttpRequest exists (browsers); elsewhere fetch is used.
 */

import { ChatError } from "./protocol.js";

export class UploadMethods {
  /**
   * Upload one file (a File or Blob) to a room; resolve with the attachment payload.
   * `onProgress(sent, total)` is called as the body goes out. Rejects with a ChatError whose
   * name is the server's (upload_too_large, unsupported_type, room_not_found, ...).
   */
  async uploadAttachment(roomId, file, { onProgress = null, signal = null } = {}) {
    const url =
      this.options.uploadUrl || new URL("/api/attachments/", this.url.replace(/^ws/, "http")).href;
    const body = new FormData();
    body.append("room_id", String(roomId));
    body.append("file", file, file.name || "file");
    const headers = {};
    if (this.options.token) headers.Authorization = `Bearer ${await this.options.token()}`;
    else headers["X-CSRFToken"] = csrfToken();
    const { status, text } =
      typeof globalThis.XMLHttpRequest === "function"
        ? await sendWithProgress(url, body, headers, onProgress, signal)
        : await sendWithFetch(this.options.fetch || globalThis.fetch, url, body, headers, signal);
    let answer = null;
    try {
      answer = JSON.parse(text);
    } catch {
      // A proxy's error page: reported by status below.
    }
    if (status === 201 && answer?.attachment) return answer.attachment;
    throw new ChatError(
      answer?.code ?? status,
      answer?.error ?? "upload_failed",
      answer?.detail ?? `The upload failed (HTTP ${status}).`,
    );
  }
}

function csrfToken() {
  const cookie = (globalThis.document?.cookie || "")
    .split("; ")
    .find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
}

function sendWithProgress(url, body, headers, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new ChatError(0, "network_error", "The upload was interrupted."));
    xhr.onabort = () => reject(new ChatError(0, "aborted", "The upload was cancelled."));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(body);
  });
}

async function sendWithFetch(fetchImpl, url, body, headers, signal) {
  const response = await fetchImpl(url, { method: "POST", body, headers, signal });
  return { status: response.status, text: await response.text() };
}
