"""Failed logins counted in the cache at three scopes, each with its own limit.

django-axes calls this handler (settings.AXES_HANDLER) on every password entry point. Its own
handlers hold one limit for every lockout parameter, so locking an account after ten failures
lets anyone lock anyone out. Here, as OWASP's authentication cheat sheet suggests:

- an account from one address (the pair) is locked after LOGIN_FAILURE_LIMIT failures: a
  guesser is stopped, and the account's owner, elsewhere, is not;
- one address is locked after LOGIN_ADDRESS_FAILURE_LIMIT failures whatever usernames it
  tries (one password sprayed over many accounts);
- one account is locked after LOGIN_ACCOUNT_FAILURE_LIMIT failures from all addresses
  together, far more than its owner mistypes: guessing spread over many addresses is slowed
  down, and locking the owner out takes that many guesses, again every cool-off period.

Counts live in the cache (Redis in production, so every process and dyno agrees) for
AXES_COOLOFF_TIME after the last failure. Keys hold digests of the username and address, so
any name makes a valid key and a reset can find every key of one user or address.
"""

import hashlib
import logging

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.helpers import get_cache, get_cache_timeout, get_client_username
from axes.signals import user_locked_out
from django.conf import settings

log = logging.getLogger(__name__)

PREFIX = "login-failures"


def digest(value):
    """A fixed-length stand-in for a username or an address in a key: any text is a valid key."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def counter_keys(username, address):
    """{scope: cache key} of the counters a failure of ``username`` from ``address`` adds to."""
    keys = {}
    if address:
        keys["address"] = f"{PREFIX}:address:{digest(address)}"
    if username:
        keys["account"] = f"{PREFIX}:account:{digest(username)}"
        if address:
            keys["pair"] = f"{PREFIX}:pair:{digest(username)}:{digest(address)}"
    return keys


def limits():
    """{scope: failures that lock it}, read on each use so tests may override settings."""
    return {
        "pair": settings.AXES_FAILURE_LIMIT,
        "address": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        "account": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
    }


def over_limit(counts):
    """Whether any of the {scope: failures} reached its scope's limit."""
    return any(count >= limits()[scope] for scope, count in counts.items())


class LoginFailureHandler(AbstractAxesHandler, AxesBaseHandler):
    def __init__(self):
        self.cache = get_cache()

    def _keys(self, request, credentials):
        return counter_keys(get_client_username(request, credentials), request.axes_ip_address)

    def get_failures(self, request, credentials=None):
        """The failures of this account from this address (what the login form counts)."""
        key = self._keys(request, credentials).get("pair")
        return self.cache.get(key, 0) if key else 0

    def is_locked(self, request, credentials=None):
        keys = self._keys(request, credentials)
        counts = self.cache.get_many(keys.values())
        return over_limit({scope: counts.get(key, 0) for scope, key in keys.items()})

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None or self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials)
        if not request.axes_locked_out or settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT:
            # Refused attempts count too: a lockout lasts until the guessing stops.
            counts = self._count(self._keys(request, credentials), get_cache_timeout(request))
            if not over_limit(counts):
                return
            log.warning("Login locked out: %s failures for %r", counts, username)
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes", request=request, username=username, ip_address=request.axes_ip_address
        )

    def _count(self, keys, timeout):
        """Add one failure to each counter, each kept ``timeout`` seconds from now."""
        counts = {}
        for scope, key in keys.items():
            counts[scope] = 1
            if not self.cache.add(key, 1, timeout=timeout):
                try:
                    counts[scope] = self.cache.incr(key)
                except ValueError:  # expired since add(): this failure starts it again
                    self.cache.set(key, 1, timeout=timeout)
                else:
                    self.cache.touch(key, timeout=timeout)
        return counts

    def user_logged_in(self, sender, request, user, **kwargs):
        # Only the pair: a success must not clear what an address or an account collected
        # against others (an attacker would log in to an account of their own to reset it).
        if settings.AXES_RESET_ON_SUCCESS:
            key = counter_keys(user.get_username(), request.axes_ip_address).get("pair")
            if key:
                self.cache.delete(key)

    def user_logged_out(self, sender, request, user, **kwargs):
        pass

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False):
        """Unlock: every count (no arguments), a user's, an address's, or the pair's
        (both; with ip_or_username, both users' and addresses' counts). Returns how many
        counters were removed. This is what `manage.py axes_reset` and its kin call."""
        patterns = reset_patterns(ip_address, username, ip_or_username)
        return sum(delete_matching(self.cache, pattern) for pattern in patterns)


def reset_patterns(address, username, either):
    """The glob patterns of the counters a reset removes (see reset_attempts)."""
    if address is None and username is None:
        return [f"{PREFIX}:*"]
    if address is not None and username is not None and not either:
        return [counter_keys(username, address)["pair"]]
    patterns = []
    if username is not None:
        patterns += [f"{PREFIX}:account:{digest(username)}", f"{PREFIX}:pair:{digest(username)}:*"]
    if address is not None:
        patterns += [f"{PREFIX}:address:{digest(address)}", f"{PREFIX}:pair:*:{digest(address)}"]
    return patterns


def delete_matching(cache, pattern):
    """Delete the keys of ``cache`` that match the glob ``pattern``; return how many.

    Django's cache API has no pattern deletion: the keys are scanned on Redis (SCAN, which
    does not block the server as KEYS would). Without Redis the counts live in the memory of
    the one server process, which no other process can reach: restarting it clears them.
    """
    redis_cache = getattr(cache, "_cache", None)
    if not hasattr(redis_cache, "get_client"):
        raise NotImplementedError(
            "Login failures are counted in the server's own memory (no REDIS_URL): restart "
            "the server to clear them."
        )
    client = redis_cache.get_client(write=True)
    keys = list(client.scan_iter(match=cache.make_key(pattern), count=1000))
    return client.delete(*keys) if keys else 0
