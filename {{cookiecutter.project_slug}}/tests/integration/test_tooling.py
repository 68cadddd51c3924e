"""The project's tool files agree with each other and with what the platforms run today."""

import re
import tomllib

import pytest

from testservers.live import PROJECT

# The oldest major version of each action the workflow may pin: the first on GitHub's Node 24
# runtime (Node 20 left the runners in September 2026). An action not listed here fails the
# test until it is added, with its own minimum.
MINIMUM_ACTIONS = {"actions/checkout": 6, "astral-sh/setup-uv": 7}

WORKFLOW = PROJECT / ".github" / "workflows" / "ci.yml"
needs_workflow = pytest.mark.skipif(not WORKFLOW.exists(), reason="baked without GitHub Actions")


PIN = re.compile(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==([^;\s]+)")


def requirements():
    """pyproject.toml's dependencies and dependency groups, as written."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    groups = project["dependency-groups"].values()
    return project["project"]["dependencies"] + [r for group in groups for r in group]


def pins():
    """Return {package: version} of every dependency."""
    return {m.group(1).lower(): m.group(2) for m in map(PIN.match, requirements())}


def test_every_dependency_is_pinned_exactly():
    assert requirements()
    assert all(PIN.match(requirement) for requirement in requirements()), requirements()


@needs_workflow
def test_workflow_actions_are_at_least_the_listed_versions():
    uses = re.findall(r"uses:\s*([\w.-]+/[\w.-]+)@v(\d+)", WORKFLOW.read_text())
    assert uses, "no actions found"
    for action, major in uses:
        assert action in MINIMUM_ACTIONS, f"{action} has no minimum in MINIMUM_ACTIONS"
        assert int(major) >= MINIMUM_ACTIONS[action], f"{action}@v{major}"


@needs_workflow
def test_workflow_services_match_herokus():
    workflow = WORKFLOW.read_text()
    assert re.search(r"image: postgres:(\d+)", workflow).group(1) == "17"
    assert re.search(r"image: valkey/valkey:(\S+)", workflow).group(1) == "7.2"


@needs_workflow
def test_dependabot_updates_the_lock_and_the_actions():
    config = (PROJECT / ".github" / "dependabot.yml").read_text()
    assert re.findall(r"package-ecosystem:\s*(\S+)", config) == ["uv", "github-actions"]


def test_pre_commit_runs_the_versions_make_test_runs():
    config = (PROJECT / ".pre-commit-config.yaml").read_text()
    revs = dict(re.findall(r"repo: https://github.com/([\w-]+/[\w.-]+)\n\s+rev: v?(\S+)", config))
    assert revs["astral-sh/ruff-pre-commit"] == pins()["ruff"]
    uv_version = re.search(r"^UV_VERSION := (\S+)$", (PROJECT / "Makefile").read_text(), re.M)
    assert revs["astral-sh/uv-pre-commit"] == uv_version.group(1)
