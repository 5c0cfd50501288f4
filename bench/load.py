"""Bounded load runs against one server: wrk (Debian's package) when it is installed, else a
small Python generator with keep-alive connections. Either way a run rotates through its paths
(each with its own If-None-Match where it has one) and reports its requests and seconds, p50 and
p99 latency, and how many answers were errors (4xx or 5xx, as wrk counts them) or timed out."""

import http.client
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

CONNECTIONS = 4

_WRK_SCRIPT = """
local requests = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  local path, etag = line:match("^(%S+)\t(.+)$")
  if path then
    requests[#requests + 1] = wrk.format("GET", path, {["If-None-Match"] = etag})
  else
    requests[#requests + 1] = wrk.format("GET", line)
  end
end
local counter = 0
request = function()
  counter = counter % #requests + 1
  return requests[counter]
end
"""


def load_generator() -> str:
    """wrk where it is installed; BENCH_LOAD_GENERATOR=python chooses the Python one anyway."""
    chosen = os.environ.get("BENCH_LOAD_GENERATOR")
    if chosen in ("wrk", "python"):
        return chosen
    return "wrk" if shutil.which("wrk") else "python"


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _run_wrk(port: int, paths: list[str], seconds: int, etags: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        paths_file = os.path.join(folder, "paths")
        script = os.path.join(folder, "rotate.lua")
        with open(paths_file, "w") as handle:
            handle.write("".join(f"{path}\t{etags[path]}\n" if path in etags else f"{path}\n" for path in paths))
        with open(script, "w") as handle:
            handle.write(_WRK_SCRIPT)
        environment = {**os.environ, "BENCH_PATHS": paths_file}
        output = subprocess.run(
            # A slow answer is a latency to report, not a timeout to leave out (wrk's default is 2 s).
            [
                "wrk",
                "-t1",
                f"-c{CONNECTIONS}",
                f"-d{seconds}s",
                "--timeout",
                "60s",
                "--latency",
                "-s",
                script,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        ).stdout
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", output, re.MULTILINE))
    done = re.search(r"(\d+) requests in ([\d.]+(?:us|ms|s))", output)
    requests = int(done.group(1))
    unexpected = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "requests": requests,
        "seconds": _milliseconds(done.group(2)) / 1000,
        "p50_ms": _milliseconds(percentiles["50"]) if "50" in percentiles else math.nan,
        "p99_ms": _milliseconds(percentiles["99"]) if "99" in percentiles else math.nan,
        "unexpected": (int(unexpected.group(1)) if unexpected else 0) + (int(timeouts.group(1)) if timeouts else 0),
    }


def _run_python(port: int, paths: list[str], seconds: float, etags: dict[str, str]) -> dict:
    latencies: list[float] = []
    unexpected = [0]
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        index = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            path = paths[index % len(paths)]
            connection.request("GET", path, headers={"If-None-Match": etags[path]} if path in etags else {})
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status >= 400:
                unexpected[0] += 1
            index += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(offset,)) for offset in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [math.nan] * 99
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "unexpected": unexpected[0],
    }


def run_load(port: int, paths: list[str], seconds: int, etags: dict[str, str] | None = None) -> dict:
    """One bounded run of `seconds`, rotating through `paths`, each sent with its ETag in `etags` if any."""
    if load_generator() == "wrk":
        return _run_wrk(port, paths, seconds, etags or {})
    return _run_python(port, paths, seconds, etags or {})
