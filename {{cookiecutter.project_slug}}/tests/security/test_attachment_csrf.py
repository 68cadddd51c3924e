"""A browser's upload rides on its session cookie, so it must carry the CSRF token.

Another site's page could otherwise post files into the user's rooms with the user's cookie.
Programs send a bearer token instead, which no other page can attach, and need no CSRF token.
Django's test client with CSRF checks on, through the project's URLs and middleware.
"""

import io

import pytest
from django.test import Client
from PIL import Image

from chat.auth import token_issue
from chat.models import Attachment
from tests.domain import group

pytestmark = pytest.mark.django_db(transaction=True)


def png_file():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    out.seek(0)
    out.name = "dot.png"
    return out


@pytest.fixture
def room(alice, bob):
    return group(alice, bob)


def test_a_session_upload_needs_the_csrf_token(room, alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    refused = browser.post("/api/attachments/", {"room_id": room.pk, "file": png_file()})
    assert refused.status_code == 403
    assert not Attachment.objects.exists()
    browser.get("/")  # the chat page sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/attachments/",
        {"room_id": room.pk, "file": png_file()},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201, accepted.content
    assert Attachment.objects.get().uploader == alice


def test_a_bearer_upload_needs_no_csrf_token_and_a_bad_token_gets_nothing(room, alice):
    program = Client(enforce_csrf_checks=True)
    token, _ = token_issue(alice)
    ok = program.post(
        "/api/attachments/",
        {"room_id": room.pk, "file": png_file()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert ok.status_code == 201, ok.content
    bad = program.post(
        "/api/attachments/",
        {"room_id": room.pk, "file": png_file()},
        headers={"Authorization": "Bearer forged"},
    )
    assert (bad.status_code, bad.json()["error"]) == (401, "not_authenticated")
    assert Attachment.objects.count() == 1


def test_fetching_needs_a_credential(room, alice):
    program = Client()
    token, _ = token_issue(alice)
    headers = {"Authorization": f"Bearer {token}"}
    made = program.post(
        "/api/attachments/", {"room_id": room.pk, "file": png_file()}, headers=headers
    ).json()
    url = made["attachment"]["url"]
    assert Client().get(url).status_code == 401
    assert program.get(url, headers=headers).status_code == 200  # the uploader, before sending
