"""A channel larger than a page of members, in a real Chromium: the details dialog pages its
members, and the composer's mention autocomplete finds members beyond the first page."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_page import make_room, open_room, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

EXTRA = 150  # beyond CHAT_MEMBERS_PAGE (100): two pages of members


def test_details_page_the_members_and_mentions_find_the_later_ones(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Town hall", ["bob"], kind="channel")
    seed(
        chat_server,
        f"""
        from django.contrib.auth.hashers import make_password
        from chat.models import Membership, Room
        User = get_user_model()
        extra = User.objects.bulk_create(
            User(username=f"zz{{n:03d}}", password=make_password(None)) for n in range({EXTRA})
        )
        room = Room.objects.get(pk={room_id})
        Membership.objects.bulk_create(Membership(room=room, user=user) for user in extra)
        """,
    )
    alice = pages.login("alice")
    open_room(alice, "Town hall")
    alice.get_by_role("button", name="Details").click()
    dialog = alice.get_by_role("dialog", name="Town hall")
    expect(dialog.locator("#details-description")).to_contain_text(f"{EXTRA + 2} members")
    members = dialog.locator("#members-list .member-name")
    expect(members).to_have_count(100)
    dialog.get_by_role("button", name="Show more members").click()
    expect(members).to_have_count(EXTRA + 2)
    expect(dialog.get_by_role("button", name="Show more members")).to_have_count(0)
    expect(members.last).to_have_text(f"zz{EXTRA - 1:03d}")
    dialog.get_by_role("button", name="Close").click()

    # zz149 joined last: not on the first page, found by asking the server.
    composer = alice.locator("#composer-input")
    composer.fill("@zz14")
    composer.press_sequentially("9")
    expect(alice.locator("#mention-suggestions").get_by_role("option")).to_have_text(["@zz149"])
