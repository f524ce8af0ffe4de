PYTHON ?= python
BENCH_ARGS ?=

.PHONY: bench bench-quick

# The benchmark harness of issue #8: a 1,000,000-record ledger, every operation against its baseline, BENCHMARKS.md.
bench:
	$(PYTHON) -m benchmarks $(BENCH_ARGS)

# The same at 20,000 records, into a scratch report (a few minutes).
bench-quick:
	$(PYTHON) -m benchmarks --n 20000 --dir /tmp/dh-audit-bench-quick --out /tmp/dh-audit-bench-quick/BENCHMARKS.md $(BENCH_ARGS)
