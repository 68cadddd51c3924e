"""Who the load's clients are: the project's users and their tokens, or anonymous sockets."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path


def provision(prefix, count, password):
    """Create ``count`` users (``<prefix>0``...) if missing; return [[username, token], ...].

    Runs inside the project with Django set up (DATABASE_URL and SECRET_KEY of the server), so
    the tokens are the server's own. One password hash is shared by all users: hashing once
    keeps provisioning fast under the production hasher.
    """
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from chat.auth import token_issue

    user_model = get_user_model()
    names = [f"{prefix}{i}" for i in range(count)]
    hashed = make_password(password)
    user_model.objects.bulk_create(
        [user_model(username=name, password=hashed) for name in names], ignore_conflicts=True
    )
    users = {user.username: user for user in user_model.objects.filter(username__in=names)}
    return [[name, token_issue(users[name])[0]] for name in names]


def fetch_tokens(url, prefix, count, password):
    """Log in ``<prefix>0``... over POST /api/token/; return [[username, token], ...]."""
    tokens = []
    for i in range(count):
        request = urllib.request.Request(
            f"{url.rstrip('/')}/api/token/",
            data=json.dumps({"username": f"{prefix}{i}", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens.append([f"{prefix}{i}", json.loads(response.read())["token"]])
    return tokens


def anonymous(count):
    """Identities for the tutorial baseline, which has no users."""
    return [(f"anon{i}", None) for i in range(count)]


def read_tokens(path):
    """The [username, token] pairs a ``provision`` run wrote to ``path``."""
    return [tuple(pair) for pair in json.loads(Path(path).read_text())]


def load_identities(args, needed):
    if args.target == "tutorial":
        return anonymous(needed)
    if args.tokens:
        return read_tokens(args.tokens)
    if args.password:
        return [tuple(pair) for pair in fetch_tokens(args.url, args.prefix, needed, args.password)]
    raise SystemExit("the project target needs --tokens FILE or --password (with --prefix)")
