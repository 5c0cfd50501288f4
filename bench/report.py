"""BENCHMARKS.md and BENCHMARKS.json from a benchmark run: the machine and method, the targets at a
glance, then every measurement (case × mode × database) as ratios to the two ceilings measured in
the same run, with latency, server CPU, SQL statements and memory."""

import json
import math
from pathlib import Path

TARGETS_AT = 100_000
HIT_TARGET = 0.7
MISS_TARGETS = {"list": 0.3, "detail": 0.5, "topic": 0.3, "search": 0.1}  # spread and uncached
WRITES_KEEP = 0.8  # of the write-free (spread) ratio
POSTGRES_WITHIN = 1.5  # of SQLite's ratio
MEMORY_TARGET_MB = 150
MODES = ("hit", "spread", "writes", "uncached")
MODE_TITLES = {
    "hit": "cache always hits",
    "spread": "spread, cache on",
    "writes": "spread, 1 admin PATCH/s",
    "uncached": "spread, cache off",
}


def target(run: dict, case: str, mode: str) -> float | None:
    """The least ratio to the bare ceiling this measurement should reach, if it has one."""
    if mode == "hit":
        return HIT_TARGET
    if mode == "writes":
        return WRITES_KEEP * run["results"][case, "spread"]["ratio"]
    return MISS_TARGETS.get(case)


def _mark(value: float, least: float | None) -> str:
    if least is None:
        return ""
    return " ✔" if value >= least else f" ✘ (≥ {least:.2f})"


def _sqlite_twin(runs: list[dict], run: dict) -> dict | None:
    if run["database"] != "postgresql":
        return None
    return next((other for other in runs if other["database"] == "sqlite"), None)


def _at_a_glance(runs: list[dict]) -> list[str]:
    lines = [
        "| database | case | " + " | ".join(MODE_TITLES[mode] for mode in MODES) + " |",
        "|---|---|" + "---:|" * len(MODES),
    ]
    for run in runs:
        twin = _sqlite_twin(runs, run)
        for case in run["cases"]:
            cells = []
            for mode in MODES:
                ratio = run["results"][case.name, mode]["ratio"]
                cell = f"{ratio:.2f}" + _mark(ratio, target(run, case.name, mode))
                if twin is not None:
                    least = twin["results"][case.name, mode]["ratio"] / POSTGRES_WITHIN
                    cell += f"; vs SQLite {ratio / twin['results'][case.name, mode]['ratio']:.2f}x" + _mark(
                        ratio, least
                    ).replace("✘", "✘ SQLite/1.5:")
                cells.append(cell)
            lines.append(f"| {run['database']} | {case.title} | " + " | ".join(cells) + " |")
    return lines


def _details(run: dict) -> list[str]:
    lines = [
        "| case | mode | body | req/s | bare ceiling | own ceiling | ratio | to own | p50 | p99 | CPU/req | SQL/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in run["cases"]:
        for mode in MODES:
            result = run["results"][case.name, mode]
            lines.append(
                f"| {case.title} | {MODE_TITLES[mode]} | {result['size']:,} B | {result['rps']:,.0f} | "
                f"{result['ceiling_rps']:,.0f} | {result['own_ceiling_rps']:,.0f} | **{result['ratio']:.3f}** | "
                f"{result['ratio_to_own_ceiling']:.3f} | {_ms(result['p50_ms'])} | {_ms(result['p99_ms'])} | "
                f"{result['cpu_ms']:.2f} ms | {_statements(run, case.name, mode):g} |"
            )
    return lines


def _ms(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f} ms"


def _rounded(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 3)


def _statements(run: dict, case: str, mode: str) -> float:
    counted = run["statements"][case]
    return round(counted["spread" if mode == "writes" else mode], 2)


def _notes(run: dict, small_statements: dict | None) -> list[str]:
    shapes = run["statements"]["list_shapes"]
    lines = [
        "- SQL statements for a list page, a miss: "
        + ", ".join(f"{count} with {shape}" for shape, count in shapes.items())
        + (
            f"; at 1,000 articles a list miss takes {small_statements['list']['uncached']}"
            f" (here {run['statements']['list']['uncached']})."
            if small_statements
            else "."
        )
    ]
    worst = max(run["memory_mb"])
    lines.append(
        "- Memory per worker after the cached modes (VmRSS): "
        + ", ".join(f"{mb:.0f} MB" for mb in run["memory_mb"])
        + f" (target < {MEMORY_TARGET_MB} MB{' ✔' if worst < MEMORY_TARGET_MB else ' ✘'})."
    )
    edits = sum(result.get("edits", 0) for (_, mode), result in run["results"].items() if mode == "writes")
    lines.append(f"- Admin edits made during the write modes: {edits}.")
    return lines


def rows(runs: list[dict]) -> list[dict]:
    """One row per measurement, for tools."""
    return [
        {
            "database": run["database"],
            "articles": run["articles"],
            "case": case.name,
            "mode": mode,
            "ratio": round(result["ratio"], 4),
            "ratio_to_own_ceiling": round(result["ratio_to_own_ceiling"], 4),
            "p50_ms": _rounded(result["p50_ms"]),
            "p99_ms": _rounded(result["p99_ms"]),
            "cpu_ms_per_request": round(result["cpu_ms"], 3),
            "sql_per_request": _statements(run, case.name, mode),
            "rss_mb": round(max(run["memory_mb"]), 1),
            "rps": round(result["rps"], 1),
            "ceiling_rps": round(result["ceiling_rps"], 1),
            "own_ceiling_rps": round(result["own_ceiling_rps"], 1),
            "body_bytes": result["size"],
            "target": None if target(run, case.name, mode) is None else round(target(run, case.name, mode), 4),
        }
        for run in runs
        for case in run["cases"]
        for mode in MODES
        for result in [run["results"][case.name, mode]]
    ]


def write_report(path: Path, machine: dict, options, runs: list[dict], small_statements: dict | None) -> None:
    articles = runs[0]["articles"]
    lines = [
        "# Read benchmark",
        "",
        f"Measured {machine['date']} at commit `{machine['commit']}` by `python -m bench"
        f"{' --smoke' if options.smoke else ''}` (`make bench`), on {articles:,} articles.",
        "",
        f"Machine: {machine['cpu']}, {machine['memory']} memory, {machine['os']}; Python {machine['python']}, "
        f"SQLite {machine['sqlite']}, PostgreSQL {machine['postgresql']} (a cluster of the benchmark's own: "
        "shared_buffers 1 GB, work_mem 16 MB). Load: "
        f"{machine['load_generator']}, one thread, 4 connections, on the same machine as the servers (gunicorn, 2 sync "
        "workers each, loopback, rate limits off). Each measurement: "
        f"{options.warm_up} s warm-up, then {options.seconds} s measured for each of three sides taking turns in "
        f"slices of {options.slice_seconds} s: the bare ceiling (`bench/ceiling.py`, plain Flask answering "
        "precomputed bytes of the case's mean body size), the product's own ceiling (the same bytes through the "
        "product's app, hooks and access log: `bench/wsgi.py`) and the case.",
        "",
        "**ratio** is the case's requests per second over the bare ceiling's; *to own* over the product's "
        "ceiling's. Modes (`bench/traffic.py`): *cache always hits* rotates through a few URLs per case; *spread* "
        "draws every request from the whole corpus with Zipf's law (s = 1, a fresh sample each slice: list pages "
        "1 to the last, all articles, about 500 searches of the corpus's words, all topics, 2,000 articles to "
        "revalidate); *1 admin PATCH/s* is the spread while a script edits a random article's title every "
        "second through the API (GET, then PATCH with If-Match); *cache off* is the spread with "
        "`RESPONSE_CACHE_MAX_BYTES=0`, every request a miss of the response cache (articles and plain list "
        "pages are still made from their stored representations). CPU/req is the servers' user + system time over "
        "the case's slices divided by its requests; p50 the median of the slices', p99 the worst slice's. SQL/req "
        "is counted in-process on the same database: a hit, the spread's first 300 requests replayed through "
        "one cache (its average), and the most any of its first 50 takes as a miss.",
        "",
        f"## At a glance: ratio to the bare ceiling (targets at {TARGETS_AT:,} articles)",
        "",
        f"Targets: a hit ≥ {HIT_TARGET}; spread and cache off ≥ "
        + ", ".join(f"{value} for {case}" for case, value in MISS_TARGETS.items())
        + f"; with the admin's writes ≥ {WRITES_KEEP} of the same case's spread; PostgreSQL within "
        f"{POSTGRES_WITHIN}x of SQLite.",
        "",
        *_at_a_glance(runs),
        "",
    ]
    for run in runs:
        lines += [
            f"## {run['database']}, {run['articles']:,} articles",
            "",
            *_details(run),
            "",
            *_notes(run, small_statements),
            "",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    document = {"machine": machine, "seconds": options.seconds, "warm_up": options.warm_up, "rows": rows(runs)}
    path.with_suffix(".json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
