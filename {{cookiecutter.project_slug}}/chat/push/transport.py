"""The push thread's HTTP: each connection goes to the addresses checked as it is made.

An endpoint's host is a name its subscriber chose, and the name's DNS answers are theirs too:
a name can answer a public address to a check and 127.0.0.1 to the lookup that follows it
(DNS rebinding). So a new connection resolves its host once, checks every address
(chat.push.validation: public only, or this machine where CHAT["PUSH_ALLOW_LOOPBACK"] says
so, and plain HTTP only there), and connects to those addresses and no others. The
connection keeps the endpoint's name for everything else: TLS verifies the certificate for
it and sends it as SNI, and the request's Host header is it.

A refused address raises validation.SubscriptionError out of the request (the sender removes
the subscription); a name that does not resolve, or no address that answers, is a failed
connection, like any other (the push is dropped, the subscription kept).
"""

import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

from . import validation


def _connect(conn):
    """A socket to one of the checked addresses of ``conn``'s host, tried in the resolver's
    order as urllib3 tries a name's addresses."""
    try:
        addresses = validation.resolve(conn.host, conn.port)
    except (OSError, UnicodeError) as unresolved:
        raise NewConnectionError(conn, f"{conn.host} does not resolve: {unresolved}") from None
    validation.check_addresses(addresses, https=isinstance(conn, HTTPSConnection))
    failure = NewConnectionError(conn, f"{conn.host} has no address")
    for address in addresses:
        try:
            return connection.create_connection(
                (str(address), conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError:
            failure = ConnectTimeoutError(conn, f"Connection to {conn.host} timed out.")
        except OSError as refused:
            failure = NewConnectionError(conn, f"Failed to establish a new connection: {refused}")
    raise failure


class CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """requests' adapter, its pools making checked connections."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": CheckedHTTPPool,
            "https": CheckedHTTPSPool,
        }


def session():
    """A requests session whose every request goes through checked connections.

    No proxy from the environment (a proxy would resolve the name itself, after the check)
    and no redirect followed (a push service has no reason to send one, and it could point
    anywhere).
    """
    http = requests.Session()
    http.trust_env = False
    http.max_redirects = 0
    adapter = CheckedAdapter()
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    return http
