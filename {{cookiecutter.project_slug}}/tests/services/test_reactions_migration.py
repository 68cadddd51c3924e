"""chat/migrations/0008_reactions.py: reactions stored under the old rule (one per user and
message, any 32 characters) come out valid under the new one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("chat", "0005_invitations")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    """Every app's newest migration, those of apps depending on chat's later ones included
    (going back unapplied them; the suite's later tests need their tables)."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_old_reactions_are_kept_qualified_and_text_is_removed(alice, bob, carol):
    old = migrate(BEFORE)
    rooms, messages = old.get_model("chat", "Room"), old.get_model("chat", "Message")
    reactions = old.get_model("chat", "Reaction")
    room = rooms.objects.create(kind="group", name="Old")
    message = messages.objects.create(room=room, seq=1, sender_id=alice.pk, content="hi")
    for user, emoji in ((alice, "👍"), (bob, "\u2764"), (carol, "you idiot")):
        reactions.objects.create(message=message, user_id=user.pk, emoji=emoji)

    new = migrate(latest())
    rows = new.get_model("chat", "Reaction").objects.order_by("user_id")
    assert list(rows.values_list("user_id", "emoji")) == [(alice.pk, "👍"), (bob.pk, "❤️")]
    # And now a user may add a second one.
    new.get_model("chat", "Reaction").objects.create(
        message_id=message.pk, user_id=alice.pk, emoji="🎉"
    )
