"""Teams keep the template's fixes: a project baked at an earlier release, changed the way teams
change theirs, then brought up to this tree by `cruft update` (CHANGELOG.md, the baked
README's "Updating from the template").

The template is cloned from this repository's history, as a team's `cruft` clones it from
GitHub; nothing leaves the machine. The baked project's own checks then run in the venv of
this tree's lock.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE, project_venv

# 2026.11.0 (CHANGELOG.md): the last release before projects could be updated.
EARLIER_RELEASE = "893215c2cf59c7a5cc7810f0f7577ef14016953a"
# cruft from the template's own environment (requirements-dev.txt), beside this Python.
CRUFT = Path(sys.executable).parent / "cruft"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Team",
    "GIT_AUTHOR_EMAIL": "team@example.com",
    "GIT_COMMITTER_NAME": "Team",
    "GIT_COMMITTER_EMAIL": "team@example.com",
}

pytestmark = pytest.mark.timeout(600)


def run(cwd, *args, env=None, check=True):
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env or GIT_ENV, capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def template(tmp_path):
    """The template's repository as a team's remote: this repository's history, HEAD on top."""
    head = run(TEMPLATE, "git", "rev-parse", "HEAD").stdout.strip()
    known = run(TEMPLATE, "git", "cat-file", "-e", f"{EARLIER_RELEASE}^{{commit}}", check=False)
    assert known.returncode == 0, "the update test needs this repository's history (a full clone)"
    remote = tmp_path / "chat-template"
    run(tmp_path, "git", "clone", "--quiet", "--no-hardlinks", TEMPLATE, remote)
    return remote, head


def team_changes(project):
    """What a team does to its project: a setting, a page, an app of its own, a dependency,
    and the one-time step CHANGELOG.md asks of projects baked before 2026.12.0."""
    settings = project / "config" / "settings.py"
    text = settings.read_text()
    text = text.replace(
        "INSTALLED_APPS = [\n",
        'TEAM_GREETING = env("TEAM_GREETING", default="hi")\n\nINSTALLED_APPS = [\n    "rota",\n',
        1,
    )
    settings.write_text(text)
    (project / "rota").mkdir()
    (project / "rota" / "__init__.py").write_text('"""Who is on call this week."""\n')
    (project / "rota" / "apps.py").write_text(
        'from django.apps import AppConfig\n\n\nclass RotaConfig(AppConfig):\n    name = "rota"\n'
    )
    base = project / "chat" / "templates" / "base.html"
    base.write_text(
        base.read_text().replace("<head>", '<head>\n<meta name="team" content="ours">', 1)
    )
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace(
        "dependencies = [\n", 'dependencies = [\n    "sqlparse>=0.5",\n', 1
    )
    text = text.replace(
        "[tool.uv]",
        (TEMPLATE / "CHANGELOG.md").read_text().split("```toml\n")[1].split("```")[0]
        + "\n[tool.uv]",
        1,
    )
    pyproject.write_text(text)


def test_a_changed_project_takes_this_release_and_keeps_its_changes(tmp_path, template):
    remote, head = template
    cruft = CRUFT
    run(tmp_path, cruft, "create", remote, "--checkout", EARLIER_RELEASE, "--no-input",
        "--output-dir", tmp_path / "out")  # fmt: skip
    project = tmp_path / "out" / "team_chat"
    assert json.loads((project / ".cruft.json").read_text())["commit"] == EARLIER_RELEASE
    assert not (project / "project.toml").exists()  # came with 2026.12.0
    run(project, "git", "init", "--quiet", "--initial-branch", "main")
    run(project, "git", "add", "--all")
    run(project, "git", "commit", "--quiet", "--message", "Baked")
    team_changes(project)
    run(project, "git", "add", "--all")
    run(project, "git", "commit", "--quiet", "--message", "Ours")

    assert run(project, cruft, "check", check=False).returncode != 0  # a newer release exists
    run(project, cruft, "update", "--skip-apply-ask", "--checkout", head)

    state = json.loads((project / ".cruft.json").read_text())
    assert state["commit"] == head
    leftovers = run(project, "git", "status", "--porcelain").stdout
    assert ".rej" not in leftovers and "<<<<<<<" not in run(project, "git", "diff").stdout
    # This release's changes arrived ...
    assert (project / "project.toml").read_text() == (
        TEMPLATE / "{{cookiecutter.project_slug}}" / "project.toml"
    ).read_text()
    assert "echo ::" in (project / "Procfile").read_text()
    assert (project / "chat" / "services" / "invitations.py").exists()
    # ... and the team's stayed.
    settings = (project / "config" / "settings.py").read_text()
    assert 'TEAM_GREETING = env("TEAM_GREETING", default="hi")' in settings
    assert '    "rota",\n' in settings
    assert '<meta name="team" content="ours">' in (project / "chat/templates/base.html").read_text()
    assert '"sqlparse>=0.5",' in (project / "pyproject.toml").read_text()
    project_checks(project)


def project_checks(project):
    """The updated project's own checks, in the venv of this tree's lock."""
    venv = project_venv("3.14")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "SECRET_KEY": "update-test"}
    python = venv / "bin" / "python"
    run(project, python, "manage.py", "check", env=env)
    run(project, python, "manage.py", "makemigrations", "--check", "--dry-run", env=env)
    run(project, python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit", env=env)


def template_step_script():
    """The run script of the baked workflow's "Template updates" step."""
    import yaml  # cookiecutter's own dependency

    workflow = yaml.safe_load(
        (
            TEMPLATE / "{{cookiecutter.project_slug}}" / ".github" / "workflows" / "ci.yml"
        ).read_text()
    )
    (step,) = [
        s for s in workflow["jobs"]["template"]["steps"] if s.get("name") == "Template updates"
    ]
    return step["run"]


def test_the_workflow_says_when_a_newer_release_exists_and_never_fails(tmp_path, template):
    """A bake by plain cookiecutter records its template (hooks/post_gen_project.py); the
    workflow's step is quiet while it is current and warns, without failing, once it is not."""
    from cookiecutter.main import cookiecutter

    remote, _ = template
    project = Path(cookiecutter(str(remote), no_input=True, output_dir=str(tmp_path / "out")))
    assert json.loads((project / ".cruft.json").read_text())["template"] == str(remote)
    # GitHub runs `uvx cruft@<pin>`; here uvx is a stand-in running the pinned cruft installed
    # beside this Python (requirements-dev.txt), so nothing is downloaded.
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "uvx").write_text(f'#!/bin/sh\nshift\nexec "{CRUFT}" "$@"\n')
    (shims / "uvx").chmod(0o755)
    env = {**GIT_ENV, "PATH": f"{shims}:{os.environ['PATH']}"}
    script = template_step_script()
    current = run(project, "bash", "-e", "-c", script, env=env)
    assert "::warning::" not in current.stdout, current.stdout + current.stderr

    (remote / "NEWS").write_text("a newer release\n")
    run(remote, "git", "add", "NEWS")
    run(remote, "git", "commit", "--quiet", "--message", "A newer release")
    outdated = run(project, "bash", "-e", "-c", script, env=env)  # exits 0: never fails
    assert "::warning::A newer release of the template exists" in outdated.stdout
