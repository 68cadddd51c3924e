"""The installable app: its manifest, its icons and its service worker, served by Django.

- The manifest names the app after SITE_NAME, opens the chat and matches the page's colours
  (chat.css: the accent for the icons and the title bar, the page's background light).
- The icons are drawn once per process with Pillow (the site's initial on the accent colour),
  so a renamed site gets its own without a build step: 192 and 512 pixels, and a maskable
  512 whose letter keeps inside the safe circle a launcher may crop to.
- The service worker (chat/templates/chat/sw.js: not a page module) must be served from the
  site's root to control the chat's pages (a worker's scope is at most its own folder):
  /sw.js, never cached by the browser's HTTP cache beyond a check, so a new release reaches
  every browser.
"""

import functools
import io
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from PIL import Image, ImageDraw, ImageFont

ACCENT = "#3b5bdb"  # --accent, light (chat.css)
BACKGROUND = "#f4f5f8"  # --bg, light
ICONS = {"icon-192": (192, False), "icon-512": (512, False), "maskable-512": (512, True)}
SERVICE_WORKER = Path(__file__).resolve().parent / "templates" / "chat" / "sw.js"


@require_GET
def manifest(request):
    icons = [
        {
            "src": reverse("chat:icon", args=[name]),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable" if maskable else "any",
        }
        for name, (size, maskable) in ICONS.items()
    ]
    data = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME[:12],
        "id": "/",
        "start_url": reverse("chat:index"),
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": ACCENT,
        "icons": icons,
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def icon(request, name):
    if name not in ICONS:
        return HttpResponse(status=404)
    response = HttpResponse(_icon_png(settings.SITE_NAME, *ICONS[name]), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@functools.lru_cache(maxsize=8)
def _icon_png(site_name, size, maskable):
    """The site's initial, white on the accent: a rounded square, or full bleed if maskable."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, size, size), fill=ACCENT)
    else:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=ACCENT)
    # A maskable icon is cropped to the circle of 80% of its size: the letter stays inside.
    font = ImageFont.load_default(size=int(size * (0.45 if maskable else 0.6)))
    letter = (site_name.strip()[:1] or "C").upper()
    draw.text((size / 2, size / 2), letter, font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@require_GET
def service_worker(request):
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@functools.cache
def _worker_source():
    return SERVICE_WORKER.read_bytes()
