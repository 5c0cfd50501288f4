"""Sending one webhook: the Standard Webhooks signature, and an HTTP POST that cannot be turned against us.

The signature is Standard Webhooks' (https://www.standardwebhooks.com):
HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` with the secret's
bytes, sent as `v1,<base64>`, one per active secret. It is a few lines of the
standard library; the tests verify it with the `standardwebhooks` package, an
implementation that is not ours.

The POST (urllib3) follows no redirect, retries nothing itself (the delivery
schedule does), has a timeout per attempt (for the whole attempt, not only for
each read: a receiver dripping its answer a byte at a time is cut off at it),
reads at most a few KiB of the answer, and refuses any target whose address is loopback, private, link-local
or otherwise not public, checked on the connected socket itself, so that no
DNS answer (rebinding included) can lead it into the private network, unless
WEBHOOK_ALLOW_PRIVATE_TARGETS allows it.
"""

import base64
import contextlib
import hashlib
import hmac
import ipaddress
import socket
import threading
import time
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection

from models.types import utcnow
from models.webhooks import RESPONSE_EXCERPT_BYTES, Outcome

USER_AGENT = "content-api-webhooks/1.0"


class TargetRefused(OSError):
    """The target's address is not a public one (and private targets are not allowed)."""


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks signature, `v1,<base64 HMAC-SHA256>`, of the message with the secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secrets: list[str], message_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers of a delivery: its id, its time, and a signature with each active secret."""
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, message_id, timestamp, body) for secret in secrets),
    }


def is_public_address(address: str) -> bool:
    """Whether an IP address is one on the public internet (not loopback, private, link-local, shared,
    reserved, multicast; an IPv4 address written as IPv6 is judged as the IPv4 one)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def refused_target(url: str) -> str | None:
    """Why a webhook URL is refused as it is written (a literal private address, localhost), or None. A
    name that resolves to a private address is refused when a delivery connects to it."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "localhost is this server itself."
    try:
        public = is_public_address(host)
    except ValueError:
        return None  # a name, not an address
    return None if public else f"{host} is not a public address."


# The sockets the current thread's attempt opened, for its deadline to cut (urllib3's read timeout is per read).
_attempt = threading.local()


class _GuardedConnection(HTTPConnection):
    allow_private = False

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        address = sock.getpeername()[0]
        if not self.allow_private and not is_public_address(address):
            sock.close()
            raise TargetRefused(
                f"{self.host} is at {address}, which is not a public address (WEBHOOK_ALLOW_PRIVATE_TARGETS)."
            )
        getattr(_attempt, "sockets", []).append(sock)
        return sock


def _cut_off(sockets: list[socket.socket], expired: threading.Event) -> None:
    """The attempt's deadline: end its connection, so that a read blocked on it returns at once."""
    expired.set()
    for sock in sockets:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


@cache
def _pool_manager(allow_private: bool) -> PoolManager:
    """One pool manager per process and setting (each answer's connection is closed after its excerpt)."""
    guarded_http = type("GuardedHTTP", (_GuardedConnection,), {"allow_private": allow_private})
    guarded_https = type("GuardedHTTPS", (_GuardedHTTPSConnection,), {"allow_private": allow_private})
    manager = PoolManager(num_pools=50, maxsize=4, block=False)
    manager.pool_classes_by_scheme = {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": guarded_http}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": guarded_https}),
    }
    return manager


def _excerpt(raw: bytes) -> str:
    return raw[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace")


def _refusal(failure: BaseException, depth: int = 0) -> TargetRefused | None:
    """The TargetRefused inside what urllib3 raised (it wraps it: ProtocolError, MaxRetryError, ...)."""
    if isinstance(failure, TargetRefused):
        return failure
    if depth > 4:
        return None
    inner = [getattr(failure, "reason", None), failure.__cause__, failure.__context__, *failure.args]
    for candidate in inner:
        if isinstance(candidate, BaseException):
            found = _refusal(candidate, depth + 1)
            if found is not None:
                return found
    return None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool) -> Outcome:
    """POST the body and say what came back; never raises for anything the receiver or network does."""
    started_at, clock = utcnow(), time.monotonic()

    def elapsed_ms() -> int:
        return round((time.monotonic() - clock) * 1000)

    response: Any = None
    sockets: list[socket.socket] = []
    _attempt.sockets = sockets
    expired = threading.Event()
    deadline = threading.Timer(timeout, _cut_off, (sockets, expired))
    deadline.daemon = True
    deadline.start()
    try:
        response = _pool_manager(allow_private).request(
            "POST",
            url,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            timeout=Timeout(connect=min(timeout, 5.0), read=timeout),
        )
        # The start of the answer is all the log keeps: never read more of it than that.
        excerpt = _excerpt(response.read(RESPONSE_EXCERPT_BYTES, decode_content=False))
        if expired.is_set():
            raise TimeoutError  # the answer was cut short by the deadline: it is not an answer
        return Outcome(started_at, elapsed_ms(), status_code=response.status, excerpt=excerpt)
    except Exception as failure:
        refused = _refusal(failure)
        if refused is not None:
            return Outcome(started_at, elapsed_ms(), error=f"Refused: {refused}")
        if expired.is_set():
            return Outcome(started_at, elapsed_ms(), error=f"Timed out: no whole answer within {timeout:g} s.")
        reason = getattr(failure, "reason", None) or failure
        return Outcome(started_at, elapsed_ms(), error=f"{type(failure).__name__}: {reason}"[:300])
    finally:
        deadline.cancel()
        _attempt.sockets = []
        if response is not None:
            response.close()  # what is left of the answer is never read: the connection goes with it
