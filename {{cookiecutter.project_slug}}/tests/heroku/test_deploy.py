"""A Deploy-button app answers on its random herokuapp.com host, and on no host but its own.

app.json's values only: nobody types the app's host into ALLOWED_HOSTS, because nobody knows
it before the app exists. The dyno allows herokuapp.com hosts (DYNO is set) and the router
delivers only the app's own; a domain routed to the app but not listed is refused by Django.
"""

import asyncio
import re
import secrets
import time

import pytest

from tests.heroku.deploy import PASSWORD, deployed, request, socket_to, ticket, token
from tests.integration.procfile import STUNNEL

pytestmark = [pytest.mark.timeout(120)]


def test_the_page_is_served_on_the_herokuapp_host(heroku_app):
    router, host = heroku_app.router, heroku_app.host
    status, headers, _ = request(router, host, "GET", "/")
    assert status == 302, (status, headers)
    assert headers["Location"].startswith("/accounts/login/")
    status, headers, body = request(router, host, "GET", headers["Location"])
    assert status == 200
    assert 'name="password"' in body
    # HTTPS as the router reported it: the cookie is Secure, HSTS is on.
    assert "Strict-Transport-Security" in headers


async def test_an_authenticated_socket_opens_on_the_herokuapp_host(heroku_app):
    router, host = heroku_app.router, heroku_app.host
    bearer = await asyncio.to_thread(token, router, host, "alice", PASSWORD)
    one_use = await asyncio.to_thread(ticket, router, host, bearer)
    client = await socket_to(router, host, f"/ws/chat/?ticket={one_use}", origin=f"https://{host}")
    try:
        assert client.hello["user"]["username"] == "alice"
        room = await client.ok("room.create", {"kind": "group", "name": "deployed"})
        sent = await client.ok(
            "message.send", {"room_id": room["room"]["id"], "content": "from the dyno"}
        )
        assert sent["message"]["content"] == "from the dyno"
    finally:
        await client.close()


def test_the_router_refuses_hosts_that_are_not_the_apps(heroku_app):
    router = heroku_app.router
    other_app = f"chat-{secrets.token_hex(6)}.herokuapp.com"
    status, _, body = request(router, other_app, "GET", "/api/token/")
    assert (status, body) == (404, "no such app\n")
    # The app's name in the TLS handshake, another host in the request: routed by the Host.
    for host in [other_app, "evil.example", f"{heroku_app.host}.evil.example"]:
        status, _, body = request(router, host, "GET", "/api/token/", sni=heroku_app.host)
        assert (status, body) == (404, "no such app\n"), host


def test_a_routed_domain_missing_from_allowed_hosts_is_refused_by_the_app(heroku_app):
    router = heroku_app.router
    wrong = {"username": "alice", "password": "wrong"}
    assert request(router, heroku_app.domain, "POST", "/api/token/", wrong)[0] == 401
    assert request(router, f"unlisted.{heroku_app.domain}", "POST", "/api/token/", wrong)[0] == 400


def test_the_dyno_runs_the_procfiles_web_line_as_configured(heroku_app):
    (dyno,) = heroku_app.dynos  # app.json's formation: one web dyno
    workers = int(heroku_app.config["WEB_CONCURRENCY"])
    # The port opens before the workers start: wait for each to say so.
    deadline = time.monotonic() + 60
    while (log := dyno.log()).count("Started server process") < workers:
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    assert f"Uvicorn running on http://[::]:{dyno.port}" in log
    # With stunnel, the web line tunnels the add-on's rediss:// URL (bin/start-stunnel).
    tunnelled = re.search(
        r"start-stunnel: REDIS_URL: 127\.0\.0\.1:\d+ -> TLS 127\.0\.0\.1:(\d+)", log
    )
    redis_port = heroku_app.config["REDIS_URL"].rpartition(":")[2]
    assert (tunnelled is not None and tunnelled.group(1) == redis_port) == STUNNEL, log[:2000]


@pytest.mark.parametrize(
    ("generation", "web_concurrency"),
    [("cedar", "1"), ("cedar", "4"), ("fir", None), ("fir", "1")],
)
def test_every_worker_count_answers_the_generations_router(
    tmp_path, slug, heroku_addons, generation, web_concurrency
):
    """Cedar's router reaches dynos over IPv4, Fir's over IPv6, whatever WEB_CONCURRENCY is.

    One worker is what a team sets to fit more dynos in a Redis plan; Fir's buildpack sets no
    WEB_CONCURRENCY at all (None unsets app.json's value, as a Fir app has none).
    """
    app = deployed(
        tmp_path, slug, *heroku_addons, generation=generation, WEB_CONCURRENCY=web_concurrency
    )
    with app:
        wrong = {"username": "alice", "password": "wrong"}
        status, _, body = request(app.router, app.host, "POST", "/api/token/", wrong)
        assert status == 401, (status, body, app.dynos[0].log()[-2000:])
        assert request(app.router, app.host, "GET", "/")[0] == 302
