"""Helpers the test modules share that are not fixtures."""

import json
import os
import urllib.error
import urllib.request

import pytest
from asgiref.sync import sync_to_async

from testservers.processes import MissingService


def start_service(server):
    """Start a server, or skip the test when its binary is missing.

    With CHAT_REQUIRE_SERVICES=1 (set by `make test` and CI) a missing service fails the test
    instead, so a green run always means the real services were exercised.
    """
    try:
        return server()
    except MissingService as exc:
        if os.environ.get("CHAT_REQUIRE_SERVICES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def call(func, **kwargs):
    """Run a service or selector from an async test (they are synchronous)."""
    return sync_to_async(func)(**kwargs)


def token_status(base_url, host, username="alice"):
    """POST the token endpoint a wrong password with ``host`` as the Host header.

    401 means the app itself answered; 400, that Django refused the host.
    """
    request = urllib.request.Request(
        f"{base_url}/api/token/",
        data=json.dumps({"username": username, "password": "wrong"}).encode(),
        headers={"Host": host, "Content-Type": "application/json", "X-Forwarded-Proto": "https"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
