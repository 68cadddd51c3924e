"""axe-core finds nothing in a message list holding every kind of message, in light and dark
mode and on a phone: formatted text (code, a link, lists), a file, a reply, a thread's
summary, reactions, a deleted message, a blocked sender's collapsed message, one still
being sent, a day separator and the "New" line; and nothing in a message's open menu.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.pages import DESKTOP, PHONE
from tests.browser.test_chat_page import body, message, open_room, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

FORMATTED = "Read `the docs` at https://example.com/docs\n\n- one\n- two\n\n```\nprint(1)\n```"

EVERY_KIND = f"""
import io
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from chat.services.attachments import attachment_upload
from chat.services.moderation import user_block
from chat.services.reactions import message_react
from chat.services.receipts import message_read
users["dave"] = get_user_model().objects.create_user("dave", password="unused-here")
room = services.room_create(
    user=users["alice"], kind="group", name="Every kind", members=["bob", "carol", "dave"]
)["room"]["id"]
send = lambda who, text, **more: services.message_send(
    user=users[who], room_id=room, content=text, **more
)["message"]
formatted = send("bob", {FORMATTED!r})
message_react(user=users["alice"], message_id=formatted["id"], emoji="🎉")
message_react(user=users["carol"], message_id=formatted["id"], emoji="👍")
picture = io.BytesIO()
Image.new("RGB", (80, 60), (30, 120, 200)).save(picture, "PNG")
upload = SimpleUploadedFile("chart.png", picture.getvalue(), content_type="image/png")
attachment = attachment_upload(user=users["carol"], room_id=room, upload=upload)["attachment"]
send("carol", "The chart", attachments=[attachment["id"]])
message_read(user=users["alice"], room_id=room, seq=2)
send("alice", "Nice chart", reply_to=formatted["id"])
root = send("bob", "Shall we meet?")
send("carol", "Yes, Monday", thread_root_id=root["id"])
gone = send("alice", "A typo")
services.message_delete(user=users["alice"], message_id=gone["id"])
send("dave", "Something rude")
user_block(user=users["alice"], username="dave")
send("bob", "Last word")
"""


def hold_sends(socket):
    """A socket route keeping the page's messages pending: its message.send frames are
    dropped on the way to the server, everything else passes."""
    server = socket.connect_to_server()
    socket.on_message(lambda frame: None if '"message.send"' in frame else server.send(frame))
    server.on_message(socket.send)


def every_kind_of_message(page, unread):
    open_room(page, "Every kind")
    expect(body(page, "Last word")).to_be_visible()
    page.locator("#composer-input").fill("Still on its way")
    page.locator("#composer-input").press("Enter")
    expect(page.locator("#messages .msg.pending")).to_have_count(1)
    # What the list must hold for the check to mean anything.
    expect(page.locator("#messages .msg-body.formatted code")).to_have_count(2)
    expect(page.locator("#messages .msg-body a[href]")).to_have_count(1)
    expect(page.locator("#messages .msg-attachments")).to_have_count(1)
    expect(page.locator("#messages .msg-quote")).to_have_count(1)
    expect(page.locator("#messages .thread-summary")).to_have_count(1)
    expect(page.locator("#messages .reaction")).to_have_count(2)
    expect(page.locator("#messages .msg.deleted")).to_have_count(1)
    expect(page.locator("#messages .msg.blocked")).to_have_count(1)
    expect(page.locator("#messages .msg-day")).to_have_count(1)
    # The first visit shows the "New" line; the room is read after it.
    expect(page.locator("#messages .msg-new")).to_have_count(1 if unread else 0)
    expect(page.locator("#messages .avatar")).not_to_have_count(0)
    image = page.locator("#messages .msg-attachments img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def test_every_kind_of_message_passes_axe_in_light_dark_and_on_a_phone(pages, chat_server):
    seed(chat_server, EVERY_KIND)
    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = pages.login("alice", viewport=viewport, socket_route=hold_sends)
        every_kind_of_message(page, unread=label == "desktop")
        for scheme in ("light", "dark"):
            # Without motion: a switch of scheme would otherwise be measured mid-transition.
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            # A message with focus shows its controls (and a continued one its time).
            message(page, "Nice chart").focus()
            assert_accessible(
                page, f"every kind of message, {label}, {scheme}", include="#messages"
            )

    # The open menu too.
    page.emulate_media(color_scheme="light")
    last = message(page, "Last word")
    last.focus()
    last.get_by_role("button", name="More actions").click()
    expect(page.get_by_role("menu", name="Message actions")).to_be_visible()
    assert_accessible(page, "a message's open menu", include="#message-menu")
