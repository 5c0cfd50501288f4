"""The read benchmark: `make bench` (or `python -m bench`). See BENCHMARKS.md for what it measures."""
