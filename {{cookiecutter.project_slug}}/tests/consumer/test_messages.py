"""message.* events through a real socket and the real Redis channel layer."""

import asyncio

import pytest

from chat import handlers, services
from chat.models import Message, Reaction
from tests.helpers import call
from tests.rooms import room_with

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
async def room_of(connect):
    """Return (room, clients): a group of the given users, each connected once."""

    async def make(*users, name="Team"):
        clients = [await connect(user) for user in users]
        return await room_with(*clients, name=name), clients

    return make


async def test_message_new_reaches_every_socket_of_every_member(room_of, connect, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    b_phone = await connect(bob)
    reply = await a.ok(
        "message.send", {"room_id": room["id"], "content": "hello", "client_msg_id": "c-1"}
    )
    message = reply["message"]
    assert {"id", "room_id", "seq", "sender", "content", "created_at", "client_msg_id"} <= set(
        message
    )
    assert message["seq"] == 1
    assert message["sender"] == {"id": alice.pk, "username": "alice"}
    assert message["client_msg_id"] == "c-1"
    for client in (a, b, b_phone):
        assert (await client.expect("message.new"))["message"] == message


async def test_seq_is_per_room_and_increments_by_one(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    other = (await a.ok("room.create", {"kind": "group", "name": "Other", "members": []}))["room"]
    seqs = [
        (await a.ok("message.send", {"room_id": room["id"], "content": f"m{i}"}))["message"]["seq"]
        for i in range(5)
    ]
    assert seqs == [1, 2, 3, 4, 5]
    first_elsewhere = await a.ok("message.send", {"room_id": other["id"], "content": "x"})
    assert first_elsewhere["message"]["seq"] == 1


async def test_resend_with_same_client_msg_id_stores_once(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    data = {"room_id": room["id"], "content": "once", "client_msg_id": "retry-me"}
    first = await a.ok("message.send", data)
    again = await a.ok("message.send", data)
    assert again["message"]["id"] == first["message"]["id"]
    assert again["message"]["seq"] == first["message"]["seq"]
    assert await call(Message.objects.filter(room_id=room["id"]).count) == 1
    await b.expect("message.new")
    await b.silent("message.new")


async def test_concurrent_resends_store_once(room_of, connect, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    a2 = await connect(alice)
    data = {"room_id": room["id"], "content": "twice", "client_msg_id": "same-id"}
    first, second = await asyncio.gather(a.ok("message.send", data), a2.ok("message.send", data))
    assert first["message"]["id"] == second["message"]["id"]
    assert await call(Message.objects.filter(room_id=room["id"]).count) == 1


async def test_sends_arriving_together_share_a_batch_and_each_gets_its_own_answer(
    room_of, connect, alice, bob, carol, monkeypatch
):
    sizes = []

    def recording(*, requests):
        sizes.append(len(requests))
        return services.messages_send(requests=requests)

    route = handlers.Route(services.message_send, batch=recording)
    monkeypatch.setitem(handlers.ROUTES, "message.send", route)
    room, (a, b) = await room_of(alice, bob)
    senders = [a, b, await connect(bob), await connect(bob)]
    repeaters = [await connect(alice), await connect(alice)]  # two devices, one client_msg_id
    outsider = await connect(carol)

    async def send_five(client, i):
        return [
            await client.request("message.send", {"room_id": room["id"], "content": f"{i}.{n}"}, 20)
            for n in range(5)
        ]

    same = {"room_id": room["id"], "content": "once", "client_msg_id": "same-id"}
    *bursts, repeats, refusal = await asyncio.gather(
        *(send_five(client, i) for i, client in enumerate(senders)),
        asyncio.gather(*(client.request("message.send", same, 20) for client in repeaters)),
        outsider.request("message.send", {"room_id": room["id"], "content": "not hers"}, 20),
    )

    assert max(sizes) > 1, sizes  # the sends did share batches
    replies = [envelope for burst in bursts for envelope in burst]
    assert all(envelope["event_type"] == "message.send" for envelope in replies), replies
    seqs = sorted(envelope["data"]["message"]["seq"] for envelope in replies)
    once = {envelope["data"]["message"]["id"] for envelope in repeats}
    assert len(once) == 1, repeats  # stored once
    assert refusal["event_type"] == "error" and refusal["data"]["code"] == 4040, refusal
    in_room = Message.objects.filter(room_id=room["id"]).order_by("seq")
    stored = await call(lambda: list(in_room.values_list("seq", flat=True)))
    assert stored == list(range(1, len(replies) + 2))  # gap-free: the 20 and the repeated one
    assert set(seqs) < set(stored)
    for client in (a, senders[3]):  # a socket of each member gets every message once
        got = [(await client.expect("message.new"))["message"]["seq"] for _ in stored]
        assert sorted(got) == stored
        await client.silent("message.new")


async def test_reply_to_a_message_in_the_same_room(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    parent = (await a.ok("message.send", {"room_id": room["id"], "content": "question"}))["message"]
    reply = await b.ok(
        "message.send", {"room_id": room["id"], "content": "answer", "reply_to": parent["id"]}
    )
    assert reply["message"]["reply_to"]["id"] == parent["id"]
    assert reply["message"]["reply_to"]["content"] == "question"


async def test_reply_or_reaction_to_a_hidden_room_is_refused(room_of, connect, alice, bob, carol):
    room, (a, b) = await room_of(alice, bob)
    secret = (await a.ok("message.send", {"room_id": room["id"], "content": "secret"}))["message"]
    c = await connect(carol)
    own = (await c.ok("room.create", {"kind": "group", "name": "Mine", "members": []}))["room"]
    reply = await c.request(
        "message.send", {"room_id": own["id"], "content": "x", "reply_to": secret["id"]}
    )
    assert reply["data"]["code"] == 4041
    assert "secret" not in str(reply)
    reaction = await c.request("message.react", {"message_id": secret["id"], "emoji": "👍"})
    assert reaction["data"]["code"] == 4041
    assert await call(Reaction.objects.count) == 0
    assert await call(Message.objects.filter(room_id=own["id"]).count) == 0


async def test_edit_by_sender_only(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    message = (await a.ok("message.send", {"room_id": room["id"], "content": "draft"}))["message"]
    refused = await b.request("message.edit", {"message_id": message["id"], "content": "mine"})
    assert refused["data"]["code"] == 4030
    edited = (await a.ok("message.edit", {"message_id": message["id"], "content": "final"}))[
        "message"
    ]
    assert edited["content"] == "final"
    assert edited["edited_at"] is not None
    assert edited["rev"] == 1
    pushed = await b.expect("message.edited")
    assert pushed["message"] == edited


async def test_delete_blanks_content_everywhere(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    parent = (await a.ok("message.send", {"room_id": room["id"], "content": "oops"}))["message"]
    await b.ok("message.send", {"room_id": room["id"], "content": "re", "reply_to": parent["id"]})
    deleted = (await a.ok("message.delete", {"message_id": parent["id"]}))["message"]
    assert deleted["deleted"] is True
    assert deleted["content"] == ""
    assert (await b.expect("message.deleted"))["message"]["id"] == parent["id"]
    history = (await b.ok("room.messages", {"room_id": room["id"]}))["messages"]
    assert [m["seq"] for m in history] == [1, 2]
    assert "oops" not in str(history)
    assert history[1]["reply_to"]["content"] == ""
    # The message keeps its place in the sequence and cannot be edited any more.
    refused = await a.request("message.edit", {"message_id": parent["id"], "content": "x"})
    assert refused["data"]["code"] == 4041


async def test_hard_delete_erases_content_from_the_database(room_of, alice, bob, settings):
    settings.CHAT = {**settings.CHAT, "HARD_DELETE": True}
    room, (a, b) = await room_of(alice, bob)
    message = (await a.ok("message.send", {"room_id": room["id"], "content": "gone"}))["message"]
    await a.ok("message.delete", {"message_id": message["id"]})
    stored = await call(Message.objects.get, pk=message["id"])
    assert stored.content == ""
    assert stored.seq == 1


async def test_room_admin_may_delete_others_messages(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    message = (await b.ok("message.send", {"room_id": room["id"], "content": "spam"}))["message"]
    await a.ok("message.delete", {"message_id": message["id"]})
    own = (await a.ok("message.send", {"room_id": room["id"], "content": "mine"}))["message"]
    refused = await b.request("message.delete", {"message_id": own["id"]})
    assert refused["data"]["code"] == 4030


async def test_read_pointer_moves_forward_only_and_reaches_the_room(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    for text in ("1", "2", "3"):
        await a.ok("message.send", {"room_id": room["id"], "content": text})
    read = await b.ok("message.read", {"room_id": room["id"], "seq": 2})
    assert read["last_read_seq"] == 2
    pushed = await a.expect("room.read")
    assert pushed == {
        "room_id": room["id"],
        "user": {"id": bob.pk, "username": "bob"},
        "last_read_seq": 2,
    }
    back = await b.ok("message.read", {"room_id": room["id"], "seq": 1})
    assert back["last_read_seq"] == 2
    beyond = await b.ok("message.read", {"room_id": room["id"], "seq": 99})
    assert beyond["last_read_seq"] == 3


async def test_typing_reaches_others_with_the_room_not_the_typist(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    await a.ok("message.typing", {"room_id": room["id"]})
    typing = await b.expect("room.typing")
    assert typing == {
        "room_id": room["id"],
        "user": {"id": alice.pk, "username": "alice"},
        "is_typing": True,
    }
    await a.silent("room.typing")


async def test_history_pages_and_catch_up(room_of, alice, bob, settings):
    settings.CHAT = {**settings.CHAT, "PAGE_MAX": 4}
    room, (a, b) = await room_of(alice, bob)
    for i in range(1, 11):
        await a.ok("message.send", {"room_id": room["id"], "content": f"m{i}"})
    newest = await b.ok("room.messages", {"room_id": room["id"]})
    assert [m["seq"] for m in newest["messages"]] == [7, 8, 9, 10]
    assert newest["has_more"] is True
    assert newest["last_seq"] == 10
    older = await b.ok("room.messages", {"room_id": room["id"], "before_seq": 7})
    assert [m["seq"] for m in older["messages"]] == [3, 4, 5, 6]
    oldest = await b.ok("room.messages", {"room_id": room["id"], "before_seq": 3, "limit": 50})
    assert [m["seq"] for m in oldest["messages"]] == [1, 2]
    assert oldest["has_more"] is False
    missed = await b.ok("room.messages", {"room_id": room["id"], "after_seq": 5})
    assert [m["seq"] for m in missed["messages"]] == [6, 7, 8, 9]
    assert missed["has_more"] is True
    rest = await b.ok("room.messages", {"room_id": room["id"], "after_seq": 9})
    assert [m["seq"] for m in rest["messages"]] == [10]
    assert rest["has_more"] is False


async def test_changes_since_a_rev(room_of, alice, bob):
    room, (a, b) = await room_of(alice, bob)
    m1 = (await a.ok("message.send", {"room_id": room["id"], "content": "a"}))["message"]
    m2 = (await a.ok("message.send", {"room_id": room["id"], "content": "b"}))["message"]
    await a.ok("message.edit", {"message_id": m2["id"], "content": "b2"})
    await b.ok("message.react", {"message_id": m1["id"], "emoji": "👍"})
    changes = await b.ok("room.messages", {"room_id": room["id"], "changed_after_rev": 0})
    assert [(m["id"], m["rev"]) for m in changes["messages"]] == [(m2["id"], 1), (m1["id"], 2)]
    assert changes["last_rev"] == 2
    none = await b.ok("room.messages", {"room_id": room["id"], "changed_after_rev": 2})
    assert none["messages"] == []


async def test_channel_and_locked_group_posting_rules(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    group = (
        await a.ok(
            "room.create",
            {"kind": "group", "name": "Locked", "members": ["bob"], "posting_locked": True},
        )
    )["room"]
    await b.expect("room.created")
    refused = await b.request("message.send", {"room_id": group["id"], "content": "hi"})
    assert refused["data"]["code"] == 4030
    await a.ok("room.update", {"room_id": group["id"], "posting_locked": False})
    await b.ok("message.send", {"room_id": group["id"], "content": "hi"})
