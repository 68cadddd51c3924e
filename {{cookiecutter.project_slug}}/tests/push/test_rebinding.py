"""A push connects only to the addresses checked as its connection is made (DNS rebinding).

A name's DNS answers belong to whoever owns the name: it can answer a public address to a
check and 127.0.0.1 to the lookup that follows. This machine has no such DNS, so the tests
replace the resolver for one name (NAME) and nothing else: it answers from a list, one
answer per lookup, the last one repeating. Everything else is real: the sockets, the push
thread, the loopback push service, and listeners standing for machines inside the network.
"""

import socket
from contextlib import contextmanager

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse
from urllib3.util import connection

from chat.models import PushSubscription
from chat.push import sender
from chat.push.outbox import outbox
from tests.helpers import call
from tests.push.conftest import subscribe
from tests.rooms import room_with, say
from testservers.push import PushService
from testservers.tls_redis import make_self_signed_certificate

pytestmark = [pytest.mark.django_db(transaction=True)]

NAME = "push.test"
PUBLIC = "93.184.215.14"  # a public address: no connection to it leaves this machine (below)


class Resolver:
    """socket.getaddrinfo, but NAME answers ``answers`` in turn (the last one repeats), each
    an address or a tuple of them."""

    def __init__(self, real):
        self.real = real
        self.answers = []
        self.lookups = 0

    def __call__(self, host, port, *args, **kwargs):
        if host != NAME:
            return self.real(host, port, *args, **kwargs)
        self.lookups += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
            for address in ((answer,) if isinstance(answer, str) else answer)
        ]


@pytest.fixture
def dns(monkeypatch):
    resolver = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


@contextmanager
def listener(host, port=0):
    """A machine inside the network: a port that takes connections and never answers."""
    with socket.create_server((host, port)) as server:
        server.setblocking(False)
        yield server


def reached(server):
    """Whether anything connected to ``server`` (the kernel queues it, accepted or not)."""
    try:
        conn, _ = server.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def subscribe_at(user, browser, endpoint):
    client = Client()
    client.force_login(user)
    answer = client.post(
        reverse("chat:push_subscribe"),
        {**browser.info(), "endpoint": endpoint},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content


async def mentions_of_bob(connect, alice, bob):
    """A function that has alice mention bob and waits until the push thread is done."""
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")

    async def mention():
        await say(a, room, "@bob hello")
        await sync_to_async(outbox.join)()

    return mention


async def test_a_push_goes_to_the_address_its_connection_checked(connect, alice, bob, push, dns):
    """Both answers are this machine's (allowed in tests): the push reaches the first, which
    was checked, and no second lookup sends it to 127.0.0.2."""
    dns.answers = ["127.0.0.1"]
    with PushService(name=NAME) as service, listener("127.0.0.2", service.port) as elsewhere:
        service.vapid_key = push.vapid_key
        await call(subscribe, user=bob, service=service)
        mention = await mentions_of_bob(connect, alice, bob)
        dns.answers, dns.lookups = ["127.0.0.1", "127.0.0.2"], 0
        await mention()
        (delivery,) = await sync_to_async(service.wait_for)(1)
        # The name is kept for everything but the address: the Host header, the VAPID audience.
        assert delivery.headers["host"] == f"{NAME}:{service.port}"
        assert dns.lookups == 1
        assert not reached(elsewhere)
    assert service.refusals == []


@pytest.mark.parametrize("names", [("DNS:push.test",), ("IP:127.0.0.1",)])
async def test_over_https_the_certificate_is_verified_for_the_endpoints_name(
    connect, alice, bob, push, dns, tmp_path, monkeypatch, names
):
    """The connection goes to the checked address and TLS still asks for (SNI) and verifies
    the name: a certificate for the address alone is refused like any other wrong one."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make_self_signed_certificate(cert, key, names)
    # The push thread trusts the test's certificate as it trusts public authorities.
    monkeypatch.setattr(sender._http(), "verify", str(cert))
    dns.answers = ["127.0.0.1"]
    with PushService(name=NAME, tls=(cert, key)) as service:
        service.vapid_key = push.vapid_key
        await call(subscribe, user=bob, service=service)
        mention = await mentions_of_bob(connect, alice, bob)
        failed = outbox.counts["failed"]
        await mention()
        assert service.server_names == [NAME]
        if names == ("DNS:push.test",):
            (delivery,) = await sync_to_async(service.wait_for)(1)
            assert delivery.headers["host"] == f"{NAME}:{service.port}"
        else:
            assert service.deliveries == []
            assert outbox.counts["failed"] == failed + 1
    assert service.refusals == []


async def test_a_names_addresses_are_tried_in_turn(connect, alice, bob, push, dns):
    """Where the first address takes no connection, the next checked one is tried, as
    before: a push service whose IPv6 address this server cannot reach still gets its push."""
    dns.answers = [("127.0.0.3", "127.0.0.1")]  # nothing listens on 127.0.0.3
    with PushService(name=NAME) as service:
        service.vapid_key = push.vapid_key
        await call(subscribe, user=bob, service=service)
        mention = await mentions_of_bob(connect, alice, bob)
        await mention()
        await sync_to_async(service.wait_for)(1)
    assert service.refusals == []


async def test_a_name_rebound_to_loopback_after_its_check_reaches_nothing_inside(
    connect, alice, bob, push, dns, settings, monkeypatch
):
    """In production's rule (public addresses only) the name answers a public address once,
    then 127.0.0.1, where a machine inside listens. The push connects to the public address
    (refused here: no public host exists on this machine, and none is contacted); the next
    push's connection finds 127.0.0.1, is refused, and the subscription goes."""
    settings.CHAT = {**settings.CHAT, "PUSH_ALLOW_LOOPBACK": False}
    attempts = []
    real = connection.create_connection

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(f"{PUBLIC} is not contacted from the tests")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(connection, "create_connection", create_connection)
    with listener("127.0.0.1") as inside:
        port = inside.getsockname()[1]
        dns.answers = [PUBLIC]
        endpoint = f"https://{NAME}:{port}/push/bob"
        await call(subscribe_at, user=bob, browser=push.subscribe(), endpoint=endpoint)
        mention = await mentions_of_bob(connect, alice, bob)
        dns.answers = [PUBLIC, "127.0.0.1"]
        failed = outbox.counts["failed"]
        await mention()
        assert attempts == [(PUBLIC, port)]
        assert outbox.counts["failed"] == failed + 1
        assert await call(PushSubscription.objects.filter(user=bob).exists)

        await mention()
        assert attempts == [(PUBLIC, port)]
        assert not await call(PushSubscription.objects.filter(user=bob).exists)
        assert not reached(inside)
