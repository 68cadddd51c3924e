"""Moderation in a real Chromium: blocking, reporting, and a ban made in the Django admin."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import (
    body,
    choose_action,
    make_room,
    message,
    open_room,
    room_button,
    seed,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# The moderator works in the Django admin, whose static files this module's server collects.
ADMIN_STATIC = True


def message_count(server, room_id):
    output = seed(server, f"print(Message.objects.filter(room_id={room_id}).count())")
    return int(output.split()[-1])


def test_bob_blocks_alice_and_stops_seeing_her_direct_messages(pages, chat_server):
    room_id = make_room(
        chat_server, "alice", "", ["bob"], kind="direct", messages=[("alice", "Buy my course")]
    )
    bob = pages.login("bob")
    alice = pages.login("alice")
    open_room(bob, "alice")
    open_room(alice, "bob")
    expect(body(bob, "Buy my course")).to_be_visible()

    bob.get_by_role("button", name="Details").click()
    dialog = bob.locator("#details-dialog")
    dialog.get_by_role("button", name="Block alice").click()
    expect(dialog.get_by_role("button", name="Unblock alice")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    # Her message collapses to one line in Bob's page; he can still open it.
    expect(body(bob, "Buy my course")).to_have_count(0)
    collapsed = bob.locator("#messages .msg.blocked")
    expect(collapsed).to_have_count(1)
    expect(collapsed).to_contain_text("whom you blocked")

    # Alice's next message is refused with a clear error and never reaches Bob.
    composer = alice.locator("#composer-input")
    composer.fill("Last chance offer")
    composer.press("Enter")
    expect(alice.locator("#messages .msg.failed")).to_contain_text("blocked you")
    assert message_count(chat_server, room_id) == 1
    expect(bob.get_by_text("Last chance offer")).to_have_count(0)

    # A reload keeps the block (the page asks user.blocks); Show opens the one message.
    bob.reload()
    expect(bob.locator("#chat")).to_have_attribute("data-connection", "open")
    open_room(bob, "alice")
    expect(bob.locator("#messages .msg.blocked")).to_have_count(1)
    bob.get_by_role("button", name="Show the message from alice").click()
    expect(body(bob, "Buy my course")).to_be_visible()


def test_a_report_and_an_admin_ban_take_the_room_from_the_senders_open_page(pages, chat_server):
    seed(
        chat_server,
        f"""
        get_user_model().objects.create_superuser("moderator", "m@example.com", {PASSWORD!r})
        """,
    )
    room_id = make_room(
        chat_server, "bob", "Ops", ["alice", "carol"], messages=[("carol", "You are all idiots")]
    )
    alice = pages.login("alice")
    bob = pages.login("bob")
    carol = pages.login("carol")
    for page in (alice, bob, carol):
        open_room(page, "Ops")

    rude = message(alice, "You are all idiots")
    choose_action(rude, "Report")
    # The page asks in a dialog of its own, with focus in the answer, and gives focus back.
    ask = alice.get_by_role("dialog", name="Report this message")
    reason = ask.get_by_label("Why are you reporting it? The room's admins will see this.")
    expect(reason).to_be_focused()
    reason.fill("Insults the team")
    ask.get_by_role("button", name="Report").click()
    expect(ask).to_be_hidden()
    expect(rude).to_be_focused()
    expect(alice.locator("#notice")).to_contain_text("Reported")
    # Bob, the room's admin, hears of it at once.
    expect(bob.locator("#notice")).to_contain_text("alice reported a message in Ops")

    moderator = pages.open("moderator")
    moderator.goto("/admin/chat/report/")
    moderator.get_by_label("Username").fill("moderator")
    moderator.get_by_label("Password").fill(PASSWORD)
    moderator.get_by_role("button", name="Log in").click()
    expect(moderator.get_by_text("Insults the team")).to_be_visible()
    moderator.locator("input[name=_selected_action]").first.check()
    moderator.locator("select[name=action]").select_option("ban_senders")
    moderator.locator("button[name=index]").click()
    expect(moderator.locator(".messagelist, #changelist")).to_be_visible()

    # Carol's open page loses the room at once, and she cannot get back in.
    expect(room_button(carol, "Ops")).to_have_count(0)
    expect(carol.locator("#notice")).to_have_text("You were banned from Ops.")
    expect(carol.locator("#room-pane")).to_be_hidden()
    joined = carol.evaluate(
        """(roomId) => window.chatClient.request("room.join", { room_id: roomId })
            .then(() => "joined", (error) => error.code)""",
        room_id,
    )
    assert joined == 4040  # a private group: out of it, she may not even see it


def test_bob_searches_a_word_and_lands_on_the_message_in_context(pages, chat_server):
    # Carol writes: Bob blocked Alice earlier in this module, which collapses her messages.
    early = [("carol", f"Filler message {n}") for n in range(60)]
    later = [("carol", f"Later chatter {n}") for n in range(60)]
    room_id = make_room(
        chat_server,
        "carol",
        "Archive",
        ["bob"],
        messages=[*early, ("carol", "The wifi password is pelican"), *later],
    )
    bob = pages.login("bob")
    bob.get_by_label("Search messages").fill("pelican")
    bob.get_by_role("button", name="Search", exact=True).click()
    results = bob.get_by_role("list", name="Search results")
    result = results.get_by_role("button").filter(has_text="wifi password")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("pelican")

    result.click()
    expect(bob.locator("#room-title")).to_contain_text("Archive")
    found = bob.locator("#messages .msg.found")
    expect(found.locator(".msg-body")).to_have_text("The wifi password is pelican")
    expect(found).to_be_in_viewport()
    # Its context around it: the messages just before and after, not the newest page.
    expect(body(bob, "Filler message 59")).to_be_visible()
    expect(body(bob, "Later chatter 0")).to_have_count(1)
    expect(body(bob, "Later chatter 59")).to_have_count(0)

    # Jumping to the latest loads the newest messages as usual.
    bob.get_by_role("button", name="Jump to latest").click()
    expect(body(bob, "Later chatter 59")).to_be_visible()
    assert bob.evaluate(f"window.chatClient.cursor({room_id})") is not None
