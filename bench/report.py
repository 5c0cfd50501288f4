"""BENCHMARKS.md from a benchmark run: the machine, then for each corpus size every case as a
ratio to the ceiling measured in the same run, with its targets, latency, CPU and queries."""

from pathlib import Path

TARGETS_AT = 100_000
DEEP_TARGET = 0.9
MEMORY_TARGET_MB = 150


def _verdict(value: float, target: float | None, applies: bool) -> str:
    if target is None or not applies:
        return ""
    return f"≥ {target:.1f} {'✔' if value >= target else '✘'}"


def _table(run: dict, label: str) -> list[str]:
    applies = run["articles"] == TARGETS_AT and label == "cached"
    sql_heading = "SQL/req (a miss)" if label == "cached" else "SQL/req"
    rows = [
        f"| case | body | req/s | ceiling req/s | ratio | target | p50 | p99 | server CPU/req | {sql_heading} |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for case in run["cases"]:
        result = case.results.get(label)
        if result is None:
            continue
        queries = run["queries"][case.name]
        statements = f"{queries['hit']} ({queries['miss']})" if label == "cached" else str(queries["miss"])
        rows.append(
            f"| {case.title} | {case.size:,} B | {result['rps']:,.0f} | {result['ceiling_rps']:,.0f} | "
            f"**{result['ratio']:.2f}** | {_verdict(result['ratio'], case.target, applies)} | "
            f"{result['p50_ms']:.2f} ms | {result['p99_ms']:.2f} ms | {result['cpu_ms']:.2f} ms | "
            f"{statements} |"
        )
    return rows


def _summary(run: dict) -> list[str]:
    by_name = {case.name: case for case in run["cases"]}
    lines = []
    for label in ("cached", "uncached"):
        if label in by_name["list"].results:
            # Each against its own ceiling, so that drift between the two runs cancels out.
            deep = by_name["deep"].results[label]["ratio"] / by_name["list"].results[label]["ratio"]
            target = (
                f" (target ≥ {DEEP_TARGET} {'✔' if deep >= DEEP_TARGET else '✘'})"
                if run["articles"] == TARGETS_AT and label == "cached"
                else ""
            )
            lines.append(f"- Deep page against page 1 (their ratios to the ceiling), {label}: **{deep:.2f}**{target}.")
    queries = run["queries"]
    lines.append(
        f"- SQL statements for a list page (a miss): {queries['per_page_1']} with per_page=1, "
        f"{queries['per_page_100']} with per_page=100."
    )
    if run["memory_mb"]:
        worst = max(run["memory_mb"])
        lines.append(
            f"- Memory per worker after the cached pass (VmRSS): {', '.join(f'{mb:.0f} MB' for mb in run['memory_mb'])}"
            f" (target < {MEMORY_TARGET_MB} MB {'✔' if worst < MEMORY_TARGET_MB else '✘'})."
        )
    return lines


def write_report(path: Path, machine: dict, options, runs: list[dict]) -> None:
    lines = [
        "# Read benchmark",
        "",
        f"Measured {machine['date']} at commit `{machine['commit']}` by `python -m bench"
        f"{' --smoke' if options.smoke else ''}` (`make bench`).",
        "",
        f"Machine: {machine['cpu']}, {machine['memory']} memory, {machine['os']}; Python {machine['python']}, "
        f"SQLite {machine['sqlite']}. Load: {machine['load_generator']}, one thread, 4 connections, "
        f"{options.warm_up} s warm-up then {options.seconds} s measured for each of the case and its ceiling, in turns of "
        f"{options.slice_seconds} s, on the same machine as the server "
        "(gunicorn, 2 sync workers, loopback, the embedded SQLite database, rate limits off).",
        "",
        "Every case takes turns with its ceiling: `bench/wsgi.py`'s bare Flask-RESTX endpoint answering "
        "precomputed bytes of the case's mean body size through the same app, hooks and access log (for the 304 "
        "case, the ceiling revalidated with its ETag). Ratios to that ceiling are the figures to compare; absolute "
        "requests per second drift with whatever else the shared machine is doing. Server CPU is the gunicorn "
        "processes' user + system time over the run divided by its requests; p50 is the median of the turns', p99 the worst turn's. SQL statements are counted in-process "
        "on the same database, for a cache hit and (in brackets) a miss: the content version, then, on a miss, "
        "the total (once per content version and filters), the page, and one statement per embedded relation "
        "(SQLAlchemy's selectin loading skips the series query when no article on the page has one).",
        "",
    ]
    for run in runs:
        lines += [f"## {run['articles']:,} articles", "", "With the response cache (as deployed):", ""]
        lines += _table(run, "cached")
        if any("uncached" in case.results for case in run["cases"]):
            lines += ["", "Without it (`RESPONSE_CACHE_MAX_BYTES=0`: every request reads and serializes):", ""]
            lines += _table(run, "uncached")
        lines += ["", *_summary(run), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
