"""The benchmark input: N synthetic decision requests, several assessments per address over the years.

Address i is `audit.synth.generate_cases` case i, assessed on its own date. It
is then reassessed up to three more times, every `REASSESS_EVERY_DAYS` days
while the date stays on or before `LAST_DATE`, each time with new recognised
(and unsettled) damage of `NEW_DAMAGE_EUR`: a later assessment of the same
address with more damage, as IMG's claims accumulate. One address thus gives
one to four records (about two on average); the file stops after
exactly N lines. Every line is canonical JSON (sorted keys, no spaces, amounts
as two-decimal strings), as `dh-audit synth` writes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from audit.synth import case_to_json_line, generate_cases

SEED = 2026
MAX_ASSESSMENTS = 4
REASSESS_EVERY_DAYS = 210
LAST_DATE = date(2026, 10, 31)
NEW_DAMAGE_EUR = Decimal("1250.00")
_DAMAGE_FIELDS = ("recognised_damage_eur", "unsettled_damage_eur")


def assessments(case: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
    """The case as first assessed, then its reassessments (later dates, more damage)."""
    yield case
    wanted = 1 + index % MAX_ASSESSMENTS
    first = date.fromisoformat(case["assessed_on"])
    for later in range(1, wanted):
        on = first + timedelta(days=REASSESS_EVERY_DAYS * later)
        if on > LAST_DATE:
            return
        again = dict(case)
        again["assessed_on"] = on.isoformat()
        for name in _DAMAGE_FIELDS:
            again[name] = f"{Decimal(case[name]) + NEW_DAMAGE_EUR * later:.2f}"
        yield again


def requests(n: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """Exactly n decision requests (fewer addresses than n: each has one to four)."""
    written = 0
    if n <= 0:
        return
    for index, case in enumerate(generate_cases(n, seed)):
        for request in assessments(case, index):
            yield request
            written += 1
            if written == n:
                return


def write_requests(path: Path, n: int, seed: int = SEED) -> int:
    """Write the requests as JSON lines; return the number of distinct addresses."""
    addresses: set[str] = set()
    with open(path, "wb") as fh:
        batch: list[str] = []
        for request in requests(n, seed):
            addresses.add(request["case_id"])
            batch.append(case_to_json_line(request))
            if len(batch) == 10_000:
                fh.write("".join(batch).encode("utf-8"))
                batch.clear()
        fh.write("".join(batch).encode("utf-8"))
    return len(addresses)
