"""Real servers for the tests that need them: a private PostgreSQL to stop and start, gunicorn instances,
and any in-process server run in a thread (the app itself, the demo's static files).

All bind to loopback only, on free ports, and are stopped when the test ends.
"""

import contextlib
import glob
import http.server
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


@contextmanager
def serving_in_thread(server):
    """Serve with `server` (a socketserver bound to a loopback port) in a thread for the block: its port."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_binaries() -> str | None:
    """The folder of a local PostgreSQL installation's server binaries, if there is one."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of the caller's own, so stopping it disturbs nobody: a throwaway one (a test's),
    or one kept in `directory` between runs (the benchmark's corpus), made there if there is none yet;
    `settings` are more server options (`-c name=value ...`)."""

    def __init__(self, directory: str | None = None, settings: str = ""):
        self.binaries = postgres_binaries()
        self.port = free_port()
        self.directory = directory or tempfile.mkdtemp(prefix="pg-private-")
        self.data = os.path.join(self.directory, "data")
        self.settings = settings
        # PostgreSQL refuses to run as root: run it as the postgres user when we are root.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if not os.path.exists(self.data):
            os.makedirs(self.directory, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.directory, "postgres", "postgres")
            self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.prefix, os.path.join(self.binaries, tool), *args], check=True, capture_output=True, timeout=60
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off {self.settings}"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", os.path.join(self.directory, "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _answers_health(base: str, process: subprocess.Popen, seconds: float) -> bool:
    """Whether the server at `base` answers /api/v1/health within `seconds` (False as soon as it exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class Gunicorn:
    """The app served by gunicorn with the repository's gunicorn.conf.py, on a free loopback port."""

    def __init__(self, environment: dict):
        self.port = free_port()
        env = {**os.environ, **environment, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2"}
        # Its own job queue, not the instance folder's (removed with the system's temporary files).
        env.setdefault("JOBS_URL", f"sqlite:///{tempfile.mkdtemp(prefix='jobs-')}/jobs.sqlite3")
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the server runs)
        gunicorn = str(Path(os.sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py"],
            cwd=REPOSITORY,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that kill() reaches the workers too
        )
        self.base = f"http://127.0.0.1:{self.port}"
        if not _answers_health(self.base, self.process, seconds=30):
            output = self.output()
            self.stop()
            raise RuntimeError(f"gunicorn did not start: {output}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no graceful anything."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            self.log.close()
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


class Nginx:
    """The repository's deploy/nginx.conf, run by this machine's nginx on a free loopback port in front
    of `upstream_port`. Only what must differ on a test machine is changed: where it listens, where its
    upstream is, and where it keeps its pid, logs and buffers."""

    def __init__(self, upstream_port: int):
        assert NGINX, "apt-get install nginx-light"
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="nginx-")
        os.chmod(self.directory, 0o777)  # as root, nginx's workers run as nobody and buffer bodies here
        shipped = (REPOSITORY / "deploy" / "nginx.conf").read_text(encoding="utf-8")
        replacements = {
            "listen 80;": f"listen 127.0.0.1:{self.port};",
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
            "pid /run/nginx.pid;": f"pid {self.directory}/nginx.pid;",
            "error_log /var/log/nginx/error.log warn;": f"error_log {self.directory}/error.log warn;",
            "client_body_temp_path /var/lib/nginx/body;": f"client_body_temp_path {self.directory}/body;",
            "proxy_temp_path /var/lib/nginx/proxy;": f"proxy_temp_path {self.directory}/proxy;",
        }
        for shipped_text, test_text in replacements.items():
            assert shipped_text in shipped, f"deploy/nginx.conf no longer says {shipped_text!r}"
            shipped = shipped.replace(shipped_text, test_text)
        config = Path(self.directory) / "nginx.conf"
        config.write_text(shipped, encoding="utf-8")
        self.process = subprocess.Popen(
            [NGINX, "-p", self.directory, "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        if not _answers_health(self.base, self.process, seconds=15):
            errors = self.errors()
            self.stop()
            raise RuntimeError(f"nginx did not start: {errors}")

    def errors(self) -> str:
        log = Path(self.directory) / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    """A Redis of the test's own on a free loopback port (nothing on disk), to stop and start."""

    def __init__(self):
        assert REDIS_SERVER, "apt-get install redis-server"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def black_hole():
    """A loopback port that accepts connections and never answers: a dependency that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


class Receiver:
    """A webhook receiver on a free loopback port: it records every request (headers and body) and answers
    each with the next of `answers` ((status, body) pairs; the last one repeats)."""

    def __init__(self, answers: list[tuple[int, bytes]] | None = None, delay: float = 0.0):
        self.answers = list(answers or [(200, b"ok")])
        self.delay = delay
        self.received: list[dict] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.received.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "at": time.time()}
                    )
                    status, answer = receiver.answers[min(len(receiver.received), len(receiver.answers)) - 1]
                    receiver.arrived.notify_all()
                time.sleep(receiver.delay)
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"

    def wait_for(self, count: int, seconds: float) -> list[dict]:
        """The requests received, once there are `count` of them (or when `seconds` have passed)."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self.arrived.wait(timeout=deadline - time.monotonic())
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _measuring_coverage() -> bool:
    """Whether this test run measures coverage (`make test`: pytest --cov)."""
    try:
        import coverage
    except ImportError:
        return False
    return coverage.Coverage.current() is not None


class Worker:
    """`flask --app wsgi worker`, the real command, in its own process with the given environment."""

    def __init__(self, environment: dict, threads: int = 2):
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the worker runs)
        command = [str(Path(os.sys.executable).parent / "flask"), "--app", "wsgi", "worker", "--threads", str(threads)]
        if _measuring_coverage():
            # The worker's code counts towards coverage: run it under coverage too (its data joins the suite's).
            command = [os.sys.executable, "-m", "coverage", "run", "--parallel-mode", *command]
        self.process = subprocess.Popen(
            command,
            cwd=REPOSITORY,
            env={**os.environ, **environment},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_until_consuming(self, seconds: float = 30) -> None:
        """Return once Huey's consumer has started (the app is imported and the queue opened)."""
        deadline = time.monotonic() + seconds
        while "consumer started" not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start: {self.output()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Huey's graceful stop: finish what it is sending
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
