"""Reject bad answers before anything is written.

Cookiecutter renders this file with Jinja and then runs it; the answers arrive as one JSON
document, so the functions below stay importable and testable without a template engine.
Each check returns a one-line reason, or None when the answer is fine.
"""

import json
import keyword
import re
import sys

# Modules the baked project imports, or that Python and pytest resolve by name. A project
# folder with one of these names would shadow it for anything run from its parent directory.
RESERVED_SLUGS = frozenset(
    {
        "accounts",
        "asgiref",
        "axes",
        "bench",
        "channels",
        "channels_redis",
        "chat",
        "config",
        "confusable_homoglyphs",
        "daphne",
        "dj_database_url",
        "django",
        "environ",
        "psycopg",
        "pytest",
        "redis",
        "site",
        "test",
        "tests",
        "testservers",
        "uvicorn",
        "websockets",
        "whitenoise",
    }
)

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# A pragmatic address check: one @, no spaces, a dot in the domain part.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# RFC 1123 host names: labels of letters, digits and inner hyphens, a letter-only TLD.
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE
)


def check_slug(slug):
    """Return why ``slug`` cannot name the project, or None."""
    if not SLUG_RE.match(slug):
        return (
            f"project_slug {slug!r} must be a lower-case Python identifier "
            "(letters, digits and underscores, starting with a letter)"
        )
    if keyword.iskeyword(slug):
        return f"project_slug {slug!r} is a Python keyword"
    if slug in RESERVED_SLUGS or slug in sys.stdlib_module_names:
        return f"project_slug {slug!r} would shadow the module of the same name; choose another"
    return None


def check_email(email):
    """Return why ``email`` is not a usable address, or None."""
    if not EMAIL_RE.match(email):
        return f"email {email!r} is not a valid address"
    return None


def check_domain(domain):
    """Return why ``domain`` is not a host name, or None."""
    if not DOMAIN_RE.match(domain):
        return f"domain_name {domain!r} is not a valid host name such as example.com"
    return None


def check_project_name(name):
    """Return why ``name`` cannot be shown and quoted in settings, or None."""
    if not name.strip():
        return "project_name must not be empty"
    if any(ch in name for ch in '"\\{}'):
        return "project_name must not contain quotes, backslashes or braces"
    return None


def validate(context):
    """Return the first reason the answers in ``context`` are refused, or None."""
    return (
        check_project_name(context["project_name"])
        or check_slug(context["project_slug"])
        or check_email(context["email"])
        or check_domain(context["domain_name"])
    )


def main(context):
    reason = validate(context)
    if reason:
        print(f"ERROR: {reason}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(json.loads(r"""{{ cookiecutter | tojson }}"""))
