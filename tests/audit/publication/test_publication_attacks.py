"""Attacks on the published statistics, written from the published file and the public rules only.

The attacker reads every table of the statistics database, takes every published
value as known (amounts only to within their rounding), adds every margin identity
it can see (a row with ``Totaal`` is the sum of the rows it stands for) and every
relation between tables that follows from the rules (written out in `add_rule_links`,
including, per municipality, the recorded outcomes against the transition cells), and
then solves an integer program (scipy's `milp`, HiGHS) for the smallest and the
largest value of each suppressed cell. That code shares nothing with
`audit.publication`: labels and rules are written here from the table descriptions.
The true values come from the confidential audit report.
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
from scipy.optimize import Bounds, LinearConstraint, milp

from tests.support.cases import case_data
from tests.support.publication_ledger import build, publish_release
from audit.ledger import Ledger

from audit.ledger.recording import record_cases
from decisions.inputs import parse_case

TOTAL = "Totaal"
VALUE_COLUMNS = {"aantal", "status", "status_aantal", "som_eur", "gemiddelde_eur", "status_bedragen"}
SUPPRESSED = "onderdrukt"
HALF = 500  # amounts are rounded to whole thousands
BANDS = {  # bedragklasse: (lower bound exclusive, upper bound inclusive or None), in euros
    "tot en met € 125.000": (0, 125_000),
    "€ 125.000 tot en met € 250.000": (125_000, 250_000),
    "€ 250.000 tot en met € 375.000": (250_000, 375_000),
    "meer dan € 375.000": (375_000, None),
}
BAND_CODES = dict(zip((1, 2, 3, 4), BANDS))
YES, NO = "in aanmerking", "niet in aanmerking"
STAYS, GAINS, LOSES, OUTSIDE = "blijft in aanmerking", "komt erbij", "valt af", "blijft buiten"



# --- reading the published file ------------------------------------------------------------------


class Published:
    """Every cell of the statistics database as the attacker sees it: variables, known values and relations."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path)
        self.index: dict[tuple, int] = {}  # (table, column, key) -> variable
        self.bounds: list[list[float | None]] = []
        self.suppressed: list[tuple] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        self.dims: dict[str, list[str]] = {}
        self.about = dict(self.conn.execute("SELECT sleutel, waarde FROM _publicatie"))
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

    def values(self, table: str, position: int) -> list[str]:
        """The categories of one dimension of a table, without the total."""
        return sorted({k[position] for (t, c, k) in self.index if t == table and k[position] != TOTAL})

    def equal(self, left: list[tuple], right: list[tuple], scale: float = 1.0, constant: float = 0.0) -> None:
        """sum(left) == scale * sum(right) + constant."""
        row: dict[int, float] = defaultdict(float)
        for ref in left:
            row[self.index[ref]] += 1
        for ref in right:
            row[self.index[ref]] -= scale
        self.eq.append((dict(row), constant))

    def at_most(self, left: list[tuple], right: list[tuple], scale: float = 1.0) -> None:
        """sum(left) <= scale * sum(right)."""
        row: dict[int, float] = defaultdict(float)
        for ref in left:
            row[self.index[ref]] += 1
        for ref in right:
            row[self.index[ref]] -= scale
        self.le.append((dict(row), 0.0))

    def interval(self, target: tuple) -> tuple[float, float | None]:
        """The smallest and largest value of a cell that every published fact allows, counts being whole numbers."""
        n = len(self.bounds)
        refs = self._refs()
        scale = np.array([1000.0 if ref[1] == "som_eur" else 1.0 for ref in refs])
        integral = np.array([0 if ref[1] == "som_eur" else 1 for ref in refs])
        constraints = []
        for rows, is_eq in ((self.eq, True), (self.le, False)):
            if not rows:
                continue
            a = np.zeros((len(rows), n))
            for r, (coefs, _) in enumerate(rows):
                for i, c in coefs.items():
                    a[r, i] = c * scale[i]
            rhs = np.array([b for _, b in rows])
            constraints.append(LinearConstraint(a, rhs if is_eq else -np.inf, rhs))
        low = np.array([-np.inf if lo is None else lo / scale[i] for i, (lo, _) in enumerate(self.bounds)])
        high = np.array([np.inf if hi is None else hi / scale[i] for i, (_, hi) in enumerate(self.bounds)])
        found = []
        for sign in (1.0, -1.0):
            objective = np.zeros(n)
            objective[self.index[target]] = sign
            result = milp(objective, constraints=constraints, integrality=integral, bounds=Bounds(low, high))
            # Unbounded above (HiGHS may only say "infeasible or unbounded": the minimum exists, so it is feasible).
            if result.status == 3 or (result.status == 4 and sign < 0 and found[0] is not None):
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
    u = lambda f, g, outcome: p.ref("uitkomsten", f, g, outcome)  # noqa: E731
    everyone = o(TOTAL, TOTAL)
    rows = [*p.values("overgangen", 0), TOTAL]
    kaders = p.values("uitkomsten", 0)
    granted = [p.ref("verwijzingen", TOTAL, TOTAL, "toegekend")] if p.has(p.ref("verwijzingen", TOTAL, TOTAL, "toegekend")) \
        else []
    for g in rows:
        eligible_after, not_after = [o(g, STAYS), o(g, GAINS)], [o(g, LOSES), o(g, OUTSIDE)]
        eligible_before, not_before = [o(g, STAYS), o(g, LOSES)], [o(g, GAINS), o(g, OUTSIDE)]
        # The same cases: the decisions in force and the comparison.
        p.equal([u(TOTAL, g, TOTAL)], [o(g, TOTAL)])
        # The causes of a municipality add up to its gains and its losses.
        for change in (GAINS, LOSES):
            p.equal([p.ref("oorzaken", change, g, TOTAL)], [o(g, change)])
        # The decision in force under 2026 follows the rules of 2026, unless a granted referral made it eligible.
        if "2026" in kaders:
            others = [u(f, g, TOTAL) for f in kaders if f != "2026"]
            p.at_most([u("2026", g, YES)], eligible_after + granted)
            p.at_most([u("2026", g, NO)], not_after)
            p.at_most(eligible_after, [u("2026", g, YES)] + others)
            p.at_most(not_after, [u("2026", g, NO)] + granted + others)
        # Under the pilot: eligible under pilot-2023 means eligible under pilot-2024 (its area lies within).
        pilots = [f for f in ("pilot-2023", "pilot-2024") if f in kaders]
        if pilots:
            p.at_most([u(f, g, YES) for f in pilots], eligible_before)
        if "pilot-2024" in kaders:
            others = [u(f, g, TOTAL) for f in kaders if f != "pilot-2024"]
            p.at_most([u("pilot-2024", g, NO)], not_before)
            p.at_most(eligible_before, [u("pilot-2024", g, YES)] + others)
            p.at_most(not_before, [u("pilot-2024", g, NO)] + others)
        # Boundary classes under 2026, per municipality.
        klasse = lambda k: p.ref("grensgevallen", g, k)  # noqa: E731
        for k in ("één criterium niet gehaald", "bestaand dossier buiten pilotgebied (I-1)"):
            p.at_most([klasse(k)], not_after)
        p.at_most([klasse("WOZ-waarde begrenst het maximum")], eligible_after)
        for k in ("één beving te weinig", "schade net onder de drempel", "beving net onder 5 mm/s"):
            p.at_most([klasse(k)], [o(g, TOTAL)])
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
    eligible_before = [o(TOTAL, STAYS), o(TOTAL, LOSES)]
    eligible_after = [o(TOTAL, STAYS), o(TOTAL, GAINS)]
    for c in criteria:
        p.at_most(eligible_before + [fails("pilot-2024", c)], [everyone])
    p.at_most([everyone], [fails("pilot-2024", c) for c in criteria] + eligible_before)
    p.at_most([everyone], [fails("2026", c) for c in criteria] + eligible_after)
    # Decisions naming the IVS and CBS routes are not-eligible 2026 decisions in force.
    if p.has(p.ref("verwijsbare_besluiten", TOTAL)) and "2026" in kaders:
        p.at_most([p.ref("verwijsbare_besluiten", TOTAL)], [u("2026", TOTAL, NO)])
    # Maximum amounts: every eligible pilot decision has 125,000; every eligible decision has a cap basis;
    # only a rijksmonument has no maximum; bands bound the sums; 500,000 is the top band, the floor the lowest.
    basis = lambda f, b: p.ref("maximum_grondslag", f, b)  # noqa: E731
    statutory, floor = "wettelijk maximum € 500.000", "standaardbedrag € 125.000 (pilot, of bodem onder 2026)"
    for f in [*p.values("maximumbedragen", 0), TOTAL]:
        count = lambda band: p.ref("maximumbedragen", f, band)  # noqa: E731
        amount = lambda band: p.ref("maximumbedragen", f, band, column="som_eur")  # noqa: E731
        p.equal([basis(f, TOTAL)], [u(f, TOTAL, YES)])
        p.equal([count(TOTAL), basis(f, "rijksmonument (geen maximum)")], [basis(f, TOTAL)])
        if f.startswith("pilot"):
            for band in [*BANDS, TOTAL]:
                p.equal([amount(band)], [count(band)], scale=125_000)
            continue
        for band, (low, high) in BANDS.items():
            if low:
                p.at_most([count(band)], [amount(band)], scale=1 / low)
            if high is not None:
                p.at_most([amount(band)], [count(band)], scale=high)
        if f == "2026":
            p.at_most([basis(f, statutory)], [count(BAND_CODES[4])])
            p.at_most([basis(f, floor)], [count(BAND_CODES[1])])
    # The two objection tables count the same objections.
    if p.has(p.ref("bezwaren", TOTAL, TOTAL)):
        for q in [*p.values("bezwaren", 0), TOTAL]:
            p.equal([p.ref("bezwaren", q, TOTAL)], [p.ref("bezwaren_termijn", q, TOTAL)])
            p.equal([p.ref("bezwaren", q, "nog niet beslist")], [p.ref("bezwaren_termijn", q, "nog niet beslist")])
    # Every decision ever recorded, by period: their number is published; the decisions in force are among them.
    p.equal([p.ref("besluiten_per_maand", TOTAL, TOTAL)], [], constant=float(p.about["aantal_besluiten"]))
    for outcome in (YES, NO):
        p.at_most([u(TOTAL, TOTAL, outcome)], [p.ref("besluiten_per_maand", TOTAL, outcome)])


def true_values(audit_path: Path) -> dict[tuple, float]:
    """True value of each suppressed cell, keyed as the attacker keys cells (from the confidential audit)."""
    found = {}
    for entry in json.loads(audit_path.read_text())["entries"]:
        table, key = entry["table"], tuple(entry["key"])
        value = float(entry["true_value"])
        if table == "maximumbedragen_bedragen":
            found[("maximumbedragen", "som_eur", (key[0], BAND_CODES.get(key[1], key[1])))] = value
        elif table == "maximumbedragen":
            found[("maximumbedragen", "aantal", (key[0], BAND_CODES.get(key[1], key[1])))] = value
        elif table in ("oorzaken_erbij", "oorzaken_af"):
            change = GAINS if table == "oorzaken_erbij" else LOSES
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
    out, audit = publish_release(ledger, tmp_path_factory.mktemp("site"))
    return ledger, out, audit


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
    ledger, out, audit = publication
    attacker = Published(out)
    add_rule_links(attacker)
    truth = true_values(audit)
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
    """Eemsdelta has 3 eligible decisions: hiding only that cell, its row total minus the rest gives 3.

    Each municipality has at least 5,000 cases, so each is a row of its own (no region).
    """
    cases = []

    def add(count: int, municipality: str, eligible: bool) -> None:
        for _ in range(count):
            n = len(cases) + 1
            facts = {} if eligible else {"technical_cause": False}
            cases.append(parse_case(case_data(case_id=f"HAND-{n:04d}", address_id=f"{1651200000000000 + n}",
                                              municipality=municipality, **facts)))

    add(3, "Eemsdelta", True)
    add(5000, "Eemsdelta", False)
    add(30, "Groningen", True)
    add(5000, "Groningen", False)
    add(25, "Het Hogeland", True)
    add(5000, "Het Hogeland", False)
    ledger = tmp_path / "ledger.db"
    with Ledger(ledger) as opened:
        record_cases(opened, cases)
    (tmp_path / "site").mkdir()
    out, audit = publish_release(ledger, tmp_path / "site")
    attacker = Published(out)
    add_rule_links(attacker)
    small = attacker.ref("uitkomsten", "2026", "Eemsdelta", "in aanmerking")
    assert small in attacker.suppressed

    # Naive primary suppression: the same published tables with only the small cell (and its twin in the
    # uitkomsten 'Totaal' kader, which holds the same 3) hidden.
    naive = Published(out)
    add_rule_links(naive)
    truth = true_values(audit)
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
