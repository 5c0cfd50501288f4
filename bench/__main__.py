"""Run the read benchmark: `python -m bench` (all of it, ~15 minutes) or `python -m bench --smoke`.

For each corpus size: build the corpus once (kept in bench/.data), serve it with gunicorn (2
workers, loopback), and for every case warm up, then run the ceiling and the case in turns (four
slices each), first with the response cache (as deployed) and then without it (what a miss costs).
Results go to BENCHMARKS.md (or --output); the smoke run checks that everything works, not speed.
"""

import argparse
import json
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.corpus import build_database
from bench.load import load_generator, run_load
from bench.report import write_report
from bench.statements import count_statements

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
CORPUS_VERSION = 1  # bump when bench/corpus.py changes what it writes
PER_PAGE = 25
SLICES = 4  # a run is cut in this many turns of ceiling, then case
SEARCHES = ("piriformis", "sciatica", "psoas release", "trapezius", "glute stretch", "posture", "scalenes", "rhomb")


@dataclass
class Case:
    name: str
    title: str
    paths: list[str]
    target: float | None = None  # the least ratio to the ceiling at 100,000 articles
    expected: int = 200
    if_none_match: str | None = None
    size: int = 0
    results: dict = field(default_factory=dict)


def cases(articles: int, topic_slugs: list[str]) -> list[Case]:
    last_page = max(articles // PER_PAGE, 1)
    step = max(articles // 100, 1)
    return [
        Case("list", "Article list, page 1", [f"/api/v1/articles?per_page={PER_PAGE}"], 0.5),
        Case("deep", f"Article list, page {last_page}", [f"/api/v1/articles?page={last_page}&per_page={PER_PAGE}"]),
        Case(
            "detail",
            "Article detail (100 articles in turn)",
            [f"/api/v1/articles/bench-article-{n}" for n in range(0, articles, step)],
            0.6,
        ),
        Case(
            "topic",
            f"Topic with its articles ({len(topic_slugs)} topics in turn)",
            [f"/api/v1/topics/{slug}" for slug in topic_slugs],
        ),
        Case("studio", "Studio, and its hours (in turn)", ["/api/v1/studio", "/api/v1/studio/hours"]),
        Case(
            "search",
            f"Search ({len(SEARCHES)} queries in turn)",
            [f"/api/v1/articles?q={q.replace(' ', '+')}&per_page={PER_PAGE}" for q in SEARCHES],
            0.3,
        ),
        Case(
            "revalidate",
            "304: an article revalidated with If-None-Match",
            [f"/api/v1/articles/bench-article-{articles // 2}"],
            0.8,
            expected=304,
        ),
    ]


def corpus_database(articles: int) -> Path:
    """The corpus of this size, built once (about 40 s and 2.2 GB for 100,000 articles)."""
    path = DATA / f"corpus-{articles}-v{CORPUS_VERSION}.sqlite3"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    print(f"== building a corpus of {articles:,} articles in {path.relative_to(ROOT)}", flush=True)
    build_database(partial, articles)
    partial.rename(path)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with two workers serving bench.wsgi on a loopback port."""

    def __init__(self, database: Path, response_cache: bool):
        self.port = free_port()
        # Only the latest server's log is kept: at ~3,000 requests a second the access log grows fast.
        self.log = open(DATA / "server.log", "wb")  # noqa: SIM115 (open as long as the server runs)
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            # One load generator on one address would spend any read budget in a second.
            "RATELIMIT_ENABLED": "false",
            # Recycling would restart a worker mid-run (an empty cache, and its CPU time lost to the count).
            "GUNICORN_MAX_REQUESTS": "0",
            "RESPONSE_CACHE_MAX_BYTES": os.environ.get("RESPONSE_CACHE_MAX_BYTES", str(32 * 1024 * 1024))
            if response_cache
            else "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bench.wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.get("/api/v1/health")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("gunicorn did not start; see bench/.data/server.log") from None
                time.sleep(0.2)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
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


def _combined(runs: list[dict], cpu_seconds: float) -> dict:
    requests = sum(run["requests"] for run in runs)
    elapsed = sum(run["requests"] / run["rps"] for run in runs)
    return {
        "requests": requests,
        "rps": requests / elapsed,
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": max(run["p99_ms"] for run in runs),  # the worst slice's: never flattered
        "unexpected": sum(run["unexpected"] for run in runs),
        "cpu_ms": cpu_seconds * 1000 / max(requests, 1),
    }


def measure_against_ceiling(server: Server, ceiling: tuple, case: tuple, options) -> tuple[dict, dict]:
    """Warm both up, then let the ceiling and the case take turns in slices of the run, so that
    whatever else the machine does meanwhile falls on both alike. Each is (paths, load options)."""
    for paths, load in (ceiling, case):
        run_load(server.port, paths, options.warm_up, **load)
    runs: dict[int, list] = {0: [], 1: []}
    cpu = [0.0, 0.0]
    for _ in range(options.seconds // options.slice_seconds):
        for side, (paths, load) in enumerate((ceiling, case)):
            cpu_before = server.cpu_seconds()
            runs[side].append(run_load(server.port, paths, options.slice_seconds, **load))
            cpu[side] += server.cpu_seconds() - cpu_before
    return _combined(runs[0], cpu[0]), _combined(runs[1], cpu[1])


def prepare(server: Server, case: Case) -> None:
    """Check every path answers as it should, note the body size, and the ETag a 304 case sends."""
    sizes = []
    for path in case.paths:
        status, body, headers = server.get(path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
        sizes.append(len(body))
        if case.expected == 304:
            case.if_none_match = headers["ETag"]
            status, _, _ = server.get(path, {"If-None-Match": case.if_none_match})
            if status != 304:
                raise RuntimeError(f"{path} with If-None-Match answered {status}, not 304")
    case.size = round(sum(sizes) / len(sizes))


def run_pass(server: Server, all_cases: list[Case], label: str, options) -> None:
    for case in all_cases:
        prepare(server, case)
        load = {"if_none_match": case.if_none_match, "expected": case.expected}
        ceiling_path = f"/api/bench/ceiling/{case.size}"
        if case.expected == 304:
            _, _, headers = server.get(ceiling_path)
            ceiling_load = {"if_none_match": headers["ETag"], "expected": 304}
        else:
            ceiling_load = {}
        ceiling, result = measure_against_ceiling(server, ([ceiling_path], ceiling_load), (case.paths, load), options)
        if result["unexpected"] or ceiling["unexpected"]:
            raise RuntimeError(f"{case.name}: {result['unexpected']} answers with an unexpected status")
        result["ceiling_rps"] = ceiling["rps"]
        result["ratio"] = result["rps"] / ceiling["rps"]
        case.results[label] = result
        print(
            f"   {label:8} {case.name:10} {case.size:7,} B  {result['rps']:8,.0f} rps  ceiling {ceiling['rps']:8,.0f}"
            f"  ratio {result['ratio']:.2f}  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms"
            f"  cpu {result['cpu_ms']:.2f} ms/req",
            flush=True,
        )


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} × {model}",
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_generator": load_generator(),
        "commit": commit or "unknown",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--seconds", type=int, default=8, help="length of each measured run")
    parser.add_argument("--warm-up", type=int, default=2, help="length of the warm-up before each run")
    parser.add_argument(
        "--smoke", action="store_true", help="1,000 articles, 1-second runs, cache on only: does it work"
    )
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    options = parser.parse_args()
    passes = (("cached", True), ("uncached", False))
    if options.smoke:
        options.articles, options.seconds, options.warm_up = [1000], 1, 1
        passes = (("cached", True),)
        if options.output == str(ROOT / "BENCHMARKS.md"):
            options.output = str(ROOT / "artifacts" / "bench-smoke.md")
    options.slice_seconds = options.seconds // SLICES if options.seconds >= 2 * SLICES else options.seconds
    print(f"== load generator: {load_generator()}", flush=True)
    runs = []
    for articles in options.articles:
        database = corpus_database(articles)
        memory: list[float] = []
        all_cases = None
        for label, response_cache in passes:
            server = Server(database, response_cache)
            try:
                if all_cases is None:
                    listed = json.loads(server.get("/api/v1/topics?per_page=100&fields=slug")[1])
                    topics = [item["slug"] for item in listed["data"]]
                    all_cases = cases(articles, topics)
                print(f"== {articles:,} articles, response cache {'on' if response_cache else 'off'}", flush=True)
                run_pass(server, all_cases, label, options)
                if response_cache:
                    memory = server.worker_memory_mb()
            finally:
                server.stop()
        runs.append(
            {
                "articles": articles,
                "cases": all_cases,
                "queries": count_statements(database, all_cases),
                "memory_mb": memory,
            }
        )
    Path(options.output).parent.mkdir(parents=True, exist_ok=True)
    write_report(Path(options.output), machine(), options, runs)
    print(f"== wrote {options.output}", flush=True)


if __name__ == "__main__":
    main()
