"""The Profile dialog in a real Chromium: editing a display name, status and time zone,
uploading and removing a picture, and the other side seeing the new name live."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible, settle
from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import make_room, room_button
from testservers.live import run_django

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def color_scheme(page, scheme):
    """Switch the page to ``scheme`` and wait for its colour transitions to end (axe would
    otherwise measure a button halfway between the two themes)."""
    page.emulate_media(color_scheme=scheme)
    settle(page)


def png():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "orange").save(out, "PNG")
    return out.getvalue()


def test_alice_edits_her_profile_and_bob_sees_her_new_name(pages, chat_server):
    make_room(chat_server, "alice", "", ["bob"], kind="direct")
    bob = pages.login("bob")
    expect(room_button(bob, "alice")).to_be_visible()
    alice = pages.login("alice")

    alice.get_by_role("button", name="Profile").click()
    dialog = alice.get_by_role("dialog", name="Profile")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("No picture: initials A")).to_be_visible()
    for scheme in ("light", "dark"):
        color_scheme(alice, scheme)
        assert_accessible(alice, f"the Profile dialog ({scheme})", include="#profile-dialog")

    dialog.get_by_label("Display name").fill("Alice Liddell")
    dialog.get_by_label("Status emoji").fill("🌷")
    dialog.get_by_label("Status", exact=True).fill("In the garden")
    dialog.get_by_label("Time zone").select_option("Europe/Paris")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(alice.locator("#profile-button-name")).to_have_text("Alice Liddell")
    # Bob's page hears user.updated: his direct room is named by her display name.
    expect(room_button(bob, "Alice Liddell")).to_be_visible()

    # A picture, then none: initials again.
    alice.get_by_role("button", name="Profile").click()
    alice.locator("#profile-avatar-input").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": png()}
    )
    expect(dialog.get_by_role("status")).to_have_text("Picture saved.")
    picture = dialog.get_by_role("img", name="Picture of Alice Liddell")
    expect(picture).to_be_visible()
    # Visible is not loaded: the <img> has its box before the picture arrives.
    alice.wait_for_function(
        "img => img.complete && img.naturalWidth === 256", arg=picture.element_handle()
    )
    for scheme in ("light", "dark"):
        color_scheme(alice, scheme)
        assert_accessible(alice, f"the Profile dialog with a picture ({scheme})", "#profile-dialog")
    dialog.get_by_role("button", name="Remove picture").click()
    expect(dialog.get_by_label("No picture: initials AL")).to_be_visible()
    with alice.expect_download() as download:
        dialog.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename.startswith("chat-export-alice-")
    dialog.get_by_role("button", name="Cancel").click()

    # What was saved is what the dialog shows after a reload.
    alice.reload()
    expect(alice.locator("#chat")).to_have_attribute("data-connection", "open")
    alice.get_by_role("button", name="Profile").click()
    expect(dialog.get_by_label("Display name")).to_have_value("Alice Liddell")
    expect(dialog.get_by_label("Status", exact=True)).to_have_value("In the garden")
    expect(dialog.get_by_label("Time zone")).to_have_value("Europe/Paris")
    assert not pages.page_errors and not pages.csp_violations()


def test_a_user_deletes_their_account_from_the_page(pages, chat_server):
    run_django(
        chat_server.env,
        f"""
        from django.contrib.auth import get_user_model
        get_user_model().objects.create_user(username="erin", password={PASSWORD!r})
        """,
    )
    erin = pages.login("erin")
    erin.get_by_role("button", name="Profile").click()
    erin.get_by_role("button", name="Delete my account…").click()
    dialog = erin.get_by_role("dialog", name="Delete your account?")
    for scheme in ("light", "dark"):
        color_scheme(erin, scheme)
        assert_accessible(erin, f"the account deletion dialog ({scheme})", "#delete-account-dialog")
    dialog.get_by_label("Your password").fill("not-my-password")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.get_by_role("alert")).to_have_text("That is not your password.")
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()
    expect(erin).to_have_url(re.compile(r"/accounts/login/"))
