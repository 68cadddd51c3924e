"""The Heroku stand-in's fixtures: add-ons at their plans' limits, and a deployed app."""

import pytest

from tests.helpers import start_service
from tests.heroku.deploy import deployed, essential_postgres, mini_redis
from tests.integration.procfile import STUNNEL
from testservers.heroku import build_slug
from testservers.processes import require_binary
from testservers.router import HerokuRouter


@pytest.fixture(scope="package")
def requirements():
    """nginx for the router; stunnel4 when the web line tunnels Redis."""
    start_service(lambda: require_binary(HerokuRouter.package, "nginx"))
    if STUNNEL:
        start_service(lambda: require_binary("stunnel4", "stunnel4", "stunnel"))


@pytest.fixture(scope="package")
def slug(tmp_path_factory, requirements):
    """The project built once, as a push to Heroku builds it."""
    return build_slug(tmp_path_factory.mktemp("build"))


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
