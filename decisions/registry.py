"""The framework registry: finding a framework by id or by date, and the installed frameworks' fingerprints.

`FRAMEWORKS` (`decisions.frameworks`) holds the frameworks in force; a variant
id such as `2026~I-4:letterlijk` names another reading of one of them
(`decisions.variants`). `Installed` is what replay and the analyses ask for a
framework and its current fingerprint, computed once per id.

Pure: no I/O.
"""

from __future__ import annotations

from datetime import date

from .errors import InvalidCase
from .decision import Decision, decide
from .fingerprint import framework_fingerprint
from .frameworks import FRAMEWORKS, PILOT_START, VARIANT_SEPARATOR, Framework, Route
from .inputs import CaseInputs
from .variants import variant_framework

__all__ = ["FRAMEWORKS", "Installed", "all_routes", "framework_for_date", "get_framework", "is_variant"]


def get_framework(framework_id: str) -> Framework:
    """The framework with this id, or a named variant (`2026~I-4:letterlijk`, see `decisions.variants`).

    An unknown id is bad input naming `framework`. A variant is for comparison only:
    the ledger refuses to record a decision made under one.
    """
    if VARIANT_SEPARATOR in framework_id:
        return variant_framework(framework_id)
    try:
        return FRAMEWORKS[framework_id]
    except KeyError:
        known = ", ".join(FRAMEWORKS)
        raise InvalidCase(
            "framework", f"unknown framework {framework_id!r} (known: {known}; or a variant such as 2026~I-4:letterlijk)"
        ) from None


def is_variant(framework_id: str) -> bool:
    """Whether a framework id names a variant reading rather than a framework in force."""
    return VARIANT_SEPARATOR in framework_id


def all_routes() -> tuple[Route, ...]:
    """Every hardship route of every framework, once each, in order."""
    found: dict[str, Route] = {}
    for framework in FRAMEWORKS.values():
        for route in framework.referral_routes:
            found.setdefault(route.code, route)
    return tuple(found.values())


def framework_for_date(day: date) -> Framework:
    """The framework in force on a legal decision date."""
    for framework in FRAMEWORKS.values():
        if framework.in_force_on(day):
            return framework
    raise InvalidCase(
        "assessed_on",
        f"no framework is in force on {day.isoformat()} (the first, pilot-2023, starts {PILOT_START.isoformat()})",
    )


class Installed:
    """The installed frameworks with their current fingerprints, computed once per id per run."""

    def __init__(self, frameworks: dict[str, Framework] | None = None):
        self._frameworks = FRAMEWORKS if frameworks is None else frameworks
        self._cache: dict[str, tuple[Framework, str] | None] = {}

    def get(self, framework_id: str) -> tuple[Framework, str] | None:
        """The installed framework with this id and its fingerprint now, or None."""
        if framework_id not in self._cache:
            framework = self._frameworks.get(framework_id)
            self._cache[framework_id] = None if framework is None else (framework, framework_fingerprint(framework))
        return self._cache[framework_id]

    def decide(self, case: CaseInputs, framework: Framework) -> Decision:
        """Decide a case, with the cached fingerprint when the framework is the installed one."""
        found = self.get(framework.id)
        if found is None or found[0] is not framework:
            return decide(case, framework, framework_fingerprint(framework))
        return decide(case, framework, found[1])
