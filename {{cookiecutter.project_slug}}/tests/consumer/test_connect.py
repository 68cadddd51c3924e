import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chat.auth import token_issue
from chat.models import ChatSession
from config.asgi import application
from tests.clients import connect_communicator

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_hello_lists_rooms_and_limits(connect, alice):
    client = await connect(alice)
    hello = client.hello
    assert hello["user"] == {"id": alice.pk, "username": "alice"}
    assert hello["rooms"] == []
    assert hello["limits"]["max_frame_bytes"] == 64 * 1024
    assert hello["heartbeat_interval"] == 20


async def test_bad_token_is_closed_with_4001(redis_layer):
    client = await connect_communicator(token="not-a-token", expect_hello=False)
    closed = await client.communicator.receive_output(timeout=3)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4001


async def close_code(client):
    closed = await client.communicator.receive_output(timeout=3)
    assert closed["type"] == "websocket.close"
    return closed["code"]


async def test_token_stops_working_when_the_password_changes(redis_layer, alice):
    token, _ = await sync_to_async(token_issue)(alice)
    alice.set_password("a-new-password")
    await sync_to_async(alice.save)()
    client = await connect_communicator(token=token, expect_hello=False)
    assert await close_code(client) == 4001


async def test_expired_token_is_refused(redis_layer, alice, settings):
    token, _ = await sync_to_async(token_issue)(alice)
    settings.CHAT = {**settings.CHAT, "TOKEN_TTL": -1}
    client = await connect_communicator(token=token, expect_hello=False)
    assert await close_code(client) == 4001


async def test_connect_records_the_session_and_disconnect_removes_it(connect, alice):
    client = await connect(alice, headers=[(b"user-agent", b"pytest-agent")])
    session = await sync_to_async(ChatSession.objects.get)(user=alice)
    assert session.pk == client.hello["session_id"]
    assert session.user_agent == "pytest-agent"
    await client.close()
    assert not await sync_to_async(ChatSession.objects.filter(user=alice).exists)()


async def test_a_failed_connect_leaves_nothing_subscribed(redis_layer, alice, monkeypatch):
    from chat import fanout, services

    def database_down(**kwargs):
        raise RuntimeError("the database is down")

    # A fault the test cannot cause for real without stopping the database for every test.
    monkeypatch.setattr(services, "sessions_open", database_down)
    token, _ = await sync_to_async(token_issue)(alice)
    bearer = [(b"authorization", f"Bearer {token}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/chat/", headers=bearer)
    connected, _ = await communicator.connect(timeout=5)
    assert connected  # accepted first, so a refusal can carry a close code
    with pytest.raises(RuntimeError, match="the database is down"):
        await communicator.receive_output(timeout=3)
    process = await fanout.for_this_process()
    assert process.groups == {}
