"""Messages gain a column for their rendered HTML (chat.formatting).

Its own migration, atomic, so the column and its record are applied together; the rows are
rendered by the next one, which is not atomic.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="content_html",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
    ]
