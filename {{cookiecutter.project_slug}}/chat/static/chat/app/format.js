/**
 * Text the page shows for rooms, times and errors, and the parsing of typed usernames.
 *
 * Pure functions of their arguments (and of the browser's locale).
 */

import { ChatError } from "../client.js";
import { displayName } from "./names.js";

export function roomName(room) {
  if (!room) return "";
  if (room.kind === "direct") return room.peer ? displayName(room.peer) : "Direct message";
  return room.name || `Room ${room.id}`;
}

export function roomIcon(room) {
  return { direct: "@", channel: "#", group: "👥" }[room.kind] || "";
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
export const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

export function shortTime(iso) {
  const date = new Date(iso);
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return timeFormat.format(date);
  return dateTimeFormat.format(date);
}

export function describeError(error) {
  if (error instanceof ChatError) {
    if (error.type === "timeout" || error.type === "disconnected") {
      return "The connection is down; try again in a moment.";
    }
    return error.detail;
  }
  return String(error);
}

/** Split what the user typed into usernames: commas or spaces between, an optional @. */
export function usernames(text) {
  return text
    .split(/[\s,]+/)
    .map((name) => name.trim().replace(/^@/, ""))
    .filter(Boolean);
}

/** A byte count as people read it: "820 B", "14 KB", "3.2 MB". */
export function fileSize(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
