"""The read benchmark: `make bench` (or `python -m bench`). See BENCHMARKS.md for what it measures."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"  # corpora, clusters and server logs, kept between runs (gitignored)
