"""The benchmark's gunicorn servers: the product (bench/wsgi.py, with its own ceiling) on a corpus
database, and the bare Flask ceiling (bench/ceiling.py), each with two sync workers on a loopback
port, with what the report needs from /proc: their CPU time and their workers' memory."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import DATA, ROOT
from tests.servers import free_port


class Server:
    """gunicorn serving `app` (a module:variable) with two workers and `environment` on top of ours."""

    def __init__(self, app: str, environment: dict[str, str], name: str):
        self.port = free_port()
        DATA.mkdir(parents=True, exist_ok=True)
        # Only the latest server's log of each name is kept: at thousands of requests a second it grows fast.
        self.log = open(DATA / f"{name}.log", "wb")  # noqa: SIM115 (open as long as the server runs)
        environment = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            # Recycling would restart a worker mid-run (an empty cache, and its CPU time lost to the count).
            "GUNICORN_MAX_REQUESTS": "0",
            **environment,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=self.log,
        )
        self._wait_until_answering(name)

    def _wait_until_answering(self, name: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/ceiling/12" if name == "ceiling" else "/api/v1/health")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start; see bench/.data/{name}.log") from None
                time.sleep(0.2)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        return self.request("GET", path, headers=headers)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [self.process.pid, *map(int, children)]

    def cpu_seconds(self) -> float:
        ticks = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_memory_mb(self) -> list[float]:
        sizes = []
        for pid in self.pids()[1:]:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()
