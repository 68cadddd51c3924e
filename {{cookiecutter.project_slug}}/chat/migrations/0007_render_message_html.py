"""The messages stored before formatting get their rendered HTML (chat.formatting).

The rows are rendered in batches by primary key, each batch its own transaction, so a large
table is never locked, nor held in memory, at once; the migration itself is not atomic. Only
rows still without HTML are rendered, so a run that stopped part way picks up where it left
off. Going back leaves the HTML (the previous migration drops the column).
"""

from django.db import migrations, transaction

BATCH = 500


def render_existing(apps, schema_editor):
    from chat import formatting

    Message = apps.get_model("chat", "Message")
    Membership = apps.get_model("chat", "Membership")
    todo = Message.objects.filter(content_html="", deleted_at__isnull=True).exclude(content="")
    last = 0
    while True:
        with transaction.atomic():
            batch = list(todo.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not batch:
                return
            for message in batch:
                members = _mentioned(message, Membership)
                message.content_html = formatting.render(message.content, members)
            Message.objects.bulk_update(batch, ["content_html"])
        last = batch[-1].pk


def _mentioned(message, Membership):
    """Who the message's @names are, as chat.formatting.render_for_room finds them."""
    from chat import formatting

    names = formatting.mentioned_names(message.content)
    members = formatting.room_members(message.room_id, names, Membership)
    if "room" in names:
        # As chat.notifications.may_mention_room was when this migration was written.
        calls = Membership.objects.filter(
            room_id=message.room_id,
            user_id=message.sender_id,
            role="admin",
            room__kind__in=["group", "channel"],
        )
        if calls.exists():
            members["room"] = None
    return members


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("chat", "0006_message_html"),
    ]

    operations = [
        migrations.RunPython(render_existing, migrations.RunPython.noop, elidable=True),
    ]
