"""A socket's hello promises its rooms' later events, even where Redis is farther from its
dyno than from another's.

The consumer joins its rooms' groups, then reads their positions for the hello: every message
after those positions must reach the socket live. Joining a group sends Redis a SUBSCRIBE
without waiting for it; from a dyno whose path to Redis is longer (stunnel, a busy machine)
than another dyno's, a message that other dyno publishes just after the hello can reach Redis
first, and is lost at the head of the socket's stream, behind its hello's position, where a
client that checks gaps only between messages it received never looks. Here the channel
layer reaches a real Redis through a proxy that delays what it sends; the other dyno
publishes to Redis directly.
"""

import pytest
import redis.asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from chat import broadcast
from tests.clients import connect_communicator
from tests.conftest import pubsub_layer_settings
from tests.domain import group, send
from tests.latency_proxy import LatencyProxy

pytestmark = [pytest.mark.django_db(transaction=True)]

# Far more than a connect's own database reads take, so without a confirmed subscription the
# other dyno's message always arrives first.
LAYER_DELAY = 0.3


def send_on_another_dyno(user, room, content):
    """Store a message as another dyno does; return what that dyno publishes for it."""
    with broadcast.collected() as outbox:
        send(user, room, content)
    return outbox


async def test_a_message_published_elsewhere_right_after_the_hello_arrives(
    redis_server, settings, alice, bob
):
    room = await sync_to_async(group)(alice, bob)
    async with LatencyProxy(redis_server.port, LAYER_DELAY) as proxy:
        settings.CHANNEL_LAYERS = pubsub_layer_settings(f"redis://127.0.0.1:{proxy.port}", "far")
        layer = get_channel_layer()
        other_dyno = redis.asyncio.Redis(port=redis_server.port)
        try:
            client = await connect_communicator(alice)
            outbox = await sync_to_async(send_on_another_dyno)(bob, room, "right after")
            for group_name, message, _ in outbox:
                channel = layer._get_layer()._get_group_channel_name(group_name)
                await other_dyno.publish(channel, layer.serialize(message))
            [position] = client.hello["rooms"]
            try:
                new = await client.expect("message.new", timeout=5)
            except TimeoutError:
                pytest.fail("the message published right after the hello never arrived")
            assert new["message"]["content"] == "right after"
            assert new["message"]["seq"] == position["last_seq"] + 1
            await client.close()
        finally:
            await other_dyno.aclose()
            await layer.flush()
