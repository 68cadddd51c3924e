"""Bake projects from the template and give them a virtual environment to run in."""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tools import debian_python

TEMPLATE = Path(__file__).resolve().parent.parent
BUILD = TEMPLATE / "build"
DEFAULTS = json.loads((TEMPLATE / "cookiecutter.json").read_text())


def bake(output_dir, **answers):
    """Bake the template with ``answers`` (defaults otherwise) and return the project path."""
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def find_python(version):
    """Return an interpreter of the given major.minor version, or None.

    The machine's own (PATH, pyenv, uv-managed), else the one ``make python3.14`` unpacked
    into build/ from Debian's archive (tools/debian_python.py).
    """
    return debian_python.find(version, BUILD / f"python{version}")


def uv():
    """The uv of the template's own environment (requirements-dev.txt), else one on PATH."""
    local = TEMPLATE / ".venv" / "bin" / "uv"
    return str(local) if local.exists() else shutil.which("uv")


def project_venv(version):
    """Return a virtual environment with the baked project's locked packages for ``version``.

    Synced from a bake (the template folder's pyproject names the project with a template
    variable) and kept in build/venvs while pyproject.toml and uv.lock are unchanged, so
    repeated runs skip the install.
    """
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    pins = b"".join((project / name).read_bytes() for name in ("pyproject.toml", "uv.lock"))
    venv = BUILD / "venvs" / f"py{version}-{hashlib.sha256(pins).hexdigest()[:12]}"
    if (venv / ".installed").exists():
        return venv
    python = find_python(version)
    if python is None:
        pytest.fail(f"Python {version} is needed to test projects baked for it.")
    shutil.rmtree(venv, ignore_errors=True)
    shutil.rmtree(BUILD / "venv-sources" / version, ignore_errors=True)
    source = bake(BUILD / "venv-sources" / version, python_version=version)
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    sync = [uv(), "sync", "--locked", "--quiet", "--python", python]
    subprocess.run(sync, check=True, cwd=source, env=env)
    (venv / ".installed").touch()
    return venv


@pytest.fixture(scope="session", autouse=True)
def clean_template_tree():
    """Remove caches that running the project in place leaves in the template folder.

    Cookiecutter would try to render them (compiled bytecode is not text).
    """
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    patterns = (
        "**/__pycache__",
        "**/.pytest_cache",
        "**/.ruff_cache",
        "**/.mypy_cache",
        ".coverage",
        "db.sqlite3*",
        "test-artifacts",
    )
    for pattern in patterns:
        for path in project.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
