"""`dh-audit publish`: grouped counts equal case-by-case counts, the file holds only protected aggregates."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.publication_ledger import build
from audit.analysis.boundary import ledger_boundary_cases, summarise
from audit.ledger.checkpointing import create_checkpoint
from audit.cli import main
from audit.analysis.compare import compare_ledger
from audit.errors import BadInput
from audit.publication.disclosure import (
    PUBLIC_STATUS_SUPPRESSED,
    STATUS_FEW_CONTRIBUTORS,
    STATUS_P_PERCENT,
    STATUS_PRIMARY,
    STATUS_PUBLISHED,
    STATUS_REVEALING_ZERO,
    STATUS_SECONDARY,
)
from audit.ledger import Ledger
from audit.publication.profiles import cut_points, profile_sql
from audit.publication.tables import SQL_TABLES
from audit.outputs import STATISTICS_DB, output
from audit.publication.publish import PUBLICATION_TABLE, default_audit_path, publish
from audit.ledger.scan import latest_inputs
from audit.publication.statistics import ProfileMismatch, evaluated_counts
from decisions.evaluate import evaluate
from decisions.frameworks import FRAMEWORKS, PILOT_2023
from decisions.registry import get_framework
from decisions.inputs import parse_case


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("ledger") / "ledger.db", 3000, seed=11)


@pytest.fixture(scope="module")
def published(ledger_path, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("site") / "stats.db"
    return out, publish(ledger_path, out, generated="2026-11")


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# --- the grouped re-evaluation equals the case-by-case accumulators ----------------------------


def test_grouped_counts_equal_the_case_by_case_comparison_and_boundary_accumulators(ledger_path):
    conn = sqlite3.connect(ledger_path)
    grouped = evaluated_counts(conn)
    reference = compare_ledger(conn, get_framework("pilot-2024"), get_framework("2026"))
    assert grouped.cases == reference.cases == 3000
    assert grouped.profiles < grouped.cases  # the point of grouping
    assert {m: {c: grouped.transitions[(m, c)] for c in reference.cells} for m in grouped.municipalities} \
        == reference.by_municipality
    reasons: dict = {}
    for (_, cell, key), n in grouped.causes.items():
        reasons.setdefault(cell, Counter())[key] += n
    assert {cell: dict(found) for cell, found in reasons.items()} == {c: r for c, r in reference.reasons.items() if r}
    assert sum(grouped.i1.values()) == reference.i1_cases
    boundary = summarise(ledger_boundary_cases(conn, get_framework("2026")), "2026")
    by_class = Counter()
    for (code, _), n in grouped.boundary.items():
        by_class[code] += n
    assert {code: by_class[code] for code in boundary.by_class} == boundary.by_class
    failed = Counter()
    for _, _, inputs in latest_inputs(conn):
        case = parse_case(json.loads(inputs))
        for framework in FRAMEWORKS.values():
            for criterion in evaluate(case, framework).criteria:
                failed[(framework.id, criterion.code, criterion.passed)] += 1
    assert grouped.criteria == failed


def test_the_grouping_reads_its_cut_points_from_the_frameworks():
    amounts, min_events, dossier = cut_points(FRAMEWORKS.values())
    assert amounts["structural_cents"] == {450000, 500000}  # 2026 threshold and the 10% boundary margin
    assert amounts["recognised_cents"] == {1350000, 1500000}
    assert amounts["woz_cents"] == {12500000, 50000000}  # the 2026 floor (I-4) and statutory maximum
    assert min_events == 4 and [d.isoformat() for d in dossier] == ["2026-01-01"]
    assert "GROUP BY" in profile_sql()


def test_an_unknown_kind_of_criterion_stops_the_grouping():
    @attrs.frozen
    class Moon:
        code: str = "moon"

    odd = attrs.evolve(PILOT_2023, id="odd", criteria=(*PILOT_2023.criteria, Moon()))
    with pytest.raises(ValueError, match="cannot group cases for the criterion Moon"):
        cut_points([odd])


def test_a_grouping_that_misses_a_comparison_is_caught(ledger_path):
    conn = sqlite3.connect(ledger_path)
    # Grouped by the pilot-2023 comparisons only, cases that 2026 decides differently share a group.
    with pytest.raises(ProfileMismatch, match="share a fact profile but are decided differently"):
        evaluated_counts(conn, group_by=(PILOT_2023,))


# --- the file ----------------------------------------------------------------------------------


def test_the_file_has_every_table_with_margins_and_only_public_statuses(published):
    out, summary = published
    tables = {r[0] for r in rows(out, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(SQL_TABLES) | {PUBLICATION_TABLE}
    for name, spec in SQL_TABLES.items():
        found = rows(out, f"SELECT * FROM {name}")
        assert found, name
        statuses = {r[i] for r in found for i in range(len(spec.dimensions) + 1, len(r), 1)
                    if isinstance(r[i], str)}
        assert statuses <= {STATUS_PUBLISHED, PUBLIC_STATUS_SUPPRESSED}, name
        if name != "oorzaken":
            assert any(all(v == "Totaal" for v in r[:len(spec.dimensions)]) for r in found), f"{name}: no grand total"
    assert summary.suppressed > 0
    assert rows(out, "SELECT COUNT(*) FROM uitkomsten WHERE aantal IS NULL AND status = 'onderdrukt'")[0][0] > 0
    assert rows(out, "SELECT aantal FROM overgangen WHERE gemeente = 'Totaal' AND overgang = 'Totaal'") == [(3000,)]


def test_the_publication_table_states_source_head_and_rules(published, ledger_path):
    out, summary = published
    info = dict(rows(out, f"SELECT sleutel, waarde FROM {PUBLICATION_TABLE}"))
    with Ledger(ledger_path, create=False) as ledger:
        head = ledger.head()
    assert info["synthetisch"] == "ja" and "Synthetische gegevens" in info["bron"]
    assert info["aantal_besluiten"] == str(head.seq) == info["logboek_kop_volgnummer"]
    assert info["logboek_kop_hash"] == head.hash
    assert info["gemaakt_maand"] == "2026-11"
    assert info["checkpoint"].startswith("geen")
    assert "p%-regel (p = 10)" in info["onderdrukkingsregels"] and "1 tot en met 9" in info["onderdrukkingsregels"]
    assert info["licentie"] == "CC BY 4.0"


def test_the_confidential_audit_is_next_to_the_ledger_and_not_in_the_publication(published, ledger_path):
    out, summary = published
    assert summary.audit_path == default_audit_path(ledger_path) and summary.audit_path.parent == ledger_path.parent
    assert "VERTROUWELIJK" in summary.audit_path.name and summary.audit_path.stat().st_mode & 0o777 == 0o600
    report = json.loads(summary.audit_path.read_text())
    assert report["ok"] is True
    assert len(report["entries"]) == summary.suppressed + sum(
        1 for r in rows(out, "SELECT status_aantal, status_bedragen FROM maximumbedragen")
        if r == (PUBLIC_STATUS_SUPPRESSED, PUBLIC_STATUS_SUPPRESSED)
    )
    assert all(e["true_value"] is not None for e in report["entries"])
    dumped = "\n".join(line for line in sqlite3.connect(out).iterdump())
    for detailed in (STATUS_PRIMARY, STATUS_REVEALING_ZERO, STATUS_SECONDARY, STATUS_P_PERCENT, STATUS_FEW_CONTRIBUTORS):
        assert detailed not in dumped
    assert "true_value" not in dumped


def test_the_same_ledger_gives_the_same_file_and_suppression_pattern(published, ledger_path, tmp_path):
    out, _ = published
    again = publish(ledger_path, tmp_path / "again.db", generated="2026-11", audit_path=tmp_path / "audit.json")
    for name in [*SQL_TABLES, PUBLICATION_TABLE]:
        assert rows(out, f"SELECT * FROM {name}") == rows(again.out_path, f"SELECT * FROM {name}"), name


def test_a_signed_checkpoint_is_stated_at_month_precision(tmp_path):
    ledger_path = build(tmp_path / "ledger.db", 400, seed=3, casework=False)
    with Ledger(ledger_path, create=False) as ledger:
        checkpoint = create_checkpoint(ledger, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    summary = publish(ledger_path, tmp_path / "stats.db", generated="2026-11")
    info = dict(rows(summary.out_path, f"SELECT sleutel, waarde FROM {PUBLICATION_TABLE}"))
    assert info["checkpoint_grootte"] == str(checkpoint.tree_size)
    assert info["checkpoint_boomwortel"] == checkpoint.root_hash
    assert info["checkpoint_ondertekend_maand"] == checkpoint.timestamp[:7]
    assert checkpoint.timestamp not in "\n".join(info.values())


def test_publishing_replaces_the_file_atomically_and_a_failure_leaves_the_old_one(published, ledger_path, tmp_path):
    out, _ = published
    target = tmp_path / "stats.db"
    target.write_bytes(out.read_bytes())
    before = target.read_bytes()
    not_a_ledger = tmp_path / "notes.db"
    conn = sqlite3.connect(not_a_ledger)
    conn.execute("CREATE TABLE notes (x)")
    conn.close()
    with pytest.raises(BadInput, match="not a dh-audit ledger"):
        publish(not_a_ledger, target, generated="2026-11")
    assert target.read_bytes() == before

    def half_written(temp: Path) -> None:  # a write that dies half-way
        temp.write_bytes(b"SQLite format 3\x00 and then nothing")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        output(target, "--out", STATISTICS_DB, force=True).write_with(half_written)
    assert target.read_bytes() == before
    inode = target.stat().st_ino
    with pytest.raises(BadInput, match="give --force"):
        publish(ledger_path, target, generated="2026-11", audit_path=tmp_path / "audit.json")
    assert target.read_bytes() == before and not (tmp_path / "audit.json").exists()
    publish(ledger_path, target, generated="2026-11", audit_path=tmp_path / "audit.json", force=True)
    assert target.stat().st_ino != inode  # a new file renamed over the old one
    assert target.read_bytes() == before  # the same ledger gives the same bytes
    (tmp_path / "audit.json").unlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db", "stats.db"]  # no temporary file left


def test_bad_input_is_refused_with_one_line_naming_the_field(published, ledger_path, tmp_path):
    runner = CliRunner()
    audit = ["--audit-out", str(tmp_path / "a.VERTROUWELIJK.json")]
    cases = [
        (["publish", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path / "s.db")], "error: db: no ledger"),
        (["publish", "--db", str(ledger_path), "--out", str(ledger_path)], "error: --out: "),
        (["publish", "--db", str(ledger_path), "--out", str(tmp_path / "nope" / "s")], "error: --out: directory"),
        (["publish", "--db", str(ledger_path), "--out", str(tmp_path / "s.db"), "--generated", "2026-11-22"],
         "error: generated: must not be finer than a month"),
    ]
    other_ledger = tmp_path / "other.db"
    Ledger(other_ledger).close()
    cases.append((["publish", "--db", str(ledger_path), "--out", str(other_ledger)], "error: --out: "))
    cases.append((["publish", "--db", str(other_ledger), "--out", str(tmp_path / "s.db")],
                  "error: db: the ledger"))
    for args, message in cases:
        result = runner.invoke(main, [*args, *audit])
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith(message), (args, result.output)
        assert len(result.output.strip().splitlines()) == 1


def test_the_cli_publishes_and_reports_each_table(ledger_path, tmp_path):
    audit = tmp_path / "a.VERTROUWELIJK.json"
    result = CliRunner().invoke(main, ["publish", "--db", str(ledger_path), "--out", str(tmp_path / "s"),
                                       "--generated", "2026-11", "--audit-out", str(audit)])
    assert result.exit_code == 0, result.output
    assert "uitkomsten:" in result.output and "suppressed" in result.output
    assert audit.is_file() and (tmp_path / "s" / "statistiek.db").is_file()
