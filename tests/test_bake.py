"""Bake every option combination and check what comes out."""

import contextlib
import importlib
import itertools
import json
import os
import re
import subprocess
import sys
import time

import jsonschema
import pytest

from tests.conftest import DEFAULTS, TEMPLATE, bake, project_venv, uv

# The baked project's own copy (its tests/data/README.md says where it comes from): the
# template's tests read nothing outside the repository.
SCHEMA = TEMPLATE / "{{cookiecutter.project_slug}}" / "tests" / "data" / "app-json.schema.json"
LICENSES = DEFAULTS["open_source_license"]
PYTHONS = DEFAULTS["python_version"]
MATRIX = [
    {"python_version": python, "open_source_license": licence, "use_stunnel": stunnel,
     "use_github_actions": actions}
    for python, licence, stunnel, actions in itertools.product(
        PYTHONS, LICENSES, [True, False], [True, False]
    )
]  # fmt: skip
UNRENDERED = re.compile(r"\{\{\s*cookiecutter|\{%-?\s*(if|endif|for|raw)\b.*cookiecutter")


def combo_id(answers):
    return "-".join(str(v) for v in answers.values()).replace(" ", "")


def text_files(project):
    for path in project.rglob("*"):
        if path.is_file() and ".venv" not in path.parts:
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue
            yield path, text


@pytest.mark.parametrize("answers", MATRIX, ids=combo_id)
def test_bake_renders_every_option_cleanly(tmp_path, answers):
    project = bake(tmp_path, **answers)
    assert project.name == "team_chat"
    for path, text in text_files(project):
        assert not UNRENDERED.search(text), f"unrendered marker in {path.relative_to(project)}"
    assert (project / ".python-version").read_text().strip() == answers["python_version"]
    assert (project / "LICENSE").exists() == (answers["open_source_license"] != "Not open source")
    assert (project / ".github" / "workflows" / "ci.yml").exists() == answers["use_github_actions"]
    optional_files = (
        "Aptfile",
        "project.toml",
        "bin/start-stunnel",
        "tests/integration/test_start_stunnel.py",
    )
    for optional in optional_files:
        assert (project / optional).exists() == answers["use_stunnel"], optional
    procfile = (project / "Procfile").read_text()
    assert procfile.startswith(
        "web: bin/start-stunnel uvicorn " if answers["use_stunnel"] else "web: uvicorn "
    )
    assert "release: python manage.py migrate --no-input" in procfile
    app = json.loads((project / "app.json").read_text())
    jsonschema.validate(app, json.loads(SCHEMA.read_text()))
    buildpacks = [b["url"] for b in app["buildpacks"]]
    assert buildpacks[-1] == "heroku/python"
    assert ("heroku-community/apt" in buildpacks) == answers["use_stunnel"]
    # Exactly one package-manager file, as the Heroku Python buildpack requires.
    managers = {"requirements.txt", "Pipfile.lock", "poetry.lock", "uv.lock", "Pipfile"}
    assert {p.name for p in project.iterdir()} & managers == {"uv.lock"}
    assert not list(project.glob("requirements*.txt"))
    # The lock names the baked project, so `uv sync --locked` accepts it as it is.
    assert (
        f'name = "{answers.get("project_slug", "team_chat").replace("_", "-")}"'
        in (project / "uv.lock").read_text()
    )
    assert not (project / "runtime.txt").exists()
    env = (project / ".env").read_text()
    assert re.search(r"^SECRET_KEY=[A-Za-z0-9]{64}$", env, re.M)
    assert ".env" in (project / ".gitignore").read_text().splitlines()
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_each_bake_gets_its_own_secret(tmp_path):
    first = bake(tmp_path / "a")
    second = bake(tmp_path / "b")
    assert (first / ".env").read_text() != (second / ".env").read_text()


def test_baking_takes_under_five_seconds(tmp_path):
    started = time.perf_counter()
    bake(tmp_path)
    elapsed = time.perf_counter() - started
    print(f"bake took {elapsed:.2f} s")
    assert elapsed < 5


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "Team-Chat"}, "lower-case Python identifier"),
        ({"project_slug": "django"}, "shadow"),
        ({"project_slug": "config"}, "shadow"),
        ({"project_slug": "import"}, "keyword"),
        ({"email": "not-an-email"}, "email"),
        ({"domain_name": "https://example.com"}, "domain_name"),
        ({"project_name": 'The "Best" Chat'}, "project_name"),
    ],
)
def test_bad_answers_are_refused_with_a_reason_and_nothing_written(tmp_path, answers, message):
    args = [f"{key}={value}" for key, value in answers.items()]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            str(TEMPLATE),
            "--no-input",
            "-o",
            str(tmp_path),
            *args,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ERROR: " in result.stderr
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def production_env(project):
    return {
        **os.environ,
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-with-enough-entropy-" + "y" * 20,
        "ALLOWED_HOSTS": "chat.example.com",
        "DATABASE_URL": "postgres://user:password@127.0.0.1:5432/chat",
        "REDIS_URL": "rediss://:password@127.0.0.1:6380",
        # Where digest emails link to: unset, `check --deploy` warns (chat.W001).
        "SITE_URL": "https://chat.example.com",
        # Accounts confirm their addresses by email: unset, `check --deploy` warns
        # (accounts.W001).
        "EMAIL_HOST": "smtp.example.com",
    }


@pytest.mark.parametrize("python_version", PYTHONS)
@pytest.mark.parametrize("use_stunnel", [True, False])
def test_baked_project_passes_django_checks(tmp_path, python_version, use_stunnel):
    project = bake(tmp_path, python_version=python_version, use_stunnel=use_stunnel)
    python = str(project_venv(python_version) / "bin" / "python")
    local = {**os.environ, "DJANGO_READ_DOT_ENV_FILE": "true"}
    production = production_env(project)
    # Web Push on: the pair `manage.py vapid_keys` prints, as an operator sets it.
    keys = subprocess.run(
        [python, "manage.py", "vapid_keys"],
        cwd=project,
        env=local,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    vapid = dict(re.findall(r"^(VAPID_\w+)=(\S+)$", keys, re.M))
    assert sorted(vapid) == ["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"], keys
    for command, env in [
        (["check", "--fail-level", "WARNING"], local),
        (["makemigrations", "--check", "--dry-run"], local),
        (["check", "--deploy", "--fail-level", "WARNING"], production),
        (["check", "--deploy", "--fail-level", "WARNING"], {**production, **vapid}),
    ]:
        result = subprocess.run(
            [python, "manage.py", *command], cwd=project, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"


FULL_SUITE = {
    "defaults": ({}, "sqlite"),
    # The flipped project also runs its suite on PostgreSQL, as its GitHub workflow does.
    "every-option-flipped": (
        {
            "python_version": PYTHONS[-1],
            "open_source_license": LICENSES[-1],
            "use_stunnel": False,
            "use_github_actions": False,
        },
        "postgresql",
    ),
}


def baked_postgres(project):
    """The baked project's PostgresServer (testservers/postgres.py), imported from the bake."""
    sys.path.insert(0, str(project))
    try:
        return importlib.import_module("testservers.postgres").PostgresServer
    finally:
        sys.path.remove(str(project))
        for name in [name for name in sys.modules if name.split(".")[0] == "testservers"]:
            del sys.modules[name]


# -q keeps the output short; the 25 slowest tests show where the suite's time goes.
PYTEST_ARGS = "-q -p no:cacheprovider --durations=25"


class BakedSuite:
    """One baked project's `make test`, started in the background and waited for later.

    A full suite spends much of its time waiting on servers, sockets and a browser rather
    than computing, so both run at once: the template's run then takes about as long as the
    slower one instead of the two one after the other (README, "make test").
    """

    def __init__(self, workdir, answers, database, stack):
        self.project = bake(workdir, **answers)
        venv = project_venv(answers.get("python_version", PYTHONS[0]))
        env = {**os.environ, "CHAT_REQUIRE_SERVICES": os.environ.get("CHAT_REQUIRE_SERVICES", "0")}
        env.pop("VIRTUAL_ENV", None)
        if database == "postgresql":
            postgres = stack.enter_context(baked_postgres(self.project)(workdir / "pg"))
            env["TEST_DATABASE_URL"] = postgres.create_database("chat")
        self.log = workdir / "make-test.log"
        command = ["make", "test", f"VENV={venv}", f"UV={uv()}", f"PYTEST_ARGS={PYTEST_ARGS}"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=self.project, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        stack.callback(self.stop)

    def wait(self):
        """The suite's exit status and output, once it has finished."""
        return self.process.wait(), self.log.read_text()

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def baked_suites(tmp_path_factory):
    """Every FULL_SUITE project's `make test`, all started at once."""
    with contextlib.ExitStack() as stack:
        yield {
            name: BakedSuite(tmp_path_factory.mktemp(name), answers, database, stack)
            for name, (answers, database) in FULL_SUITE.items()
        }


# Each baked suite under coverage: about 10 minutes on a quiet 2-core machine alone, 12 to 15
# side by side, twice that under load.
@pytest.mark.timeout(2400)
@pytest.mark.parametrize("name", FULL_SUITE)
def test_baked_project_passes_its_own_test_command(baked_suites, name):
    returncode, output = baked_suites[name].wait()
    tail = "\n".join(output.splitlines()[-60:])
    # Where the time went (make test's figures in the README come from here), then the end.
    slowest = re.search(r"=+ slowest .*?(?=\n=+ )", output, re.S)
    print(slowest.group(0) if slowest else "", tail, sep="\n")
    assert returncode == 0, tail
    assert re.search(r"\d+ passed", output), tail
