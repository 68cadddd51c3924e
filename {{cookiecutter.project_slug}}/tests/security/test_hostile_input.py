"""Hostile input through a real socket and over HTTP, on SQLite and on PostgreSQL.

Every case answers its error (4004 on a socket, 400 over HTTP), the socket stays open, nothing
is stored or changed, and the server logs no error.
"""

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest

from tests.clients import connect_websocket, fetch_token, post_upload
from tests.hostile_frames import BAD_FRAMES
from testservers.live import LiveServer, base_env, create_users, run_django

pytestmark = [pytest.mark.timeout(180)]

PASSWORD = "pw-for-tests"
HUGE = 2**63
LONE = "\ud800"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory, redis_server):
    workdir = tmp_path_factory.mktemp(f"hostile-{request.param}")
    overrides = {"REDIS_URL": redis_server.url, "CHANNEL_LAYER_PREFIX": f"h{uuid.uuid4().hex[:8]}"}
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres_server")
        overrides["DATABASE_URL"] = postgres.create_database(f"hostile_{uuid.uuid4().hex[:8]}")
    env = base_env(
        workdir, **overrides, CHAT_RATE_LIMIT_PER_SECOND=1000, CHAT_RATE_LIMIT_BURST=1000
    )
    live = LiveServer(workdir, env)
    create_users(env, "alice", "bob", password=PASSWORD)
    with live:
        yield live


def stored_state(server):
    """Everything a bad event could have changed, as text."""
    return run_django(
        server.env,
        """
        from chat.models import Bot, Membership, Message, Reaction, Room
        for model in (Room, Message, Membership, Reaction, Bot):
            print(sorted(model.objects.values_list()))
        """,
    )


# (event_type, data built from the room and message ids)
BAD_EVENTS = [
    ("message.send", lambda r, m: {"room_id": HUGE, "content": "x"}),
    ("message.send", lambda r, m: {"room_id": r, "content": "x", "reply_to": HUGE}),
    ("message.send", lambda r, m: {"room_id": r, "content": f"broken {LONE} text"}),
    ("message.send", lambda r, m: {"room_id": r, "content": "nul \x00 inside"}),
    ("message.send", lambda r, m: {"room_id": r, "content": "x", "client_msg_id": LONE}),
    ("message.edit", lambda r, m: {"message_id": HUGE, "content": "x"}),
    ("message.edit", lambda r, m: {"message_id": m, "content": f"{LONE}"}),
    ("message.edit", lambda r, m: {"message_id": m, "content": "\x00"}),
    ("message.delete", lambda r, m: {"message_id": HUGE}),
    ("message.react", lambda r, m: {"message_id": m, "emoji": LONE}),
    ("message.react", lambda r, m: {"message_id": m, "emoji": "\x00"}),
    ("message.read", lambda r, m: {"room_id": r, "seq": HUGE}),
    ("room.messages", lambda r, m: {"room_id": r, "after_seq": HUGE}),
    ("room.info", lambda r, m: {"room_id": HUGE}),
    ("room.create", lambda r, m: {"kind": "group", "name": f"n{LONE}"}),
    ("room.create", lambda r, m: {"kind": "group", "name": "nul\x00"}),
    ("room.create", lambda r, m: {"kind": "group", "name": "big", "max_members": 2**31}),
    ("room.create", lambda r, m: {"kind": "group", "name": "huge", "max_members": HUGE}),
    ("room.create", lambda r, m: {"kind": "group", "name": "g", "members": [LONE]}),
    ("room.create", lambda r, m: {"kind": "group", "name": "g", "members": ["a\x00"]}),
    ("room.update", lambda r, m: {"room_id": r, "description": f"{LONE}"}),
    ("room.update", lambda r, m: {"room_id": r, "max_members": 2**31}),
    ("room.add_members", lambda r, m: {"room_id": r, "members": [LONE]}),
    ("room.mute", lambda r, m: {"room_id": r, "muted": "yes"}),
    ("bot.create", lambda r, m: {"room_id": r, "name": f"bot{LONE}"}),
    ("bot.create", lambda r, m: {"room_id": r, "name": "bot\x00"}),
    ("bot.create", lambda r, m: {"room_id": HUGE, "name": "builds"}),
    ("bot.revoke", lambda r, m: {"bot_id": HUGE}),
]


@pytest.fixture(scope="module")
def alice(server):
    """alice's socket, her room with bob and one message in it."""

    async def setup():
        token = await asyncio.to_thread(fetch_token, server.url, "alice", PASSWORD)
        client = await connect_websocket(server.ws_url, token=token)
        room = await client.ok("room.create", {"kind": "group", "name": "R", "members": ["bob"]})
        message = await client.ok("message.send", {"room_id": room["room"]["id"], "content": "m"})
        await client.close()
        return token, room["room"]["id"], message["message"]["id"]

    return asyncio.run(setup())


@pytest.mark.parametrize(("event_type", "make_data"), BAD_EVENTS)
async def test_bad_values_answer_4004_and_change_nothing(server, alice, event_type, make_data):
    token, room_id, message_id = alice
    client = await connect_websocket(server.ws_url, token=token)
    before, log_before = stored_state(server), len(server.log())
    frame = {"event_type": event_type, "data": make_data(room_id, message_id), "request_id": "q"}
    await client.send_text(json.dumps(frame))  # json.dumps escapes lone surrogates as \ud800
    reply = await client.until(lambda e: e.get("request_id") == "q", timeout=10)
    assert (reply["event_type"], reply["data"]["code"]) == ("error", 4004), reply
    assert (await client.ok("room.list"))["rooms"], "the socket still answers"
    await client.close()
    assert stored_state(server) == before
    new_log = server.log()[log_before:]
    assert "Traceback" not in new_log and "ERROR" not in new_log, new_log


@pytest.mark.parametrize("request_id", [LONE, "a\x00b", HUGE, True])
async def test_a_bad_request_id_is_refused_not_echoed(server, alice, request_id):
    token, _, _ = alice
    client = await connect_websocket(server.ws_url, token=token)
    await client.send_text(json.dumps({"event_type": "room.list", "request_id": request_id}))
    reply = await client.until(lambda envelope: envelope["event_type"] == "error", timeout=10)
    assert (reply["event_type"], reply["data"]["code"]) == ("error", 4002)
    assert "request_id" not in reply
    assert (await client.ok("session.heartbeat"))["rooms"]
    await client.close()


async def test_bidi_controls_are_stripped_from_names_and_overrides_from_content(server, alice):
    token, room_id, _ = alice
    client = await connect_websocket(server.ws_url, token=token)
    name = (await client.ok("room.create", {"kind": "group", "name": "\u202egnp.exe"}))["room"]
    assert name["name"] == "gnp.exe"
    sent = await client.ok(
        "message.send", {"room_id": room_id, "content": "\u202eevil \u2067שלום\u2069"}
    )
    assert sent["message"]["content"] == "evil \u2067שלום\u2069"
    await client.close()


def post_token(server, body):
    request = urllib.request.Request(
        f"{server.url}/api/token/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Forwarded-For": f"192.0.2.{len(body) % 250}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


BAD_BODIES = [
    json.dumps({"username": "alice", "password": 1}).encode(),
    json.dumps({"username": "nobody-here", "password": 1}).encode(),
    json.dumps({"username": ["alice"], "password": "x"}).encode(),
    json.dumps({"username": "alice"}).encode(),
    json.dumps({"username": "alice", "password": "x", "extra": 1}).encode(),
    json.dumps({"username": LONE, "password": "x"}).encode(),
    json.dumps({"username": "alice", "password": LONE}).encode(),
    json.dumps({"username": "al\x00ice", "password": "x"}).encode(),
    json.dumps({"username": "alice", "password": "x" * 5000}).encode(),
    b"[" * 100_000 + b"]" * 100_000,
    b'{"username": ' * 5000,
    b"\xff\xfe not utf-8",
    b"[]",
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_the_token_endpoint_answers_400_to_bad_bodies(server, body):
    log_before = len(server.log())
    status, answer = post_token(server, body)
    # A body over the site's request limit (64 KiB) is refused before anything reads it.
    expected = (413, "request_too_large") if len(body) > 64 * 1024 else (400, "invalid_request")
    assert (status, answer["error"]) == expected
    new_log = server.log()[log_before:]
    assert "Traceback" not in new_log and "Internal Server Error" not in new_log, new_log


def arabic_indic(number):
    """The number in Arabic-Indic digits, which int() reads and a form field must not carry."""
    return str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


BAD_ROOM_IDS = [
    lambda room: "²",  # isdigit() says yes, int() says no
    lambda room: "9" * 5000,  # more digits than int() reads
    lambda room: arabic_indic(room),  # alice's own room, in other digits
    lambda room: f"{room}_0",
    lambda room: f" {room}",
    lambda room: str(HUGE),
    lambda room: "0",
]


@pytest.mark.parametrize("make_room_id", BAD_ROOM_IDS, ids=range(len(BAD_ROOM_IDS)))
def test_the_upload_endpoint_answers_400_to_a_room_id_that_is_not_an_id(
    server, alice, make_room_id
):
    token, room_id, _ = alice
    count = "from chat.models import Attachment; print(Attachment.objects.count())"
    before, log_before = run_django(server.env, count), len(server.log())
    status, _, answer = post_upload(server.url, token, make_room_id(room_id), "a.txt", b"hi\n")
    assert (status, answer["error"]) == (400, "invalid_payload"), answer
    assert run_django(server.env, count) == before
    new_log = server.log()[log_before:]
    assert "Traceback" not in new_log and "Internal Server Error" not in new_log, new_log


@pytest.mark.parametrize(("frame", "code", "echoes_id"), BAD_FRAMES)
async def test_malformed_frames_get_their_code_over_a_real_socket(
    server, alice, frame, code, echoes_id
):
    token, _, _ = alice
    client = await connect_websocket(server.ws_url, token=token)
    before = stored_state(server)
    await client.send_text(frame)
    # Pushed events (alice's own presence) may come first; the error is the answer.
    error = await client.until(lambda envelope: envelope["event_type"] == "error", timeout=10)
    assert (error["event_type"], error["data"]["code"]) == ("error", code), error
    assert ("request_id" in error) is echoes_id
    assert (await client.ok("room.list"))["rooms"]
    await client.close()
    assert stored_state(server) == before
