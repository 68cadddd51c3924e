"""What the Deploy button reads, and clients that reach the app as browsers do, through TLS.

In the template folder app.json is still a template: it is rendered here the way baking
renders it with cookiecutter.json's defaults, so the stand-in runs in place too.
"""

import http.client
import json
import re
import secrets
import socket
import ssl

from tests.clients import connect_websocket
from tests.helpers import start_service
from tests.integration.procfile import STUNNEL, procfile_commands
from testservers.heroku import HerokuApp
from testservers.live import PROJECT
from testservers.postgres import PostgresServer
from testservers.tls_redis import TLSRedisServer

# The add-on plans app.json asks for: Heroku Key-Value Store mini and Postgres essential-0.
REDIS_MINI_CLIENTS = 20
POSTGRES_ESSENTIAL_0_CONNECTIONS = 20
PASSWORD = "pw-for-heroku-tests"


def app_json():
    """Return app.json as the Deploy button reads it."""
    text = (PROJECT / "app.json").read_text()
    if "{{" in text or "{%" in text:
        text = _render(text)
    return json.loads(text)


def _render(text):
    defaults = json.loads((PROJECT.parent / "cookiecutter.json").read_text())
    text = re.sub(
        r"\{%-?\s*if cookiecutter\.use_stunnel\s*-?%\}(.*?)\{%-?\s*endif\s*-?%\}",
        lambda match: match.group(1) if STUNNEL else "",
        text,
        flags=re.DOTALL,
    )
    text = re.sub(
        r"\{\{\s*cookiecutter\.(\w+)\s*\|\s*tojson\s*\}\}",
        lambda match: json.dumps(defaults[match.group(1)]),
        text,
    )
    assert "{%" not in text and "{{" not in text, f"unexpected template code:\n{text}"
    return text


def trust(router):
    """An SSL context that trusts the router's throwaway certificate, and nothing else."""
    return ssl.create_default_context(cafile=str(router.cert_path))


class RouterConnection(http.client.HTTPSConnection):
    """HTTPS on the router's loopback port, ``sni`` in the TLS handshake (default: ``host``)."""

    def __init__(self, router, host, sni=None, timeout=30):
        super().__init__(host, timeout=timeout, context=trust(router))
        self.router_port = router.port
        self.sni = sni or host

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.router_port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.sni)


def request(router, host, method, path, body=None, headers=None, sni=None):
    """Return (status, headers, body text) of one HTTPS request to ``host`` via the router.

    With ``sni`` the TLS handshake names another host than the Host header (a forged Host).
    """
    connection = RouterConnection(router, host, sni)
    try:
        data = None if body is None else json.dumps(body).encode()
        headers = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
        if sni:
            headers["Host"] = host
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def token(router, host, username, password):
    status, _, body = request(
        router, host, "POST", "/api/token/", {"username": username, "password": password}
    )
    assert status == 200, (status, body)
    return json.loads(body)["token"]


def ticket(router, host, bearer):
    status, _, body = request(
        router, host, "POST", "/api/ticket/", headers={"Authorization": f"Bearer {bearer}"}
    )
    assert status == 200, (status, body)
    return json.loads(body)["ticket"]


async def socket_to(router, host, path="/ws/chat/", **kwargs):
    """Open a WebSocket to wss://host/path through the router (see connect_websocket)."""
    return await connect_websocket(
        f"wss://{host}{path}", host="127.0.0.1", port=router.port, ssl=trust(router), **kwargs
    )


def mini_redis(workdir):
    """Heroku Key-Value Store mini: TLS only, a password, 20 clients."""
    return start_service(lambda: TLSRedisServer(workdir, maxclients=REDIS_MINI_CLIENTS))


def essential_postgres(workdir):
    """Heroku Postgres essential-0: 20 connections."""
    return start_service(
        lambda: PostgresServer(workdir, max_connections=POSTGRES_ESSENTIAL_0_CONNECTIONS)
    )


def addon_urls(redis, postgres):
    """The config vars the add-ons set: Key-Value Store's URLs are rediss:// on every plan."""
    return {
        # A database per app: several apps may be provisioned on one server.
        "DATABASE_URL": postgres.create_database(f"app_{secrets.token_hex(4)}"),
        "REDIS_URL": redis.url,
        "REDIS_TLS_URL": redis.url,
    }


def deployed(workdir, slug, redis, postgres, quantity=None, generation="cedar", **config):
    """An app deployed from app.json on these add-ons, with alice able to log in."""
    spec = app_json()
    domain = spec["env"]["ALLOWED_HOSTS"]["value"]
    app = HerokuApp(
        workdir,
        slug=slug,
        app_json=spec,
        procfile=procfile_commands(),
        addons=addon_urls(redis, postgres),
        config=config,
        # The app's domain, and one added at Heroku but never to ALLOWED_HOSTS.
        domains=(domain, f"unlisted.{domain}"),
        generation=generation,
    )
    app.domain = domain
    try:
        app.deploy(quantity)
        result = app.run(
            f"DJANGO_SUPERUSER_PASSWORD={PASSWORD} python manage.py createsuperuser"
            " --no-input --username alice --email alice@example.com"
        )
        assert result.returncode == 0, result.stdout + result.stderr
    except BaseException:
        app.stop()
        raise
    return app
