"""Run one command as a child process and measure it: wall time, CPU time and peak RSS of that child alone."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import attrs


@attrs.frozen
class Run:
    """One measured child process."""

    label: str
    command: tuple[str, ...]
    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    status: int
    stderr_tail: str = ""
    load_at_start: float | None = None
    started_at: float = 0.0
    """Unix time of the start: runs are listed in the order they ran."""

    @property
    def ok(self) -> bool:
        return self.status == 0


def run(label: str, command: list[str], *, log: Path, stdout: Path | None = None, cwd: Path | None = None) -> Run:
    """Run `command` to completion; stderr goes to `log` (its tail is kept), stdout to `stdout` or nowhere."""
    load, at = _load(), time.time()
    with open(log, "wb") as err, open(stdout or os.devnull, "wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return finished(label, command, seconds, status, usage, log, load, at)


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def finished(
    label: str, command: list[str], seconds: float, status: int, usage, log: Path, load: float | None = None,
    started_at: float = 0.0,
) -> Run:
    """The measurement of a child reaped with `os.wait4` (status and rusage as it returned them)."""
    tail = log.read_bytes()[-2000:].decode("utf-8", "replace") if log.exists() else ""
    return Run(
        label=label,
        command=tuple(command),
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports KiB
        status=os.waitstatus_to_exitcode(status),
        stderr_tail=tail,
        load_at_start=load,
        started_at=started_at,
    )
