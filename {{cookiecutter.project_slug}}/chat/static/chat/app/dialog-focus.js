/**
 * Focus goes back to what opened a dialog when the dialog closes, however it closes (Escape,
 * Cancel, an action done).
 *
 * The browser does this itself when it can. It cannot when the opener was hidden while the
 * dialog was open: a message's actions show only while the message holds focus on a touch
 * screen, so once focus moved into the dialog its opener was no longer there to focus, and
 * focus fell to the page's body, leaving a keyboard or screen reader user at the top of the
 * page. Here the opener's focusable container (the message) is focused first, which shows its
 * actions again, then the opener itself.
 */

const openers = new WeakMap(); // dialog -> the element focused before focus entered it
let lastOutside = null;

document.addEventListener("focusin", (event) => {
  const dialog = event.target.closest?.("dialog[open]");
  if (!dialog) {
    lastOutside = event.target;
  } else if (!openers.has(dialog) && lastOutside && !dialog.contains(lastOutside)) {
    openers.set(dialog, lastOutside);
  }
});

// "close" does not bubble: listen while it is captured on its way down to the dialog.
document.addEventListener(
  "close",
  (event) => {
    const dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) return;
    const opener = openers.get(dialog);
    openers.delete(dialog);
    // Focus that stayed in the closed dialog, or fell to the body, was not given back.
    const active = document.activeElement;
    const lost = !active || active === document.body || dialog.contains(active);
    if (!opener?.isConnected || !lost) return;
    opener.parentElement?.closest("[tabindex]")?.focus({ preventScroll: true });
    opener.focus();
  },
  { capture: true },
);
