"""Digest emails through a real SMTP server: who gets one, what it lists, the window, and the
unsubscribe link, all as the scheduler's command and a mail client would see them.

The project runs as in production (its SMTP settings pointed at aiosmtpd on loopback,
testservers/smtp.py); the quiet period is 0 so that what is unread is due at once.
"""

import os
import re
import urllib.error
import urllib.request

import pytest

from tests.helpers import start_service
from testservers.live import PROJECT, LiveServer, base_env, manage, run_django
from testservers.processes import free_port
from testservers.smtp import SMTPServer

pytestmark = [pytest.mark.timeout(120)]

SEED = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from chat import services
from chat.models import ChatSession
User = get_user_model()
alice, bob, carol, dave = (
    User.objects.create_user(name, f"{name}@example.com", "pw") for name in
    ("alice", "bob", "carol", "dave")
)
dave.email = ""
dave.save()
team = services.room_create(
    user=alice, kind="group", name="Team", members=["bob", "carol", "dave"]
)["room"]["id"]
services.message_send(user=alice, room_id=team, content="@carol lunch at noon?")
services.message_send(user=alice, room_id=team, content="@bob @dave see the plan")
pair = services.room_create(user=alice, kind="direct", members=["carol"])["room"]["id"]
services.message_send(user=alice, room_id=pair, content="Are you coming?")
# Bob is online: a socket of his was seen just now.
ChatSession.objects.create(user=bob, channel_name="test!bob", last_seen=timezone.now())
"""


@pytest.fixture
def smtp(tmp_path):
    server = start_service(lambda: SMTPServer(tmp_path / "smtp"))
    with server:
        yield server


# The production settings, with static files served unhashed: the unsubscribe page links
# them, and these tests do not run collectstatic.
SETTINGS_MODULE = """
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""


@pytest.fixture
def site(tmp_path, smtp):
    port = free_port()
    (tmp_path / "digest_settings.py").write_text(SETTINGS_MODULE)
    env = base_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="digest_settings",
        PYTHONPATH=f"{tmp_path}{os.pathsep}{PROJECT}",
        SITE_NAME="Team Chat",
        SITE_URL=f"http://127.0.0.1:{port}",
        CHAT_DIGEST_QUIET_PERIOD=0,
        **smtp.env(),
    )
    server = LiveServer(tmp_path, env, port=port)
    run_django(env, SEED)
    with server:
        yield server


def send_digests(site):
    result = manage(site.env, "send_chat_digests")
    return result.stdout


def request(url, data=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_one_digest_lists_what_carol_missed_and_nothing_goes_twice(site, smtp):
    assert "Sent 1 digest(s)." in send_digests(site)
    # Carol only: Bob is online, Dave has no address, Alice missed nothing.
    (mail,) = smtp.messages()
    assert mail["To"] == "carol@example.com"
    assert mail["Subject"] == "Team Chat: 2 things you missed"
    body = mail.get_content()
    assert "- alice mentioned you in Team: @carol lunch at noon?" in body
    assert "- 1 unread direct message from alice" in body
    assert "see the plan" not in body  # a mention of others
    assert f"Open the chat: {site.url}/" in body
    unsubscribe = re.search(r"Stop them: (\S+)", body).group(1)
    assert mail["List-Unsubscribe"] == f"<{unsubscribe}>"
    # As sent: one plain line a mail client reads as the link, not folded into encoded words.
    (raw,) = smtp.raw_messages()
    assert f"\nList-Unsubscribe: <{unsubscribe}>".encode() in raw.replace(b"\r\n", b"\n")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Within the window nothing more goes, whatever is still unread.
    assert "Sent 0 digest(s)." in send_digests(site)
    assert len(smtp.messages()) == 1


def test_the_unsubscribe_link_asks_then_stops_the_digests(site, smtp):
    send_digests(site)
    (mail,) = smtp.messages()
    unsubscribe = re.search(r"Stop them: (\S+)", mail.get_content()).group(1)

    # Opening the link (a mail scanner does) changes nothing; the button does.
    status, page = request(unsubscribe)
    assert status == 200 and "Stop digest emails" in page
    assert "True" in run_django(site.env, CAROL_DIGESTS)
    status, page = request(unsubscribe, data=b"List-Unsubscribe=One-Click")
    assert status == 200 and "carol gets no more digest emails" in page
    assert "False" in run_django(site.env, CAROL_DIGESTS)

    tampered = unsubscribe.rstrip("/")[:-2] + "xx/"
    assert request(tampered, data=b"")[0] == 404


CAROL_DIGESTS = """
from django.contrib.auth import get_user_model
print(get_user_model().objects.get(username="carol").email_digests)
"""


def test_without_an_email_service_production_sends_nothing_and_says_so(tmp_path):
    env = base_env(tmp_path, CHAT_DIGEST_QUIET_PERIOD=0)  # DEBUG off, no EMAIL_HOST
    manage(env, "migrate", "--no-input")
    run_django(env, SEED)
    output = manage(env, "send_chat_digests").stdout
    assert "Digests are off: no email service is set" in output
    assert run_django(env, DIGESTS_SENT).split() == ["0"]


DIGESTS_SENT = """
from chat.models import Digest
print(Digest.objects.count())
"""


CROWDING = """
from django.contrib.auth import get_user_model
from chat import services
from chat.models import Room
User = get_user_model()
alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
team = Room.objects.get(name="Team").pk
for text in ("log in at https://evil.example/login", "or www.evil.example", "evil.example/x",
             "mailto:me@evil.example", "fifth"):
    services.message_send(user=alice, room_id=team, content=f"@carol {text}")
services.message_send(user=bob, room_id=team, content="@carol the real news")
"""


def test_a_digest_quotes_no_links_and_no_sender_fills_it(site, smtp):
    """The email comes from the site's address: it must not carry a sender's links, and one
    sender's many mentions take three lines, leaving room for everyone else's."""
    run_django(site.env, CROWDING)
    assert "Sent 1 digest(s)." in send_digests(site)
    (mail,) = smtp.messages()
    body = mail.get_content()
    from_alice = [line for line in body.splitlines() if line.startswith("- alice mentioned")]
    assert len(from_alice) == 3, body
    assert "- bob mentioned you in Team: @carol the real news" in body
    assert "- and 3 more" in body  # six from alice, three listed
    assert "evil" not in body, body
    assert "- alice mentioned you in Team: @carol log in at [link]" in body


@pytest.fixture
def due_digests(tmp_path, smtp):
    """Production settings with an email service and a digest due, but no SITE_URL."""
    env = base_env(tmp_path, CHAT_DIGEST_QUIET_PERIOD=0, **smtp.env())
    manage(env, "migrate", "--no-input")
    run_django(env, SEED)
    return env


def test_without_a_site_url_production_refuses_to_send(due_digests, smtp):
    result = manage(due_digests, "send_chat_digests", check=False)
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr
    assert smtp.messages() == []
    assert run_django(due_digests, DIGESTS_SENT).split() == ["0"]


def test_a_dyno_links_to_its_herokuapp_host_when_dyno_metadata_is_on(due_digests, smtp):
    host = "chat-0123456789ab.herokuapp.com"
    env = {**due_digests, "HEROKU_APP_DEFAULT_DOMAIN_NAME": host}
    assert "Sent 1 digest(s)." in manage(env, "send_chat_digests").stdout
    (mail,) = smtp.messages()
    body = mail.get_content()
    assert f"Open the chat: https://{host}/" in body
    assert f"Stop them: https://{host}/" in body
    assert "127.0.0.1" not in body


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({}, True),
        ({"SITE_URL": "https://chat.example.com"}, False),
        ({"HEROKU_APP_DEFAULT_DOMAIN_NAME": "chat-0123456789ab.herokuapp.com"}, False),
    ],
)
def test_the_deploy_check_warns_when_the_site_url_is_unknown(tmp_path, overrides, warned):
    result = manage(base_env(tmp_path, **overrides), "check", "--deploy", check=False)
    assert ("chat.W001" in result.stdout + result.stderr) == warned


def test_a_digest_shows_the_text_of_a_formatted_message(tmp_path, smtp):
    """Formatting shows as its text, as in the chat; a link shows as its words, never its
    address, and an address written out is still a [link]."""
    env = base_env(
        tmp_path, SITE_URL="http://127.0.0.1:9", CHAT_DIGEST_QUIET_PERIOD=0, **smtp.env()
    )
    manage(env, "migrate", "--no-input")
    formatted = "**see** [the plan](https://evil.example/plan)\\n`now` ~~or~~ www.evil.example"
    run_django(env, SEED.replace("lunch at noon?", formatted))
    assert "Sent 1 digest(s)." in manage(env, "send_chat_digests").stdout
    (mail,) = smtp.messages()
    body = mail.get_content()
    assert "- alice mentioned you in Team: @carol see the plan now or [link]" in body, body
    assert "evil" not in body, body
