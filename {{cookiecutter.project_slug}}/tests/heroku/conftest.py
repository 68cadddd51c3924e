"""The Heroku stand-in's fixtures: add-ons at their plans' limits, and a deployed app."""

import pytest

from tests.helpers import start_service
from tests.heroku.deploy import app_json
from tests.integration.procfile import STUNNEL, procfile_commands
from testservers.heroku import HerokuApp, build_slug
from testservers.postgres import PostgresServer
from testservers.processes import require_binary
from testservers.router import HerokuRouter
from testservers.tls_redis import TLSRedisServer

# The add-on plans app.json asks for: Heroku Key-Value Store mini and Postgres essential-0.
REDIS_MINI_CLIENTS = 20
POSTGRES_ESSENTIAL_0_CONNECTIONS = 20
PASSWORD = "pw-for-heroku-tests"


@pytest.fixture(scope="package")
def requirements():
    """nginx for the router; stunnel4 when the web line tunnels Redis."""
    start_service(lambda: require_binary(HerokuRouter.package, "nginx"))
    if STUNNEL:
        start_service(lambda: require_binary("stunnel4", "stunnel4", "stunnel"))


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
        "DATABASE_URL": postgres.create_database("app"),
        "REDIS_URL": redis.url,
        "REDIS_TLS_URL": redis.url,
    }


@pytest.fixture(scope="package")
def slug(tmp_path_factory, requirements):
    """The project built once, as a push to Heroku builds it."""
    return build_slug(tmp_path_factory.mktemp("build"))


def deployed(workdir, slug, redis, postgres, quantity=None, **config):
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


@pytest.fixture(scope="package")
def heroku_addons(tmp_path_factory, requirements):
    redis = mini_redis(tmp_path_factory.mktemp("kvs"))
    postgres = essential_postgres(tmp_path_factory.mktemp("pg"))
    with redis, postgres:
        yield redis, postgres


@pytest.fixture(scope="package")
def heroku_app(tmp_path_factory, slug, heroku_addons):
    """The Deploy button's app: app.json's values and formation, nothing set by hand."""
    app = deployed(tmp_path_factory.mktemp("app"), slug, *heroku_addons)
    with app:
        yield app
