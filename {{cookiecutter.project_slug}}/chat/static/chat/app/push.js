/**
 * This device and the installable app: the service worker (/sw.js), Web Push on this
 * browser, the push setting, and the "offline" state.
 *
 * The worker is registered on load (it shows pushes and keeps the page for offline use: the
 * page hands it its own URL and the files it loaded). Permission to notify is asked only when
 * the user presses "Notify me on this device": browsers ignore, and users resent, a request
 * made on load. The subscription is sent to the server (POST /api/push/subscribe/ with the
 * session's CSRF token), which ties it to this login: logging out ends it, and the next load
 * by the same user sends it again. While a subscribed browser shows the page, the socket says
 * whether it is in view (session.visibility), so the server does not push what is on screen.
 */

import { $, notify } from "./dom.js";
import { describeError } from "./format.js";
import { client, me } from "./state.js";

const chat = $("chat");
const key = chat.dataset.pushKey || "";
const deviceButton = $("push-button");
const setting = $("push-notifications");
const offline = $("offline");
// Which user's login subscribed this browser: another user signing in here is not pushed.
const OWNER = "chat-push-owner";
const canPush =
  Boolean(key) && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
let registration = null;
let resent = false;

async function register() {
  try {
    await navigator.serviceWorker.register(chat.dataset.workerUrl, { scope: "/" });
    registration = await navigator.serviceWorker.ready;
  } catch (error) {
    console.warn("The service worker did not start", error);
    return;
  }
  const files = performance
    .getEntriesByType("resource")
    .map((entry) => entry.name)
    .filter((url) => new URL(url).origin === location.origin && new URL(url).pathname.startsWith("/static/"));
  registration.active?.postMessage({ shell: [chat.dataset.indexUrl, ...files] });
  await showDevice();
}

function ours() {
  return me !== null && localStorage.getItem(OWNER) === String(me.id);
}

async function current() {
  return registration ? registration.pushManager.getSubscription() : null;
}

/** The button says what pressing it does on this browser now. */
async function showDevice() {
  if (!canPush || !registration) return;
  const subscribed = (await current()) !== null && ours();
  deviceButton.hidden = false;
  deviceButton.disabled = Notification.permission === "denied";
  deviceButton.setAttribute("aria-pressed", String(subscribed));
  deviceButton.textContent = deviceButton.disabled
    ? "Notifications are blocked in this browser"
    : subscribed
      ? "Stop notifying this device"
      : "Notify me on this device";
}

async function post(url, body) {
  const csrf = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      "X-CSRFToken": csrf ? decodeURIComponent(csrf.slice("csrftoken=".length)) : "",
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail || `HTTP ${response.status}`);
  return answer;
}

function keyBytes() {
  const text = atob(key.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

function sameKey(subscription) {
  const held = subscription.options?.applicationServerKey;
  if (!held) return true;
  const bytes = new Uint8Array(held);
  const wanted = keyBytes();
  return bytes.length === wanted.length && bytes.every((byte, i) => byte === wanted[i]);
}

/** Subscribe this browser (after the user's press) and tell the server, for this login. */
async function subscribe() {
  if ((await Notification.requestPermission()) !== "granted") return;
  let subscription = await current();
  if (subscription && !sameKey(subscription)) {
    await subscription.unsubscribe(); // the site's keys changed: the old one is useless
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(),
  });
  await post(chat.dataset.pushSubscribeUrl, subscription.toJSON());
  localStorage.setItem(OWNER, String(me.id));
  reportVisibility();
}

async function unsubscribe() {
  const subscription = await current();
  localStorage.removeItem(OWNER);
  if (!subscription) return;
  await post(chat.dataset.pushUnsubscribeUrl, { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}

/** A subscribed browser's page says whether it is in view. */
function reportVisibility() {
  if (!canPush || !ours()) return;
  const visible = document.visibilityState === "visible";
  client.request("session.visibility", { visible }).catch(() => {});
}

/** Once per load, the same user's subscription is sent again: this login now holds it. */
async function resend() {
  if (resent || !canPush || !registration || Notification.permission !== "granted" || !ours()) return;
  resent = true;
  const subscription = await current();
  if (subscription && sameKey(subscription)) {
    await post(chat.dataset.pushSubscribeUrl, subscription.toJSON()).catch(() => {});
  }
}

function showSetting(settings) {
  if (settings && "push_notifications" in settings) {
    setting.checked = settings.push_notifications;
    setting.closest("label").hidden = !key;
  }
}

function showOnline() {
  offline.hidden = navigator.onLine;
}

if ("serviceWorker" in navigator) register();
showOnline();
window.addEventListener("online", showOnline);
window.addEventListener("offline", showOnline);
document.addEventListener("visibilitychange", reportVisibility);

client.addEventListener("open", () => {
  showSetting(client.settings);
  reportVisibility();
  resend().then(showDevice);
});
client.addEventListener("settings.updated", ({ detail }) => showSetting(detail));

deviceButton.addEventListener("click", async () => {
  deviceButton.disabled = true;
  try {
    if ((await current()) !== null && ours()) await unsubscribe();
    else await subscribe();
  } catch (error) {
    notify(`Could not change notifications on this device: ${describeError(error)}`);
  } finally {
    deviceButton.disabled = false;
    await showDevice();
  }
});

setting.addEventListener("change", async () => {
  const wanted = setting.checked;
  try {
    showSetting(await client.request("settings.update", { push_notifications: wanted }));
  } catch (error) {
    setting.checked = !wanted;
    notify(`Could not change the setting: ${describeError(error)}`);
  }
});
