"""Slow clients over real TCP against the production way of serving: nginx (deploy/nginx.conf) in front of
gunicorn's two sync workers. Hundreds of sockets that dribble their request in must not keep anyone else
waiting, and none may take longer than nginx allows.

Skipped without nginx (apt-get install nginx-light); CI installs it.
"""

import socket
import statistics
import threading
import time
import urllib.request

import pytest

from api.cli import create_key
from models import db
from tests.servers import NGINX, Gunicorn, Nginx

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="Slow-client run skipped: no nginx (apt-get install nginx-light)"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),  # serving, not the database, is tested
]
SLOW_CONNECTIONS = 200
HEADER_TIMEOUT = 10  # deploy/nginx.conf: client_header_timeout


@pytest.fixture
def production(seeded_app):
    with seeded_app.app_context():
        create_key("reader", "editor")
        db.engine.dispose()
    environment = {
        "DATABASE_URL": seeded_app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": "false",
        "TRUSTED_PROXIES": "1",
    }
    gunicorn = Gunicorn(environment)
    nginx = Nginx(gunicorn.port)
    yield gunicorn, nginx
    nginx.stop()
    gunicorn.stop()


class Dribblers:
    """Sockets that each send a request head one line at a time, a line every `interval` seconds, for ever;
    or a POST that sends its head and one byte of its body, then stalls."""

    def __init__(self, port: int, count: int, interval: float = 1.0):
        self.sockets = []
        for number in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            if number % 2:
                connection.sendall(b"GET /api/v1/articles HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            else:
                connection.sendall(
                    b"POST /api/v1/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100000\r\n\r\n{"
                )
            self.sockets.append(connection)
        self.closed_by_server: list[float] = []
        self.started = time.monotonic()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._dribble, args=(interval,), daemon=True)
        self.thread.start()

    def _dribble(self, interval: float) -> None:
        open_sockets = list(self.sockets)
        line = 0
        while open_sockets and not self.stopping.wait(interval):
            line += 1
            for connection in list(open_sockets):
                try:
                    if self.sockets.index(connection) % 2:  # a head that never ends
                        connection.sendall(b"X-Slow-%d: 1\r\n" % line)
                    else:  # a stalled body: has the server hung up?
                        connection.setblocking(False)
                        try:
                            if connection.recv(65536) == b"":
                                raise ConnectionResetError
                        except BlockingIOError:
                            pass
                        finally:
                            connection.setblocking(True)
                except OSError:  # nginx gave up on it
                    self.closed_by_server.append(time.monotonic() - self.started)
                    open_sockets.remove(connection)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        for connection in self.sockets:
            connection.close()


def _timed_get(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        response.read()
    return time.monotonic() - started


def test_legitimate_requests_are_answered_while_200_slow_clients_dribble(production):
    _gunicorn, nginx = production
    slow = Dribblers(nginx.port, SLOW_CONNECTIONS)
    try:
        time.sleep(2)  # every slow socket is connected and has sent part of its request
        urls = [f"{nginx.base}/api/v1/articles", f"{nginx.base}/api/v1/studio", f"{nginx.base}/api/v1/topics"]
        durations = sorted(_timed_get(urls[number % 3]) for number in range(150))
        p99 = durations[int(len(durations) * 0.99) - 1]
        print(f"p50 {statistics.median(durations) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, {SLOW_CONNECTIONS} slow")
        assert p99 < 1.0, durations[-5:]
    finally:
        slow.close()


def test_a_client_may_not_take_longer_than_nginx_allows(production):
    _gunicorn, nginx = production
    slow = Dribblers(nginx.port, 20)
    try:
        deadline = time.monotonic() + HEADER_TIMEOUT + 15
        while len(slow.closed_by_server) < 20 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(slow.closed_by_server) == 20, f"still open after {HEADER_TIMEOUT + 15} s"
        assert max(slow.closed_by_server) < HEADER_TIMEOUT + 5
    finally:
        slow.close()
