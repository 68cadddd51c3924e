"""Fixtures shared by the whole suite: users, real service processes, chat clients."""

import uuid

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model

from tests.clients import connect_communicator
from tests.helpers import start_service
from testservers.postgres import PostgresServer
from testservers.redis_server import RedisServer


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: user ids repeat between tests, cache keys too."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = start_service(lambda: RedisServer(tmp_path_factory.mktemp("redis")))
    with server:
        yield server


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    server = start_service(lambda: PostgresServer(tmp_path_factory.mktemp("postgres")))
    with server:
        yield server


def pubsub_layer_settings(redis_url, prefix):
    from config.settings import redis_connection_options

    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {"address": redis_url, **redis_connection_options(redis_url, asyncio=True)}
                ],
                "prefix": prefix,
            },
        }
    }


@pytest.fixture
async def redis_layer(redis_server, settings):
    """Use the production channel layer (Redis pub/sub) on the test's own Redis."""
    settings.CHANNEL_LAYERS = pubsub_layer_settings(redis_server.url, f"t{uuid.uuid4().hex[:8]}")
    yield get_channel_layer()
    await get_channel_layer().flush()


@pytest.fixture
def own_redis_layer(tmp_path, settings):
    """The production channel layer on a Redis of the test's own, which the test may stop."""
    server = start_service(lambda: RedisServer(tmp_path / "redis"))
    with server:
        settings.CHANNEL_LAYERS = pubsub_layer_settings(server.url, "own")
        yield server


@pytest.fixture
def make_user(db):
    def make(username, password="pw-for-tests"):
        return get_user_model().objects.create_user(username=username, password=password)

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
async def connect(redis_layer):
    """Open authenticated chat sockets through the full ASGI stack; close them afterwards."""
    opened = []

    async def open_socket(user, **kwargs):
        client = await connect_communicator(user, **kwargs)
        opened.append(client)
        return client

    yield open_socket
    for client in opened:
        await client.close()


@pytest.fixture
def live_env(tmp_path):
    """Production-like settings for a server subprocess (SQLite in tmp_path, no Redis)."""
    from testservers.live import base_env

    return base_env(tmp_path)
