"""Finish the baked project: write local secrets, prune unchosen options, print next steps.

Cookiecutter renders this file with Jinja and runs it inside the new project folder. The answers
arrive as one JSON document so the functions below stay importable and unit-tested.
"""

import json
import secrets
import shutil
import string
import sys
from pathlib import Path

# Letters and digits only: no quotes, dollars or backslashes that a shell or .env parser
# would interpret.
SECRET_ALPHABET = string.ascii_letters + string.digits

# Paths that exist only for one answer, removed when the answer is "no".
OPTIONAL_PATHS = {
    "use_stunnel": [
        "Aptfile",
        "project.toml",
        "bin/start-stunnel",
        "tests/integration/test_start_stunnel.py",
    ],
    "use_github_actions": [".github"],
}


def is_yes(value):
    """Return whether a boolean answer is on (cookiecutter may hand over a bool or a string)."""
    return value is True or str(value).strip().lower() in {"true", "yes", "y", "1", "on"}


def generate_secret_key(length=64):
    """Return a random Django SECRET_KEY safe to write unquoted into a .env file."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(length))


def write_env_file(project_dir, secret_key):
    """Write the git-ignored .env used for local runs; keep an existing one untouched."""
    env_file = project_dir / ".env"
    if env_file.exists():
        return env_file
    env_file.write_text(
        "# Local settings, never committed (see .env.example for every variable).\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secret_key}\n"
    )
    env_file.chmod(0o600)
    return env_file


def paths_to_prune(context):
    """Return the relative paths that belong to options answered "no"."""
    pruned = []
    for option, paths in OPTIONAL_PATHS.items():
        if not is_yes(context[option]):
            pruned.extend(paths)
    if context["open_source_license"] == "Not open source":
        pruned.append("LICENSE")
    return pruned


def prune(project_dir, relative_paths):
    """Delete the given files and folders if present; safe to run twice."""
    for relative in relative_paths:
        path = project_dir / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def next_steps(context):
    """Return the message printed once the project is written."""
    slug = context["project_slug"]
    return (
        f"\nCreated {slug}/. Next steps:\n\n"
        f"  cd {slug}\n"
        "  make run      # SQLite and an in-process channel layer: http://127.0.0.1:8000\n"
        "  make test     # the project's test suite\n\n"
        "Deploying to Heroku is described in README.md, section 'Deploy to Heroku'.\n"
    )


def main(context, project_dir):
    write_env_file(project_dir, generate_secret_key())
    prune(project_dir, paths_to_prune(context))
    print(next_steps(context))


if __name__ == "__main__":
    main(json.loads(r"""{{ cookiecutter | tojson }}"""), Path.cwd())
    sys.exit(0)
