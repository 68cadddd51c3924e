"""What a browser's push subscription must be before it is stored.

A subscription names a URL this server will POST to on the user's behalf, so it is checked as
a request forger's way in: HTTPS only, no credentials in it, and a host that resolves only to
public addresses (never this machine, the private network, link-local addresses such as a
cloud's metadata service, or multicast). CHAT["PUSH_ALLOW_LOOPBACK"] accepts this machine's
own addresses, over HTTP too, for tests and local development. The same address check runs
again on the very addresses each push connects to (chat.push.transport): a name can resolve
elsewhere later, even between a check and the lookup after it.

The keys are those RFC 8291 encrypts with: ``p256dh`` the browser's P-256 public key as an
uncompressed point (65 bytes), ``auth`` its 16-byte secret, both base64url.
"""

import base64
import binascii
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

MAX_ENDPOINT_CHARS = 1024
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class SubscriptionError(Exception):
    """A subscription refused: ``code`` names the rule, the message says what to fix."""

    def __init__(self, code, detail):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def clean(data):
    """Return {"endpoint", "p256dh", "auth"} from a PushSubscription's JSON, or raise."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise SubscriptionError(
            "invalid_subscription", 'Send {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}.'
        )
    endpoint = data.get("endpoint")
    check_endpoint(endpoint)
    keys = data["keys"]
    p256dh = _decoded(keys.get("p256dh"), "p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise SubscriptionError("invalid_keys", "p256dh is not a point of P-256.") from None
    _decoded(keys.get("auth"), "auth", 16)
    return {"endpoint": endpoint, "p256dh": keys["p256dh"], "auth": keys["auth"]}


def check_endpoint(endpoint):
    """Raise SubscriptionError unless ``endpoint`` is a URL this server may POST to."""
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= MAX_ENDPOINT_CHARS:
        raise SubscriptionError(
            "invalid_endpoint",
            f"endpoint must be a URL of at most {MAX_ENDPOINT_CHARS} characters.",
        )
    try:
        url = urlsplit(endpoint)
        port = url.port
    except ValueError:
        raise SubscriptionError("invalid_endpoint", "endpoint is not a URL.") from None
    if not url.hostname or url.username or url.password or url.scheme not in ("https", "http"):
        raise SubscriptionError("invalid_endpoint", "endpoint must be an https:// URL.")
    try:
        addresses = resolve(url.hostname, port or (443 if url.scheme == "https" else 80))
    except (OSError, UnicodeError):
        raise SubscriptionError("invalid_endpoint", "endpoint's host does not resolve.") from None
    check_addresses(addresses, https=url.scheme == "https")


def resolve(host, port):
    """Every address ``host`` resolves to, in the resolver's order (an IP literal is its own).

    Raises OSError or UnicodeError when it does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 address may carry a zone ("fe80::1%eth0"); the address is what is checked.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def check_addresses(addresses, *, https):
    """Raise SubscriptionError unless a push may go to every one of ``addresses``."""
    loopback = settings.CHAT["PUSH_ALLOW_LOOPBACK"] and all(a.is_loopback for a in addresses)
    if not https and not loopback:
        raise SubscriptionError("invalid_endpoint", "endpoint must be an https:// URL.")
    if not loopback and not all(a.is_global and not a.is_multicast for a in addresses):
        raise SubscriptionError(
            "endpoint_not_public", "endpoint must be on a public address of the internet."
        )


def _decoded(value, name, length):
    """The bytes of a base64url key of exactly ``length`` bytes, or raise."""
    if isinstance(value, str) and len(value) <= 100 and BASE64URL.match(value):
        try:
            bare = value.rstrip("=")
            raw = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == length:
            return raw
    raise SubscriptionError("invalid_keys", f"{name} must be {length} bytes in base64url.")
