"""Run the read benchmark: `python -m bench` (all of it, ~40 minutes) or `python -m bench --smoke`.

For each database (SQLite, then PostgreSQL in a cluster of the benchmark's own) and corpus size:
build the corpus once (kept in bench/.data), serve it with gunicorn (2 sync workers, loopback),
and measure every case (bench/traffic.py) in every mode: hit, spread, with an admin's write a
second going on, then uncached. Each measurement takes turns with two ceilings on the same
machine: a bare Flask app answering precomputed bytes of the case's size (bench/ceiling.py) and
the same bytes through the product's own hooks (bench/wsgi.py). Writes BENCHMARKS.md and, one row
per measurement, BENCHMARKS.json; the smoke run checks that everything works, not how fast.
"""

import argparse
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench import ROOT
from bench.databases import PostgresCorpus, search_folder, sqlite_corpus
from bench.load import load_generator, run_load
from bench.report import MODES, write_report
from bench.servers import Server
from bench.statements import count_statements
from bench.traffic import Case, cases
from bench.writer import Writer
from tests.servers import postgres_binaries

SLICES = 4  # a run is cut in this many turns of each ceiling and the case
SIZE_SAMPLE = 50  # spread paths fetched for the mean body size of a case's spread
CACHED_MODES = tuple(mode for mode in MODES if mode != "uncached")


def admin_key(url: str) -> str:
    from api import create_app
    from models import db
    from models.auth import create_key

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        key = create_key(f"bench-writer-{datetime.now(UTC):%Y%m%d%H%M%S%f}", "admin")
        db.engine.dispose()
    return key


def prepare(server: Server, case: Case) -> None:
    """Check the case's paths answer as they should, and note the body sizes and, for a 304 case,
    every path's ETag."""
    sizes: dict[str, list[int]] = {"hit": [], "spread": []}
    spread_sample = case.paths("spread", run=0)[:SIZE_SAMPLE]
    # A 304 case needs every path's ETag; the others only the paths their sizes are measured on.
    wanted = case.population if case.expected == 304 else spread_sample
    for path in dict.fromkeys(case.hit_paths + wanted):
        status, body, headers = server.get(path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
        if case.expected == 304:
            case.etags[path] = headers["ETag"]
        if path in case.hit_paths:
            sizes["hit"].append(len(body))
        if path in spread_sample:
            sizes["spread"].append(len(body))
    if case.expected == 304:
        path = case.hit_paths[0]
        status, _, _ = server.get(path, {"If-None-Match": case.etags[path]})
        if status != 304:
            raise RuntimeError(f"{path} with If-None-Match answered {status}, not 304")
    case.sizes = {mode: round(statistics.mean(values)) for mode, values in sizes.items()}


def _combined(runs: list[dict], cpu_seconds: float) -> dict:
    requests = sum(run["requests"] for run in runs)
    elapsed = sum(run["seconds"] for run in runs)
    return {
        "requests": requests,
        "rps": requests / elapsed,
        # Of the slices that answered anything (a slice of slow searches may finish none): the median
        # slice's p50, and the worst slice's p99, never flattered.
        "p50_ms": statistics.median(timed) if (timed := [run["p50_ms"] for run in runs if run["requests"]]) else None,
        "p99_ms": max(run["p99_ms"] for run in runs if run["requests"]) if timed else None,
        "errors": sum(run["unexpected"] for run in runs),
        "cpu_ms": cpu_seconds * 1000 / max(requests, 1),
    }


def _ceiling_side(server: Server, path: str, revalidate: bool):
    etags = {path: server.get(path)[2]["ETag"]} if revalidate else {}
    return server, lambda run: [path], etags


def measure(ceiling: Server, product: Server, case: Case, mode: str, options) -> dict:
    """Warm all three up, then let the bare ceiling, the product's ceiling and the case take turns in
    slices of the run, so that whatever else the machine does meanwhile falls on all alike."""
    size = case.sizes["hit" if mode == "hit" else "spread"]
    revalidate = case.expected == 304
    sides = [
        _ceiling_side(ceiling, f"/ceiling/{size}", revalidate),
        _ceiling_side(product, f"/api/bench/ceiling/{size}", revalidate),
        (product, lambda run: case.paths(mode, run), case.etags),
    ]
    if options.warm_up:
        for server, paths, etags in sides:
            run_load(server.port, paths(-1), options.warm_up, etags)
    runs: list[list[dict]] = [[], [], []]
    cpu = [0.0, 0.0, 0.0]
    for run in range(options.slices):
        for side, (server, paths, etags) in enumerate(sides):
            before = server.cpu_seconds()
            runs[side].append(run_load(server.port, paths(run), options.slice_seconds, etags))
            cpu[side] += server.cpu_seconds() - before
    bare, own, result = (_combined(runs[side], cpu[side]) for side in range(3))
    if bare["errors"] or own["errors"] or result["errors"]:
        raise RuntimeError(f"{case.name} {mode}: {result['errors']} answers were errors")
    return {
        **result,
        "size": size,
        "ceiling_rps": bare["rps"],
        "own_ceiling_rps": own["rps"],
        "ratio": result["rps"] / bare["rps"],
        "ratio_to_own_ceiling": result["rps"] / own["rps"],
    }


def _print(database: str, case: Case, mode: str, result: dict) -> None:
    print(
        f"   {database:10} {mode:8} {case.name:10} {result['size']:7,} B  {result['rps']:8,.0f} rps"
        f"  ceilings {result['ceiling_rps']:6,.0f} / {result['own_ceiling_rps']:6,.0f}"
        f"  ratio {result['ratio']:.3f} ({result['ratio_to_own_ceiling']:.3f})"
        f"  p50 {result['p50_ms'] or math.nan:.2f} ms  p99 {result['p99_ms'] or math.nan:.2f} ms"
        f"  cpu {result['cpu_ms']:.2f} ms/req",
        flush=True,
    )


def product_environment(url: str, search_index_folder: str, response_cache: bool) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SEARCH_INDEX_FOLDER": search_index_folder,
        # One load generator on one address would spend any read budget in a second.
        "RATELIMIT_ENABLED": "false",
        "RESPONSE_CACHE_MAX_BYTES": os.environ.get("RESPONSE_CACHE_MAX_BYTES", str(32 * 1024 * 1024))
        if response_cache
        else "0",
    }


def run_database(database: str, url: str, search_index_folder: str, articles: int, ceiling: Server, options) -> dict:
    """Every case in every mode on one corpus database."""
    key = admin_key(url)
    results: dict[tuple[str, str], dict] = {}
    product = Server("bench.wsgi:app", product_environment(url, search_index_folder, True), f"product-{database}")
    try:
        listed = json.loads(product.get("/api/v1/topics?per_page=100&fields=slug")[1])
        all_cases = cases(articles, [item["slug"] for item in listed["data"]])
        print(f"== {database}: {listed['meta']['total']} public topics", flush=True)
        for case in all_cases:
            prepare(product, case)
        statements = count_statements(url, search_index_folder, all_cases)
        print(f"== {database}, {articles:,} articles, response cache on", flush=True)
        for mode in (mode for mode in CACHED_MODES if mode in options.modes):
            for case in all_cases:
                writer = Writer(product, key, articles) if mode == "writes" else None
                if writer:
                    writer.start()
                try:
                    results[case.name, mode] = measure(ceiling, product, case, mode, options)
                finally:
                    if writer:
                        writer.stop()
                if writer and (writer.failures or not writer.edits):
                    raise RuntimeError(f"the admin's edits failed: {writer.failures[:3]}")
                if writer:
                    results[case.name, mode]["edits"] = writer.edits
                _print(database, case, mode, results[case.name, mode])
        memory = product.worker_memory_mb()
    finally:
        product.stop()
    print(f"== {database}: memory per worker after the cached modes (VmRSS): {memory} MB", flush=True)
    if "uncached" not in options.modes:
        return {"database": database, "results": results}
    product = Server("bench.wsgi:app", product_environment(url, search_index_folder, False), f"product-{database}")
    try:
        print(f"== {database}, {articles:,} articles, response cache off", flush=True)
        for case in all_cases:
            results[case.name, "uncached"] = measure(ceiling, product, case, "uncached", options)
            _print(database, case, "uncached", results[case.name, "uncached"])
    finally:
        product.stop()
    return {
        "database": database,
        "articles": articles,
        "cases": all_cases,
        "results": results,
        "statements": statements,
        "memory_mb": memory,
    }


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
    binaries = postgres_binaries()
    postgres = (
        subprocess.run([f"{binaries}/postgres", "--version"], capture_output=True, text=True).stdout.split()[-1]
        if binaries
        else "not installed"
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} × {model}",
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "load_generator": load_generator(),
        "commit": commit or "unknown",
    }


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=int, default=8, help="length of each measured run, per side")
    parser.add_argument("--warm-up", type=int, default=2, help="length of the warm-up before each run, per side")
    parser.add_argument("--smoke", action="store_true", help="1,000 articles, 1-second runs: does it work")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--modes", nargs="+", choices=MODES, default=list(MODES), help="some modes only: printed, no report written"
    )
    options = parser.parse_args()
    if options.smoke:
        options.articles, options.seconds, options.warm_up = 1000, 1, 0
        if options.output == str(ROOT / "BENCHMARKS.md"):
            options.output = str(ROOT / "artifacts" / "bench-smoke.md")
    if "postgresql" in options.databases and postgres_binaries() is None:
        print("== PostgreSQL's server binaries are not installed (Debian: postgresql-15): SQLite only", flush=True)
        options.databases = [name for name in options.databases if name != "postgresql"]
    options.slices = SLICES if options.seconds >= 2 * SLICES else 1
    options.slice_seconds = options.seconds // options.slices
    return options


def main() -> None:
    options = _options()
    print(f"== load generator: {load_generator()}", flush=True)
    ceiling = Server("bench.ceiling:app", {}, "ceiling")
    runs = []
    try:
        for database in options.databases:
            if database == "sqlite":
                url = sqlite_corpus(options.articles)
                runs.append(run_database(database, url, search_folder(url), options.articles, ceiling, options))
                continue
            cluster = PostgresCorpus(options.articles)
            try:
                runs.append(
                    run_database(database, cluster.url, cluster.search_folder, options.articles, ceiling, options)
                )
            finally:
                cluster.stop()
    finally:
        ceiling.stop()
    if set(options.modes) != set(MODES):
        print("== some modes only: no report written (it needs them all)", flush=True)
        return
    small = 1000 if options.articles != 1000 else None
    small_url = sqlite_corpus(small) if small else None
    small_statements = (
        count_statements(small_url, search_folder(small_url), cases(small, [])[:1]) if small_url else None
    )
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_report(output, machine(), options, runs, small_statements)
    print(f"== wrote {output} and {output.with_suffix('.json')}", flush=True)


if __name__ == "__main__":
    main()
