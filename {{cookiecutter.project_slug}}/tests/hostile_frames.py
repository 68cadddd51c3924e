"""Malformed frames and the error code each must get: shared by the in-process consumer
tests and the hostile-input suite that replays them against a running server."""

import json

BIG = "x" * (64 * 1024)

# (frame sent as text, expected error code, whether request_id is echoed)
BAD_FRAMES = [
    ("{not json", 4000, False),
    ("[" * 100_000, 4005, False),
    ('"just a string"', 4002, False),
    ("[1, 2]", 4002, False),
    (json.dumps({"data": {}}), 4002, False),
    (json.dumps({"event_type": 7}), 4002, False),
    (json.dumps({"event_type": "room.list", "extra": 1}), 4002, False),
    (json.dumps({"event_type": "room.list", "request_id": "x" * 65}), 4002, False),
    (json.dumps({"event_type": "room.list", "data": [], "request_id": "q"}), 4002, True),
    (json.dumps({"event_type": "nope", "request_id": "q"}), 4003, True),
    (json.dumps({"event_type": "message.send", "data": {}, "request_id": "q"}), 4004, True),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": "1", "content": "x"},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": True, "content": "x"},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": 1, "content": "   "},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": 1, "content": "x" * 10_001},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": 1, "content": "x", "client_msg_id": "bad id!"},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": 1, "content": "x", "is_deleted": True},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps({"event_type": "message.send", "data": {"room_id": 1, "content": BIG}}),
        4005,
        False,
    ),
    (
        json.dumps(
            {
                "event_type": "room.messages",
                "data": {"room_id": 1, "after_seq": -1},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps({"event_type": "room.create", "data": {"kind": "castle"}, "request_id": "q"}),
        4004,
        True,
    ),
    # Frames the one-pass decoder refuses and the plain-JSON reading must then explain.
    ('{"event_type": "room.list", "request_id": "\\ud800"}', 4002, False),
    (json.dumps({"event_type": "room.list", "request_id": 1.5}), 4002, False),
    (json.dumps({"event_type": "room.list", "data": None, "request_id": "q"}), 4002, True),
    ('{"event_type": "room.list", "data": {}, "data": {"x": 1}, "request_id": "q"}', 4004, True),
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": 1.0, "content": "x"},
                "request_id": 2,
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "room.create",
                "data": {"kind": "group", "name": "\ud800"},
                "request_id": 3,
            }
        ),
        4004,
        True,
    ),
    (
        json.dumps(
            {
                "event_type": "room.add_members",
                "data": {"room_id": 1, "members": ["ok", "a\x00"]},
                "request_id": "q",
            }
        ),
        4004,
        True,
    ),
]

# message.send's attachments must be a short list of positive ids that fit the database:
# too many, not numbers, booleans, zero, negative, above 2^63 - 1, nested, not a list.
BAD_FRAMES += [
    (
        json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": 1, "content": "x", "attachments": attachments},
                "request_id": "q",
            }
        ),
        4004,
        True,
    )
    for attachments in (
        list(range(1, 12)),
        ["1"],
        [True],
        [0],
        [-3],
        [2**63],
        [[1]],
        {"id": 1},
        1,
        "1,2",
    )
]


# message.forward: two positive ids that fit the database, an optional client_msg_id.
BAD_FRAMES += [
    (
        json.dumps({"event_type": "message.forward", "data": data, "request_id": "q"}),
        4004,
        True,
    )
    for data in (
        {},
        {"message_id": 1},
        {"room_id": 1},
        {"message_id": "1", "room_id": 1},
        {"message_id": 1, "room_id": True},
        {"message_id": 0, "room_id": 1},
        {"message_id": 1, "room_id": 2**63},
        {"message_id": 1, "room_id": 1, "client_msg_id": "a b"},
        {"message_id": 1, "room_id": 1, "content": "changed"},
    )
]


# Threads: a root id, a seq and a flag of the right types and ranges; a cursor as handed out.
BAD_FRAMES += [
    (
        json.dumps({"event_type": event_type, "data": data, "request_id": "q"}),
        4004,
        True,
    )
    for event_type, data in (
        ("message.send", {"room_id": 1, "content": "x", "thread_root_id": "1"}),
        ("message.send", {"room_id": 1, "content": "x", "thread_root_id": 0}),
        ("message.send", {"room_id": 1, "content": "x", "thread_root_id": 2**63}),
        ("message.send", {"room_id": 1, "content": "x", "thread_root_id": True}),
        ("message.send", {"room_id": 1, "content": "x", "also_to_room": "yes"}),
        ("message.send", {"room_id": 1, "content": "x", "also_to_room": 1}),
        ("room.messages", {"room_id": 1, "thread_root_id": -1}),
        ("room.messages", {"room_id": 1, "timeline": "yes"}),
        ("room.messages", {"room_id": 1, "timeline": 1}),
        ("thread.follow", {}),
        ("thread.follow", {"thread_root_id": [1]}),
        ("thread.unfollow", {"thread_root_id": 1.5}),
        ("thread.follow", {"thread_root_id": 1, "following": True}),
        ("thread.read", {"thread_root_id": 1}),
        ("thread.read", {"thread_root_id": 1, "seq": -1}),
        ("thread.read", {"thread_root_id": 1, "seq": 2**63}),
        ("threads.list", {"limit": 0}),
        ("threads.list", {"limit": 101}),
        ("threads.list", {"cursor": "yesterday"}),
        ("threads.list", {"cursor": "9999999999999999999:1"}),
    )
]


# Bots: a room id and a username of the right types and bounds, a bot id in range.
BAD_FRAMES += [
    (
        json.dumps({"event_type": event_type, "data": data, "request_id": "q"}),
        4004,
        True,
    )
    for event_type, data in (
        ("bot.create", {"room_id": 1}),
        ("bot.create", {"room_id": 1, "name": ""}),
        ("bot.create", {"room_id": 1, "name": "   "}),
        ("bot.create", {"room_id": 1, "name": "x" * 151}),
        ("bot.create", {"room_id": 1, "name": ["builds"]}),
        ("bot.create", {"room_id": 0, "name": "builds"}),
        ("bot.create", {"room_id": 1, "name": "builds", "token": "mine"}),
        ("bot.list", {"room_id": 2**63}),
        ("bot.revoke", {}),
        ("bot.revoke", {"bot_id": "1"}),
        ("bot.revoke", {"bot_id": -1}),
    )
]
