"""message.react through a real socket: one emoji at a time, several per user, counted, named,
refused clearly when it is not exactly one emoji, limited, and rate limited."""

import pytest

from chat.models import Reaction
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]

ONE_EMOJI = ["👍", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "❤️"]
NOT_ONE_EMOJI = [
    "👍👍",  # two emoji
    "ab",  # text
    "\u200d",  # a lone zero-width joiner
    "\ufe0f",  # a lone variation selector
    "\U0001f3fd",  # a skin tone alone
    "a" + "\u0301" * 5000,  # one letter under 10 KB of combining marks
    "\x00",
    "\ud800",  # a lone surrogate
    "",
]


@pytest.fixture
async def posted(connect, alice, bob):
    """Return (message, alice's socket, bob's socket): alice's message in their group."""
    a, b = await connect(alice), await connect(bob)
    room = (await a.ok("room.create", {"kind": "group", "name": "T", "members": ["bob"]}))["room"]
    await b.expect("room.created")
    message = (await a.ok("message.send", {"room_id": room["id"], "content": "hi"}))["message"]
    await b.expect("message.new")
    return message, a, b


async def test_exactly_one_emoji_is_a_reaction(posted):
    message, a, b = posted
    for emoji in ONE_EMOJI:
        reply = await b.ok("message.react", {"message_id": message["id"], "emoji": emoji})
        assert emoji in [r["emoji"] for r in reply["message"]["reactions"]]
    assert await call(lambda: sorted(Reaction.objects.values_list("emoji", flat=True))) == sorted(
        ONE_EMOJI
    )


async def test_an_emoji_written_unqualified_is_the_same_reaction(posted):
    message, a, b = posted
    await b.ok("message.react", {"message_id": message["id"], "emoji": "❤️"})
    reply = await b.ok("message.react", {"message_id": message["id"], "emoji": "\u2764"})
    assert [(r["emoji"], r["count"]) for r in reply["message"]["reactions"]] == [("❤️", 1)]


@pytest.mark.parametrize("emoji", NOT_ONE_EMOJI, ids=range(len(NOT_ONE_EMOJI)))
async def test_anything_else_is_refused_and_the_socket_stays_open(posted, emoji):
    message, a, b = posted
    data = {"message_id": message["id"], "emoji": emoji}
    reply = await b.request("message.react", data, hostile=True)
    assert reply["event_type"] == "error"
    assert (reply["data"]["code"], reply["data"]["name"]) == (4004, "invalid_payload")
    assert "emoji" in reply["data"]["detail"]
    await a.silent("message.reactions")
    assert not await call(Reaction.objects.exists)
    await b.ok("message.react", {"message_id": message["id"], "emoji": "👍"})


async def test_two_users_two_emoji_counted_and_named(posted, alice, bob):
    message, a, b = posted
    await a.ok("message.react", {"message_id": message["id"], "emoji": "👍"})
    await b.expect("message.reactions")
    await b.ok("message.react", {"message_id": message["id"], "emoji": "👍"})
    reply = await b.ok("message.react", {"message_id": message["id"], "emoji": "🎉"})
    alice_, bob_ = ({"id": u.pk, "username": u.username} for u in (alice, bob))
    assert reply["message"]["reactions"] == [
        {"emoji": "👍", "count": 2, "users": [alice_, bob_], "me": True},
        {"emoji": "🎉", "count": 1, "users": [bob_], "me": True},
    ]
    # Alice's own, then bob's two.
    seen = [await a.expect("message.reactions") for _ in range(3)]
    assert seen[-1]["change"] == {"user": bob_, "emoji": "🎉", "added": True}
    # Taking one away again; the room hears which.
    removed = await b.ok(
        "message.react", {"message_id": message["id"], "emoji": "👍", "remove": True}
    )
    assert [(r["emoji"], r["count"], r["me"]) for r in removed["message"]["reactions"]] == [
        ("👍", 1, False),
        ("🎉", 1, True),
    ]
    event = await a.expect("message.reactions")
    assert event["change"] == {"user": bob_, "emoji": "👍", "added": False}
    history = await a.ok("room.messages", {"room_id": message["room_id"]})
    assert [r["me"] for r in history["messages"][0]["reactions"]] == [True, False]


async def test_a_users_reactions_on_a_message_are_limited(posted, settings):
    settings.CHAT = {**settings.CHAT, "REACTIONS_PER_USER": 2}
    message, a, b = posted
    for emoji in ("👍", "🎉"):
        await b.ok("message.react", {"message_id": message["id"], "emoji": emoji})
    reply = await b.request("message.react", {"message_id": message["id"], "emoji": "😮"})
    assert (reply["data"]["code"], reply["data"]["name"]) == (4091, "too_many_reactions")
    assert await call(Reaction.objects.count) == 2
    await b.ok("session.heartbeat")


async def test_reactions_have_a_rate_limit_of_their_own(posted, settings):
    settings.CHAT = {
        **settings.CHAT,
        "RATE_LIMITS": {**settings.CHAT["RATE_LIMITS"], "reactions": (0.001, 3)},
    }
    message, a, b = posted
    codes = []
    for emoji in ("👍", "🎉", "😮", "😢", "🙏"):
        reply = await b.request("message.react", {"message_id": message["id"], "emoji": emoji})
        codes.append(reply["data"].get("code") if reply["event_type"] == "error" else "ok")
    assert codes == ["ok", "ok", "ok", 4029, 4029]
    assert await call(Reaction.objects.count) == 3
    # Other events still pass.
    await b.ok("room.list")
