"""Finish the baked project: write local secrets, prune unchosen options, record the template
it came from, print next steps.

Cookiecutter renders this file with Jinja and runs it inside the new project folder. The answers
arrive as one JSON document so the functions below stay importable and unit-tested.
"""

import json
import secrets
import shutil
import string
import subprocess
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


# cookiecutter's own abbreviations, spelled out so that git (and so cruft) can clone them.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}
# What cookiecutter adds to the answers about this one run, not about the project.
RUN_KEYS = {"_repo_dir", "_output_dir", "_checkout"}


def template_url(template):
    """Return where git finds the template again: an abbreviation spelled out, a local
    folder made absolute, any other URL as given."""
    prefix, _, rest = template.partition(":")
    if prefix in ABBREVIATIONS and rest:
        return ABBREVIATIONS[prefix].format(rest)
    path = Path(template).expanduser()
    return str(path.resolve()) if path.is_dir() else template


def template_commit(repo_dir):
    """Return the commit checked out in the template's folder, or None if it is no git repo."""
    result = subprocess.run(
        ["git", "-C", repo_dir, "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def record_template(context, project_dir):
    """Write .cruft.json, so that `cruft check`, `cruft diff` and `cruft update` know the
    template and the release a project came from (README, "Updating from the template").

    `cruft create` writes its own after this hook; a bake by plain cookiecutter keeps this
    one. A template that is no git checkout (a zip) has no commit to record: say so.
    """
    commit = template_commit(context.get("_repo_dir") or ".")
    if commit is None:
        return None
    url = template_url(context.get("_template", ""))
    answers = {key: value for key, value in context.items() if key not in RUN_KEYS}
    answers.update(_template=url, _commit=commit)
    state = {
        "template": url,
        "commit": commit,
        "checkout": context.get("_checkout"),
        "context": {"cookiecutter": answers},
        "directory": None,
    }
    path = project_dir / ".cruft.json"
    path.write_text(json.dumps(state, indent=2) + "\n")
    return path


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
    if record_template(context, project_dir) is None:
        print("The template is not a git checkout: link the project to it with `cruft link`.")
    print(next_steps(context))


if __name__ == "__main__":
    main(json.loads(r"""{{ cookiecutter | tojson }}"""), Path.cwd())
    sys.exit(0)
