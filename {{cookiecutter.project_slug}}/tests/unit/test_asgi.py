"""config/asgi.py: what a Uvicorn worker loads before it serves."""

import subprocess
import sys

from django.conf import settings


def test_the_loaded_application_is_frozen_out_of_the_garbage_collectors_sight():
    # A fresh interpreter, as a Uvicorn worker imports the module.
    code = "import gc, config.asgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50},
    )
    assert int(result.stdout.split()[-1]) > 10_000, result.stdout
