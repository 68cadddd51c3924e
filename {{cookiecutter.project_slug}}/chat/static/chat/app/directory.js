/**
 * The Direct message dialog's directory: the username field is an ARIA combobox whose
 * listbox offers the people the server's directory finds for what is typed (user.search:
 * only people one may message). Down and Up move through them, Enter opens the conversation
 * with the one chosen (or with the name as typed, when none is), Escape closes the list (a
 * second Escape closes the dialog), a click chooses too.
 *
 * One request per pause in typing (DIRECTORY_DELAY ms); an answer that comes after a newer
 * question is dropped, so the list always matches the field.
 */

import { $, el, make } from "./dom.js";
import { client } from "./state.js";

const input = $("direct-username");
const list = $("direct-options");
const status = $("direct-status");
const DIRECTORY_DELAY = 150; // ms of quiet before the directory is asked
const DIRECTORY_LIMIT = 8;

let people = []; // users offered now
let active = -1; // index of the highlighted option, -1 for none
let asked = 0; // number of the latest question: older answers are dropped
let timer = null;

async function lookUp() {
  const prefix = input.value.trim().replace(/^@/, "");
  const question = ++asked;
  if (!prefix) return show([]);
  try {
    const { users } = await client.request("user.search", { prefix, limit: DIRECTORY_LIMIT });
    if (question === asked) show(users);
  } catch {
    if (question === asked) show([]); // typing the whole name still works
  }
}

function show(users) {
  people = users;
  active = -1;
  render();
  const count = people.length;
  status.textContent = input.value.trim()
    ? `${count || "No"} ${count === 1 ? "person" : "people"} found`
    : "";
}

function render() {
  list.replaceChildren(
    ...people.map((user, index) => {
      const option = make("li", "directory-option", user.username);
      option.id = `direct-option-${user.id}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === active));
      option.dataset.username = user.username;
      return option;
    }),
  );
  list.hidden = people.length === 0;
  input.setAttribute("aria-expanded", String(!list.hidden));
  if (active < 0) input.removeAttribute("aria-activedescendant");
  else input.setAttribute("aria-activedescendant", `direct-option-${people[active].id}`);
}

function close() {
  asked += 1; // an answer on its way no longer shows
  people = [];
  active = -1;
  render();
}

/** Open the conversation with ``username``: the dialog's form does the rest. */
function choose(username) {
  input.value = username;
  close();
  el.directForm.requestSubmit();
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(lookUp, DIRECTORY_DELAY);
});

input.addEventListener("keydown", (event) => {
  if (event.isComposing) return;
  const open = people.length > 0;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!open) return;
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    active = (active + step + people.length + 1) % (people.length + 1);
    if (active === people.length) active = -1; // past either end: back to the typed text
    render();
  } else if (event.key === "Enter" && open && active >= 0) {
    event.preventDefault();
    choose(people[active].username);
  } else if (event.key === "Escape" && open) {
    event.preventDefault(); // the list closes, the dialog stays
    listEscaped = true;
    close();
  }
});

// The dialog's own Escape (its cancel event, between the key's keydown and keyup) leaves the
// dialog open when that Escape closed the list; the next Escape closes the dialog.
let listEscaped = false;
input.addEventListener("keyup", (event) => {
  if (event.key === "Escape") listEscaped = false;
});
el.directDialog.addEventListener("cancel", (event) => {
  if (listEscaped || !list.hidden) {
    event.preventDefault();
    close();
  }
});

list.addEventListener("mousedown", (event) => {
  const option = event.target.closest(".directory-option");
  if (!option) return;
  event.preventDefault(); // keep the focus in the field
  choose(option.dataset.username);
});

el.directDialog.addEventListener("close", close);
