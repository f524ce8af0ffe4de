"""One jinja2 environment for every rendered document, with Dutch formatting filters."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2

from audit.reports.wording import (
    BASIS_LABELS,
    CAP_BASIS_LABELS,
    CRITERION_LABELS,
    OUTCOME_LABELS,
    ROUTE_LABELS,
    describe_counterfactual,
    describe_criterion,
    euro,
    ja_nee,
    maximum_reason,
)

_HERE = Path(__file__).resolve().parents[1]  # the audit package
TEMPLATE_DIRS = [_HERE / "templates", _HERE.parent / "templates"]

_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


def datum(value: date | str | None) -> str:
    """A date the Dutch way: 1 januari 2026."""
    if value is None:
        return "onbekend"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def getal(value: int | Decimal | float | None) -> str:
    """A whole number with a dot between thousands: 12.345."""
    if value is None:
        return "–"
    return f"{int(value):,}".replace(",", ".")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    dirs = [str(d) for d in TEMPLATE_DIRS if d.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "svg", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        euro=euro,
        ja_nee=ja_nee,
        datum=datum,
        getal=getal,
        counterfactual_nl=describe_counterfactual,
        criterion_nl=describe_criterion,
    )
    env.globals.update(maximum_reason=maximum_reason)
    env.globals.update(
        BASIS_LABELS=BASIS_LABELS,
        CAP_BASIS_LABELS=CAP_BASIS_LABELS,
        CRITERION_LABELS=CRITERION_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        ROUTE_LABELS=ROUTE_LABELS,
    )
    return env


def render(template_name: str, **context) -> str:
    return environment().get_template(template_name).render(**context)
