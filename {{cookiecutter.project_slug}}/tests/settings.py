"""Settings for the test suite: the project's settings, isolated from a developer's machine.

A developer's .env and service URLs are ignored; TEST_DATABASE_URL selects PostgreSQL (for
example in CI), otherwise a SQLite file is used. Tests that need Redis start their own.
"""

import os
import tempfile

os.environ["DJANGO_READ_DOT_ENV_FILE"] = "false"
os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
for name in ("DATABASE_URL", "REDIS_URL", "REDIS_URL_STUNNEL"):
    os.environ.pop(name, None)
if test_database_url := os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = test_database_url

from config.settings import *  # noqa: E402, F403
from config.settings import DATABASES  # noqa: E402

DEBUG = False
# The suite's users put each other into rooms as a team that trusts itself does; the consent
# rule (invitations, CHAT["ADD_WITHOUT_CONSENT"] = "shared", the default) has its own tests,
# which turn it on (tests/consumer/test_invitations.py, tests/browser/test_invitations.py).
CHAT = {**CHAT, "ADD_WITHOUT_CONSENT": "anyone"}  # noqa: F405
# The suite's users start in no rooms, so each test knows every room its users are in; the
# default rooms have their own tests, which set them (tests/services/test_onboarding.py,
# tests/browser/test_people.py).
CHAT["DEFAULT_ROOMS"] = []
SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

# The consumer's database threads need a database every thread can open: a file, not memory.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"chat-tests-{os.getpid()}.sqlite3")
    }
# Test databases are created and dropped per run; a pool would outlive them.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploads of a test run go to a folder of their own, never into the project.
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.path.join(tempfile.gettempdir(), f"chat-test-media-{os.getpid()}"),
            "base_url": None,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the app folders; tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
