"""The rows of the benchmark table: what each operation and its baseline are, and their targets."""

from __future__ import annotations

import attrs

from .measure import Run

GIB = 1 << 30


@attrs.frozen
class Spec:
    """One row: the operation, its baseline and its target, in words."""

    key: str
    operation: str
    baseline: str
    target: str
    max_ratio: float | None = None
    max_seconds: float | None = None


SPECS = (
    Spec("record", "`record` N cases", "one `executemany` of the same rows", "≤ 2.0×", max_ratio=2.0),
    Spec("verify", "`verify` N records", "read the stored fields, SHA-256 per row", "≤ 1.5×", max_ratio=1.5),
    Spec("compare", "`compare` pilot-2024 → 2026", "OpenFisca peer (`run_peer`)", "≤ 1.0×", max_ratio=1.0),
    Spec("whatif", "`whatif` one draft against 2026", "OpenFisca peer with the same overrides (`run_peer_draft`)",
         "≤ 1.0×", max_ratio=1.0),
    Spec("sweep", "`whatif --sweep` 5 values", "one `whatif` draft comparison, measured next to it", "≤ 2.0×",
         max_ratio=2.0),
    Spec("replay", "`replay --all`", "`verify` on the same ledger", "≤ 3.0×", max_ratio=3.0),
    Spec("publish", "`publish`, disclosure audit included", "none", "≤ 60 s", max_seconds=60.0),
    Spec("serve", "Datasette, canned queries, 20 clients", "none", "p95 ≤ 100 ms, 0 errors"),
    Spec("incremental", "`verify --since-checkpoint`, checkpoint at the head", "full `verify` on the same ledger",
         "≤ 0.05×", max_ratio=0.05),
)
KEYS = tuple(spec.key for spec in SPECS)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
RSS_TARGET = "≤ 1 GiB"


@attrs.frozen
class Result:
    """What one row measured: every run of the operation and of its baseline, in the order they ran."""

    spec: Spec
    operations: tuple[Run, ...] = ()
    baselines: tuple[Run, ...] = ()
    note: str = ""
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    errors: int | None = None

    @property
    def operation(self) -> Run | None:
        """The fastest successful run (the one least disturbed by other work on the machine)."""
        return _best(self.operations)

    @property
    def baseline(self) -> Run | None:
        return _best(self.baselines)

    @property
    def failed(self) -> list[Run]:
        return [run for run in (*self.operations, *self.baselines) if not run.ok]

    @property
    def ratio(self) -> float | None:
        op, base = self.operation, self.baseline
        if op is None or base is None or base.seconds <= 0:
            return None
        return op.seconds / base.seconds

    @property
    def peak_rss(self) -> int | None:
        runs = [run.peak_rss_bytes for run in self.operations]
        return max(runs) if runs else None

    @property
    def met(self) -> bool | None:
        if self.failed or self.operation is None:
            return False if self.failed else None
        spec = self.spec
        if spec.max_ratio is not None:
            return None if self.ratio is None else self.ratio <= spec.max_ratio
        if spec.max_seconds is not None:
            return self.operation.seconds <= spec.max_seconds
        if spec.key == "serve":
            return self.p95_ms is not None and self.p95_ms <= 100.0 and self.errors == 0
        return None


def _best(runs: tuple[Run, ...]) -> Run | None:
    good = [run for run in runs if run.ok]
    return min(good, key=lambda run: run.seconds) if good else None
