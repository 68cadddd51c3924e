/**
 * Reactions on a message: the chips under it (each emoji, how many reacted, and who, on hover
 * and for assistive technology), which of them are this user's, and the emoji picker.
 *
 * Whether a reaction is this user's ("me") comes in the payloads made for them (replies,
 * history); the room's events leave it out, so it is carried over from the message as shown
 * and moved by the event's change when the change is this user's (docs/protocol.md).
 *
 * The picker is one popup for the page, opened from a message's menu (React): a search box
 * over a grid of emoji, the recently used first (kept in localStorage), named from emoji.json
 * (written by `manage.py emoji_names` from the server's own emoji data, fetched on first use).
 * Focus stays in the search box: typing filters by name, the arrow keys move the choice,
 * Enter reacts and returns focus to the message, Escape closes.
 */

import { button, make, root } from "./dom.js";

const RECENT_KEY = "chat.recentEmoji";
const RECENT_MAX = 16;
const RESULTS_MAX = 96;
const COLUMNS = 8;
const FAVOURITES = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];

/** ``message`` with each reaction's ``me`` filled in: its own, else known, else from ``change``. */
export function withMine(message, previous, change, myId) {
  const known = new Map((previous?.reactions ?? []).map((r) => [r.emoji, r.me === true]));
  const reactions = (message.reactions ?? []).map((reaction) => {
    let mine = "me" in reaction ? reaction.me : (known.get(reaction.emoji) ?? false);
    if (change && change.user.id === myId && change.emoji === reaction.emoji) mine = change.added;
    return { ...reaction, me: mine };
  });
  return { ...message, reactions };
}

/** "2 reactions with 👍: alice and bob"; past the names the payload carries, "and 8 others". */
export function describeReaction(reaction) {
  const names = reaction.users.map((user) => user.username);
  const others = reaction.count - names.length;
  if (others > 0) names.push(`${others} ${others === 1 ? "other" : "others"}`);
  const list = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0];
  const noun = reaction.count === 1 ? "reaction" : "reactions";
  return `${reaction.count} ${noun} with ${reaction.emoji}: ${list}`;
}

/** The chips of a message's reactions, or null; each toggles this user's own. */
export function renderReactions(message) {
  if (!message.reactions || !message.reactions.length) return null;
  const box = make("div", "msg-reactions");
  for (const reaction of message.reactions) {
    const chip = button(null, `reaction${reaction.me ? " mine" : ""}`, "toggle-reaction");
    chip.dataset.emoji = reaction.emoji;
    chip.setAttribute("aria-pressed", String(Boolean(reaction.me)));
    const who = describeReaction(reaction);
    chip.title = who;
    chip.setAttribute("aria-label", who);
    const emoji = make("span", "reaction-emoji", reaction.emoji);
    emoji.setAttribute("aria-hidden", "true");
    chip.append(emoji, make("span", "reaction-count", reaction.count));
    box.append(chip);
  }
  return box;
}

// --- Recently used --------------------------------------------------------------------------

export function recentEmoji() {
  try {
    const stored = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(stored) ? stored.filter((e) => typeof e === "string") : [];
  } catch {
    return [];
  }
}

function remember(emoji) {
  const recent = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
  } catch {
    // Storage full or refused (private mode): the picker just shows no recent ones.
  }
}

// --- The picker -----------------------------------------------------------------------------

let names = null; // Map emoji -> name, from emoji.json
let picker = null; // the popup's elements and state, made on first use

async function emojiNames() {
  if (names) return names;
  try {
    const response = await fetch(root.dataset.emojiUrl, { credentials: "same-origin" });
    names = new Map(await response.json());
  } catch {
    names = new Map(FAVOURITES.map((emoji) => [emoji, emoji])); // offline: the favourites
  }
  return names;
}

function makePicker() {
  const box = make("div", "emoji-picker");
  box.hidden = true;
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", "Pick a reaction");
  const input = make("input", "emoji-search");
  input.type = "search";
  input.placeholder = "Search emoji";
  input.setAttribute("aria-label", "Search emoji by name");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "true");
  input.setAttribute("aria-controls", "emoji-options");
  input.setAttribute("aria-autocomplete", "list");
  const list = make("div", "emoji-options");
  list.id = "emoji-options";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Emoji");
  box.append(input, list);
  document.body.append(box);
  input.addEventListener("input", () => fill());
  input.addEventListener("keydown", onKey);
  list.addEventListener("mousedown", (event) => event.preventDefault()); // focus stays in the box
  list.addEventListener("click", (event) => {
    const option = event.target.closest('[role="option"]');
    if (option) choose(option.dataset.emoji);
  });
  box.addEventListener("focusout", (event) => {
    if (!box.contains(event.relatedTarget)) closePicker({ refocus: false });
  });
  return { box, input, list, options: [], active: 0, returnTo: null, onChoose: null };
}

/** Open the picker under ``anchor`` (a message's menu button); ``onChoose(emoji)`` reacts.
 *  ``returnTo()`` is where focus goes when the picker closes: the message, looked up then,
 *  since someone else's reaction meanwhile draws the message again as a new element. */
export async function openPicker(anchor, onChoose, returnTo = () => anchor) {
  picker = picker || makePicker();
  Object.assign(picker, { onChoose, returnTo });
  picker.input.value = "";
  await emojiNames();
  fill();
  const rect = anchor.getBoundingClientRect();
  picker.box.hidden = false;
  const height = picker.box.offsetHeight;
  const below = rect.bottom + 4 + height < innerHeight;
  picker.box.style.top = `${Math.max(4, below ? rect.bottom + 4 : rect.top - height - 4)}px`;
  picker.box.style.left = `${Math.max(4, Math.min(rect.left, innerWidth - picker.box.offsetWidth - 4))}px`;
  picker.input.focus();
}

/** Close the picker; focus goes back to the message it was opened for. */
export function closePicker({ refocus = true } = {}) {
  if (!picker || picker.box.hidden) return;
  // Focus moves before the box hides: hiding the focused search box would drop it to <body>.
  const back = refocus ? picker.returnTo?.() : null;
  picker.returnTo = null;
  if (back?.isConnected) back.focus();
  picker.box.hidden = true;
}

/** The emoji the search box asks for: recent and favourites first when it is empty. */
function matches(query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) {
    const recent = recentEmoji();
    const rest = [...FAVOURITES, ...names.keys()].filter((e) => !recent.includes(e));
    return { recent, rest: [...new Set(rest)].slice(0, RESULTS_MAX) };
  }
  const found = [];
  for (const [emoji, name] of names) {
    if (words.every((word) => name.includes(word))) found.push(emoji);
    if (found.length === RESULTS_MAX) break;
  }
  return { recent: [], rest: found };
}

function fill() {
  const { recent, rest } = matches(picker.input.value);
  picker.list.replaceChildren();
  picker.options = [];
  if (recent.length) picker.list.append(group("Recently used", recent));
  if (rest.length) picker.list.append(group(picker.input.value.trim() ? "Results" : "Emoji", rest));
  if (!picker.options.length) picker.list.append(make("p", "muted emoji-none", "No emoji found."));
  setActive(0);
}

function group(label, emoji) {
  const node = make("div", "emoji-group");
  node.setAttribute("role", "group");
  node.setAttribute("aria-label", label);
  node.append(make("p", "emoji-group-label", label));
  for (const value of emoji) {
    const option = make("div", "emoji-option", value);
    const name = names.get(value) ?? value;
    option.id = `emoji-option-${picker.options.length}`;
    option.dataset.emoji = value;
    option.title = name;
    option.setAttribute("role", "option");
    option.setAttribute("aria-label", name);
    option.setAttribute("aria-selected", "false");
    picker.options.push(option);
    node.append(option);
  }
  return node;
}

function setActive(index) {
  const { options } = picker;
  options[picker.active]?.setAttribute("aria-selected", "false");
  picker.active = Math.max(0, Math.min(index, options.length - 1));
  const option = options[picker.active];
  if (!option) {
    picker.input.removeAttribute("aria-activedescendant");
    return;
  }
  option.setAttribute("aria-selected", "true");
  picker.input.setAttribute("aria-activedescendant", option.id);
  option.scrollIntoView({ block: "nearest" });
}

const MOVES = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };

function onKey(event) {
  if (event.key in MOVES && picker.options.length) {
    event.preventDefault();
    setActive(picker.active + MOVES[event.key]);
  } else if (event.key === "Enter") {
    event.preventDefault();
    const option = picker.options[picker.active];
    if (option) choose(option.dataset.emoji);
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    closePicker();
  }
}

function choose(emoji) {
  const onChoose = picker.onChoose;
  remember(emoji);
  closePicker();
  if (onChoose) onChoose(emoji);
}
