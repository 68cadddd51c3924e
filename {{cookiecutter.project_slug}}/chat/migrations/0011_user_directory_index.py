"""The directory's index (chat.selectors.people): usernames by case-insensitive prefix.

Django writes ``username__istartswith`` on PostgreSQL as UPPER("username"::text) LIKE
UPPER('pre%'); this expression index, with text_pattern_ops so that LIKE can use it, turns
each keystroke of the directory into an index range scan instead of reading every user. The
user model is the project's (AUTH_USER_MODEL), so the index is made here, beside the query
that needs it. SQLite, for local development, reads the table.
"""

from django.conf import settings
from django.db import migrations

INDEX = "chat_user_username_prefix_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model(*settings.AUTH_USER_MODEL.split("."))._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(INDEX)} ON {quote(table)} "
        f"(UPPER({quote('username')}::text) text_pattern_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0010_default_rooms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
