"""Print a new VAPID key pair for Web Push, as the environment takes it."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_pair():
    """(public, private): the uncompressed P-256 point browsers take as applicationServerKey,
    and the 32-byte private number, both base64url without padding."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair as VAPID_PUBLIC_KEY=... and VAPID_PRIVATE_KEY=... lines, for "
        "the environment (heroku config:set, or .env). Replacing a pair ends every browser's "
        "push subscription: browsers subscribe again when the page next opens."
    )

    def handle(self, *args, **options):
        public, private = new_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}\nVAPID_PRIVATE_KEY={private}")
