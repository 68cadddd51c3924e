/**
 * A message's "More actions" menu: one ARIA menu for the page, opened from a message's menu
 * button, by Enter on the message, or by the context-menu key (Shift+F10). It lists what the
 * user may do with that message, placed by the button and kept inside the viewport (on a
 * phone it must not end under the composer or the keyboard).
 *
 *   Up / Down, Home / End  move between the items (wrapping); a letter, the next item with it
 *   Enter / Space          do the item's action
 *   Escape / Tab           close the menu; focus goes back to the message
 */

import { make } from "./dom.js";
import { canPost, isAdmin, me, rooms } from "./state.js";

const menu = make("div", "message-menu");
menu.id = "message-menu";
menu.hidden = true;
menu.setAttribute("role", "menu");
menu.setAttribute("aria-label", "Message actions");
document.body.append(menu);

let open = null; // {article, opener, onChoose}

/** The actions on ``message`` this user may take, as [action, label]. */
function actionsFor(message) {
  const room = rooms.get(message.room_id);
  const mine = Boolean(me && message.sender?.id === me.id);
  return [
    canPost(room) && ["reply", "Reply"],
    message.thread_root_id == null && ["open-thread", "Reply in thread"],
    ["pick-reaction", "React"],
    ["forward", "Forward"],
    ["copy-link", "Copy link"],
    mine && ["edit", "Edit"],
    (mine || isAdmin(room)) && ["delete", "Delete"],
    !mine && message.sender && ["report", "Report"],
  ].filter(Boolean);
}

function items() {
  return [...menu.querySelectorAll('[role="menuitem"]')];
}

/** Place the menu by ``anchor``: below it, or above when the space below is too short. */
function place(anchor) {
  const rect = anchor.getBoundingClientRect();
  const { offsetHeight: height, offsetWidth: width } = menu;
  const below = rect.bottom + 4 + height <= innerHeight - 4;
  const top = below ? rect.bottom + 4 : rect.top - height - 4;
  menu.style.top = `${Math.max(4, Math.min(top, innerHeight - height - 4))}px`;
  menu.style.left = `${Math.max(4, Math.min(rect.right - width, innerWidth - width - 4))}px`;
}

/** Open the menu of ``message`` shown as ``article``; ``onChoose(action)`` acts. */
export function openMenu(article, message, onChoose) {
  closeMenu({ refocus: false });
  const opener = article.querySelector(".msg-more");
  if (!opener) return;
  menu.replaceChildren(
    ...actionsFor(message).map(([action, label]) => {
      const item = make("button", "message-menu-item", label);
      item.type = "button";
      item.tabIndex = -1;
      item.dataset.action = action;
      item.setAttribute("role", "menuitem");
      if (action === "delete") item.classList.add("danger");
      return item;
    }),
  );
  open = { article, opener, onChoose };
  opener.setAttribute("aria-expanded", "true");
  opener.setAttribute("aria-controls", menu.id);
  menu.hidden = false;
  const shown = opener.getBoundingClientRect().width ? opener : article;
  place(shown);
  items()[0]?.focus();
}

/** Close the menu; with ``refocus`` focus goes back to its message. */
export function closeMenu({ refocus = true } = {}) {
  if (!open) return;
  const { article, opener } = open;
  open = null;
  opener.setAttribute("aria-expanded", "false");
  opener.removeAttribute("aria-controls");
  if (refocus) shownArticle(article)?.focus();
  menu.hidden = true;
}

/** ``article``, or the one that replaced it: a change of its message (a reaction, an edit)
 *  draws the message again while its menu is open. */
export function shownArticle(article) {
  if (article.isConnected) return article;
  const seq = article.dataset.seq;
  return seq ? document.querySelector(`#messages > .msg[data-seq="${seq}"]`) : null;
}

function move(item, key) {
  const list = items();
  const index = list.indexOf(item);
  if (key === "ArrowDown") return list[(index + 1) % list.length];
  if (key === "ArrowUp") return list[(index - 1 + list.length) % list.length];
  if (key === "Home") return list[0];
  if (key === "End") return list.at(-1);
  if (key.length === 1 && /\S/.test(key)) {
    // Typeahead: the next item after this one whose label starts with the letter.
    const rest = [...list.slice(index + 1), ...list.slice(0, index + 1)];
    return rest.find((node) => node.textContent.toLowerCase().startsWith(key.toLowerCase()));
  }
  return null;
}

menu.addEventListener("keydown", (event) => {
  if (event.key === "Escape" || event.key === "Tab") {
    event.preventDefault();
    event.stopPropagation();
    closeMenu();
    return;
  }
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const next = move(event.target, event.key);
  if (next) {
    event.preventDefault();
    next.focus();
  }
});

menu.addEventListener("click", (event) => {
  const item = event.target.closest('[role="menuitem"]');
  if (!item || !open) return;
  const { onChoose } = open;
  closeMenu();
  onChoose(item.dataset.action);
});

// Focus or a press elsewhere closes the menu, where it went.
menu.addEventListener("focusout", (event) => {
  if (open && !menu.contains(event.relatedTarget)) closeMenu({ refocus: false });
});
// A phone's keyboard or a rotation resizes the viewport: the menu moves with its button.
addEventListener("resize", () => {
  if (open) place(open.opener.isConnected ? open.opener : shownArticle(open.article) ?? menu);
});
