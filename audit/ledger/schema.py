"""The schema of a ledger file, read from `schema.sql` next to this module: the one place it is written down.

The file's statements come by section (`SCHEMA_SECTIONS`); a ledger is made with
`SCHEMA_STATEMENTS`, and the objection events' section runs with the first event
(`audit.ledger.events`). `verify` checks the typed copies of facts (`TYPED_CHECKS`)
against the hashed JSON, and `audit.ledger.schema_check` compares a ledger's schema
with the statements of every section.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

# Typed copies of facts that queries need. They are derived from the hashed
# JSON, and `verify` checks every one of them against it.
TYPED_CHECKS = {
    "municipality": "json_extract(inputs, '$.municipality')",
    "assessed_on": "json_extract(inputs, '$.assessed_on')",
    "technical_cause": "json_extract(inputs, '$.technical_cause')",
    "recognised_cents": "CAST(REPLACE(json_extract(inputs, '$.recognised_damage_eur'), '.', '') AS INTEGER)",
    "unsettled_cents": "CAST(REPLACE(json_extract(inputs, '$.unsettled_damage_eur'), '.', '') AS INTEGER)",
    "structural_cents": "CAST(REPLACE(json_extract(inputs, '$.structural_damage_eur'), '.', '') AS INTEGER)",
    "woz_cents": "CAST(REPLACE(json_extract(inputs, '$.woz_value_eur'), '.', '') AS INTEGER)",
    "rijksmonument": "json_extract(inputs, '$.rijksmonument')",
    "pgv_events": "json_extract(inputs, '$.pgv_5mms_events')",
    "in_pilot_area": "json_extract(inputs, '$.in_pilot_area')",
    "in_reinforcement_area": "json_extract(inputs, '$.in_reinforcement_area')",
    "dossier_since": "json_extract(inputs, '$.existing_dossier_since')",
    "estimated_cost_cents": "CAST(REPLACE(json_extract(inputs, '$.estimated_cost_eur'), '.', '') AS INTEGER)",
    "outcome": "json_extract(decision, '$.outcome')",
    "basis": "json_extract(decision, '$.basis')",
    "max_amount_cents": "CAST(REPLACE(json_extract(decision, '$.max_amount_eur'), '.', '') AS INTEGER)",
    "cap_basis": "json_extract(decision, '$.cap_basis')",
}

SCHEMA_FILE = "schema.sql"
"""The ledger's schema, next to this module (see the comments in it)."""


def _schema_sections() -> dict[str, tuple[str, ...]]:
    """The statements of `SCHEMA_FILE` by section, each without its comments and trailing semicolon."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    pending: list[str] = []
    for line in text.splitlines():
        if line.startswith("-- section: "):
            current = sections.setdefault(line.removeprefix("-- section: ").strip(), [])
            continue
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue  # comments stand between statements, so that SQLite never stores them
        pending.append(line)
        statement = "\n".join(pending)
        if sqlite3.complete_statement(statement):
            if current is None:
                raise ValueError(f"{SCHEMA_FILE}: a statement before the first section")
            current.append(statement.strip().removesuffix(";"))
            pending = []
    if pending:
        raise ValueError(f"{SCHEMA_FILE}: the last statement is not complete")
    return {name: tuple(statements) for name, statements in sections.items()}


SCHEMA_SECTIONS = _schema_sections()
SCHEMA_STATEMENTS = SCHEMA_SECTIONS["records"] + SCHEMA_SECTIONS["meta"] + SCHEMA_SECTIONS["merkle"] + \
    SCHEMA_SECTIONS["checkpoints"]
"""What a ledger is made with (the objection events' statements run with the first event)."""
SCHEMA_VERSION = int(re.search(
    r"VALUES \('schema_version', '(\d+)'\)", " ".join(SCHEMA_SECTIONS["meta"])
).group(1))
"""The schema's compatibility version, from its row in `SCHEMA_FILE`."""
