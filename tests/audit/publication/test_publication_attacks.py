"""Attacks on the published statistics, written from the published file only.

The attacker reads every table of STATS.db, takes every published value as known
(amounts only to within their rounding), adds every margin identity it can see
(a row with ``Totaal`` is the sum of the rows it stands for) and every link
between tables that follows from the rules, and then asks a linear program
(scipy's HiGHS) for the smallest and the largest value of each suppressed cell.
That code shares nothing with `audit.publication.disclosure`. The true values come from the
confidential audit report, which lies next to the ledger.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from tests.support.cases import case_data
from tests.support.publication_ledger import build
from audit.ledger import Ledger
from audit.publication.tables import CAP_BAND_LABELS, CAP_BANDS
from audit.publication.publish import publish
from audit.ledger.recording import record_cases
from decisions.inputs import parse_case

TOTAL = "Totaal"
VALUE_COLUMNS = {"aantal", "status", "status_aantal", "som_eur", "gemiddelde_eur", "status_bedragen"}
SUPPRESSED = "onderdrukt"
HALF = 500  # amounts are rounded to whole thousands


# --- reading the published file ------------------------------------------------------------------


class Published:
    """Every cell of STATS.db as the attacker sees it: variables, known values and the relations between them."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path)
        self.index: dict[tuple, int] = {}  # (table, column, key) -> variable
        self.bounds: list[list[float | None]] = []
        self.suppressed: list[tuple] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        self.dims: dict[str, list[str]] = {}
        for (table,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' "
                                          "ESCAPE '\\' ORDER BY name"):
            self._read(table)

    def _var(self, ref: tuple, low: float | None, high: float | None) -> int:
        self.index[ref] = len(self.bounds)
        self.bounds.append([low, high])
        return self.index[ref]

    def _read(self, table: str) -> None:
        cursor = self.conn.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        dims = [c for c in columns if c not in VALUE_COLUMNS]
        self.dims[table] = dims
        rows = [dict(zip(columns, r)) for r in cursor]
        for row in rows:
            key = tuple(row[d] for d in dims)
            n = row["aantal"]
            ref = (table, "aantal", key)
            if n is None:
                self._var(ref, 0, None)
                self.suppressed.append(ref)
            else:
                self._var(ref, n, n)
            if "som_eur" in row:
                ref_s = (table, "som_eur", key)
                if row["som_eur"] is None:
                    self._var(ref_s, 0, None)
                    self.suppressed.append(ref_s)
                else:
                    low, high = max(0, row["som_eur"] - HALF), row["som_eur"] + HALF
                    if n:
                        low, high = max(low, n * (row["gemiddelde_eur"] - HALF)), min(high, n * (row["gemiddelde_eur"] + HALF))
                    self._var(ref_s, low, high)
        for column in ("aantal", "som_eur") if "som_eur" in columns else ("aantal",):
            self._margins(table, column, dims, rows)

    def _margins(self, table: str, column: str, dims: list[str], rows: list[dict]) -> None:
        keys = [tuple(r[d] for d in dims) for r in rows]
        present = set(keys)
        for key in keys:
            for d, value in enumerate(key):
                if value != TOTAL:
                    continue
                parts = [k for k in present if all(k[i] == key[i] for i in range(len(dims)) if i != d)
                         and k[d] != TOTAL]
                if parts:
                    self.equal([(table, column, key)], [(table, column, k) for k in parts])

    def ref(self, table: str, *key, column: str = "aantal") -> tuple:
        return (table, column, tuple(key))

    def has(self, ref: tuple) -> bool:
        return ref in self.index

    def equal(self, left: list[tuple], right: list[tuple], scale: float = 1.0) -> None:
        row: dict[int, float] = defaultdict(float)
        for ref in left:
            row[self.index[ref]] += 1
        for ref in right:
            row[self.index[ref]] -= scale
        self.eq.append((dict(row), 0.0))

    def at_most(self, left: list[tuple], right: list[tuple], scale: float = 1.0) -> None:
        """sum(left) <= scale * sum(right)."""
        row: dict[int, float] = defaultdict(float)
        for ref in left:
            row[self.index[ref]] += 1
        for ref in right:
            row[self.index[ref]] -= scale
        self.le.append((dict(row), 0.0))

    def interval(self, target: tuple) -> tuple[float, float | None]:
        """The smallest and largest value of a cell that every published fact allows."""
        n = len(self.bounds)
        scale = np.array([1000.0 if ref[1] == "som_eur" else 1.0 for ref in self._refs()])

        def matrix(rows):
            if not rows:
                return None, None
            a = np.zeros((len(rows), n))
            for r, (coefs, _) in enumerate(rows):
                for i, c in coefs.items():
                    a[r, i] = c * scale[i]
            return a, np.array([rhs for _, rhs in rows])

        a_eq, b_eq = matrix(self.eq)
        a_ub, b_ub = matrix(self.le)
        bounds = [(None if lo is None else lo / scale[i], None if hi is None else hi / scale[i])
                  for i, (lo, hi) in enumerate(self.bounds)]
        found = []
        for sign in (1.0, -1.0):
            objective = np.zeros(n)
            objective[self.index[target]] = sign
            result = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if result.status == 3:
                found.append(None)
                continue
            assert result.status == 0, result.message
            found.append(sign * result.fun * scale[self.index[target]])
        return found[0], found[1]

    def _refs(self) -> list[tuple]:
        refs = [None] * len(self.bounds)
        for ref, i in self.index.items():
            refs[i] = ref
        return refs


def add_rule_links(p: Published) -> None:
    """What a reader who knows the rules can add to the published tables (docs/rules.md and the table descriptions)."""
    o = lambda g, cell: p.ref("overgangen", g, cell)  # noqa: E731
    everyone = o(TOTAL, TOTAL)
    municipalities = sorted({k[0] for (t, c, k) in p.index if t == "overgangen"})
    # The same cases: the decisions in force and the comparison, per municipality and in total.
    for g in municipalities:
        p.equal([p.ref("uitkomsten", TOTAL, g, TOTAL)], [o(g, TOTAL)])
    # The causes add up to the gains and the losses.
    for change in ("komt erbij", "valt af"):
        if p.has(p.ref("oorzaken", change, TOTAL)):
            p.equal([p.ref("oorzaken", change, TOTAL)], [o(TOTAL, change)])
    # Failed criteria: at most every case; the same rule fails equally often under every framework.
    fails = lambda f, c: p.ref("afwijzingsgronden", f, c)  # noqa: E731
    frameworks = ["pilot-2023", "pilot-2024", "2026"]
    criteria = ["gebied", "technische aanleiding", "schadedrempel", "onafgehandelde schade"]
    for f in frameworks:
        for c in criteria:
            p.at_most([fails(f, c)], [everyone])
    for c in ("technische aanleiding", "onafgehandelde schade"):
        p.equal([fails("pilot-2023", c)], [fails("pilot-2024", c)])
        p.equal([fails("pilot-2024", c)], [fails("2026", c)])
    p.equal([fails("pilot-2023", "schadedrempel")], [fails("pilot-2024", "schadedrempel")])
    p.at_most([fails("pilot-2024", "gebied")], [fails("pilot-2023", "gebied")])
    # Eligible under pilot-2024 (stays eligible + loses) means passing all four criteria.
    eligible_before = [o(TOTAL, "blijft in aanmerking"), o(TOTAL, "valt af")]
    eligible_after = [o(TOTAL, "blijft in aanmerking"), o(TOTAL, "komt erbij")]
    for c in criteria:
        p.at_most(eligible_before + [fails("pilot-2024", c)], [everyone])
    p.at_most([everyone], [fails("pilot-2024", c) for c in criteria] + eligible_before)
    p.at_most([everyone], [fails("2026", c) for c in criteria] + eligible_after)
    # Boundary classes under 2026.
    not_eligible_after = [o(TOTAL, "valt af"), o(TOTAL, "blijft buiten")]
    for klasse in ("één criterium niet gehaald", "bestaand dossier buiten pilotgebied (I-1)"):
        p.at_most([p.ref("grensgevallen", klasse)], not_eligible_after)
    p.at_most([p.ref("grensgevallen", "WOZ-waarde begrenst het maximum")], eligible_after)
    for klasse in ("één beving te weinig", "schade net onder de drempel", "beving net onder 5 mm/s"):
        p.at_most([p.ref("grensgevallen", klasse)], [everyone])
    # Decisions naming the IVS and CBS routes are the not-eligible 2026 decisions in force (less refused exceptions).
    if p.has(p.ref("verwijsbare_besluiten", TOTAL)):
        routed = [p.ref("verwijsbare_besluiten", TOTAL)]
        p.at_most(routed, [p.ref("uitkomsten", "2026", TOTAL, "niet in aanmerking")])
    # Maximum amounts: every eligible pilot decision has 125,000; bands bound the sums.
    kaders = sorted({k[0] for (t, c, k) in p.index if t == "maximumbedragen"})
    labels = {code: CAP_BAND_LABELS[code] for code, _, _ in CAP_BANDS}
    for f in kaders:
        count = lambda band: p.ref("maximumbedragen", f, band)  # noqa: E731
        amount = lambda band: p.ref("maximumbedragen", f, band, column="som_eur")  # noqa: E731
        eligible = [p.ref("uitkomsten", f, TOTAL, "in aanmerking")]
        if f.startswith("pilot"):
            p.equal([count(TOTAL)], eligible)
            for band in [*labels.values(), TOTAL]:
                p.equal([amount(band)], [count(band)], scale=125_000)
            continue
        p.at_most([count(TOTAL)], eligible)
        for code, low, high in CAP_BANDS:
            if low:
                p.at_most([count(labels[code])], [amount(labels[code])], scale=1 / low)
            if high is not None:
                p.at_most([amount(labels[code])], [count(labels[code])], scale=high)


def true_values(audit_path: Path) -> dict[tuple, float]:
    """True value of each suppressed cell, keyed as the attacker keys cells (from the confidential audit)."""
    labels = {code: label for code, label in CAP_BAND_LABELS.items()}
    found = {}
    for entry in json.loads(audit_path.read_text())["entries"]:
        table, key = entry["table"], tuple(entry["key"])
        value = float(entry["true_value"])
        if table == "maximumbedragen_bedragen":
            found[("maximumbedragen", "som_eur", (key[0], labels.get(key[1], key[1])))] = value
        elif table == "maximumbedragen":
            found[("maximumbedragen", "aantal", (key[0], labels.get(key[1], key[1])))] = value
        elif table in ("oorzaken_erbij", "oorzaken_af"):
            change = "komt erbij" if table == "oorzaken_erbij" else "valt af"
            found[("oorzaken", "aantal", (change, *key))] = value
        else:
            found[(table, "aantal", key)] = value
    return found


def protection(ref: tuple, value: float) -> float:
    if ref[1] == "som_eur":
        return 0.2 * value  # 2p/100 of the sum, p = 10
    return max(10, math.ceil(0.1 * value))


# --- the synthetic ledger -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    ledger = build(tmp_path_factory.mktemp("ledger") / "ledger.db", 8000, seed=5)
    out = tmp_path_factory.mktemp("site") / "stats.db"
    summary = publish(ledger, out, generated="2026-11")
    return ledger, out, summary


def test_no_published_count_lies_between_1_and_9(publication):
    _, out, _ = publication
    conn = sqlite3.connect(out)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> '_publicatie'")]
    checked = 0
    for table in tables:
        for (n,) in conn.execute(f"SELECT aantal FROM {table} WHERE aantal IS NOT NULL"):
            assert not 1 <= n <= 9, (table, n)
            checked += 1
    assert checked > 50


def test_every_suppressed_cell_keeps_its_protection_interval_against_all_tables_together(publication):
    ledger, out, summary = publication
    attacker = Published(out)
    add_rule_links(attacker)
    truth = true_values(summary.audit_path)
    assert len(attacker.suppressed) >= 50  # the population is small enough for many small cells
    for ref in attacker.suppressed:
        low, high = attacker.interval(ref)
        value = truth[ref]
        assert low - 1e-6 <= value and (high is None or value <= high + 1e-6), (ref, low, high, value)
        if high is None:
            continue
        if ref[1] == "aantal":
            low, high = math.ceil(low - 1e-6), math.floor(high + 1e-6)
        assert high - low >= protection(ref, value) - 1e-6, f"{ref}: [{low}, {high}] pins {value}"


def test_recomputing_totals_never_gives_a_suppressed_cell(publication):
    _, out, _ = publication
    attacker = Published(out)
    add_rule_links(attacker)
    # An amount cell without contributors is withheld too (fewer than 10 contributors), but it has nothing to hide:
    # its count, 0, is published, so its sum is 0 by definition. Every other withheld cell must stay hidden.
    empty = {ref for ref in attacker.suppressed if ref[1] == "som_eur"
             and attacker.bounds[attacker.index[(ref[0], "aantal", ref[2])]] == [0, 0]}
    suppressed = {attacker.index[ref] for ref in attacker.suppressed if ref not in empty}
    assert suppressed
    for coefs, _ in attacker.eq:
        hidden = [i for i in coefs if i in suppressed]
        assert len(hidden) != 1, [ref for ref, i in attacker.index.items() if i in hidden]


ID_PATTERNS = {
    "case id": re.compile(r"\b[A-Z]{2,}-\d{3,}\b"),
    "address id": re.compile(r"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}\d{2}\d{2}T"),
    "Dutch date": re.compile(r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
                             r"november|december) \d{4}\b", re.I),
}


def test_no_column_anywhere_holds_an_id_or_a_date_finer_than_a_month(publication):
    ledger, out, _ = publication
    conn = sqlite3.connect(out)
    ids = {r[0] for r in sqlite3.connect(ledger).execute("SELECT case_id FROM records")}
    addresses = {r[0] for r in sqlite3.connect(ledger).execute(
        "SELECT DISTINCT json_extract(inputs, '$.address_id') FROM records")}
    scanned = 0
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        cursor = conn.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            for column, value in zip(columns, row):
                text = str(value)
                scanned += 1
                assert text not in ids and text not in addresses, (table, column, text)
                for what, pattern in ID_PATTERNS.items():
                    assert not pattern.search(text), f"{table}.{column} holds a {what}: {text[:80]}"
    assert scanned > 500


# --- a hand-made table where primary suppression alone gives the cell away --------------------------


def test_a_small_cell_that_the_margins_would_give_away_is_protected_end_to_end(tmp_path):
    """Eemsdelta has 3 eligible decisions: hiding only that cell, its row total minus the rest gives 3."""
    cases = []

    def add(count: int, municipality: str, eligible: bool) -> None:
        for _ in range(count):
            n = len(cases) + 1
            facts = {} if eligible else {"technical_cause": False}
            cases.append(parse_case(case_data(case_id=f"HAND-{n:04d}", address_id=f"{1651200000000000 + n}",
                                              municipality=municipality, **facts)))

    add(3, "Eemsdelta", True)
    add(40, "Eemsdelta", False)
    add(30, "Groningen", True)
    add(35, "Groningen", False)
    add(25, "Het Hogeland", True)
    add(30, "Het Hogeland", False)
    ledger = tmp_path / "ledger.db"
    with Ledger(ledger) as opened:
        record_cases(opened, cases)
    out = tmp_path / "stats.db"
    summary = publish(ledger, out, generated="2026-11")
    attacker = Published(out)
    add_rule_links(attacker)
    small = attacker.ref("uitkomsten", "2026", "Eemsdelta", "in aanmerking")
    assert small in attacker.suppressed

    # Naive primary suppression: the same published tables with only the small cell (and its twin in the
    # uitkomsten 'Totaal' kader, which holds the same 3) hidden.
    naive = Published(out)
    add_rule_links(naive)
    truth = true_values(summary.audit_path)
    for ref in naive.suppressed:
        if ref not in (small, naive.ref("uitkomsten", TOTAL, "Eemsdelta", "in aanmerking")):
            naive.bounds[naive.index[ref]] = [truth[ref], truth[ref]]
    low, high = naive.interval(small)
    assert (round(low), round(high)) == (3, 3)  # given away by the margins

    low, high = attacker.interval(small)
    assert high is None or math.floor(high + 1e-6) - math.ceil(low - 1e-6) >= 10, (low, high)
    for ref in attacker.suppressed:
        low, high = attacker.interval(ref)
        if high is not None and ref[1] == "aantal":
            assert math.floor(high + 1e-6) - math.ceil(low - 1e-6) >= protection(ref, truth[ref]), ref
