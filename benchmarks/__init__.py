"""The benchmark harness of issue #8: `python -m benchmarks` (or `make bench`) writes BENCHMARKS.md.

Every measured operation and every baseline runs in its own child process, so
its wall time and its peak resident memory (`ru_maxrss` from `os.wait4`) are its
own. A baseline is measured in the same run as its operation, right before it,
on the same data. All data are SYNTHETIC (`audit.synth`).
"""
