"""This release's migrations (0006-0009) go back to 0005 and forward again over a database
that uses what they add: formatted messages, several reactions of one user, a thread.

Runs on the suite's database: SQLite, or PostgreSQL with TEST_DATABASE_URL.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chat import services
from tests.domain import group

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("chat", "0005_invitations")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    """Every app's newest migration: going back to chat's 0005 also unapplied the migrations
    of other apps that depend on chat's later ones (accounts' sign-up invitations name rooms),
    and the suite's later tests need their tables."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_back_to_0005_and_forward_keeps_every_message(alice, bob):
    room = group(alice, bob)
    root = services.message_send(user=alice, room_id=room.pk, content="**plan** @bob")["message"]
    services.message_send(user=bob, room_id=room.pk, content="ok", thread_root_id=root["id"])
    services.message_react(user=bob, message_id=root["id"], emoji="👍")
    services.message_react(user=alice, message_id=root["id"], emoji="🎉")

    old = migrate([BEFORE])
    contents = old.get_model("chat", "Message").objects.order_by("seq")
    assert list(contents.values_list("seq", "content")) == [(1, "**plan** @bob"), (2, "ok")]
    assert old.get_model("chat", "Reaction").objects.count() == 2

    new = migrate(latest())
    messages = new.get_model("chat", "Message").objects.order_by("seq")
    # Rendered again on the way forward; the thread link itself went with its column.
    assert messages[0].content_html.startswith("<p><strong>plan</strong>")
    assert [m.thread_root_id for m in messages] == [None, None]
    reactions = new.get_model("chat", "Reaction").objects.order_by("emoji")
    assert sorted(reactions.values_list("emoji", flat=True)) == ["🎉", "👍"]
