"""The files Heroku reads: app.json, Procfile, the package-manager file, .python-version.

In the template folder app.json and .python-version are still unrendered templates, so the
checks that need their values are skipped there; they run in every baked project.
"""

import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import jsonschema
import pytest

from tests.integration.procfile import STUNNEL, procfile_commands
from testservers.live import PROJECT

SCHEMA = Path(__file__).resolve().parent.parent / "data" / "app-json.schema.json"
# One manager per entry: the Heroku Python buildpack refuses a build with files of several.
PACKAGE_MANAGERS = {
    "pip": ["requirements.txt"],
    "pipenv": ["Pipfile", "Pipfile.lock"],
    "poetry": ["poetry.lock"],
    "uv": ["uv.lock"],
}

pytestmark = pytest.mark.timeout(30)


def rendered_text(name):
    """Return a file's text, or skip the test if it is still an unrendered template."""
    text = (PROJECT / name).read_text()
    if "{{" in text or "{%" in text:
        pytest.skip(f"{name}: unrendered template")
    return text


@pytest.fixture
def app_json():
    return json.loads(rendered_text("app.json"))


def test_app_json_is_valid_against_herokus_schema(app_json):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(app_json), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_app_json_provisions_the_add_ons_and_a_secret(app_json):
    plans = [addon if isinstance(addon, str) else addon["plan"] for addon in app_json["addons"]]
    services = {plan.split(":")[0] for plan in plans}
    assert {"heroku-postgresql", "heroku-redis", "scheduler"} <= services, plans
    assert app_json["env"]["SECRET_KEY"]["generator"] == "secret"
    assert "value" not in app_json["env"]["SECRET_KEY"]
    buildpacks = [buildpack["url"] for buildpack in app_json["buildpacks"]]
    assert buildpacks[-1] in {"heroku/python", "https://github.com/heroku/heroku-buildpack-python"}
    # stunnel comes from the apt buildpack (Aptfile), only when the project tunnels Redis.
    assert ("heroku-community/apt" in buildpacks) == STUNNEL


def test_aptfile_installs_stunnel_when_the_web_line_uses_it():
    aptfile = PROJECT / "Aptfile"
    if STUNNEL:
        assert "stunnel4" in aptfile.read_text().split()
    else:
        assert not aptfile.exists()


# The project descriptor's keys (buildpacks.io project descriptor 0.2) and the
# heroku/deb-packages buildpack's documented configuration schema (its README).
DESCRIPTOR_KEYS = {"schema-version", "id", "name", "version", "authors", "documentation-url",
                   "source-url", "licenses", "metadata"}  # fmt: skip
DEB_PACKAGES_KEYS = {"install", "sources"}
INSTALL_TABLE_KEYS = {"name": str, "skip_dependencies": bool, "force": bool}
SOURCE_KEYS = {"uri": str, "suites": list, "components": list, "arch": list, "signed_by": str}


def deb_packages_to_install(descriptor):
    """Return the package names project.toml asks heroku/deb-packages for, checking each key."""
    assert set(descriptor) <= {"_", "io", "com"}, set(descriptor)
    assert descriptor["_"]["schema-version"] == "0.2"
    assert set(descriptor["_"]) <= DESCRIPTOR_KEYS, descriptor["_"]
    config = descriptor["com"]["heroku"]["buildpacks"]["deb-packages"]
    assert set(config) <= DEB_PACKAGES_KEYS, config
    for source in config.get("sources", []):
        assert set(source) == set(SOURCE_KEYS), source  # every key is required
        assert all(isinstance(source[key], kind) for key, kind in SOURCE_KEYS.items()), source
    names = []
    for entry in config["install"]:
        if isinstance(entry, dict):
            assert "name" in entry and set(entry) <= set(INSTALL_TABLE_KEYS), entry
            assert all(isinstance(entry[key], INSTALL_TABLE_KEYS[key]) for key in entry), entry
            entry = entry["name"]
        assert isinstance(entry, str) and entry, entry
        names.append(entry)
    return names


def test_project_toml_installs_on_fir_what_the_aptfile_installs_on_cedar():
    """Fir runs no classic buildpack: stunnel4 comes from heroku/deb-packages instead."""
    path = PROJECT / "project.toml"
    if not STUNNEL:
        assert not path.exists()
        return
    descriptor = tomllib.loads(path.read_text())
    aptfile = (PROJECT / "Aptfile").read_text().split()
    assert sorted(deb_packages_to_install(descriptor)) == sorted(aptfile)


def test_procfile_has_web_and_release():
    commands = procfile_commands()
    assert set(commands) >= {"web", "release"}
    assert commands["release"] == "python manage.py migrate --no-input"


def uvicorn_options():
    """Return the web line's uvicorn options as {flag: value or True}."""
    words = shlex.split(procfile_commands()["web"])
    if STUNNEL:
        assert words[0] == "bin/start-stunnel"
        words = words[1:]
    assert words[:2] == ["uvicorn", "config.asgi:application"], words
    options, rest = {}, words[2:]
    while rest:
        flag = rest.pop(0)
        assert flag.startswith("--"), flag
        options[flag] = rest.pop(0) if rest and not rest[0].startswith("--") else True
    return options


def host_for(host_word, web_concurrency):
    """Return the --host value bash gives the web line with this WEB_CONCURRENCY (None: unset)."""
    env = {"PATH": "/usr/bin:/bin"} | (
        {"WEB_CONCURRENCY": web_concurrency} if web_concurrency else {}
    )
    result = subprocess.run(
        ["bash", "-c", f"printf %s {host_word}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_web_line_fits_herokus_router():
    options = uvicorn_options()
    # Every address, IPv6 and IPv4 alike (test_procfile.py connects over both, per worker count).
    for workers, host in [(None, "::"), ("1", ""), ("2", "::"), ("4", "::")]:
        assert host_for(options["--host"], workers) == host, workers
    assert options["--port"] == "$PORT"
    # The router keeps idle connections to the dyno for 90 s: the app must keep them longer.
    assert int(options["--timeout-keep-alive"]) > 90
    # SIGTERM to SIGKILL is 30 s on Heroku: draining must finish before.
    assert int(options["--timeout-graceful-shutdown"]) < 30
    # The router closes a WebSocket after 55 s without data: ping more often than that.
    assert int(options["--ws-ping-interval"]) < 55
    assert options["--lifespan"] == "off"
    assert options["--proxy-headers"] is True
    assert "--reload" not in options


def test_exactly_one_package_manager_file():
    present = {
        manager
        for manager, files in PACKAGE_MANAGERS.items()
        if any((PROJECT / name).exists() for name in files)
    }
    assert present == {"uv"}, present
    # uv on Heroku needs .python-version, and installs the lock as it is (--locked).
    assert (PROJECT / ".python-version").exists()
    assert not list(PROJECT.glob("requirements*.txt"))


def test_python_version_is_major_minor_and_one_the_project_supports():
    version = rendered_text(".python-version").strip()
    assert re.fullmatch(r"3\.\d+", version), version
    # Heroku installs .python-version; uv refuses it if pyproject.toml's floor excludes it.
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    floor = re.fullmatch(r">=3\.(\d+)", pyproject["project"]["requires-python"])
    assert floor, pyproject["project"]["requires-python"]
    assert int(version.split(".")[1]) >= int(floor[1])
