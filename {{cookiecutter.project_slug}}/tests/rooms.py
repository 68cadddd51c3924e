"""Rooms and messages made through a socket, as a client makes them: the consumer tests' way.

Users come from the fixtures in tests/conftest.py (``alice``, ``bob``, ``carol``, and
``make_user(name)`` for more); a socket for one from ``connect(user)``, a ChatClient
(tests/clients.py). Then:

    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, members=["carol"])   # carol is a member with no socket
    message = await say(b, room, "hi")

``room_with`` returns once the owner's socket and every client given have heard room.created
for the room: from then on their sockets are in the room's group, so whatever is sent to the
room reaches them, and a test waits for that event rather than for time. A test about
room.create itself (its reply, who hears of it) sends the frame by hand.

Rooms set up without a socket (through the services, in a synchronous test or with
tests.helpers.call) come from tests/domain.py, which builds them the same way the services do.
"""


def username(client):
    return client.hello["user"]["username"]


async def create_room(owner, *, kind="group", members=(), name="Team", **options):
    """Send room.create as ``owner`` (a ChatClient) and return the room from its reply."""
    data = {"kind": kind, "members": list(members), **options}
    if kind != "direct":
        data["name"] = name
    return (await owner.ok("room.create", data))["room"]


async def joined(room, *clients):
    """Wait until each client's socket has heard room.created for ``room`` (it is in the
    room's group from then on)."""
    for client in clients:
        await client.expect("room.created", where=lambda data: data["room"]["id"] == room["id"])


async def room_with(owner, *clients, kind="group", members=(), name="Team", **options):
    """A room ``owner`` creates with the users of ``clients`` and the usernames ``members``;
    returned once the owner and every client are in it. ``options``: room.create's other keys
    (is_public, posting_locked, max_members, description)."""
    others = [username(c) for c in clients if username(c) != username(owner)] + list(members)
    names = list(dict.fromkeys(others))  # a user with two sockets is named once
    room = await create_room(owner, kind=kind, members=names, name=name, **options)
    await joined(room, owner, *clients)
    return room


async def say(client, room, content="hello", **extra):
    """Send a message to ``room`` as ``client``; return the message from the reply."""
    data = {"room_id": room["id"], "content": content, **extra}
    return (await client.ok("message.send", data))["message"]
