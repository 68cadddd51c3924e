"""The demo users' password is published: only a DEBUG site may create them."""

import pytest

from testservers.live import base_env, manage, run_django

pytestmark = [pytest.mark.timeout(60)]

DEMO_USERS = """
from django.contrib.auth import get_user_model
print(sorted(get_user_model().objects.values_list("username", flat=True)))
"""


def test_production_settings_refuse_to_create_the_demo_users(tmp_path):
    env = base_env(tmp_path)  # DEBUG off, as on a dyno
    manage(env, "migrate", "--no-input")
    result = manage(env, "create_demo_users", check=False)
    assert result.returncode != 0
    assert "runs only with DEBUG on" in result.stderr
    assert "password" not in result.stdout
    assert run_django(env, DEMO_USERS).strip() == "[]"


def test_a_debug_site_gets_the_demo_users(tmp_path):
    env = base_env(tmp_path, DEBUG="true")
    manage(env, "migrate", "--no-input")
    result = manage(env, "create_demo_users")
    assert "demo user: alice / password: " in result.stdout
    assert run_django(env, DEMO_USERS).strip() == "['alice', 'bob']"


DEMO_ROOMS = """
from chat.models import Membership
print(sorted(Membership.objects.values_list("user__username", "room__name")))
"""


def test_the_demo_shows_the_default_channels(tmp_path):
    """make demo-users on a site with the default setting: alice and bob are in #general."""
    env = base_env(tmp_path, DEBUG="true", CHAT_DEFAULT_ROOMS=None)  # the project's default
    manage(env, "migrate", "--no-input")
    manage(env, "create_demo_users")
    manage(env, "create_demo_users")  # idempotent
    assert run_django(env, DEMO_ROOMS).strip() == (
        "[('alice', 'Welcome'), ('alice', 'general'), ('bob', 'Welcome'), ('bob', 'general')]"
    )
