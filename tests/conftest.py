"""Bake projects from the template and give them a virtual environment to run in."""

import glob
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

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
    """Return an interpreter of the given major.minor version, or None."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")))
    for candidate in filter(None, candidates):
        result = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if result.returncode == 0 and result.stdout.strip() == version:
            return candidate
    return None


def project_venv(version):
    """Return a virtual environment with the baked project's pins for Python ``version``.

    Kept in build/venvs and reused while requirements-test.txt is unchanged, so repeated runs
    skip the install.
    """
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    pins = b"".join(
        (project / name).read_bytes() for name in ("requirements.txt", "requirements-test.txt")
    )
    venv = BUILD / "venvs" / f"py{version}-{hashlib.sha256(pins).hexdigest()[:12]}"
    if (venv / ".installed").exists():
        return venv
    python = find_python(version)
    if python is None:
        pytest.fail(f"Python {version} is needed to test projects baked for it.")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(project / "requirements-test.txt")], check=True, cwd=project)
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
        "db.sqlite3*",
        "test-artifacts",
    )
    for pattern in patterns:
        for path in project.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
