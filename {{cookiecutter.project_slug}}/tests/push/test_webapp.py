"""The installable app's files as the browser fetches them: worker, manifest, icons."""

import io

import pytest
from django.test import Client
from PIL import Image


@pytest.mark.django_db
def test_the_worker_is_served_from_the_root_for_the_whole_site():
    answer = Client().get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert answer["Cache-Control"] == "no-cache"
    # Under the page's policy: the worker is this site's script (script-src 'self').
    assert b'addEventListener("push"' in answer.content


@pytest.mark.django_db
def test_the_icons_are_drawn_at_their_sizes_and_unknown_ones_are_not_found(settings):
    settings.SITE_NAME = "zebra chat"
    manifest = Client().get("/manifest.webmanifest").json()
    assert manifest["name"] == "zebra chat"
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(Client().get(icon["src"]).content))
        assert f"{image.width}x{image.height}" == icon["sizes"]
    assert Client().get("/icons/favicon.png").status_code == 404
