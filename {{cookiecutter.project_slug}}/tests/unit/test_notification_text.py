"""What a notification says happened: one table for the digest emails (chat/notification_text.py)
and the page (app/notification-text.js, held to the same table in tests/browser/test_people.py).
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from chat import digests, notification_text
from chat.models import Room
from tests.domain import channel, direct, group, make_admin, send

# (notification kind, room kind, room name) -> what bob's notification says.
SENTENCES = [
    ("mention", "direct", "", "bob sent you a direct message"),
    ("reply", "direct", "", "bob sent you a direct message"),
    ("mention", "channel", "general", "bob mentioned you in #general"),
    ("reply", "channel", "general", "bob replied to you in #general"),
    ("thread_reply", "channel", "general", "bob replied in a thread you follow in #general"),
    ("mention", "group", "Launch", "bob mentioned you in Launch"),
]


@pytest.mark.parametrize(("kind", "room_kind", "name", "sentence"), SENTENCES)
def test_each_notification_says_what_happened(kind, room_kind, name, sentence):
    room = Room(kind=room_kind, name=name)
    assert notification_text.title(kind, "bob", room) == sentence


def test_a_deleted_sender_is_someone():
    room = Room(kind="channel", name="general")
    assert notification_text.title("mention", None, room) == "Someone mentioned you in #general"


@pytest.mark.django_db(transaction=True)
def test_a_digest_says_who_wrote_to_whom_and_where(alice, bob, settings):
    alice.email = "alice@example.com"
    alice.save()
    general = channel(alice, bob, name="general")
    make_admin(general, bob)  # only admins post in a channel
    team = group(alice, bob, name="Launch")
    talk = direct(alice, bob)
    send(bob, general, "@alice the agenda")
    mine = send(alice, team, "Lunch?")
    send(bob, team, "yes", reply_to=mine.pk)
    send(bob, talk, "@alice are you there?")
    later = timezone.now() + timedelta(seconds=settings.CHAT["DIGEST_QUIET_PERIOD"] + 60)
    assert digests.send_due(now=later)
    (email,) = mail.outbox
    assert "- bob mentioned you in #general: @alice the agenda" in email.body
    assert "- bob replied to you in Launch: yes" in email.body
    assert "1 unread direct message from bob" in email.body
    assert "mentioned you in a direct room" not in email.body
