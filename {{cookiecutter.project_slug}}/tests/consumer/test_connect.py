import pytest

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
