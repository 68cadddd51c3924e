"""With Web Push off (no VAPID keys), a message costs nothing for push on its send path.

chat.notifications registers the after-commit work that carries a message to push only while
a receiver listens; chat.apps connects chat.push's only where both keys are set.
"""

import pytest

from chat import notifications
from tests.domain import direct, group, send

pytestmark = [pytest.mark.django_db]


def push_work(callbacks):
    """The after-commit callbacks that would hand a message to push (chat.notifications')."""
    return [c for c in callbacks if c.__code__.co_filename == notifications.__file__]


def messages(alice, bob, capture):
    """Callbacks registered by a mention, a reply and a direct message."""
    room, pair = group(alice, bob), direct(alice, bob)
    with capture() as callbacks:
        question = send(bob, room, "a question")
        send(alice, room, "@bob an answer", reply_to=question.pk)
        send(alice, pair, "between us")
    return callbacks


def test_with_push_off_a_message_registers_no_work_for_it(
    alice, bob, django_capture_on_commit_callbacks
):
    assert not notifications.stored.receivers and not notifications.notified.receivers
    callbacks = messages(alice, bob, django_capture_on_commit_callbacks)
    assert callbacks  # the messages' own broadcasts, after the commit
    assert push_work(callbacks) == []


def test_with_push_on_the_same_messages_are_handed_to_it(
    alice, bob, push, django_capture_on_commit_callbacks
):
    callbacks = messages(alice, bob, django_capture_on_commit_callbacks)
    # One `stored` per message, one `notified` for the mention with its reply.
    assert len(push_work(callbacks)) == 4
