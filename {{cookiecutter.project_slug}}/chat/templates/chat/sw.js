/**
 * The chat's service worker, served at /sw.js (chat/webapp.py) to control the whole site.
 *
 * - push: shows the server's Web Push (chat/push/sender.py) as a notification: who did what
 *   where, and the message's text only if the site sends it. A push always shows one: a
 *   browser may stop delivering to a worker that swallows them.
 * - notificationclick: opens the room at the message (/rooms/<id>/messages/<seq>/) in the
 *   chat's open window if there is one, else in a new one.
 * - offline: the page hands over its own URL and the files it loaded (app/push.js), which are
 *   kept; a navigation or a file the network cannot fetch is answered from them, so the chat
 *   opens without a network and says it is offline. Everything is fetched from the network
 *   first while there is one: nothing goes stale. Submitting a form (logging out) forgets
 *   the kept page, which carries its user's name.
 */

const SHELL = "chat-shell-v1";
const ICON = "/icons/icon-192.png";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const { shell } = event.data ?? {};
  if (Array.isArray(shell)) event.waitUntil(keep(shell));
});

/**
 * Keep the page (``urls[0]``, fetched again each time: it changes) and its files, only this
 * site's and only successful answers. A file already kept is not fetched again (its name
 * carries its hash); once the page was fetched, files it no longer loads (an earlier
 * release's) are dropped. Offline, what was kept stays as it is.
 */
async function keep(urls) {
  const cache = await caches.open(SHELL);
  const [page, ...files] = urls
    .slice(0, 200)
    .map((url) => new URL(url, self.location.href))
    .filter((url) => url.origin === self.location.origin)
    .map((url) => url.href);
  if (!page || !(await put(cache, page))) return;
  const kept = new Set((await cache.keys()).map((request) => request.url));
  const wanted = new Set([page, ...files]);
  await Promise.all([...kept].filter((url) => !wanted.has(url)).map((url) => cache.delete(url)));
  await Promise.all(files.filter((url) => !kept.has(url)).map((url) => put(cache, url)));
}

/** Fetch ``url`` and keep a successful answer; return whether it was kept. */
async function put(cache, url) {
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
    if (!response.ok || response.redirected) return false;
    await cache.put(url, response);
    return true;
  } catch {
    return false;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate" && request.method !== "GET") {
    event.waitUntil(caches.delete(SHELL));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") event.respondWith(page(request));
  else if (new URL(request.url).pathname.startsWith("/static/")) event.respondWith(file(request));
});

async function page(request) {
  try {
    return await fetch(request);
  } catch {
    // Every page of the chat is the same shell; which room it opens is the page's business.
    const cache = await caches.open(SHELL);
    const kept = await cache.match("/", { ignoreVary: true, ignoreSearch: true });
    return kept ?? offlinePage();
  }
}

/** Never kept a page (the chat was not opened here yet): say so rather than fail. */
function offlinePage() {
  const text = "You are offline, and the chat has not been opened on this device yet.";
  return new Response(`<!doctype html><meta charset="utf-8"><title>Offline</title><p>${text}</p>`, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

async function file(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(SHELL);
    const kept = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("push", (event) => event.waitUntil(showPush(event.data)));

async function showPush(data) {
  let push = {};
  try {
    push = data ? data.json() : {};
  } catch {
    push = {};
  }
  return self.registration.showNotification(String(push.title || "New activity in the chat"), {
    body: String(push.body || ""),
    tag: push.tag ? String(push.tag) : undefined,
    icon: ICON,
    data: { url: typeof push.url === "string" ? push.url : "/" },
  });
}

/** Open the notification's room: the chat's window goes there, or a new one opens. */
self.openNotification = async (notification) => {
  notification.close();
  const url = new URL(notification.data?.url || "/", self.location.origin);
  if (url.origin !== self.location.origin) return null;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === url.origin);
  if (!open) return self.clients.openWindow(url.href);
  // Focusing needs the click's user activation; without it (a test) the window still goes.
  await open.focus().catch(() => {});
  return open.navigate(url.href);
};

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(self.openNotification(event.notification));
});
