"""A Web Push service on loopback that checks what it is sent as a real one and a browser would.

The tests' push service (RFC 8030) for the server's pushes: each subscription it hands out
(``subscribe()``) is a browser's, with a P-256 key pair and a 16-byte auth secret made here
as a browser makes them, and an endpoint on this server. A push is accepted only with a
VAPID header (RFC 8292) whose JWT is signed by the key it names (and that key is the site's,
when the test says which), whose ``aud`` is this server's origin, whose ``exp`` is in the
future and within 24 hours, and whose ``sub`` is a mailto: or https: URL; its body must
decrypt (RFC 8291, aes128gcm) with the subscription's private key. What arrived is recorded
as Delivery records, which tests wait for.

``answers`` lists what it replies to the next pushes in order (410, 429, 500, ...), 201
once the list is used up; ``hang()`` makes it hold every
request open, reading nothing back, until ``release()``: a push service that is down in the
worst way.
"""

import base64
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """What a browser keeps of its subscription: the keys that decrypt its pushes."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def info(self):
        """The subscription as PushSubscription.toJSON() gives it to the page."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


@dataclass
class Delivery:
    endpoint: str
    payload: dict
    claims: dict
    headers: dict = field(default_factory=dict)


class PushService:
    """Listens on 127.0.0.1; endpoints and the VAPID audience name it ``name`` (a test that
    resolves another name to it says so). With ``tls`` (certificate and key files) it speaks
    HTTPS, and records the name each client asked for (SNI) in ``server_names``."""

    def __init__(self, name="127.0.0.1", tls=None):
        self.browsers = {}  # path -> Browser
        self.deliveries = []
        self.refusals = []  # why a push was refused: a test fails on any
        self.vapid_key = None  # the site's public key, when the test names it
        self.answers = []
        self.requests = 0
        self.condition = threading.Condition()
        self.held = threading.Event()
        self.held.set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.server_names = []
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = f"{'https' if tls else 'http'}://{name}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def subscribe(self):
        """A new browser subscription on this service."""
        path = f"/push/{secrets.token_urlsafe(16)}"
        browser = Browser(
            f"{self.origin}{path}", ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16)
        )
        self.browsers[path] = browser
        return browser

    def hang(self):
        self.held.clear()

    def release(self):
        self.held.set()

    def wait_for(self, count, timeout=10):
        """Return the first ``count`` deliveries once they arrived (AssertionError if not)."""
        with self.condition:
            arrived = self.condition.wait_for(lambda: len(self.deliveries) >= count, timeout)
        assert arrived, f"{len(self.deliveries)} of {count} pushes arrived: {self.refusals}"
        return self.deliveries[:count]

    def wait_for_requests(self, count, timeout=10):
        with self.condition:
            assert self.condition.wait_for(lambda: self.requests >= count, timeout), self.requests

    def receive(self, path, headers, body):
        """Check one push; return the status to answer (and record it if accepted)."""
        with self.condition:
            self.requests += 1
            self.condition.notify_all()
        self.held.wait()
        browser = self.browsers.get(path)
        if browser is None:
            return 404
        try:
            claims = self._claims(headers.get("authorization", ""))
            assert headers.get("content-encoding") == "aes128gcm", headers
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
            )
        except (AssertionError, ValueError, InvalidSignature, http_ece.ECEException) as error:
            self.refusals.append(repr(error))
            return 400
        with self.condition:
            status = self.answers.pop(0) if self.answers else 201
            if status < 300:
                self.deliveries.append(
                    Delivery(browser.endpoint, json.loads(plain), claims, dict(headers))
                )
                self.condition.notify_all()
        return status

    def _claims(self, authorization):
        """The VAPID JWT's claims, once its signature, audience, expiry and subject hold."""
        scheme, _, params = authorization.partition(" ")
        assert scheme == "vapid", authorization
        parts = dict(part.strip().split("=", 1) for part in params.split(","))
        key_text, token = parts["k"], parts["t"]
        assert self.vapid_key in (None, key_text), "signed with another key than the site's"
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key_text))
        header, claims, signature = token.split(".")
        assert json.loads(unb64url(header))["alg"] == "ES256"
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(unb64url(claims))
        assert claims["aud"] == self.origin, claims
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
        assert urlsplit(claims["sub"]).scheme in ("mailto", "https"), claims
        return claims

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = service.receive(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler
