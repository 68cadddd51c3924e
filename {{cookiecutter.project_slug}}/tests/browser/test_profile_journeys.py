"""A profile's change as others see it, in a real Chromium: alice changes her display name,
status and picture in the Profile dialog, and bob's open page shows them on her messages
already on his screen and in the room's member list, without a reload."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.journeys import check_page
from tests.browser.test_chat_page import make_room, message, open_room

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

# Where a picture is served: a new name for each picture, so a new one is a new address.
AVATAR_URL = re.compile(r"/avatars/\d+/[^/]+/$")


def png():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "seagreen").save(out, "PNG")
    return out.getvalue()


def edit_profile(page):
    """Alice's new name, status and picture, through the Profile dialog."""
    page.get_by_role("button", name="Profile").click()
    dialog = page.get_by_role("dialog", name="Profile")
    page.locator("#profile-avatar-input").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": png()}
    )
    expect(dialog.get_by_role("status")).to_have_text("Picture saved.")
    dialog.get_by_label("Display name").fill("Alice Liddell")
    dialog.get_by_label("Status emoji").fill("🌷")
    dialog.get_by_label("Status", exact=True).fill("In the garden")
    check_page(page, "the Profile dialog, filled in", include="#profile-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()


def test_a_new_name_status_and_picture_reach_an_open_page(pages, chat_server):
    make_room(
        chat_server,
        "alice",
        "Garden",
        ["bob"],
        messages=[("alice", "First bloom"), ("bob", "Lovely"), ("alice", "Second bloom")],
    )
    bob = pages.login("bob")
    open_room(bob, "Garden")
    hers = [message(bob, text) for text in ("First bloom", "Second bloom")]
    for item in hers:
        expect(item.locator(".avatar")).to_have_text("A")
    bob.get_by_role("button", name="Details").click()
    members = bob.locator("#members-list")
    expect(members.get_by_role("button", name="alice", exact=True)).to_be_visible()

    alice = pages.login("alice")
    edit_profile(alice)
    check_page(alice, "the page after saving a profile")

    # The member list open on bob's page names her anew, her username beside it.
    expect(members.get_by_role("button", name="Alice Liddell", exact=True)).to_be_visible()
    expect(members).to_contain_text("@alice")
    check_page(bob, "the member list after a profile change", include="#details-dialog")
    bob.keyboard.press("Escape")
    expect(bob.locator("#details-dialog")).to_be_hidden()

    # Her messages already on his screen show her picture.
    for item in hers:
        picture = item.locator(".avatar img")
        expect(picture).to_have_attribute("src", AVATAR_URL)
        expect(picture).to_have_js_property("complete", True)
    # Her name on a message opens a card with her new name and status.
    hers[0].get_by_role("button", name="alice", exact=True).click()
    card = bob.get_by_role("dialog", name="Alice Liddell")
    expect(card).to_be_visible()
    expect(card.locator("#card-status")).to_have_text("In the garden")
    expect(card.locator("#card-avatar img")).to_have_attribute("src", AVATAR_URL)
    check_page(bob, "the profile card of a changed profile")
    card.get_by_role("button", name="Close").click()
    check_page(bob, "a room after a member's profile changed")
