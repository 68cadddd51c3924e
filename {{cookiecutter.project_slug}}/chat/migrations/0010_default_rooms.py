"""The default public channels (CHAT["DEFAULT_ROOMS"], #general unless configured) exist.

Made here so a new site's first user lands in them (chat.services.onboarding, which every new
account joins); owned by the first superuser if there is one already, else by nobody until the
first superuser joins. Users who exist already are not put in them (they may join, the
channels are public; ``manage.py create_default_rooms --join-everyone`` puts them in). Going
back leaves the channels: they hold conversations by then.
"""

from django.conf import settings
from django.db import migrations


def create_default_rooms(apps, schema_editor):
    from chat.services import onboarding

    onboarding.create_default_rooms(
        apps.get_model("chat", "Room"),
        apps.get_model("chat", "Membership"),
        apps.get_model(*settings.AUTH_USER_MODEL.split(".")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0009_threads"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_default_rooms, migrations.RunPython.noop)]
