"""Migrations 0006 and 0007: existing messages get their HTML, in batches; it goes back too.

Runs on the suite's database: SQLite, or PostgreSQL with TEST_DATABASE_URL.
"""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.domain import group

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = ("chat", "0005_invitations"), ("chat", "0007_render_message_html")
MIGRATION = importlib.import_module("chat.migrations.0007_render_message_html")


def migrate(target):
    """Migrate chat to ``target``; return the historical apps there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def columns():
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, "chat_message")
    return {column.name for column in description}


@pytest.fixture
def at_0005():
    """The database as it was before the migration; put back at the newest afterwards."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_messages(apps, room, sender, contents, deleted=()):
    old_message = apps.get_model("chat", "Message")
    rows = [
        old_message(room_id=room.pk, seq=seq, sender_id=sender.pk, content=content)
        for seq, content in enumerate(contents, start=1)
    ]
    old_message.objects.bulk_create(rows)
    old_message.objects.filter(room_id=room.pk, seq__in=deleted).update(deleted_at=timezone.now())


def test_existing_messages_are_rendered_in_batches_and_the_column_goes_back(at_0005, alice, bob):
    room = group(alice, bob)
    plain = [f"message {i}" for i in range(2 * MIGRATION.BATCH + 10)]
    formatted = ["**bold** @bob https://example.com", "`code` @nobody", "", "> gone", "@room"]
    old_messages(at_0005, room, alice, [*formatted, *plain], deleted=[4])
    assert "content_html" not in columns()

    with CaptureQueriesContext(connection) as queries:
        after = migrate(AFTER)
    # The model as it was then: later migrations add columns this one knows nothing of.
    message = after.get_model("chat", "Message")
    stored = dict(message.objects.values_list("content", "content_html"))
    assert stored["**bold** @bob https://example.com"] == (
        f'<p><strong>bold</strong> <span class="mention" data-user-id="{bob.pk}">@bob</span> '
        '<a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">'
        "https://example.com</a></p>"
    )
    assert stored["`code` @nobody"] == "<p><code>code</code> @nobody</p>"
    assert stored["@room"] == '<p><span class="mention">@room</span></p>'  # from its admin
    assert stored[""] == "" and stored["> gone"] == ""  # nothing to show; deleted
    assert stored["message 1"] == "<p>message 1</p>"
    assert all(stored[content] for content in plain)
    # One update per batch of BATCH rows, not one per row nor one over the whole table.
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3

    migrate(BEFORE)
    assert "content_html" not in columns()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM chat_message")
        assert cursor.fetchone()[0] == len(formatted) + len(plain)  # only the column went
    message = migrate(AFTER).get_model("chat", "Message")
    assert message.objects.get(content="message 1").content_html == "<p>message 1</p>"
