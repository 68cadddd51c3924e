"""A short-lived process's pushes: sent before it exits, and a dead push service holds the
exit no longer than CHAT_PUSH_EXIT_WAIT.

Real processes, as a management command or a scheduled job runs: each posts a mention of bob
through the services and ends at once, on a SQLite database of the module's own, with push
on and bob's browser subscribed on the loopback push service (testservers/push.py).
"""

import json
import subprocess
import sys
import time

import pytest

from chat.management.commands.vapid_keys import new_pair
from testservers.live import PROJECT, base_env, create_users, manage, run_django
from testservers.push import PushService

pytestmark = [pytest.mark.timeout(120)]

POST_AND_EXIT = """
import django
django.setup()
from django.contrib.auth import get_user_model
from chat import services
alice = get_user_model().objects.get(username="alice")
services.message_send(user=alice, room_id={room_id}, content="@bob from a scheduled job")
print("queued", flush=True)
"""

SUBSCRIBE_BOB = """
from django.contrib.auth import get_user_model
from django.test import Client
from chat.models import PushSubscription
from chat.push import subscriptions
bob = get_user_model().objects.get(username="bob")
PushSubscription.objects.all().delete()
client = Client()
client.force_login(bob)
subscriptions.subscribe(user=bob, session_key=client.session.session_key, data={info})
"""

MAKE_ROOM = """
from django.contrib.auth import get_user_model
from chat import services
alice = get_user_model().objects.get(username="alice")
print(services.room_create(user=alice, kind="group", name="general", members=["bob"])["room"]["id"])
"""


class Site:
    def __init__(self, workdir):
        self.public, private = new_pair()
        self.env = base_env(
            workdir,
            VAPID_PUBLIC_KEY=self.public,
            VAPID_PRIVATE_KEY=private,
            VAPID_SUBJECT="mailto:ops@example.com",
            CHAT_PUSH_ALLOW_LOOPBACK="true",
        )
        manage(self.env, "migrate", "--no-input")
        create_users(self.env, "alice", "bob")
        self.room_id = int(run_django(self.env, MAKE_ROOM))

    def subscribe_bob(self, service):
        service.vapid_key = self.public
        info = json.dumps(service.subscribe().info())
        run_django(self.env, SUBSCRIBE_BOB.format(info=info))

    def post_and_exit(self, **settings):
        """Start the process that posts and exits; return it once it says the push is queued."""
        process = subprocess.Popen(
            [sys.executable, "-c", POST_AND_EXIT.format(room_id=self.room_id)],
            cwd=PROJECT,
            env={**self.env, **settings},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline() == "queued\n", process.communicate()
        return process


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("exit"))


def test_a_process_that_exits_at_once_has_sent_its_push(site):
    with PushService() as service:
        site.subscribe_bob(service)
        process = site.post_and_exit()
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 0, errors
        # Arrived before the process ended: no waiting here.
        (delivery,) = service.wait_for(1, timeout=0)
        assert delivery.payload["title"] == "alice mentioned you in #general"
    assert service.refusals == []


def test_a_dead_push_service_holds_the_exit_only_as_long_as_the_setting_says(site, capsys):
    with PushService() as service:
        site.subscribe_bob(service)
        service.hang()
        # A push would wait 60 s for the hanging service; the exit waits 1 s for it (seen: 1.5
        # to 2.5 s from the queueing to the end, with the interpreter's own shutdown).
        process = site.post_and_exit(CHAT_PUSH_EXIT_WAIT="1", CHAT_PUSH_TIMEOUT="60")
        queued = time.monotonic()
        _, errors = process.communicate(timeout=60)
        exited = time.monotonic() - queued
        assert process.returncode == 0, errors
        assert "Exiting with 1 pushes not sent" in errors
        with capsys.disabled():
            print(f"\nexit after the push was queued, push service hanging: {exited:.2f} s")
        assert exited < 15, exited
